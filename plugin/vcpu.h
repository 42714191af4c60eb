/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vCPUs: each one's registers (found by name once), guest memory read through it (bounded,
 * never faulting), its trace buffer and its scoreboard words. The layer every callback starts
 * from; it calls nothing above it.
 */
#ifndef QTRACE_VCPU_H
#define QTRACE_VCPU_H

#include "mem.h"
#include "plugin.h"

/* One vCPU's scoreboard entry: the words qt.icount, qt.switched, qt.entered, qt.caller and
 * qt.insns name, in one cache line (no false sharing). Read directly by callbacks through qt_vsb(). */
struct qt_vsb {
    uint64_t icount, switched, entered, caller, insns;
    uint64_t pad[3];
};

struct qt_thread;

struct qt_vcpu {
    unsigned index;
    /* registers, NULL where the guest has none by that name */
    struct qemu_plugin_register *r_sp, *r_asid, *r_tls, *r_ret;
    struct qemu_plugin_register *r_args[QT_MAX_REG_ARGS];  /* user code's argument registers */
    struct qemu_plugin_register *r_kargs[QT_MAX_REG_ARGS]; /* the kernel's (system mode) */
    struct qemu_plugin_register *r_mode;                   /* arch->mode_reg */
    struct qemu_plugin_register *r_percpu, *r_percpu_user; /* arch->percpu_reg, percpu_user_reg */
    GByteArray *rbuf, *mbuf;        /* register and memory read buffers */
    struct qt_mem mem;              /* guest memory through this vCPU */
    struct qt_vbuf *buf;            /* its trace buffer */
    uint64_t events, lost;          /* records written, events lost */
    /* record.c: the base record packed words follow, and when the buffer was last flushed */
    const void *base_who;
    uint64_t base_icount;
    uint64_t last_flush_ns;
    /* threads.c: the last thread that ran here */
    struct qt_thread *cur;
    uint64_t cur_asid, cur_key;
    uint32_t user_tid;              /* user mode: gettid() of the host thread running this vCPU */
};

extern struct qt_vcpu *qt_vcpus[QT_OUT_MAX_VCPUS] QT_HIDDEN; /* NULL until the vCPU is initialised */
extern struct qt_vsb *qt_vsb_at[QT_OUT_MAX_VCPUS] QT_HIDDEN;

/* Create the scoreboard and its words in qt (at install). */
void qt_vcpu_setup(void);
/* Every translation block is gone, all vCPUs stopped (QEMU's flush callback). */
void qt_vcpu_tb_flush(void);
/* A vCPU starts (QEMU's vcpu_init: from its own thread, so registers can be looked up). */
struct qt_vcpu *qt_vcpu_init(unsigned index);

static inline struct qt_vcpu *qt_vcpu(unsigned index)
{
    return index < QT_OUT_MAX_VCPUS ? qt_vcpus[index] : NULL;
}

struct qt_vsb *qt_vsb_find(unsigned index);
static inline struct qt_vsb *qt_vsb(unsigned index)
{
    struct qt_vsb *s = index < QT_OUT_MAX_VCPUS ? qt_vsb_at[index] : NULL;
    return s ? s : qt_vsb_find(index);
}

/* guest_clock=: the guest time in ns, every vCPU's instructions so far (qt.insns) << the shift. */
uint64_t qt_vcpu_guest_ns(void);

/* The instructions counted on v so far. */
static inline uint64_t qt_vcpu_icount(const struct qt_vcpu *v)
{
    return qemu_plugin_u64_get(qt.icount, v->index);
}

/* A register's value, zero-extended (0 for a NULL register). */
uint64_t qt_reg_read(struct qt_vcpu *v, struct qemu_plugin_register *r);
/* Argument n (1-based) of a function entered with stack pointer sp, under calling convention
 * cc: its register (user code's or the kernel's, whichever cc is) or its stack slot. */
uint64_t qt_vcpu_arg(struct qt_vcpu *v, const struct qt_callconv *cc, int n, uint64_t sp);

/* Argument n of a kernel function at its entry (its register under the kernel's convention). */
static inline uint64_t qt_vcpu_karg(struct qt_vcpu *v, int n)
{
    return qt_vcpu_arg(v, qt.arch->kernel_cc, n, 0);
}

#endif
