/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QEMU-TRACER's two output files (seed 000), written by `qtrace compat` and by
 * `qtrace dump -f compat-log|compat-stack`. Every line kind is documented in docs/compat.md.
 *
 * log: every recorded call and return, one line each, with the raw values:
 *   call 0x401d25 add(1=0x2, 2=0x3) depth=1 pid=74 tid=74 comm=calls
 *   ret 0x401d25 add = 0x5 depth=1 pid=74 tid=74 comm=calls
 *   unwind 0x401d90 leap depth=4 pid=74 tid=74 comm=calls
 *   exec "/progs/calls" ["/progs/calls"] comm="calls" pid=74 tid=74 comm=sh
 *
 * stack: the listed functions' calls with their values decoded by type (spec_func_with_param)
 * and, with funcstack:1, the call stack at each call of interest:
 *   stack main@0x401745 > greet@0x401d60 pid=74 tid=74 comm=calls
 *   call 0x401d60 greet(1:string="world") pid=74 tid=74 comm=calls
 *   ret 0x401d60 greet = 0:int=5 pid=74 tid=74 comm=calls
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "argtype.h"
#include "kargtype.h"
#include "cli.h"
#include "fastfmt.h"
#include "qtcompat.h"
#include "util.h"
#include "writer.h"

static const struct qtc_compat_out *compat_out;

void qtc_compat_set_output(const struct qtc_compat_out *o)
{
    compat_out = o;
}

enum ckind { C_LOG, C_STACK };

struct cstk {
    uint64_t *f;                /* function addresses, outermost first; 0 = not recorded */
    size_t depth, cap;
};

/* A thread's two shadow stacks, as the plugin keeps them: its user stack and its kernel stack
 * (each event's depth counts on its own stack). */
struct cthr {
    struct cstk st[2];          /* [0] user, [1] kernel */
};

struct cstate {
    enum ckind kind;
    const struct qtr *r;
    FILE *out;
    struct qt_sb line;
    struct qtc_map threads;     /* (asid, tid) -> struct cthr */
    struct cthr **thr;
    size_t nthr, tcap;
    struct qtc_map comms;       /* (0, tid) -> char[16] */
    bool comm_hit;              /* comm_tid's entry of comms is comm_last (NULL: none) */
    uint32_t comm_tid;
    const char *comm_last;
    char **comm_bufs;
    size_t ncomm, ccap;
    struct qtc_map listed;      /* (func, 0) -> 1 listed, 2 not */
    bool spec, funcstack, all_listed;
    uint64_t kslide;            /* KASLR slide: kernel addresses are shown at link time, as configs.txt has them */
    uint64_t lost_printed;
    unsigned linkmaps;          /* QT_PROC_LINKMAP records seen */
};

static struct cthr *thread_of(struct cstate *s, const struct qt_rec_call *c)
{
    void **slot = qtc_map_slot(&s->threads, c->asid, c->tid, true);
    if (!*slot) {
        *slot = qtc_xcalloc(1, sizeof(struct cthr));
        if (s->nthr == s->tcap) {
            s->tcap = s->tcap ? s->tcap * 2 : 16;
            s->thr = qtc_xrealloc(s->thr, s->tcap * sizeof(*s->thr));
        }
        s->thr[s->nthr++] = *slot;
    }
    return *slot;
}

static void set_comm(struct cstate *s, uint32_t tid, const char *comm, size_t n)
{
    void **slot = qtc_map_slot(&s->comms, 0, tid, true);
    s->comm_hit = false;
    if (!*slot) {
        *slot = qtc_xcalloc(1, 16);
        if (s->ncomm == s->ccap) {
            s->ccap = s->ccap ? s->ccap * 2 : 64;
            s->comm_bufs = qtc_xrealloc(s->comm_bufs, s->ccap * sizeof(*s->comm_bufs));
        }
        s->comm_bufs[s->ncomm++] = *slot;
    }
    char *b = *slot;
    size_t k = 0;
    for (size_t i = 0; i < n && i < 15 && comm[i]; i++) {
        unsigned char ch = (unsigned char)comm[i];
        b[k++] = ch > 0x20 && ch < 0x7f ? (char)ch : '?'; /* one word: the line stays parseable */
    }
    b[k] = 0;
}

/* " pid=P tid=T comm=C" */
static void put_who(struct cstate *s, const struct qt_rec_call *c)
{
    if (c->pid)
        qtf_label_u64(&s->line, " pid=", c->pid);
    qtf_label_u64(&s->line, " tid=", c->tid);
    if (!s->comm_hit || s->comm_tid != c->tid) {
        s->comm_last = qtc_map_get(&s->comms, 0, c->tid);
        s->comm_tid = c->tid;
        s->comm_hit = true;
    }
    const char *comm = s->comm_last;
    if (comm && comm[0]) {
        qt_sb_puts(&s->line, " comm=");
        qt_sb_puts(&s->line, comm);
    }
}

/* Lines are written in batches of about FLUSH_AT bytes. */
#define FLUSH_AT 65536

static void write_out(struct cstate *s)
{
    if (s->line.len)
        fwrite(s->line.buf, 1, s->line.len, s->out);
    qt_sb_reset(&s->line);
}

static void emit(struct cstate *s)
{
    qt_sb_putc(&s->line, '\n');
    if (s->line.len >= FLUSH_AT)
        write_out(s);
}

/* The symbol of func: y when the caller has it (an event's), else looked up. */
static const struct qtr_sym *sym_of(const struct cstate *s, const struct qtr_sym *y, uint64_t func)
{
    return y ? y : qtr_sym_at(s->r, func);
}

static void put_name(struct cstate *s, const struct qtr_sym *y, uint64_t func)
{
    qtw_func_name(s->r, sym_of(s, y, func), func, &s->line);
}

static bool is_kernel(const struct cstate *s, const struct qtr_sym *y, uint64_t func)
{
    y = sym_of(s, y, func);
    if (y)
        return (y->flags & QT_SYM_KERNEL) != 0;
    const struct qt_arch_desc *a = qt_arch_by_id((enum qt_arch)s->r->hdr.arch);
    return a ? qt_arch_kernel_addr(a, func) : (func >> 63) != 0;
}

/* The address as configs.txt, nm -n vmlinux and System.map write it. */
static uint64_t shown_addr(const struct cstate *s, const struct qtr_sym *y, uint64_t func)
{
    return is_kernel(s, y, func) ? func - s->kslide : func;
}

/* The configs.txt spelling of an argument's type, else qtrace's. */
static const char *type_name(const struct qt_arg *a)
{
    const char *n = qt_compat_type_name_for(a->type, a->bits);
    if (n)
        return n;
    const struct qt_argtype *t;
    for (size_t i = 0; (t = qt_argtype_at(i)) != NULL; i++)
        if (t->id == a->type && (t->bits == a->bits || t->decode))
            return t->name;
    return "?";
}

static void put_arg(struct cstate *s, const struct qtr_arg *a)
{
    if (s->kind == C_STACK)
        qt_sb_printf(&s->line, "%u:%s=", a->a->pos, type_name(a->a));
    else if (a->a->pos)
        qt_sb_printf(&s->line, "%u=", a->a->pos);
    qtw_arg_value(a, &s->line);
}

static bool is_listed(struct cstate *s, uint64_t func)
{
    if (s->all_listed)
        return true;
    void **slot = qtc_map_slot(&s->listed, func, 0, true);
    if (!*slot) {
        bool yes = false;
        const struct qtr_sym *y = qtr_sym_at(s->r, func);
        const char *name = y && y->addr == func ? y->name : NULL;
        for (const char *const *l = compat_out ? compat_out->listed : NULL; name && l && *l && !yes; l++)
            yes = strcmp(*l, name) == 0;
        if (!name && compat_out && compat_out->listed) {
            char hex[24]; /* a function known only by its address (a stripped program) */
            snprintf(hex, sizeof(hex), "0x%" PRIx64, func);
            for (const char *const *l = compat_out->listed; *l && !yes; l++)
                yes = strcmp(*l, hex) == 0;
        }
        *slot = (void *)(uintptr_t)(yes ? 1 : 2);
    }
    return (uintptr_t)*slot == 1;
}

/* A stack line shows at most this many frames: the outermost STACK_HEAD and the innermost
 * rest, with "... N frames ..." between (a stack line per call of a 3000-deep recursion would
 * otherwise be quadratic in size). */
#define STACK_MAX 64
#define STACK_HEAD 8

static void put_frame(struct cstate *s, uint64_t f, size_t *n)
{
    if ((*n)++)
        qt_sb_puts(&s->line, " > ");
    if (f) {
        put_name(s, NULL, f);
        qt_sb_printf(&s->line, "@0x%" PRIx64, shown_addr(s, NULL, f));
    } else {
        qt_sb_putc(&s->line, '?'); /* a caller that was not recorded */
    }
}

/* The call stack, outermost first; a kernel function's is the user stack it was called from
 * (a system call) followed by the kernel's. */
static void put_stack(struct cstate *s, const struct cthr *t, bool kernel, const struct qt_rec_call *c)
{
    const struct cstk *u = kernel ? &t->st[0] : NULL, *k = &t->st[kernel];
    size_t nu = u ? u->depth : 0, total = nu + k->depth, n = 0;
    qt_sb_puts(&s->line, "stack ");
    for (size_t i = 0; i < total; i++) {
        if (total > STACK_MAX && i == STACK_HEAD) {
            size_t skip = total - STACK_MAX;
            qt_sb_printf(&s->line, " > ... %zu frames ...", skip);
            i += skip - 1;
            continue;
        }
        put_frame(s, i < nu ? u->f[i] : k->f[i - nu], &n);
    }
    put_who(s, c);
    emit(s);
}

static void on_entry(struct cstate *s, const struct qtr_event *ev)
{
    const struct qt_rec_call *c = ev->call;
    struct cthr *t = thread_of(s, c);
    bool kernel = is_kernel(s, ev->sym, c->func);
    struct cstk *k = &t->st[kernel];
    size_t d = c->depth;
    if (d + 1 > k->cap) {
        k->cap = (d + 1) * 2;
        k->f = qtc_xrealloc(k->f, k->cap * sizeof(*k->f));
    }
    for (size_t i = k->depth; i < d; i++)
        k->f[i] = 0;
    k->f[d] = c->func;
    k->depth = d + 1;
    if (s->kind == C_STACK) {
        bool listed = is_listed(s, c->func);
        if (s->funcstack && (listed || !s->spec))
            put_stack(s, t, kernel, c);
        if (!listed || !s->spec)
            return;
    }
    qt_sb_puts(&s->line, "call 0x");
    qtf_hex(&s->line, shown_addr(s, ev->sym, c->func));
    qt_sb_putc(&s->line, ' ');
    put_name(s, ev->sym, c->func);
    qt_sb_putc(&s->line, '(');
    int shown = 0;
    for (int i = 0; i < ev->nargs; i++) {
        if (ev->args[i].a->pos == 0)
            continue;
        if (shown++)
            qt_sb_puts(&s->line, ", ");
        put_arg(s, &ev->args[i]);
    }
    qt_sb_putc(&s->line, ')');
    if (s->kind == C_LOG)
        qtf_label_u64(&s->line, " depth=", c->depth);
    put_who(s, c);
    emit(s);
}

static void on_exit_ev(struct cstate *s, const struct qtr_event *ev)
{
    const struct qt_rec_call *c = ev->call;
    struct cthr *t = thread_of(s, c);
    struct cstk *k = &t->st[is_kernel(s, ev->sym, c->func)];
    if (k->depth > c->depth)
        k->depth = c->depth;
    if (s->kind == C_STACK && (!s->spec || !is_listed(s, c->func)))
        return;
    const char *what = c->flags & QT_CALL_UNWOUND ? "unwind" : c->flags & QT_CALL_UNFINISHED ? "unfinished" : "ret";
    qt_sb_puts(&s->line, what);
    qt_sb_puts(&s->line, " 0x");
    qtf_hex(&s->line, shown_addr(s, ev->sym, c->func));
    qt_sb_putc(&s->line, ' ');
    put_name(s, ev->sym, c->func);
    const struct qtr_arg *rv = qtw_retval(ev);
    if (rv) {
        qt_sb_puts(&s->line, " = ");
        put_arg(s, rv);
    }
    if (s->kind == C_LOG)
        qtf_label_u64(&s->line, " depth=", c->depth);
    put_who(s, c);
    emit(s);
}

/* Kernel process and module events: fork (the new task's comm is remembered), exec (the new
 * comm), exit, module (QEMU-TRACER printed module loads in the stack file too). */
static void on_proc(struct cstate *s, const struct qtr_event *ev)
{
    static const char *const kinds[] = { "event", "fork", "exec", "exit", "module", "thread", "cred", "run", "vcpu", "panic", "map", "linkmap" };
    const struct qt_rec_call *c = ev->call;
    uint64_t k = c->func;
    /* the line is written with the comm the task had when it did this */
    if (s->kind == C_LOG || k == QT_PROC_MODULE) {
        qt_sb_puts(&s->line, kinds[k < sizeof(kinds) / sizeof(kinds[0]) ? k : 0]);
        for (int i = 0; i < ev->nargs; i++) {
            qt_sb_puts(&s->line, k == QT_PROC_EXEC && ev->args[i].a->pos == 3 ? " comm=" : " ");
            qtw_arg_value(&ev->args[i], &s->line);
        }
        put_who(s, c);
        emit(s);
    }
    for (int i = 0; i < ev->nargs; i++) {
        const struct qtr_arg *a = &ev->args[i];
        if ((k == QT_PROC_FORK || k == QT_PROC_THREAD) && a->a->type == QT_T_TASK &&
            a->a->len >= sizeof(struct qt_kd_task)) {
            struct qt_kd_task kt;
            memcpy(&kt, a->data, sizeof(kt));
            if ((kt.have & QT_KD_IDS) && (kt.have & QT_KD_COMM))
                set_comm(s, kt.pid, kt.comm, sizeof(kt.comm));
        } else if (k == QT_PROC_EXEC && a->a->pos == 3 && a->a->type == QT_T_STR) {
            set_comm(s, c->tid, (const char *)a->data, a->a->len);
        }
    }
}

/* The guest's link map: "linkmap 0xL_ADDR "NAME"" per object, then how the walk ended. */
static void on_linkmap(struct cstate *s, const struct qtr_event *ev)
{
    bool stopped = false;
    struct qt_sb t;
    qt_sb_init(&t);
    bool entry = qtw_linkmap_line(ev, &t, &stopped);
    s->linkmaps++;
    qt_sb_puts(&s->line, entry || stopped ? "linkmap " : "# linkmap: "); /* a list that ended: a comment */
    qt_sb_puts(&s->line, t.buf ? t.buf : "");
    qt_sb_free(&t);
    put_who(s, ev->call);
    emit(s);
}

static int compat_event(struct qtc_wctx *w, const struct qtr_event *ev)
{
    struct cstate *s = w->state;
    switch (ev->type) {
    case QT_REC_LOST:
        qt_sb_printf(&s->line, "lost %" PRIu64 " events", ev->lost);
        emit(s);
        s->lost_printed += ev->lost;
        break;
    case QT_REC_THREAD:
        if (ev->thread && ev->thread->comm[0])
            set_comm(s, ev->thread->tid, ev->thread->comm, sizeof(ev->thread->comm));
        break;
    case QT_REC_ENTRY:
        on_entry(s, ev);
        break;
    case QT_REC_EXIT:
        on_exit_ev(s, ev);
        break;
    case QT_REC_SYSCALL:
    case QT_REC_SYSRET:
        if (s->kind == C_LOG) {
            const char *n = qtw_syscall_name(s->r, ev->call->func);
            qt_sb_puts(&s->line, ev->type == QT_REC_SYSCALL ? "syscall " : "sysret ");
            if (n)
                qt_sb_puts(&s->line, n);
            else
                qt_sb_printf(&s->line, "%" PRIu64, ev->call->func);
            if (ev->type == QT_REC_SYSRET) {
                qt_sb_puts(&s->line, " = ");
                qtw_syscall_ret(n, qtw_retval(ev), &s->line);
            }
            put_who(s, ev->call);
            emit(s);
        }
        break;
    case QT_REC_PROC:
        if (ev->call->func == QT_PROC_LINKMAP && s->kind == C_STACK)
            on_linkmap(s, ev);
        else if (!qtw_proc_accounting(ev->call->func))
            on_proc(s, ev);
        break;
    }
    return ferror(s->out) ? -1 : 0;
}

static int compat_begin(struct qtc_wctx *w, enum ckind kind)
{
    struct cstate *s = qtc_xcalloc(1, sizeof(*s));
    s->kind = kind;
    s->r = w->trace;
    s->out = w->out;
    qt_sb_init(&s->line);
    const struct qtc_compat_out *o = compat_out;
    s->spec = o ? o->spec : true;
    s->funcstack = o ? o->funcstack : false;
    s->all_listed = !o;
    for (size_t i = 0; i < s->r->nmaps; i++)
        if (s->r->maps[i].flags & QT_SYM_KERNEL)
            s->kslide = s->r->maps[i].addr;
    w->state = s;
    fprintf(s->out, "# qtrace compat %s: ", kind == C_LOG ? "log" : "stack");
    if (o)
        fprintf(s->out, "%s program=%s trace_type=%s funcstack=%d; ", o->config ? o->config : "configs.txt",
                o->program ? o->program : "?", o->mode ? o->mode : "?", o->funcstack);
    fprintf(s->out, "%s %s", qtr_arch_name(s->r->hdr.arch), qtr_mode_name(s->r->hdr.mode));
    if (s->kslide)
        fprintf(s->out, "; kernel addresses at link time (KASLR slide 0x%" PRIx64 ")", s->kslide);
    fputc('\n', s->out);
    if (kind == C_STACK && o && o->linkmap)
        fprintf(s->out, "# linkmap:%" PRIx64 ": the guest's link map (l_addr and l_name of each object, in list order), "
                "read at the program's first call\n", o->linkmap);
    return 0;
}

static int log_begin(struct qtc_wctx *w)
{
    return compat_begin(w, C_LOG);
}

static int stack_begin(struct qtc_wctx *w)
{
    return compat_begin(w, C_STACK);
}

static int compat_end(struct qtc_wctx *w)
{
    struct cstate *s = w->state;
    if (s->r->st.lost > s->lost_printed) {
        qt_sb_printf(&s->line, "lost %" PRIu64 " events", s->r->st.lost - s->lost_printed);
        emit(s);
    }
    write_out(s);
    if (s->kind == C_STACK && compat_out && compat_out->linkmap && !s->linkmaps)
        fprintf(s->out, "# linkmap:%" PRIx64 ": not read: no process made a recorded call of a program function "
                "(the walk runs at the first one)\n", compat_out->linkmap);
    for (size_t i = 0; i < s->r->nnotes; i++)
        fprintf(s->out, "# note: %s\n", s->r->notes[i]);
    int rc = ferror(s->out) ? -1 : 0;
    for (size_t i = 0; i < s->nthr; i++) {
        free(s->thr[i]->st[0].f);
        free(s->thr[i]->st[1].f);
        free(s->thr[i]);
    }
    free(s->thr);
    for (size_t i = 0; i < s->ncomm; i++)
        free(s->comm_bufs[i]);
    free(s->comm_bufs);
    qtc_map_free(&s->threads);
    qtc_map_free(&s->comms);
    qtc_map_free(&s->listed);
    qt_sb_free(&s->line);
    free(s);
    w->state = NULL;
    return rc;
}

const struct qtc_writer qtc_writer_compat_log = {
    .name = "compat-log",
    .ext = "log",
    .help = "QEMU-TRACER's log file: every call and return, one line each, raw values (docs/compat.md)",
    .begin = log_begin,
    .event = compat_event,
    .end = compat_end,
};

const struct qtc_writer qtc_writer_compat_stack = {
    .name = "compat-stack",
    .ext = "stack",
    .help = "QEMU-TRACER's stack file: decoded calls of the listed functions, call stacks (docs/compat.md)",
    .begin = stack_begin,
    .event = compat_event,
    .end = compat_end,
};
