/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vcpu.h"

struct qt_vcpu *qt_vcpus[QT_OUT_MAX_VCPUS];
struct qt_vsb *qt_vsb_at[QT_OUT_MAX_VCPUS];

static struct qemu_plugin_scoreboard *vsb;
static pthread_mutex_t vsb_lock = PTHREAD_MUTEX_INITIALIZER; /* vcpu_init vs. flush_cb */

struct qt_vsb *qt_vsb_find(unsigned index)
{
    return qemu_plugin_scoreboard_find(vsb, index);
}

/*
 * A callback reads its vCPU's scoreboard entry through an address kept per vCPU. QEMU moves a
 * scoreboard only when it grows for a new vCPU, and then flushes every translation block
 * (inline operations embed the addresses too) with all vCPUs stopped: here, where the new
 * addresses are taken.
 */
void qt_vcpu_tb_flush(void)
{
    pthread_mutex_lock(&vsb_lock);
    for (unsigned i = 0; i < QT_OUT_MAX_VCPUS; i++)
        if (qt_vsb_at[i])
            qt_vsb_at[i] = qemu_plugin_scoreboard_find(vsb, i);
    pthread_mutex_unlock(&vsb_lock);
}

void qt_vcpu_setup(void)
{
    _Static_assert(sizeof(struct qt_vsb) == 64, "one cache line per vCPU");
    vsb = qemu_plugin_scoreboard_new(sizeof(struct qt_vsb));
    qt.icount = qemu_plugin_scoreboard_u64_in_struct(vsb, struct qt_vsb, icount);
    qt.switched = qemu_plugin_scoreboard_u64_in_struct(vsb, struct qt_vsb, switched);
    qt.entered = qemu_plugin_scoreboard_u64_in_struct(vsb, struct qt_vsb, entered);
    qt.caller = qemu_plugin_scoreboard_u64_in_struct(vsb, struct qt_vsb, caller);
    qt.insns = qemu_plugin_scoreboard_u64_in_struct(vsb, struct qt_vsb, insns);
}

uint64_t qt_vcpu_guest_ns(void)
{
    return qemu_plugin_u64_sum(qt.insns) << qt.opts.guest_clock;
}

static bool vmem_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
    struct qt_vcpu *v = ctx;
    if (!qemu_plugin_read_memory_vaddr(addr, v->mbuf, len) || v->mbuf->len < len)
        return false;
    memcpy(buf, v->mbuf->data, len);
    return true;
}

uint64_t qt_reg_read(struct qt_vcpu *v, struct qemu_plugin_register *r)
{
    if (!r)
        return 0;
    v->rbuf->len = 0; /* plain reset: g_byte_array_set_size costs more on this hot path */
    int n = qemu_plugin_read_register(r, v->rbuf);
    /* x86 and aarch64 guests are little-endian, and so are the hosts we build for */
    if (n >= 8) {
        uint64_t val;
        memcpy(&val, v->rbuf->data, 8);
        return val;
    }
    if (n == 4) {
        uint32_t val;
        memcpy(&val, v->rbuf->data, 4);
        return val;
    }
    uint64_t val = 0;
    for (int i = 0; i < n; i++)
        val |= (uint64_t)v->rbuf->data[i] << (8 * i);
    return val;
}

uint64_t qt_vcpu_arg(struct qt_vcpu *v, const struct qt_callconv *cc, int n, uint64_t sp)
{
    const char *reg = NULL;
    uint64_t off = 0, val = 0;
    if (!qt_callconv_arg(cc, n, &reg, &off))
        return 0;
    if (reg) {
        struct qemu_plugin_register *const *regs = cc == qt.cc ? v->r_args : v->r_kargs;
        return n <= QT_MAX_REG_ARGS ? qt_reg_read(v, regs[n - 1]) : 0;
    }
    qt_mem_read_uint(&v->mem, sp + off, qt.arch->word_bytes, &val);
    return val;
}

static struct qemu_plugin_register *find_reg(GArray *regs, const char *name)
{
    if (!name)
        return NULL;
    for (guint i = 0; i < regs->len; i++) {
        qemu_plugin_reg_descriptor *d = &g_array_index(regs, qemu_plugin_reg_descriptor, i);
        if (strcmp(d->name, name) == 0)
            return d->handle;
    }
    return NULL;
}

static void find_regs(struct qt_vcpu *v)
{
    const struct qt_arch_desc *a = qt.arch;
    GArray *regs = qemu_plugin_get_registers();
    v->r_sp = find_reg(regs, a->sp_reg);
    v->r_tls = find_reg(regs, a->tls_reg);
    v->r_ret = find_reg(regs, qt.cc->ret_reg);
    for (int i = 0; i < qt.cc->n_arg_regs && i < QT_MAX_REG_ARGS; i++)
        v->r_args[i] = find_reg(regs, qt.cc->arg_regs[i]);
    if (qt.system) {
        v->r_asid = find_reg(regs, a->asid_reg);
        v->r_mode = find_reg(regs, a->mode_reg);
        v->r_percpu = find_reg(regs, a->percpu_reg);
        v->r_percpu_user = find_reg(regs, a->percpu_user_reg);
        for (int i = 0; a->kernel_cc && i < a->kernel_cc->n_arg_regs && i < QT_MAX_REG_ARGS; i++)
            v->r_kargs[i] = find_reg(regs, a->kernel_cc->arg_regs[i]);
    }
    g_array_free(regs, TRUE);
    if (!v->r_sp && v->index == 0)
        fprintf(stderr, "qtrace: warning: register %s not found: calls cannot be matched\n", a->sp_reg);
}

struct qt_vcpu *qt_vcpu_init(unsigned vi)
{
    if (vi >= QT_OUT_MAX_VCPUS)
        return NULL;
    pthread_mutex_lock(&vsb_lock);
    qt_vsb_at[vi] = qemu_plugin_scoreboard_find(vsb, vi);
    pthread_mutex_unlock(&vsb_lock);
    struct qt_vcpu *v = qt_vcpus[vi];
    if (!v) {
        v = calloc(1, sizeof(*v));
        if (!v)
            abort();
        v->index = vi;
        v->rbuf = g_byte_array_sized_new(64);
        v->mbuf = g_byte_array_sized_new(QT_STR_MAX + 64);
        v->mem.read = vmem_read;
        v->mem.ctx = v;
        v->buf = qt_out_vbuf(qt.out, vi);
        find_regs(v);
        __atomic_store_n(&qt_vcpus[vi], v, __ATOMIC_RELEASE);
    }
    /* user mode: a vCPU index is reused by the next thread; forget the old one */
    v->user_tid = 0;
    v->cur = NULL;
    return v;
}
