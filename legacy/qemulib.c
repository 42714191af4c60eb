/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The qemulib_* functions old plugins call (include/plugins.h). They are the only symbols of
 * this library with default visibility: main.c makes the library global so that the plugins it
 * opens resolve them here. Callers hold the plugin lock (they are called from plugin_* hooks).
 */
#include <stdarg.h>
#include <string.h>

#include "legacy.h"

#define QEMULIB __attribute__((visibility("default")))
#define READ_CHUNK 4096     /* guest memory is read in pieces that never cross a page */

QEMULIB void qemulib_log(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(lg.log ? lg.log : stderr, fmt, ap);
    va_end(ap);
    /* a vCPU may still run while QEMU exits (system mode): nothing may stay in the buffer */
    if (__atomic_load_n(&lg.exiting, __ATOMIC_ACQUIRE))
        lg_log_flush();
}

QEMULIB int qemulib_read_memory(void *cpu, uint64_t addr, uint8_t *buf, int len)
{
    struct lg_cpu *c = lg_cpu_check(cpu, "qemulib_read_memory");
    if (!c || len < 0 || (len > 0 && !buf))
        return -1;
    int done = 0;
    while (done < len) {
        uint64_t a = addr + (uint64_t)done;
        size_t n = READ_CHUNK - (size_t)(a & (READ_CHUNK - 1));
        if (n > (size_t)(len - done))
            n = (size_t)(len - done);
        if (!qemu_plugin_read_memory_vaddr(a, c->buf, n))
            return -1;
        memcpy(buf + done, c->buf->data, n);
        done += (int)n;
    }
    return 0;
}

/* An id the binary has no register for: said once per id (ids < 1024), then 0 bytes. */
static void unknown_reg(int reg, const char *why)
{
    static uint8_t warned[1024 / 8];
    static int warned_other;
    if (reg >= 0 && reg < 1024) {
        uint8_t bit = (uint8_t)(1u << (reg & 7));
        if (__atomic_fetch_or(&warned[reg >> 3], bit, __ATOMIC_RELAXED) & bit)
            return;
    } else if (__atomic_exchange_n(&warned_other, 1, __ATOMIC_RELAXED)) {
        return;
    }
    fprintf(stderr, LG_PREFIX "qemulib_read_register: register id %d %s on %s; it reads as 0 bytes "
            "(docs/legacy-api.md lists the ids)\n", reg, why, lg.target);
}

QEMULIB int qemulib_read_register(void *cpu, uint8_t *mem_buf, int reg)
{
    struct lg_cpu *c = lg_cpu_check(cpu, "qemulib_read_register");
    if (!c || !mem_buf)
        return 0;
    int row = lg_reg_find(reg);
    if (row < 0) {
        unknown_reg(reg, "is unknown");
        return 0;
    }
    const struct lg_reg *r = lg_reg_row((size_t)row);
    if (!r->name || !c->regs[row]) {
        unknown_reg(reg, r->name ? "names a register this QEMU does not show" : "is the fork's own, not in stock QEMU");
        return 0;
    }
    int got;
    if (c->in_hook && c->regs[row] == c->pc) {
        /* QEMU updates the program counter at block ends only: the hook's pc is the true one */
        g_byte_array_set_size(c->buf, sizeof(c->pc_now));
        memcpy(c->buf->data, &c->pc_now, sizeof(c->pc_now));
        got = (int)sizeof(c->pc_now);
    } else {
        g_byte_array_set_size(c->buf, 0);
        got = qemu_plugin_read_register(c->regs[row], c->buf);
    }
    if (got < 0)
        got = 0;
    if (got > r->size)
        got = r->size;
    memcpy(mem_buf, c->buf->data, (size_t)got);
    memset(mem_buf + got, 0, (size_t)(r->size - got));
    return r->size;
}

QEMULIB const char *qemulib_get_arch_name(void)
{
    return lg.target;
}
