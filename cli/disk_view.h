/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Block requests of a trace (QT_REC_DISK, --disk-trace) as the writers show them: a request's
 * fields read from its ISSUE record, each DONE paired with its ISSUE by the request's address,
 * and the text every format shares ("vda write 4096 bytes at sector 2048 [sync]").
 */
#ifndef QTRACE_CLI_DISK_VIEW_H
#define QTRACE_CLI_DISK_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "reader.h"
#include "sb.h"
#include "util.h"

struct qtc_disk_req {
    uint64_t rq;            /* the kernel's struct request (pairs ISSUE and DONE) */
    uint32_t flags;         /* cmd_flags: the operation in the low 8 bits */
    uint64_t sector;        /* first 512-byte sector */
    uint32_t bytes;
    char dev[33];           /* printable disk name, "?" if unreadable */
    uint64_t ino;           /* inode of the first segment's page, 0 if none */
    uint32_t mode;          /* its mode */
    char file[QT_STR_MAX + 8]; /* its path in its file system (escaped), "" if not a named regular file */
    uint32_t pid, tid;      /* the task running when it was issued */
    char comm[17];          /* its comm (printable) */
    uint64_t issue_ns;
};

/* Requests issued and not done yet, by address. */
struct qtc_disk_pairs {
    struct qtc_map open;
};

/* The request of an ISSUE record. */
void qtc_disk_req_of(const struct qtr_event *ev, struct qtc_disk_req *q);
/* Track ev (ISSUE: remember it; DONE: the issue it ends, removed from the pairs, caller frees;
 * NULL if its issue is not in the trace). */
struct qtc_disk_req *qtc_disk_track(struct qtc_disk_pairs *p, const struct qtr_event *ev);
void qtc_disk_pairs_free(struct qtc_disk_pairs *p);
/* "read", "write", "flush", "discard", or "op N". */
const char *qtc_disk_op_name(uint32_t flags, char buf[16]);
/* "vda write 4096 bytes at sector 2048 [sync,fua]" */
void qtc_disk_describe(const struct qtc_disk_req *q, struct qt_sb *out);
/* What the request serves: "file /pieces.bin (inode 12)", "inode 7 (not a regular file)", "no file". */
void qtc_disk_file(const struct qtc_disk_req *q, struct qt_sb *out);
/* The status of a DONE record (0: success). */
int qtc_disk_status(const struct qtr_event *ev);
/* A record as one line of text (after the thread): "disk vda write 4096 bytes at sector 2048: file
 * /a (inode 12)", "disk vda write 4096 bytes at sector 2048 done in 0.120 ms". Tracks it in p. */
void qtc_disk_text(struct qtc_disk_pairs *p, const struct qtr_event *ev, struct qt_sb *out);

#endif
