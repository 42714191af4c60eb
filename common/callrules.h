/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Which calls are recorded, decided from a thread's shadow stack as uftrace decides it:
 * with filter= patterns only inside a filter function (itself included), never inside a
 * notrace= function (itself included), at most depth= recorded frames deep. And when the
 * plugin's fast path may record a call without looking at any of that. Pure logic, no QEMU.
 */
#ifndef QTRACE_CALLRULES_H
#define QTRACE_CALLRULES_H

#include <stdbool.h>
#include <stdint.h>

#include "options.h"
#include "shadow.h"

struct qt_call_rules {
    bool filters;           /* filter= given: record only inside a filter function */
    int depth;              /* depth=: recorded frames at most this deep (-1: unlimited) */
    bool icount;            /* instruction counts on: events may be packed words */
    bool plain;             /* every call recorded and counted: the fast path applies */
};

/* What the frames on one thread's stack say about recording. */
struct qt_call_state {
    uint32_t nfilter;       /* frames of filter= functions */
    uint32_t nhide;         /* frames of notrace= functions */
    uint32_t vis;           /* frames recorded (the next one's depth) */
};

/* qt_frame.marks */
enum { QT_MARK_FILTER = 1, QT_MARK_NOTRACE = 2 };

/* selecting: some processes are not recorded (system mode with comm=, pid= or program_as=); the
 * fast path applies all the same (calls.c checks that the recorded thread still runs). */
void qt_call_rules_init(struct qt_call_rules *r, const struct qt_opts *o, bool selecting);

/* Frame f of a function (a filter= / notrace= one or not) was just pushed: set its marks,
 * whether it is hidden and its recorded depth, and count it in s. */
void qt_call_rules_enter(const struct qt_call_rules *r, struct qt_call_state *s, struct qt_frame *f, bool filter,
                         bool notrace);
/* Frame f is popped: undo what entering it counted. True if it was recorded (its end is). */
bool qt_call_rules_pop(struct qt_call_state *s, const struct qt_frame *f);

/* Is an event of function id at recorded depth written as one packed word? (id 0: no id) */
bool qt_call_rules_packed(const struct qt_call_rules *r, uint32_t id, uint32_t depth);
/* Fast path, decided at translation time: an entry without arguments, a ret without a return
 * value to read, of a function with an id and a known extent (loose: addr= without a symbol). */
bool qt_call_rules_fast_entry(const struct qt_call_rules *r, int nargs, uint32_t id);
bool qt_call_rules_fast_ret(const struct qt_call_rules *r, bool has_ret, bool loose, uint32_t id);
/* A function that runs straight to its ret is recorded by one callback at the ret when both
 * its entry and its ret take the fast path. */
bool qt_call_rules_one_block(const struct qt_call_rules *r, bool one_block, int nargs, bool has_ret, bool loose,
                             uint32_t id);
/* May a direct call record the callee's entry (where calls push the return address)? */
bool qt_call_rules_entry_at_call_site(bool call_sites, int nargs, bool loose);

#endif
