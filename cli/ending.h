/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * How a run ended, and qtrace's exit status for it: the program's or guest's own end, --timeout,
 * QEMU killed, the trace file's disk full, a guest kernel panic, a triple fault. The table is in
 * docs/reliability.md#faults; qtc_end_judge() says the ending in one line when it is not a plain
 * exit.
 */
#ifndef QTRACE_CLI_ENDING_H
#define QTRACE_CLI_ENDING_H

#include <stdbool.h>

#include "reader.h"

#define QTC_EXIT_TRACE_STOPPED 3    /* recording stopped early: the trace could not be written */
#define QTC_EXIT_GUEST_PANIC 4      /* the guest kernel panicked */
#define QTC_EXIT_TRIPLE_FAULT 5     /* a guest CPU triple-faulted (a reset, which -no-reboot makes QEMU's end) */

struct qtc_end {
    int status;             /* QEMU's wait status */
    bool timed_out;         /* --timeout stopped QEMU */
    const char *reset_log;  /* QEMU's -d cpu_reset log (system mode), or NULL */
    int code;               /* out: qtrace's exit status */
    bool convert;           /* out: convert the trace (not a trace whose recording stopped early) */
};

/* Judge e from the trace r (at path) and QEMU's reset log; says the ending on stderr. */
void qtc_end_judge(const struct qtr *r, const char *path, struct qtc_end *e);

/* May qtrace system's QEMU log its CPU resets (-d cpu_reset -D FILE: a triple fault shows there)?
 * Not when the user's QEMU arguments choose a log of their own (-d or -D). */
bool qtc_end_reset_log_ok(char *const *user_args, int nuser);

#endif
