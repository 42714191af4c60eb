/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "calls.h"
#include "instrument.h"
#include "tsan.h"

/* Are the instruction's bytes the module's bytes at this address? */
static bool insn_is_mod(const struct qt_module *m, struct qemu_plugin_insn *insn, uint64_t va)
{
    uint8_t bytes[16], file[16];
    size_t n = qemu_plugin_insn_data(insn, bytes, sizeof(bytes));
    if (n == 0 || !qt_symtab_read(&m->st, va, file, n))
        return false;
    return memcmp(bytes, file, n) == 0;
}

static struct qt_site *site_new(const struct qt_tfunc *tf, size_t n, size_t i, bool fast, enum qt_packed_kind kind)
{
    return qt_site_new(tf, (uint32_t)(n - i), fast, kind);
}

/* Is block tb (n instructions, in module m) a whole call of a one-block function: from its
 * entry to its ret (qt_calls_leaf)? Then the function, else NULL. */
static const struct qt_tfunc *one_block_call(const struct qt_module *m, struct qemu_plugin_tb *tb, size_t n)
{
    uint64_t va = qemu_plugin_tb_vaddr(tb);
    const struct qt_tfunc *tf = qt_tfunc_containing(m, va);
    if (!tf || tf->addr != va || !qt_calls_leaf(tf))
        return NULL;
    struct qemu_plugin_insn *last = qemu_plugin_tb_get_insn(tb, n - 1);
    uint64_t lva = qemu_plugin_insn_vaddr(last);
    if (lva < tf->addr || lva >= tf->end || (n > 1 && !insn_is_mod(m, last, lva)))
        return NULL;
    uint8_t bytes[16];
    size_t len = qemu_plugin_insn_data(last, bytes, sizeof(bytes));
    struct qt_insn_info ii;
    qt.arch->classify(bytes, len, lva, &ii);
    return ii.cls == QT_INSN_RET ? tf : NULL;
}

/* At a ret of an IFUNC's resolver: the return register holds the implementation's address. */
static void on_resolver_ret(unsigned int vi, void *udata)
{
    struct qt_vcpu *v = qt_vcpu(vi);
    if (v && v->r_ret)
        qt_ifunc_resolved(udata, qt_reg_read(v, v->r_ret));
}

bool qt_instrument_tb(struct qemu_plugin_tb *tb)
{
    uint64_t tva = qemu_plugin_tb_vaddr(tb);
    size_t n = qemu_plugin_tb_n_insns(tb);
    const struct qt_module *m = NULL;
    /* a library's guest copy is checked (build-id) by the first of its blocks translated, whatever
     * its bytes: a different build has other bytes at most addresses */
    for (int it = 0; n && (m = qt_module_next(tva, &it)) != NULL;)
        if (qt_module_usable(m) && insn_is_mod(m, qemu_plugin_tb_get_insn(tb, 0), tva))
            break;
    if (!m)
        return false; /* another binary, the kernel, or a library whose guest copy is another build */
    /* durations: instructions executed in the program and its libraries, counted per block
     * (the sites below know their place in the block, so counts are exact per instruction) */
    if (qt.opts.icount)
        qemu_plugin_register_vcpu_tb_exec_inline_per_vcpu(tb, QEMU_PLUGIN_INLINE_ADD_U64, qt.icount, n);
    if (m->ntf == 0 && m->nifunc == 0)
        return true;
    __atomic_store_n(&((struct qt_module *)m)->translated, 1, __ATOMIC_RELAXED); /* only this flag changes */
    /* a whole call of a one-block function: its entry is recorded by its ret when marked */
    const struct qt_tfunc *leaf = one_block_call(m, tb, n);
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        uint64_t va = qemu_plugin_insn_vaddr(insn);
        if (va < m->st.text_lo || va >= m->st.text_hi)
            continue;
        const struct qt_tfunc *tf = qt_tfunc_containing(m, va);
        bool entry = tf && va == tf->addr;
        if (entry) {
            if (i != 0 && !insn_is_mod(m, insn, va))
                continue;
            if (tf == leaf && i == 0) { /* unless marked (no store: the ret reads the mark) */
                qemu_plugin_register_vcpu_insn_exec_cond_cb(insn, qt_on_entry, QEMU_PLUGIN_CB_R_REGS,
                                                            QEMU_PLUGIN_COND_NE, qt.entered, tf->addr ^ QT_LEAF_MARK,
                                                            site_new(tf, n, i, qt_calls_fast_entry(tf), QT_PACKED_ENTRY));
            } else if (qt_entry_at_call_site(tf)) { /* skipped when a call site recorded it (calls.c) */
                qemu_plugin_register_vcpu_insn_exec_cond_cb(insn, qt_on_entry, QEMU_PLUGIN_CB_R_REGS,
                                                            QEMU_PLUGIN_COND_NE, qt.entered, tf->addr,
                                                            site_new(tf, n, i, qt_calls_fast_entry(tf), QT_PACKED_ENTRY));
                qemu_plugin_register_vcpu_insn_exec_inline_per_vcpu(insn, QEMU_PLUGIN_INLINE_STORE_U64, qt.entered, 0);
            } else {
                qemu_plugin_register_vcpu_insn_exec_cb(insn, qt_on_entry, QEMU_PLUGIN_CB_R_REGS,
                                                       site_new(tf, n, i, qt_calls_fast_entry(tf), QT_PACKED_ENTRY));
            }
            /* a function that is a bare ret also needs its ret below; no call site is
             * instrumented on an entry (the order of its callbacks would matter) */
        }
        if (!tf && !qt.call_sites && !qt.arch->run_to_ret && m->nifunc == 0)
            continue;
        uint8_t bytes[16];
        size_t len = qemu_plugin_insn_data(insn, bytes, sizeof(bytes));
        struct qt_insn_info ii;
        qt.arch->classify(bytes, len, va, &ii);
        const struct qt_ifunc *ifunc;
        if (!tf && ii.cls == QT_INSN_RET && m->nifunc && (ifunc = qt_ifunc_resolver_at(m, va)) != NULL &&
            insn_is_mod(m, insn, va)) {
            /* an IFUNC's resolver returns the implementation: traced from then on */
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_resolver_ret, QEMU_PLUGIN_CB_R_REGS, (void *)ifunc);
            continue;
        }
        if (tf && ii.cls == QT_INSN_RET && insn_is_mod(m, insn, va)) {
            struct qt_site *st = site_new(tf, n, i, qt_calls_fast_ret(tf), QT_PACKED_EXIT);
            /* a one-block function's ret: its call may be marked and still unrecorded, here at the
             * end of the whole call (the entry is the block's first instruction) or in a block
             * resumed in the middle (after a guest page fault, say: the block's start then) */
            st->entry_adj = (uint32_t)n;
            QT_TSAN_RELEASE(st); /* again: entry_adj is written after qt_site_new */
            if (qt_calls_leaf(tf))
                qemu_plugin_register_vcpu_insn_exec_cb(insn, qt_on_leaf_ret, QEMU_PLUGIN_CB_R_REGS, st);
            else if (qt.call_sites) /* the return address is on the stack: its load tells sp */
                qemu_plugin_register_vcpu_mem_cb(insn, qt_on_ret_mem, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_MEM_R, st);
            else
                qemu_plugin_register_vcpu_insn_exec_cb(insn, qt_on_ret, QEMU_PLUGIN_CB_R_REGS, st);
        } else if (ii.cls == QT_INSN_CALL && ii.has_target && !entry) {
            /* a direct call to a traced function: its entry, from the return address's store (or
             * a one-block function's mark, on any architecture) */
            const struct qt_module *cm = qt_module_containing(ii.target);
            const struct qt_tfunc *callee = cm ? qt_tfunc_containing(cm, ii.target) : NULL;
            if (!callee || callee->addr != ii.target || !insn_is_mod(m, insn, va))
                continue;
            if (qt_calls_leaf(callee)) { /* recorded at its ret, with nothing here but the mark */
                qemu_plugin_register_vcpu_insn_exec_inline_per_vcpu(insn, QEMU_PLUGIN_INLINE_STORE_U64, qt.caller,
                                                                    (uint64_t)(uintptr_t)tf);
                qemu_plugin_register_vcpu_insn_exec_inline_per_vcpu(insn, QEMU_PLUGIN_INLINE_STORE_U64, qt.entered,
                                                                    ii.target ^ QT_LEAF_MARK);
                continue;
            }
            if (!qt_entry_at_call_site(callee))
                continue;
            qemu_plugin_register_vcpu_insn_exec_inline_per_vcpu(insn, QEMU_PLUGIN_INLINE_STORE_U64, qt.entered,
                                                                ii.target);
            /* the callee's instructions counted before it: all of this block's (adj 0) */
            qemu_plugin_register_vcpu_mem_cb(insn, qt_on_call_mem, QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_MEM_W,
                                             site_new(callee, n, n, qt_calls_fast_entry(callee), QT_PACKED_ENTRY));
        }
    }
    return true;
}
