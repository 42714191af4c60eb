/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QEMU-TRACER compatibility (seed 000): its two configuration files, parsed and checked.
 * Pure: no I/O but reading the file in the *_load functions, nothing printed, no QEMU.
 *
 * configs.txt, line by line:
 *   1  the program to trace (its process name)                       helloWorld
 *   2  kernel address range, a union of hex addresses and ranges      ffffffff81000000~ffffffff81ffffff,ffffffff82000000
 *   3  user address range, the same syntax                             401000~402000
 *   4  funcstack:0|1                                                   funcstack:0
 *   5  linkmap:ADDR (hex; the program's .got.plt)                      linkmap:610000
 *   6  trace_type:MODE (see enum qt_compat_mode)                       trace_type:spec_func_with_param
 *   7+ one function per line: ADDR,pos,type,pos,type,...               ffffffff12345678,0,int,1,string
 *      pos 0 is the return value and must come first; types: see qt_compat_types().
 *
 * configs/reg_map.txt, one line per register: BITS REG POS --> QEMU_REG_INDEX
 *   64 R_EDI 1 --> 7        (x86-64: argument 1 in rdi; QEMU's R_EDI is 7)
 *   32 R_EAX 0 --> 0        (i386: the return value in eax)
 * A return-value line (POS 0) must come before the argument lines of the same word size.
 *
 * Every error is one line: "FILE:LINE: expected ..., got ..." (see docs/compat.md).
 */
#ifndef QTRACE_QTCOMPAT_H
#define QTRACE_QTCOMPAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QT_COMPAT_MAX_RANGES 64     /* items of one address union */
#define QT_COMPAT_MAX_FUNCS 4096    /* function lines */
#define QT_COMPAT_MAX_POS 16        /* argument positions 1..16 (QT_MAX_ARGS); 0 = return value */
#define QT_COMPAT_NAME_MAX 256      /* program name, NUL included */
#define QT_COMPAT_HEADER_LINES 6    /* lines before the function lines */

enum qt_compat_mode {
    QT_CM_SPEC_FUNC_WITH_PARAM = 0,   /* the listed functions, arguments decoded by type */
    QT_CM_ALL_FUNC_WITHOUT_PARAM,     /* every function, every process, no arguments */
    QT_CM_ALL_FUNC_WITH_PARAM,        /* every function, every process, raw argument registers */
    QT_CM_PROCESS_FUNC_WITHOUT_PARAM, /* every function while the named program runs */
    QT_CM_PROCESS_FUNC_WITH_PARAM,    /* the same, raw argument registers */
    QT_CM_NOMAL,                      /* the functions in the address ranges ("nomal", sic) */
    QT_CM_NMODES
};

/* A configs.txt argument type: its name there and the qtrace argument type it maps to
 * (argtype.h). One row per type in qtcompat.c. */
struct qt_compat_type {
    const char *name;       /* "int", "string", "socket", "cred", "inode", "dentry", ... */
    const char *qtype;      /* "i32", "s", "socket", ... */
    bool seed;              /* one of QEMU-TRACER's own six */
};

struct qt_compat_range {
    uint64_t lo, hi;        /* both included */
};

struct qt_compat_ranges {
    struct qt_compat_range r[QT_COMPAT_MAX_RANGES];
    int n;
};

struct qt_compat_param {
    uint8_t pos;                        /* 0 = return value, 1.. = argument */
    const struct qt_compat_type *type;
};

struct qt_compat_func {
    uint64_t addr;
    int line;                           /* in configs.txt */
    int nparams;                        /* the return value first (when given), then arguments by position */
    struct qt_compat_param params[QT_COMPAT_MAX_POS + 1];
};

struct qt_compat_cfg {
    char program[QT_COMPAT_NAME_MAX];
    struct qt_compat_ranges kernel, user;
    bool funcstack;
    uint64_t linkmap;                   /* 0: none */
    enum qt_compat_mode mode;
    struct qt_compat_func *funcs;       /* malloc'ed, sorted by address */
    size_t nfuncs;
};

/* Parse configs.txt from text (len bytes; name is used in messages: "configs.txt").
 * Returns 0, or -EINVAL (-ENOMEM) with "NAME:LINE: expected ..., got ..." in err; on error *c
 * is empty (qt_compat_free is safe either way). */
int qt_compat_parse(struct qt_compat_cfg *c, const char *text, size_t len, const char *name, char *err,
                    size_t errlen);
/* Read and parse the file path. Errors name the file. */
int qt_compat_load(struct qt_compat_cfg *c, const char *path, char *err, size_t errlen);
void qt_compat_free(struct qt_compat_cfg *c);

/* Is addr in the union? */
bool qt_compat_in(const struct qt_compat_ranges *r, uint64_t addr);
/* The function listed at addr, or NULL. */
const struct qt_compat_func *qt_compat_func_at(const struct qt_compat_cfg *c, uint64_t addr);

const char *qt_compat_mode_name(enum qt_compat_mode m);
/* all_func_with_param, process_func_with_param: raw argument registers of every function. */
bool qt_compat_mode_raw_params(enum qt_compat_mode m);
/* process_func_*: only while the named program runs. */
bool qt_compat_mode_process(enum qt_compat_mode m);
/* all_func_*, process_func_*: every function of the program. */
bool qt_compat_mode_every_func(enum qt_compat_mode m);

/* The type table (for help and messages). */
size_t qt_compat_types(const struct qt_compat_type **out);
const struct qt_compat_type *qt_compat_type_by_name(const char *name);
/* The configs.txt name of a qtrace argument type (id, bits), or NULL if it has none. */
const char *qt_compat_type_name_for(unsigned qt_type_id, unsigned bits);

/* ---- configs/reg_map.txt -------------------------------------------------------------------- */

struct qt_regmap_ent {
    bool set;
    uint8_t index;          /* QEMU's register index (R_EAX 0, R_ECX 1, ... R_EDI 7, R_8 8, ...) */
    int line;
    char reg[16];           /* as written: "R_EDI" */
};

struct qt_regmap {
    /* [0] 32-bit lines, [1] 64-bit lines; [..][0] the return value, [..][N] argument N */
    struct qt_regmap_ent m[2][QT_COMPAT_MAX_POS + 1];
    int nlines;
};

/* Parse reg_map.txt (blank lines and '#' comments allowed). 0, or -EINVAL with
 * "NAME:LINE: expected ..., got ..." in err. */
int qt_regmap_parse(struct qt_regmap *m, const char *text, size_t len, const char *name, char *err, size_t errlen);
int qt_regmap_load(struct qt_regmap *m, const char *path, char *err, size_t errlen);
/* QEMU-TRACER's own configs/reg_map.txt, used when the file is absent. */
extern const char qt_regmap_seed[];

/* The entries for word size bits (32 or 64), or NULL. */
const struct qt_regmap_ent *qt_regmap_of(const struct qt_regmap *m, int bits);
/* Argument positions with a line for word size bits: the highest N such that 1..N all have
 * one (0 if argument 1 has none). */
int qt_regmap_nargs(const struct qt_regmap *m, int bits);
/* Register name of QEMU index idx as QEMU's plugin API spells it for word size bits ("rdi",
 * "edi"), or NULL. */
const char *qt_regmap_plugin_reg(unsigned idx, int bits);
/* QEMU's index of REG ("R_EDI" -> 7; "R_8" and "R_R8" -> 8), or -1; 64-bit-only registers are
 * -1 for bits 32. */
int qt_regmap_reg_index(const char *reg, int bits);

/* Compare the lines of word size bits with where a calling convention passes arguments
 * (arg_regs[0..nregs), ret_reg; plugin register names). For every line that differs, one
 * message "NAME:LINE: ..." is stored in msgs (up to max); returns how many differ. */
size_t qt_regmap_compare(const struct qt_regmap *m, int bits, const char *name, const char *const *arg_regs,
                         int nregs, const char *ret_reg, const char *conv, char (*msgs)[256], size_t max);

#endif
