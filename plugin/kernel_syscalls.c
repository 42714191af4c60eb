/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stddef.h>
#include <string.h>

#include "calls.h"
#include "kernel_funcs.h"
#include "kernel_image.h"
#include "kernel_syscalls.h"
#include "syscalls.h"

#define MAX_REGS 32             /* words of a pt_regs at most */

/*
 * The system call each task is in (a task may sleep in one while others run on its vCPU): a
 * fixed table keyed by task, a few probes per lookup, the oldest entry replaced when full.
 * Each slot has a try-lock; only the task itself and, rarely, a task replacing the slot touch it.
 */
#define KSYS_SLOTS 1024
#define KSYS_PROBES 16
struct ksys {
    int lock;
    uint64_t task;
    uint64_t stamp;         /* when it was last used, to pick the slot to replace (atomic: read unlocked) */
    bool active;            /* between the entry and the return */
    bool compat;            /* i386 numbering (int 0x80, sysenter) */
    bool deferred;          /* an execve whose entry is recorded later (its file name was unreadable) */
    uint8_t unread;         /* PATH arguments unreadable at the entry: read again at the return */
    int64_t nr;
    uint64_t args[6];
};
static struct ksys ksys[KSYS_SLOTS];
static uint64_t ksys_clock;

/* The slot of task, locked (create: claim one if it has none), or NULL. */
static struct ksys *ksys_get(uint64_t task, bool create)
{
    uint64_t h = (task >> 6) * 0x9e3779b97f4a7c15ull;
    size_t base = (size_t)(h >> 54), victim = base;
    uint64_t oldest = UINT64_MAX;
    for (size_t i = 0; i < KSYS_PROBES; i++) {
        struct ksys *e = &ksys[(base + i) % KSYS_SLOTS];
        uint64_t t = __atomic_load_n(&e->task, __ATOMIC_ACQUIRE);
        if (t == task || (t == 0 && create)) {
            if (__atomic_exchange_n(&e->lock, 1, __ATOMIC_ACQUIRE) != 0)
                return NULL;
            if (e->task != task && e->task != 0) { /* taken meanwhile */
                __atomic_store_n(&e->lock, 0, __ATOMIC_RELEASE);
                return NULL;
            }
            if (e->task == 0) {
                memset(&e->active, 0, sizeof(*e) - offsetof(struct ksys, active));
                __atomic_store_n(&e->task, task, __ATOMIC_RELEASE);
            }
            __atomic_store_n(&e->stamp, __atomic_add_fetch(&ksys_clock, 1, __ATOMIC_RELAXED), __ATOMIC_RELAXED);
            return e;
        }
        uint64_t stamp = __atomic_load_n(&e->stamp, __ATOMIC_RELAXED);
        if (stamp < oldest) {
            oldest = stamp;
            victim = (base + i) % KSYS_SLOTS;
        }
    }
    if (!create)
        return NULL;
    struct ksys *e = &ksys[victim];
    if (__atomic_exchange_n(&e->lock, 1, __ATOMIC_ACQUIRE) != 0)
        return NULL;
    memset(&e->active, 0, sizeof(*e) - offsetof(struct ksys, active));
    __atomic_store_n(&e->task, task, __ATOMIC_RELEASE);
    __atomic_store_n(&e->stamp, __atomic_add_fetch(&ksys_clock, 1, __ATOMIC_RELAXED), __ATOMIC_RELAXED);
    return e;
}

static void ksys_put(struct ksys *e)
{
    if (e)
        __atomic_store_n(&e->lock, 0, __ATOMIC_RELEASE);
}

/* ---- system calls ------------------------------------------------------------------------- */

static long nr_execve = -1, nr_execveat = -1, nr32_execve = -1, nr32_execveat = -1;

/* The pt_regs at regs, as words (r[MAX_REGS]). */
static bool read_regs(struct qt_vcpu *v, uint64_t regs, uint64_t *r)
{
    uint8_t b[MAX_REGS * 8];
    unsigned n = qt.arch->ptregs->nregs;
    if (regs < qt_kernel_space || n > MAX_REGS || !v->mem.read(v->mem.ctx, regs, b, n * 8))
        return false;
    for (unsigned i = 0; i < n; i++) {
        uint64_t x = 0;
        for (int j = 0; j < 8; j++)
            x |= (uint64_t)b[8 * i + j] << (8 * j);
        r[i] = x;
    }
    return true;
}

/* The user-stack thread of the current task: its depth nests the syscall under the user
 * functions being traced; seeing it also records the task's THREAD record. */
static uint16_t user_depth(struct qt_vcpu *v)
{
    struct qt_thread *t = qt_thread_current(v, qt_vsb(v->index), 0);
    return t ? qt_thread_depth(t) : 0;
}

static bool is_execve(int64_t nr, bool compat)
{
    return compat ? nr == nr32_execve || nr == nr32_execveat : nr == nr_execve || nr == nr_execveat;
}

/* The system call's arguments from its pt_regs, by the native or the 32-bit ABI. */
static void regs_args(const uint64_t r[MAX_REGS], bool compat, uint64_t args[6])
{
    const struct qt_ptregs *P = qt.arch->ptregs;
    for (int i = 0; i < 6; i++)
        args[i] = compat ? (uint32_t)r[P->compat_args[i]] : r[P->args[i]];
}

/* A system call's record fields. */
static void sys_call(struct qt_vcpu *v, int64_t nr, const uint64_t args[6], bool compat, struct qt_sys_call *c)
{
    memset(c, 0, sizeof(*c));
    c->abi = compat ? qt.arch->ptregs->compat_abi : qt.arch->id;
    c->nr = nr;
    c->func = (uint64_t)nr | (compat ? QT_SYSCALL_I386 : 0);
    memcpy(c->args, args, sizeof(c->args));
    c->bits = compat ? 32 : 64;
    if (is_execve(nr, compat) && !compat)
        c->argv_pos = nr == nr_execveat ? 3 : 2;
    c->depth = user_depth(v);
}

/*
 * The entry of a system call. Paths are read from user memory now; a path on a page the
 * process has not touched yet (a string in .rodata, a forked child's first access) cannot be
 * read without faulting it in, which the plugin must not do: it is read again at the return,
 * once the kernel has copied it (unread), and shown there.
 */
static void sys_entry(struct qt_vcpu *v, struct qt_ktask *k, int64_t nr, const uint64_t args[6], bool compat,
                      uint8_t *unread)
{
    struct qt_sys_call c;
    struct qt_who w;
    sys_call(v, nr, args, compat, &c);
    qt_ktask_who(k, &w);
    qt_rec_sys_entry(v, &w, &c, unread);
}

static void sys_return(struct qt_vcpu *v, struct qt_ktask *k, int64_t nr, int64_t ret, const uint64_t args[6],
                       bool compat, uint8_t unread)
{
    struct qt_sys_call c;
    struct qt_who w;
    sys_call(v, nr, args, compat, &c);
    qt_ktask_who(k, &w);
    qt_rec_sys_return(v, &w, &c, ret, unread);
}

static void sys_enter(struct qt_vcpu *v, struct qt_ktask *k, int64_t nr, const uint64_t args[6], bool compat)
{
    struct ksys *e = ksys_get(k->key, true);
    uint8_t unread = 0, probe;
    if (e) {
        e->active = true;
        e->nr = nr;
        e->compat = compat;
        e->deferred = false;
        memcpy(e->args, args, sizeof(e->args));
    }
    if (e && is_execve(nr, compat)) {
        uint64_t path = args[nr == (compat ? nr32_execveat : nr_execveat) ? 1 : 0];
        if (path && !v->mem.read(v->mem.ctx, path, &probe, 1)) {
            /* the file name is not readable yet: recorded from the kernel's copy when the exec
             * succeeds (exec_entry), or at the return when it fails */
            e->deferred = true;
            ksys_put(e);
            return;
        }
    }
    sys_entry(v, k, nr, args, compat, &unread);
    if (e)
        e->unread = unread;
    ksys_put(e);
}

void qt_ksys_on_sys64(unsigned vi, void *u)
{
    (void)u;
    struct qt_vcpu *v = qt_vcpu(vi);
    struct qt_ktask *k = qt_ktask(v);
    if (!qt_ktask_selected(v, k))
        return;
    uint64_t r[MAX_REGS], args[6];
    if (!read_regs(v, qt_vcpu_karg(v, 1), r))
        return;
    regs_args(r, false, args);
    sys_enter(v, k, (int32_t)qt_vcpu_karg(v, 2), args, false);
}

static void sys32(struct qt_vcpu *v, struct qt_ktask *k, bool fast)
{
    const struct qt_ptregs *P = qt.arch->ptregs;
    if (!qt_ktask_selected(v, k))
        return;
    uint64_t r[MAX_REGS], args[6], arg6;
    if (!read_regs(v, qt_vcpu_karg(v, 1), r))
        return;
    /* int 0x80 through the IDT (Linux 6.1.66+: do_int80_emulation) leaves orig_ax -1 at entry;
     * the number is still in ax. The older entry paths set orig_ax. */
    int64_t nr = (int32_t)r[P->orig_ax] >= 0 ? (int32_t)r[P->orig_ax] : (int32_t)r[P->ax];
    if (fast && qt_mem_read_uint(&v->mem, (uint32_t)r[P->sp], 4, &arg6))
        r[P->compat_args[5]] = arg6; /* sysenter: the sixth argument is on the user stack */
    regs_args(r, true, args);
    sys_enter(v, k, nr, args, true);
}

void qt_ksys_on_sys80(unsigned vi, void *u)
{
    (void)u;
    struct qt_vcpu *v = qt_vcpu(vi);
    sys32(v, qt_ktask(v), false);
}

void qt_ksys_on_sysfast(unsigned vi, void *u)
{
    (void)u;
    struct qt_vcpu *v = qt_vcpu(vi);
    sys32(v, qt_ktask(v), true);
}

/* Back to user mode: every frame still open on the task's kernel stack ended unseen (a tail
 * call out of a traced function, a jump we do not follow): closed as unwound. */
static void kstack_done(struct qt_vcpu *v)
{
    if (qt_kfuncs_count())
        qt_calls_unwind(v, qt_reg_read(v, v->r_sp), UINT64_MAX);
}

void qt_ksys_on_exit(unsigned vi, void *u)
{
    const struct qt_ptregs *P = qt.arch->ptregs;
    (void)u;
    struct qt_vcpu *v = qt_vcpu(vi);
    struct qt_ktask *k = qt_ktask(v);
    if (!qt_ktask_selected(v, k))
        return;
    kstack_done(v);
    if (!qt.opts.syscalls)
        return;
    uint64_t r[MAX_REGS], args[6];
    if (!read_regs(v, qt_vcpu_karg(v, 1), r))
        return;
    struct ksys *e = ksys_get(k->key, false);
    bool mine = e && e->active;
    bool compat = mine ? e->compat : (r[P->cs] & 0xffff) == P->compat_cs;
    int64_t nr = compat ? (int32_t)r[P->orig_ax] : (int64_t)r[P->orig_ax];
    if (nr < 0 && mine)
        nr = e->nr; /* rt_sigreturn sets orig_ax to -1 */
    if (mine && is_execve(e->nr, e->compat))
        nr = e->nr; /* an exec into the other word size rewrote orig_ax to that ABI's execve */
    if (nr < 0 || nr > 4096) {
        ksys_put(e);
        return; /* not a system call: the first return of a process started by the kernel */
    }
    int64_t ret = compat ? (int32_t)r[P->ax] : (int64_t)r[P->ax];
    regs_args(r, compat, args);
    uint8_t unread = 0;
    if (mine && nr == e->nr) {
        if (e->deferred)
            sys_entry(v, k, nr, e->args, compat, &unread); /* a failed execve: its file name is readable now */
        else
            unread = e->unread;
    }
    if (e)
        e->active = false;
    ksys_put(e);
    sys_return(v, k, nr, ret, args, compat, unread);
}

void qt_ksys_on_irq_exit(unsigned vi, void *u)
{
    (void)u;
    struct qt_vcpu *v = qt_vcpu(vi);
    if (qt_ktask_selected(v, qt_ktask(v)))
        kstack_done(v);
}

void qt_ksys_exec(struct qt_vcpu *v, struct qt_ktask *k, uint64_t filename, uint64_t argv_p, const uint8_t *argv,
                       size_t argv_len, uint8_t argv_flags)
{
    struct ksys *e = ksys_get(k->key, true);
    bool recorded = e && e->active && is_execve(e->nr, e->compat) && !e->deferred;
    ksys_put(e);
    if (recorded)
        return; /* recorded at its entry */
    const struct qt_ptregs *P = qt.arch->ptregs;
    uint64_t kstack = (uint64_t)1 << qt.arch->kstack_shift;
    uint64_t sp = qt_reg_read(v, v->r_sp), r[MAX_REGS], args[6];
    uint64_t regs = (sp & ~(kstack - 1)) + kstack - P->nregs * 8; /* at the top of its kernel stack */
    if (sp < qt_kernel_space || !read_regs(v, regs, r))
        return;
    bool compat = (r[P->cs] & 0xffff) == P->compat_cs;
    int64_t nr = compat ? (int32_t)r[P->orig_ax] : (int64_t)r[P->orig_ax];
    /* Loading a program of the other word size, SET_PERSONALITY has already set orig_ax to that
     * ABI's execve (the first return to user mode is then of that kind); cs is still the caller's.
     * The call made was the caller's execve (or execveat: that is no longer told apart). */
    if (!compat && nr == nr32_execve)
        nr = nr_execve;
    else if (compat && nr == nr_execve)
        nr = nr32_execve;
    bool at = nr == (compat ? nr32_execveat : nr_execveat);
    if (nr != (compat ? nr32_execve : nr_execve) && !at)
        return; /* not a system call's exec (the kernel starting a program) */
    regs_args(r, compat, args);
    size_t max = sizeof(struct qt_rec_call) + 5 * QT_ARG_MAX_BYTES, used;
    struct qt_who w;
    qt_ktask_who(k, &w);
    uint16_t depth = user_depth(v); /* first: it may write the thread's record */
    uint64_t now = qt_out_now(qt.out);
    struct qt_rec_call *rec = qt_rec_begin(v, QT_REC_SYSCALL, max, &w, (uint64_t)nr | (compat ? QT_SYSCALL_I386 : 0),
                                           now, qt_vcpu_icount(v));
    rec->depth = depth;
    size_t size = sizeof(*rec);
    int pos = 1;
    struct qt_argslot path = { 0, QT_T_STR, 64 };
    if (at)
        size += qt_arg_scalar((uint8_t *)rec + size, pos++, QT_T_HEX, 64, args[0]);
    path.pos = (uint8_t)pos++;
    size += qt_arg_put(v, (uint8_t *)rec + size, &path, filename);
    uint8_t *d = qt_arg_raw((uint8_t *)rec + size, pos++, QT_T_STRV, 64, argv_p, argv_flags, argv_len, &used);
    memcpy(d, argv, argv_len);
    size += used;
    size += qt_arg_scalar((uint8_t *)rec + size, pos++, QT_T_HEX, compat ? 32 : 64, args[at ? 3 : 2]); /* envp */
    if (at)
        size += qt_arg_scalar((uint8_t *)rec + size, pos++, QT_T_HEX, 64, args[4]); /* flags */
    rec->nargs = (uint16_t)(pos - 1);
    qt_rec_end(v, rec, size, now);
    if ((e = ksys_get(k->key, true)) != NULL) {
        e->active = true;
        e->nr = nr;
        e->compat = compat;
        e->deferred = false;
        e->unread = 0;
        ksys_put(e);
    }
}

void qt_ksys_forget(struct qt_ktask *k)
{
    struct ksys *e = ksys_get(k->key, false);
    if (e)
        e->active = false;
    ksys_put(e);
}

void qt_ksys_init(void)
{
    nr_execve = qt_syscall_nr(qt.arch->id, "execve");
    nr_execveat = qt_syscall_nr(qt.arch->id, "execveat");
    nr32_execve = qt_syscall_nr(qt.arch->ptregs->compat_abi, "execve");
    nr32_execveat = qt_syscall_nr(qt.arch->ptregs->compat_abi, "execveat");
}
