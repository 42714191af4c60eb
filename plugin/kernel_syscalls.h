/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * System calls in system mode (syscalls=on): the kernel's system-call entry functions
 * (64-bit, int 0x80, sysenter) at entry and syscall_exit_to_user_mode at exit, with the
 * arguments from the pt_regs they are given. The call each task is in is kept per task, since
 * a task may sleep in one while others run on its vCPU.
 */
#ifndef QTRACE_KERNEL_SYSCALLS_H
#define QTRACE_KERNEL_SYSCALLS_H

#include "kernel_task.h"

void qt_ksys_init(void);
/* An exec (setup_new_exec) of the task on v whose execve entry was not recorded (it became
 * selected by the exec, or its file name was unreadable): record that entry now, from what
 * the kernel still has (file name and argv from the binprm, the rest from the task's pt_regs). */
void qt_ksys_exec(struct qt_vcpu *v, struct qt_ktask *k, uint64_t filename, uint64_t argv_p, const uint8_t *argv,
                  size_t argv_len, uint8_t argv_flags);
/* The task exec'ed out of the selection: its execve's return is not recorded, forget the call. */
void qt_ksys_forget(struct qt_ktask *k);

/* Hooks */
void qt_ksys_on_sys64(unsigned vcpu_index, void *udata);    /* do_syscall_64(regs, nr) */
void qt_ksys_on_sys80(unsigned vcpu_index, void *udata);    /* do_int80_*(regs) */
void qt_ksys_on_sysfast(unsigned vcpu_index, void *udata);  /* do_fast_syscall_32(regs) */
void qt_ksys_on_exit(unsigned vcpu_index, void *udata);     /* syscall_exit_to_user_mode(regs) */
void qt_ksys_on_irq_exit(unsigned vcpu_index, void *udata); /* irqentry_exit_to_user_mode(regs) */

#endif
