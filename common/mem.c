/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "mem.h"

#include <string.h>

int qt_mem_read_str(const struct qt_mem *m, uint64_t addr, char *buf, size_t cap, bool *truncated)
{
    size_t got = 0;
    *truncated = false;
    while (got < cap) {
        uint64_t a = addr + got;
        size_t chunk = QT_GUEST_PAGE - (size_t)(a % QT_GUEST_PAGE);
        if (chunk > 64)
            chunk = 64; /* small reads: most strings are short */
        if (chunk > cap - got)
            chunk = cap - got;
        if (!m->read(m->ctx, a, buf + got, chunk)) {
            /* the chunk may straddle nothing unreadable but its tail: retry byte-wise */
            size_t i;
            for (i = 0; i < chunk; i++) {
                if (!m->read(m->ctx, a + i, buf + got, 1))
                    return got == 0 ? -1 : (int)got;
                if (buf[got] == '\0')
                    return (int)got;
                got++;
            }
            continue;
        }
        char *nul = memchr(buf + got, '\0', chunk);
        if (nul)
            return (int)(got + (size_t)(nul - (buf + got)));
        got += chunk;
    }
    *truncated = true;
    return (int)got;
}

bool qt_mem_read_uint(const struct qt_mem *m, uint64_t addr, unsigned bytes, uint64_t *out)
{
    uint8_t b[8];
    if (bytes == 0 || bytes > 8 || !m->read(m->ctx, addr, b, bytes))
        return false;
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes; i++)
        v |= (uint64_t)b[i] << (8 * i);
    *out = v;
    return true;
}
