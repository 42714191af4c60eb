/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The process timeline as QT_REC_PROC records: fork and thread creation, exec (with argv),
 * exit, and kernel module loads, of the selected processes (every module load and kernel panic).
 */
#ifndef QTRACE_KERNEL_TIMELINE_H
#define QTRACE_KERNEL_TIMELINE_H

/* Hooks */
void qt_ktl_on_new_task(unsigned vcpu_index, void *udata); /* wake_up_new_task(p) */
void qt_ktl_on_exec(unsigned vcpu_index, void *udata);     /* setup_new_exec(bprm) */
void qt_ktl_on_exit(unsigned vcpu_index, void *udata);     /* do_exit(code) */
void qt_ktl_on_module(unsigned vcpu_index, void *udata);   /* do_init_module(mod) */
void qt_ktl_on_start_thread(unsigned vcpu_index, void *udata); /* start_thread(regs, ip, sp) */
void qt_ktl_on_panic(unsigned vcpu_index, void *udata);    /* panic(fmt, ...) */

#endif
