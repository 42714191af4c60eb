/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Text output, like `uftrace replay`:
 *
 *   #      DURATION [CPU AS TID] FUNCTION  (x86_64 user mode; duration = guest instructions)
 *                   [cpu0 as:0 tid:42] main() {
 *           12 insn [cpu0 as:0 tid:42]   add(a=2, b=3) = 5;
 *          345 insn [cpu0 as:0 tid:42] } = 0;  (followed by the function name in a comment)
 *
 * A function whose exit immediately follows its entry in the same thread is one line (a
 * per-thread lookahead of one event); otherwise "name(args) {" ... "} = ret;" and the name in
 * a C comment. Durations are guest instructions (exit icount - entry icount), or host time when
 * the trace has no instruction counts (--no-icount). System calls print like strace, with their
 * time. Indentation stops growing at INDENT_MAX levels: a deeper line starts with its depth,
 * "[depth N] ", so that a deep recursion costs a bounded width per line, not its depth.
 * docs/trace-format.md describes every kind of line.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "disk_view.h"
#include "fastfmt.h"
#include "files_view.h"
#include "util.h"
#include "vmmap.h"
#include "writer.h"

#define DUR_WIDTH 15
#define INDENT_MAX 256 /* levels of indentation at most */
#define FLUSH_AT 65536 /* lines are written in batches of about this many bytes */

struct frame {
    uint64_t func, ts;
};

struct tthr {
    uint64_t asid;
    uint32_t tid, vcpu;
    unsigned as;
    bool pending;
    struct qtr_event pend;      /* ENTRY or SYSCALL waiting for the thread's next event */
    struct frame *st;           /* open functions, by depth */
    size_t depth, cap;
};

struct tstate {
    const struct qtr *r;
    FILE *out;
    bool insn;                  /* durations in guest instructions (else host time) */
    struct qtc_map map;
    struct tthr **thr;
    size_t nthr, cap;
    uint64_t lost_printed;
    struct qt_sb line;          /* the lines made, not written yet */
    struct qtc_disk_pairs disk;  /* block requests issued, not done yet */
    struct qtc_map vm_prev;     /* pid -> its last memory map (const struct qt_rec_call *) */
    struct tthr *vm_thr;        /* the thread of the map being shown */
};

static struct tthr *thread_of(struct tstate *s, const struct qtr_event *ev)
{
    const struct qt_rec_call *c = ev->call;
    void **slot = qtc_map_slot(&s->map, c->asid, c->tid, true);
    struct tthr *t = *slot;
    if (!t) {
        t = qtc_xcalloc(1, sizeof(*t));
        t->asid = c->asid;
        t->tid = c->tid;
        t->as = ev->as;
        *slot = t;
        if (s->nthr == s->cap) {
            s->cap = s->cap ? s->cap * 2 : 16;
            s->thr = qtc_xrealloc(s->thr, s->cap * sizeof(*s->thr));
        }
        s->thr[s->nthr++] = t;
    }
    t->vcpu = ev->vcpu;
    return t;
}

/* ---- line pieces -------------------------------------------------------------------------- */

static void put_dur_insn(struct tstate *s, uint64_t n)
{
    qtf_u64_pad(&s->line, n, 10);
    qt_sb_puts(&s->line, " insn");
}

static void put_dur_time(struct tstate *s, uint64_t ns)
{
    qtf_us_pad(&s->line, ns, 8);
    qt_sb_puts(&s->line, " us");
}

static void put_blank(struct tstate *s)
{
    qtf_spaces(&s->line, DUR_WIDTH);
}

static void put_thread(struct tstate *s, uint32_t vcpu, unsigned as, uint32_t tid, unsigned depth)
{
    qtf_label_u64(&s->line, " [cpu", vcpu);
    qtf_label_u64(&s->line, " as:", as);
    qtf_label_u64(&s->line, " tid:", tid);
    qt_sb_puts(&s->line, "] ");
    qtf_spaces(&s->line, 2 * (size_t)(depth < INDENT_MAX ? depth : INDENT_MAX));
    if (depth > INDENT_MAX)
        qt_sb_printf(&s->line, "[depth %u] ", depth);
}

static void write_out(struct tstate *s)
{
    if (s->line.len)
        fwrite(s->line.buf, 1, s->line.len, s->out);
    qt_sb_reset(&s->line);
}

static void emit(struct tstate *s)
{
    qt_sb_putc(&s->line, '\n');
    if (s->line.len >= FLUSH_AT)
        write_out(s);
}

/* "(a=2, b=3)": names from the symbol's parameters; a value whose position is not the next
 * one is shown as argN=; args of `over` (a syscall return carrying output buffers) replace
 * those of the same position. */
static void put_args(struct tstate *s, const struct qtr_event *ev, const struct qtr_sym *sym,
                     const struct qtr_event *over)
{
    bool sys = ev->type == QT_REC_SYSCALL;
    qt_sb_putc(&s->line, '(');
    unsigned printed = 0;
    for (int i = 0; i < ev->nargs; i++) {
        const struct qtr_arg *a = &ev->args[i];
        unsigned pos = a->a->pos;
        if (pos == 0 || (sys && !qtw_syscall_arg_shown(s->r, ev, i)))
            continue;
        for (int k = 0; over && k < over->nargs; k++)
            if (over->args[k].a->pos == pos)
                a = &over->args[k];
        if (printed)
            qt_sb_puts(&s->line, ", ");
        const char *name = qtw_param_name(sym, pos);
        if (name) {
            qt_sb_puts(&s->line, name);
            qt_sb_putc(&s->line, '=');
        } else if (pos != printed + 1 && !sys) {
            qtf_label_u64(&s->line, "arg", pos);
            qt_sb_putc(&s->line, '=');
        }
        if (sys)
            qtw_syscall_arg(s->r, ev->call->func, a, &s->line);
        else
            qtw_arg_value(a, &s->line);
        printed++;
    }
    qt_sb_putc(&s->line, ')');
}

static void put_func(struct tstate *s, const struct qtr_event *ev)
{
    qtw_func_name(s->r, ev->sym, ev->call->func, &s->line);
}

static void put_sysname(struct tstate *s, uint64_t nr)
{
    const char *n = qtw_syscall_name(s->r, nr);
    /* a 32-bit call (int 0x80, sysenter) in an x86-64 guest: i386 numbering */
    const char *abi = (nr & ~UINT64_C(0xffffffff)) == QT_SYSCALL_I386 ? "i386:" : "";
    if (n)
        qt_sb_printf(&s->line, "syscall %s%s", abi, n);
    else
        qt_sb_printf(&s->line, "syscall %s%" PRIu64, abi, nr & 0xffffffff);
}

/* ---- events -------------------------------------------------------------------------------- */

static void flush_pending(struct tstate *s, struct tthr *t, bool at_end)
{
    if (!t->pending)
        return;
    t->pending = false;
    const struct qtr_event *p = &t->pend;
    put_blank(s);
    put_thread(s, p->vcpu, t->as, t->tid, p->call->depth);
    if (p->type == QT_REC_ENTRY) {
        put_func(s, p);
        put_args(s, p, p->sym, NULL);
        qt_sb_puts(&s->line, " {");
    } else {
        put_sysname(s, p->call->func);
        put_args(s, p, NULL, NULL);
        qt_sb_puts(&s->line, at_end ? " = ?" : " <unfinished ...>");
    }
    emit(s);
}

static void push_frame(struct tthr *t, unsigned depth, uint64_t func, uint64_t ts)
{
    if (depth >= t->cap) {
        t->cap = depth + 64;
        t->st = qtc_xrealloc(t->st, t->cap * sizeof(*t->st));
    }
    for (size_t i = t->depth; i < depth; i++)
        t->st[i] = (struct frame){ 0, ts }; /* entries we never saw (depth-limited) */
    t->st[depth] = (struct frame){ func, ts };
    t->depth = depth + 1;
}

/* Duration column of an exit. */
static void put_exit_dur(struct tstate *s, const struct qt_rec_call *c, uint64_t entry_ts, bool have_ts)
{
    if (s->insn) {
        if (c->icount >= c->aux)
            put_dur_insn(s, c->icount - c->aux);
        else
            put_blank(s);
    } else if (have_ts && c->ts_ns >= entry_ts) {
        put_dur_time(s, c->ts_ns - entry_ts);
    } else {
        put_blank(s);
    }
}

static void put_ret(struct tstate *s, const struct qtr_event *ev)
{
    const struct qtr_arg *ret = qtw_retval(ev);
    if (ret) {
        qt_sb_puts(&s->line, " = ");
        qtw_arg_value(ret, &s->line);
    }
}

static void on_exit_rec(struct tstate *s, struct tthr *t, const struct qtr_event *ev)
{
    const struct qt_rec_call *c = ev->call;
    bool have_ts = t->depth > c->depth && t->st[c->depth].func == c->func;
    uint64_t entry_ts = have_ts ? t->st[c->depth].ts : 0;
    if (t->pending && t->pend.type == QT_REC_ENTRY && t->pend.call->func == c->func &&
        t->pend.call->depth == c->depth && c->flags == 0) {
        /* a leaf: one line */
        t->pending = false;
        put_exit_dur(s, c, entry_ts, have_ts);
        put_thread(s, t->pend.vcpu, t->as, t->tid, c->depth);
        put_func(s, &t->pend);
        put_args(s, &t->pend, t->pend.sym, NULL);
        put_ret(s, ev);
        qt_sb_putc(&s->line, ';');
    } else {
        flush_pending(s, t, false);
        put_exit_dur(s, c, entry_ts, have_ts);
        put_thread(s, ev->vcpu, t->as, t->tid, c->depth);
        qt_sb_putc(&s->line, '}');
        if (c->flags == 0 && qtw_retval(ev)) {
            put_ret(s, ev);
            qt_sb_putc(&s->line, ';');
        }
        qt_sb_puts(&s->line, " /* ");
        put_func(s, ev);
        if (c->flags & QT_CALL_UNWOUND)
            qt_sb_puts(&s->line, ": unwound");
        else if (c->flags & QT_CALL_UNFINISHED)
            qt_sb_puts(&s->line, ": unfinished");
        qt_sb_puts(&s->line, " */");
    }
    emit(s);
    if (t->depth > c->depth)
        t->depth = c->depth;
}

static void on_sysret(struct tstate *s, struct tthr *t, const struct qtr_event *ev)
{
    const struct qt_rec_call *c = ev->call;
    const char *name = qtw_syscall_name(s->r, c->func);
    if (t->pending && t->pend.type == QT_REC_SYSCALL && t->pend.call->func == c->func) {
        t->pending = false;
        uint64_t t0 = t->pend.call->ts_ns;
        if (c->ts_ns >= t0)
            put_dur_time(s, c->ts_ns - t0);
        else
            put_blank(s);
        put_thread(s, t->pend.vcpu, t->as, t->tid, t->pend.call->depth);
        put_sysname(s, c->func);
        put_args(s, &t->pend, NULL, ev);
    } else {
        flush_pending(s, t, false);
        put_blank(s);
        put_thread(s, ev->vcpu, t->as, t->tid, c->depth);
        qt_sb_puts(&s->line, "<... ");
        put_sysname(s, c->func);
        qt_sb_puts(&s->line, " resumed>");
    }
    qt_sb_puts(&s->line, " = ");
    qtw_syscall_ret(name, qtw_retval(ev), &s->line);
    emit(s);
}

/* A process or module event of the guest kernel (QT_REC_PROC), in its thread's flow:
 *   == fork {pid=58, tgid=58, ppid=57, uid=0, comm="sh"}
 *   == exec "/bin/cat" ["cat", "/etc/passwd"] comm="cat"
 *   == exit status 0 */
static void put_proc(struct tstate *s, struct tthr *t, const struct qtr_event *ev)
{
    uint64_t k = ev->call->func;
    put_blank(s);
    put_thread(s, ev->vcpu, t->as, t->tid, 0);
    qt_sb_printf(&s->line, "== %s", qtw_proc_kind(k));
    for (int i = 0; i < ev->nargs; i++) {
        qt_sb_puts(&s->line, k == QT_PROC_EXEC && ev->args[i].a->pos == 3 ? " comm=" : " ");
        qtw_arg_value(&ev->args[i], &s->line);
    }
    emit(s);
}

/* A change of a memory map, under its "== vmmap" line: "+ " or "- " and the /proc/PID/maps line. */
static void put_vm_change(void *ctx, char sign, const struct qtv_area *a)
{
    struct tstate *s = ctx;
    put_blank(s);
    put_thread(s, s->vm_thr->vcpu, s->vm_thr->as, s->vm_thr->tid, 1);
    qt_sb_printf(&s->line, "%c ", sign);
    qtv_area_line(a, &s->line);
    emit(s);
}

/* A memory map (QT_REC_VMA), as what changed since the process's previous one:
 *   == vmmap after mprotect at 2.345678901s: 14 areas, 3 changes
 *        + 7f0000001000-7f0000002000 r--p 00000000 00:00 0
 * or a page (QT_REC_PAGE): == page 0x7ffd1000 -> frame 0x3a2f000 (store) */
static void put_vm(struct tstate *s, struct tthr *t, const struct qtr_event *ev)
{
    const struct qt_rec_call *c = ev->call;
    put_blank(s);
    put_thread(s, ev->vcpu, t->as, t->tid, 0);
    if (ev->type == QT_REC_PAGE) {
        qt_sb_printf(&s->line, "== page 0x%" PRIx64 " -> frame 0x%" PRIx64 " (%s)", c->func, c->aux,
                     c->depth ? "store" : "load");
        emit(s);
        return;
    }
    void **prev = qtc_map_slot(&s->vm_prev, c->pid, 0, true);
    struct qtv_iter it;
    struct qtv_area a;
    size_t n = 0;
    for (qtv_iter_init(&it, c); qtv_next(&it, &a);)
        n++;
    qt_sb_puts(&s->line, "== vmmap after ");
    qtv_cause(s->r, c->func, &s->line);
    qt_sb_printf(&s->line, " at %" PRIu64 ".%09" PRIu64 "s: %zu areas%s", c->ts_ns / 1000000000u,
                 c->ts_ns % 1000000000u, n, c->depth & QT_VMA_INCOMPLETE ? " (incomplete)" : "");
    emit(s);
    s->vm_thr = t;
    qtv_diff(*prev, c, put_vm_change, s);
    *prev = (void *)(uintptr_t)c;
}

static int text_event(struct qtc_wctx *w, const struct qtr_event *ev)
{
    struct tstate *s = w->state;
    if (ev->type == QT_REC_LOST) {
        qt_sb_printf(&s->line, "# lost %" PRIu64 " events", ev->lost);
        emit(s);
        s->lost_printed += ev->lost;
        return 0;
    }
    if (!ev->call || (ev->type == QT_REC_PROC && qtw_proc_accounting(ev->call->func)))
        return 0;
    struct tthr *t = thread_of(s, ev);
    switch (ev->type) {
    case QT_REC_ENTRY:
        flush_pending(s, t, false);
        push_frame(t, ev->call->depth, ev->call->func, ev->call->ts_ns);
        qtr_event_copy(&t->pend, ev);
        t->pending = true;
        break;
    case QT_REC_EXIT:
        on_exit_rec(s, t, ev);
        break;
    case QT_REC_SYSCALL:
        flush_pending(s, t, false);
        qtr_event_copy(&t->pend, ev);
        t->pending = true;
        break;
    case QT_REC_SYSRET:
        on_sysret(s, t, ev);
        break;
    case QT_REC_PROC:
        flush_pending(s, t, false);
        put_proc(s, t, ev);
        break;
    case QT_REC_DISK:
    case QT_REC_FILEW:
        flush_pending(s, t, false);
        put_blank(s);
        put_thread(s, ev->vcpu, t->as, t->tid, 0);
        qt_sb_puts(&s->line, "== ");
        if (ev->type == QT_REC_DISK)
            qtc_disk_text(&s->disk, ev, &s->line);
        else
            qtc_filew_text(ev, &s->line);
        emit(s);
        break;
    case QT_REC_VMA:
    case QT_REC_PAGE:
        flush_pending(s, t, false);
        put_vm(s, t, ev);
        break;
    }
    return ferror(s->out) ? -1 : 0;
}

static int text_begin(struct qtc_wctx *w)
{
    struct tstate *s = qtc_xcalloc(1, sizeof(*s));
    s->r = w->trace;
    s->out = w->out;
    s->insn = w->trace->st.has_icount;
    w->state = s;
    char clock[64];
    fprintf(s->out, "#%*s [CPU AS TID] FUNCTION  (%s %s; duration = %s)\n", DUR_WIDTH - 1, "DURATION",
            qtr_arch_name(s->r->hdr.arch), qtr_mode_name(s->r->hdr.mode),
            s->insn ? "guest instructions" : qtr_clock_name(s->r, clock, sizeof(clock)));
    return 0;
}

static int text_end(struct qtc_wctx *w)
{
    struct tstate *s = w->state;
    for (size_t i = 0; i < s->nthr; i++) {
        struct tthr *t = s->thr[i];
        flush_pending(s, t, true);
        /* calls still open: QEMU was killed before it could close them */
        while (t->depth > 0) {
            t->depth--;
            if (!t->st[t->depth].func)
                continue;
            put_blank(s);
            put_thread(s, t->vcpu, t->as, t->tid, (unsigned)t->depth);
            qt_sb_puts(&s->line, "} /* ");
            const struct qtr_sym *y = qtr_sym_at(s->r, t->st[t->depth].func);
            qtw_func_name(s->r, y, t->st[t->depth].func, &s->line);
            qt_sb_puts(&s->line, ": unfinished */");
            emit(s);
        }
    }
    if (s->r->st.lost > s->lost_printed) {
        qt_sb_printf(&s->line, "# lost %" PRIu64 " events", s->r->st.lost - s->lost_printed);
        emit(s);
    }
    write_out(s);
    for (size_t i = 0; i < s->r->nnotes; i++)
        fprintf(s->out, "# note: %s\n", s->r->notes[i]);
    int rc = ferror(s->out) ? -1 : 0;
    for (size_t i = 0; i < s->nthr; i++) {
        free(s->thr[i]->st);
        free(s->thr[i]);
    }
    free(s->thr);
    qtc_map_free(&s->map);
    qtc_disk_pairs_free(&s->disk);
    qtc_map_free(&s->vm_prev);
    qt_sb_free(&s->line);
    free(s);
    w->state = NULL;
    return rc;
}

const struct qtc_writer qtc_writer_text = {
    .name = "text",
    .ext = "txt",
    .help = "one line per call, nested like uftrace replay, with durations, arguments and return values",
    .begin = text_begin,
    .event = text_event,
    .end = text_end,
};
