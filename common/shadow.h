/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shadow call stack of one guest thread.
 *
 * Frames are keyed by the stack pointer at function entry (x86: pointing at the return
 * address; aarch64: sp on entry). The guest stack grows down, so:
 *   - at an entry at sp S, frames entered at a lower or equal sp (f.sp <= S) can no longer
 *     be live: their functions left without a ret we saw (longjmp, exceptions, a tail call,
 *     a ret we did not instrument). They are popped as "unwound". (A tail call from f to g
 *     enters g at f's sp: f is reported as ended where g starts, g as its sibling. Telling it
 *     apart from "f was left by longjmp, then its caller called g" would need the return
 *     address from guest memory on every call; longjmp must be right, so this rule wins.)
 *   - at a ret at sp S, frames with f.sp < S are unwound, the frame with f.sp == S returns.
 * Signals and interrupts push above the interrupted frame and pop back to it, so they
 * need nothing special. Recursion of any depth up to the capacity is exact; beyond it,
 * frames are counted (overflow) and not recorded.
 */
#ifndef QTRACE_SHADOW_H
#define QTRACE_SHADOW_H

#include <stddef.h>
#include <stdint.h>

struct qt_frame {
    uint64_t func;          /* function address */
    uint64_t sp;            /* stack pointer at entry */
    uint64_t icount;        /* instruction count at entry */
    const void *fn;         /* the caller's description of the function */
    uint16_t vdepth;        /* depth as reported: among the frames below it, those reported */
    uint8_t hidden;         /* not reported (filters, depth limit: the caller's choice) */
    uint8_t marks;          /* the caller's flags (calls.c: filter=, notrace= functions) */
};

enum qt_pop_how { QT_POP_RETURN = 0, QT_POP_UNWOUND = 1, QT_POP_UNFINISHED = 2 };

/* Called for every frame popped, top first; depth is the frame's depth (0 = outermost). */
typedef void (*qt_pop_fn)(void *ctx, const struct qt_frame *f, uint32_t depth, enum qt_pop_how how);

struct qt_stack {
    struct qt_frame *f;
    uint32_t depth, cap;
    uint64_t overflow;      /* frames currently beyond capacity */
    uint64_t overflowed;    /* total frames ever dropped for capacity */
};

void qt_stack_init(struct qt_stack *s, struct qt_frame *storage, uint32_t cap);
/* Function entry at sp. Returns the new frame, or NULL on overflow (counted). */
struct qt_frame *qt_stack_enter(struct qt_stack *s, uint64_t func, uint64_t sp, uint64_t icount,
                                const void *fn, qt_pop_fn pop, void *ctx);
/* A ret executing with stack pointer sp (before it pops the return address). Returns how
 * many frames returned (0: the ret belongs to a function we did not see enter). */
int qt_stack_ret(struct qt_stack *s, uint64_t sp, qt_pop_fn pop, void *ctx);
/* The frame on top, or NULL (empty, or deeper than the capacity). */
static inline const struct qt_frame *qt_stack_top(const struct qt_stack *s)
{
    return s->depth > 0 && s->overflow == 0 ? &s->f[s->depth - 1] : NULL;
}
/* A ret known to return the top frame (its function is the top frame's): pop it as returned. */
void qt_stack_pop_top(struct qt_stack *s, qt_pop_fn pop, void *ctx);
/* Pop everything as unfinished (end of trace). */
void qt_stack_unwind_all(struct qt_stack *s, qt_pop_fn pop, void *ctx);

#endif
