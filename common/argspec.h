/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Argument specs: which arguments and return value of which functions to record, and as
 * which type (-A 'greet@arg1/s,arg2/i32', -R 'add@retval/i32'). */
#ifndef QTRACE_ARGSPEC_H
#define QTRACE_ARGSPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "argtype.h" /* the types a spec names */

#define QT_MAX_ARGS 16
#define QT_PATTERN_MAX 128

struct qt_argslot {
    uint8_t pos;            /* 0 = retval, 1.. = argN */
    uint8_t type;           /* enum qt_arg_type */
    uint8_t bits;
};

/* One parsed -A/-R spec: "PATTERN@arg1/s,arg2,..." or "PATTERN@retval/i32", or just "PATTERN":
 * every argument and the return value, named and typed from the program's DWARF. */
struct qt_argspec {
    char pattern[QT_PATTERN_MAX];  /* function name or glob */
    int nslots;
    struct qt_argslot slots[QT_MAX_ARGS + 1];
    bool dwarf;                    /* "PATTERN" alone: arguments and return value as DWARF declares them */
};

/* Parse text into *out. Returns 0, or -EINVAL with a message in err saying what was
 * expected, e.g. "unknown type 'q' in 'add@arg1/q' (known: i u x p c b s ...)". */
int qt_argspec_parse(const char *text, struct qt_argspec *out, char *err, size_t errlen);

/* Merge src's slots into dst (same pattern): later slots replace earlier ones of the same pos. */
void qt_argspec_merge(struct qt_argspec *dst, const struct qt_argspec *src);

#endif
