/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Argument specs: parsing -A/-R text into slots, merging specs of one pattern. See argspec.h. */
#include "argspec.h"
#include "argtype.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void known_types(char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    const struct qt_argtype *t;
    for (size_t i = 0; (t = qt_argtype_at(i)) != NULL && used < len; i++) {
        int n = snprintf(buf + used, len - used, "%s%s", i ? " " : "", t->name);
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
    if (!at && text[0] && !strpbrk(text, ",/ \t")) {
        /* just a pattern: arguments and return value from DWARF */
        if (strlen(text) >= QT_PATTERN_MAX)
            SPEC_ERR("function pattern longer than %d characters", QT_PATTERN_MAX - 1);
        snprintf(out->pattern, sizeof(out->pattern), "%s", text);
        out->dwarf = true;
        return 0;
    }
    if (!at)
        SPEC_ERR("missing '@' (expected PATTERN, PATTERN@arg1[/TYPE][,argN[/TYPE]...] or PATTERN@retval[/TYPE])");
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
    dst->dwarf |= src->dwarf;
    for (int i = 0; i < src->nslots; i++)
        put_slot(dst, &src->slots[i]);
    sort_slots(dst);
}
