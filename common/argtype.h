/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Argument types: how an argument or return value is read and shown (the TYPE of
 * -A 'greet@arg1/s', -R 'add@retval/i32'; specs: argspec.h).
 *
 * Every type is one row of a table: a name used in specs, a decode function run in the plugin
 * at event time (reads guest memory through struct qt_mem, bounded) and a format function run
 * offline by the CLI. Scalar types and strings are in argtype.c; kernel objects, argv and
 * exit (the types of kernel functions) in kargtype.c. Adding a type = its decode and format functions and one row in its file's table.
 */
#ifndef QTRACE_ARGTYPE_H
#define QTRACE_ARGTYPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format.h"
#include "mem.h"
#include "sb.h"

struct qt_argtype {
    const char *name;       /* spec spelling: "i32", "s", "x", ... */
    uint8_t id;             /* enum qt_arg_type */
    uint8_t bits;           /* integer width for scalar types */
    const char *help;       /* one line for --help */
    /* Fill a->flags, a->len and data[0..a->len) from the raw value (a->value already set).
     * NULL for scalar types (nothing to read). Never reads more than cap bytes of data. */
    void (*decode)(const struct qt_mem *m, struct qt_arg *a, uint8_t *data, size_t cap);
    /* Append the human-readable rendering (C-style escaped) to out. */
    void (*format)(const struct qt_arg *a, const uint8_t *data, struct qt_sb *out);
};

const struct qt_argtype *qt_argtype_by_name(const char *name);
const struct qt_argtype *qt_argtype_by_id(unsigned id);
/* Every type in --help order, one at a time: NULL past the last. */
const struct qt_argtype *qt_argtype_at(size_t i);

/* Decode one value into a (type/pos/bits/value set by the caller). */
void qt_arg_decode(const struct qt_mem *m, struct qt_arg *a, uint8_t *data, size_t cap);
/* Render one argument: uses the type's format, or "<unreadable 0x...>" etc. */
void qt_arg_format(const struct qt_arg *a, const uint8_t *data, struct qt_sb *out);
/* The format of strings: data[0..a->len) quoted and escaped, "..." after if truncated. */
void qt_arg_fmt_str(const struct qt_arg *a, const uint8_t *data, struct qt_sb *out);

/* The low bits of v (bits 0 or >= 64: all of it). */
static inline uint64_t qt_arg_low_bits(uint64_t v, unsigned bits)
{
    return bits == 0 || bits >= 64 ? v : v & ((UINT64_C(1) << bits) - 1);
}

#endif
