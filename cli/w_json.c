/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Chrome trace-event JSON, for ui.perfetto.dev and chrome://tracing:
 *
 *   {"traceEvents":[
 *   {"name":"process_name","ph":"M","pid":1,"args":{"name":"as:1"}},
 *   {"name":"thread_name","ph":"M","pid":1,"tid":5,"args":{"name":"cpu0 as:1 tid:5"}},
 *   {"name":"add","cat":"function","ph":"B","ts":12.345,"pid":1,"tid":5,"args":{"a":"2","b":"3"}},
 *   {"name":"add","cat":"function","ph":"E","ts":12.400,"pid":1,"tid":5,"args":{"retval":"5","insn":"12"}},
 *   ...],
 *   "displayTimeUnit":"ns","otherData":{...}}
 *
 * ts is in microseconds with nanosecond precision; pid is the guest pid when the plugin knows
 * it, else the address-space ordinal (as:N of the text output; as:0, user mode, is pid 1 since
 * Perfetto treats pid 0 as the idle task); tid is the guest tid. Every
 * B has its E: calls left open when the trace ends are closed at its last timestamp.
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

struct jframe {
    uint64_t func;
    const struct qtr_sym *sym;
    bool syscall;
};

struct jthr {
    uint64_t pid;
    uint32_t tid;
    struct jframe *st;          /* open B events */
    size_t depth, cap;
    size_t nsys;                /* how many of them are system calls */
};

struct jstate {
    const struct qtr *r;
    FILE *out;
    bool first;
    struct qtc_map threads;     /* (asid, tid) -> jthr */
    struct qtc_map procs;       /* pid -> named */
    struct jthr **thr;
    size_t nthr, cap;
    uint64_t last_ts;
    struct qt_sb sb, tmp;
    struct qt_sb name;          /* a frame's name, for its E event */
    struct qt_sb outb;          /* events made, not written yet */
    struct qtc_disk_pairs disk;  /* block requests issued, not done yet */
    char (*devs)[33];           /* disks seen: track DISK_PID_BASE + index */
    size_t ndevs;
    struct qtc_map dev_tracks;  /* (device index, op) -> named */
};

/* Block requests go on a process per disk ("disk vda"), a thread per operation */
#define DISK_PID_BASE 0x7f000000u

static void put_ts(struct qt_sb *sb, uint64_t ns)
{
    qtf_us(sb, ns);
}

static void put_jstr(struct qt_sb *sb, const char *s, size_t n)
{
    qt_sb_putc(sb, '"');
    qtf_json(sb, s, n);
    qt_sb_putc(sb, '"');
}

/* Events go to the output in batches of about FLUSH_AT bytes. */
#define FLUSH_AT 65536

static void write_out(struct jstate *s)
{
    if (s->outb.len)
        fwrite(s->outb.buf, 1, s->outb.len, s->out);
    qt_sb_reset(&s->outb);
}

static void flush_event(struct jstate *s)
{
    char *p = qt_sb_room(&s->outb, s->sb.len + 2);
    if (!s->first)
        *p++ = ',';
    *p++ = '\n';
    s->first = false;
    if (s->sb.len)
        memcpy(p, s->sb.buf, s->sb.len);
    p += s->sb.len;
    *p = '\0';
    s->outb.len = (size_t)(p - s->outb.buf);
    qt_sb_reset(&s->sb);
    if (s->outb.len >= FLUSH_AT)
        write_out(s);
}

static void meta(struct jstate *s, const char *what, uint64_t pid, const uint32_t *tid, const char *name)
{
    qt_sb_printf(&s->sb, "{\"name\":\"%s\",\"ph\":\"M\",\"pid\":%" PRIu64, what, pid);
    if (tid)
        qt_sb_printf(&s->sb, ",\"tid\":%u", *tid);
    qt_sb_puts(&s->sb, ",\"args\":{\"name\":");
    put_jstr(&s->sb, name, strlen(name));
    qt_sb_puts(&s->sb, "}}");
    flush_event(s);
}

static struct jthr *thread_of(struct jstate *s, const struct qtr_event *ev, uint64_t asid, uint32_t tid, uint32_t pid)
{
    void **slot = qtc_map_slot(&s->threads, asid, tid, true);
    if (*slot)
        return *slot;
    struct jthr *t = qtc_xcalloc(1, sizeof(*t));
    /* pid 0 is the idle task to Perfetto: as:0 (user mode) shows as pid 1 */
    t->pid = pid ? pid : ev->as ? ev->as : 1;
    t->tid = tid;
    *slot = t;
    if (s->nthr == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->thr = qtc_xrealloc(s->thr, s->cap * sizeof(*s->thr));
    }
    s->thr[s->nthr++] = t;
    char name[128];
    void **ps = qtc_map_slot(&s->procs, t->pid, 0, true);
    if (!*ps) {
        *ps = (void *)1;
        if (pid)
            snprintf(name, sizeof(name), "pid %u (as:%u)", pid, ev->as);
        else
            snprintf(name, sizeof(name), "as:%u", ev->as);
        meta(s, "process_name", t->pid, NULL, name);
    }
    snprintf(name, sizeof(name), "cpu%u as:%u tid:%u", ev->vcpu, ev->as, tid);
    meta(s, "thread_name", t->pid, &tid, name);
    return t;
}

static void begin_event(struct jstate *s, const char *name, const char *cat, char ph, uint64_t ts, const struct jthr *t)
{
    qt_sb_puts(&s->sb, "{\"name\":");
    put_jstr(&s->sb, name, strlen(name));
    qt_sb_puts(&s->sb, ",\"cat\":\"");
    qt_sb_puts(&s->sb, cat);
    qt_sb_puts(&s->sb, "\",\"ph\":\"");
    qt_sb_putc(&s->sb, ph);
    qt_sb_puts(&s->sb, "\",\"ts\":");
    put_ts(&s->sb, ts);
    qtf_label_u64(&s->sb, ",\"pid\":", t->pid);
    qtf_label_u64(&s->sb, ",\"tid\":", t->tid);
}

/* ,"key":"value" with value the text rendering of the argument (of syscall sysnr if >= 0) */
static void put_arg_kv(struct jstate *s, bool *first, const char *key, const struct qtr_arg *a, int64_t sysnr)
{
    qt_sb_puts(&s->sb, *first ? "" : ",");
    *first = false;
    put_jstr(&s->sb, key, strlen(key));
    qt_sb_putc(&s->sb, ':');
    qt_sb_reset(&s->tmp);
    if (sysnr >= 0)
        qtw_syscall_arg(s->r, (uint64_t)sysnr, a, &s->tmp);
    else
        qtw_arg_value(a, &s->tmp);
    put_jstr(&s->sb, s->tmp.buf, s->tmp.len);
}

static void put_kv(struct jstate *s, bool *first, const char *key, const char *val)
{
    qt_sb_puts(&s->sb, *first ? "" : ",");
    *first = false;
    put_jstr(&s->sb, key, strlen(key));
    qt_sb_putc(&s->sb, ':');
    put_jstr(&s->sb, val, strlen(val));
}

static void frame_name(struct jstate *s, const struct jframe *f, struct qt_sb *out)
{
    if (f->syscall) {
        const char *n = qtw_syscall_name(s->r, f->func);
        if (n)
            qt_sb_printf(out, "syscall %s", n);
        else
            qt_sb_printf(out, "syscall %" PRIu64, f->func);
    } else {
        qtw_func_name(s->r, f->sym, f->func, out);
    }
}

/* E for the top frame of t; ev (may be NULL) supplies the return value. */
static void end_top(struct jstate *s, struct jthr *t, uint64_t ts, const struct qtr_event *ev, const char *how)
{
    struct jframe *f = &t->st[--t->depth];
    t->nsys -= f->syscall;
    qt_sb_reset(&s->name);
    frame_name(s, f, &s->name);
    begin_event(s, s->name.buf, f->syscall ? "syscall" : "function", 'E', ts, t);
    qt_sb_puts(&s->sb, ",\"args\":{");
    bool first = true;
    const struct qtr_arg *ret = ev ? qtw_retval(ev) : NULL;
    if (ret && !how) {
        if (f->syscall) {
            qt_sb_reset(&s->tmp);
            qtw_syscall_ret(qtw_syscall_name(s->r, f->func), ret, &s->tmp);
            put_kv(s, &first, "retval", s->tmp.buf);
        } else {
            put_arg_kv(s, &first, "retval", ret, -1);
        }
    }
    if (ev && f->syscall) {
        /* output buffers (read's data) come with the return */
        for (int i = 0; i < ev->nargs; i++) {
            if (ev->args[i].a->pos == 0)
                continue;
            char key[16];
            snprintf(key, sizeof(key), "arg%u", ev->args[i].a->pos);
            put_arg_kv(s, &first, key, &ev->args[i], (int64_t)f->func);
        }
    }
    if (ev && !f->syscall && s->r->st.has_icount && ev->call->icount >= ev->call->aux) {
        qt_sb_reset(&s->tmp);
        qtf_u64(&s->tmp, ev->call->icount - ev->call->aux);
        put_kv(s, &first, "insn", s->tmp.buf);
    }
    if (how)
        put_kv(s, &first, "exit", how);
    qt_sb_puts(&s->sb, "}}");
    flush_event(s);
}

static void push(struct jthr *t, uint64_t func, const struct qtr_sym *sym, bool syscall)
{
    if (t->depth == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 32;
        t->st = qtc_xrealloc(t->st, t->cap * sizeof(*t->st));
    }
    t->st[t->depth++] = (struct jframe){ func, sym, syscall };
    t->nsys += syscall;
}

static void close_syscall(struct jstate *s, struct jthr *t, uint64_t ts)
{
    while (t->depth > 0 && t->st[t->depth - 1].syscall)
        end_top(s, t, ts, NULL, "unfinished");
}

/* number of function frames open */
static size_t func_depth(const struct jthr *t)
{
    return t->depth - t->nsys;
}

/* A process or module event of the guest kernel (QT_REC_PROC): an instant event on its thread,
 * {"name":"exec","cat":"process","ph":"i","s":"t",...,"args":{"file":"/bin/cat","argv":"...","comm":"cat"}};
 * an exec also renames the process (process_name) after its new comm. */
static void proc_event(struct jstate *s, const struct jthr *t, const struct qtr_event *ev)
{
    uint64_t k = ev->call->func;
    begin_event(s, qtw_proc_kind(k), "process", 'i', ev->call->ts_ns, t);
    qt_sb_puts(&s->sb, ",\"s\":\"t\",\"args\":{");
    static const char *const exec_keys[] = { "", "file", "argv", "comm" };
    bool first = true;
    const struct qtr_arg *comm = NULL;
    for (int i = 0; i < ev->nargs; i++) {
        unsigned pos = ev->args[i].a->pos;
        char key[16];
        if (k == QT_PROC_EXEC && pos >= 1 && pos <= 3)
            snprintf(key, sizeof(key), "%s", exec_keys[pos]);
        else
            snprintf(key, sizeof(key), "arg%u", pos);
        put_arg_kv(s, &first, key, &ev->args[i], -1);
        if (k == QT_PROC_EXEC && pos == 3)
            comm = &ev->args[i];
    }
    qt_sb_puts(&s->sb, "}}");
    flush_event(s);
    if (comm && ev->call->pid) {
        struct qt_sb name;
        qt_sb_init(&name);
        qt_sb_putn(&name, (const char *)comm->data, strnlen((const char *)comm->data, comm->a->len));
        qt_sb_printf(&name, " (pid %u)", ev->call->pid);
        meta(s, "process_name", t->pid, NULL, name.buf);
        qt_sb_free(&name);
    }
}

/* A block request, as a complete event on its disk's track when it ends:
 * {"name":"write 4096","cat":"disk","ph":"X","ts":..,"dur":..,"pid":DISK,"tid":OP,"args":{...}} */
static void disk_event(struct jstate *s, const struct qtr_event *ev)
{
    struct qtc_disk_req *q = qtc_disk_track(&s->disk, ev);
    if (!q)
        return;
    size_t d = 0;
    while (d < s->ndevs && strcmp(s->devs[d], q->dev) != 0)
        d++;
    char name[64], ob[16];
    if (d == s->ndevs) {
        s->devs = qtc_xrealloc(s->devs, (s->ndevs + 1) * sizeof(*s->devs));
        snprintf(s->devs[s->ndevs++], sizeof(*s->devs), "%s", q->dev);
        snprintf(name, sizeof(name), "disk %s", q->dev);
        meta(s, "process_name", DISK_PID_BASE + d, NULL, name);
    }
    const char *op = qtc_disk_op_name(q->flags, ob);
    struct jthr t = { DISK_PID_BASE + d, q->flags & 0xff, NULL, 0, 0, 0 };
    void **named = qtc_map_slot(&s->dev_tracks, d, t.tid, true);
    if (!*named) {
        *named = (void *)1;
        snprintf(name, sizeof(name), "%s %s", q->dev, op);
        meta(s, "thread_name", t.pid, &t.tid, name);
    }
    snprintf(name, sizeof(name), "%s %u", op, q->bytes);
    begin_event(s, name, "disk", 'X', q->issue_ns, &t);
    qt_sb_puts(&s->sb, ",\"dur\":");
    put_ts(&s->sb, ev->call->ts_ns - q->issue_ns);
    qt_sb_printf(&s->sb, ",\"args\":{\"sector\":%" PRIu64 ",\"bytes\":%u,\"flags\":\"0x%x\",\"pid\":%u,\"comm\":",
                 q->sector, q->bytes, q->flags, q->pid);
    put_jstr(&s->sb, q->comm, strlen(q->comm));
    qt_sb_reset(&s->tmp);
    qtc_disk_file(q, &s->tmp);
    qt_sb_puts(&s->sb, ",\"file\":");
    put_jstr(&s->sb, s->tmp.buf, s->tmp.len);
    qt_sb_printf(&s->sb, ",\"status\":%d}}", qtc_disk_status(ev));
    flush_event(s);
    free(q);
}

/* A file event of --files-written: an instant event on its thread, its text as the name */
static void filew_event(struct jstate *s, const struct jthr *t, const struct qtr_event *ev)
{
    qt_sb_reset(&s->tmp);
    qtc_filew_text(ev, &s->tmp);
    char *text = qtc_xstrdup(s->tmp.buf ? s->tmp.buf : "");
    begin_event(s, text, "file", 'i', ev->call->ts_ns, t);
    qt_sb_puts(&s->sb, ",\"s\":\"t\"}");
    flush_event(s);
    free(text);
}

/* A memory map (QT_REC_VMA): an instant event on its thread with the whole map,
 * {"name":"vmmap","cat":"memory",...,"args":{"cause":"mmap","areas":14,"map":["00400000-... /progs/x",...]}};
 * a page (QT_REC_PAGE): {"name":"page",...,"args":{"vaddr":"0x7ffd1000","frame":"0x3a2f000","access":"store"}} */
static void vm_event(struct jstate *s, const struct jthr *t, const struct qtr_event *ev)
{
    const struct qt_rec_call *c = ev->call;
    if (ev->type == QT_REC_PAGE) {
        begin_event(s, "page", "memory", 'i', c->ts_ns, t);
        qt_sb_printf(&s->sb, ",\"s\":\"t\",\"args\":{\"vaddr\":\"0x%" PRIx64 "\",\"frame\":\"0x%" PRIx64
                     "\",\"access\":\"%s\"}}", c->func, c->aux, c->depth ? "store" : "load");
        flush_event(s);
        return;
    }
    begin_event(s, "vmmap", "memory", 'i', c->ts_ns, t);
    qt_sb_reset(&s->tmp);
    qtv_cause(s->r, c->func, &s->tmp);
    qt_sb_puts(&s->sb, ",\"s\":\"t\",\"args\":{\"cause\":");
    put_jstr(&s->sb, s->tmp.buf, s->tmp.len);
    size_t n = 0;
    struct qtv_iter it;
    struct qtv_area a;
    for (qtv_iter_init(&it, c); qtv_next(&it, &a);)
        n++;
    qt_sb_printf(&s->sb, ",\"areas\":%zu%s,\"map\":[", n, c->depth & QT_VMA_INCOMPLETE ? ",\"incomplete\":true" : "");
    n = 0;
    for (qtv_iter_init(&it, c); qtv_next(&it, &a); n++) {
        qt_sb_reset(&s->tmp);
        qtv_area_line(&a, &s->tmp);
        if (n)
            qt_sb_putc(&s->sb, ',');
        put_jstr(&s->sb, s->tmp.buf, s->tmp.len);
    }
    qt_sb_puts(&s->sb, "]}}");
    flush_event(s);
}

static int json_event(struct qtc_wctx *w, const struct qtr_event *ev)
{
    struct jstate *s = w->state;
    if (ev->ts_ns > s->last_ts)
        s->last_ts = ev->ts_ns;
    if (ev->type == QT_REC_LOST) {
        qt_sb_printf(&s->sb, "{\"name\":\"lost %" PRIu64 " events\",\"cat\":\"qtrace\",\"ph\":\"i\",\"s\":\"g\",\"ts\":",
                     ev->lost);
        put_ts(&s->sb, ev->ts_ns);
        qt_sb_puts(&s->sb, ",\"pid\":1,\"tid\":0}");
        flush_event(s);
        return 0;
    }
    if (ev->type == QT_REC_THREAD) {
        thread_of(s, ev, ev->thread->asid, ev->thread->tid, ev->thread->pid);
        return 0;
    }
    if (!ev->call || (ev->type == QT_REC_PROC && qtw_proc_accounting(ev->call->func)))
        return 0;
    const struct qt_rec_call *c = ev->call;
    struct jthr *t = thread_of(s, ev, c->asid, c->tid, c->pid);
    switch (ev->type) {
    case QT_REC_ENTRY: {
        close_syscall(s, t, c->ts_ns);
        qt_sb_reset(&s->name);
        qtw_func_name(s->r, ev->sym, c->func, &s->name);
        begin_event(s, s->name.buf, "function", 'B', c->ts_ns, t);
        qt_sb_puts(&s->sb, ",\"args\":{");
        bool first = true;
        for (int i = 0; i < ev->nargs; i++) {
            unsigned pos = ev->args[i].a->pos;
            if (pos == 0)
                continue;
            const char *pn = qtw_param_name(ev->sym, pos);
            char key[16];
            if (!pn) {
                snprintf(key, sizeof(key), "arg%u", pos);
                pn = key;
            }
            put_arg_kv(s, &first, pn, &ev->args[i], -1);
        }
        qt_sb_puts(&s->sb, "}}");
        flush_event(s);
        push(t, c->func, ev->sym, false);
        break;
    }
    case QT_REC_EXIT: {
        close_syscall(s, t, c->ts_ns);
        size_t fd = func_depth(t);
        if (fd < (size_t)c->depth + 1)
            break; /* no B for it (entry not recorded): an E would unbalance the thread */
        while (func_depth(t) > (size_t)c->depth + 1)
            end_top(s, t, c->ts_ns, NULL, "missing");
        const char *how = c->flags & QT_CALL_UNWOUND ? "unwound" : c->flags & QT_CALL_UNFINISHED ? "unfinished" : NULL;
        end_top(s, t, c->ts_ns, ev, how);
        break;
    }
    case QT_REC_SYSCALL: {
        close_syscall(s, t, c->ts_ns);
        const char *n = qtw_syscall_name(s->r, c->func);
        char name[64];
        if (n)
            snprintf(name, sizeof(name), "syscall %s", n);
        else
            snprintf(name, sizeof(name), "syscall %" PRIu64, c->func);
        begin_event(s, name, "syscall", 'B', c->ts_ns, t);
        qt_sb_puts(&s->sb, ",\"args\":{");
        bool first = true;
        for (int i = 0; i < ev->nargs; i++) {
            if (!qtw_syscall_arg_shown(s->r, ev, i))
                continue;
            char key[16];
            snprintf(key, sizeof(key), "arg%u", ev->args[i].a->pos);
            put_arg_kv(s, &first, key, &ev->args[i], (int64_t)c->func);
        }
        qt_sb_puts(&s->sb, "}}");
        flush_event(s);
        push(t, c->func, NULL, true);
        break;
    }
    case QT_REC_SYSRET:
        if (t->depth > 0 && t->st[t->depth - 1].syscall && t->st[t->depth - 1].func == c->func)
            end_top(s, t, c->ts_ns, ev, NULL);
        break;
    case QT_REC_PROC:
        proc_event(s, t, ev);
        break;
    case QT_REC_DISK:
        disk_event(s, ev);
        break;
    case QT_REC_FILEW:
        filew_event(s, t, ev);
        break;
    case QT_REC_VMA:
    case QT_REC_PAGE:
        vm_event(s, t, ev);
        break;
    }
    return ferror(s->out) ? -1 : 0;
}

static int json_begin(struct qtc_wctx *w)
{
    struct jstate *s = qtc_xcalloc(1, sizeof(*s));
    s->r = w->trace;
    s->out = w->out;
    s->first = true;
    w->state = s;
    fputs("{\"traceEvents\":[", s->out);
    return 0;
}

static int json_end(struct qtc_wctx *w)
{
    struct jstate *s = w->state;
    for (size_t i = 0; i < s->nthr; i++) {
        struct jthr *t = s->thr[i];
        while (t->depth > 0)
            end_top(s, t, s->last_ts, NULL, "unfinished");
    }
    write_out(s);
    fputs("\n],\n\"displayTimeUnit\":\"ns\",\n\"otherData\":{", s->out);
    char clock[64];
    qt_sb_printf(&s->sb, "\"generator\":\"qtrace %s\",\"arch\":\"%s\",\"mode\":\"%s\",\"clock\":\"%s\",\"trace\":",
                 QTRACE_VERSION, qtr_arch_name(s->r->hdr.arch), qtr_mode_name(s->r->hdr.mode),
                 qtr_clock_name(s->r, clock, sizeof(clock)));
    put_jstr(&s->sb, s->r->path, strlen(s->r->path));
    qt_sb_printf(&s->sb, ",\"lost\":\"%" PRIu64 "\"", s->r->st.lost);
    for (size_t i = 0; i < s->r->nnotes; i++) {
        char key[32];
        snprintf(key, sizeof(key), "note%zu", i + 1);
        qt_sb_printf(&s->sb, ",\"%s\":", key);
        put_jstr(&s->sb, s->r->notes[i], strlen(s->r->notes[i]));
    }
    fwrite(s->sb.buf, 1, s->sb.len, s->out);
    fputs("}}\n", s->out);
    int rc = ferror(s->out) ? -1 : 0;
    for (size_t i = 0; i < s->nthr; i++) {
        free(s->thr[i]->st);
        free(s->thr[i]);
    }
    free(s->thr);
    qtc_map_free(&s->threads);
    qtc_map_free(&s->procs);
    qtc_disk_pairs_free(&s->disk);
    qtc_map_free(&s->dev_tracks);
    free(s->devs);
    qt_sb_free(&s->sb);
    qt_sb_free(&s->tmp);
    qt_sb_free(&s->name);
    qt_sb_free(&s->outb);
    free(s);
    w->state = NULL;
    return rc;
}

const struct qtc_writer qtc_writer_json = {
    .name = "json",
    .ext = "json",
    .help = "Chrome trace-event JSON: open it in ui.perfetto.dev or chrome://tracing",
    .begin = json_begin,
    .event = json_event,
    .end = json_end,
};
