/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void qt_sb_init(struct qt_sb *sb) { sb->buf = NULL; sb->len = sb->cap = 0; }
void qt_sb_free(struct qt_sb *sb) { free(sb->buf); qt_sb_init(sb); }
void qt_sb_reset(struct qt_sb *sb) { sb->len = 0; if (sb->buf) sb->buf[0] = '\0'; }

static void grow(struct qt_sb *sb, size_t extra)
{
    if (sb->len + extra + 1 <= sb->cap)
        return;
    size_t cap = sb->cap ? sb->cap : 64;
    while (cap < sb->len + extra + 1)
        cap *= 2;
    char *nb = realloc(sb->buf, cap);
    if (!nb) {
        fputs("qtrace: out of memory\n", stderr);
        abort();
    }
    sb->buf = nb;
    sb->cap = cap;
}

char *qt_sb_room(struct qt_sb *sb, size_t n)
{
    grow(sb, n);
    return sb->buf + sb->len;
}

void qt_sb_putn(struct qt_sb *sb, const char *s, size_t n)
{
    grow(sb, n);
    memcpy(sb->buf + sb->len, s, n);
    sb->len += n;
    sb->buf[sb->len] = '\0';
}

void qt_sb_putc(struct qt_sb *sb, char c) { qt_sb_putn(sb, &c, 1); }
void qt_sb_puts(struct qt_sb *sb, const char *s) { qt_sb_putn(sb, s, strlen(s)); }

void qt_sb_printf(struct qt_sb *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    grow(sb, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
}

void qt_sb_put_cescaped(struct qt_sb *sb, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': qt_sb_puts(sb, "\\\""); break;
        case '\\': qt_sb_puts(sb, "\\\\"); break;
        case '\n': qt_sb_puts(sb, "\\n"); break;
        case '\t': qt_sb_puts(sb, "\\t"); break;
        case '\r': qt_sb_puts(sb, "\\r"); break;
        default:
            if (c < 0x20 || c >= 0x7f)
                qt_sb_printf(sb, "\\x%02x", c);
            else
                qt_sb_putc(sb, (char)c);
        }
    }
}

void qt_sb_put_cquoted(struct qt_sb *sb, const char *s, size_t n)
{
    qt_sb_putc(sb, '"');
    qt_sb_put_cescaped(sb, s, n);
    qt_sb_putc(sb, '"');
}

void qt_sb_put_jsonescaped(struct qt_sb *sb, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            qt_sb_putc(sb, '\\');
            qt_sb_putc(sb, (char)c);
        } else if (c < 0x20 || c >= 0x7f || c == '<' || c == '>' || c == '&') {
            /* < > & too: the JSON can be embedded in an HTML page as it is (no "</script>") */
            /* bytes >= 0x7f never reach here from guest data (C-escaped first); be safe anyway */
            qt_sb_printf(sb, "\\u%04x", c);
        } else {
            qt_sb_putc(sb, (char)c);
        }
    }
}
