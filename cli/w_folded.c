/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Folded stacks, for flamegraph.pl, inferno and speedscope:
 *
 *   main;fact;fact;fact 35
 *   main;add 12
 *
 * One line per distinct call stack (outermost first, ';'-separated), sorted; the value is
 * the self cost of the innermost function on that stack: guest instructions from its entry
 * to its exit minus those of its traced callees (host nanoseconds when the trace has no
 * instruction counts). Stacks of every thread are added together. Stacks are interned in a
 * call tree as the trace is read, so the cost per event does not depend on the depth.
 * A stack of MAX_FRAMES frames or more keeps its outermost MAX_FRAMES - 1 frames, then one frame
 * "[deeper]", then its innermost function (main;f;...;f;[deeper];f): the frames between are
 * added together, so a deep recursion gives at most MAX_FRAMES lines of MAX_FRAMES + 1 names,
 * not a line per depth each as long as its depth.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "writer.h"

#define MAX_FRAMES 256
#define DEEPER UINT64_MAX /* the func of the "[deeper]" frame */

struct node {
    size_t parent;              /* index + 1; 0 = root */
    uint64_t func;
    uint64_t self;
};

struct fframe {
    size_t node;                /* index + 1 */
    uint64_t func, icount, ts, children;
};

struct fthr {
    struct fframe *st;
    size_t depth, cap;
    uint64_t last_icount, last_ts;
};

struct fstate {
    const struct qtr *r;
    FILE *out;
    bool insn;
    struct node *nodes;
    size_t nnodes, cap;
    struct qtc_map children;    /* (parent, func) -> node index + 1 */
    struct qtc_map threads;     /* (asid, tid) -> fthr */
    struct fthr **thr;
    size_t nthr, tcap;
};

static size_t node_of(struct fstate *s, size_t parent, uint64_t func)
{
    void **slot = qtc_map_slot(&s->children, parent, func, true);
    if (!*slot) {
        if (s->nnodes == s->cap) {
            s->cap = s->cap ? s->cap * 2 : 256;
            s->nodes = qtc_xrealloc(s->nodes, s->cap * sizeof(*s->nodes));
        }
        s->nodes[s->nnodes] = (struct node){ parent, func, 0 };
        *slot = (void *)(uintptr_t)++s->nnodes;
    }
    return (size_t)(uintptr_t)*slot;
}

static struct fthr *thread_of(struct fstate *s, const struct qt_rec_call *c)
{
    void **slot = qtc_map_slot(&s->threads, c->asid, c->tid, true);
    if (!*slot) {
        *slot = qtc_xcalloc(1, sizeof(struct fthr));
        if (s->nthr == s->tcap) {
            s->tcap = s->tcap ? s->tcap * 2 : 16;
            s->thr = qtc_xrealloc(s->thr, s->tcap * sizeof(*s->thr));
        }
        s->thr[s->nthr++] = *slot;
    }
    return *slot;
}

/* Pop the top frame, whose total cost is total. */
static void pop(struct fstate *s, struct fthr *t, uint64_t total)
{
    struct fframe *f = &t->st[--t->depth];
    uint64_t self = total > f->children ? total - f->children : 0;
    s->nodes[f->node - 1].self += self;
    if (t->depth > 0)
        t->st[t->depth - 1].children += total;
}

static uint64_t cost(const struct fstate *s, const struct fframe *f, uint64_t icount, uint64_t ts)
{
    if (s->insn)
        return icount >= f->icount ? icount - f->icount : 0;
    return ts >= f->ts ? ts - f->ts : 0;
}

static int folded_event(struct qtc_wctx *w, const struct qtr_event *ev)
{
    struct fstate *s = w->state;
    const struct qt_rec_call *c = ev->call;
    if (!c || (ev->type != QT_REC_ENTRY && ev->type != QT_REC_EXIT))
        return 0;
    struct fthr *t = thread_of(s, c);
    t->last_icount = c->icount;
    t->last_ts = c->ts_ns;
    if (ev->type == QT_REC_ENTRY) {
        /* frames deeper than this entry lost their exits: close them here */
        while (t->depth > c->depth)
            pop(s, t, cost(s, &t->st[t->depth - 1], c->icount, c->ts_ns));
        if (t->depth < c->depth)
            return 0; /* the caller's entry was not recorded: no stack to hang it on */
        if (t->depth == t->cap) {
            t->cap = t->cap ? t->cap * 2 : 64;
            t->st = qtc_xrealloc(t->st, t->cap * sizeof(*t->st));
        }
        size_t parent = t->depth ? t->st[t->depth - 1].node : 0;
        if (t->depth >= MAX_FRAMES - 1)
            parent = node_of(s, t->st[MAX_FRAMES - 2].node, DEEPER);
        t->st[t->depth++] = (struct fframe){ node_of(s, parent, c->func), c->func, c->icount, c->ts_ns, 0 };
    } else {
        if (t->depth < (size_t)c->depth + 1 || t->st[c->depth].func != c->func)
            return 0; /* an exit whose entry we did not see */
        while (t->depth > (size_t)c->depth + 1)
            pop(s, t, cost(s, &t->st[t->depth - 1], c->icount, c->ts_ns));
        uint64_t total = s->insn ? (c->icount >= c->aux ? c->icount - c->aux : 0)
                                 : cost(s, &t->st[t->depth - 1], c->icount, c->ts_ns);
        pop(s, t, total);
    }
    return 0;
}

static int folded_begin(struct qtc_wctx *w)
{
    struct fstate *s = qtc_xcalloc(1, sizeof(*s));
    s->r = w->trace;
    s->out = w->out;
    s->insn = w->trace->st.has_icount;
    w->state = s;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void put_frame_name(const struct fstate *s, uint64_t func, struct qt_sb *sb)
{
    if (func == DEEPER) {
        qt_sb_puts(sb, "[deeper]");
        return;
    }
    struct qt_sb n;
    qt_sb_init(&n);
    qtw_func_name(s->r, qtr_sym_at(s->r, func), func, &n);
    for (size_t i = 0; i < n.len; i++)
        qt_sb_putc(sb, n.buf[i] == ';' ? ':' : n.buf[i]); /* ';' separates frames */
    qt_sb_free(&n);
}

static int folded_end(struct qtc_wctx *w)
{
    struct fstate *s = w->state;
    /* calls still open at the end of the trace cost up to the thread's last event */
    for (size_t i = 0; i < s->nthr; i++) {
        struct fthr *t = s->thr[i];
        while (t->depth > 0)
            pop(s, t, cost(s, &t->st[t->depth - 1], t->last_icount, t->last_ts));
    }
    char **lines = qtc_xcalloc(s->nnodes, sizeof(*lines));
    size_t nl = 0;
    size_t *path = NULL, pcap = 0;
    for (size_t i = 0; i < s->nnodes; i++) {
        if (s->nodes[i].self == 0)
            continue;
        size_t np = 0;
        for (size_t k = i + 1; k; k = s->nodes[k - 1].parent) {
            if (np == pcap) {
                pcap = pcap ? pcap * 2 : 64;
                path = qtc_xrealloc(path, pcap * sizeof(*path));
            }
            path[np++] = k - 1;
        }
        struct qt_sb sb;
        qt_sb_init(&sb);
        while (np-- > 0) {
            put_frame_name(s, s->nodes[path[np]].func, &sb);
            if (np)
                qt_sb_putc(&sb, ';');
        }
        qt_sb_printf(&sb, " %" PRIu64, s->nodes[i].self);
        lines[nl++] = sb.buf;
    }
    free(path);
    qsort(lines, nl, sizeof(*lines), cmp_str);
    for (size_t i = 0; i < nl; i++) {
        fputs(lines[i], s->out);
        fputc('\n', s->out);
        free(lines[i]);
    }
    free(lines);
    int rc = ferror(s->out) ? -1 : 0;
    for (size_t i = 0; i < s->nthr; i++) {
        free(s->thr[i]->st);
        free(s->thr[i]);
    }
    free(s->thr);
    free(s->nodes);
    qtc_map_free(&s->children);
    qtc_map_free(&s->threads);
    free(s);
    w->state = NULL;
    return rc;
}

const struct qtc_writer qtc_writer_folded = {
    .name = "folded",
    .ext = "folded",
    .help = "folded stacks with self guest instructions, for flamegraph.pl, inferno or speedscope",
    .begin = folded_begin,
    .event = folded_event,
    .end = folded_end,
};
