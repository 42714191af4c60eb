/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Argument types: the scalar ones and strings, the lookups over every table (kernel objects:
 * kargtype.c), decoding and formatting. See argtype.h.
 *
 * Decoding runs in the plugin at event time (bounded reads of guest memory, no allocation);
 * formatting runs offline in the CLI. Guest data is untrusted: every byte that is not
 * printable ASCII is escaped, strings are length-limited by the decoder and by a->len.
 */
#include "argtype.h"
#include "kargtype.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* ---- scalar helpers ------------------------------------------------------------------- */

static int64_t sign_extend(uint64_t v, unsigned bits)
{
    if (bits == 0 || bits >= 64)
        return (int64_t)v;
    uint64_t m = UINT64_C(1) << (bits - 1);
    v = qt_arg_low_bits(v, bits);
    return (int64_t)((v ^ m) - m);
}

/* ---- formats -------------------------------------------------------------------------- */

static void fmt_int(const struct qt_arg *a, const uint8_t *data, struct qt_sb *out)
{
    (void)data;
    qt_sb_printf(out, "%" PRId64, sign_extend(a->value, a->bits));
}

static void fmt_uint(const struct qt_arg *a, const uint8_t *data, struct qt_sb *out)
{
    (void)data;
    qt_sb_printf(out, "%" PRIu64, qt_arg_low_bits(a->value, a->bits));
}

static void fmt_hex(const struct qt_arg *a, const uint8_t *data, struct qt_sb *out)
{
    (void)data;
    qt_sb_printf(out, "0x%" PRIx64, qt_arg_low_bits(a->value, a->bits));
}

static void fmt_ptr(const struct qt_arg *a, const uint8_t *data, struct qt_sb *out)
{
    (void)data;
    uint64_t v = qt_arg_low_bits(a->value, a->bits);
    if (v == 0)
        qt_sb_puts(out, "NULL");
    else
        qt_sb_printf(out, "0x%" PRIx64, v);
}

static void fmt_char(const struct qt_arg *a, const uint8_t *data, struct qt_sb *out)
{
    (void)data;
    char c = (char)(a->value & 0xff);
    qt_sb_putc(out, '\'');
    if (c == '\'')
        qt_sb_puts(out, "\\'");
    else if (c == '"')
        qt_sb_putc(out, '"');
    else
        qt_sb_put_cescaped(out, &c, 1);
    qt_sb_putc(out, '\'');
}

static void fmt_bool(const struct qt_arg *a, const uint8_t *data, struct qt_sb *out)
{
    (void)data;
    qt_sb_puts(out, qt_arg_low_bits(a->value, a->bits ? a->bits : 8) ? "true" : "false");
}

void qt_arg_fmt_str(const struct qt_arg *a, const uint8_t *data, struct qt_sb *out)
{
    qt_sb_put_cquoted(out, data ? (const char *)data : "", data ? a->len : 0);
    if (a->flags & QT_ARG_TRUNCATED)
        qt_sb_puts(out, "...");
}

/* ---- decoders ------------------------------------------------------------------------- */

static void decode_str(const struct qt_mem *m, struct qt_arg *a, uint8_t *data, size_t cap)
{
    a->flags = 0;
    a->len = 0;
    if (a->value == 0) {
        a->flags = QT_ARG_NULL;
        return;
    }
    if (cap > QT_STR_MAX)
        cap = QT_STR_MAX;
    if (cap == 0 || !m || !m->read) {
        a->flags = QT_ARG_UNREADABLE;
        return;
    }
    bool trunc = false;
    int n = qt_mem_read_str(m, a->value, (char *)data, cap, &trunc);
    if (n < 0) {
        a->flags = QT_ARG_UNREADABLE;
        return;
    }
    a->len = (uint16_t)n;
    if (trunc) {
        a->flags |= QT_ARG_TRUNCATED;
    } else {
        /* qt_mem_read_str stops at a NUL or at the first unreadable byte: tell them apart,
         * so that a string running into an unmapped page is shown as cut short. */
        uint8_t nul = 1;
        if (!m->read(m->ctx, a->value + (uint64_t)n, &nul, 1) || nul != 0)
            a->flags |= QT_ARG_TRUNCATED;
    }
}

/* ---- the table ------------------------------------------------------------------------ */

static const struct qt_argtype types[] = {
    { "i", QT_T_INT, 64, "signed decimal integer, 64 bits (same as i64)", NULL, fmt_int },
    { "i8", QT_T_INT, 8, "signed decimal, low 8 bits", NULL, fmt_int },
    { "i16", QT_T_INT, 16, "signed decimal, low 16 bits", NULL, fmt_int },
    { "i32", QT_T_INT, 32, "signed decimal, low 32 bits (C int: 0xffffffff is -1)", NULL, fmt_int },
    { "i64", QT_T_INT, 64, "signed decimal, 64 bits", NULL, fmt_int },
    { "u", QT_T_UINT, 64, "unsigned decimal integer, 64 bits (same as u64)", NULL, fmt_uint },
    { "u8", QT_T_UINT, 8, "unsigned decimal, low 8 bits", NULL, fmt_uint },
    { "u16", QT_T_UINT, 16, "unsigned decimal, low 16 bits", NULL, fmt_uint },
    { "u32", QT_T_UINT, 32, "unsigned decimal, low 32 bits", NULL, fmt_uint },
    { "u64", QT_T_UINT, 64, "unsigned decimal, 64 bits", NULL, fmt_uint },
    { "x", QT_T_HEX, 64, "hexadecimal, 64 bits (same as x64)", NULL, fmt_hex },
    { "x8", QT_T_HEX, 8, "hexadecimal, low 8 bits", NULL, fmt_hex },
    { "x16", QT_T_HEX, 16, "hexadecimal, low 16 bits", NULL, fmt_hex },
    { "x32", QT_T_HEX, 32, "hexadecimal, low 32 bits", NULL, fmt_hex },
    { "x64", QT_T_HEX, 64, "hexadecimal, 64 bits", NULL, fmt_hex },
    { "p", QT_T_PTR, 64, "pointer: 0x7ffd1234, or NULL", NULL, fmt_ptr },
    { "c", QT_T_CHAR, 8, "character, quoted and escaped: 'a', '\\n', '\\xff'", NULL, fmt_char },
    { "b", QT_T_BOOL, 8, "boolean, low 8 bits: true or false", NULL, fmt_bool },
    { "s", QT_T_STR, 64, "NUL-terminated string read from guest memory (at most 256 bytes), escaped",
      decode_str, qt_arg_fmt_str },
};

#define NTYPES (sizeof(types) / sizeof(types[0]))

const struct qt_argtype *qt_argtype_at(size_t i)
{
    if (i < NTYPES)
        return &types[i];
    return i - NTYPES < qt_nkargtypes ? &qt_kargtypes[i - NTYPES] : NULL;
}

const struct qt_argtype *qt_argtype_by_name(const char *name)
{
    const struct qt_argtype *t;
    for (size_t i = 0; name && (t = qt_argtype_at(i)) != NULL; i++)
        if (strcmp(t->name, name) == 0)
            return t;
    return NULL;
}

const struct qt_argtype *qt_argtype_by_id(unsigned id)
{
    const struct qt_argtype *t;
    for (size_t i = 0; (t = qt_argtype_at(i)) != NULL; i++)
        if (t->id == id)
            return t;
    return NULL;
}

void qt_arg_decode(const struct qt_mem *m, struct qt_arg *a, uint8_t *data, size_t cap)
{
    const struct qt_argtype *t = qt_argtype_by_id(a->type);
    if (t && t->decode) {
        t->decode(m, a, data, cap);
    } else {
        a->len = 0;
        a->flags = 0;
    }
}

void qt_arg_format(const struct qt_arg *a, const uint8_t *data, struct qt_sb *out)
{
    if (a->flags & QT_ARG_NULL) {
        qt_sb_puts(out, "NULL");
        return;
    }
    if (a->flags & QT_ARG_UNREADABLE) {
        qt_sb_printf(out, "<unreadable 0x%" PRIx64 ">", a->value);
        return;
    }
    const struct qt_argtype *t = qt_argtype_by_id(a->type);
    if (t && t->format)
        t->format(a, data, out);
    else
        qt_sb_printf(out, "0x%" PRIx64, a->value); /* a type this qtrace does not know */
}
