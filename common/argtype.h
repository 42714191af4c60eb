/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Argument types and argument specs (-A 'greet@arg1/s', -R 'add@retval/i32').
 *
 * Every type is one entry in the table in argtype.c: a name used in specs, a decode
 * function run in the plugin at event time (reads guest memory through struct qt_mem,
 * bounded) and a format function run offline by the CLI. Adding a type = one decode,
 * one format, one table entry.
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
/* The whole table, for --help: returns the count, *out points at the array. */
size_t qt_argtypes(const struct qt_argtype **out);

/* Decode one value into a (type/pos/bits/value set by the caller). */
void qt_arg_decode(const struct qt_mem *m, struct qt_arg *a, uint8_t *data, size_t cap);
/* Render one argument: uses the type's format, or "<unreadable 0x...>" etc. */
void qt_arg_format(const struct qt_arg *a, const uint8_t *data, struct qt_sb *out);

#define QT_MAX_ARGS 16
#define QT_PATTERN_MAX 128

struct qt_argslot {
    uint8_t pos;            /* 0 = retval, 1.. = argN */
    uint8_t type;           /* enum qt_arg_type */
    uint8_t bits;
};

/* One parsed -A/-R spec: "PATTERN@arg1/s,arg2,fparg..." or "PATTERN@retval/i32". */
struct qt_argspec {
    char pattern[QT_PATTERN_MAX];  /* function name or glob */
    int nslots;
    struct qt_argslot slots[QT_MAX_ARGS + 1];
};

/* Parse text into *out. Returns 0, or -EINVAL with a message in err saying what was
 * expected, e.g. "unknown type 'q' in 'add@arg1/q' (known: i u x p c b s ...)". */
int qt_argspec_parse(const char *text, struct qt_argspec *out, char *err, size_t errlen);

/* Merge src's slots into dst (same pattern): later slots replace earlier ones of the same pos. */
void qt_argspec_merge(struct qt_argspec *dst, const struct qt_argspec *src);

#endif
