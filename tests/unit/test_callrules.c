/* Which calls are recorded (filter=, notrace=, depth=, as uftrace's -F, -N, -D) and when the
 * fast path applies, checked on hand-built stacks against uftrace's documented rules. */
#include <string.h>

#include "callrules.h"
#include "tap.h"

/* A thread's stack of functions: push marks the frame, pop undoes it (as calls.c does). */
struct sim {
    struct qt_call_rules r;
    struct qt_call_state s;
    struct qt_frame f[16];
    int n;
};

static void sim_init(struct sim *m, const struct qt_opts *o, bool selecting)
{
    memset(m, 0, sizeof(*m));
    qt_call_rules_init(&m->r, o, selecting);
}

/* Push a function; returns its recorded depth, or -1 if hidden. */
static int push(struct sim *m, bool filter, bool notrace)
{
    struct qt_frame *f = &m->f[m->n++];
    qt_call_rules_enter(&m->r, &m->s, f, filter, notrace);
    return f->hidden ? -1 : f->vdepth;
}

/* Pop the top function; returns whether its end is recorded. */
static bool pop(struct sim *m)
{
    return qt_call_rules_pop(&m->s, &m->f[--m->n]);
}

static void opts(struct qt_opts *o)
{
    qt_opts_init(o);
}

int main(void)
{
    struct qt_opts o;
    struct sim m;

    /* no option: everything recorded, depth counts frames */
    opts(&o);
    sim_init(&m, &o, false);
    ok(m.r.plain, "no filter: the fast path applies");
    is_int(push(&m, false, false), 0, "main at depth 0");
    is_int(push(&m, false, false), 1, "its callee at depth 1");
    ok(pop(&m) && pop(&m), "both ends recorded");
    is_int((int)m.s.vis, 0, "nothing left open");
    qt_opts_free(&o);

    /* -F: only inside a filter function, itself included, depth counted from it */
    opts(&o);
    o.nfilter = 1;
    sim_init(&m, &o, false);
    ok(!m.r.plain, "-F: no fast path");
    is_int(push(&m, false, false), -1, "-F: main outside the filter is hidden");
    is_int(push(&m, true, false), 0, "-F: the filter function at depth 0");
    is_int(push(&m, false, false), 1, "-F: its callee at depth 1");
    ok(pop(&m), "-F: the callee's end recorded");
    ok(pop(&m), "-F: the filter's end recorded");
    is_int(push(&m, false, false), -1, "-F: a call after the filter returned is hidden again");
    ok(!pop(&m), "-F: and so is its end");
    ok(!pop(&m), "-F: main's end hidden");
    is_int((int)m.s.nfilter, 0, "-F: filter frames all undone");
    qt_opts_free(&o);

    /* -N: neither the notrace function nor anything it calls */
    opts(&o);
    o.nnotrace = 1;
    sim_init(&m, &o, false);
    ok(!m.r.plain, "-N: no fast path");
    is_int(push(&m, false, false), 0, "-N: main recorded");
    is_int(push(&m, false, true), -1, "-N: the notrace function hidden");
    is_int(push(&m, false, false), -1, "-N: its callee hidden");
    pop(&m);
    pop(&m);
    is_int(push(&m, false, false), 1, "-N: a sibling after it is recorded at depth 1");
    pop(&m);
    pop(&m);
    is_int((int)m.s.nhide, 0, "-N: notrace frames all undone");
    qt_opts_free(&o);

    /* -D 2: at most two recorded frames deep */
    opts(&o);
    o.depth = 2;
    sim_init(&m, &o, false);
    ok(!m.r.plain, "-D: no fast path");
    is_int(push(&m, false, false), 0, "-D 2: depth 0 recorded");
    is_int(push(&m, false, false), 1, "-D 2: depth 1 recorded");
    is_int(push(&m, false, false), -1, "-D 2: depth 2 hidden");
    ok(!pop(&m), "-D 2: its end hidden");
    ok(pop(&m) && pop(&m), "-D 2: the others' ends recorded");
    qt_opts_free(&o);

    /* -F with -D: depth counts recorded frames only */
    opts(&o);
    o.nfilter = 1;
    o.depth = 1;
    sim_init(&m, &o, false);
    push(&m, false, false);
    is_int(push(&m, true, false), 0, "-F -D 1: the filter recorded at depth 0");
    is_int(push(&m, false, false), -1, "-F -D 1: its callee beyond the depth");
    qt_opts_free(&o);

    /* the fast path: plain calls only, and only where nothing needs reading */
    opts(&o);
    sim_init(&m, &o, true);
    ok(m.r.plain, "a process selection (comm=, pid=, program_as=): the fast path still (checked at run time)");
    sim_init(&m, &o, false);
    ok(qt_call_rules_fast_entry(&m.r, 0, 7), "fast entry: no arguments, an id");
    ok(!qt_call_rules_fast_entry(&m.r, 1, 7), "no fast entry with arguments");
    ok(!qt_call_rules_fast_entry(&m.r, 0, 0), "no fast entry without an id");
    ok(qt_call_rules_fast_ret(&m.r, false, false, 7), "fast ret");
    ok(!qt_call_rules_fast_ret(&m.r, true, false, 7), "no fast ret with a return value to read");
    ok(!qt_call_rules_fast_ret(&m.r, false, true, 7), "no fast ret for a function of unknown extent");
    ok(qt_call_rules_one_block(&m.r, true, 0, false, false, 7), "one-block: both ends fast");
    ok(!qt_call_rules_one_block(&m.r, false, 0, false, false, 7), "not one-block when the decoder said no");
    ok(!qt_call_rules_one_block(&m.r, true, 1, false, false, 7), "not one-block with arguments");
    ok(qt_call_rules_entry_at_call_site(true, 0, false), "call site records the entry where calls push");
    ok(!qt_call_rules_entry_at_call_site(false, 0, false), "not where calls push nothing (bl)");
    ok(!qt_call_rules_entry_at_call_site(true, 2, false), "not with arguments (registers are read anyway)");
    ok(qt_call_rules_packed(&m.r, 7, QT_FAST_DEPTH_MAX), "packed word at the deepest packed depth");
    ok(!qt_call_rules_packed(&m.r, 7, QT_FAST_DEPTH_MAX + 1), "a full record beyond it");
    o.icount = false;
    sim_init(&m, &o, false);
    ok(!m.r.plain && !qt_call_rules_packed(&m.r, 7, 0), "no instruction counts: no packed words, no fast path");
    qt_opts_free(&o);
    return done_testing();
}
