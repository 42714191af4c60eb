/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Everything qtrace needs to follow a Linux guest, loaded from the kernel image the guest
 * boots (kernel=PATH) and, optionally, a symbols file and a layout file: the image (for the
 * KASLR slide), the kernel's symbols, the structure layouts (BTF and/or layout file), the
 * offsets the kernel argument types use, and the BTF itself (parameter names of kernel
 * functions). Used by the plugin at install and by `qtrace system` before QEMU starts, so
 * both refuse the same inputs with the same message. Nothing here prints. See docs/kernel.md.
 */
#ifndef QTRACE_KINTRO_H
#define QTRACE_KINTRO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "argspec.h"
#include "kargtype.h"
#include "kallsyms.h"
#include "kimage.h"
#include "klayout.h"

struct qt_kintro {
    struct qt_kimage img;
    struct qt_ksyms ks;
    struct qt_klayout L;
    struct qt_koffsets ko;          /* for the kernel argument types (qt_argtype_set_koffsets) */
    uint64_t current_task_off;      /* per-cpu offset of each CPU's current task pointer */
    void *btf;                      /* struct btf * (libbpf), NULL without BTF */
    bool has_btf;                   /* the image has a usable .BTF */
    bool symbols_only;              /* an i386 kernel: symbols and KASLR slide only; L, ko, current_task_off
                                     * unset (processes are told apart by address space, not task) */
    char btf_note[512];             /* why the BTF could not be used, when a layout file replaced it */
};

/* Load kernel (bzImage or vmlinux), its symbols (symbols: a System.map or /proc/kallsyms
 * file instead of the image's kallsyms) and layouts (layout: a layout file over the BTF).
 * Returns 0, or a negative errno with one line in err that says what to supply, e.g.
 * "K has no BTF (.BTF section) and no layout file was given: supply one with --layout FILE
 * (plugin option layout=FILE; see docs/kernel.md)". On error *ki is empty (free is safe).
 * An i386 kernel loads its symbols only (ki->symbols_only; layout is not used). */
int qt_kintro_load(struct qt_kintro *ki, const char *kernel, const char *symbols, const char *layout, char *err,
                   size_t errlen);
void qt_kintro_free(struct qt_kintro *ki);

/* Can vmmap=on read this kernel's memory maps (the VMA maple tree's layouts)? 0, or -ENOENT
 * with one line in err naming the first field missing. */
int qt_kintro_check_vmmap(const struct qt_kintro *ki, char *err, size_t errlen);
/* Parameter names of kernel function func from BTF (FUNC -> FUNC_PROTO): up to max pointers
 * into the BTF (valid until qt_kintro_free), "" for an unnamed one. Returns how many
 * parameters the function has (0 if unknown). */
int qt_kintro_params(const struct qt_kintro *ki, const char *func, const char **names, int max);
/* The same in any BTF (a struct btf *: a module's, split over the kernel's); 0 if btf is NULL. */
int qt_btf_params(const void *btf, const char *func, const char **names, int max);

/* More kernel functions than this for one pattern need kernel_all=on (--kernel-all). */
#define QT_KINTRO_MAX_FUNCS 2000

struct qt_opts;
struct qt_symtab;
/*
 * The kernel functions the patterns of o select (func=, arg=, ret=, filter=; notrace= hides some of them):
 * "kernel:GLOB" always; a plain GLOB when no program is traced (prog NULL) or when it names
 * none of prog's functions. Traced: text symbols (t, T, w, W) in .text, outside the entry code
 * and the thunks. Returns 0 with *sel (malloc'ed indices into ki->ks.syms, by address, aliases
 * dropped), *specs (malloc'ed, parallel: each one's merged -A/-R spec or NULL) and *n; or
 * -E2BIG (a pattern selects more than QT_KINTRO_MAX_FUNCS without kernel_all=on), -ENOENT (a
 * kernel:GLOB matches nothing, or no pattern matches anything while no program is traced),
 * with a message in err.
 */
int qt_kintro_select(const struct qt_kintro *ki, const struct qt_opts *o, const struct qt_symtab *prog, size_t **sel,
                     const struct qt_argspec ***specs, size_t *n, char *err, size_t errlen);

#endif
