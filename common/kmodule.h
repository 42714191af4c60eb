/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A loadable kernel module's file under the guest's root (sysroot=ROOT): found by the module's
 * name in ROOT/lib/modules/VERSION (modules.dep, else a walk of that tree), and its BTF (.BTF,
 * split over the kernel's), which names its functions' parameters.
 */
#ifndef QTRACE_KMODULE_H
#define QTRACE_KMODULE_H

#include <stdbool.h>
#include <stddef.h>


/* Does pattern p name functions of loadable modules: "MODULE:GLOB" (MODULE a glob, not "lib" or
 * "kernel") or "module:NAME" (every function of NAME)? Then the module glob into mod and the
 * function glob into *fn. */
bool qt_kmodule_pattern(const char *p, char *mod, size_t cap, const char **fn);
/* "6.1.0-57-amd64" from a kernel banner ("Linux version 6.1.0-57-amd64 (...) #1 ...") into
 * buf; false if it has none. */
bool qt_kmodule_version(const char *banner, char *buf, size_t cap);
/* The .ko of module name ('-' and '_' alike, as the kernel names them) under
 * root/lib/modules/version; NULL if none. Caller frees. */
char *qt_kmodule_find(const char *root, const char *version, const char *name);
/* The .BTF of the module file ko split over base (the kernel's struct btf *): a struct btf *
 * (free with qt_kmodule_btf_free), or NULL. */
void *qt_kmodule_btf(const char *ko, void *base);
void qt_kmodule_btf_free(void *btf);

#endif
