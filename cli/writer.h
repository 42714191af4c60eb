/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Output formats. A writer consumes the events of a trace in time order (reader.h) and
 * writes one format to a stream. Adding a format = one file cli/w_NAME.c defining a
 * struct qtc_writer, and one entry in the table in cli/writer.c.
 */
#ifndef QTRACE_CLI_WRITER_H
#define QTRACE_CLI_WRITER_H

#include <stdbool.h>
#include <stdio.h>

#include "reader.h"
#include "sb.h"

struct qtc_wctx {
    const struct qtr *trace;
    FILE *out;              /* NULL for a directory format (is_dir) */
    void *state;            /* the writer's own, set by begin, freed by end */
    const char *dir;        /* directory formats: the (new, empty) directory to fill */
    char msg[512];          /* a writer may say here why it failed (one line, no prefix) */
};

struct qtc_writer {
    const char *name;       /* --format / -f NAME */
    const char *ext;        /* file written by run/system: trace.EXT */
    const char *help;       /* one line for --help */
    int (*begin)(struct qtc_wctx *w);
    int (*event)(struct qtc_wctx *w, const struct qtr_event *ev);
    /* Finish the output and free the state. Always called once begin succeeded, even
     * after an error (then the output is discarded). */
    int (*end)(struct qtc_wctx *w);
    /* Optional: execution-log records (QT_REC_EXECLOG_FIRST..LAST), in order. */
    int (*execlog)(struct qtc_wctx *w, const struct qt_rec_hdr *h);
    /* A directory format (uftrace.data): the writer fills ctx->dir instead of writing to
     * ctx->out. It is written as a whole by qtc_write_trace_file() (not to a stream); run and
     * system name it DIR/EXT instead of DIR/trace.EXT. */
    bool is_dir;
    /* Directory formats: is the existing directory path one this format wrote, that a new
     * output may replace? (An empty directory always may.) */
    bool (*dir_owned)(const char *path);
};

/* The table, in --help order. */
size_t qtc_writers(const struct qtc_writer *const **out);
const struct qtc_writer *qtc_writer_find(const char *name);
/* "text,json" -> writers (no duplicates). Returns the count, or -1 with a message in err. */
int qtc_writer_parse_list(const char *list, const struct qtc_writer **out, int max, char *err, size_t errlen);
/* The table for --help: a line per writer at indent, its name and help (files: and the output
 * run and system write, "(trace.txt)"). */
void qtc_writer_print_list(FILE *f, int indent, bool files);
/* list (n writers, room for max) with a and b appended where absent; returns the new count. */
int qtc_writer_add(const struct qtc_writer **list, int n, int max, const struct qtc_writer *a,
                   const struct qtc_writer *b);
/* Names of every writer, "text, json, folded", for messages. */
const char *qtc_writer_names(void);

/* Name of w's output in run/system's output directory: "trace.EXT", or EXT for a directory
 * format. Caller frees. */
char *qtc_writer_output_name(const struct qtc_writer *w);

/* Show progress on stderr during long conversions (set by run/system/dump on a terminal). */
extern bool qtc_writer_progress;
extern double qtc_writer_progress_every; /* seconds between updates (1) */

/* Replay trace r through writer w into out. 0, or -1 with a message in err. */
int qtc_write_trace(const struct qtr *r, const struct qtc_writer *w, FILE *out, char *err, size_t errlen);
/* Same into path, through a temporary file renamed when complete. A directory format is built
 * in a temporary directory next to path and renamed to path when complete; an existing
 * directory at path is replaced if it is empty or w->dir_owned() says it is one of its own. */
int qtc_write_trace_file(const struct qtr *r, const struct qtc_writer *w, const char *path, char *err, size_t errlen);

/* ---- helpers for writers ---------------------------------------------------------------- */

/* Function name: the symbol's (printable), else 0xADDR. */
void qtw_func_name(const struct qtr *r, const struct qtr_sym *sym, uint64_t func, struct qt_sb *out);
/* Name of argument pos (1-based) from the symbol's parameters, or NULL. */
const char *qtw_param_name(const struct qtr_sym *sym, unsigned pos);
/* "fork", "exec", "exit", "module", "thread", "panic" for a QT_REC_PROC record's kind ("event" if unknown) */
const char *qtw_proc_kind(uint64_t kind);
/* Is a QT_REC_PROC record of this kind instruction accounting (run, vcpu), for the ps formats only? */
bool qtw_proc_accounting(uint64_t kind);
/* A QT_PROC_LINKMAP record (the guest's own link map, cli/w_linkmap.c) in words: an entry as
 * "0xL_ADDR \"NAME\"" (true), the walk's end as a sentence (false; *stopped: it ended before
 * the list did, and out starts with the address marked <unreadable 0x...>). */
bool qtw_linkmap_line(const struct qtr_event *ev, struct qt_sb *out, bool *stopped);
/* Rendering of one argument (escaped, as argtype formats it). */
void qtw_arg_value(const struct qtr_arg *a, struct qt_sb *out);
/* The return value (pos 0) of an exit/sysret event, or NULL. */
const struct qtr_arg *qtw_retval(const struct qtr_event *ev);
/* Syscall name for nr on the trace's architecture, or NULL. */
const char *qtw_syscall_name(const struct qtr *r, uint64_t nr);
/* Rendering of argument a of syscall nr, like strace: AT_FDCWD, O_RDONLY|O_CLOEXEC, "path". */
void qtw_syscall_arg(const struct qtr *r, uint64_t nr, const struct qtr_arg *a, struct qt_sb *out);
/* Is argument i of syscall event ev shown? (open's mode is not, without O_CREAT/O_TMPFILE) */
bool qtw_syscall_arg_shown(const struct qtr *r, const struct qtr_event *ev, int i);
/* Append a syscall return value the way strace shows it: 3, -1 ENOENT (No such file...), 0x7f.. */
void qtw_syscall_ret(const char *name, const struct qtr_arg *ret, struct qt_sb *out);

extern const struct qtc_writer qtc_writer_text;
extern const struct qtc_writer qtc_writer_json;
extern const struct qtc_writer qtc_writer_folded;
extern const struct qtc_writer qtc_writer_linkmap;
extern const struct qtc_writer qtc_writer_uftrace;
extern const struct qtc_writer qtc_writer_execlog;      /* w_execlog.c */
extern const struct qtc_writer qtc_writer_execlog_json;
extern const struct qtc_writer qtc_writer_compat_log;   /* w_compat.c (qtrace compat) */
extern const struct qtc_writer qtc_writer_compat_stack;
extern const struct qtc_writer qtc_writer_disk;         /* w_disk.c (--disk-trace) */
extern const struct qtc_writer qtc_writer_ps;           /* w_ps.c (qtrace ps) */
extern const struct qtc_writer qtc_writer_ps_json;

#endif
