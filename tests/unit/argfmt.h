/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Argument decoding then formatting for unit tests, as the plugin and the writers do it. */
#ifndef QTRACE_ARGFMT_H
#define QTRACE_ARGFMT_H

#include <stdio.h>
#include <string.h>

#include "argtype.h"

/* Decode an argument of the named type at value through m, with room for cap bytes of data,
 * then format it. Returns the text (a static buffer), "(no such type)", or "(wrote past cap)"
 * when the decoder wrote more than cap bytes; *flags and *len (when not NULL): the decoded
 * argument's. */
static inline const char *decode_format(const struct qt_mem *m, const char *type, uint64_t value, size_t cap,
                                        uint8_t *flags, uint16_t *len)
{
    static char out[2048];
    const struct qt_argtype *t = qt_argtype_by_name(type);
    if (!t)
        return "(no such type)";
    struct {
        struct qt_arg a;
        uint8_t data[QT_STR_MAX + 64];
    } rec;
    memset(&rec, 0xa5, sizeof(rec));
    rec.a.pos = 1;
    rec.a.type = t->id;
    rec.a.bits = t->bits;
    rec.a.value = value;
    rec.a.flags = 0;
    rec.a.len = 0;
    qt_arg_decode(m, &rec.a, rec.data, cap);
    if (flags)
        *flags = rec.a.flags;
    if (len)
        *len = rec.a.len;
    bool canary = true;
    for (size_t i = cap; i < sizeof(rec.data); i++)
        canary &= rec.data[i] == 0xa5;
    if (!canary || rec.a.len > cap)
        return "(wrote past cap)";
    struct qt_sb sb;
    qt_sb_init(&sb);
    qt_arg_format(&rec.a, rec.data, &sb);
    snprintf(out, sizeof(out), "%s", sb.buf ? sb.buf : "");
    qt_sb_free(&sb);
    return out;
}

#endif
