/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Guest memory access, abstracted so decoders run the same in the plugin and in unit tests. */
#ifndef QTRACE_MEM_H
#define QTRACE_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct qt_mem {
    /* Read exactly len bytes at guest virtual address addr; false if any byte is unreadable.
     * Must never fault: the plugin backs it with qemu_plugin_read_memory_vaddr(). */
    bool (*read)(void *ctx, uint64_t addr, void *buf, size_t len);
    void *ctx;
};

#define QT_GUEST_PAGE 4096u

/* Read a NUL-terminated string of at most cap bytes, page by page, so that a string ending
 * just before an unmapped page is still read. Returns the number of bytes stored (no NUL
 * stored), sets *truncated if no NUL was found within cap bytes, and returns -1 if not even
 * the first byte is readable. */
int qt_mem_read_str(const struct qt_mem *m, uint64_t addr, char *buf, size_t cap, bool *truncated);

/* Read a little-endian unsigned integer of 1, 2, 4 or 8 bytes. */
bool qt_mem_read_uint(const struct qt_mem *m, uint64_t addr, unsigned bytes, uint64_t *out);

#endif
