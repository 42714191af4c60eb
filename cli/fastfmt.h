/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Appends to a struct qt_sb for the writers' per-event paths, without the printf family: each
 * writes exactly the bytes of the printf conversion or sb.h escaping named beside it, so a writer
 * can switch to them without changing one byte of its output. The buffer stays NUL-terminated.
 */
#ifndef QTRACE_CLI_FASTFMT_H
#define QTRACE_CLI_FASTFMT_H

#include <stddef.h>
#include <stdint.h>

#include "sb.h"

/* "%" PRIu64 */
void qtf_u64(struct qt_sb *sb, uint64_t v);
/* "%s%" PRIu64: label, then v */
void qtf_label_u64(struct qt_sb *sb, const char *label, uint64_t v);
/* "%*" PRIu64: right-aligned in width characters, spaces before */
void qtf_u64_pad(struct qt_sb *sb, uint64_t v, unsigned width);
/* "%" PRIx64 (lower case, no 0x) */
void qtf_hex(struct qt_sb *sb, uint64_t v);
/* "%" PRIu64 ".%03u" of ns / 1000 and ns % 1000: nanoseconds as microseconds */
void qtf_us(struct qt_sb *sb, uint64_t ns);
/* The same with "%*" PRIu64 for the microseconds: right-aligned in width characters */
void qtf_us_pad(struct qt_sb *sb, uint64_t ns, unsigned width);
/* n spaces ("%*s" of "") */
void qtf_spaces(struct qt_sb *sb, size_t n);
/* qt_sb_put_jsonescaped: runs of bytes that need no escape are copied whole */
void qtf_json(struct qt_sb *sb, const char *s, size_t n);

#endif
