/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Function entries and returns.
 *
 * A guest thread is found from the registers: in user mode each guest thread is a host
 * thread (its tid is the guest's tid); in system mode a thread is (address space cr3,
 * thread pointer fs_base/gs_base). Threads live in a fixed, lock-free hash table; each has
 * its own shadow stack (common/shadow.c). A vCPU caches the last thread it ran.
 *
 * The callbacks allocate nothing (except the first time a thread is seen) and take no
 * global lock: records go to the vCPU's own buffer (out.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "qtrace.h"
#include "shadow.h"

#define MAX_THREADS 4096 /* power of two */
#define STACK_CAP 16384

struct thread {
    uint64_t asid, key;
    uint32_t tid, pid;       /* pid: thread group id, when the kernel is known */
    char comm[16];
    int busy;                /* try-lock: one vCPU at a time (never contended for real threads) */
    /* what the frames on the stack say about recording (filter=, notrace=, depth=) */
    uint32_t nfilter;        /* frames of filter= functions */
    uint32_t nhide;          /* frames of notrace= functions */
    uint32_t vis;            /* frames reported (the next one's depth) */
    struct qt_stack stack;
    struct qt_frame frames[];
};

struct thread_slot {
    int state;               /* 0 free, 1 being filled, 2 ready */
    uint64_t asid, key;
    struct thread *t;
};

static struct thread_slot threads[MAX_THREADS];
static uint32_t next_tid_ordinal = 1;
static struct vcpu *vcpus[QT_OUT_MAX_VCPUS];
static bool stack_locks;    /* system mode with a second vCPU: stacks need their try-lock (thread_lock) */

struct vcpu *qt_vcpu(unsigned index)
{
    return index < QT_OUT_MAX_VCPUS ? vcpus[index] : NULL;
}

uint32_t qt_thread_tid(const struct thread *t)
{
    return t->tid;
}

static bool vmem_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
    struct vcpu *v = ctx;
    if (!qemu_plugin_read_memory_vaddr(addr, v->mbuf, len) || v->mbuf->len < len)
        return false;
    memcpy(buf, v->mbuf->data, len);
    return true;
}

uint64_t qt_reg_read(struct vcpu *v, struct qemu_plugin_register *r)
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

void qt_calls_vcpu_init(unsigned vi)
{
    if (vi >= 1 && qt.system)
        __atomic_store_n(&stack_locks, true, __ATOMIC_RELAXED);
    if (vi >= QT_OUT_MAX_VCPUS)
        return;
    struct vcpu *v = vcpus[vi];
    if (!v) {
        v = calloc(1, sizeof(*v));
        if (!v)
            abort();
        v->rbuf = g_byte_array_sized_new(64);
        v->mbuf = g_byte_array_sized_new(QT_STR_MAX + 64);
        v->index = vi;
        v->mem.read = vmem_read;
        v->mem.ctx = v;
        v->sys_nr = -1;
        v->buf = qt_out_vbuf(qt.out, vi);
        GArray *regs = qemu_plugin_get_registers();
        v->r_sp = find_reg(regs, qt.arch->sp_reg);
        v->r_tls = find_reg(regs, qt.arch->tls_reg);
        v->r_asid = qt.system ? find_reg(regs, qt.arch->asid_reg) : NULL;
        v->r_ret = find_reg(regs, qt.cc->ret_reg);
        for (int i = 0; i < qt.cc->n_arg_regs && i < QT_MAX_REG_ARGS; i++)
            v->r_args[i] = find_reg(regs, qt.cc->arg_regs[i]);
        g_array_free(regs, TRUE);
        if (!v->r_sp && vi == 0)
            fprintf(stderr, "qtrace: warning: register %s not found: calls cannot be matched\n", qt.arch->sp_reg);
        __atomic_store_n(&vcpus[vi], v, __ATOMIC_RELEASE);
    }
    /* user mode: a vCPU index is reused by the next thread; forget the old one */
    v->user_tid = 0;
    v->cur = NULL;
}

/* ---- threads ---------------------------------------------------------------------------- */

static void emit_thread(struct vcpu *v, const struct thread *t)
{
    struct qt_rec_thread *r = qt_out_reserve(qt.out, v->index, sizeof(*r));
    memset(r, 0, sizeof(*r));
    r->h.type = QT_REC_THREAD;
    r->h.size = sizeof(*r);
    r->h.vcpu = v->index;
    r->tid = t->tid;
    r->pid = t->pid;
    r->asid = t->asid;
    r->key = t->key;
    memcpy(r->comm, t->comm, sizeof(r->comm));
    qt_out_commit(qt.out, v->index, sizeof(*r));
}

static struct thread *thread_new(struct vcpu *v, uint64_t asid, uint64_t key, uint32_t tid, uint64_t task)
{
    struct thread *t = calloc(1, sizeof(*t) + STACK_CAP * sizeof(struct qt_frame));
    if (!t)
        return NULL;
    t->asid = asid;
    t->key = key;
    if (task && qt_kernel_task_ids(v, task, &t->tid, &t->pid, t->comm))
        tid = t->tid;
    t->tid = tid ? tid : __atomic_fetch_add(&next_tid_ordinal, 1, __ATOMIC_RELAXED);
    qt_stack_init(&t->stack, t->frames, STACK_CAP);
    return t;
}

/* Lock-free lookup/insert: a new thread is allocated once, by whoever sees it first. */
static struct thread *thread_lookup(struct vcpu *v, uint64_t asid, uint64_t key, uint32_t tid, uint64_t task)
{
    uint64_t h = (asid * 0x9e3779b97f4a7c15ull) ^ (key * 0xc2b2ae3d27d4eb4full);
    h ^= h >> 29;
    for (uint32_t probe = 0; probe < MAX_THREADS; probe++) {
        struct thread_slot *s = &threads[(h + probe) & (MAX_THREADS - 1)];
        int st = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
        if (st == 0) {
            int expect = 0;
            if (__atomic_compare_exchange_n(&s->state, &expect, 1, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
                s->asid = asid;
                s->key = key;
                s->t = thread_new(v, asid, key, tid, task);
                __atomic_store_n(&s->state, 2, __ATOMIC_RELEASE);
                if (s->t)
                    emit_thread(v, s->t);
                return s->t;
            }
            st = expect;
        }
        while (st == 1)
            st = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
        if (s->asid == asid && s->key == key)
            return s->t;
    }
    return NULL;
}

/* The thread already known as (asid, key), or NULL: never creates one. */
static struct thread *thread_find(uint64_t asid, uint64_t key)
{
    uint64_t h = (asid * 0x9e3779b97f4a7c15ull) ^ (key * 0xc2b2ae3d27d4eb4full);
    h ^= h >> 29;
    for (uint32_t probe = 0; probe < MAX_THREADS; probe++) {
        struct thread_slot *s = &threads[(h + probe) & (MAX_THREADS - 1)];
        int st = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
        if (st == 0)
            return NULL;
        while (st == 1)
            st = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
        if (s->asid == asid && s->key == key)
            return s->t;
    }
    return NULL;
}

/* The key of a thread's stack: the thread's key, and the stack region (0: the user stack). */
static uint64_t stack_key(uint64_t key, uint64_t region)
{
    return key ^ (region * 0x9e3779b97f4a7c15ull);
}

uint32_t qt_user_tid(struct vcpu *v)
{
    if (!v->user_tid)
        v->user_tid = (uint32_t)syscall(SYS_gettid);
    return v->user_tid;
}

#define KSTACK_SHIFT 14 /* x86-64 kernel and IRQ stacks are 16 KiB, aligned */

static bool kernel_sp(uint64_t sp)
{
    return qt.arch->word_bytes == 8 ? sp >= 0xffff800000000000ull : sp >= 0xc0000000ull;
}

/*
 * Which stack is this? A guest thread has a user stack and, in system mode, a kernel stack
 * (and interrupts run on per-CPU IRQ stacks). Frames on different stacks must not be compared
 * by stack pointer, so each (thread, stack) pair has its own shadow stack:
 *   user mode:                 key = host tid
 *   system mode, user stack:   key = (task or thread pointer, 0)
 *   system mode, kernel stack: key = (task or thread pointer, sp >> 14)
 * The thread is the kernel's current task when kernel introspection is on (kernel.c), else
 * the address space and the thread pointer register (fs_base).
 */
static struct thread *current_thread(struct vcpu *v, struct qt_vsb *s, uint64_t sp)
{
    uint64_t key, region = 0, task = 0, asid = 0;
    uint32_t tid = 0;
    if (!qt.system) {
        key = tid = qt_user_tid(v);
    } else {
        /* nothing but the traced program ran since the last event: same thread, same stack */
        if (v->cur && s->switched == 0)
            return v->cur;
        s->switched = 0;
        asid = qt_reg_read(v, v->r_asid);
        task = qt_kernel_current_task(v);
        key = task ? task : qt_reg_read(v, v->r_tls);
        if (kernel_sp(sp))
            region = sp >> KSTACK_SHIFT;
        if (task)
            asid = 0; /* the task identifies the thread; cr3 differs between kernel and user (PTI) */
    }
    uint64_t k2 = stack_key(key, region);
    if (v->cur && v->cur_asid == asid && v->cur_key == k2)
        return v->cur;
    struct thread *t = thread_find(asid, k2);
    if (!t && qt.system && !task && region) {
        /* without the kernel's task (i386, no introspection): a kernel stack takes the number of
         * the user stack of its address space and thread pointer, so that both are one thread in
         * the trace and a system call's stack continues its caller's */
        const struct thread *u = thread_find(asid, stack_key(key, 0));
        if (u)
            tid = u->tid;
    }
    if (!t)
        t = thread_lookup(v, asid, k2, tid, task);
    v->cur = t;
    v->cur_asid = asid;
    v->cur_key = k2;
    return t;
}

struct thread *qt_current_thread(struct vcpu *v, uint64_t sp)
{
    return current_thread(v, qt_vsb(v->index), sp);
}

void qt_calls_forked(struct vcpu *v)
{
    qt_out_forked(qt.out, v->index);
    struct thread *parent = v->cur;
    v->user_tid = 0;
    v->cur = NULL;
    struct thread *child = qt_current_thread(v, 0);
    if (parent && child && child != parent && child->stack.depth == 0) {
        memcpy(child->frames, parent->frames, parent->stack.depth * sizeof(struct qt_frame));
        child->stack.depth = parent->stack.depth;
        child->nfilter = parent->nfilter;
        child->nhide = parent->nhide;
        child->vis = parent->vis;
    }
}

/* System mode: a (task, stack) pair is only ever run by one vCPU at a time, but a wrong key
 * (two processes sharing a thread pointer without kernel introspection) must not corrupt a
 * stack, so updates take a per-thread try-lock. User mode needs none: a guest thread is a host
 * thread, alone with its vCPU and its stack (the atomic exchange was a measurable share of
 * every event), and neither does a guest with one vCPU (stack_locks: set when a second vCPU
 * is created, which QEMU does before the guest runs). */
static inline bool thread_lock(struct thread *t)
{
    return !__atomic_load_n(&stack_locks, __ATOMIC_RELAXED) ||
           __atomic_exchange_n(&t->busy, 1, __ATOMIC_ACQUIRE) == 0;
}

static inline void thread_unlock(struct thread *t)
{
    if (__atomic_load_n(&stack_locks, __ATOMIC_RELAXED))
        __atomic_store_n(&t->busy, 0, __ATOMIC_RELEASE);
}

/* ---- records ------------------------------------------------------------------------------ */

#define ARG_MAX_BYTES (sizeof(struct qt_arg) + QT_STR_MAX + 8)

size_t qt_put_arg(struct vcpu *v, uint8_t *p, const struct qt_argslot *slot, uint64_t value)
{
    struct qt_arg *a = (struct qt_arg *)p;
    memset(a, 0, sizeof(*a));
    a->pos = slot->pos;
    a->type = slot->type;
    a->bits = slot->bits;
    a->value = value;
    qt_arg_decode(&v->mem, a, p + sizeof(*a), QT_STR_MAX);
    if (a->len > QT_STR_MAX)
        a->len = QT_STR_MAX;
    memset(p + sizeof(*a) + a->len, 0, QT_ALIGN8(a->len) - a->len);
    return sizeof(*a) + QT_ALIGN8(a->len);
}

static uint64_t arg_value(struct vcpu *v, int n, uint64_t sp)
{
    const char *reg = NULL;
    uint64_t off = 0, val = 0;
    if (qt.system && qt.arch->kernel_cc != qt.cc && kernel_sp(sp))
        return qt_kernel_arg(v, n, sp); /* i386: the kernel's regparm, not cdecl */
    if (!qt_callconv_arg(qt.cc, n, &reg, &off))
        return 0;
    if (reg && n <= QT_MAX_REG_ARGS)
        return qt_reg_read(v, v->r_args[n - 1]);
    qt_mem_read_uint(&v->mem, sp + off, qt.arch->word_bytes, &val);
    return val;
}

static struct qt_rec_call *begin_call(struct vcpu *v, uint16_t type, size_t max, const struct thread *t,
                                      uint64_t func, uint64_t now, uint64_t icount)
{
    struct qt_rec_call *r = qt_vbuf_reserve(v->buf, max);
    memset(r, 0, sizeof(*r));
    r->h.type = type;
    r->h.vcpu = v->index;
    r->tid = t->tid;
    r->pid = t->pid;
    r->ts_ns = now;
    r->icount = icount;
    r->asid = t->asid;
    r->func = func;
    return r;
}

static void end_record(struct vcpu *v, struct qt_rec_call *r, size_t size, uint64_t now)
{
    r->h.size = (uint16_t)size;
    qt_vbuf_commit(v->buf, size);
    v->events++;
    if (now - v->last_flush_ns > 1000000000ull) { /* keep the file readable on long runs */
        qt_vbuf_flush(v->buf);
        v->last_flush_ns = now;
    }
}

struct pop_ctx {
    struct vcpu *v;
    struct thread *t;
    uint64_t now;            /* host ns, read only when a full record needs it (0: not yet) */
    uint64_t icount;         /* exact instruction count at this event */
    bool have_ret;
    uint64_t retval;
};

static uint64_t ctx_now(struct pop_ctx *c)
{
    if (!c->now)
        c->now = qt_out_now(qt.out) | 1;
    return c->now;
}

/* A compact record (no arguments): one packed word, relative to the vCPU's current base. */
static void emit_fast(struct vcpu *v, const struct thread *t, enum qt_packed_kind kind, uint32_t id, uint32_t depth,
                      uint64_t icount)
{
    struct qt_vbuf *b = v->buf;
    /* room for a base and the record, so that no flush separates them */
    qt_vbuf_reserve(b, sizeof(struct qt_rec_base) + sizeof(uint64_t));
    if (v->base_thread != t || b->used >= b->fast_lim || icount < v->base_icount ||
        icount - v->base_icount > QT_PACKED_DICOUNT_MAX) {
        uint64_t now = qt_out_now(qt.out);
        if (now - v->last_flush_ns > 1000000000ull) { /* keep the file readable on long runs */
            qt_vbuf_flush(b);
            v->last_flush_ns = now;
        }
        struct qt_rec_base *r = qt_vbuf_reserve(b, sizeof(*r));
        memset(r, 0, sizeof(*r));
        r->h.type = QT_REC_BASE;
        r->h.size = sizeof(*r);
        r->h.vcpu = v->index;
        r->tid = t->tid;
        r->pid = t->pid;
        r->asid = t->asid;
        r->ts_ns = now;
        r->icount = icount;
        qt_vbuf_commit(b, sizeof(*r));
        v->base_thread = t;
        v->base_icount = icount;
        /* packed words after it: at most QT_FAST_PER_BASE of them, and each one whole */
        b->fast_lim = b->used + QT_FAST_PER_BASE * sizeof(uint64_t);
        if (b->fast_lim > QT_OUT_BUF_SIZE - sizeof(uint64_t) + 1)
            b->fast_lim = QT_OUT_BUF_SIZE - sizeof(uint64_t) + 1;
    }
    uint64_t *r = qt_vbuf_reserve(b, sizeof(*r));
    *r = qt_packed_word(kind, id, depth) | (icount - v->base_icount);
    qt_vbuf_commit(b, sizeof(*r));
    v->events++;
}

enum { MARK_FILTER = 1, MARK_NOTRACE = 2 };

/*
 * Is a call of tf, entered now, recorded? uftrace's rules: with filter= patterns only inside
 * a filter function (itself included); never inside a notrace function (itself included);
 * at most depth= deep, counted in recorded frames. The frame's marks let the pops undo it.
 */
static void frame_marks(struct thread *t, struct qt_frame *f, const struct tfunc *tf)
{
    bool inside = qt.opts.nfilter == 0 || t->nfilter > 0 || tf->filter;
    f->marks = (uint8_t)((tf->filter ? MARK_FILTER : 0) | (tf->notrace ? MARK_NOTRACE : 0));
    t->nfilter += tf->filter;
    t->nhide += tf->notrace;
    f->hidden = !inside || t->nhide > 0 || (qt.opts.depth >= 0 && t->vis >= (uint32_t)qt.opts.depth);
    f->vdepth = (uint16_t)(t->vis < UINT16_MAX ? t->vis : UINT16_MAX);
    t->vis += !f->hidden;
}

static void on_pop(void *ctxp, const struct qt_frame *f, uint32_t sdepth, enum qt_pop_how how)
{
    struct pop_ctx *c = ctxp;
    (void)sdepth;
    c->t->nfilter -= (f->marks & MARK_FILTER) != 0;
    c->t->nhide -= (f->marks & MARK_NOTRACE) != 0;
    if (f->hidden)
        return;
    c->t->vis--;
    uint32_t depth = f->vdepth;
    const struct tfunc *tf = f->fn;
    bool ret = how == QT_POP_RETURN && tf->has_ret;
    /* compact records take their time from the instruction count: none without it */
    if (!ret && how != QT_POP_UNFINISHED && tf->id && depth <= QT_FAST_DEPTH_MAX && qt.opts.icount) {
        emit_fast(c->v, c->t, how == QT_POP_RETURN ? QT_PACKED_EXIT : QT_PACKED_UNWOUND, tf->id, depth, c->icount);
        return;
    }
    size_t max = sizeof(struct qt_rec_call) + (ret ? ARG_MAX_BYTES : 0);
    struct qt_rec_call *r = begin_call(c->v, QT_REC_EXIT, max, c->t, f->func, ctx_now(c), c->icount);
    r->depth = (uint16_t)depth;
    r->aux = f->icount;
    r->flags = how == QT_POP_UNWOUND ? QT_CALL_UNWOUND : how == QT_POP_UNFINISHED ? QT_CALL_UNFINISHED : 0;
    size_t size = sizeof(*r);
    if (ret) {
        if (!c->have_ret) {
            c->retval = qt_reg_read(c->v, c->v->r_ret);
            c->have_ret = true;
        }
        size += qt_put_arg(c->v, (uint8_t *)r + size, &tf->ret, c->retval);
        r->nargs = 1;
    }
    end_record(c->v, r, size, ctx_now(c));
}

static uint64_t icount_at(const struct qt_vsb *s, const struct qt_site *site)
{
    if (!qt.opts.icount)
        return 0; /* not counted: the trace then has host times only */
    return s->icount - site->adj;
}

/* The thread on v if no other can have run since v's last event, without reading a register. */
static struct thread *same_thread(struct vcpu *v, const struct qt_vsb *s)
{
    if (!v->cur)
        return NULL;
    if (qt.system && s->switched != 0)
        return NULL;
    return v->cur;
}

/* A traced function starts with stack pointer sp. */
static void enter(struct vcpu *v, struct qt_vsb *s, const struct qt_site *site, uint64_t sp)
{
    const struct tfunc *tf = site->tf;
    struct thread *t = current_thread(v, s, sp);
    if (!t || !thread_lock(t)) {
        v->lost++;
        return;
    }
    uint64_t ic = icount_at(s, site);
    struct pop_ctx pc = { v, t, 0, ic, false, 0 };
    struct qt_frame *f = qt_stack_enter(&t->stack, tf->addr, sp, ic, tf, on_pop, &pc);
    if (f)
        frame_marks(t, f, tf);
    if (!f) {
        v->lost++;
    } else if (f->hidden) {
        /* recorded neither here nor at its return */
    } else if (tf->nargs == 0 && tf->id && f->vdepth <= QT_FAST_DEPTH_MAX && qt.opts.icount) {
        emit_fast(v, t, QT_PACKED_ENTRY, tf->id, f->vdepth, ic);
    } else {
        uint64_t now = ctx_now(&pc);
        size_t max = sizeof(struct qt_rec_call) + (size_t)tf->nargs * ARG_MAX_BYTES;
        struct qt_rec_call *r = begin_call(v, QT_REC_ENTRY, max, t, tf->addr, now, ic);
        r->depth = f->vdepth;
        size_t size = sizeof(*r);
        for (int i = 0; i < tf->nargs; i++)
            size += qt_put_arg(v, (uint8_t *)r + size, &tf->args[i], arg_value(v, tf->args[i].pos, sp));
        r->nargs = (uint16_t)tf->nargs;
        end_record(v, r, size, now);
    }
    thread_unlock(t);
}

/*
 * The fast path when every call is recorded (no filter=, notrace=, depth=, and in system mode
 * no comm=/pid=/program_as; see qt_calls_init): an entry that pushes a frame above the top
 * one, a ret that pops the top frame, each written as one compact record after the vCPU's
 * current base. No call, no register read, no stack walk; anything else (a first event, a new
 * base, an unwind, a full buffer, arguments, and in system mode anything but the program
 * having run since the vCPU's last event: s->switched) returns false and takes the general
 * path, which does the same and more.
 */
static bool plain_calls; /* every call recorded, instruction counts on */

/*
 * Can n packed words for thread t at instruction counts from ic0 to ic go into v's buffer now,
 * after the current base? Same thread as the base, its chunk not flushed since and fewer than
 * QT_FAST_PER_BASE words after it (fast_lim), deltas that fit. Branch-free: one test.
 */
static inline bool fast_rec_room(const struct vcpu *v, const struct thread *t, uint64_t ic0, uint64_t ic, unsigned n)
{
    const struct qt_vbuf *b = v->buf;
    return ((uintptr_t)v->base_thread ^ (uintptr_t)t) == 0 &&
           (((ic - v->base_icount) >> QT_PACKED_DICOUNT_BITS) | (uint64_t)(ic0 < v->base_icount) |
            (uint64_t)(b->used + (n - 1) * sizeof(uint64_t) >= b->fast_lim)) == 0;
}

/* Packed word w (qt_packed_word of the site, depth or'ed in) at instruction count ic. */
static inline void fast_rec_put(struct vcpu *v, uint64_t w, uint64_t ic)
{
    struct qt_vbuf *b = v->buf;
    *(uint64_t *)(b->data + b->used) = w | (ic - v->base_icount);
    b->used += sizeof(uint64_t);
    b->nrec++;
    v->events++;
}

static inline __attribute__((always_inline)) bool fast_enter(struct vcpu *v, const struct qt_vsb *s,
                                                            const struct qt_site *site, uint64_t sp)
{
    struct thread *t = v->cur;
    uint64_t ic = s->icount - site->adj;
    /* s->switched: system mode, something else ran (always 0 in user mode) */
    if (!t || s->switched != 0 || !fast_rec_room(v, t, ic, ic, 1))
        return false;
    struct qt_stack *st = &t->stack;
    uint32_t d = st->depth, vis = t->vis;
    if ((st->overflow | (uint64_t)(d >= st->cap) | (uint64_t)(vis > QT_FAST_DEPTH_MAX)) != 0 ||
        (d > 0 && st->f[d - 1].sp <= sp) || !thread_lock(t))
        return false;
    const struct tfunc *tf = site->tf;
    struct qt_frame *f = &st->f[d];
    f->func = tf->addr;
    f->sp = sp;
    f->icount = ic;
    f->fn = tf;
    f->vdepth = (uint16_t)vis;
    f->hidden = 0;
    f->marks = 0;
    st->depth = d + 1;
    t->vis = vis + 1;
    fast_rec_put(v, site->word | (uint64_t)vis << 52, ic);
    thread_unlock(t);
    return true;
}

static inline bool fast_ret(struct vcpu *v, const struct qt_vsb *s, const struct qt_site *site)
{
    struct thread *t = v->cur;
    uint64_t ic = s->icount - site->adj + 1; /* + 1: the ret itself belongs to the function */
    if (!t || s->switched != 0 || !fast_rec_room(v, t, ic, ic, 1))
        return false;
    struct qt_stack *st = &t->stack;
    uint32_t d = st->depth;
    if (d == 0 || st->overflow != 0)
        return false;
    const struct qt_frame *f = &st->f[d - 1];
    if (f->fn != site->tf || f->hidden || f->vdepth > QT_FAST_DEPTH_MAX || !thread_lock(t))
        return false;
    st->depth = d - 1;
    t->vis--;
    fast_rec_put(v, site->word | (uint64_t)f->vdepth << 52, ic);
    thread_unlock(t);
    return true;
}

void qt_calls_init(void)
{
    plain_calls = qt.opts.icount && qt.opts.nfilter == 0 && qt.opts.nnotrace == 0 && qt.opts.depth < 0 &&
                  !(qt.system && qt_kernel_filtering());
}

bool qt_calls_fast_entry(const struct tfunc *tf)
{
    return plain_calls && tf->nargs == 0 && tf->id != 0;
}

bool qt_calls_fast_ret(const struct tfunc *tf)
{
    return plain_calls && !tf->has_ret && !tf->loose && tf->id != 0;
}

/* The vCPU and its scoreboard entry for a fast-path callback, or false (not set up yet). */
static inline bool fast_ctx(unsigned vi, struct vcpu **v, const struct qt_vsb **s)
{
    if (vi >= QT_OUT_MAX_VCPUS)
        return false;
    *v = vcpus[vi];
    *s = qt_vsb_at[vi];
    return *v != NULL && *s != NULL;
}

void qt_on_entry(unsigned int vi, void *udata)
{
    struct vcpu *v = qt_vcpu(vi);
    if (!v || (qt.system && !qt_kernel_selected(v)))
        return; /* comm=/pid=: another process runs */
    struct qt_vsb *s = qt_vsb(vi);
    uint64_t sp = qt_reg_read(v, v->r_sp);
    if (((const struct qt_site *)udata)->fast && fast_enter(v, s, udata, sp))
        return;
    enter(v, s, udata, sp);
}

/*
 * Reading the stack pointer costs more than all the rest of an entry (about 17 ns through
 * QEMU's gdb register layer), and a call tells it for free: the address the return address is
 * stored at is the callee's sp at entry. So a direct call to a traced function records the
 * entry here, from a memory callback on the call (no register access), and stores the callee's
 * address in qt.entered: the callee's entry callback is conditional on that word being
 * something else (entered by a jump, an indirect call, a signal...), and is then skipped.
 * Only where a call pushes the return address (x86); functions with arguments read registers
 * anyway and keep their entry callback. In system mode the thread is known without registers
 * only if nothing but the program ran since the last event on this vCPU (and no comm=/pid=
 * filter asks which process runs): otherwise the call site clears the word and leaves the
 * entry to the callee's callback, which may read cr3.
 */
bool qt_entry_at_call_site(const struct tfunc *tf)
{
    return qt.call_sites && tf->nargs == 0 && !tf->loose;
}

static __attribute__((noinline)) void on_call_mem_slow(unsigned int vi, uint64_t vaddr, void *udata)
{
    struct vcpu *v = qt_vcpu(vi);
    if (!v)
        return;
    struct qt_vsb *s = qt_vsb(vi);
    if (qt.system && (!same_thread(v, s) || qt_kernel_filtering())) {
        s->entered = 0; /* the callee's entry callback does it */
        return;
    }
    enter(v, s, udata, vaddr);
}

void qt_on_call_mem(unsigned int vi, qemu_plugin_meminfo_t info, uint64_t vaddr, void *udata)
{
    (void)info;
    const struct qt_site *site = udata;
    struct vcpu *v;
    const struct qt_vsb *s;
    if (site->fast && fast_ctx(vi, &v, &s) && fast_enter(v, s, site, vaddr))
        return;
    on_call_mem_slow(vi, vaddr, udata);
}

/*
 * A ret inside a traced function. Reading a register costs more than the rest of the event
 * (about 17 ns through QEMU's gdb register layer), so the common case reads none: a ret in
 * the function on top of the shadow stack returns that frame. Only when they differ (longjmp,
 * a frame we never saw enter) is the stack pointer read and frames matched by it.
 */
static __attribute__((noinline)) void on_ret_slow(unsigned int vi, const struct qt_site *site)
{
    struct vcpu *v = qt_vcpu(vi);
    if (!v || (qt.system && !qt_kernel_selected(v)))
        return;
    struct qt_vsb *s = qt_vsb(vi);
    uint64_t sp = 0;
    bool have_sp = false;
    struct thread *t = same_thread(v, s);
    if (!t) {
        sp = qt_reg_read(v, v->r_sp);
        have_sp = true;
        t = current_thread(v, s, sp);
    }
    if (!t || t->stack.depth == 0 || !thread_lock(t))
        return;
    /* + 1: the ret itself belongs to the function */
    struct pop_ctx pc = { v, t, 0, qt.opts.icount ? icount_at(s, site) + 1 : 0, false, 0 };
    const struct qt_frame *top = qt_stack_top(&t->stack);
    if (top && top->fn == site->tf && !site->tf->loose) {
        qt_stack_pop_top(&t->stack, on_pop, &pc);
    } else {
        if (!have_sp)
            sp = qt_reg_read(v, v->r_sp);
        qt_stack_ret(&t->stack, sp, on_pop, &pc);
    }
    thread_unlock(t);
}

void qt_on_ret(unsigned int vi, void *udata)
{
    const struct qt_site *site = udata;
    struct vcpu *v;
    const struct qt_vsb *s;
    if (site->fast && fast_ctx(vi, &v, &s) && fast_ret(v, s, site))
        return;
    on_ret_slow(vi, site);
}

/*
 * One-block functions (tf->one_block: the code runs straight from the entry to a ret, so QEMU
 * translates the whole call as one block). A direct call to one records nothing: it stores
 * tf->addr ^ QT_LEAF_MARK in the vCPU's `entered` word and its own function in `caller`,
 * inline. The function's block, when it starts at the entry and ends with the ret, has a single
 * callback, at the ret: if the word holds the mark, the call was made from such a call site and
 * nothing ran in between, so the entry and the return are written together, with no shadow-
 * stack frame at all (the frame would be pushed and popped by the same callback). That needs
 * the shadow stack to end with the caller: frames above it were left without a ret (longjmp,
 * an exception, exec) and must be unwound first, by the general path, which reads the stack
 * pointer; so the fast write also requires the top frame to be the caller's (or no frame).
 * Without the mark (a jump, an indirect call), the block's first instruction, whose entry
 * callback is conditional on the mark being absent, recorded the entry, and the ret is an
 * ordinary one. A block of such a function that is not the whole function (QEMU split it, or
 * the decoder was wrong) sees the mark as "not recorded at the call site" and records the
 * entry itself.
 */
bool qt_calls_leaf(const struct tfunc *tf)
{
    /* any architecture with a run_to_ret decoder: the mark needs no memory callback, so this
     * also works where a call pushes nothing (aarch64's bl) */
    return tf->one_block && qt_calls_fast_entry(tf) && qt_calls_fast_ret(tf);
}

static __attribute__((noinline)) void on_leaf_ret_slow(unsigned int vi, const struct qt_site *site, bool marked)
{
    if (marked) {
        /* the entry first, as an entry callback would have: at a ret the stack pointer is the
         * one the function started with (it points at the return address) */
        struct vcpu *v = qt_vcpu(vi);
        if (!v)
            return;
        struct qt_site entry = { .tf = site->tf, .adj = site->entry_adj };
        enter(v, qt_vsb(vi), &entry, qt_reg_read(v, v->r_sp));
    }
    on_ret_slow(vi, site);
}

/* An unmarked ret of a one-block function: an ordinary one (kept out of the marked path's way). */
static __attribute__((noinline)) void leaf_ret_unmarked(unsigned int vi, struct vcpu *v, const struct qt_vsb *s,
                                                         const struct qt_site *site)
{
    if (!(site->fast && fast_ret(v, s, site)))
        on_leaf_ret_slow(vi, site, false);
}

void qt_on_leaf_ret(unsigned int vi, void *udata)
{
    const struct qt_site *site = udata;
    struct vcpu *v;
    const struct qt_vsb *cs;
    if (!fast_ctx(vi, &v, &cs))
        return;
    struct qt_vsb *s = (struct qt_vsb *)cs;
    uint64_t entered = s->entered;
    s->entered = 0;
    if (entered != site->mark) {
        leaf_ret_unmarked(vi, v, s, site);
        return;
    }
    struct thread *t = v->cur;
    if (t && s->switched == 0) {
        uint64_t ic_ret = s->icount - site->adj + 1, ic_entry = s->icount - site->entry_adj;
        const struct qt_stack *st = &t->stack;
        uint32_t vis = t->vis, d = st->depth;
        if (fast_rec_room(v, t, ic_entry, ic_ret, 2) && (vis <= QT_FAST_DEPTH_MAX) & (st->overflow == 0) &&
            (d == 0 || (uint64_t)(uintptr_t)st->f[d - 1].fn == s->caller) && thread_lock(t)) {
            /* both words at once: the exit's word, and the entry's (kind 0) */
            struct qt_vbuf *b = v->buf;
            uint64_t w = site->word | (uint64_t)vis << 52, base = v->base_icount;
            uint64_t *r = (uint64_t *)(b->data + b->used);
            r[0] = (w & ~((uint64_t)3 << 62)) | (ic_entry - base);
            r[1] = w | (ic_ret - base);
            b->used += 2 * sizeof(uint64_t);
            b->nrec += 2;
            v->events += 2;
            thread_unlock(t);
            return;
        }
    }
    on_leaf_ret_slow(vi, site, true);
}

/* At exit: a one-block function whose call was marked but whose ret never ran (it faulted, and
 * the program died of it) is shown as entered and unfinished. */
static void leaf_pending(unsigned vi)
{
    struct qt_vsb *s = qt_vsb(vi);
    struct vcpu *v = qt_vcpu(vi);
    if (!s || !v || !v->cur || !(s->entered & QT_LEAF_MARK))
        return;
    uint64_t addr = s->entered ^ QT_LEAF_MARK;
    s->entered = 0;
    const struct module *m = qt_module_containing(addr);
    const struct tfunc *tf = m ? qt_tfunc_containing(m, addr) : NULL;
    if (!tf || tf->addr != addr)
        return;
    struct qt_site entry = { .tf = tf };
    enter(v, s, &entry, 0); /* sp unknown: 0 is below every frame, so none is unwound */
}

void qt_calls_unwind(struct vcpu *v, uint64_t sp, uint64_t below)
{
    uint64_t task = qt_kernel_current_task(v);
    if (!task || !kernel_sp(sp))
        return;
    /* the (task, kernel stack) thread of qt_current_thread, if it has frames at all */
    struct thread *t = thread_find(0, stack_key(task, sp >> KSTACK_SHIFT));
    if (!t || t->stack.depth == 0 || !thread_lock(t))
        return;
    struct pop_ctx pc = { v, t, 0, qt_vsb(v->index)->icount, false, 0 };
    qt_stack_ret(&t->stack, below, on_pop, &pc); /* frames entered below `below` are unwound */
    thread_unlock(t);
}

void qt_calls_finish(uint64_t *events, uint64_t *lost)
{
    struct vcpu *v0 = NULL;
    for (unsigned i = 0; i < QT_OUT_MAX_VCPUS; i++)
        if (vcpus[i] && plain_calls && !qt.system)
            leaf_pending(i);
    for (unsigned i = 0; i < QT_OUT_MAX_VCPUS && !v0; i++)
        v0 = vcpus[i];
    *events = *lost = 0;
    for (size_t i = 0; i < MAX_THREADS && v0; i++) {
        struct thread *t = threads[i].t;
        if (!t)
            continue;
        struct pop_ctx pc = { v0, t, 0, qt_vsb(v0->index)->icount, false, 0 };
        qt_stack_unwind_all(&t->stack, on_pop, &pc);
        *lost += t->stack.overflowed;
    }
    for (unsigned i = 0; i < QT_OUT_MAX_VCPUS; i++) {
        if (vcpus[i]) {
            *events += vcpus[i]->events;
            *lost += vcpus[i]->lost;
        }
    }
}

uint32_t qt_thread_depth(const struct thread *t)
{
    return t->vis; /* recorded frames: where a system call made now is printed */
}
