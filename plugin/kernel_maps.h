/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The guest's file mappings (system mode, sysroot=): every ELF file a recorded process maps at
 * its start becomes a module of the layers below (its library functions traced where this
 * process loaded it, modules.h) and a QT_PROC_MAP record (the process's link map). Learned at
 * the entry of the kernel's mmap_region(file, addr, len, vm_flags, pgoff, uf), where the address
 * is final; the file's path comes from its struct file through the BTF layouts. A process that
 * unmaps a library or exits leaves its module: the code checks at translation (the bytes of the
 * file at that address, its build-id) keep another file mapped there later from being traced as
 * this one.
 */
#ifndef QTRACE_KERNEL_MAPS_H
#define QTRACE_KERNEL_MAPS_H

#include "kernel_task.h"

/* Hook: mmap_region(file, addr, len, vm_flags, pgoff, uf), at its entry. */
void qt_kmaps_on_mmap_region(unsigned vcpu_index, void *udata);

#endif
