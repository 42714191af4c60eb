/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Per-vCPU state: what an old plugin's `cpu` argument points to. Created at vCPU init, on the
 * vCPU's own thread, with the register handles of the binary's table looked up by name; never
 * freed (a vCPU index is reused by a later thread in user mode, and then keeps its state).
 */
#include <stdlib.h>
#include <string.h>

#include "legacy.h"

static struct lg_cpu *cpus[LG_MAX_VCPUS];          /* by vCPU index, NULL until initialised */
static _Thread_local struct lg_cpu *thread_cpu;     /* the vCPU this thread runs */

static struct qemu_plugin_register *find_reg(GArray *list, const char *name)
{
    for (guint i = 0; list && i < list->len; i++) {
        qemu_plugin_reg_descriptor *d = &g_array_index(list, qemu_plugin_reg_descriptor, i);
        if (strcmp(d->name, name) == 0)
            return d->handle;
    }
    return NULL;
}

struct lg_cpu *lg_cpu_init(unsigned index)
{
    if (index >= LG_MAX_VCPUS) {
        fprintf(stderr, LG_PREFIX "vCPU %u: more than %d vCPUs; old plugins see it as vCPU 0\n", index,
                LG_MAX_VCPUS);
        thread_cpu = cpus[0];
        return NULL;
    }
    struct lg_cpu *c = __atomic_load_n(&cpus[index], __ATOMIC_ACQUIRE);
    if (!c) {
        size_t n = lg_regs_count();
        c = calloc(1, sizeof(*c));
        if (c)
            c->regs = calloc(n ? n : 1, sizeof(*c->regs));
        if (!c || !c->regs) {
            fprintf(stderr, LG_PREFIX "out of memory for vCPU %u\n", index);
            abort();
        }
        c->magic = LG_CPU_MAGIC;
        c->index = index;
        c->buf = g_byte_array_sized_new(4096);
        GArray *list = qemu_plugin_get_registers();
        for (size_t i = 0; i < n; i++) {
            const struct lg_reg *r = lg_reg_row(i);
            c->regs[i] = r->name ? find_reg(list, r->name) : NULL;
        }
        c->pc = lg_regs_pc_name() ? find_reg(list, lg_regs_pc_name()) : NULL;
        if (list)
            g_array_free(list, TRUE);
        __atomic_store_n(&cpus[index], c, __ATOMIC_RELEASE);
    }
    thread_cpu = c;
    return c;
}

struct lg_cpu *lg_cpu_at(unsigned index)
{
    struct lg_cpu *c = index < LG_MAX_VCPUS ? __atomic_load_n(&cpus[index], __ATOMIC_ACQUIRE) : NULL;
    return c ? c : lg_cpu_current();
}

struct lg_cpu *lg_cpu_current(void)
{
    /* single-threaded TCG runs every vCPU on one thread: the last one initialised there */
    return thread_cpu ? thread_cpu : __atomic_load_n(&cpus[0], __ATOMIC_ACQUIRE);
}

struct lg_cpu *lg_cpu_check(void *cpu, const char *fn)
{
    struct lg_cpu *c = cpu;
    if (c && c->magic == LG_CPU_MAGIC)
        return c;
    static int warned;
    if (!__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED))
        fprintf(stderr, LG_PREFIX "%s: cpu %p is not a cpu the plugin was given (pass on the cpu argument "
                "of plugin_* functions); the call fails\n", fn, cpu);
    return NULL;
}

uint64_t lg_cpu_pc(struct lg_cpu *c)
{
    if (!c || !c->pc)
        return 0;
    g_byte_array_set_size(c->buf, 0);
    int n = qemu_plugin_read_register(c->pc, c->buf);
    uint64_t v = 0;
    if (n > 0)
        memcpy(&v, c->buf->data, n < 8 ? (size_t)n : 8);
    return v;
}
