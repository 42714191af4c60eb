/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The callbacks allocate nothing (a thread's stack is allocated once, when it is first seen)
 * and take no global lock: records go to the vCPU's own buffer.
 */
#include <stdlib.h>
#include <string.h>

#include "calls.h"
#include "linkmap_walk.h"
#include "tsan.h"

static struct qt_call_rules rules;

struct pop_ctx {
    struct qt_vcpu *v;
    struct qt_thread *t;
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

static void on_pop(void *ctxp, const struct qt_frame *f, uint32_t sdepth, enum qt_pop_how how)
{
    struct pop_ctx *c = ctxp;
    (void)sdepth;
    if (!qt_call_rules_pop(&c->t->calls, f))
        return;
    uint32_t depth = f->vdepth;
    const struct qt_tfunc *tf = f->fn;
    bool ret = how == QT_POP_RETURN && tf->has_ret;
    /* packed words take their time from the instruction count */
    if (!ret && how != QT_POP_UNFINISHED && qt_call_rules_packed(&rules, tf->id, depth)) {
        qt_rec_packed(c->v, &c->t->who, how == QT_POP_RETURN ? QT_PACKED_EXIT : QT_PACKED_UNWOUND, tf->id, depth,
                      c->icount);
        return;
    }
    size_t max = sizeof(struct qt_rec_call) + (ret ? QT_ARG_MAX_BYTES : 0);
    struct qt_rec_call *r = qt_rec_begin(c->v, QT_REC_EXIT, max, &c->t->who, f->func, ctx_now(c), c->icount);
    r->depth = (uint16_t)depth;
    r->aux = f->icount;
    r->flags = how == QT_POP_UNWOUND ? QT_CALL_UNWOUND : how == QT_POP_UNFINISHED ? QT_CALL_UNFINISHED : 0;
    size_t size = sizeof(*r);
    if (ret) {
        if (!c->have_ret) {
            c->retval = qt_reg_read(c->v, c->v->r_ret);
            c->have_ret = true;
        }
        size += qt_arg_put(c->v, (uint8_t *)r + size, &tf->ret, c->retval);
        r->nargs = 1;
    }
    qt_rec_end(c->v, r, size, ctx_now(c));
}

static uint64_t icount_at(const struct qt_vsb *s, const struct qt_site *site)
{
    if (!qt.opts.icount)
        return 0; /* not counted: the trace then has host times only */
    return s->icount - site->adj;
}

static uint64_t arg_value(struct qt_vcpu *v, int n, uint64_t sp)
{
    /* kernel code (system mode) may pass arguments otherwise than user code (i386 regparm) */
    bool kernel = qt.system && qt_kernel_sp(sp);
    return qt_vcpu_arg(v, kernel ? qt.arch->kernel_cc : qt.cc, n, sp);
}

/* A traced function starts with stack pointer sp. */
static void enter(struct qt_vcpu *v, struct qt_vsb *s, const struct qt_site *site, uint64_t sp, enum qt_lm_how how)
{
    const struct qt_tfunc *tf = site->tf;
    struct qt_thread *t = qt_thread_current(v, s, sp);
    if (!t || !qt_thread_lock(t)) {
        v->lost++;
        return;
    }
    /* A one-block function already open at this very stack pointer is this same call: its first
     * instruction's callback ran again (an instruction callback runs before its instruction,
     * which QEMU may start over after an interrupt; seen with threads switched under --smp).
     * Nothing but a ret leaves such a function, so a new call at the same place would need the
     * old one left by a signal handler's longjmp: that one is then not shown. */
    const struct qt_frame *top = qt_stack_top(&t->stack);
    if (tf->one_block && top && top->fn == tf && top->sp == sp) {
        qt_thread_unlock(t);
        return;
    }
    qt_linkmap_on_call(v, &t->who, tf, how, sp);
    uint64_t ic = icount_at(s, site);
    struct pop_ctx pc = { v, t, 0, ic, false, 0 };
    struct qt_frame *f = qt_stack_enter(&t->stack, tf->addr, sp, ic, tf, on_pop, &pc);
    if (f)
        qt_call_rules_enter(&rules, &t->calls, f, tf->filter, tf->notrace);
    if (!f) {
        v->lost++;
    } else if (f->hidden) {
        /* recorded neither here nor at its return */
    } else if (tf->nargs == 0 && qt_call_rules_packed(&rules, tf->id, f->vdepth)) {
        qt_rec_packed(v, &t->who, QT_PACKED_ENTRY, tf->id, f->vdepth, ic);
    } else {
        uint64_t now = ctx_now(&pc);
        size_t max = sizeof(struct qt_rec_call) + (size_t)tf->nargs * QT_ARG_MAX_BYTES;
        struct qt_rec_call *r = qt_rec_begin(v, QT_REC_ENTRY, max, &t->who, tf->addr, now, ic);
        r->depth = f->vdepth;
        size_t size = sizeof(*r);
        for (int i = 0; i < tf->nargs; i++)
            size += qt_arg_put(v, (uint8_t *)r + size, &tf->args[i], arg_value(v, tf->args[i].pos, sp));
        r->nargs = (uint16_t)tf->nargs;
        qt_rec_end(v, r, size, now);
    }
    qt_thread_unlock(t);
}

/*
 * The fast path when every call is recorded (rules.plain): an entry that pushes a frame above
 * the top one, a ret that pops the top frame, each written as one packed word after the vCPU's
 * current base. No call, no register read, no stack walk; anything else (a first event, a new
 * base, an unwind, a full buffer, arguments, and in system mode anything but the program
 * having run since the vCPU's last event: s->switched) returns false and takes the general
 * path, which does the same and more. Under comm=/pid= too: events are recorded only for
 * selected threads, and a thread's selection changes only in kernel code, which sets switched.
 */
static inline __attribute__((always_inline)) bool fast_enter(struct qt_vcpu *v, const struct qt_vsb *s,
                                                            const struct qt_site *site, uint64_t sp)
{
    struct qt_thread *t = v->cur;
    uint64_t ic = s->icount - site->adj;
    /* s->switched: system mode, something else ran (always 0 in user mode) */
    if (!t || s->switched != 0 || !qt_rec_packed_room(v, &t->who, ic, ic, 1))
        return false;
    struct qt_stack *st = &t->stack;
    uint32_t d = st->depth, vis = t->calls.vis;
    if ((st->overflow | (uint64_t)(d >= st->cap) | (uint64_t)(vis > QT_FAST_DEPTH_MAX)) != 0 ||
        (d > 0 && st->f[d - 1].sp <= sp) || !qt_thread_lock(t))
        return false;
    const struct qt_tfunc *tf = site->tf;
    struct qt_frame *f = &st->f[d];
    f->func = tf->addr;
    f->sp = sp;
    f->icount = ic;
    f->fn = tf;
    f->vdepth = (uint16_t)vis;
    f->hidden = 0;
    f->marks = 0;
    st->depth = d + 1;
    t->calls.vis = vis + 1;
    qt_rec_packed_put(v, site->word | (uint64_t)vis << 52, ic);
    qt_thread_unlock(t);
    return true;
}

/* sp: the stack pointer at the ret when a memory callback told it, else 0 (not known) */
static inline bool fast_ret(struct qt_vcpu *v, const struct qt_vsb *s, const struct qt_site *site, uint64_t sp)
{
    struct qt_thread *t = v->cur;
    uint64_t ic = s->icount - site->adj + 1; /* + 1: the ret itself belongs to the function */
    if (!t || s->switched != 0 || !qt_rec_packed_room(v, &t->who, ic, ic, 1))
        return false;
    struct qt_stack *st = &t->stack;
    uint32_t d = st->depth;
    if (d == 0 || st->overflow != 0)
        return false;
    const struct qt_frame *f = &st->f[d - 1];
    if (f->fn != site->tf || (sp != 0 && f->sp != sp) || f->hidden || f->vdepth > QT_FAST_DEPTH_MAX ||
        !qt_thread_lock(t))
        return false;
    st->depth = d - 1;
    t->calls.vis--;
    qt_rec_packed_put(v, site->word | (uint64_t)f->vdepth << 52, ic);
    qt_thread_unlock(t);
    return true;
}

struct qt_site *qt_site_new(const struct qt_tfunc *tf, uint32_t adj, bool fast, enum qt_packed_kind kind)
{
    struct qt_site *st = g_new0(struct qt_site, 1);
    st->tf = tf;
    st->adj = adj;
    st->fast = fast;
    if (tf) {
        st->word = qt_packed_word(kind, tf->id <= QT_FAST_ID_MAX ? tf->id : 0, 0);
        st->mark = tf->addr ^ QT_LEAF_MARK;
    }
    QT_TSAN_RELEASE(st);
    return st;
}

void qt_calls_init(void)
{
    qt_call_rules_init(&rules, &qt.opts, qt.system && qt_task_selecting());
}

bool qt_calls_fast_entry(const struct qt_tfunc *tf)
{
    return qt_call_rules_fast_entry(&rules, tf->nargs, tf->id);
}

bool qt_calls_fast_ret(const struct qt_tfunc *tf)
{
    return qt_call_rules_fast_ret(&rules, tf->has_ret, tf->loose, tf->id);
}

bool qt_calls_leaf(const struct qt_tfunc *tf)
{
    return qt_call_rules_one_block(&rules, tf->one_block, tf->nargs, tf->has_ret, tf->loose, tf->id);
}

/* The vCPU and its scoreboard entry for a fast-path callback, or false (not set up yet). */
static inline bool fast_ctx(unsigned vi, struct qt_vcpu **v, const struct qt_vsb **s)
{
    if (vi >= QT_OUT_MAX_VCPUS)
        return false;
    *v = qt_vcpus[vi];
    *s = qt_vsb_at[vi];
    return *v != NULL && *s != NULL;
}

void qt_on_entry(unsigned int vi, void *udata)
{
    QT_TSAN_ACQUIRE(udata);
    struct qt_vcpu *v = qt_vcpu(vi);
    if (!v || (qt.system && !qt_task_selected(v)))
        return; /* comm=/pid=: another process runs */
    struct qt_vsb *s = qt_vsb(vi);
    uint64_t sp = qt_reg_read(v, v->r_sp);
    if (((const struct qt_site *)udata)->fast && fast_enter(v, s, udata, sp))
        return;
    enter(v, s, udata, sp, QT_LM_AT_ENTRY);
}

/*
 * Reading the stack pointer costs more than all the rest of an entry (QEMU's register layer),
 * and a call tells it for free: the address the return address is stored at is the callee's sp
 * at entry. So a direct call to a traced function records the entry here, from a memory
 * callback on the call (no register access), and stores the callee's address in qt.entered:
 * the callee's entry callback is conditional on that word being something else (entered by a
 * jump, an indirect call, a signal...), and is then skipped. Only where a call pushes the
 * return address (x86); functions with arguments read registers anyway and keep their entry
 * callback. In system mode the thread is known without registers only if nothing but the
 * program ran since the last event on this vCPU (and no selection asks which process runs):
 * otherwise the call site clears the word and leaves the entry to the callee's callback.
 */
bool qt_entry_at_call_site(const struct qt_tfunc *tf)
{
    return qt_call_rules_entry_at_call_site(qt.call_sites, tf->nargs, tf->loose);
}

static __attribute__((noinline)) void on_call_mem_slow(unsigned int vi, uint64_t vaddr, void *udata)
{
    struct qt_vcpu *v = qt_vcpu(vi);
    if (!v)
        return;
    struct qt_vsb *s = qt_vsb(vi);
    if (qt.system && (!qt_thread_same(v, s) || qt_task_selecting())) {
        s->entered = 0; /* the callee's entry callback does it */
        return;
    }
    enter(v, s, udata, vaddr, QT_LM_AT_CALL);
}

void qt_on_call_mem(unsigned int vi, qemu_plugin_meminfo_t info, uint64_t vaddr, void *udata)
{
    (void)info;
    QT_TSAN_ACQUIRE(udata);
    const struct qt_site *site = udata;
    struct qt_vcpu *v;
    const struct qt_vsb *s;
    if (site->fast && fast_ctx(vi, &v, &s) && fast_enter(v, s, site, vaddr))
        return;
    on_call_mem_slow(vi, vaddr, udata);
}

/*
 * A ret inside a traced function. The common case reads no register: a ret in the function on
 * top of the shadow stack returns that frame. Only when they differ (longjmp, a frame we never
 * saw enter) is the stack pointer read and frames matched by it. Where the return address is
 * on the stack (x86) the ret's load of it tells the stack pointer for free (qt_on_ret_mem), and
 * the top frame must also have been entered at that stack pointer: the same function may be
 * open on another stack (coroutines switching stacks with swapcontext), whose ret must not
 * return this frame.
 */
static __attribute__((noinline)) void on_ret_slow(unsigned int vi, const struct qt_site *site, uint64_t sp)
{
    struct qt_vcpu *v = qt_vcpu(vi);
    if (!v || (qt.system && !qt_task_selected(v)))
        return;
    struct qt_vsb *s = qt_vsb(vi);
    bool have_sp = sp != 0;
    struct qt_thread *t = qt_thread_same(v, s);
    if (!t) {
        if (!have_sp)
            sp = qt_reg_read(v, v->r_sp);
        have_sp = true;
        t = qt_thread_current(v, s, sp);
    }
    if (!t || t->stack.depth == 0)
        return;
    if (!qt_thread_lock(t)) {
        v->lost++; /* another vCPU holds this thread's stack: the exit is counted as lost */
        return;
    }
    /* + 1: the ret itself belongs to the function */
    struct pop_ctx pc = { v, t, 0, qt.opts.icount ? icount_at(s, site) + 1 : 0, false, 0 };
    const struct qt_frame *top = qt_stack_top(&t->stack);
    if (top && top->fn == site->tf && !site->tf->loose && (!have_sp || top->sp == sp)) {
        qt_stack_pop_top(&t->stack, on_pop, &pc);
    } else {
        if (!have_sp)
            sp = qt_reg_read(v, v->r_sp);
        qt_stack_ret(&t->stack, sp, on_pop, &pc);
    }
    qt_thread_unlock(t);
}

void qt_on_ret(unsigned int vi, void *udata)
{
    QT_TSAN_ACQUIRE(udata);
    const struct qt_site *site = udata;
    struct qt_vcpu *v;
    const struct qt_vsb *s;
    if (site->fast && fast_ctx(vi, &v, &s) && fast_ret(v, s, site, 0))
        return;
    on_ret_slow(vi, site, 0);
}

void qt_on_ret_mem(unsigned int vi, qemu_plugin_meminfo_t info, uint64_t vaddr, void *udata)
{
    (void)info;
    QT_TSAN_ACQUIRE(udata);
    const struct qt_site *site = udata;
    struct qt_vcpu *v;
    const struct qt_vsb *s;
    if (site->fast && fast_ctx(vi, &v, &s) && fast_ret(v, s, site, vaddr))
        return;
    on_ret_slow(vi, site, vaddr);
}

static __attribute__((noinline)) void on_leaf_ret_slow(unsigned int vi, const struct qt_site *site, bool marked)
{
    if (marked) {
        /* the entry first, as an entry callback would have: at a ret the stack pointer is the
         * one the function started with (it points at the return address) */
        struct qt_vcpu *v = qt_vcpu(vi);
        if (!v || (qt.system && !qt_task_selected(v)))
            return; /* comm=/pid=: another process runs */
        struct qt_site entry = { .tf = site->tf, .adj = site->entry_adj };
        enter(v, qt_vsb(vi), &entry, qt_reg_read(v, v->r_sp), QT_LM_LATE);
    }
    on_ret_slow(vi, site, 0);
}

/* An unmarked ret of a one-block function: an ordinary one (kept out of the marked path's way). */
static __attribute__((noinline)) void leaf_ret_unmarked(unsigned int vi, struct qt_vcpu *v, const struct qt_vsb *s,
                                                         const struct qt_site *site)
{
    if (!(site->fast && fast_ret(v, s, site, 0)))
        on_leaf_ret_slow(vi, site, false);
}

void qt_on_leaf_ret(unsigned int vi, void *udata)
{
    QT_TSAN_ACQUIRE(udata);
    const struct qt_site *site = udata;
    struct qt_vcpu *v;
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
    struct qt_thread *t = v->cur;
    if (t && s->switched == 0) {
        uint64_t ic_ret = s->icount - site->adj + 1, ic_entry = s->icount - site->entry_adj;
        const struct qt_stack *st = &t->stack;
        uint32_t vis = t->calls.vis, d = st->depth;
        if (qt_rec_packed_room(v, &t->who, ic_entry, ic_ret, 2) && (vis <= QT_FAST_DEPTH_MAX) & (st->overflow == 0) &&
            (d == 0 || (uint64_t)(uintptr_t)st->f[d - 1].fn == s->caller) && qt_thread_lock(t)) {
            /* both words at once: the exit's word, and the entry's (kind 0) */
            struct qt_vbuf *b = v->buf;
            uint64_t w = site->word | (uint64_t)vis << 52, base = v->base_icount;
            uint64_t *r = (uint64_t *)(b->data + b->used);
            r[0] = (w & ~((uint64_t)3 << 62)) | (ic_entry - base);
            r[1] = w | (ic_ret - base);
            b->used += 2 * sizeof(uint64_t);
            b->nrec += 2;
            v->events += 2;
            qt_thread_unlock(t);
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
    struct qt_vcpu *v = qt_vcpu(vi);
    if (!s || !v || !v->cur || !(s->entered & QT_LEAF_MARK))
        return;
    const struct qt_tfunc *tf = qt_tfunc_at(s->entered ^ QT_LEAF_MARK);
    s->entered = 0;
    if (!tf)
        return;
    struct qt_site entry = { .tf = tf };
    enter(v, s, &entry, 0, QT_LM_LATE); /* sp unknown: 0 is below every frame, so none is unwound */
}

void qt_calls_unwind(struct qt_vcpu *v, uint64_t sp, uint64_t below)
{
    uint64_t task = qt_task_ops && qt_task_ops->current ? qt_task_ops->current(v) : 0;
    if (!task || !qt_kernel_sp(sp))
        return;
    /* the (task, kernel stack) thread of qt_thread_current, if it has frames at all */
    struct qt_thread *t = qt_thread_kstack(task, sp);
    if (!t || t->stack.depth == 0 || !qt_thread_lock(t))
        return;
    struct pop_ctx pc = { v, t, 0, qt_vsb(v->index)->icount, false, 0 };
    qt_stack_ret(&t->stack, below, on_pop, &pc); /* frames entered below `below` are unwound */
    qt_thread_unlock(t);
}

struct finish_ctx {
    struct qt_vcpu *v0;
    uint64_t lost;
};

static void finish_thread(struct qt_thread *t, void *ctxp)
{
    struct finish_ctx *fc = ctxp;
    struct pop_ctx pc = { fc->v0, t, 0, qt_vsb(fc->v0->index)->icount, false, 0 };
    qt_stack_unwind_all(&t->stack, on_pop, &pc);
    fc->lost += t->stack.overflowed;
}

void qt_calls_finish(uint64_t *events, uint64_t *lost)
{
    struct finish_ctx fc = { NULL, 0 };
    for (unsigned i = 0; i < QT_OUT_MAX_VCPUS; i++)
        if (qt_vcpus[i] && rules.plain && !qt.system)
            leaf_pending(i);
    for (unsigned i = 0; i < QT_OUT_MAX_VCPUS && !fc.v0; i++)
        fc.v0 = qt_vcpus[i];
    if (fc.v0)
        qt_threads_foreach(finish_thread, &fc);
    *events = 0;
    *lost = fc.lost;
    for (unsigned i = 0; i < QT_OUT_MAX_VCPUS; i++) {
        if (qt_vcpus[i]) {
            *events += qt_vcpus[i]->events;
            *lost += qt_vcpus[i]->lost;
        }
    }
}
