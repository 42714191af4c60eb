/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Kernel functions by name: patterns select kallsyms symbols (BTF names their parameters);
 * entries and rets inside them, and the rets of the return thunks for kernels built with
 * them, go to calls.c's callbacks, which keep shadow stacks per (task, kernel stack). A jump
 * out of a traced function is a tail call: its frame ends there. Matched by address only:
 * the running kernel patches its own code.
 */
#ifndef QTRACE_KERNEL_FUNCS_H
#define QTRACE_KERNEL_FUNCS_H

#include "vcpu.h"

/* Choose the kernel functions (opts' patterns) and find the return thunks. */
int qt_kfuncs_select(char *err, size_t errlen);
/* How many were chosen. */
size_t qt_kfuncs_count(void);
/* Does glob name one of the kernel functions traced? (a module pattern: did it select one?) */
bool qt_kfuncs_selects(const char *glob);
/* Do patterns name functions of loadable modules (MODULE:GLOB, module:NAME)? */
bool qt_kfuncs_modules_wanted(void);
/* Hook: do_init_module(mod): the functions of a module that patterns name are traced from now. */
void qt_kfuncs_on_module(unsigned vcpu_index, void *udata);
/* The KASLR slide is known: move them to their run-time addresses and announce them. */
void qt_kfuncs_relocate(uint64_t slide);
/* Instrument one kernel instruction at va (adj: instructions its block counted ahead of it). */
void qt_kfuncs_insn(struct qemu_plugin_insn *insn, uint64_t va, uint32_t adj);

#endif
