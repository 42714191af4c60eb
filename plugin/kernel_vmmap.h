/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Memory maps of the selected processes (vmmap=on|pages, system mode with task structures).
 *
 * Maps: when a selected task returns to user mode from a system call that can change its map
 * (mmap, munmap, mprotect, brk, mremap, shmat, shmdt, exec, and a fork's child), the whole
 * map is read from the kernel's VMA tree (mm->mm_mt, a maple tree; node layouts from BTF) and
 * written as one QT_REC_VMA record, named as /proc/PID/maps names the areas. A map equal to
 * the one last written for the same process is not written again. A mapped file's name is kept
 * per vCPU by its struct file until a rename or mount change, so an unchanged file costs one read.
 *
 * Pages (vmmap=pages): every memory access of user code gets a callback; a selected task's
 * access looks its (task, virtual page) up in a fixed per-vCPU table and writes a QT_REC_PAGE
 * only when the page is new there or sits on another physical frame.
 */
#ifndef QTRACE_KERNEL_VMMAP_H
#define QTRACE_KERNEL_VMMAP_H

#include "kernel_task.h"

/* The KASLR slide is known (kernel.c's relocation): symbols and system call numbers. */
void qt_kvm_relocate(uint64_t slide);
/* Hook: syscall_exit_to_user_mode(regs) */
void qt_kvm_on_sys_exit(unsigned vcpu_index, void *udata);
/* A translation block of user code (vmmap=pages): its memory accesses get the page callback. */
void qt_kvm_tb_trans(struct qemu_plugin_tb *tb);

#endif
