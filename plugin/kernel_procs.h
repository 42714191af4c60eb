/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * processes=on: what qtrace ps needs beyond the process timeline (kernel_timeline.h). Every
 * translation block adds its instruction count to one of two per-vCPU counters, user or kernel
 * (an inline add, chosen at translation time from the block's address). At each task switch the
 * counters' growth since the vCPU's previous switch is written for the task leaving it (a
 * QT_PROC_RUN record), so a task's instructions are the sum of its RUN records, and the RUN
 * records of a vCPU add up to its counters (QT_PROC_VCPU, written at the end). What ran on a
 * vCPU before its first switch (firmware, kernel boot) is the idle task's, pid 0. A block cut
 * short by a fault is counted whole (its faulting instruction runs again and counts again).
 * commit_creds() gives uid changes (QT_PROC_CRED).
 */
#ifndef QTRACE_KERNEL_PROCS_H
#define QTRACE_KERNEL_PROCS_H

#include <stdbool.h>

#include "kernel_task.h"

/* At install, with processes=on. */
void qt_kprocs_init(void);
/* Every translation block (system mode): its instructions counted as user or kernel ones. */
void qt_kprocs_tb(struct qemu_plugin_tb *tb);
/* At the end, every vCPU stopped: the last RUN record of each vCPU and its totals. */
void qt_kprocs_finish(void);

/* Hooks: __switch_to(prev, next), after kernel_task.c's; commit_creds(new) */
void qt_kprocs_on_switch(unsigned vcpu_index, void *udata);
void qt_kprocs_on_creds(unsigned vcpu_index, void *udata);

#endif
