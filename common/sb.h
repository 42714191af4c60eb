/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A growable string buffer (CLI side; the plugin's hot paths never use it). */
#ifndef QTRACE_SB_H
#define QTRACE_SB_H

#include <stdarg.h>
#include <stddef.h>

struct qt_sb {
    char *buf;
    size_t len, cap;
};

void qt_sb_init(struct qt_sb *sb);
void qt_sb_free(struct qt_sb *sb);
void qt_sb_reset(struct qt_sb *sb);
void qt_sb_putc(struct qt_sb *sb, char c);
void qt_sb_puts(struct qt_sb *sb, const char *s);
void qt_sb_putn(struct qt_sb *sb, const char *s, size_t n);
void qt_sb_printf(struct qt_sb *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Room for n more bytes and the NUL at sb->buf + sb->len, which it returns (the caller writes
 * there, then adds what it wrote to sb->len and puts the NUL back). */
char *qt_sb_room(struct qt_sb *sb, size_t n);
/* Append bytes as a C string literal body: \" \\ \n \t and \xNN for anything not printable ASCII. */
void qt_sb_put_cescaped(struct qt_sb *sb, const char *s, size_t n);
/* The same between double quotes. */
void qt_sb_put_cquoted(struct qt_sb *sb, const char *s, size_t n);
/* Append text as a JSON string body (escapes " \ and control characters, \u00NN; also < > &, so
 * that the JSON can sit inside an HTML page). */
void qt_sb_put_jsonescaped(struct qt_sb *sb, const char *s, size_t n);

#endif
