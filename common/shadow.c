/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "shadow.h"

#include <stddef.h>

void qt_stack_init(struct qt_stack *s, struct qt_frame *storage, uint32_t cap)
{
    s->f = storage;
    s->cap = cap;
    s->depth = 0;
    s->overflow = 0;
    s->overflowed = 0;
}

/* Pop frames entered below sp (or at sp too, with or_equal) as unwound. */
static void pop_below(struct qt_stack *s, uint64_t sp, int or_equal, qt_pop_fn pop, void *ctx)
{
    while (s->depth > 0 && (s->f[s->depth - 1].sp < sp || (or_equal && s->f[s->depth - 1].sp == sp))) {
        s->depth--;
        pop(ctx, &s->f[s->depth], s->depth, QT_POP_UNWOUND);
    }
}

struct qt_frame *qt_stack_enter(struct qt_stack *s, uint64_t func, uint64_t sp, uint64_t icount,
                                const void *fn, qt_pop_fn pop, void *ctx)
{
    if (s->overflow > 0) {
        /* still deep beyond capacity: only count */
        s->overflow++;
        s->overflowed++;
        return NULL;
    }
    pop_below(s, sp, 1, pop, ctx);
    if (s->depth >= s->cap) {
        s->overflow = 1;
        s->overflowed++;
        return NULL;
    }
    struct qt_frame *f = &s->f[s->depth++];
    f->func = func;
    f->sp = sp;
    f->icount = icount;
    f->fn = fn;
    f->hidden = 0;
    f->vdepth = 0;
    f->marks = 0;
    return f;
}

int qt_stack_ret(struct qt_stack *s, uint64_t sp, qt_pop_fn pop, void *ctx)
{
    if (s->overflow > 0) {
        /* returns from frames beyond capacity come first (they are the deepest) */
        if (s->depth == 0 || sp < s->f[s->depth - 1].sp) {
            s->overflow--;
            return 0;
        }
        s->overflow = 0; /* a longjmp skipped them */
    }
    pop_below(s, sp, 0, pop, ctx);
    if (s->depth > 0 && s->f[s->depth - 1].sp == sp) {
        s->depth--;
        pop(ctx, &s->f[s->depth], s->depth, QT_POP_RETURN);
        return 1;
    }
    return 0;
}

void qt_stack_pop_top(struct qt_stack *s, qt_pop_fn pop, void *ctx)
{
    if (s->depth > 0) {
        s->depth--;
        pop(ctx, &s->f[s->depth], s->depth, QT_POP_RETURN);
    }
}

void qt_stack_unwind_all(struct qt_stack *s, qt_pop_fn pop, void *ctx)
{
    s->overflow = 0;
    while (s->depth > 0) {
        s->depth--;
        pop(ctx, &s->f[s->depth], s->depth, QT_POP_UNFINISHED);
    }
}
