/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reading a .qtr trace (common/format.h).
 *
 * qtr_open() maps the file, checks the header and scans every chunk once: it collects the
 * function symbols (QT_REC_SYM, wherever they are: they may follow the events that use them,
 * in another vCPU's chunk), the modules (QT_REC_MAP) and statistics. A last chunk cut short
 * (QEMU killed while writing) is not an error: its complete records are used and a note says
 * so. qtr_replay() then delivers the records in global time order: every chunk is an ordered
 * run (records of one vCPU), and the runs are merged by ts_ns. Both stream: the pages of a
 * mapped trace leave memory once read, so that a trace of any size converts in a few MiB.
 *
 * Compact records (QT_REC_BASE + packed event words) are decoded into the same
 * events as full ENTRY/EXIT records: writers never see the difference. Their time is
 * interpolated by instruction count between their base and the next record of the chunk with
 * a time (format.h), and an exit's entry icount (aux) is the thread's entry at the same depth.
 */
#ifndef QTRACE_CLI_READER_H
#define QTRACE_CLI_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format.h"

struct qtr_sym {
    uint64_t addr, size;
    uint32_t flags;         /* enum qt_sym_flags */
    char *name;             /* printable: bytes outside ASCII 0x20..0x7e are \xNN */
    char **params;          /* parameter names (DWARF), printable; "" when unnamed */
    int nparams;
};

struct qtr_stats {
    uint64_t records;       /* every complete record */
    uint64_t events;        /* function entries and exits, syscalls and their returns */
    uint64_t entries;       /* function entries */
    uint64_t syscalls;      /* syscall entries */
    uint64_t functions;     /* distinct functions entered */
    uint64_t threads;       /* distinct (address space, tid) */
    uint64_t lost;          /* events the plugin could not record */
    uint64_t unknown;       /* records of a type this qtrace does not know (skipped) */
    uint64_t execlog;       /* execution-log records */
    uint64_t malformed;     /* records too short for their type (skipped) */
    uint64_t last_ts;       /* largest ts_ns seen */
    bool has_icount;        /* some record has a non-zero instruction count */
    bool has_vmmap;         /* some record is a memory map (QT_REC_VMA) */
};

struct qtr_run;

struct qtr {
    char *path;
    const uint8_t *data;
    size_t size;
    bool mapped;
    struct qt_file_hdr hdr;
    struct qtr_run *runs;   /* one per chunk, in file order */
    size_t nruns;
    struct qtr_sym *syms;   /* functions, sorted by address, unique addresses */
    size_t nsyms;
    struct qtr_sym *maps;   /* modules (QT_REC_MAP): name = path, addr = load bias */
    size_t nmaps;
    uint32_t *id_sym;       /* function id of compact records -> index in syms + 1 (0: unknown) */
    size_t nids;
    bool truncated;         /* the file ends inside a chunk */
    bool has_end;           /* a QT_REC_END record was found: the trace was closed cleanly */
    struct qt_rec_end end;
    bool has_stop;          /* a QT_REC_STOP record: the plugin stopped recording (disk full) */
    struct qt_rec_stop stop;
    size_t stop_note;       /* notes[stop_note - 1] says so (0: none) */
    const struct qt_rec_call *panic; /* the first guest kernel panic (QT_PROC_PANIC), or NULL */
    struct qtr_stats st;
    char **notes;           /* things the user should know (truncation, corruption) */
    size_t nnotes;
};

#define QTR_MAX_ARGS 32

struct qtr_arg {
    const struct qt_arg *a;
    const uint8_t *data;    /* a->len bytes, inside the record */
};

struct qtr_event {
    const struct qt_rec_hdr *h;     /* the raw record */
    unsigned type;                  /* enum qt_rec_type; compact records appear as ENTRY and EXIT */
    uint32_t vcpu;                  /* the vCPU that recorded it */
    uint64_t ts_ns;                 /* the record's time; untimed records: the time of the run */
    const struct qt_rec_call *call; /* ENTRY, EXIT, SYSCALL, SYSRET (compact ones: &fast) */
    const struct qtr_sym *sym;      /* ENTRY, EXIT: the function, NULL if it has no symbol */
    unsigned as;                    /* address-space ordinal: 0 for asid 0 in user mode, else 1, 2, ...
                                     * in order of first appearance (call and THREAD records) */
    uint64_t lost;                  /* LOST: count */
    const struct qt_rec_thread *thread; /* THREAD */
    const struct qt_rec_end *end;   /* END */
    struct qt_rec_call fast;        /* a compact record, decoded into a full one */
    int nargs;                      /* arguments that fit in the record (<= call->nargs) */
    struct qtr_arg args[QTR_MAX_ARGS]; /* last: not cleared between events */
};

/* Copy an event (writers that hold one back, e.g. for a one-line leaf, must use this: the
 * call of a compact record lives inside the event). */
void qtr_event_copy(struct qtr_event *dst, const struct qtr_event *src);

struct qtr_handlers {
    /* Every known record but SYM and MAP (those are looked up with qtr_sym_at). */
    int (*event)(const struct qtr_event *ev, void *ctx);
    /* Records QT_REC_EXECLOG_FIRST..LAST, in order, if set; skipped otherwise. */
    int (*execlog)(const struct qt_rec_hdr *h, void *ctx);
    void *ctx;
};

/* Open and scan path. Returns 0, or -1 with a one-line message in err (file named, what is
 * wrong, what to do). */
int qtr_open(struct qtr *r, const char *path, char *err, size_t errlen);
/* Same from a buffer (copied), for tests; name is used in messages. */
int qtr_open_mem(struct qtr *r, const void *buf, size_t len, const char *name, char *err, size_t errlen);
void qtr_close(struct qtr *r);

/* Deliver every record in time order. Stops at the first handler returning non-zero and
 * returns that value; 0 when everything was delivered. May be called more than once. */
int qtr_replay(const struct qtr *r, const struct qtr_handlers *h);

/* The function starting at addr, else the one containing it, else NULL. */
const struct qtr_sym *qtr_sym_at(const struct qtr *r, uint64_t addr);

const char *qtr_arch_name(uint32_t arch);
const char *qtr_mode_name(uint32_t mode);
/* What the records' times count, for headers: "host time", or "guest time (32 ns per instruction)". */
const char *qtr_clock_name(const struct qtr *r, char *buf, size_t len);

#endif
