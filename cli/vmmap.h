/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Memory maps in a trace (QT_REC_VMA, QT_REC_PAGE: --vmmap): the areas of a map record, each
 * as a /proc/PID/maps line, what changed between two maps of a process, and a process's map
 * at a point of the trace (qtrace dump --maps-at).
 */
#ifndef QTRACE_CLI_VMMAP_H
#define QTRACE_CLI_VMMAP_H

#include <stdbool.h>
#include <stdio.h>

#include "reader.h"
#include "sb.h"

/* The areas of a QT_REC_VMA record, in order; bounded by the record's size. */
struct qtv_iter {
    const uint8_t *p, *end;
};
struct qtv_area {
    struct qt_vma e;
    const char *name;       /* e.name_len bytes, not NUL-terminated */
};
void qtv_iter_init(struct qtv_iter *it, const struct qt_rec_call *c);
bool qtv_next(struct qtv_iter *it, struct qtv_area *a);

/* a as /proc/PID/maps shows it, without the newline: start-end perms offset major:minor inode,
 * then the name from column 74 (names escaped as C strings would be, quotes left out). */
void qtv_area_line(const struct qtv_area *a, struct qt_sb *out);
/* What caused a map record: "mmap", "exec"..., "start". */
void qtv_cause(const struct qtr *r, uint64_t cause, struct qt_sb *out);
/* The areas of map cur not in prev (prefix "+ ") and of prev not in cur ("- "), in address
 * order, each passed to line (prev NULL: all of cur's are new). Returns the number of changes. */
size_t qtv_diff(const struct qt_rec_call *prev, const struct qt_rec_call *cur,
                void (*line)(void *ctx, char sign, const struct qtv_area *a), void *ctx);

/* Parse --maps-at WHEN: "end", or seconds since the trace began ("2.5", "2.5s", "2500ms",
 * "2500000000ns"). *ts_ns = UINT64_MAX for end. false if malformed. */
bool qtv_parse_when(const char *when, uint64_t *ts_ns);
/* Print each process's map (pid 0: every process) as it was at ts_ns: the map after the last
 * change at or before it, of processes that had not ended yet (at end: the last map of every
 * process). Returns the number of processes printed, or -1 on a write error. */
long qtv_maps_at(const struct qtr *r, uint64_t ts_ns, uint32_t pid, FILE *out);

#endif
