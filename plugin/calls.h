/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Function entries and returns: the callbacks that instrument.c and kernel_funcs.c register,
 * the shadow stacks they keep, and the records they write. Which calls are recorded follows
 * common/callrules.h; the common case takes a fast path decided at translation time.
 */
#ifndef QTRACE_CALLS_H
#define QTRACE_CALLS_H

#include "modules.h"
#include "threads.h"

/* What an instrumented instruction knows: its function, and how many instructions of its
 * block the block-level counter has counted ahead of it (exact counts: counter - adj). */
struct qt_site {
    const struct qt_tfunc *tf;
    uint32_t adj;
    bool fast;              /* the fast path may handle it (qt_calls_fast_entry/_ret) */
    uint32_t entry_adj;     /* the ret of a one-block function: adj of its first instruction */
    uint64_t word;          /* fast path: its packed word but depth and dicount (entry or exit) */
    uint64_t mark;          /* tf->addr ^ QT_LEAF_MARK */
};

/* A site, allocated once per instrumented instruction at translation time. */
struct qt_site *qt_site_new(const struct qt_tfunc *tf, uint32_t adj, bool fast, enum qt_packed_kind kind);

/* After the options and the task ops are known: the rules, and whether the fast path applies. */
void qt_calls_init(void);
/* Decided at translation time for one function. */
bool qt_calls_fast_entry(const struct qt_tfunc *tf);
bool qt_calls_fast_ret(const struct qt_tfunc *tf);
bool qt_entry_at_call_site(const struct qt_tfunc *tf);

/*
 * One-block functions: a function whose code runs straight from its entry to a ret (decided
 * when its module loads, by the architecture's run_to_ret decoder) is recorded by one callback
 * per call. Its direct call sites (call, bl) store tf->addr ^ QT_LEAF_MARK in the vCPU's
 * `entered` word and their own function in `caller`, inline, and nothing else (no memory
 * callback, so this works where a call pushes nothing). When QEMU's block for it starts at the
 * entry and ends with the ret, the block has one callback, at the ret (qt_on_leaf_ret): if
 * `entered` holds the mark, entry and return are written together, without a shadow-stack
 * frame. That needs the shadow stack to end with the caller (frames above it were left by a
 * longjmp, an exception or an exec, and are first unwound by the general path, which reads the
 * stack pointer): a recursion left by longjmp into an earlier activation of the same function
 * is the one case this cannot tell. Without the mark (a jump, a pointer, a signal handler) the
 * block's first instruction ran the ordinary entry (qt_on_entry, conditional on the mark being
 * absent), and the ret is ordinary too. Any other block of such a function sees the mark as
 * "entry not recorded" and records it itself, so a wrong answer of the decoder costs speed,
 * never events. In user mode a marked call whose ret never ran (the program died in it) is
 * written at exit as unfinished; in system mode it is not shown.
 * The mark is never a code address: bit 63 flipped makes it non-canonical.
 */
#define QT_LEAF_MARK (1ull << 63)
bool qt_calls_leaf(const struct qt_tfunc *tf);

/* Callbacks (udata: a struct qt_site) */
void qt_on_entry(unsigned int vcpu_index, void *site);
void qt_on_call_mem(unsigned int vcpu_index, qemu_plugin_meminfo_t info, uint64_t vaddr, void *site);
void qt_on_ret(unsigned int vcpu_index, void *site);
/* The same as a memory callback on the ret's load of its return address (x86): vaddr is the
 * stack pointer, so a ret returns only a frame entered at that stack pointer. */
void qt_on_ret_mem(unsigned int vcpu_index, qemu_plugin_meminfo_t info, uint64_t vaddr, void *site);
void qt_on_leaf_ret(unsigned int vcpu_index, void *site);

/* System mode, kernel code: the frames of the current thread on the stack sp is on that were
 * entered below `below` ended without a ret we saw (a tail call: below = sp + 1; the return
 * to user mode: UINT64_MAX): popped as unwound. */
void qt_calls_unwind(struct qt_vcpu *v, uint64_t sp, uint64_t below);
/* End of trace: report frames still open as unfinished; returns (events, lost) totals. */
void qt_calls_finish(uint64_t *events, uint64_t *lost);

#endif
