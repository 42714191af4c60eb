/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "fastfmt.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Digits of v, written backwards ending at end; returns the first. */
static char *digits(char *end, uint64_t v)
{
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return end;
}

static void put_run(struct qt_sb *sb, const char *s, size_t n)
{
    char *p = qt_sb_room(sb, n);
    memcpy(p, s, n);
    sb->len += n;
    sb->buf[sb->len] = '\0';
}

void qtf_u64(struct qt_sb *sb, uint64_t v)
{
    char tmp[20];
    char *p = digits(tmp + sizeof(tmp), v);
    put_run(sb, p, (size_t)(tmp + sizeof(tmp) - p));
}

void qtf_label_u64(struct qt_sb *sb, const char *label, uint64_t v)
{
    qt_sb_puts(sb, label);
    qtf_u64(sb, v);
}

void qtf_u64_pad(struct qt_sb *sb, uint64_t v, unsigned width)
{
    char tmp[20];
    char *p = digits(tmp + sizeof(tmp), v);
    size_t n = (size_t)(tmp + sizeof(tmp) - p);
    if (width > n)
        qtf_spaces(sb, width - n);
    put_run(sb, p, n);
}

void qtf_hex(struct qt_sb *sb, uint64_t v)
{
    char tmp[16];
    char *p = tmp + sizeof(tmp);
    do {
        *--p = "0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v);
    put_run(sb, p, (size_t)(tmp + sizeof(tmp) - p));
}

void qtf_us(struct qt_sb *sb, uint64_t ns)
{
    qtf_us_pad(sb, ns, 0);
}

void qtf_us_pad(struct qt_sb *sb, uint64_t ns, unsigned width)
{
    char tmp[24];
    unsigned frac = (unsigned)(ns % 1000);
    char *end = tmp + sizeof(tmp);
    end[-1] = (char)('0' + frac % 10);
    end[-2] = (char)('0' + frac / 10 % 10);
    end[-3] = (char)('0' + frac / 100);
    end[-4] = '.';
    char *p = digits(end - 4, ns / 1000);
    if (width > (unsigned)(end - 4 - p))
        qtf_spaces(sb, width - (unsigned)(end - 4 - p));
    put_run(sb, p, (size_t)(end - p));
}

void qtf_spaces(struct qt_sb *sb, size_t n)
{
    char *p = qt_sb_room(sb, n);
    memset(p, ' ', n);
    sb->len += n;
    sb->buf[sb->len] = '\0';
}

static bool json_plain(unsigned char c)
{
    return c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&';
}

void qtf_json(struct qt_sb *sb, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && json_plain((unsigned char)s[j]))
            j++;
        if (j > i)
            put_run(sb, s + i, j - i);
        if (j == n)
            break;
        size_t k = j + 1;
        while (k < n && !json_plain((unsigned char)s[k]))
            k++;
        qt_sb_put_jsonescaped(sb, s + j, k - j);
        i = k;
    }
}
