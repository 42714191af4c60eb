/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Guest kernel introspection (system mode, kernel=PATH): a stock Linux guest, KASLR on, known
 * from nothing but the image it boots. The top of the kernel layer: it loads the image, hooks
 * the kernel functions the other kernel_*.c files need (one table), instruments kernel code,
 * and tells the layers below which task runs and whether it is recorded (threads.h's ops).
 *
 * What is read depends on the architecture (arch->kintro): with task structures (x86-64),
 * processes, system calls and the timeline; with symbols only (i386), kernel functions by
 * name, and processes chosen by address space instead (program_as=on, kernel_progas.h).
 * Hooks and kernel functions are chosen at translation time; every guest memory read goes
 * through the vCPU and is bounded; callbacks allocate nothing.
 */
#ifndef QTRACE_KERNEL_H
#define QTRACE_KERNEL_H

#include "plugin.h"

/* Loads symbols and layouts when kernel= is set, or starts loading them (kernel_async=on).
 * The options' combinations were checked before (qt_opts_check). */
int qt_kernel_init(char *err, size_t errlen);
/* A translation block at a kernel address: find the KASLR slide, instrument hooks and kernel
 * functions. True if the block was the kernel's (nothing else to do with it). */
bool qt_kernel_tb_trans(struct qemu_plugin_tb *tb);
/* At the end, every vCPU stopped: the last records of the kernel layer (processes=on). */
void qt_kernel_finish(void);
/* Kernel functions the patterns selected (SIZE_MAX while loading in the background). */
size_t qt_kernel_ntraced(void);
/* Does glob name a kernel function traced? (false while the kernel is not loaded) */
bool qt_kernel_selects(const char *glob);

#endif
