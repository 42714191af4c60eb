/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qtrace debug on a PIE: where the guest loaded the program, learned from one replay of the
 * recording with the plugin, as qtrace replay -p PROG would learn it.
 */
#ifndef QTRACE_CLI_DEBUG_BIAS_H
#define QTRACE_CLI_DEBUG_BIAS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Does gdb need PROG's load bias: a PIE on the host, or a path only in the recording's guest
 * image (guest_image: the recording has one)? */
bool qtc_debug_needs_bias(const char *prog, bool guest_image);

struct qtr;

/* PROG's first module record in trace r (the program as the replay named it: PROG itself, its
 * copy under the replay's sysroot, or a file of the same name; not the kernel): its load bias in
 * *bias and its path in *host (malloc'ed). 0, or -1 if no process mapped it. */
int qtc_debug_bias_in_trace(const struct qtr *r, const char *prog, uint64_t *bias, char **host);

/* Replay the recording recdir once (qtrace replay REC -p PROG -P FUNC, QEMU qemu or NULL) into
 * workdir/bias, its messages in workdir/bias.log, and find the first process's mapping of PROG:
 * its load bias in *bias and the host copy gdb reads (PROG, or the copy the replay took from the
 * guest image) in *host (malloc'ed). 0, or -1 with one line in err. */
int qtc_debug_learn_bias(const char *recdir, const char *prog, const char *func, const char *qemu,
                         const char *workdir, uint64_t *bias, char **host, char *err, size_t errlen);

#endif
