/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small helpers shared by the common/ modules (library code: no printing, no exit). */
#ifndef QTRACE_QTUTIL_H
#define QTRACE_QTUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Format a one-line message into err (if given) and return rc: `return qt_fail(err, n, -EINVAL, ...)`. */
int qt_fail(char *err, size_t errlen, int rc, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Little-endian reads from a byte buffer (no alignment needed; the hosts are little-endian). */
static inline uint16_t qt_rd16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static inline uint32_t qt_rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline uint64_t qt_rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

#endif
