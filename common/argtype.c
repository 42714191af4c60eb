/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Argument types and argument specs. See argtype.h.
 *
 * Decoding runs in the plugin at event time (bounded reads of guest memory, no allocation);
 * formatting runs offline in the CLI. Guest data is untrusted: every byte that is not
 * printable ASCII is escaped, strings are length-limited by the decoder and by a->len.
 */
#include "argtype.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- scalar helpers ------------------------------------------------------------------- */

static uint64_t mask_bits(uint64_t v, unsigned bits)
{
    return bits == 0 || bits >= 64 ? v : v & ((UINT64_C(1) << bits) - 1);
}

static int64_t sign_extend(uint64_t v, unsigned bits)
{
    if (bits == 0 || bits >= 64)
        return (int64_t)v;
    uint64_t m = UINT64_C(1) << (bits - 1);
    v = mask_bits(v, bits);
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
    qt_sb_printf(out, "%" PRIu64, mask_bits(a->value, a->bits));
}

static void fmt_hex(const struct qt_arg *a, const uint8_t *data, struct qt_sb *out)
{
    (void)data;
    qt_sb_printf(out, "0x%" PRIx64, mask_bits(a->value, a->bits));
}

static void fmt_ptr(const struct qt_arg *a, const uint8_t *data, struct qt_sb *out)
{
    (void)data;
    uint64_t v = mask_bits(a->value, a->bits);
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
    qt_sb_puts(out, mask_bits(a->value, a->bits ? a->bits : 8) ? "true" : "false");
}

static void fmt_str(const struct qt_arg *a, const uint8_t *data, struct qt_sb *out)
{
    qt_sb_putc(out, '"');
    if (data && a->len)
        qt_sb_put_cescaped(out, (const char *)data, a->len);
    qt_sb_putc(out, '"');
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
      decode_str, fmt_str },
};

#define NTYPES (sizeof(types) / sizeof(types[0]))

const struct qt_argtype *qt_argtype_by_name(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < NTYPES; i++)
        if (strcmp(types[i].name, name) == 0)
            return &types[i];
    return NULL;
}

const struct qt_argtype *qt_argtype_by_id(unsigned id)
{
    for (size_t i = 0; i < NTYPES; i++)
        if (types[i].id == id)
            return &types[i];
    return NULL;
}

size_t qt_argtypes(const struct qt_argtype **out)
{
    if (out)
        *out = types;
    return NTYPES;
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

/* ---- specs ---------------------------------------------------------------------------- */

static void known_types(char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < NTYPES && used < len; i++) {
        int n = snprintf(buf + used, len - used, "%s%s", i ? " " : "", types[i].name);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

static void sort_slots(struct qt_argspec *s)
{
    /* insertion sort by pos: retval (0) first, then arg1, arg2, ... */
    for (int i = 1; i < s->nslots; i++) {
        struct qt_argslot x = s->slots[i];
        int j = i - 1;
        while (j >= 0 && s->slots[j].pos > x.pos) {
            s->slots[j + 1] = s->slots[j];
            j--;
        }
        s->slots[j + 1] = x;
    }
}

static void put_slot(struct qt_argspec *s, const struct qt_argslot *slot)
{
    for (int i = 0; i < s->nslots; i++) {
        if (s->slots[i].pos == slot->pos) {
            s->slots[i] = *slot;
            return;
        }
    }
    if (s->nslots < QT_MAX_ARGS + 1)
        s->slots[s->nslots++] = *slot;
}

static int spec_err(char *err, size_t errlen, const char *text, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int spec_err(char *err, size_t errlen, const char *text, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return -EINVAL;
    int n = snprintf(err, errlen, "bad argument spec '%.200s': ", text);
    if (n >= 0 && (size_t)n < errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -EINVAL;
}

#define SPEC_ERR(...) return spec_err(err, errlen, text, __VA_ARGS__)

/* Parse one ITEM (argN[/TYPE] or retval[/TYPE]) of length n at p. */
static int parse_item(const char *text, const char *p, size_t n, struct qt_argslot *slot, char *err, size_t errlen)
{
    char item[64];
    if (n == 0)
        SPEC_ERR("expected 'argN' or 'retval' %s", *p == ',' ? "before ','" : "at the end");
    if (n >= sizeof(item))
        SPEC_ERR("expected 'argN' or 'retval' at '%.40s...'", p);
    memcpy(item, p, n);
    item[n] = '\0';
    char *slash = strchr(item, '/');
    const char *tname = "i";
    if (slash) {
        *slash = '\0';
        tname = slash + 1;
    }
    if (strcmp(item, "retval") == 0) {
        slot->pos = 0;
    } else if (strncmp(item, "arg", 3) == 0 && isdigit((unsigned char)item[3])) {
        const char *d = item + 3;
        long num = 0;
        for (; *d; d++) {
            if (!isdigit((unsigned char)*d))
                SPEC_ERR("expected 'argN' or 'retval' at '%s'", item);
            if (num < 1000)
                num = num * 10 + (*d - '0');
        }
        if (num < 1 || num > QT_MAX_ARGS)
            SPEC_ERR("argument number %s out of range 1..%d", item + 3, QT_MAX_ARGS);
        slot->pos = (uint8_t)num;
    } else {
        SPEC_ERR("expected 'argN' or 'retval' at '%s'", item);
    }
    const struct qt_argtype *t = qt_argtype_by_name(tname);
    if (!t) {
        char known[256];
        known_types(known, sizeof(known));
        if (!*tname)
            SPEC_ERR("missing type after '/' in '%s/' (known: %s)", item, known);
        SPEC_ERR("unknown type '%.40s' (known: %s)", tname, known);
    }
    slot->type = t->id;
    slot->bits = t->bits;
    return 0;
}

int qt_argspec_parse(const char *text, struct qt_argspec *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (!text)
        text = "";
    const char *at = strrchr(text, '@');
    if (!at)
        SPEC_ERR("missing '@' (expected PATTERN@arg1[/TYPE][,argN[/TYPE]...] or PATTERN@retval[/TYPE])");
    size_t plen = (size_t)(at - text);
    if (plen == 0)
        SPEC_ERR("empty function pattern before '@' (expected e.g. 'main@arg1')");
    if (plen >= QT_PATTERN_MAX)
        SPEC_ERR("function pattern longer than %d characters", QT_PATTERN_MAX - 1);
    memcpy(out->pattern, text, plen);
    out->pattern[plen] = '\0';
    const char *p = at + 1;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        size_t trimmed = n;
        while (trimmed > 0 && (p[trimmed - 1] == ' ' || p[trimmed - 1] == '\t'))
            trimmed--;
        struct qt_argslot slot;
        int r = parse_item(text, p, trimmed, &slot, err, errlen);
        if (r < 0) {
            memset(out, 0, sizeof(*out));
            return r;
        }
        put_slot(out, &slot);
        if (!e)
            break;
        p = e + 1;
    }
    sort_slots(out);
    return 0;
}

void qt_argspec_merge(struct qt_argspec *dst, const struct qt_argspec *src)
{
    for (int i = 0; i < src->nslots; i++)
        put_slot(dst, &src->slots[i]);
    sort_slots(dst);
}
