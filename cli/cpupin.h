/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One host CPU for a replay's QEMU. A replay's main-loop and vCPU threads hand over to each other
 * at every event of the log (several million in a boot); when they share a CPU the hand-over is a
 * local context switch, when they do not it is a cross-CPU wake-up, which on a virtual machine
 * costs a hypervisor exit. Pinning makes a replay on an otherwise idle machine up to twice as
 * fast (and one on a CPU busy with other work slower). Concurrent qtrace replays each claim a
 * different CPU through a lock file per CPU. */
#ifndef QTRACE_CPUPIN_H
#define QTRACE_CPUPIN_H

#include <stdbool.h>
#include <stddef.h>

struct qtc_cpupin {
    int cpu; /* the CPU claimed, or -1 */
    int fd;  /* its lock file, held until qtc_cpupin_release, or -1 */
};

/* spec: NULL or "none" (no CPU), "auto" (the first CPU of this process's set, from the one it
 * runs on, that no other qtrace replay holds; none if every one is held or the set has one CPU),
 * "idle" (auto while fewer other tasks are runnable than the set has CPUs, else none), or
 * a CPU number (pinned without a lock). Returns 0, or -1 with a message in err for a bad spec. */
int qtc_cpupin_claim(struct qtc_cpupin *p, const char *spec, char *err, size_t errlen);
/* "idle"'s test: fewer other runnable tasks (negative: unknown) than ncpu CPUs, so that the
 * kernel can keep them off QEMU's. A pinned QEMU on a CPU that other work keeps busy waits for
 * that work at every hand-over. */
bool qtc_cpupin_idle(int others, int ncpu);
/* in the child, before exec: restrict it (and the threads it creates) to p->cpu; p may be NULL */
void qtc_cpupin_apply(const struct qtc_cpupin *p);
void qtc_cpupin_release(struct qtc_cpupin *p);

#endif
