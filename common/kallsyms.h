/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel's symbol table, with link-time (unrandomized) addresses, from:
 *  - the kallsyms tables inside the kernel image itself, found by pattern search (a stripped
 *    vmlinux has no .symtab; kallsyms_token_table/_token_index, then _markers, _names,
 *    _num_syms, then _offsets + _relative_base or _addresses are located and decoded);
 *  - the ELF .symtab of an unstripped vmlinux;
 *  - the image's __ksymtab (exported symbols only), as a last resort;
 *  - a System.map or /proc/kallsyms format file (--kernel-symbols).
 * Per-cpu symbols (x86-64: offsets 0..~0x40000 into the per-cpu area, type 'A' in
 * kallsyms) are flagged; they are not moved by KASLR. See docs/kernel.md.
 */
#ifndef QTRACE_KALLSYMS_H
#define QTRACE_KALLSYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct qt_kimage;

struct qt_ksym {
    uint64_t addr;          /* link-time address; per-cpu symbols: offset in the per-cpu area */
    uint64_t size;          /* ELF st_size, else the distance to the next symbol (0 if unknown) */
    const char *name;       /* owned by the table */
    char type;              /* nm-style type letter: T t D d B b R r A W ... */
    bool percpu;            /* in [__per_cpu_start, __per_cpu_end] */
};

enum qt_ksyms_source {
    QT_KSYMS_NONE = 0,
    QT_KSYMS_KALLSYMS,      /* kallsyms tables in the image */
    QT_KSYMS_SYMTAB,        /* ELF .symtab */
    QT_KSYMS_KSYMTAB,       /* __ksymtab + __ksymtab_gpl: exported symbols only */
    QT_KSYMS_FILE,          /* System.map or /proc/kallsyms format file */
};

/* Where the kallsyms tables were found (link-time addresses), for QT_KSYMS_KALLSYMS. */
struct qt_kallsyms_loc {
    uint64_t num_syms, names, markers, token_table, token_index, offsets, relative_base, addresses;
    uint64_t relative_base_value;
    bool base_relative, absolute_percpu;
    unsigned marker_size;   /* 4 or 8 bytes */
};

struct qt_ksyms {
    struct qt_ksym *syms;   /* sorted by address (stable) */
    size_t n;
    uint32_t *by_name;      /* indices into syms sorted by name, then address */
    char *strpool;
    size_t strpool_len;
    enum qt_ksyms_source source;
    char how[256];          /* one line: where the table came from and how it was found */
    uint64_t percpu_start, percpu_end; /* per-cpu range, both 0 if unknown */
    uint64_t text_addr;     /* address of _text (or _stext), 0 if absent */
    uint64_t slide;         /* subtracted by qt_ksyms_unslide (a /proc/kallsyms of a KASLR boot) */
    size_t skipped_module_syms; /* /proc/kallsyms lines with a [module] (not in the image) */
    struct qt_kallsyms_loc loc;
};

/* Symbols from the image: .symtab if it has one, else the kallsyms tables, else __ksymtab.
 * Returns 0, or a negative errno with a one-line message naming the file in err
 * (-ENOENT: none of them found). */
int qt_ksyms_from_kimage(struct qt_ksyms *ks, const struct qt_kimage *k, char *err, size_t errlen);
/* One source only (-ENOENT if the image has no such table). */
int qt_ksyms_from_kallsyms(struct qt_ksyms *ks, const struct qt_kimage *k, char *err, size_t errlen);
int qt_ksyms_from_symtab(struct qt_ksyms *ks, const struct qt_kimage *k, char *err, size_t errlen);
int qt_ksyms_from_ksymtab(struct qt_ksyms *ks, const struct qt_kimage *k, char *err, size_t errlen);
/* "ADDRESS TYPE NAME [MODULE]" lines (System.map, /proc/kallsyms). Lines with a [module]
 * are skipped (counted). Errors name the file and line; Debian's placeholder System.map
 * and an all-zero /proc/kallsyms (kptr_restrict) get their own message. */
int qt_ksyms_load_file(struct qt_ksyms *ks, const char *path, char *err, size_t errlen);
void qt_ksyms_free(struct qt_ksyms *ks);

/* If _text is not at link_text (a /proc/kallsyms from a KASLR boot), subtract the
 * difference from every symbol that is not per-cpu and record it in ks->slide. Returns 0,
 * or -EINVAL if _text is unknown or the difference is not a multiple of QT_KASLR_ALIGN. */
int qt_ksyms_unslide(struct qt_ksyms *ks, uint64_t link_text);

/* Symbol named name (a global one if there are several; else the lowest address), or NULL. */
const struct qt_ksym *qt_ksyms_find(const struct qt_ksyms *ks, const char *name);
/* All symbols named name, by address: stores up to max pointers, returns how many exist. */
size_t qt_ksyms_find_all(const struct qt_ksyms *ks, const char *name, const struct qt_ksym **out, size_t max);
/* The symbol containing link-time address addr (the best-named one at its address: text,
 * then global), or NULL. Per-cpu offsets are looked up the same way. */
const struct qt_ksym *qt_ksyms_lookup(const struct qt_ksyms *ks, uint64_t addr);
/* Run-time address of sym for a KASLR slide (x86-64 per-cpu offsets are not moved; every i386
 * kernel address is, per-cpu ones included). */
uint64_t qt_ksym_runtime_addr(const struct qt_ksym *sym, uint64_t slide);

#endif
