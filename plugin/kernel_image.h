/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The guest's kernel as read from the image it boots (kernel=PATH: common/kintro.c reads its
 * kallsyms, BTF and layouts), loaded at install or, with kernel_async=on, by a thread while the
 * guest's firmware runs. The bottom of the kernel layer: the other kernel_*.c files read it.
 */
#ifndef QTRACE_KERNEL_IMAGE_H
#define QTRACE_KERNEL_IMAGE_H

#include "kintro.h"
#include "plugin.h"

extern struct qt_kintro qt_kernel;     /* valid once qt_kernel_loaded() */
extern uint64_t qt_kernel_space;       /* lowest kernel address (the image's PAGE_OFFSET once known) */

/* Is the image loaded (and everything derived from it published)? */
bool qt_kernel_loaded(void);
/* Publish it: what was set up before is visible to every vCPU from now on. */
void qt_kernel_publish(void);
/* Run load in a thread; qt_kernel_wait() waits for it. False if no thread could be started. */
bool qt_kernel_load_async(void (*load)(void));
/* A load in the background has not finished. */
bool qt_kernel_pending(void);
void qt_kernel_wait(void);
/* Link-time (then, once relocated by the caller, run-time) address of a kernel symbol, or 0. */
uint64_t qt_kernel_sym(const char *name);

#endif
