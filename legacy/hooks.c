/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * When the old hooks run, as in the fork:
 *   - at translation, plugin_needs_before_tb(first pc) and, for each instruction,
 *     plugin_needs_before_insn(pc) are asked of the plugins (newest first) until one says yes;
 *   - an instruction some plugin wanted gets one execution callback (the block's first
 *     instruction also when a plugin wanted the block). At run time it asks every plugin
 *     needs_before_tb again and calls before_tb for those that say yes, then the same for
 *     needs_before_insn / before_insn;
 *   - an instruction nobody wanted gets nothing: it runs as in plain QEMU.
 * In system mode QEMU 10 shares a block between every virtual address its physical code is
 * mapped at (pc-relative translation: shared libraries, the vDSO), so the address seen at
 * translation is not always the one running: the first instruction of a block with callbacks
 * also reads the program counter (up to date at a block's start) and sets the vCPU's delta,
 * which every callback of the block adds to its translation-time address.
 * Every call into a plugin holds one lock: old plugins are not thread-safe.
 * The callback's udata is the pc and two flags packed in one word (no allocation): bits 0-56
 * are the pc (sign-extended from bit 56, which keeps every canonical x86-64 and aarch64
 * address), bit 61 "before_tb", bit 62 "before_insn", bit 60 "block start: set the delta",
 * bit 59 "the block's address is not its program counter (x86 real mode): delta 0".
 */
#include <pthread.h>

#include "legacy.h"

#define PC_BITS 57
#define PC_MASK ((UINT64_C(1) << PC_BITS) - 1)
#define F_TB (UINT64_C(1) << 61)
#define F_INSN (UINT64_C(1) << 62)
#define F_START (UINT64_C(1) << 60)
#define F_NODELTA (UINT64_C(1) << 59)
#define MAX_INSNS 512               /* TCG's most instructions per block */

static pthread_mutex_t plugin_lock = PTHREAD_MUTEX_INITIALIZER;

void lg_lock(void)
{
    pthread_mutex_lock(&plugin_lock);
}

void lg_unlock(void)
{
    pthread_mutex_unlock(&plugin_lock);
}

static inline void *pack(uint64_t pc, uint64_t flags)
{
    return (void *)(uintptr_t)((pc & PC_MASK) | flags);
}

static inline uint64_t unpack_pc(uint64_t w)
{
    uint64_t pc = w & PC_MASK;
    return pc & (UINT64_C(1) << (PC_BITS - 1)) ? pc | ~PC_MASK : pc;
}

/* Run time: before the instruction (the block's first: before the block too). */
static void on_exec(unsigned int vcpu_index, void *udata)
{
    uint64_t w = (uint64_t)(uintptr_t)udata;
    uint64_t pc = unpack_pc(w);
    struct lg_cpu *c = lg_cpu_at(vcpu_index);
    if (!c)
        return; /* no vCPU was ever initialised: cannot happen once the guest runs */
    if (w & F_START)
        c->delta = w & F_NODELTA ? 0 : lg_cpu_pc(c) - pc;
    pc += c->delta;
    if (!(w & (F_TB | F_INSN)))
        return;
    lg_lock();
    c->pc_now = pc;
    c->in_hook = true;
    if (w & F_TB) {
        for (int i = lg.nplugins - 1; i >= 0; i--) {
            struct lg_plugin *p = &lg.plugins[i];
            if (p->live && p->needs_tb && p->needs_tb(pc, c) && p->before_tb)
                p->before_tb(pc, c);
        }
    }
    if (w & F_INSN) {
        for (int i = lg.nplugins - 1; i >= 0; i--) {
            struct lg_plugin *p = &lg.plugins[i];
            if (p->live && p->needs_insn && p->needs_insn(pc, c) && p->before_insn)
                p->before_insn(pc, c);
        }
    }
    c->in_hook = false;
    lg_unlock();
}

/* Translation: does any plugin want the block / this instruction? (newest first, first yes wins) */
static bool wants_tb(uint64_t pc, struct lg_cpu *c)
{
    for (int i = lg.nplugins - 1; i >= 0; i--) {
        struct lg_plugin *p = &lg.plugins[i];
        if (p->live && p->needs_tb && p->needs_tb(pc, c))
            return true;
    }
    return false;
}

static bool wants_insn(uint64_t pc, struct lg_cpu *c)
{
    for (int i = lg.nplugins - 1; i >= 0; i--) {
        struct lg_plugin *p = &lg.plugins[i];
        if (p->live && p->needs_insn && p->needs_insn(pc, c))
            return true;
    }
    return false;
}

void lg_on_tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    size_t n = qemu_plugin_tb_n_insns(tb);
    if (n > MAX_INSNS)
        n = MAX_INSNS;
    struct lg_cpu *c = lg_cpu_current();
    if (!c)
        return;
    uint64_t flags[MAX_INSNS];
    bool any = false;
    lg_lock();
    for (size_t i = 0; i < n; i++) {
        uint64_t pc = qemu_plugin_insn_vaddr(qemu_plugin_tb_get_insn(tb, i));
        flags[i] = 0;
        if (i == 0 && wants_tb(pc, c))
            flags[i] |= F_TB;
        if (wants_insn(pc, c))
            flags[i] |= F_INSN;
        any |= flags[i] != 0;
    }
    lg_unlock();
    if (!any)
        return;
    if (lg.system) {
        flags[0] |= F_START;
        if (lg_cpu_pc(c) != qemu_plugin_tb_vaddr(tb))
            flags[0] |= F_NODELTA;
    }
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        if (flags[i])
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_exec, QEMU_PLUGIN_CB_R_REGS,
                                                   pack(qemu_plugin_insn_vaddr(insn), flags[i]));
    }
}

void lg_on_vcpu_init(qemu_plugin_id_t id, unsigned int vcpu_index)
{
    (void)id;
    lg_cpu_init(vcpu_index);
}
