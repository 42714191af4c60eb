/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Guest kernel introspection (system mode, kernel=PATH): a stock Linux x86-64 guest, KASLR on,
 * known from nothing but the image it boots (common/kintro.c: kallsyms, BTF).
 *
 *  - KASLR slide: found from the bytes of the first kernel translation blocks
 *    (kaslr_slide_from_bytes); until then no kernel code is instrumented (early boot).
 *  - The current task of every vCPU: the per-cpu current_task, read through gs_base (kernel
 *    mode) or k_gs_base (user mode, after swapgs); once the kernel has switched tasks on a vCPU,
 *    from the __switch_to(prev, next) hook instead (no memory read per event, and right in user
 *    mode under KPTI, where the per-cpu area is not mapped). Its pid, tgid and comm are cached
 *    per vCPU, read in kernel mode at the switch, at exec and at comm changes.
 *  - comm=/pid=/follow=: whether the current task is recorded is decided at those same points
 *    and cached per vCPU; callbacks only read the cached flag (qt_kernel_selected).
 *  - Kernel functions by name (kernel_*.c would be a split of this file): patterns select
 *    kallsyms symbols; entries and rets inside them (and the ret of the return thunks, for
 *    kernels built with them) go to calls.c's callbacks, which keep shadow stacks per (task,
 *    kernel stack). Matched by address only: the running kernel patches its own code.
 *  - System calls (syscalls=on): do_syscall_64 / do_int80_emulation / do_fast_syscall_32 at
 *    entry, syscall_exit_to_user_mode at exit; arguments from the pt_regs they are given.
 *  - The timeline: wake_up_new_task (fork, thread), setup_new_exec (exec), do_exit, and
 *    do_init_module (module load), as QT_REC_PROC records.
 *  - i386 kernels (K.symbols_only): kernel functions by name and the KASLR slide only; no task
 *    structure is read (no per-cpu current task, no layouts), so none of the hooks above.
 *    Processes are chosen by address space instead (program_as=on, also without kernel=): the
 *    cr3 values in which the traced program's own code ran (in system mode an instruction is
 *    instrumented only if its bytes are the program file's), and with kernel= the tasks
 *    (__switch_to's next, a pointer) that ran it; forgotten at pgd_free and free_task.
 * Hooks and kernel functions are chosen at translation time; every guest memory read goes
 * through the vCPU's struct qt_mem and is bounded; callbacks allocate nothing.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kintro.h"
#include "qtrace.h"
#include "syscalls.h"

#define KERNEL_SPACE 0xffff800000000000ull   /* x86-64: the kernel half of the address space */
#define KSTACK_SIZE 16384u                     /* THREAD_SIZE: kernel stacks are 16 KiB, aligned */
#define SLIDE_TRIES 100000                     /* kernel blocks tried before giving up on the slide */
#define MAX_FOLLOW 4096
#define BUF_BYTES 64                           /* bytes of read/write buffers kept (like sysmon.c) */

/* x86-64 struct pt_regs: the user registers saved at kernel entry (an ABI: uapi/asm/ptrace.h) */
enum {
    PT_R15, PT_R14, PT_R13, PT_R12, PT_BP, PT_BX, PT_R11, PT_R10, PT_R9, PT_R8, PT_AX, PT_CX, PT_DX, PT_SI,
    PT_DI, PT_ORIG_AX, PT_IP, PT_CS, PT_FLAGS, PT_SP, PT_SS, PT_NREGS
};
#define USER32_CS 0x23

static struct qt_kintro K;
static int k_on;                /* kernel= given and loaded (read with acquire: see load_kernel) */
static bool k_filter;           /* comm= or pid= given */
static bool as_filter;          /* program_as=on: the address spaces the program's code ran in */
static uint64_t kspace = KERNEL_SPACE; /* lowest kernel address: i386 0xc0000000, then PAGE_OFFSET from the image */
/* kernel_async=on (qtrace system, which checked the same inputs first): loaded by a thread
 * while the guest's firmware runs; the first kernel block waits for it */
static int k_pending;
static pthread_t k_thread;
static pthread_mutex_t k_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t k_cond = PTHREAD_COND_INITIALIZER;

/* ---- the KASLR slide and what depends on it ----------------------------------------------- */

static pthread_mutex_t slide_lock = PTHREAD_MUTEX_INITIALIZER;
static int slide_ready;         /* 1 once slide is known and everything below is relocated */
static int slide_failed;
static uint64_t slide;
static unsigned slide_tries;

/* traced kernel functions: link-time addresses until the slide is known, then run-time */
static struct tfunc *ktf;
static size_t nktf;
static struct qt_sym *ksym;     /* their names and parameters (tfunc.sym) */
/* return thunks: rets there return from traced functions that end with a jmp to them */
struct krange {
    uint64_t lo, hi;
};
static struct krange thunks[8];
static int nthunks;

enum hook {
    H_SWITCH,       /* __switch_to(prev, next): the vCPU now runs next */
    H_NEWTASK,      /* wake_up_new_task(p): fork/clone done, p about to run */
    H_EXEC,         /* setup_new_exec(bprm): the new program's comm and argv are in place */
    H_COMM,         /* __set_task_comm(tsk, buf, exec): a task renamed */
    H_EXIT,         /* do_exit(code) */
    H_MODULE,       /* do_init_module(mod) */
    H_SYS64,        /* do_syscall_64(regs, nr) */
    H_SYS80,        /* do_int80_emulation(regs) / do_int80_syscall_32(regs): int 0x80 */
    H_SYSFAST,      /* do_fast_syscall_32(regs): sysenter, 32-bit syscall */
    H_SYSEXIT,      /* syscall_exit_to_user_mode(regs): every system call's way back */
    H_IRQEXIT,      /* irqentry_exit_to_user_mode(regs): back to user mode after an interrupt or exception */
    H_PGDFREE,      /* pgd_free(mm, pgd): an address space is gone (program_as=on) */
    H_FREETASK,     /* free_task(tsk): a task is gone (program_as=on) */
    NHOOKS
};
static const char *const hook_syms[NHOOKS][2] = {
    [H_SWITCH] = { "__switch_to", NULL },
    [H_NEWTASK] = { "wake_up_new_task", NULL },
    [H_EXEC] = { "setup_new_exec", NULL },
    [H_COMM] = { "__set_task_comm", NULL },
    [H_EXIT] = { "do_exit", NULL },
    [H_MODULE] = { "do_init_module", NULL },
    [H_SYS64] = { "do_syscall_64", NULL },
    [H_SYS80] = { "do_int80_syscall_32", "do_int80_emulation" },
    [H_SYSFAST] = { "do_fast_syscall_32", NULL },
    [H_SYSEXIT] = { "syscall_exit_to_user_mode", NULL },
    [H_IRQEXIT] = { "irqentry_exit_to_user_mode", NULL },
    [H_PGDFREE] = { "pgd_free", NULL },
    [H_FREETASK] = { "free_task", NULL },
};
static uint64_t hook_addr[NHOOKS];  /* link-time, then run-time; 0: not hooked */
static qemu_plugin_vcpu_udata_cb_t hook_fn[NHOOKS];

/* ---- per-vCPU state ------------------------------------------------------------------------ */

struct kvcpu {
    bool init;
    struct qemu_plugin_register *r_cs, *r_gs, *r_kgs, *r_edx;
    struct qemu_plugin_register *r_karg[QT_MAX_REG_ARGS]; /* the kernel's argument registers (i386: regparm) */
    uint64_t as_task;       /* program_as=on: the task __switch_to switched to (no layout needed) */
    bool as_switched;       /* as_task is known */
    uint64_t as_ok_task;    /* the last task found to be the program's (a cache of as_tasks) */
    uint64_t task;          /* the task running on this vCPU, 0 if unknown */
    bool switched;          /* task comes from the __switch_to hook (exact from then on) */
    bool ids;               /* pid, tgid, comm are task's */
    uint32_t pid, tgid;
    char comm[16];
    uint64_t key;           /* task's identity (task ^ pid << 44: addresses are reused) */
    uint64_t sel_key;       /* sel is valid for this task and generation */
    uint32_t sel_gen;
    bool sel;
    uint64_t exec_from;     /* key of a selected task that an exec is renaming (its exec is still shown) */
};
static struct kvcpu kvs[QT_OUT_MAX_VCPUS];

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
    uint64_t stamp;         /* when it was last used, to pick the slot to replace */
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
                memset(&e->stamp, 0, sizeof(*e) - offsetof(struct ksys, stamp));
                __atomic_store_n(&e->task, task, __ATOMIC_RELEASE);
            }
            e->stamp = __atomic_add_fetch(&ksys_clock, 1, __ATOMIC_RELAXED);
            return e;
        }
        if (e->stamp < oldest) {
            oldest = e->stamp;
            victim = (base + i) % KSYS_SLOTS;
        }
    }
    if (!create)
        return NULL;
    struct ksys *e = &ksys[victim];
    if (__atomic_exchange_n(&e->lock, 1, __ATOMIC_ACQUIRE) != 0)
        return NULL;
    memset(&e->stamp, 0, sizeof(*e) - offsetof(struct ksys, stamp));
    __atomic_store_n(&e->task, task, __ATOMIC_RELEASE);
    e->stamp = __atomic_add_fetch(&ksys_clock, 1, __ATOMIC_RELAXED);
    return e;
}

static void ksys_put(struct ksys *e)
{
    if (e)
        __atomic_store_n(&e->lock, 0, __ATOMIC_RELEASE);
}
static uint32_t sel_gen = 1;    /* bumped when a task's name changes: cached decisions are redone */

/* processes followed (follow=on): their tgids; appended under a lock, read without one */
static uint32_t follow_tgid[MAX_FOLLOW];
static int nfollow;
static pthread_mutex_t follow_lock = PTHREAD_MUTEX_INITIALIZER;
static int follow_full_warned;

static struct kvcpu *kvc(struct vcpu *v)
{
    struct kvcpu *k = &kvs[v->index < QT_OUT_MAX_VCPUS ? v->index : 0];
    if (!k->init) {
        /* first callback on this vCPU: its registers (once, never again on a hot path) */
        GArray *regs = qemu_plugin_get_registers();
        for (guint i = 0; i < regs->len; i++) {
            qemu_plugin_reg_descriptor *d = &g_array_index(regs, qemu_plugin_reg_descriptor, i);
            if (strcmp(d->name, "cs") == 0)
                k->r_cs = d->handle;
            else if (strcmp(d->name, "gs_base") == 0)
                k->r_gs = d->handle;
            else if (strcmp(d->name, "k_gs_base") == 0)
                k->r_kgs = d->handle;
            else if (strcmp(d->name, "edx") == 0)
                k->r_edx = d->handle;
            const struct qt_callconv *kc = qt.arch->kernel_cc;
            for (int a = 0; kc && a < kc->n_arg_regs && a < QT_MAX_REG_ARGS; a++)
                if (strcmp(d->name, kc->arg_regs[a]) == 0)
                    k->r_karg[a] = d->handle;
        }
        g_array_free(regs, TRUE);
        k->init = true;
    }
    return k;
}

static bool follow_has(uint32_t tgid)
{
    int n = __atomic_load_n(&nfollow, __ATOMIC_ACQUIRE);
    for (int i = 0; i < n; i++)
        if (follow_tgid[i] == tgid)
            return true;
    return false;
}

static void follow_add(uint32_t tgid)
{
    if (follow_has(tgid))
        return;
    pthread_mutex_lock(&follow_lock);
    if (!follow_has(tgid)) {
        if (nfollow < MAX_FOLLOW) {
            follow_tgid[nfollow] = tgid;
            __atomic_store_n(&nfollow, nfollow + 1, __ATOMIC_RELEASE);
        } else if (!follow_full_warned) {
            follow_full_warned = 1;
            fprintf(stderr, "qtrace: warning: follow=on: more than %d processes followed; later ones are not\n",
                    MAX_FOLLOW);
        }
    }
    pthread_mutex_unlock(&follow_lock);
}

/* Is a task with these ids recorded? (comm=, pid=, follow=) */
static bool ids_selected(uint32_t pid, uint32_t tgid, const char *comm)
{
    if (!k_filter)
        return true;
    if (qt.opts.pid && (tgid == qt.opts.pid || pid == qt.opts.pid)) {
        if (qt.opts.follow)
            follow_add(tgid);
        return true;
    }
    if (qt.opts.comm && qt_glob_match(qt.opts.comm, comm)) {
        if (qt.opts.follow)
            follow_add(tgid);
        return true;
    }
    return qt.opts.follow && follow_has(tgid);
}

/* ---- the current task ----------------------------------------------------------------------- */

static bool read_ids(struct vcpu *v, uint64_t task, uint32_t *pid, uint32_t *tgid, char comm[16])
{
    const struct qt_klayout *L = &K.L;
    uint64_t p, g;
    if (!qt_mem_read_uint(&v->mem, task + L->task_pid.off, 4, &p) || !qt_mem_read_uint(&v->mem, task + L->task_tgid.off, 4, &g) ||
        !v->mem.read(v->mem.ctx, task + L->task_comm.off, comm, 16))
        return false;
    comm[15] = '\0';
    *pid = (uint32_t)p;
    *tgid = (uint32_t)g;
    return true;
}

/* What identifies a task over the whole run: its address, which the kernel reuses for new tasks
 * once one has gone, combined with its pid (in bits the direct map's addresses keep constant). */
static void set_key(struct kvcpu *k)
{
    k->key = k->task ^ (k->ids ? (uint64_t)k->pid << 44 : 0);
}

/* The vCPU now runs task (known exactly); read its ids while in kernel mode. */
static void set_task(struct vcpu *v, struct kvcpu *k, uint64_t task)
{
    if (task != k->task || !k->ids) {
        k->task = task;
        k->ids = task && read_ids(v, task, &k->pid, &k->tgid, k->comm);
        set_key(k);
        k->sel_key = 0;
    }
}

/* current_task of this CPU from the per-cpu area (0 if unreadable: KPTI in user mode). */
static uint64_t read_current(struct vcpu *v, struct kvcpu *k)
{
    uint64_t cs = qt_reg_read(v, k->r_cs);
    uint64_t base = qt_reg_read(v, (cs & 3) ? k->r_kgs : k->r_gs), t = 0;
    if (base < KERNEL_SPACE || !qt_mem_read_uint(&v->mem, base + K.current_task_off, 8, &t) || t < KERNEL_SPACE)
        return 0;
    return t;
}

/* The address of the task running on v (0 if unknown); k->key is its identity. */
static uint64_t cur_task(struct vcpu *v, struct kvcpu *k)
{
    if (k->switched)
        return k->task;
    uint64_t t = read_current(v, k);
    if (t && t != k->task)
        set_task(v, k, t);
    return k->task;
}

uint64_t qt_kernel_current_task(struct vcpu *v)
{
    if (!__atomic_load_n(&k_on, __ATOMIC_ACQUIRE) || K.symbols_only)
        return 0;
    struct kvcpu *k = kvc(v);
    return cur_task(v, k) ? k->key : 0;
}

bool qt_kernel_task_ids(struct vcpu *v, uint64_t task, uint32_t *tid, uint32_t *tgid, char comm[16])
{
    if (!task || !__atomic_load_n(&k_on, __ATOMIC_ACQUIRE) || K.symbols_only)
        return false;
    struct kvcpu *k = kvc(v);
    if (task != k->key || !k->ids)
        return false; /* only the task running on v is known */
    *tid = k->pid;
    *tgid = k->tgid;
    memcpy(comm, k->comm, 16);
    return true;
}

static bool selected(struct vcpu *v, struct kvcpu *k)
{
    uint64_t t = cur_task(v, k);
    if (!t)
        return false;
    uint32_t gen = __atomic_load_n(&sel_gen, __ATOMIC_RELAXED);
    if (k->sel_key == k->key && k->sel_gen == gen)
        return k->sel;
    if (!k->ids) {
        k->ids = read_ids(v, t, &k->pid, &k->tgid, k->comm);
        set_key(k);
    }
    k->sel = k->ids && ids_selected(k->pid, k->tgid, k->comm);
    k->sel_key = k->key;
    k->sel_gen = gen;
    return k->sel;
}

/*
 * program_as=on: the address spaces (cr3) the program's own code runs in. Only code with the
 * program's bytes is instrumented in user mode, but two static programs share their libc's code
 * (init's malloc can have calls' bytes at calls' address), so a user-mode callback in an address
 * space not seen before is checked once: the program's signature (the first bytes of main, or
 * of its entry point) must be in that address space at their address. Kernel code counts while
 * one of the program's address spaces is current and the task running (known from
 * __switch_to's argument, a pointer: no layout needed) has run the program's user code: kernel
 * threads run on the address space of the task before them (lazy TLB) and are told apart so.
 * Fixed tables (the program's address spaces and tasks, and the address spaces already found
 * not to be the program's), slots claimed by compare-and-swap (no lock), freed at pgd_free and
 * free_task.
 */
#define AS_SLOTS 64
#define AS_FREE 1 /* a freed slot (no cr3 has bit 0 set once masked) */
static uint64_t as_cr3[AS_SLOTS];   /* the program's */
static uint64_t as_not[AS_SLOTS];   /* checked: not the program's */
#define AS_TASKS 256
static uint64_t as_tasks[AS_TASKS]; /* tasks that ran the program's user code */
static int as_full_warned;
static uint8_t as_sig[64];
static size_t as_sig_len;
static uint64_t as_sig_addr;

static uint64_t as_mask(uint64_t cr3)
{
    /* i386: PWT/PCD only (a PAE cr3 is 32-byte aligned); x86-64: PCID bits */
    return cr3 & (qt.arch->word_bytes == 4 ? ~(uint64_t)0x18 : ~(uint64_t)0xfff);
}

static bool as_in_n(uint64_t *tab, int n, uint64_t cr3)
{
    for (int i = 0; i < n; i++) {
        uint64_t c = __atomic_load_n(&tab[i], __ATOMIC_ACQUIRE);
        if (c == cr3)
            return true;
        if (c == 0)
            return false;
    }
    return false;
}

static bool as_in(uint64_t *tab, uint64_t cr3)
{
    return as_in_n(tab, AS_SLOTS, cr3);
}

static void as_add_n(uint64_t *tab, int n, uint64_t cr3)
{
    for (int i = 0; i < n; i++) {
        uint64_t c = __atomic_load_n(&tab[i], __ATOMIC_ACQUIRE);
        if (c == cr3)
            return;
        if ((c == 0 || c == AS_FREE) &&
            __atomic_compare_exchange_n(&tab[i], &c, cr3, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
            return;
    }
    if (tab != as_not && !__atomic_exchange_n(&as_full_warned, 1, __ATOMIC_RELAXED))
        fprintf(stderr, "qtrace: warning: program_as=on: more than %d %s of the program at once; the others are not "
                "recorded\n", n, tab == as_cr3 ? "address spaces" : "threads");
}

static void as_add(uint64_t *tab, uint64_t cr3)
{
    as_add_n(tab, AS_SLOTS, cr3);
}

static void as_del_n(uint64_t *tab, int n, uint64_t x)
{
    for (int i = 0; i < n; i++) {
        uint64_t c = __atomic_load_n(&tab[i], __ATOMIC_ACQUIRE);
        if (c == 0)
            return;
        if (c == x)
            __atomic_compare_exchange_n(&tab[i], &c, AS_FREE, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
    }
}

static bool as_selected(struct vcpu *v)
{
    uint64_t cr3 = as_mask(qt_reg_read(v, v->r_asid));
    if (!cr3)
        return false;
    struct kvcpu *k = kvc(v);
    bool user = k->r_cs && (qt_reg_read(v, k->r_cs) & 3);
    if (!as_in(as_cr3, cr3)) {
        if (!user || as_in(as_not, cr3))
            return false; /* kernel code in another address space, or another program */
        /* user code with the program's bytes in an address space not seen before: is the program
         * there? (an unreadable signature page: not known yet, asked again at the next event) */
        uint8_t got[sizeof(as_sig)];
        if (!v->mem.read(v->mem.ctx, as_sig_addr, got, as_sig_len))
            return false;
        bool mine = memcmp(got, as_sig, as_sig_len) == 0;
        as_add(mine ? as_cr3 : as_not, cr3);
        if (!mine)
            return false;
    }
    /* the program's address space: which task? (unknown until this vCPU's first task switch) */
    if (!k->as_switched || k->as_task == k->as_ok_task)
        return true;
    if (user) {
        as_add_n(as_tasks, AS_TASKS, k->as_task); /* it runs the program's code: one of its threads */
    } else if (!as_in_n(as_tasks, AS_TASKS, k->as_task)) {
        return false; /* a kernel thread on the borrowed address space */
    }
    k->as_ok_task = k->as_task;
    return true;
}

/* __switch_to(prev, next) (i386 -mregparm=3: next in edx): the task this vCPU runs now */
static void on_as_switch(unsigned vi, void *u)
{
    (void)u;
    struct vcpu *v = qt_vcpu(vi);
    struct kvcpu *k = kvc(v);
    uint64_t next = k->r_karg[1] ? qt_reg_read(v, k->r_karg[1]) : 0;
    if (next < kspace)
        return;
    k->as_task = next;
    k->as_switched = true;
}

/* free_task(tsk) (eax): that task is gone, its memory may become another task's */
static void on_freetask(unsigned vi, void *u)
{
    (void)u;
    struct vcpu *v = qt_vcpu(vi);
    struct kvcpu *k = kvc(v);
    uint64_t t = k->r_karg[0] ? qt_reg_read(v, k->r_karg[0]) : 0;
    if (t < kspace)
        return;
    as_del_n(as_tasks, AS_TASKS, t);
    for (int i = 0; i < QT_OUT_MAX_VCPUS; i++)
        if (__atomic_load_n(&kvs[i].as_ok_task, __ATOMIC_RELAXED) == t)
            __atomic_store_n(&kvs[i].as_ok_task, 0, __ATOMIC_RELAXED);
}

/* The program's signature: the first bytes of main (else of the entry point), from the file. */
static int as_signature(char *err, size_t errlen)
{
    struct qt_symtab st;
    if (qt_symtab_load(&st, qt.opts.program, qt.opts.bias, err, errlen) < 0)
        return -EINVAL;
    const struct qt_sym *m = qt_symtab_find(&st, "main");
    uint64_t a = m ? m->addr : st.entry;
    size_t n = m && m->size && m->size < sizeof(as_sig) ? (size_t)m->size : sizeof(as_sig);
    while (n >= 8 && !qt_symtab_read(&st, a, as_sig, n))
        n /= 2;
    qt_symtab_free(&st);
    if (n < 8) {
        snprintf(err, errlen, "program_as=on: no code of %s at 0x%" PRIx64 " (%s) to recognise its address spaces by",
                 qt.opts.program, a, m ? "main" : "its entry point");
        return -EINVAL;
    }
    as_sig_addr = a;
    as_sig_len = n;
    return 0;
}

/* pgd_free(mm, pgd) (i386 -mregparm=3: pgd in edx): that address space is gone, and its page
 * may become another process's */
static void on_pgdfree(unsigned vi, void *u)
{
    (void)u;
    struct vcpu *v = qt_vcpu(vi);
    struct kvcpu *k = kvc(v);
    if (!k->r_edx)
        return;
    uint64_t pgd = qt_reg_read(v, k->r_edx);
    if (pgd < K.img.map_base)
        return;
    uint64_t cr3 = as_mask(pgd - K.img.map_base); /* __pa() of the direct map */
    as_del_n(as_cr3, AS_SLOTS, cr3);
    as_del_n(as_not, AS_SLOTS, cr3);
}

uint64_t qt_kernel_arg(struct vcpu *v, int n, uint64_t sp)
{
    const char *reg = NULL;
    uint64_t off = 0, val = 0;
    if (!qt_callconv_arg(qt.arch->kernel_cc, n, &reg, &off))
        return 0;
    if (reg) {
        struct qemu_plugin_register *r = kvc(v)->r_karg[n - 1];
        return r ? qt_reg_read(v, r) : 0;
    }
    qt_mem_read_uint(&v->mem, sp + off, qt.arch->word_bytes, &val);
    return val;
}

bool qt_kernel_filtering(void)
{
    return k_filter || as_filter;
}

bool qt_kernel_selected(struct vcpu *v)
{
    if (as_filter)
        return as_selected(v);
    if (!k_filter)
        return true;
    if (!__atomic_load_n(&k_on, __ATOMIC_ACQUIRE))
        return false; /* which process runs is not known yet */
    return selected(v, kvc(v));
}

/* ---- records -------------------------------------------------------------------------------- */

#define ARG_MAX_BYTES (sizeof(struct qt_arg) + QT_STR_MAX + 8)

static struct qt_rec_call *rec_begin(struct vcpu *v, struct kvcpu *k, uint16_t type, uint64_t func, uint16_t depth,
                                     size_t max)
{
    struct qt_rec_call *r = qt_out_reserve(qt.out, v->index, max);
    memset(r, 0, sizeof(*r));
    r->h.type = type;
    r->h.vcpu = v->index;
    r->tid = k->ids ? k->pid : 0;
    r->pid = k->ids ? k->tgid : 0;
    r->depth = depth;
    r->ts_ns = qt_out_now(qt.out);
    r->icount = qemu_plugin_u64_get(qt.icount, v->index);
    r->func = func;
    return r;
}

static void rec_end(struct vcpu *v, struct qt_rec_call *r, size_t size)
{
    r->h.size = (uint16_t)size;
    qt_out_commit(qt.out, v->index, size);
    v->events++;
}

/* An argument of a given type whose data the caller fills (len bytes at the returned pointer). */
static uint8_t *arg_raw(uint8_t *p, int pos, uint8_t type, uint8_t bits, uint64_t value, uint8_t flags, size_t len,
                        size_t *used)
{
    struct qt_arg *a = (struct qt_arg *)p;
    memset(a, 0, sizeof(*a));
    a->pos = (uint8_t)pos;
    a->type = type;
    a->bits = bits;
    a->flags = flags;
    a->value = value;
    a->len = (uint16_t)len;
    memset(p + sizeof(*a) + len, 0, QT_ALIGN8(len) - len);
    *used = sizeof(*a) + QT_ALIGN8(len);
    return p + sizeof(*a);
}

static size_t arg_scalar(uint8_t *p, int pos, uint8_t type, uint8_t bits, uint64_t value)
{
    size_t used;
    arg_raw(p, pos, type, bits, value, 0, 0, &used);
    return used;
}

static size_t arg_decoded(struct vcpu *v, uint8_t *p, int pos, uint8_t type, uint64_t value)
{
    struct qt_argslot s = { (uint8_t)pos, type, 64 };
    return qt_put_arg(v, p, &s, value);
}

/* A guest buffer of len bytes (at most BUF_BYTES) as a string argument. */
static size_t arg_buf(struct vcpu *v, uint8_t *p, int pos, uint64_t addr, uint64_t len)
{
    size_t used;
    uint64_t n = len < BUF_BYTES ? len : BUF_BYTES;
    if (addr == 0) {
        arg_raw(p, pos, QT_T_STR, 64, addr, QT_ARG_NULL, 0, &used);
        return used;
    }
    uint8_t *d = arg_raw(p, pos, QT_T_STR, 64, addr, len > n ? QT_ARG_TRUNCATED : 0, n, &used);
    if (n > 0 && !v->mem.read(v->mem.ctx, addr, d, n))
        arg_raw(p, pos, QT_T_STR, 64, addr, QT_ARG_UNREADABLE, 0, &used);
    return used;
}

/* A NUL-terminated guest string as a string argument (at most QT_STR_MAX bytes). */
static size_t arg_str(struct vcpu *v, uint8_t *p, int pos, uint64_t addr)
{
    return arg_decoded(v, p, pos, QT_T_STR, addr);
}

/* ---- system calls ------------------------------------------------------------------------- */

static long nr_execve = -1, nr_execveat = -1, nr32_execve = -1, nr32_execveat = -1;

static bool read_regs(struct vcpu *v, uint64_t regs, uint64_t r[PT_NREGS])
{
    uint8_t b[PT_NREGS * 8];
    if (regs < KERNEL_SPACE || !v->mem.read(v->mem.ctx, regs, b, sizeof(b)))
        return false;
    for (int i = 0; i < PT_NREGS; i++) {
        uint64_t x = 0;
        for (int j = 0; j < 8; j++)
            x |= (uint64_t)b[8 * i + j] << (8 * j);
        r[i] = x;
    }
    return true;
}

/* The user-stack thread of the current task (calls.c): its depth nests the syscall under the
 * user functions being traced; seeing it also records the task's THREAD record. */
static uint16_t user_depth(struct vcpu *v)
{
    struct thread *t = qt_current_thread(v, 0);
    return t ? (uint16_t)qt_thread_depth(t) : 0;
}

static bool is_execve(int64_t nr, bool compat)
{
    return compat ? nr == nr32_execve || nr == nr32_execveat : nr == nr_execve || nr == nr_execveat;
}

/*
 * The entry of a system call. Paths are read from user memory now; a path on a page the
 * process has not touched yet (a string in .rodata, a forked child's first access) cannot be
 * read without faulting it in, which the plugin must not do: it is read again at the return,
 * once the kernel has copied it (unread), and shown there.
 */
static void sys_entry(struct vcpu *v, struct kvcpu *k, int64_t nr, const uint64_t args[6], bool compat, uint8_t *unread)
{
    enum qt_arch arch = compat ? QT_ARCH_I386 : QT_ARCH_X86_64;
    const struct qt_syscall_desc *d = qt_syscall_desc(arch, nr);
    int nargs = d ? d->nargs : QT_SYS_MAXARGS;
    size_t max = sizeof(struct qt_rec_call) + (size_t)nargs * ARG_MAX_BYTES;
    uint64_t func = (uint64_t)nr | (compat ? QT_SYSCALL_I386 : 0);
    struct qt_rec_call *r = rec_begin(v, k, QT_REC_SYSCALL, func, user_depth(v), max);
    size_t size = sizeof(*r);
    int argv_pos = is_execve(nr, compat) ? (nr == (compat ? nr32_execveat : nr_execveat) ? 3 : 2) : 0;
    *unread = 0;
    for (int i = 0; i < nargs; i++) {
        uint8_t *p = (uint8_t *)r + size;
        enum qt_sa sa = d ? (enum qt_sa)d->arg[i] : QT_SA_HEX;
        if (sa == QT_SA_PATH) {
            size += arg_str(v, p, i + 1, args[i]);
            if (((struct qt_arg *)p)->flags & QT_ARG_UNREADABLE)
                *unread |= (uint8_t)(1u << i);
        } else if (sa == QT_SA_BUF_IN && i + 1 < QT_SYS_MAXARGS) {
            size += arg_buf(v, p, i + 1, args[i], args[i + 1]);
        } else if (i + 1 == argv_pos && !compat) {
            size += arg_decoded(v, p, i + 1, QT_T_STRV, args[i]);
        } else {
            size += arg_scalar(p, i + 1, QT_T_HEX, compat ? 32 : 64, args[i]);
        }
    }
    r->nargs = (uint16_t)nargs;
    rec_end(v, r, size);
}

static void sys_return(struct vcpu *v, struct kvcpu *k, int64_t nr, int64_t ret, const uint64_t args[6], bool compat,
                       uint8_t unread)
{
    enum qt_arch arch = compat ? QT_ARCH_I386 : QT_ARCH_X86_64;
    const struct qt_syscall_desc *d = qt_syscall_desc(arch, nr);
    size_t max = sizeof(struct qt_rec_call) + 2 * (sizeof(struct qt_arg) + BUF_BYTES + 8) + 2 * ARG_MAX_BYTES;
    uint64_t func = (uint64_t)nr | (compat ? QT_SYSCALL_I386 : 0);
    struct qt_rec_call *r = rec_begin(v, k, QT_REC_SYSRET, func, user_depth(v), max);
    size_t size = sizeof(*r);
    size += arg_scalar((uint8_t *)r + size, 0, QT_T_INT, compat ? 32 : 64, (uint64_t)ret);
    r->nargs = 1;
    int bufs = 0, paths = 0;
    for (int i = 0; d && i < d->nargs; i++) {
        if (d->arg[i] == QT_SA_BUF_OUT && bufs == 0) {
            uint64_t len = ret > 0 ? (uint64_t)ret : 0;
            size += arg_buf(v, (uint8_t *)r + size, i + 1, args[i], len);
            r->nargs++;
            bufs++;
        } else if (d->arg[i] == QT_SA_PATH && (unread & (1u << i)) && paths < 2) {
            /* unreadable at the entry: read now, shown in the entry's place */
            size += arg_str(v, (uint8_t *)r + size, i + 1, args[i]);
            r->nargs++;
            paths++;
        }
    }
    rec_end(v, r, size);
}

static uint64_t reg_arg(struct vcpu *v, int n)
{
    return n >= 1 && n <= QT_MAX_REG_ARGS ? qt_reg_read(v, v->r_args[n - 1]) : 0;
}

static void regs_args(const uint64_t r[PT_NREGS], bool compat, uint64_t args[6])
{
    if (compat) {
        uint64_t a[6] = { (uint32_t)r[PT_BX], (uint32_t)r[PT_CX], (uint32_t)r[PT_DX], (uint32_t)r[PT_SI],
                          (uint32_t)r[PT_DI], (uint32_t)r[PT_BP] };
        memcpy(args, a, sizeof(a));
    } else {
        uint64_t a[6] = { r[PT_DI], r[PT_SI], r[PT_DX], r[PT_R10], r[PT_R8], r[PT_R9] };
        memcpy(args, a, sizeof(a));
    }
}

static void sys_enter(struct vcpu *v, struct kvcpu *k, int64_t nr, const uint64_t args[6], bool compat)
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

static void on_sys64(unsigned vi, void *u)
{
    (void)u;
    struct vcpu *v = qt_vcpu(vi);
    struct kvcpu *k = kvc(v);
    if (!selected(v, k))
        return;
    uint64_t r[PT_NREGS], args[6];
    if (!read_regs(v, reg_arg(v, 1), r))
        return;
    regs_args(r, false, args);
    sys_enter(v, k, (int32_t)reg_arg(v, 2), args, false);
}

static void sys32(struct vcpu *v, struct kvcpu *k, bool fast)
{
    if (!selected(v, k))
        return;
    uint64_t r[PT_NREGS], args[6], arg6;
    if (!read_regs(v, reg_arg(v, 1), r))
        return;
    /* int 0x80 through the IDT (Linux 6.1.66+: do_int80_emulation) leaves orig_ax -1 at entry;
     * the number is still in ax. The older entry paths set orig_ax. */
    int64_t nr = (int32_t)r[PT_ORIG_AX] >= 0 ? (int32_t)r[PT_ORIG_AX] : (int32_t)r[PT_AX];
    if (fast && qt_mem_read_uint(&v->mem, (uint32_t)r[PT_SP], 4, &arg6))
        r[PT_BP] = arg6; /* sysenter: the sixth argument is on the user stack */
    regs_args(r, true, args);
    sys_enter(v, k, nr, args, true);
}

static void on_sys80(unsigned vi, void *u)
{
    (void)u;
    struct vcpu *v = qt_vcpu(vi);
    sys32(v, kvc(v), false);
}

static void on_sysfast(unsigned vi, void *u)
{
    (void)u;
    struct vcpu *v = qt_vcpu(vi);
    sys32(v, kvc(v), true);
}

/* Back to user mode: every frame still open on the task's kernel stack ended unseen (a tail
 * call out of a traced function, a jump we do not follow): closed as unwound. */
static void kstack_done(struct vcpu *v)
{
    if (nktf)
        qt_calls_unwind(v, qt_reg_read(v, v->r_sp), UINT64_MAX);
}

static void on_sysexit(unsigned vi, void *u)
{
    (void)u;
    struct vcpu *v = qt_vcpu(vi);
    struct kvcpu *k = kvc(v);
    if (!selected(v, k))
        return;
    kstack_done(v);
    if (!qt.opts.syscalls)
        return;
    uint64_t r[PT_NREGS], args[6];
    if (!read_regs(v, reg_arg(v, 1), r))
        return;
    struct ksys *e = ksys_get(k->key, false);
    bool mine = e && e->active;
    bool compat = mine ? e->compat : (r[PT_CS] & 0xffff) == USER32_CS;
    int64_t nr = compat ? (int32_t)r[PT_ORIG_AX] : (int64_t)r[PT_ORIG_AX];
    if (nr < 0 && mine)
        nr = e->nr; /* rt_sigreturn sets orig_ax to -1 */
    if (mine && is_execve(e->nr, e->compat))
        nr = e->nr; /* an exec into the other word size rewrote orig_ax to that ABI's execve */
    if (nr < 0 || nr > 4096) {
        ksys_put(e);
        return; /* not a system call: the first return of a process started by the kernel */
    }
    int64_t ret = compat ? (int32_t)r[PT_AX] : (int64_t)r[PT_AX];
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

static void on_irqexit(unsigned vi, void *u)
{
    (void)u;
    struct vcpu *v = qt_vcpu(vi);
    if (selected(v, kvc(v)))
        kstack_done(v);
}

/* A jmp out of a traced kernel function (a tail call): its frame ends here. */
static void on_tailjmp(unsigned vi, void *u)
{
    (void)u;
    struct vcpu *v = qt_vcpu(vi);
    if (!selected(v, kvc(v)))
        return;
    uint64_t sp = qt_reg_read(v, v->r_sp);
    qt_calls_unwind(v, sp, sp + 1);
}

/* ---- processes and modules ------------------------------------------------------------------ */

static void proc_record_task(struct vcpu *v, struct kvcpu *k, enum qt_proc_kind kind, uint64_t task)
{
    size_t max = sizeof(struct qt_rec_call) + ARG_MAX_BYTES;
    struct qt_rec_call *r = rec_begin(v, k, QT_REC_PROC, kind, 0, max);
    size_t size = sizeof(*r);
    size += arg_decoded(v, (uint8_t *)r + size, 1, kind == QT_PROC_MODULE ? QT_T_MODULE : QT_T_TASK, task);
    r->nargs = 1;
    rec_end(v, r, size);
}

/* The execution log follows comm=/pid= too: tell it whether the task now running is selected. */
static void execlog_select(struct vcpu *v, struct kvcpu *k)
{
    if (qt.opts.execlog && k_filter)
        qt_execlog_select(v->index, selected(v, k));
}

static void on_switch(unsigned vi, void *u)
{
    (void)u;
    struct vcpu *v = qt_vcpu(vi);
    struct kvcpu *k = kvc(v);
    uint64_t next = reg_arg(v, 2);
    if (next < KERNEL_SPACE)
        return;
    set_task(v, k, next);
    k->switched = true;
    execlog_select(v, k);
}

static void on_newtask(unsigned vi, void *u)
{
    (void)u;
    struct vcpu *v = qt_vcpu(vi);
    struct kvcpu *k = kvc(v);
    uint64_t child = reg_arg(v, 1);
    uint32_t pid, tgid;
    char comm[16];
    if (child < KERNEL_SPACE || !read_ids(v, child, &pid, &tgid, comm))
        return;
    bool parent_sel = selected(v, k);
    if (parent_sel && qt.opts.follow && k_filter)
        follow_add(tgid);
    if (parent_sel || ids_selected(pid, tgid, comm))
        proc_record_task(v, k, k->ids && tgid == k->tgid ? QT_PROC_THREAD : QT_PROC_FORK, child);
}

/* The current task's name changed (exec, prctl): re-read it, decide again. */
static void renamed(struct vcpu *v, struct kvcpu *k)
{
    uint64_t t = cur_task(v, k);
    if (!t)
        return;
    k->ids = read_ids(v, t, &k->pid, &k->tgid, k->comm);
    set_key(k); /* a thread that execs takes its leader's pid */
    k->sel_key = 0;
    __atomic_fetch_add(&sel_gen, 1, __ATOMIC_RELAXED);
    execlog_select(v, k);
}

static void on_comm(unsigned vi, void *u)
{
    (void)u;
    struct vcpu *v = qt_vcpu(vi);
    struct kvcpu *k = kvc(v);
    uint64_t tsk = reg_arg(v, 1), buf = reg_arg(v, 2);
    if (tsk != cur_task(v, k) || !tsk)
        return;
    /* the new name is not stored yet: take it from buf */
    char comm[16];
    bool trunc;
    int n = qt_mem_read_str(&v->mem, buf, comm, 15, &trunc);
    if (n < 0)
        return;
    comm[n] = '\0';
    if (reg_arg(v, 3) && selected(v, k))
        k->exec_from = k->key; /* __set_task_comm(tsk, buf, exec=true): begin_new_exec renaming it */
    if (k->ids) {
        memcpy(k->comm, comm, sizeof(comm));
        k->sel_key = 0;
        __atomic_fetch_add(&sel_gen, 1, __ATOMIC_RELAXED);
        execlog_select(v, k);
    }
}

/* argc NUL-terminated strings at p (bprm->p: argv in the new program's stack) into d[0..cap). */
static size_t read_argv(struct vcpu *v, uint64_t p, uint64_t argc, uint8_t *d, size_t cap, uint8_t *flags)
{
    size_t len = 0;
    *flags = 0;
    for (uint64_t i = 0; i < argc && p; i++) {
        if (i >= QT_STRV_MAX || len + 2 > cap) {
            *flags |= QT_ARG_TRUNCATED;
            break;
        }
        bool trunc;
        int n = qt_mem_read_str(&v->mem, p, (char *)d + len, cap - len - 1, &trunc);
        if (n < 0) {
            *flags |= i == 0 ? QT_ARG_UNREADABLE : QT_ARG_TRUNCATED;
            break;
        }
        len += (size_t)n;
        d[len++] = 0;
        if (trunc) {
            *flags |= QT_ARG_TRUNCATED;
            break;
        }
        p += (uint64_t)n + 1;
    }
    return (*flags & QT_ARG_UNREADABLE) ? 0 : len;
}

/*
 * A process that becomes recorded by its exec (comm=NAME: the shell's child turns into NAME)
 * had its execve entry unrecorded: record it now, from what the kernel still has (the file
 * name and argv in bprm, the syscall number and envp in the task's pt_regs at the top of its
 * kernel stack), so that the execve's return pairs with it.
 */
static void exec_entry(struct vcpu *v, struct kvcpu *k, uint64_t filename, uint64_t argv_p, const uint8_t *argv,
                       size_t argv_len, uint8_t argv_flags)
{
    struct ksys *e = ksys_get(k->key, true);
    bool recorded = e && e->active && is_execve(e->nr, e->compat) && !e->deferred;
    ksys_put(e);
    if (recorded)
        return; /* recorded at its entry */
    uint64_t sp = qt_reg_read(v, v->r_sp), r[PT_NREGS];
    uint64_t regs = (sp & ~(uint64_t)(KSTACK_SIZE - 1)) + KSTACK_SIZE - PT_NREGS * 8;
    if (sp < KERNEL_SPACE || !read_regs(v, regs, r))
        return;
    bool compat = (r[PT_CS] & 0xffff) == USER32_CS;
    int64_t nr = compat ? (int32_t)r[PT_ORIG_AX] : (int64_t)r[PT_ORIG_AX];
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
    size_t max = sizeof(struct qt_rec_call) + 5 * ARG_MAX_BYTES, used;
    struct qt_rec_call *rec = rec_begin(v, k, QT_REC_SYSCALL, (uint64_t)nr | (compat ? QT_SYSCALL_I386 : 0),
                                        user_depth(v), max);
    size_t size = sizeof(*rec);
    int pos = 1;
    if (at)
        size += arg_scalar((uint8_t *)rec + size, pos++, QT_T_HEX, 64, compat ? (uint32_t)r[PT_BX] : r[PT_DI]);
    size += arg_str(v, (uint8_t *)rec + size, pos++, filename);
    uint8_t *d = arg_raw((uint8_t *)rec + size, pos++, QT_T_STRV, 64, argv_p, argv_flags, argv_len, &used);
    memcpy(d, argv, argv_len);
    size += used;
    size += arg_scalar((uint8_t *)rec + size, pos++, QT_T_HEX, compat ? 32 : 64,
                       compat ? (uint32_t)(at ? r[PT_SI] : r[PT_DX]) : (at ? r[PT_R10] : r[PT_DX]));
    if (at)
        size += arg_scalar((uint8_t *)rec + size, pos++, QT_T_HEX, 64, compat ? (uint32_t)r[PT_DI] : r[PT_R8]);
    rec->nargs = (uint16_t)(pos - 1);
    rec_end(v, rec, size);
    if ((e = ksys_get(k->key, true)) != NULL) {
        e->active = true;
        e->nr = nr;
        e->compat = compat;
        e->deferred = false;
        e->unread = 0;
        ksys_put(e);
    }
}

static void on_exec(unsigned vi, void *u)
{
    (void)u;
    struct vcpu *v = qt_vcpu(vi);
    struct kvcpu *k = kvc(v);
    uint64_t bprm = reg_arg(v, 1);
    bool was = selected(v, k) || (k->exec_from && k->exec_from == k->key);
    k->exec_from = 0;
    renamed(v, k);
    bool now = selected(v, k);
    /* a selected process that execs out of the selection (--comm ktest, a child of ktest exec'ing
     * sh) still shows its execve and the exec: the last things it did while selected */
    if ((!was && !now) || bprm < KERNEL_SPACE)
        return;
    const struct qt_klayout *L = &K.L;
    uint64_t filename = 0, p = 0, argc = 0;
    if (L->binprm_filename.found)
        qt_mem_read_uint(&v->mem, bprm + L->binprm_filename.off, 8, &filename);
    if (L->binprm_p.found)
        qt_mem_read_uint(&v->mem, bprm + L->binprm_p.off, 8, &p);
    if (L->binprm_argc.found)
        qt_mem_read_uint(&v->mem, bprm + L->binprm_argc.off, 4, &argc);
    uint8_t argv[QT_STR_MAX], flags;
    size_t alen = read_argv(v, p, argc, argv, sizeof(argv), &flags);
    if (qt.opts.syscalls)
        exec_entry(v, k, filename, p, argv, alen, flags);
    size_t max = sizeof(struct qt_rec_call) + 3 * ARG_MAX_BYTES, used;
    struct qt_rec_call *r = rec_begin(v, k, QT_REC_PROC, QT_PROC_EXEC, 0, max);
    size_t size = sizeof(*r);
    size += arg_str(v, (uint8_t *)r + size, 1, filename);
    uint8_t *d = arg_raw((uint8_t *)r + size, 2, QT_T_STRV, 64, p, flags, alen, &used);
    memcpy(d, argv, alen);
    size += used;
    size_t cl = strnlen(k->comm, 15);
    uint8_t *c = arg_raw((uint8_t *)r + size, 3, QT_T_STR, 64, 0, 0, cl, &used);
    memcpy(c, k->comm, cl);
    size += used;
    r->nargs = 3;
    rec_end(v, r, size);
    if (!now) {
        /* its return is not recorded: forget the call, so that a later exec back into the
         * selection is not taken as already recorded (exec_entry) */
        struct ksys *e = ksys_get(k->key, false);
        if (e)
            e->active = false;
        ksys_put(e);
    }
}

static void on_exit_task(unsigned vi, void *u)
{
    (void)u;
    struct vcpu *v = qt_vcpu(vi);
    struct kvcpu *k = kvc(v);
    if (!selected(v, k))
        return;
    uint64_t code = reg_arg(v, 1);
    struct qt_rec_call *r = rec_begin(v, k, QT_REC_PROC, QT_PROC_EXIT, 0, sizeof(struct qt_rec_call) + 16);
    size_t size = sizeof(*r);
    size += arg_scalar((uint8_t *)r + size, 1, QT_T_EXITCODE, 32, code);
    r->nargs = 1;
    rec_end(v, r, size);
}

static void on_module(unsigned vi, void *u)
{
    (void)u;
    struct vcpu *v = qt_vcpu(vi);
    struct kvcpu *k = kvc(v);
    cur_task(v, k);
    proc_record_task(v, k, QT_PROC_MODULE, reg_arg(v, 1)); /* every module load, whoever loads it */
}

/* ---- install: symbols, hooks, which kernel functions ----------------------------------------- */

static uint64_t sym_addr(const char *name)
{
    const struct qt_ksym *s = qt_ksyms_find(&K.ks, name);
    return s ? s->addr : 0;
}

static int select_kfuncs(char *err, size_t errlen)
{
    struct qt_symtab prog, *pp = NULL;
    char e[512];
    if (qt.opts.program && qt_symtab_load(&prog, qt.opts.program, qt.opts.bias, e, sizeof(e)) == 0)
        pp = &prog;
    size_t *idx = NULL, n = 0;
    const struct qt_argspec **specs = NULL;
    int r = qt_kintro_select(&K, &qt.opts, pp, &idx, &specs, &n, err, errlen);
    if (pp)
        qt_symtab_free(pp);
    if (r < 0 || n == 0) {
        free(idx);
        free(specs);
        return r;
    }
    ktf = calloc(n, sizeof(*ktf));
    ksym = calloc(n, sizeof(*ksym));
    if (!ktf || !ksym) {
        free(idx);
        free(specs);
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        const struct qt_ksym *s = &K.ks.syms[idx[i]];
        struct qt_sym *y = &ksym[i];
        y->addr = s->addr;
        y->size = s->size ? s->size : 1;
        y->name = s->name;
        const char *pn[QT_MAX_ARGS];
        int npar = qt_kintro_params(&K, s->name, pn, QT_MAX_ARGS);
        struct qt_param *par = npar > 0 ? calloc((size_t)npar, sizeof(*par)) : NULL;
        for (int k = 0; par && k < npar && k < QT_MAX_ARGS; k++)
            par[k].name = pn[k];
        if (par) {
            y->params = par;
            y->nparams = (uint16_t)(npar < QT_MAX_ARGS ? npar : QT_MAX_ARGS);
        }
        struct tfunc *tf = &ktf[i];
        tf->addr = y->addr;
        tf->end = y->addr + y->size;
        tf->sym = y;
        /* ids for compact records, from the top of the range down (modules.c counts up from 1) */
        tf->id = i < QT_FAST_ID_MAX / 2 ? QT_FAST_ID_MAX - (uint32_t)i : 0;
        qt_tfunc_marks(tf, y->name, false);
        const struct qt_argspec *sp = specs[i];
        for (int k = 0; sp && k < sp->nslots; k++) {
            if (sp->slots[k].pos == 0) {
                tf->has_ret = true;
                tf->ret = sp->slots[k];
            } else if (tf->nargs < QT_MAX_ARGS) {
                tf->args[tf->nargs++] = sp->slots[k];
            }
        }
    }
    free(idx);
    free(specs);
    nktf = n;
    return 0;
}

size_t qt_kernel_ntraced(void)
{
    /* loaded in the background: qtrace system checked that the patterns select something */
    return __atomic_load_n(&k_pending, __ATOMIC_ACQUIRE) ? SIZE_MAX : nktf;
}

static int setup_hooks(void)
{
    hook_fn[H_SWITCH] = on_switch;
    hook_fn[H_NEWTASK] = on_newtask;
    hook_fn[H_EXEC] = on_exec;
    hook_fn[H_COMM] = on_comm;
    hook_fn[H_EXIT] = on_exit_task;
    hook_fn[H_MODULE] = on_module;
    hook_fn[H_SYS64] = on_sys64;
    hook_fn[H_SYS80] = on_sys80;
    hook_fn[H_SYSFAST] = on_sysfast;
    hook_fn[H_SYSEXIT] = on_sysexit;
    hook_fn[H_IRQEXIT] = on_irqexit;
    for (int h = 0; h < NHOOKS; h++) {
        if (h >= H_SYS64 && h <= H_SYSFAST && !qt.opts.syscalls)
            continue;
        if (h == H_PGDFREE || h == H_FREETASK)
            continue;
        if ((h == H_SYSEXIT && !qt.opts.syscalls && !nktf) || (h == H_IRQEXIT && !nktf))
            continue; /* needed for system calls, or to close kernel frames left unseen */
        for (int a = 0; a < 2 && !hook_addr[h] && hook_syms[h][a]; a++)
            hook_addr[h] = sym_addr(hook_syms[h][a]);
        if (!hook_addr[h] && (h == H_SWITCH || h == H_SYS64 || h == H_SYSEXIT))
            fprintf(stderr, "qtrace: warning: kernel function %s not found: %s\n", hook_syms[h][0],
                    h == H_SWITCH ? "the current task is read from memory at every event" : "no system calls recorded");
    }
    /* return thunks (retbleed/SRSO/ITS mitigations): their ret returns for the function that
     * jumped to them */
    static const char *const tn[] = { "__x86_return_thunk", "retbleed_return_thunk", "srso_return_thunk",
                                      "srso_alias_return_thunk", "srso_safe_ret", "srso_alias_safe_ret",
                                      "its_return_thunk", "zen_untrain_ret" };
    for (size_t i = 0; i < sizeof(tn) / sizeof(tn[0]) && nthunks < 8; i++) {
        const struct qt_ksym *s = qt_ksyms_find(&K.ks, tn[i]);
        if (s && !s->percpu)
            thunks[nthunks++] = (struct krange){ s->addr, s->addr + (s->size && s->size < 256 ? s->size : 256) };
    }
    return 0;
}

/* Everything that needs the image: symbols, layouts, kernel functions, hooks. Published by the
 * release store of k_on. */
static int load_kernel(char *err, size_t errlen)
{
    const struct qt_opts *o = &qt.opts;
    int r = qt_kintro_load(&K, o->kernel, o->kernel_symbols, o->layout, err, errlen);
    if (r < 0)
        return r;
    nr_execve = qt_syscall_nr(QT_ARCH_X86_64, "execve");
    nr_execveat = qt_syscall_nr(QT_ARCH_X86_64, "execveat");
    nr32_execve = qt_syscall_nr(QT_ARCH_I386, "execve");
    nr32_execveat = qt_syscall_nr(QT_ARCH_I386, "execveat");
    if (K.symbols_only != (qt.arch->word_bytes == 4)) {
        snprintf(err, errlen, "%s is a %d-bit kernel and the guest is %s", K.img.path, K.img.bits, qt.arch->name);
        return -EINVAL;
    }
    if (K.symbols_only) {
        /* i386: kernel functions only; the address-space filter forgets freed address spaces */
        kspace = K.img.map_base;
        if ((r = select_kfuncs(err, errlen)) < 0)
            return r;
        if (as_filter) {
            hook_fn[H_PGDFREE] = on_pgdfree;
            hook_addr[H_PGDFREE] = sym_addr("pgd_free");
            if (!hook_addr[H_PGDFREE])
                fprintf(stderr, "qtrace: warning: kernel function pgd_free not found: program_as=on does not see "
                        "address spaces go (a freed page table reused by another process would count as the "
                        "program's)\n");
            hook_fn[H_SWITCH] = on_as_switch;
            hook_addr[H_SWITCH] = sym_addr("__switch_to");
            hook_fn[H_FREETASK] = on_freetask;
            hook_addr[H_FREETASK] = hook_addr[H_SWITCH] ? sym_addr("free_task") : 0;
            if (!hook_addr[H_SWITCH])
                fprintf(stderr, "qtrace: warning: kernel function __switch_to not found: program_as=on counts kernel "
                        "threads running on the program's address space as the program\n");
        }
        __atomic_store_n(&k_on, 1, __ATOMIC_RELEASE);
        return 0;
    }
    if ((r = select_kfuncs(err, errlen)) < 0 || (r = setup_hooks()) < 0)
        return r;
    qt_argtype_set_koffsets(&K.ko);
    __atomic_store_n(&k_on, 1, __ATOMIC_RELEASE);
    return 0;
}

static void *load_thread(void *arg)
{
    (void)arg;
    char err[1024] = "";
    if (load_kernel(err, sizeof(err)) < 0)
        fprintf(stderr, "qtrace: error: %s; the guest's processes, kernel functions and system calls are not "
                "followed\n", err);
    pthread_mutex_lock(&k_lock);
    __atomic_store_n(&k_pending, 0, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&k_cond);
    pthread_mutex_unlock(&k_lock);
    return NULL;
}

/* The first kernel block waits for the image (loaded well before, while the firmware ran). */
static void wait_loaded(void)
{
    pthread_mutex_lock(&k_lock);
    while (__atomic_load_n(&k_pending, __ATOMIC_ACQUIRE))
        pthread_cond_wait(&k_cond, &k_lock);
    pthread_mutex_unlock(&k_lock);
}

int qt_kernel_init(char *err, size_t errlen)
{
    const struct qt_opts *o = &qt.opts;
    if (!qt.system) {
        const char *k = o->kernel ? "kernel=" : o->comm ? "comm=" : o->pid ? "pid=" : o->follow ? "follow=" : NULL;
        if (k) {
            snprintf(err, errlen, "%s is for system mode (qtrace system): a user-mode run traces one process already",
                     k);
            return -EINVAL;
        }
        return 0;
    }
    as_filter = o->program_as;
    bool i386 = qt.arch->word_bytes == 4 && strcmp(qt.arch->name, "i386") == 0;
    if (as_filter && (o->comm || o->pid)) {
        snprintf(err, errlen, "program_as=on and %s both choose the processes to record: give one", o->comm ? "comm=" : "pid=");
        return -EINVAL;
    }
    if (as_filter && (!o->program || (strcmp(qt.arch->name, "x86_64") != 0 && !i386))) {
        snprintf(err, errlen, "program_as=on needs program=PATH (the program whose address spaces to record) on an "
                 "x86 guest");
        return -EINVAL;
    }
    if (as_filter && as_signature(err, errlen) < 0)
        return -EINVAL;
    if (i386)
        kspace = 0xc0000000ull; /* until the image tells PAGE_OFFSET */
    if (!o->kernel || !o->kernel_introspection) {
        const char *k = o->comm ? "comm=" : o->pid ? "pid=" : o->kernel_symbols ? "kernel_symbols=" : NULL;
        if (k) {
            snprintf(err, errlen, "%s needs the guest's kernel (kernel=PATH, given by qtrace system)%s", k,
                     o->kernel ? " and kernel_introspection=on" : "");
            return -EINVAL;
        }
        if (o->syscalls)
            fprintf(stderr, "qtrace: warning: syscalls=on records nothing in system mode without kernel=PATH\n");
        return 0;
    }
    if (o->follow && !o->comm && !o->pid) {
        snprintf(err, errlen, "follow=on needs comm=NAME or pid=N: the processes whose children to follow");
        return -EINVAL;
    }
    if (i386 && (o->comm || o->pid)) {
        snprintf(err, errlen, "%s needs the kernel's task structures, which qtrace reads in x86-64 kernels only: in "
                 "this i386 guest, program_as=on with program=PATH records the program's address spaces instead",
                 o->comm ? "comm=" : "pid=");
        return -EINVAL;
    }
    if (i386 && o->syscalls)
        fprintf(stderr, "qtrace: warning: syscalls=on records nothing in an i386 guest (system calls are decoded from "
                "the kernel's task structures, read in x86-64 kernels only)\n");
    if (strcmp(qt.arch->name, "x86_64") != 0 && !i386) {
        snprintf(err, errlen, "kernel=: guest kernel introspection supports x86_64 and i386 guests only (this is %s)",
                 qt.arch->name);
        return -EINVAL;
    }
    k_filter = o->comm || o->pid;
    if (!o->kernel_async)
        return load_kernel(err, errlen);
    k_pending = 1;
    if (pthread_create(&k_thread, NULL, load_thread, NULL) != 0) {
        k_pending = 0;
        return load_kernel(err, errlen);
    }
    return 0;
}

/* ---- translation ----------------------------------------------------------------------------- */

static void emit_kmap(void)
{
    uint64_t stext = sym_addr("_stext"), etext = sym_addr("_etext");
    qt_emit_map(K.img.path, slide, etext > stext ? etext - stext : 0, QT_SYM_KERNEL);
}

/* The bytes of a block (contiguous instructions) at vaddr: try them against the image. */
static void find_slide(struct qemu_plugin_tb *tb)
{
    pthread_mutex_lock(&slide_lock);
    if (slide_ready || slide_failed) {
        pthread_mutex_unlock(&slide_lock);
        return;
    }
    uint8_t bytes[512];
    size_t len = 0, n = qemu_plugin_tb_n_insns(tb);
    uint64_t va0 = qemu_plugin_tb_vaddr(tb);
    for (size_t i = 0; i < n && len < sizeof(bytes); i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        if (qemu_plugin_insn_vaddr(insn) != va0 + len)
            break;
        len += qemu_plugin_insn_data(insn, bytes + len, sizeof(bytes) - len);
    }
    uint64_t s = 0;
    int r = len >= 8 ? kaslr_slide_from_bytes(&K.img, va0, bytes, len, &s) : -ENOENT;
    if (r == 0) {
        slide = s;
        for (size_t i = 0; i < nktf; i++) {
            ktf[i].addr += s;
            ktf[i].end += s;
            ksym[i].addr += s;
        }
        for (int h = 0; h < NHOOKS; h++)
            if (hook_addr[h])
                hook_addr[h] += s;
        for (int i = 0; i < nthunks; i++) {
            thunks[i].lo += s;
            thunks[i].hi += s;
        }
        emit_kmap();
        for (size_t i = 0; i < nktf; i++)
            qt_emit_sym(&ktf[i], QT_SYM_KERNEL);
        if (getenv("QTRACE_DEBUG"))
            fprintf(stderr, "qtrace: kernel: KASLR slide 0x%" PRIx64 " (from the block at 0x%" PRIx64 ", %zu bytes, "
                    "after %u blocks)\n", s, va0, len, slide_tries);
        __atomic_store_n(&slide_ready, 1, __ATOMIC_RELEASE);
    } else if (++slide_tries >= SLIDE_TRIES) {
        slide_failed = 1;
        fprintf(stderr, "qtrace: warning: the guest's kernel code matches %s at no KASLR slide after %u blocks: is it "
                "the kernel the guest boots? Kernel functions, processes and system calls are not followed\n",
                K.img.path, slide_tries);
    }
    pthread_mutex_unlock(&slide_lock);
}

static const struct tfunc *ktf_containing(uint64_t pc)
{
    size_t lo = 0, hi = nktf;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (pc < ktf[mid].addr)
            hi = mid;
        else if (pc >= ktf[mid].end)
            lo = mid + 1;
        else
            return &ktf[mid];
    }
    return NULL;
}

static bool in_thunk(uint64_t pc)
{
    for (int i = 0; i < nthunks; i++)
        if (pc >= thunks[i].lo && pc < thunks[i].hi)
            return true;
    return false;
}

/* Allocated once per instrumented instruction at translation time (never on a hot path). */
static struct qt_site *ksite(const struct tfunc *tf, uint32_t adj)
{
    struct qt_site *st = g_new0(struct qt_site, 1);
    st->tf = tf;
    st->adj = adj;
    return st;
}

bool qt_kernel_tb_trans(struct qemu_plugin_tb *tb)
{
    uint64_t va0 = qemu_plugin_tb_vaddr(tb);
    if (va0 < kspace)
        return false;
    if (__atomic_load_n(&k_pending, __ATOMIC_ACQUIRE))
        wait_loaded();
    if (!__atomic_load_n(&k_on, __ATOMIC_ACQUIRE))
        return false;
    if (!__atomic_load_n(&slide_ready, __ATOMIC_ACQUIRE)) {
        find_slide(tb);
        if (!__atomic_load_n(&slide_ready, __ATOMIC_ACQUIRE))
            return true;
    }
    size_t n = qemu_plugin_tb_n_insns(tb);
    bool count = nktf && qt.opts.icount;
    if (count && n)
        qemu_plugin_register_vcpu_tb_exec_inline_per_vcpu(tb, QEMU_PLUGIN_INLINE_ADD_U64, qt.icount, n);
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        uint64_t va = qemu_plugin_insn_vaddr(insn);
        for (int h = 0; h < NHOOKS; h++)
            if (hook_addr[h] == va)
                qemu_plugin_register_vcpu_insn_exec_cb(insn, hook_fn[h], QEMU_PLUGIN_CB_R_REGS, NULL);
        if (!nktf)
            continue;
        uint32_t adj = count ? (uint32_t)(n - i) : 0;
        const struct tfunc *tf = ktf_containing(va);
        if (tf && va == tf->addr) {
            qemu_plugin_register_vcpu_insn_exec_cb(insn, qt_on_entry, QEMU_PLUGIN_CB_R_REGS, ksite(tf, adj));
            continue;
        }
        if (!tf && !in_thunk(va))
            continue;
        uint8_t bytes[16];
        size_t len = qemu_plugin_insn_data(insn, bytes, sizeof(bytes));
        struct qt_insn_info ii;
        qt.arch->classify(bytes, len, va, &ii);
        if (ii.cls == QT_INSN_RET) {
            qemu_plugin_register_vcpu_insn_exec_cb(insn, qt_on_ret, QEMU_PLUGIN_CB_R_REGS, ksite(tf, adj));
            continue;
        }
        /* jmp rel32 / rel8 out of the function (not to a return thunk): a tail call */
        int64_t rel = 0;
        if (tf && len >= 5 && bytes[0] == 0xe9)
            rel = (int32_t)((uint32_t)bytes[1] | (uint32_t)bytes[2] << 8 | (uint32_t)bytes[3] << 16 |
                            (uint32_t)bytes[4] << 24) + 5;
        else if (tf && len >= 2 && bytes[0] == 0xeb)
            rel = (int8_t)bytes[1] + 2;
        uint64_t target = va + (uint64_t)rel;
        if (rel && (target < tf->addr || target >= tf->end) && !in_thunk(target))
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_tailjmp, QEMU_PLUGIN_CB_R_REGS, NULL);
    }
    return true;
}
