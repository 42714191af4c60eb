/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * program_as=on: the address spaces (cr3) the program's own code runs in. Only code with the
 * program's bytes is instrumented in user mode, but two static programs share their libc's code
 * (init's malloc can have calls' bytes at calls' address), so a user-mode callback in an address
 * space not seen before is checked once: the program's signature (the first bytes of main, or
 * of its entry point) must be in that address space at their address. Kernel code counts while
 * one of the program's address spaces is current and the task running (known from
 * __switch_to's argument, a pointer: no layout needed) has run the program's user code: kernel
 * threads run on the address space of the task before them (lazy TLB) and are told apart so.
 * Fixed tables (the program's address spaces and tasks, and the address spaces already found
 * not to be the program's), slots claimed by compare-and-swap (no lock), freed at pgd_free and
 * free_task.
 */
#ifndef QTRACE_KERNEL_PROGAS_H
#define QTRACE_KERNEL_PROGAS_H

#include "vcpu.h"

/* The program's signature, from program=PATH (needs its code at main or its entry point). */
int qt_progas_init(char *err, size_t errlen);
/* Is what runs on v the program (its address space, and a task that ran its code)? */
bool qt_progas_selected(struct qt_vcpu *v);

/* Hooks: __switch_to(prev, next), free_task(tsk), pgd_free(mm, pgd) */
void qt_progas_on_switch(unsigned vcpu_index, void *udata);
void qt_progas_on_free_task(unsigned vcpu_index, void *udata);
void qt_progas_on_pgd_free(unsigned vcpu_index, void *udata);

#endif
