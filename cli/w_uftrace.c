/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * uftrace.data: a directory in uftrace's own record format (file version 4), so that
 * `uftrace replay`, `report`, `graph`, `tui`, `dump --chrome` and the rest read a qtrace trace
 * as they read their own recordings. docs/uftrace.md describes the mapping; in short:
 *
 *   info                 "Ftrace!" header (40 bytes) and text sections: exename, cmdline,
 *                        cpuinfo, taskinfo (the tasks uftrace reads), argspec (when -A/-R
 *                        values are given), record_date, pattern_type
 *   task.txt             one SESS line (the traced program), one TASK line per thread
 *   sid-<id>.map         the modules, like /proc/PID/maps (one r-xp line each)
 *   <module>.sym         the functions of each module, nm style, relative to the module's
 *                        start in the map (feature SYM_REL_ADDR)
 *   <tid>.dat            per thread: 16-byte records {u64 time; u64 type:2, more:1, magic:3,
 *                        depth:10, addr:48}, each followed by its argument buffer when `more`
 *
 * Times are the host's (CLOCK_REALTIME at the trace's start + the event's ns since then).
 * Entries and exits are written as they come, per thread; the records stay well-formed even
 * when the trace is not: frames left without an exit (a later entry at a smaller depth, or the
 * end of the trace) are closed at that point, and an exit whose entry was not seen is left out.
 * Arguments and return values of -A/-R become uftrace arguments: integers, characters and
 * strings as they are, other kinds as their text rendering in a string. Kernel functions (system
 * mode) nest under the user frame open in their thread and are moved into the user range, as a
 * module of their own, so that uftrace names them. System calls, lost-event counts and process
 * events have no uftrace counterpart here and are left out.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"
#include "writer.h"

#define UFT_MAX_DEPTH 1024u      /* the records' depth field has 10 bits */
#define UFT_ADDR_MASK UINT64_C(0xffffffffffff)
#define UFT_MAGIC 5u             /* RECORD_MAGIC of file version 4 */
#define UFT_ENTRY 0u
#define UFT_EXIT 1u
#define UFT_STR_MAX 255          /* longest string argument written */
#define UFT_FLUSH (1u << 20)     /* a thread's records are appended to its file by this much */
#define UFT_PAGE UINT64_C(0x1000)

/* feature and info bits of the header (uftrace.h) */
#define UFT_FEAT_TASK_SESSION (1u << 1)
#define UFT_FEAT_ARGUMENT (1u << 3)
#define UFT_FEAT_RETVAL (1u << 4)
#define UFT_FEAT_SYM_REL_ADDR (1u << 5)
#define UFT_FEAT_MAX_STACK (1u << 6)
#define UFT_INFO_EXE_NAME (1u << 0)
#define UFT_INFO_CMDLINE (1u << 3)
#define UFT_INFO_CPUINFO (1u << 4)
#define UFT_INFO_TASKINFO (1u << 7)
#define UFT_INFO_ARG_SPEC (1u << 10)
#define UFT_INFO_RECORD_DATE (1u << 11)
#define UFT_INFO_PATTERN_TYPE (1u << 12)

/* One argument as uftrace is told about it: "argN/FMT" or "retval/FMT". */
struct uitem {
    uint8_t pos;
    char fmt;                   /* i u x c s */
    uint8_t size;               /* bytes, integers */
};

/* The arguments of the functions of one name (uftrace's argspec matches names). */
struct uspec {
    char *name;
    struct uitem arg[QTR_MAX_ARGS];
    int narg;
    bool args_set;              /* decided by the first entry with arguments */
    struct uitem ret;
    bool ret_set;
};

/* A function entered at least once. */
struct ufunc {
    uint64_t addr;
    uint64_t raddr;             /* its address in the records (kernel functions: moved) */
    char *name;
    struct uspec *spec;         /* NULL until an event of it carries values */
    bool no_spec;               /* its name cannot be given to uftrace as a pattern */
    bool kernel;                /* a kernel function: its depth counts from the open user frames */
    bool skip;                  /* cannot be written (a kernel function outside the window) */
};

struct uthr {
    uint64_t asid;
    uint32_t tid, utid;         /* qtrace's thread id; the one in uftrace (unique) */
    uint64_t first_ns, last_ns;
    bool written;               /* a record was written */
    bool file;                  /* its file exists */
    struct ufunc **st;          /* function of each open depth, NULL if its entry was not written */
    size_t depth, cap;
    size_t udepth;              /* user frames at the bottom of st; kernel frames above them */
    struct qt_sb buf;           /* records not yet appended to the file */
};

struct umod {
    const char *path;           /* as recorded (NULL: the synthetic module of unplaced symbols) */
    uint64_t bias;
    char *name;                 /* path in the map, whitespace replaced, made unique by basename */
    uint64_t start, end;
    size_t first, n;            /* its symbols in the sorted table */
};

struct usym {
    uint64_t addr, size;
    const char *name;
};

struct ustate {
    const struct qtr *r;
    const char *dir;
    char *msg;
    size_t msglen;
    struct qtc_map threads;     /* (asid, tid) -> uthr */
    struct uthr **thr;
    size_t nthr, tcap;
    struct qtc_map utids;       /* utid -> 1 */
    struct qtc_map funcs;       /* (addr, 0) -> ufunc */
    struct ufunc **fn;
    size_t nfn, fcap;
    struct uspec **specs;
    size_t nspecs, scap;
    uint64_t kmin, kend, kbase; /* kernel functions [kmin, kend) are written at kbase + (addr - kmin) */
    const char *kname;          /* the kernel's module */
    uint32_t pid;               /* the first non-zero pid of a call record */
    uint32_t next_synth;        /* synthetic thread ids, when one is taken */
    bool failed;
};

/* ---- small helpers ------------------------------------------------------------------------ */

static int fail(struct ustate *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct ustate *s, const char *fmt, ...)
{
    if (!s->failed) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(s->msg, s->msglen, fmt, ap);
        va_end(ap);
    }
    s->failed = true;
    return -1;
}

static char *path_in(const struct ustate *s, const char *name)
{
    size_t n = strlen(s->dir) + strlen(name) + 2;
    char *p = qtc_xmalloc(n);
    snprintf(p, n, "%s/%s", s->dir, name);
    return p;
}

/* Write (or append to) the file name of the directory. */
static int write_file(struct ustate *s, const char *name, const void *data, size_t len, bool append)
{
    char *p = path_in(s, name);
    FILE *f = fopen(p, append ? "ab" : "wb");
    int rc = 0;
    if (!f) {
        rc = fail(s, "cannot create %s: %s", p, strerror(errno));
    } else {
        if (len && fwrite(data, 1, len, f) != len)
            rc = fail(s, "writing %s: %s", p, strerror(errno ? errno : EIO));
        if (fclose(f) != 0 && rc == 0)
            rc = fail(s, "writing %s: %s", p, strerror(errno ? errno : EIO));
    }
    free(p);
    return rc;
}

static void put_le(struct qt_sb *b, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        qt_sb_putc(b, (char)(v >> (8 * i) & 0xff));
}

static void pad_to(struct qt_sb *b, size_t from, unsigned align)
{
    while ((b->len - from) % align)
        qt_sb_putc(b, '\0');
}

/* Names uftrace's argspec can carry: no pattern characters, no separators. */
static bool spec_name_ok(const char *n)
{
    if (!*n || strncmp(n, "_Z", 2) == 0) /* uftrace matches demangled names */
        return false;
    for (const char *p = n; *p; p++)
        if (!(*p == '_' || *p == '.' || *p == '$' || (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
              (*p >= 'A' && *p <= 'Z')))
            return false;
    return true;
}

/* ---- threads, functions, specs --------------------------------------------------------------- */

static struct uthr *thread_of(struct ustate *s, const struct qt_rec_call *c)
{
    void **slot = qtc_map_slot(&s->threads, c->asid, c->tid, true);
    if (*slot)
        return *slot;
    struct uthr *t = qtc_xcalloc(1, sizeof(*t));
    t->asid = c->asid;
    t->tid = c->tid;
    /* uftrace names a thread's file by its id: two threads (of two address spaces) with one id
     * get distinct ids, as do ids that do not fit an int */
    uint32_t u = c->tid;
    if (u > 0x7fffffffu || qtc_map_get(&s->utids, u, 0)) {
        do
            u = 0x40000000u + s->next_synth++;
        while (qtc_map_get(&s->utids, u, 0));
    }
    *qtc_map_slot(&s->utids, u, 0, true) = (void *)1;
    t->utid = u;
    qt_sb_init(&t->buf);
    *slot = t;
    if (s->nthr == s->tcap) {
        s->tcap = s->tcap ? s->tcap * 2 : 16;
        s->thr = qtc_xrealloc(s->thr, s->tcap * sizeof(*s->thr));
    }
    s->thr[s->nthr++] = t;
    return t;
}

static struct ufunc *func_of(struct ustate *s, uint64_t addr, const struct qtr_sym *sym)
{
    void **slot = qtc_map_slot(&s->funcs, addr, 0, true);
    if (*slot)
        return *slot;
    struct ufunc *f = qtc_xcalloc(1, sizeof(*f));
    f->addr = addr;
    struct qt_sb n;
    qt_sb_init(&n);
    qtw_func_name(s->r, sym ? sym : qtr_sym_at(s->r, addr), addr, &n);
    f->name = n.buf ? n.buf : qtc_xstrdup("");
    const struct qtr_sym *y = sym ? sym : qtr_sym_at(s->r, addr);
    f->kernel = addr > UFT_ADDR_MASK || (y && (y->flags & QT_SYM_KERNEL));
    if (!f->kernel)
        f->raddr = addr;
    else if (addr >= s->kmin && addr < s->kend)
        f->raddr = s->kbase + (addr - s->kmin);
    else
        f->skip = true;
    /* uftrace finds a function's argument spec through its symbol */
    f->no_spec = !spec_name_ok(f->name) || f->skip;
    *slot = f;
    if (s->nfn == s->fcap) {
        s->fcap = s->fcap ? s->fcap * 2 : 64;
        s->fn = qtc_xrealloc(s->fn, s->fcap * sizeof(*s->fn));
    }
    s->fn[s->nfn++] = f;
    return f;
}

static struct uspec *spec_of(struct ustate *s, struct ufunc *f)
{
    if (f->spec || f->no_spec)
        return f->spec;
    for (size_t i = 0; i < s->nspecs; i++)
        if (strcmp(s->specs[i]->name, f->name) == 0)
            return f->spec = s->specs[i];
    struct uspec *u = qtc_xcalloc(1, sizeof(*u));
    u->name = qtc_xstrdup(f->name);
    if (s->nspecs == s->scap) {
        s->scap = s->scap ? s->scap * 2 : 16;
        s->specs = qtc_xrealloc(s->specs, s->scap * sizeof(*s->specs));
    }
    s->specs[s->nspecs++] = u;
    return f->spec = u;
}

/* How uftrace is told about a value of this kind. */
static struct uitem item_of(const struct qt_arg *a)
{
    struct uitem it = { a->pos, 's', 0 };
    unsigned bytes = a->bits == 8 || a->bits == 16 || a->bits == 32 || a->bits == 64 ? a->bits / 8u : 8u;
    switch (a->type) {
    case QT_T_INT:
    case QT_T_BOOL:
        it.fmt = 'i';
        it.size = (uint8_t)bytes;
        break;
    case QT_T_UINT:
        it.fmt = 'u';
        it.size = (uint8_t)bytes;
        break;
    case QT_T_HEX:
    case QT_T_PTR:
        it.fmt = 'x';
        it.size = (uint8_t)bytes;
        break;
    case QT_T_CHAR:
        it.fmt = 'c';
        it.size = 1;
        break;
    default: /* strings, and kernel objects as their text */
        break;
    }
    return it;
}

static const struct qtr_arg *arg_at(const struct qtr_event *ev, unsigned pos)
{
    for (int i = 0; i < ev->nargs; i++)
        if (ev->args[i].a->pos == pos)
            return &ev->args[i];
    return NULL;
}

/* The arguments of an entry (pos >= 1), in position order, one per position. */
static void set_arg_items(struct uspec *u, const struct qtr_event *ev)
{
    for (unsigned pos = 1; pos < 256 && u->narg < QTR_MAX_ARGS; pos++) {
        const struct qtr_arg *a = arg_at(ev, pos);
        if (a)
            u->arg[u->narg++] = item_of(a->a);
    }
    u->args_set = true;
}

/* One value, as uftrace's argument buffer holds it: integers in their size, a string as a
 * 2-byte length and its bytes (NULL: length 4, 0xffffffff), each padded to 4 bytes. A value
 * the event does not carry is written as 0 or "". */
static void put_value(struct qt_sb *b, const struct uitem *it, const struct qtr_arg *a)
{
    size_t from = b->len;
    if (it->fmt != 's') {
        uint64_t v = a ? a->a->value : 0;
        put_le(b, v, it->size);
        pad_to(b, from, 4);
        return;
    }
    if (a && (a->a->flags & QT_ARG_NULL)) {
        put_le(b, 4, 2);
        put_le(b, UINT64_C(0xffffffff), 4);
        pad_to(b, from, 4);
        return;
    }
    struct qt_sb t;
    qt_sb_init(&t);
    if (a && a->a->type == QT_T_STR && !(a->a->flags & QT_ARG_UNREADABLE)) {
        if (a->data && a->a->len)
            qt_sb_put_cescaped(&t, (const char *)a->data, a->a->len);
        if (a->a->flags & QT_ARG_TRUNCATED)
            qt_sb_puts(&t, "...");
    } else if (a) {
        qtw_arg_value(a, &t);
    }
    size_t n = t.len > UFT_STR_MAX ? UFT_STR_MAX : t.len;
    put_le(b, n, 2);
    if (n)
        qt_sb_putn(b, t.buf, n);
    qt_sb_free(&t);
    pad_to(b, from, 4);
}

/* ---- records ------------------------------------------------------------------------------- */

static int flush_thread(struct ustate *s, struct uthr *t)
{
    if (!t->buf.len)
        return 0;
    char name[32];
    snprintf(name, sizeof(name), "%u.dat", t->utid);
    int rc = write_file(s, name, t->buf.buf, t->buf.len, t->file);
    t->file = true;
    qt_sb_reset(&t->buf);
    return rc;
}

static void put_record(struct uthr *t, uint64_t time, unsigned type, bool more, unsigned depth, uint64_t addr)
{
    uint64_t w = (uint64_t)type | (uint64_t)more << 2 | (uint64_t)UFT_MAGIC << 3 | (uint64_t)(depth & 0x3ff) << 6 |
                 (addr & UFT_ADDR_MASK) << 16;
    put_le(&t->buf, time, 8);
    put_le(&t->buf, w, 8);
    t->written = true;
}

/* Close the frames deeper than depth (their exits were not recorded). */
static void close_to(struct uthr *t, size_t depth, uint64_t time)
{
    while (t->depth > depth) {
        t->depth--;
        if (t->st[t->depth])
            put_record(t, time, UFT_EXIT, false, (unsigned)t->depth, t->st[t->depth]->raddr);
    }
    if (t->udepth > t->depth)
        t->udepth = t->depth;
}

/* Where a call of f at qtrace depth goes in the thread's stack: a kernel function's depth counts
 * from the user frames open (system mode: the kernel runs for them), as uftrace shows kernel
 * functions. */
static size_t depth_of(const struct uthr *t, const struct ufunc *f, unsigned depth)
{
    return f->kernel ? t->udepth + depth : depth;
}

static void on_entry(struct ustate *s, struct uthr *t, const struct qtr_event *ev, uint64_t time)
{
    const struct qt_rec_call *c = ev->call;
    struct ufunc *f = func_of(s, c->func, ev->sym);
    if (!f->kernel)
        close_to(t, t->udepth, time); /* user code runs: the kernel's frames are over */
    size_t d = depth_of(t, f, c->depth);
    close_to(t, d, time);
    if (d >= UFT_MAX_DEPTH)
        return;
    if (d + 1 > t->cap) {
        t->cap = d + 64;
        t->st = qtc_xrealloc(t->st, t->cap * sizeof(*t->st));
    }
    while (t->depth < d)
        t->st[t->depth++] = NULL; /* callers whose entries were not recorded */
    t->st[t->depth++] = f->skip ? NULL : f;
    if (!f->kernel)
        t->udepth = t->depth;
    if (f->skip)
        return;
    struct uspec *u = NULL;
    bool has_args = false;
    for (int i = 0; i < ev->nargs; i++)
        has_args |= ev->args[i].a->pos != 0;
    if (has_args || f->spec)
        u = spec_of(s, f);
    if (u && has_args && !u->args_set)
        set_arg_items(u, ev);
    bool more = u && u->narg > 0;
    put_record(t, time, UFT_ENTRY, more, (unsigned)d, f->raddr);
    if (more) {
        size_t from = t->buf.len;
        for (int i = 0; i < u->narg; i++)
            put_value(&t->buf, &u->arg[i], arg_at(ev, u->arg[i].pos));
        pad_to(&t->buf, from, 8);
    }
}

static void on_exit_rec(struct ustate *s, struct uthr *t, const struct qtr_event *ev, uint64_t time)
{
    const struct qt_rec_call *c = ev->call;
    struct ufunc *f = qtc_map_get(&s->funcs, c->func, 0);
    if (!f)
        return; /* never entered */
    size_t d = depth_of(t, f, c->depth);
    if (d >= t->depth || t->st[d] != f || (!f->kernel && d >= t->udepth))
        return; /* its entry was not written */
    close_to(t, d + 1, time);
    const struct qtr_arg *ret = c->flags == 0 ? qtw_retval(ev) : NULL;
    struct uspec *u = ret || f->spec ? spec_of(s, f) : NULL;
    if (u && ret && !u->ret_set) {
        u->ret = item_of(ret->a);
        u->ret_set = true;
    }
    bool more = u && u->ret_set;
    put_record(t, time, UFT_EXIT, more, (unsigned)d, f->raddr);
    if (more) {
        size_t from = t->buf.len;
        put_value(&t->buf, &u->ret, ret);
        pad_to(&t->buf, from, 8);
    }
    t->depth = d;
    if (t->udepth > d)
        t->udepth = d;
}

static int uftrace_event(struct qtc_wctx *w, const struct qtr_event *ev)
{
    struct ustate *s = w->state;
    const struct qt_rec_call *c = ev->call;
    if (!c || (ev->type != QT_REC_ENTRY && ev->type != QT_REC_EXIT))
        return 0;
    struct uthr *t = thread_of(s, c);
    if (!s->pid && c->pid)
        s->pid = c->pid;
    uint64_t time = s->r->hdr.start_ns + c->ts_ns;
    if (time < t->last_ns)
        time = t->last_ns; /* uftrace reads a thread's records in order */
    if (!t->written && !t->buf.len)
        t->first_ns = time;
    t->last_ns = time;
    if (ev->type == QT_REC_ENTRY)
        on_entry(s, t, ev, time);
    else
        on_exit_rec(s, t, ev, time);
    if (t->buf.len >= UFT_FLUSH)
        return flush_thread(s, t);
    return 0;
}

static bool is_kernel_sym(const struct qtr_sym *y)
{
    return (y->flags & QT_SYM_KERNEL) || y->addr > UFT_ADDR_MASK;
}

/* Kernel functions (system mode) live at the top of the address space: their addresses do not
 * fit a record's 48 bits, and uftrace takes such addresses for the kernel's, which it names only
 * from its own kernel recordings. They are moved, as one module named after the kernel, to a
 * window of the user range above every user function (4 GB aligned, 4 GB above them). */
static void kernel_window(struct ustate *s)
{
    const struct qtr *r = s->r;
    uint64_t umax = 0, kmin = UINT64_MAX, kmax = 0;
    for (size_t i = 0; i < r->nsyms; i++) {
        const struct qtr_sym *y = &r->syms[i];
        uint64_t end = y->addr + (y->size ? y->size : 1);
        if (end < y->addr)
            end = UINT64_MAX;
        if (!is_kernel_sym(y)) {
            umax = end > umax ? end : umax;
        } else {
            kmin = y->addr < kmin ? y->addr : kmin;
            kmax = end > kmax ? end : kmax;
        }
    }
    for (size_t i = 0; i < r->nmaps; i++) {
        const struct qtr_sym *m = &r->maps[i];
        if (!(m->flags & QT_SYM_KERNEL) && m->addr + m->size > umax && m->addr <= UFT_ADDR_MASK)
            umax = m->addr + m->size;
        if ((m->flags & QT_SYM_KERNEL) && !s->kname)
            s->kname = m->name;
    }
    const uint64_t four_gb = UINT64_C(1) << 32, top = UINT64_C(0x800000000000);
    if (!kmax || umax >= top)
        return;
    uint64_t span = ((kmax - kmin) + UFT_PAGE - 1) & ~(UFT_PAGE - 1);
    uint64_t base = ((umax + four_gb - 1) & ~(four_gb - 1)) + four_gb;
    if (span >= top || base >= top - span)
        return; /* no room: kernel functions are left out */
    s->kmin = kmin;
    s->kend = kmin + span;
    s->kbase = base;
    if (!s->kname)
        s->kname = "vmlinux";
}

static int uftrace_begin(struct qtc_wctx *w)
{
    if (!w->dir)
        return -1;
    struct ustate *s = qtc_xcalloc(1, sizeof(*s));
    s->r = w->trace;
    s->dir = w->dir;
    s->msg = w->msg;
    s->msglen = sizeof(w->msg);
    kernel_window(s);
    w->state = s;
    return 0;
}

/* ---- the files written at the end ----------------------------------------------------------- */

static int cmp_usym(const void *a, const void *b)
{
    const struct usym *x = a, *y = b;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int cmp_mod(const void *a, const void *b)
{
    const struct umod *x = a, *y = b;
    if (!x->path != !y->path)
        return x->path ? 1 : -1; /* the synthetic module first (it holds the lowest symbols) */
    return x->bias < y->bias ? -1 : x->bias > y->bias;
}

static int cmp_thr(const void *a, const void *b)
{
    const struct uthr *x = *(struct uthr *const *)a, *y = *(struct uthr *const *)b;
    if (x->first_ns != y->first_ns)
        return x->first_ns < y->first_ns ? -1 : 1;
    return x->utid < y->utid ? -1 : x->utid > y->utid;
}

/* "name" with whitespace replaced (uftrace splits map lines at blanks). */
static char *map_name(const char *p)
{
    char *n = qtc_xstrdup(p && *p ? p : "unknown");
    for (char *c = n; *c; c++)
        if (*c == ' ' || *c == '\t')
            *c = '_';
    if (n[0] == '[')
        n[0] = '_'; /* "[...]" lines are special mappings to uftrace */
    return n;
}

static const char *base_of(const char *p)
{
    const char *b = strrchr(p, '/');
    return b ? b + 1 : p;
}

/* The program: the first module recorded (the plugin records it before its libraries). */
static const char *exe_path(const struct qtr *r)
{
    for (size_t i = 0; i < r->nmaps; i++)
        if (!(r->maps[i].flags & QT_SYM_KERNEL))
            return r->maps[i].name;
    return NULL;
}

/* Every function symbol of the trace, and the functions entered that have no symbol of their
 * own (named "sym+0x10" or "0x401000" as qtrace names them), sorted, addresses uftrace can
 * hold. */
static struct usym *collect_syms(const struct ustate *s, size_t *count)
{
    const struct qtr *r = s->r;
    struct usym *v = qtc_xcalloc(r->nsyms + s->nfn + 1, sizeof(*v));
    size_t n = 0;
    for (size_t i = 0; i < r->nsyms; i++) {
        const struct qtr_sym *y = &r->syms[i];
        if (!is_kernel_sym(y))
            v[n++] = (struct usym){ y->addr, y->size, y->name };
        else if (y->addr >= s->kmin && y->addr < s->kend)
            v[n++] = (struct usym){ s->kbase + (y->addr - s->kmin), y->size, y->name };
    }
    for (size_t i = 0; i < s->nfn; i++) {
        const struct ufunc *f = s->fn[i];
        const struct qtr_sym *y = qtr_sym_at(r, f->addr);
        if (!f->skip && !(y && y->addr == f->addr))
            v[n++] = (struct usym){ f->raddr, 1, f->name };
    }
    qsort(v, n, sizeof(*v), cmp_usym);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) /* one per address: the symbol's own name first */
        if (!m || v[m - 1].addr != v[i].addr)
            v[m++] = v[i];
    *count = m;
    return v;
}

/* Modules with their symbols: each symbol goes to the module with the largest load bias at or
 * below it (modules do not overlap); symbols below every module go to a synthetic one. */
static struct umod *place_syms(const struct ustate *s, const struct usym *v, size_t nv, size_t *count)
{
    const struct qtr *r = s->r;
    struct umod *m = qtc_xcalloc(r->nmaps + 2, sizeof(*m));
    size_t n = 0;
    m[n++] = (struct umod){ NULL, 0, NULL, 0, 0, 0, 0 };
    for (size_t i = 0; i < r->nmaps; i++)
        if (!(r->maps[i].flags & QT_SYM_KERNEL))
            m[n++] = (struct umod){ r->maps[i].name, r->maps[i].addr, NULL, 0, 0, 0, 0 };
    bool user_mods = n > 1;
    if (s->kbase)
        m[n++] = (struct umod){ s->kname, s->kbase, NULL, 0, 0, 0, 0 };
    qsort(m, n, sizeof(*m), cmp_mod);
    /* of modules with one bias, the last one gets the symbols: they cannot be told apart */
    size_t k = 0; /* current module: the last with bias <= address (0: synthetic) */
    for (size_t i = 0; i < nv; i++) {
        while (k + 1 < n && m[k + 1].bias <= v[i].addr)
            k++;
        if (!m[k].n)
            m[k].first = i;
        m[k].n++;
    }
    size_t out = 0;
    for (size_t i = 0; i < n; i++) {
        if (!m[i].n)
            continue;
        struct umod *u = &m[out++];
        *u = m[i];
        if (!u->path) /* no module at all: the program; else functions outside every module */
            u->path = user_mods ? "qtrace-unknown" : "qtrace-guest";
        const struct usym *lo = &v[u->first], *hi = &v[u->first + u->n - 1];
        u->start = u->bias && u->bias <= lo->addr ? u->bias : lo->addr & ~(UFT_PAGE - 1);
        uint64_t end = hi->addr + (hi->size ? hi->size : 1);
        u->end = (end + UFT_PAGE - 1) & ~(UFT_PAGE - 1);
    }
    for (size_t i = 0; i + 1 < out; i++) /* no overlap with the next module */
        if (m[i].end > m[i + 1].start)
            m[i].end = m[i + 1].start;
    /* names in the map: unique basenames, as uftrace finds NAME.sym by the basename */
    for (size_t i = 0; i < out; i++) {
        char *name = map_name(m[i].path);
        for (unsigned dup = 2;; dup++) {
            bool clash = false;
            for (size_t j = 0; j < i && !clash; j++)
                clash = strcmp(base_of(m[j].name), base_of(name)) == 0;
            if (!clash)
                break;
            char *p = map_name(m[i].path);
            size_t l = strlen(p) + 16;
            free(name);
            name = qtc_xmalloc(l);
            snprintf(name, l, "%s#%u", p, dup);
            free(p);
        }
        m[i].name = name;
    }
    *count = out;
    return m;
}

static void put_time(struct qt_sb *b, uint64_t ns)
{
    qt_sb_printf(b, "%" PRIu64 ".%09" PRIu64, ns / 1000000000u, ns % 1000000000u);
}

/* Text of one argspec line: "NAME@arg1/i32,arg2/s;..." (retval: "NAME@retval/i32;"). */
static bool put_specs(const struct ustate *s, struct qt_sb *b, bool ret)
{
    bool any = false;
    for (size_t i = 0; i < s->nspecs; i++) {
        const struct uspec *u = s->specs[i];
        if (ret ? !u->ret_set : !u->narg)
            continue;
        qt_sb_printf(b, "%s@", u->name);
        int n = ret ? 1 : u->narg;
        for (int k = 0; k < n; k++) {
            const struct uitem *it = ret ? &u->ret : &u->arg[k];
            if (ret)
                qt_sb_puts(b, "retval");
            else
                qt_sb_printf(b, "%sarg%u", k ? "," : "", it->pos);
            if (it->fmt == 'c' || it->fmt == 's')
                qt_sb_printf(b, "/%c", it->fmt);
            else
                qt_sb_printf(b, "/%c%u", it->fmt, it->size * 8u);
        }
        qt_sb_putc(b, ';');
        any = true;
    }
    return any;
}

static int write_info(struct ustate *s, const char *exe, struct uthr **tasks, size_t ntasks, uint64_t last_ns)
{
    struct qt_sb args, rets, b;
    qt_sb_init(&args);
    qt_sb_init(&rets);
    qt_sb_init(&b);
    bool has_args = put_specs(s, &args, false), has_rets = put_specs(s, &rets, true);
    uint64_t feat = UFT_FEAT_TASK_SESSION | UFT_FEAT_SYM_REL_ADDR | UFT_FEAT_MAX_STACK;
    if (has_args)
        feat |= UFT_FEAT_ARGUMENT;
    if (has_rets)
        feat |= UFT_FEAT_RETVAL;
    uint64_t info = UFT_INFO_EXE_NAME | UFT_INFO_CMDLINE | UFT_INFO_CPUINFO | UFT_INFO_TASKINFO | UFT_INFO_RECORD_DATE |
                    UFT_INFO_PATTERN_TYPE;
    if (has_args || has_rets)
        info |= UFT_INFO_ARG_SPEC;
    uint32_t arch = s->r->hdr.arch;
    /* header: magic, version, header size, endian (1: little), class (2: 64-bit), feature
     * and info masks, max stack, reserved */
    qt_sb_putn(&b, "Ftrace!", 8);
    put_le(&b, 4, 4);
    put_le(&b, 40, 2);
    put_le(&b, 1, 1);
    put_le(&b, arch == QT_ARCH_I386 ? 1 : 2, 1);
    put_le(&b, feat, 8);
    put_le(&b, info, 8);
    put_le(&b, UFT_MAX_DEPTH, 2);
    put_le(&b, 0, 6);
    /* the sections, in the order of uftrace's info bits */
    qt_sb_printf(&b, "exename:%s\n", exe);
    /* the guest's command line is not in the trace: the program's name (uftrace writes this
     * section into JSON as it is, and its chrome output is not valid JSON without it) */
    qt_sb_puts(&b, "cmdline:");
    for (const char *p = exe; *p; p++)
        qt_sb_putc(&b, *p == '"' || *p == '\\' ? '_' : *p);
    qt_sb_putc(&b, '\n');
    /* uftrace guesses the architecture from the description: "ARM64" for aarch64 */
    qt_sb_printf(&b, "cpuinfo:lines=2\ncpuinfo:nr_cpus=1 / 1 (online/possible)\ncpuinfo:desc=%s\n",
                 arch == QT_ARCH_AARCH64 ? "ARM64 (qtrace guest)" : arch == QT_ARCH_I386 ? "i386 (qtrace guest)"
                                                                                          : "x86_64 (qtrace guest)");
    qt_sb_printf(&b, "taskinfo:lines=2\ntaskinfo:nr_tid=%zu\ntaskinfo:tids=", ntasks);
    for (size_t i = 0; i < ntasks; i++)
        qt_sb_printf(&b, "%s%u", i ? "," : "", tasks[i]->utid);
    qt_sb_putc(&b, '\n');
    if (has_args || has_rets) {
        qt_sb_printf(&b, "argspec:lines=%d\n", (int)has_args + (int)has_rets);
        if (has_args)
            qt_sb_printf(&b, "argspec:%s\n", args.buf);
        if (has_rets)
            qt_sb_printf(&b, "retspec:%s\n", rets.buf);
    }
    time_t start = (time_t)(s->r->hdr.start_ns / 1000000000u);
    struct tm tm;
    char date[64] = "unknown\n";
    if (localtime_r(&start, &tm))
        strftime(date, sizeof(date), "%a %b %e %H:%M:%S %Y\n", &tm);
    uint64_t el = last_ns > s->r->hdr.start_ns ? last_ns - s->r->hdr.start_ns : 0;
    qt_sb_printf(&b, "record_date:%selapsed_time:", date);
    put_time(&b, el);
    qt_sb_puts(&b, " sec\n");
    /* glob: an argspec name matches that name only */
    qt_sb_puts(&b, "pattern_type:glob\n");
    int rc = write_file(s, "info", b.buf, b.len, false);
    qt_sb_free(&args);
    qt_sb_free(&rets);
    qt_sb_free(&b);
    return rc;
}

static int write_symbols(struct ustate *s, const struct umod *m, size_t nm, const struct usym *v, const char *sid)
{
    struct qt_sb map;
    qt_sb_init(&map);
    int rc = 0;
    for (size_t i = 0; i < nm && rc == 0; i++) {
        qt_sb_printf(&map, "%" PRIx64 "-%" PRIx64 " r-xp 00000000 00:00 0 %s\n", m[i].start, m[i].end, m[i].name);
        struct qt_sb b;
        qt_sb_init(&b);
        qt_sb_printf(&b, "# symbols: %zu\n# path name: %s\n", m[i].n, m[i].name);
        const struct usym *last = NULL;
        for (size_t k = 0; k < m[i].n; k++) {
            last = &v[m[i].first + k];
            qt_sb_printf(&b, "%016" PRIx64 " T %s\n", last->addr - m[i].start, last->name);
        }
        /* the end of the last function (a symbol's size is the distance to the next one) */
        qt_sb_printf(&b, "%016" PRIx64 " ? __sym_end\n", last->addr + (last->size ? last->size : 1) - m[i].start);
        size_t fl = strlen(base_of(m[i].name)) + 8;
        char *file = qtc_xmalloc(fl);
        snprintf(file, fl, "%s.sym", base_of(m[i].name));
        rc = write_file(s, file, b.buf, b.len, false);
        free(file);
        qt_sb_free(&b);
    }
    /* a stack at the top of the address space: uftrace takes addresses above it as the kernel's */
    qt_sb_puts(&map, "ffffffffffff-ffffffffffff rw-p 00000000 00:00 0 [stack]\n");
    char name[64];
    snprintf(name, sizeof(name), "sid-%s.map", sid);
    if (rc == 0)
        rc = write_file(s, name, map.buf, map.len, false);
    qt_sb_free(&map);
    return rc;
}

static int write_all(struct ustate *s)
{
    /* frames still open: closed at their thread's last event, as qtrace's text shows them */
    for (size_t i = 0; i < s->nthr; i++)
        close_to(s->thr[i], 0, s->thr[i]->last_ns);
    for (size_t i = 0; i < s->nthr; i++)
        if (flush_thread(s, s->thr[i]) < 0)
            return -1;
    struct uthr **tasks = qtc_xcalloc(s->nthr + 1, sizeof(*tasks));
    size_t nt = 0;
    uint64_t last_ns = 0;
    uint32_t min_utid = 0;
    for (size_t i = 0; i < s->nthr; i++) {
        if (!s->thr[i]->written)
            continue;
        tasks[nt++] = s->thr[i];
        if (s->thr[i]->last_ns > last_ns)
            last_ns = s->thr[i]->last_ns;
        if (!min_utid || s->thr[i]->utid < min_utid)
            min_utid = s->thr[i]->utid;
    }
    qsort(tasks, nt, sizeof(*tasks), cmp_thr);
    size_t nv, nm;
    struct usym *v = collect_syms(s, &nv);
    struct umod *m = place_syms(s, v, nv, &nm);
    const char *exe_rec = exe_path(s->r);
    char *exe = map_name(exe_rec ? exe_rec : nm ? m[0].path : "qtrace-guest");
    /* one session: qtrace's symbols are one address space; its id is the trace's start */
    char sid[17];
    snprintf(sid, sizeof(sid), "%016" PRIx64, s->r->hdr.start_ns ^ UINT64_C(0x7174726163650000));
    uint32_t pid = s->pid ? s->pid : min_utid ? min_utid : 1;
    struct qt_sb task;
    qt_sb_init(&task);
    qt_sb_puts(&task, "SESS timestamp=");
    put_time(&task, s->r->hdr.start_ns);
    qt_sb_printf(&task, " pid=%u sid=%s exename=\"%s\"\n", pid, sid, exe);
    for (size_t i = 0; i < nt; i++) {
        qt_sb_puts(&task, "TASK timestamp=");
        put_time(&task, tasks[i]->first_ns);
        qt_sb_printf(&task, " tid=%u pid=%u\n", tasks[i]->utid, pid);
    }
    int rc = write_file(s, "task.txt", task.buf, task.len, false);
    if (rc == 0)
        rc = write_symbols(s, m, nm, v, sid);
    if (rc == 0)
        rc = write_info(s, exe, tasks, nt, last_ns);
    qt_sb_free(&task);
    free(exe);
    for (size_t i = 0; i < nm; i++)
        free(m[i].name);
    free(m);
    free(v);
    free(tasks);
    return rc;
}

static int uftrace_end(struct qtc_wctx *w)
{
    struct ustate *s = w->state;
    int rc = s->failed ? -1 : write_all(s);
    for (size_t i = 0; i < s->nthr; i++) {
        free(s->thr[i]->st);
        qt_sb_free(&s->thr[i]->buf);
        free(s->thr[i]);
    }
    for (size_t i = 0; i < s->nfn; i++) {
        free(s->fn[i]->name);
        free(s->fn[i]);
    }
    for (size_t i = 0; i < s->nspecs; i++) {
        free(s->specs[i]->name);
        free(s->specs[i]);
    }
    free(s->thr);
    free(s->fn);
    free(s->specs);
    qtc_map_free(&s->threads);
    qtc_map_free(&s->utids);
    qtc_map_free(&s->funcs);
    free(s);
    w->state = NULL;
    return rc;
}

/* A directory this format wrote: its info file starts with uftrace's magic. */
static bool uftrace_dir_owned(const char *path)
{
    size_t n = strlen(path) + 8;
    char *p = qtc_xmalloc(n);
    snprintf(p, n, "%s/info", path);
    FILE *f = fopen(p, "rb");
    free(p);
    char magic[8] = { 0 };
    bool ok = f && fread(magic, 1, sizeof(magic), f) == sizeof(magic) && memcmp(magic, "Ftrace!", 8) == 0;
    if (f)
        fclose(f);
    return ok;
}

const struct qtc_writer qtc_writer_uftrace = {
    .name = "uftrace",
    .ext = "uftrace.data",
    .help = "a uftrace.data directory (uftrace's own record format) for uftrace replay, report, graph, tui and "
            "dump --chrome; needs -o DIR with qtrace dump",
    .begin = uftrace_begin,
    .event = uftrace_event,
    .end = uftrace_end,
    .is_dir = true,
    .dir_owned = uftrace_dir_owned,
};
