/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Function symbols of one ELF module (program or library), sorted by address. */
#ifndef QTRACE_SYMTAB_H
#define QTRACE_SYMTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct qt_param {           /* from DWARF, when the ELF has it */
    const char *name;
    uint8_t type;           /* enum qt_arg_type (QT_T_STR for char pointers), 0 if unknown */
    uint8_t bits;           /* integer width */
};

struct qt_sym {
    uint64_t addr;          /* run-time address (file address + bias) */
    uint64_t size;
    const char *name;       /* owned by the table */
    uint16_t nparams;       /* DWARF formal parameters (0 if none or no DWARF) */
    uint8_t ret_type, ret_bits; /* DWARF return type, 0 = void or unknown */
    const struct qt_param *params; /* owned by the table */
    const char *const *aliases; /* the other names of this address (glibc's __write for write) */
    uint16_t naliases;
    bool ifunc;             /* STT_GNU_IFUNC: addr is the resolver, which returns the implementation */
};

struct qt_segment {         /* a PT_LOAD segment, for reading bytes at a run-time address */
    uint64_t vaddr, memsz, filesz, offset;
    bool exec;
};

struct qt_symtab {
    char *path;
    struct qt_sym *syms;    /* sorted by addr, FUNC symbols only (plus resolved PLT entries) */
    size_t n;
    char *strpool;
    const char **aliases;   /* storage of every symbol's aliases */
    uint64_t bias;          /* load bias added to file addresses */
    uint64_t text_lo, text_hi; /* run-time range of executable segments */
    uint64_t entry;
    int machine;            /* ELF e_machine */
    int elf_class;          /* 32 or 64 */
    bool pie;               /* ET_DYN */
    bool has_debug;         /* .debug_info present */
    struct qt_segment seg[16];
    int nseg;
    uint8_t *image;         /* the whole file, mmap'ed or read */
    size_t image_size;
};

/* Load .symtab and .dynsym FUNC symbols of an ELF file. bias is added to every address.
 * Returns 0, or a negative errno with a one-line message in err (file named). */
int qt_symtab_load(struct qt_symtab *st, const char *path, uint64_t bias, char *err, size_t errlen);
void qt_symtab_free(struct qt_symtab *st);

/* Symbol containing addr, or NULL. */
const struct qt_sym *qt_symtab_lookup(const struct qt_symtab *st, uint64_t addr);
/* The first symbol starting above addr, or NULL. */
const struct qt_sym *qt_symtab_next(const struct qt_symtab *st, uint64_t addr);
/* Symbol whose name, or one of whose aliases, is exactly name, or NULL. */
const struct qt_sym *qt_symtab_find(const struct qt_symtab *st, const char *name);
/* Copy len bytes of the file image at run-time address addr; false if not in a segment's file part. */
bool qt_symtab_read(const struct qt_symtab *st, uint64_t addr, void *buf, size_t len);

/* Does glob match the symbol's name or one of its aliases? */
bool qt_sym_match(const struct qt_sym *s, const char *glob);

/* Shell-style glob (* ? [..]) matching, used by -F/-N patterns. */
bool qt_glob_match(const char *pattern, const char *name);

#endif
