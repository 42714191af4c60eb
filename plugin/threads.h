/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Guest threads and their shadow stacks. A thread is found from the registers: in user mode
 * each guest thread is a host thread (its tid is the guest's); in system mode it is the
 * kernel's current task when the kernel layer knows it, else (address space, thread pointer).
 * Each (thread, stack) pair, user stack or kernel stack, has its own shadow stack. Threads
 * live in a fixed, lock-free table; a vCPU caches the last one it ran.
 */
#ifndef QTRACE_THREADS_H
#define QTRACE_THREADS_H

#include "callrules.h"
#include "record.h"
#include "shadow.h"

struct qt_thread {
    struct qt_who who;          /* tid, pid (thread group), address space */
    uint64_t key;               /* identity within its address space (with the stack region) */
    char comm[16];
    int busy;                   /* try-lock: one vCPU at a time (never contended for real threads) */
    struct qt_call_state calls; /* what its frames say about recording (calls.c) */
    struct qt_stack stack;
    struct qt_frame frames[];
};

/*
 * What the kernel layer above tells the layers below about the guest's processes, registered
 * once at install (system mode with a kernel; NULL members: not known).
 */
struct qt_task_ops {
    /* The identity of the task running on v (0 if unknown). */
    uint64_t (*current)(struct qt_vcpu *v);
    /* Its pid, thread group id and comm; false if not known. */
    bool (*ids)(struct qt_vcpu *v, uint64_t task, uint32_t *tid, uint32_t *tgid, char comm[16]);
    /* Is what runs on v recorded? NULL: everything is (no comm=, pid=, program_as=). */
    bool (*selected)(struct qt_vcpu *v);
};

extern const struct qt_task_ops *qt_task_ops QT_HIDDEN;
void qt_threads_set_task_ops(const struct qt_task_ops *ops);

/* Is what runs on v recorded? */
static inline bool qt_task_selected(struct qt_vcpu *v)
{
    return !qt_task_ops || !qt_task_ops->selected || qt_task_ops->selected(v);
}

/* Some processes are not recorded (a selection is made). */
static inline bool qt_task_selecting(void)
{
    return qt_task_ops && qt_task_ops->selected;
}

/* A vCPU starts: with a second one in system mode, stacks take their try-lock. */
void qt_threads_vcpu_init(unsigned index);
/* The thread running on v (and which of its stacks, by sp), created when first seen. */
struct qt_thread *qt_thread_current(struct qt_vcpu *v, struct qt_vsb *s, uint64_t sp);
/* The thread on v if no other can have run since v's last event, without reading a register. */
static inline struct qt_thread *qt_thread_same(struct qt_vcpu *v, const struct qt_vsb *s)
{
    if (!v->cur || (qt.system && s->switched != 0))
        return NULL;
    return v->cur;
}
/* Frames of t recorded: the depth of what it does next (a system call nests there). */
static inline uint16_t qt_thread_depth(const struct qt_thread *t)
{
    return (uint16_t)t->calls.vis;
}
/* The kernel-stack thread of task whose stack sp is on, if known; never creates one. */
struct qt_thread *qt_thread_kstack(uint64_t task, uint64_t sp);
/* In a forked child (user mode): the thread continues with a copy of its parent's stack. */
void qt_threads_forked(struct qt_vcpu *v);
/* Call fn on every thread (at exit). */
void qt_threads_foreach(void (*fn)(struct qt_thread *t, void *ctx), void *ctx);
/* Is sp on a kernel stack? */
static inline bool qt_kernel_sp(uint64_t sp)
{
    return qt_arch_kernel_addr(qt.arch, sp);
}

/*
 * System mode: a (task, stack) pair is only ever run by one vCPU at a time, but a wrong key
 * (two processes sharing a thread pointer without the kernel's tasks) must not corrupt a stack,
 * so updates take a per-thread try-lock. User mode needs none (a guest thread is a host thread,
 * alone with its vCPU and its stack), nor does a guest with one vCPU.
 */
extern bool qt_stack_locks QT_HIDDEN;
static inline bool qt_thread_lock(struct qt_thread *t)
{
    return !__atomic_load_n(&qt_stack_locks, __ATOMIC_RELAXED) ||
           __atomic_exchange_n(&t->busy, 1, __ATOMIC_ACQUIRE) == 0;
}

static inline void qt_thread_unlock(struct qt_thread *t)
{
    if (__atomic_load_n(&qt_stack_locks, __ATOMIC_RELAXED))
        __atomic_store_n(&t->busy, 0, __ATOMIC_RELEASE);
}

#endif
