/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Guest kernel introspection (system mode, kernel=PATH): kernel symbols recovered from the
 * image, the KASLR slide found at run time, the current task on every vCPU.
 * This first version only reports that no kernel image is used: the thread of an event is
 * then identified by address space and thread pointer (see calls.c).
 */
#include "qtrace.h"

int qt_kernel_init(char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    return 0;
}

bool qt_kernel_tb_trans(struct qemu_plugin_tb *tb)
{
    (void)tb;
    return false;
}

uint64_t qt_kernel_current_task(struct vcpu *v)
{
    (void)v;
    return 0;
}

bool qt_kernel_task_ids(struct vcpu *v, uint64_t task, uint32_t *tid, uint32_t *tgid, char comm[16])
{
    (void)v;
    (void)task;
    (void)tid;
    (void)tgid;
    (void)comm;
    return false;
}
