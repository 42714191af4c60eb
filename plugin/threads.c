/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "threads.h"

#define MAX_THREADS 4096 /* power of two */
#define STACK_CAP 16384

struct thread_slot {
    int state;               /* 0 free, 1 being filled, 2 ready */
    uint64_t asid, key;
    struct qt_thread *t;
};

static struct thread_slot threads[MAX_THREADS];
static uint32_t next_tid_ordinal = 1;
const struct qt_task_ops *qt_task_ops;
bool qt_stack_locks;

void qt_threads_set_task_ops(const struct qt_task_ops *ops)
{
    qt_task_ops = ops;
}

void qt_threads_vcpu_init(unsigned vi)
{
    if (vi >= 1 && qt.system)
        __atomic_store_n(&qt_stack_locks, true, __ATOMIC_RELAXED);
}

static struct qt_thread *thread_new(struct qt_vcpu *v, uint64_t asid, uint64_t key, uint32_t tid, uint64_t task)
{
    struct qt_thread *t = calloc(1, sizeof(*t) + STACK_CAP * sizeof(struct qt_frame));
    if (!t)
        return NULL;
    t->who.asid = asid;
    t->key = key;
    if (task && qt_task_ops && qt_task_ops->ids && qt_task_ops->ids(v, task, &t->who.tid, &t->who.pid, t->comm))
        tid = t->who.tid;
    t->who.tid = tid ? tid : __atomic_fetch_add(&next_tid_ordinal, 1, __ATOMIC_RELAXED);
    qt_stack_init(&t->stack, t->frames, STACK_CAP);
    return t;
}

static uint64_t slot_hash(uint64_t asid, uint64_t key)
{
    uint64_t h = (asid * 0x9e3779b97f4a7c15ull) ^ (key * 0xc2b2ae3d27d4eb4full);
    return h ^ (h >> 29);
}

/* Lock-free lookup, and insert when create: a new thread is allocated once, by whoever sees it first. */
static struct qt_thread *thread_get(struct qt_vcpu *v, uint64_t asid, uint64_t key, uint32_t tid, uint64_t task,
                                    bool create)
{
    uint64_t h = slot_hash(asid, key);
    for (uint32_t probe = 0; probe < MAX_THREADS; probe++) {
        struct thread_slot *s = &threads[(h + probe) & (MAX_THREADS - 1)];
        int st = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
        if (st == 0) {
            if (!create)
                return NULL;
            int expect = 0;
            if (__atomic_compare_exchange_n(&s->state, &expect, 1, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
                s->asid = asid;
                s->key = key;
                s->t = thread_new(v, asid, key, tid, task);
                __atomic_store_n(&s->state, 2, __ATOMIC_RELEASE);
                if (s->t)
                    qt_rec_thread(v, &s->t->who, s->t->key, s->t->comm);
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

/* The key of a thread's stack: the thread's key, and the stack region (0: the user stack). */
static uint64_t stack_key(uint64_t key, uint64_t region)
{
    return key ^ (region * 0x9e3779b97f4a7c15ull);
}

static uint32_t user_tid(struct qt_vcpu *v)
{
    if (!v->user_tid)
        v->user_tid = (uint32_t)syscall(SYS_gettid);
    return v->user_tid;
}

/*
 * Which stack is this? Frames on different stacks must not be compared by stack pointer, so
 * each (thread, stack) pair has its own shadow stack:
 *   user mode:                 key = host tid
 *   system mode, user stack:   key = (task or thread pointer, 0)
 *   system mode, kernel stack: key = (task or thread pointer, sp >> arch->kstack_shift)
 * (interrupts run on per-CPU IRQ stacks, which are regions of their own).
 */
struct qt_thread *qt_thread_current(struct qt_vcpu *v, struct qt_vsb *s, uint64_t sp)
{
    uint64_t key, region = 0, task = 0, asid = 0;
    uint32_t tid = 0;
    if (!qt.system) {
        key = tid = user_tid(v);
    } else {
        /* nothing but the traced program ran since the last event: same thread, same stack */
        if (v->cur && s->switched == 0)
            return v->cur;
        s->switched = 0;
        asid = qt_reg_read(v, v->r_asid);
        task = qt_task_ops && qt_task_ops->current ? qt_task_ops->current(v) : 0;
        key = task ? task : qt_reg_read(v, v->r_tls);
        if (qt_kernel_sp(sp))
            region = sp >> qt.arch->kstack_shift;
        if (task)
            asid = 0; /* the task identifies the thread; cr3 differs between kernel and user (PTI) */
    }
    uint64_t k2 = stack_key(key, region);
    if (v->cur && v->cur_asid == asid && v->cur_key == k2)
        return v->cur;
    struct qt_thread *t = thread_get(v, asid, k2, 0, 0, false);
    if (!t && qt.system && !task && region) {
        /* without the kernel's task: a kernel stack takes the number of the user stack of its
         * address space and thread pointer, so that both are one thread in the trace and a
         * system call's stack continues its caller's */
        const struct qt_thread *u = thread_get(v, asid, stack_key(key, 0), 0, 0, false);
        if (u)
            tid = u->who.tid;
    }
    if (!t)
        t = thread_get(v, asid, k2, tid, task, true);
    v->cur = t;
    v->cur_asid = asid;
    v->cur_key = k2;
    return t;
}

struct qt_thread *qt_thread_kstack(uint64_t task, uint64_t sp)
{
    return thread_get(NULL, 0, stack_key(task, sp >> qt.arch->kstack_shift), 0, 0, false);
}

void qt_threads_forked(struct qt_vcpu *v)
{
    struct qt_thread *parent = v->cur;
    v->user_tid = 0;
    v->cur = NULL;
    struct qt_thread *child = qt_thread_current(v, qt_vsb(v->index), 0);
    if (parent && child && child != parent && child->stack.depth == 0) {
        memcpy(child->frames, parent->frames, parent->stack.depth * sizeof(struct qt_frame));
        child->stack.depth = parent->stack.depth;
        child->calls = parent->calls;
    }
}

void qt_threads_foreach(void (*fn)(struct qt_thread *t, void *ctx), void *ctx)
{
    for (size_t i = 0; i < MAX_THREADS; i++)
        if (threads[i].t)
            fn(threads[i].t, ctx);
}
