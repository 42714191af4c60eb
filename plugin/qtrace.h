/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * State shared by the plugin's modules:
 *   qtrace.c   install, options, vCPU set-up, the translation callback, exit
 *   modules.c  the traced program and shared libraries: symbols, which functions to trace
 *   calls.c    threads, shadow stacks, function entry/return callbacks and their records
 *   sysmon.c   system calls (user mode): records, library discovery, fork and exec
 *   execlog.c  the execution log (execlog=on)
 *   out.c      per-vCPU buffers and the trace file
 */
#ifndef QTRACE_PLUGIN_H
#define QTRACE_PLUGIN_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include <qemu-plugin.h>

#include "arch.h"
#include "options.h"
#include "out.h"
#include "symtab.h"

struct qt_plugin {
    qemu_plugin_id_t id;
    struct qt_opts opts;
    struct qt_out *out;               /* the binary trace (opts.out) */
    const struct qt_arch_desc *arch;
    const struct qt_callconv *cc;     /* user-code calling convention */
    bool system;                      /* system emulation (false: user mode) */
    qemu_plugin_u64 icount;           /* per-vCPU guest instructions in traced modules */
    /* system mode: set (inline, no callback) by every block outside the traced program, so a
     * callback knows whether another thread may have run since the last one on this vCPU */
    qemu_plugin_u64 switched;
    /* x86: a direct call to a traced function records the entry itself, from the
     * return address's store (calls.c, qt_on_call_mem); it leaves the callee's address here so
     * that the callee's own entry callback (conditional on this word) does not run */
    bool call_sites;
    qemu_plugin_u64 entered;
    qemu_plugin_u64 caller;     /* a marking call site's function (struct tfunc *, 0: none; calls.c) */
};

extern struct qt_plugin qt;

/* The per-vCPU words above, in one scoreboard entry of a cache line (no false sharing between
 * vCPUs); a callback reads its vCPU's entry directly through qt_vsb(). The entries' addresses
 * are kept per vCPU: QEMU moves a scoreboard only when it grows for a new vCPU, and then
 * flushes every translation block (inline ops embed those addresses too) with all vCPUs
 * stopped, which is when qtrace.c's flush callback takes the new addresses. */
struct qt_vsb {
    uint64_t icount, switched, entered, caller;
    uint64_t pad[4];
};
extern struct qt_vsb *qt_vsb_at[];   /* [QT_OUT_MAX_VCPUS], NULL until the vCPU is initialized */
struct qt_vsb *qt_vsb_find(unsigned vcpu_index);
static inline struct qt_vsb *qt_vsb(unsigned vi)
{
    struct qt_vsb *s = vi < QT_OUT_MAX_VCPUS ? qt_vsb_at[vi] : NULL;
    return s ? s : qt_vsb_find(vi);
}

/* ---- per-vCPU state (calls.c) ---- */
struct thread;
struct vcpu {
    struct qemu_plugin_register *r_sp, *r_asid, *r_tls, *r_ret, *r_args[QT_MAX_REG_ARGS];
    GByteArray *rbuf, *mbuf;
    struct qt_mem mem;        /* guest memory through this vCPU, bounded, never faults */
    struct thread *cur;       /* cache of the last thread seen on this vCPU */
    uint64_t cur_asid, cur_key;
    uint32_t user_tid;        /* user mode: gettid() of the thread running this vCPU */
    unsigned index;
    uint64_t events, lost;
    uint64_t last_flush_ns;
    /* compact records (calls.c): the base they are relative to */
    struct qt_vbuf *buf;      /* this vCPU's trace buffer */
    const struct thread *base_thread;
    uint64_t base_icount;
    /* sysmon.c: the syscall in progress */
    int64_t sys_nr;
    uint64_t sys_args[6];
    char sys_path[QT_STR_MAX + 1];
};

struct vcpu *qt_vcpu(unsigned index);
uint64_t qt_reg_read(struct vcpu *v, struct qemu_plugin_register *r);
void qt_calls_vcpu_init(unsigned index);
/* After the options are known: choose the fast path of calls.c when it applies. */
void qt_calls_init(void);
/* Called in a forked child (user mode): the thread continues with a copy of its parent's stack. */
void qt_calls_forked(struct vcpu *v);
/* End of trace: report frames still open as unfinished; returns (events, lost) totals. */
void qt_calls_finish(uint64_t *events, uint64_t *lost);
/* Thread id shown for the current user-mode thread. */
uint32_t qt_user_tid(struct vcpu *v);

/* ---- modules (modules.c) ---- */
struct tfunc {
    uint64_t addr, end;
    uint32_t id;                /* for compact records (0: use full records) */
    bool loose;                 /* extent unknown (addr= without a symbol): returns matched by sp */
    bool filter;                /* filter=: calls are recorded only inside such a function */
    bool notrace;               /* notrace=: neither it nor what it calls is recorded */
    const struct qt_sym *sym;
    int nargs;
    struct qt_argslot args[QT_MAX_ARGS];
    bool has_ret;
    struct qt_argslot ret;
    bool one_block;             /* runs straight from its entry to a ret (qt.arch->run_to_ret) */
};

void qt_tfunc_marks(struct tfunc *tf, const char *name, bool lib_filter);

struct module {
    struct qt_symtab st;
    const char *base;           /* basename of the path */
    bool is_prog;
    struct tfunc *tf;           /* sorted by addr, non-overlapping */
    size_t ntf;
    struct qt_sym *extra;       /* functions known only by address (addr=), named "0x..." */
    char (*extra_names)[24];
    int nextra;
};

int qt_modules_init(char *err, size_t errlen);        /* the program (opts.program) */
/* Symbol record of a traced function / map record of a module (flags: QT_SYM_KERNEL or 0). */
void qt_emit_sym(const struct tfunc *tf, uint32_t flags);
void qt_emit_map(const char *path, uint64_t base, uint64_t code_size, uint32_t flags);
const struct module *qt_module_containing(uint64_t pc); /* lock-free */
const struct tfunc *qt_tfunc_containing(const struct module *m, uint64_t pc);
void qt_modules_before_tb(struct qemu_plugin_tb *tb);  /* user-mode PIE: find the load address */
/* A file was mapped at addr (user mode): load it as a library if it is an ELF not yet known. */
void qt_modules_mapped(const char *path, uint64_t addr, uint64_t offset);

/* ---- entry/return callbacks (calls.c) ---- */
/* What an instrumented instruction knows: its function, and how many instructions of its
 * block the block-level counter has counted ahead of it (exact counts: counter - adj). */
struct qt_site {
    const struct tfunc *tf;
    uint32_t adj;
    bool fast;              /* the fast path may handle it (qt_calls_fast_entry/_ret) */
    uint32_t entry_adj;     /* the ret of a one-block function: adj of its first instruction */
    uint64_t word;          /* fast path: its packed word but depth and dicount (entry or exit) */
    uint64_t mark;          /* tf->addr ^ QT_LEAF_MARK */
};
/* Decided at translation time: can an entry / a ret of tf take calls.c's fast path? */
bool qt_calls_fast_entry(const struct tfunc *tf);
bool qt_calls_fast_ret(const struct tfunc *tf);
void qt_on_entry(unsigned int vcpu_index, void *site);
void qt_on_call_mem(unsigned int vcpu_index, qemu_plugin_meminfo_t info, uint64_t vaddr, void *site);
bool qt_entry_at_call_site(const struct tfunc *tf);
void qt_on_ret(unsigned int vcpu_index, void *site);
/* One-block functions (calls.c): a marking call site stores tf->addr ^ QT_LEAF_MARK (never a
 * code address: bit 63 flipped makes it non-canonical), and the ret writes entry and return. */
#define QT_LEAF_MARK (1ull << 63)
bool qt_calls_leaf(const struct tfunc *tf);
void qt_on_leaf_ret(unsigned int vcpu_index, void *site);
/* System mode, kernel code: the frames of the current thread on the stack sp is on that were
 * entered below `below` ended without a ret we saw (a tail call: below = sp + 1; the return
 * to user mode: UINT64_MAX): popped as unwound. */
void qt_calls_unwind(struct vcpu *v, uint64_t sp, uint64_t below);
size_t qt_put_arg(struct vcpu *v, uint8_t *p, const struct qt_argslot *slot, uint64_t value);
/* The thread (and which of its stacks: user, kernel, IRQ) running on v, by address space and sp. */
struct thread *qt_current_thread(struct vcpu *v, uint64_t sp);
uint32_t qt_thread_tid(const struct thread *t);
uint32_t qt_thread_depth(const struct thread *t);

/* ---- system calls (sysmon.c) ---- */
void qt_sysmon_init(void);

/* ---- guest kernel introspection (kernel.c), system mode with kernel=PATH ---- */
int qt_kernel_init(char *err, size_t errlen);          /* loads symbols and layouts when kernel= is set */
/* A translation block at a kernel address: find the KASLR slide, instrument kernel functions.
 * Returns true if the block was the kernel's (nothing else to do with it). */
bool qt_kernel_tb_trans(struct qemu_plugin_tb *tb);
/* Kernel address of the task running on v (0 if unknown: no kernel= or not booted yet). */
uint64_t qt_kernel_current_task(struct vcpu *v);
/* Its thread id (pid), thread group id (tgid) and comm. false if unreadable. */
bool qt_kernel_task_ids(struct vcpu *v, uint64_t task, uint32_t *tid, uint32_t *tgid, char comm[16]);
/* Is what runs on v recorded? (comm=, pid=, follow=; always true without them). Cheap: cached per vCPU. */
bool qt_kernel_selected(struct vcpu *v);
bool qt_kernel_filtering(void); /* comm=, pid= or program_as= given */
/* Argument n (1-based) of a kernel function entered with stack pointer sp, where the kernel's
 * calling convention puts it (i386: -mregparm=3, unlike its user code's cdecl). */
uint64_t qt_kernel_arg(struct vcpu *v, int n, uint64_t sp);
/* Number of kernel functions the patterns selected (qt_kernel_init runs before qt_modules_init). */
size_t qt_kernel_ntraced(void);

/* ---- execution log (execlog.c): enabled by execlog=on ---- */
int qt_execlog_init(const qemu_info_t *info, char *err, size_t errlen);
void qt_execlog_vcpu_init(unsigned vcpu);
void qt_execlog_tb_trans(struct qemu_plugin_tb *tb);
void qt_execlog_exit(void);
void qt_execlog_select(unsigned vcpu, bool selected);

#endif
