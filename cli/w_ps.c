/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The guest's process tree (cli/procs.h), as text like `ps -ef --forest` (format ps) or as one
 * JSON object (format ps-json); qtrace ps prints them. Written at the end of the trace:
 *
 *     PID   PPID   UID      START        END  EXIT         INSNS    USER-INSNS  COMMAND
 *      57      1     0   2.914012   3.120711  3          2301190        918338  \_ sh -c "exit 3"
 *
 * START and END are seconds since the trace began (END: the last thread's exit); EXIT is the
 * status as the shell's $? shows it, or the signal that killed the process; INSNS the guest
 * instructions its threads ran, user and kernel code (--processes). COMMAND is argv of the last
 * exec, or [comm] for a process that exec'd nothing, every guest string escaped. Lines starting
 * with '#' say what the trace could not tell.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "procs.h"
#include "syscalls.h"
#include "writer.h"

struct ps_state {
    struct qtc_procs t;
    bool json;
};

static int ps_begin_any(struct qtc_wctx *w, bool json)
{
    struct ps_state *s = qtc_xcalloc(1, sizeof(*s));
    qtc_procs_init(&s->t, w->trace);
    s->json = json;
    w->state = s;
    return 0;
}

static int ps_begin(struct qtc_wctx *w) { return ps_begin_any(w, false); }
static int ps_json_begin(struct qtc_wctx *w) { return ps_begin_any(w, true); }

static int ps_event(struct qtc_wctx *w, const struct qtr_event *ev)
{
    struct ps_state *s = w->state;
    qtc_procs_event(&s->t, w->trace, ev);
    return 0;
}

/* An argument as a shell would need it: bare if plain, else C-quoted (escaped). */
static void put_word(struct qt_sb *sb, const char *a)
{
    bool plain = a[0] != '\0';
    for (const unsigned char *c = (const unsigned char *)a; *c && plain; c++)
        plain = *c > 0x20 && *c < 0x7f && *c != '"' && *c != '\\' && *c != '\'';
    if (plain)
        qt_sb_puts(sb, a);
    else
        qt_sb_put_cquoted(sb, a, strlen(a));
}

static void put_command(struct qt_sb *sb, const struct qtc_proc *p)
{
    if (!p->argc) {
        qt_sb_putc(sb, '[');
        qt_sb_put_cescaped(sb, p->comm, strlen(p->comm));
        qt_sb_putc(sb, ']');
        return;
    }
    for (int i = 0; i < p->argc; i++) {
        if (i)
            qt_sb_putc(sb, ' ');
        put_word(sb, p->argv[i]);
    }
    if (p->argv_truncated)
        qt_sb_puts(sb, " ...");
}

static void put_exit(struct qt_sb *sb, const struct qtr *r, uint64_t code)
{
    if ((code & 0x7f) == 0) {
        qt_sb_printf(sb, "%u", (unsigned)((code >> 8) & 0xff));
        return;
    }
    qt_sa_format_arch((enum qt_arch)r->hdr.arch, QT_SA_SIGNAL, code & 0x7f, sb);
    if (code & 0x80)
        qt_sb_puts(sb, "+core");
}

/* The instructions of every process; *n_known: processes with a count. */
static uint64_t sum_insns(const struct qtc_procs *t)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < t->n; i++)
        sum += t->p[i].user_insns + t->p[i].kernel_insns;
    return sum;
}

/* What the trace cannot tell, one line each (text: '# ' lines; JSON: "notes"). */
static void notes(const struct qtc_wctx *w, const struct qtc_procs *t, void (*put)(void *ctx, const char *line),
                  void *ctx)
{
    char line[512];
    if (t->n == 0) {
        put(ctx, t->system ? "no processes: the trace has no process records (system mode needs the kernel's "
                             "task structures: --kernel with kernel introspection)"
                           : "no processes: the trace has no thread records");
        return;
    }
    if (!t->system)
        put(ctx, "user mode: parents, exec and exit codes come from system calls (--syscalls); no uid and no "
                 "instruction counts (--processes is for system mode)");
    if (!t->system && !t->have_syscalls)
        put(ctx, "no system calls in the trace (recorded without --syscalls): each thread is shown as a process");
    else if (!t->have_insns)
        put(ctx, "no instruction counts: the trace was recorded without --processes");
    if (t->system && !t->have_cred)
        put(ctx, "uid as at fork: uid changes (setuid, su) are recorded with --processes");
    if (t->have_insns && t->have_totals) {
        uint64_t total = t->total_user + t->total_kernel, sum = sum_insns(t);
        snprintf(line, sizeof(line),
                 "instructions: %" PRIu64 " on %" PRIu32 " vCPU%s (%" PRIu64 " user, %" PRIu64 " kernel); the "
                 "processes ran %" PRIu64 "%s",
                 total, t->nvcpus, t->nvcpus == 1 ? "" : "s", t->total_user, t->total_kernel, sum,
                 sum == total ? "" : " (the difference: records lost, see qtrace dump -s)");
        put(ctx, line);
    } else if (t->have_insns) {
        put(ctx, "instruction totals missing: the trace ended before the plugin's end (QEMU killed)");
    }
    (void)w;
}

/* ---- text ---------------------------------------------------------------------------------- */

static void put_line_text(void *ctx, const char *line)
{
    fprintf((FILE *)ctx, "# %s\n", line);
}

static void text_row(struct qt_sb *sb, const struct qtr *r, const struct qtc_procs *t, const struct qtc_proc *p)
{
    qt_sb_printf(sb, "%7" PRIu32, p->pid);
    if (p->has_ppid)
        qt_sb_printf(sb, " %6" PRIu32, p->ppid);
    else
        qt_sb_printf(sb, " %6s", "-");
    if (p->has_uid)
        qt_sb_printf(sb, " %5" PRIu32, p->uid);
    else
        qt_sb_printf(sb, " %5s", "-");
    if (p->has_start)
        qt_sb_printf(sb, " %10.6f", p->start_ns / 1e9);
    else
        qt_sb_printf(sb, " %10s", "-");
    if (p->exited)
        qt_sb_printf(sb, " %10.6f", p->end_ns / 1e9);
    else
        qt_sb_printf(sb, " %10s", "-");
    struct qt_sb ex;
    qt_sb_init(&ex);
    if (p->exited)
        put_exit(&ex, r, p->exit_code);
    else
        qt_sb_putc(&ex, '-');
    qt_sb_printf(sb, "  %-12s", ex.buf);
    qt_sb_free(&ex);
    if (t->have_insns)
        qt_sb_printf(sb, " %13" PRIu64 " %13" PRIu64, p->user_insns + p->kernel_insns, p->user_insns);
    else
        qt_sb_printf(sb, " %13s %13s", "-", "-");
    qt_sb_puts(sb, "  ");
    for (int d = 1; d < p->depth; d++)
        qt_sb_puts(sb, "    ");
    if (p->depth)
        qt_sb_puts(sb, " \\_ ");
    put_command(sb, p);
    qt_sb_putc(sb, '\n');
}

static int ps_end_text(struct qtc_wctx *w, struct ps_state *s)
{
    struct qtc_procs *t = &s->t;
    fprintf(w->out, "%7s %6s %5s %10s %10s  %-12s %13s %13s  %s\n", "PID", "PPID", "UID", "START", "END", "EXIT",
            "INSNS", "USER-INSNS", "COMMAND");
    struct qt_sb sb;
    qt_sb_init(&sb);
    for (size_t i = 0; i < t->n; i++) {
        qt_sb_reset(&sb);
        text_row(&sb, w->trace, t, &t->p[t->order[i]]);
        fputs(sb.buf, w->out);
    }
    qt_sb_free(&sb);
    notes(w, t, put_line_text, w->out);
    return 0;
}

/* ---- JSON ---------------------------------------------------------------------------------- */

static void jstr(struct qt_sb *sb, const char *s)
{
    qt_sb_putc(sb, '"');
    qt_sb_put_jsonescaped(sb, s, strlen(s));
    qt_sb_putc(sb, '"');
}

static void put_line_json(void *ctx, const char *line)
{
    struct qt_sb *sb = ctx;
    if (sb->buf[sb->len - 1] != '[')
        qt_sb_putc(sb, ',');
    qt_sb_puts(sb, "\n    ");
    jstr(sb, line);
}

static void json_proc(struct qt_sb *sb, const struct qtr *r, const struct qtc_procs *t, const struct qtc_proc *p)
{
    qt_sb_printf(sb, "{\"pid\":%" PRIu32, p->pid);
    if (p->has_ppid)
        qt_sb_printf(sb, ",\"ppid\":%" PRIu32, p->ppid);
    else
        qt_sb_puts(sb, ",\"ppid\":null");
    if (p->has_uid)
        qt_sb_printf(sb, ",\"uid\":%" PRIu32, p->uid);
    else
        qt_sb_puts(sb, ",\"uid\":null");
    if (p->has_euid)
        qt_sb_printf(sb, ",\"euid\":%" PRIu32, p->euid);
    qt_sb_puts(sb, ",\"comm\":");
    jstr(sb, p->comm);
    qt_sb_puts(sb, ",\"exe\":");
    if (p->exe)
        jstr(sb, p->exe);
    else
        qt_sb_puts(sb, "null");
    qt_sb_puts(sb, ",\"argv\":");
    if (p->argc) {
        qt_sb_putc(sb, '[');
        for (int i = 0; i < p->argc; i++) {
            if (i)
                qt_sb_putc(sb, ',');
            jstr(sb, p->argv[i]);
        }
        qt_sb_printf(sb, "],\"argv_truncated\":%s", p->argv_truncated ? "true" : "false");
    } else {
        qt_sb_puts(sb, "null");
    }
    if (p->has_start)
        qt_sb_printf(sb, ",\"start_ns\":%" PRIu64, p->start_ns);
    else
        qt_sb_puts(sb, ",\"start_ns\":null");
    if (p->exited) {
        uint64_t c = p->exit_code;
        qt_sb_printf(sb, ",\"end_ns\":%" PRIu64 ",\"exit\":", p->end_ns);
        if (c & 0x7f) {
            struct qt_sb n;
            qt_sb_init(&n);
            qt_sa_format_arch((enum qt_arch)r->hdr.arch, QT_SA_SIGNAL, c & 0x7f, &n);
            qt_sb_printf(sb, "{\"signal\":%u,\"name\":", (unsigned)(c & 0x7f));
            jstr(sb, n.buf);
            qt_sb_printf(sb, ",\"core_dumped\":%s}", (c & 0x80) ? "true" : "false");
            qt_sb_free(&n);
        } else {
            qt_sb_printf(sb, "{\"status\":%u}", (unsigned)((c >> 8) & 0xff));
        }
        qt_sb_printf(sb, ",\"shell_status\":%u", qtc_proc_shell_status(c));
    } else {
        qt_sb_puts(sb, ",\"end_ns\":null,\"exit\":null,\"shell_status\":null");
    }
    qt_sb_printf(sb, ",\"threads\":%" PRIu32, p->threads);
    if (t->have_insns)
        qt_sb_printf(sb, ",\"instructions\":{\"user\":%" PRIu64 ",\"kernel\":%" PRIu64 ",\"total\":%" PRIu64 "}",
                     p->user_insns, p->kernel_insns, p->user_insns + p->kernel_insns);
    else
        qt_sb_puts(sb, ",\"instructions\":null");
    qt_sb_printf(sb, ",\"depth\":%d,\"children\":[", p->depth);
    const char *sep = "";
    for (size_t c = p->first_child; c != SIZE_MAX; c = t->p[c].next_sibling) {
        qt_sb_printf(sb, "%s%" PRIu32, sep, t->p[c].pid);
        sep = ",";
    }
    qt_sb_puts(sb, "]}");
}

static int ps_end_json(struct qtc_wctx *w, struct ps_state *s)
{
    struct qtc_procs *t = &s->t;
    struct qt_sb sb;
    qt_sb_init(&sb);
    qt_sb_printf(&sb, "{\"mode\":\"%s\",\"processes\":[", t->system ? "system" : "user");
    for (size_t i = 0; i < t->n; i++) {
        qt_sb_puts(&sb, i ? ",\n  " : "\n  ");
        json_proc(&sb, w->trace, t, &t->p[t->order[i]]);
    }
    qt_sb_puts(&sb, "],\n \"instructions\":");
    if (t->have_insns && t->have_totals)
        qt_sb_printf(&sb,
                     "{\"user\":%" PRIu64 ",\"kernel\":%" PRIu64 ",\"total\":%" PRIu64 ",\"vcpus\":%" PRIu32
                     ",\"processes\":%" PRIu64 "}",
                     t->total_user, t->total_kernel, t->total_user + t->total_kernel, t->nvcpus, sum_insns(t));
    else
        qt_sb_puts(&sb, "null");
    qt_sb_puts(&sb, ",\n \"notes\":[");
    notes(w, t, put_line_json, &sb);
    qt_sb_puts(&sb, "]}\n");
    fputs(sb.buf, w->out);
    qt_sb_free(&sb);
    return 0;
}

static int ps_end(struct qtc_wctx *w)
{
    struct ps_state *s = w->state;
    qtc_procs_finish(&s->t);
    int rc = s->json ? ps_end_json(w, s) : ps_end_text(w, s);
    qtc_procs_free(&s->t);
    free(s);
    w->state = NULL;
    return rc || ferror(w->out) ? -1 : 0;
}

const struct qtc_writer qtc_writer_ps = {
    .name = "ps",
    .ext = "ps",
    .help = "the guest's process tree like ps -ef --forest: pid, parent, uid, start, end, exit status, "
            "instructions (--processes), argv",
    .begin = ps_begin,
    .event = ps_event,
    .end = ps_end,
};

const struct qtc_writer qtc_writer_ps_json = {
    .name = "ps-json",
    .ext = "ps.json",
    .help = "the same process tree as one JSON object",
    .begin = ps_json_begin,
    .event = ps_event,
    .end = ps_end,
};
