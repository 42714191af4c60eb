/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qtrace plugin: entry point. Parses options, opens the trace, loads the program's
 * symbols, and decides at translation time what to instrument:
 *   - the first instruction of every traced function gets an entry callback; on x86 a direct
 *     call to one gets a memory callback that records the entry from the return address's
 *     store instead (no register read: calls.c), and the entry callback is then skipped;
 *   - every ret instruction inside a traced function gets a return callback;
 *   - translation blocks of traced modules get an inline instruction counter (durations);
 *   - nothing else: the kernel, other programs and untraced code run as in plain QEMU.
 * In system mode an instruction is instrumented only if its bytes are the module's bytes at
 * that address, so another binary mapped at the same addresses is left alone.
 * See plugin/qtrace.h for the other modules.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qtrace.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

struct qt_plugin qt;

static struct qemu_plugin_scoreboard *vsb;
struct qt_vsb *qt_vsb_at[QT_OUT_MAX_VCPUS];
static pthread_mutex_t vsb_lock = PTHREAD_MUTEX_INITIALIZER; /* vcpu_init vs. tb_flush_cb */

struct qt_vsb *qt_vsb_find(unsigned vi)
{
    return qemu_plugin_scoreboard_find(vsb, vi);
}

/* Every translation block is gone, all vCPUs stopped: the scoreboard may have moved. */
static void tb_flush_cb(qemu_plugin_id_t id)
{
    (void)id;
    pthread_mutex_lock(&vsb_lock);
    for (unsigned i = 0; i < QT_OUT_MAX_VCPUS; i++)
        if (qt_vsb_at[i])
            qt_vsb_at[i] = qemu_plugin_scoreboard_find(vsb, i);
    pthread_mutex_unlock(&vsb_lock);
}

/* System mode: a block outside the traced program may switch threads (kernel, other tasks). */
static void mark_switch(struct qemu_plugin_tb *tb)
{
    if (qt.system)
        qemu_plugin_register_vcpu_tb_exec_inline_per_vcpu(tb, QEMU_PLUGIN_INLINE_STORE_U64, qt.switched, 1);
}

/* Are the instruction's bytes the module's bytes at this address? */
static bool insn_is_mod(const struct module *m, struct qemu_plugin_insn *insn, uint64_t va)
{
    uint8_t bytes[16], file[16];
    size_t n = qemu_plugin_insn_data(insn, bytes, sizeof(bytes));
    if (n == 0 || !qt_symtab_read(&m->st, va, file, n))
        return false;
    return memcmp(bytes, file, n) == 0;
}

/* Allocated once per instrumented instruction at translation time (never on a hot path). */
static struct qt_site *site_new(const struct tfunc *tf, size_t n, size_t i, bool fast, enum qt_packed_kind kind)
{
    struct qt_site *st = g_new0(struct qt_site, 1);
    st->tf = tf;
    st->adj = (uint32_t)(n - i);
    st->fast = fast;
    st->word = qt_packed_word(kind, tf->id <= QT_FAST_ID_MAX ? tf->id : 0, 0);
    st->mark = tf->addr ^ QT_LEAF_MARK;
    return st;
}

/* Is block tb (n instructions, in module m) a whole call of a one-block function: from its
 * entry to its ret (qt_calls_leaf)? Then the function, else NULL. */
static const struct tfunc *one_block_call(const struct module *m, struct qemu_plugin_tb *tb, size_t n)
{
    uint64_t va = qemu_plugin_tb_vaddr(tb);
    const struct tfunc *tf = qt_tfunc_containing(m, va);
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

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    qt_modules_before_tb(tb);
    /* the kernel's hooks first: a task switch decides whether the execution log goes on */
    bool kernel = qt.system && qt_kernel_tb_trans(tb);
    if (qt.opts.execlog)
        qt_execlog_tb_trans(tb);
    if (kernel) {
        mark_switch(tb);
        return;
    }
    const struct module *m = qt_module_containing(qemu_plugin_tb_vaddr(tb));
    size_t n = qemu_plugin_tb_n_insns(tb);
    if (!m || n == 0 || !insn_is_mod(m, qemu_plugin_tb_get_insn(tb, 0), qemu_plugin_tb_vaddr(tb))) {
        mark_switch(tb); /* another binary, or the kernel */
        return;
    }
    /* durations: instructions executed in the program and its libraries, counted per block
     * (the sites below know their place in the block, so counts are exact per instruction) */
    if (qt.opts.icount)
        qemu_plugin_register_vcpu_tb_exec_inline_per_vcpu(tb, QEMU_PLUGIN_INLINE_ADD_U64, qt.icount, n);
    if (m->ntf == 0)
        return;
    /* a whole call of a one-block function: its entry is recorded by its ret when marked */
    const struct tfunc *leaf = one_block_call(m, tb, n);
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        uint64_t va = qemu_plugin_insn_vaddr(insn);
        if (va < m->st.text_lo || va >= m->st.text_hi)
            continue;
        const struct tfunc *tf = qt_tfunc_containing(m, va);
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
        if (!tf && !qt.call_sites && !qt.arch->run_to_ret)
            continue;
        uint8_t bytes[16];
        size_t len = qemu_plugin_insn_data(insn, bytes, sizeof(bytes));
        struct qt_insn_info ii;
        qt.arch->classify(bytes, len, va, &ii);
        if (tf && ii.cls == QT_INSN_RET && insn_is_mod(m, insn, va)) {
            struct qt_site *st = site_new(tf, n, i, qt_calls_fast_ret(tf), QT_PACKED_EXIT);
            /* a one-block function's ret: its call may be marked and still unrecorded, here at the
             * end of the whole call (the entry is the block's first instruction) or in a block
             * resumed in the middle (after a guest page fault, say: the block's start then) */
            st->entry_adj = (uint32_t)n;
            qemu_plugin_register_vcpu_insn_exec_cb(insn, qt_calls_leaf(tf) ? qt_on_leaf_ret : qt_on_ret,
                                                   QEMU_PLUGIN_CB_R_REGS, st);
        } else if (ii.cls == QT_INSN_CALL && ii.has_target && !entry) {
            /* a direct call to a traced function: its entry, from the return address's store (or
             * a one-block function's mark, on any architecture) */
            const struct module *cm = qt_module_containing(ii.target);
            const struct tfunc *callee = cm ? qt_tfunc_containing(cm, ii.target) : NULL;
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
}

static void vcpu_init(qemu_plugin_id_t id, unsigned int vi)
{
    (void)id;
    if (vi < QT_OUT_MAX_VCPUS) {
        pthread_mutex_lock(&vsb_lock);
        qt_vsb_at[vi] = qemu_plugin_scoreboard_find(vsb, vi);
        pthread_mutex_unlock(&vsb_lock);
    }
    qt_calls_vcpu_init(vi);
    if (qt.opts.execlog)
        qt_execlog_vcpu_init(vi);
}

static void vcpu_exit(qemu_plugin_id_t id, unsigned int vi)
{
    (void)id;
    if (qt_vcpu(vi) && qt.out)
        qt_out_flush(qt.out, vi);
}

static void at_exit(qemu_plugin_id_t id, void *p)
{
    (void)id;
    (void)p;
    uint64_t events, lost;
    qt_calls_finish(&events, &lost);
    if (qt.opts.execlog)
        qt_execlog_exit();
    if (qt.out) {
        char path[4096];
        snprintf(path, sizeof(path), "%s", qt_out_path(qt.out));
        int r = qt_out_close(qt.out, events, lost);
        qt.out = NULL;
        if (r < 0)
            fprintf(stderr, "qtrace: error writing %s: %s\n", path, strerror(-r));
    }
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
    char err[512] = "";
    qt.id = id;
    qt.system = info->system_emulation;
    qt_opts_init(&qt.opts);
    for (int i = 0; i < argc; i++) {
        if (qt_opts_set(&qt.opts, argv[i], "plugin args", err, sizeof(err)) < 0)
            goto fail;
    }
    qt.arch = qt_arch_by_name(info->target_name);
    if (!qt.arch) {
        snprintf(err, sizeof(err), "guest architecture %s is not supported (x86_64, i386 and aarch64 are)",
                 info->target_name);
        goto fail;
    }
    qt.cc = qt.arch->user_cc;
    qt.out = qt_out_open(qt.opts.out, qt.arch->id, qt.system ? QT_MODE_SYSTEM : QT_MODE_USER, err, sizeof(err));
    if (!qt.out)
        goto fail;
    _Static_assert(sizeof(struct qt_vsb) == 64, "one cache line per vCPU");
    vsb = qemu_plugin_scoreboard_new(sizeof(struct qt_vsb));
    qt.icount = qemu_plugin_scoreboard_u64_in_struct(vsb, struct qt_vsb, icount);
    qt.switched = qemu_plugin_scoreboard_u64_in_struct(vsb, struct qt_vsb, switched);
    qt.entered = qemu_plugin_scoreboard_u64_in_struct(vsb, struct qt_vsb, entered);
    qt.caller = qemu_plugin_scoreboard_u64_in_struct(vsb, struct qt_vsb, caller);
    qt.call_sites = qt.arch->lr_reg == NULL; /* calls push the return address */
    if (qt_kernel_init(err, sizeof(err)) < 0 || qt_modules_init(err, sizeof(err)) < 0)
        goto fail_out;
    qt_calls_init();
    if (qt.opts.execlog && qt_execlog_init(info, err, sizeof(err)) < 0)
        goto fail_out;
    qt_sysmon_init();
    qemu_plugin_register_vcpu_init_cb(id, vcpu_init);
    qemu_plugin_register_flush_cb(id, tb_flush_cb);
    qemu_plugin_register_vcpu_exit_cb(id, vcpu_exit);
    qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
    qemu_plugin_register_atexit_cb(id, at_exit, NULL);
    return 0;

fail_out:
    qt_out_close(qt.out, 0, 0);
    qt.out = NULL;
    unlink(qt.opts.out); /* nothing half-written is left behind */
fail:
    fprintf(stderr, "qtrace: error: %s\n", err);
    return -1;
}
