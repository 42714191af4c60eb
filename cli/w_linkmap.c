/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The link map (seed 000's "linkmap" feature): every module the traced program had loaded —
 * the program itself and each shared library the guest mapped — with its load base (what is
 * added to the file's addresses) and the run-time range of its code:
 *
 *   # BASE               CODE SIZE  MODULE
 *   0x0000555555554000      0x1000  /tmp/dyn
 *   0x00007ffff7dd6000    0x155000  /lib/x86_64-linux-gnu/libc.so.6
 *
 * It comes from the trace's module records (QT_REC_MAP), in load order. Module paths come
 * from the guest (the path it opened) and are escaped like every guest string.
 *
 * A system-mode trace also has each process's own link map (its QT_PROC_MAP records, in the
 * order it mapped the files, with the guest's paths), after the modules:
 *
 *   # PID    COMM             BASE                FILE
 *   85       libs_dyn         0x0000561875dc8000  /progs/libs_dyn
 *   85       libs_dyn         0x00007ff02a64b000  /lib/x86_64-linux-gnu/libc.so.6
 *
 * With linkmap=ADDR (compat's linkmap:ADDR), each process's own link map as the dynamic loader
 * keeps it (QT_PROC_LINKMAP records: l_addr and l_name, in list order), and how the walk ended:
 *
 *   # PID    COMM             L_ADDR              L_NAME
 *   85       lmap_dyn         0x0000561875dc8000  ""
 *   85       lmap_dyn         0x00007ff02a64b000  "/lib/x86_64-linux-gnu/libc.so.6"
 *   85       lmap_dyn         # end of the list: 4 objects from GOT[1]
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "lmwalk.h"
#include "util.h"
#include "writer.h"

#define LM_THREADS 1024     /* threads whose name is remembered (the latest ones) */

struct lm_state {
    struct qt_sb procs;     /* the process lines */
    size_t nprocs;
    struct qt_sb guest;     /* the guest's own link maps (QT_PROC_LINKMAP) */
    size_t nguest;
    struct {
        uint32_t tid;
        char comm[16];
    } names[LM_THREADS];
    size_t nnames;
};

/* Thread tid is called comm (len bytes, NUL-terminated or not) from now on. */
static void name(struct lm_state *s, uint32_t tid, const char *comm, size_t len)
{
    if (s->nnames == LM_THREADS) {
        memmove(s->names, s->names + 1, sizeof(s->names) - sizeof(s->names[0]));
        s->nnames--;
    }
    size_t i = s->nnames++;
    s->names[i].tid = tid;
    len = strnlen(comm, len < 15 ? len : 15);
    memcpy(s->names[i].comm, comm, len);
    s->names[i].comm[len] = '\0';
}

static const char *comm_of(const struct lm_state *s, uint32_t tid)
{
    for (size_t i = s->nnames; i-- > 0;)
        if (s->names[i].tid == tid)
            return s->names[i].comm;
    return "?";
}

static int lm_begin(struct qtc_wctx *w)
{
    const struct qtr *r = w->trace;
    fprintf(w->out, "# %-18s %10s  %s\n", "BASE", "CODE SIZE", "MODULE");
    for (size_t i = 0; i < r->nmaps; i++) {
        const struct qtr_sym *m = &r->maps[i];
        fprintf(w->out, "0x%016" PRIx64 " %#10" PRIx64 "  %s\n", m->addr, m->size, m->name);
    }
    if (r->nmaps == 0)
        fprintf(w->out, "# no modules: the trace has no program (--program) or library records\n");
    struct lm_state *s = qtc_xcalloc(1, sizeof(*s));
    qt_sb_init(&s->procs);
    qt_sb_init(&s->guest);
    w->state = s;
    return 0;
}

static int lm_event(struct qtc_wctx *w, const struct qtr_event *ev)
{
    struct lm_state *s = w->state;
    if (ev->type == QT_REC_THREAD && ev->thread) {
        name(s, ev->thread->tid, ev->thread->comm, sizeof(ev->thread->comm));
        return 0;
    }
    if (ev->type != QT_REC_PROC || !ev->call)
        return 0;
    if (ev->call->func == QT_PROC_LINKMAP) {
        bool stopped;
        qt_sb_printf(&s->guest, "%-8" PRIu32 " %-16s ", ev->call->pid ? ev->call->pid : ev->call->tid,
                     comm_of(s, ev->call->tid));
        qtw_linkmap_line(ev, &s->guest, &stopped);
        qt_sb_putc(&s->guest, '\n');
        s->nguest++;
        return 0;
    }
    if (ev->call->func == QT_PROC_EXEC && ev->nargs >= 3) /* the new name: arg3 */
        name(s, ev->call->tid, (const char *)ev->args[2].data, ev->args[2].a->len);
    if (ev->call->func != QT_PROC_MAP || ev->nargs < 2)
        return 0;
    qt_sb_printf(&s->procs, "%-8" PRIu32 " %-16s 0x%016" PRIx64 "  ", ev->call->pid ? ev->call->pid : ev->call->tid,
                 comm_of(s, ev->call->tid), ev->args[1].a->value);
    qt_sb_put_cescaped(&s->procs, (const char *)ev->args[0].data, ev->args[0].a->len);
    qt_sb_putc(&s->procs, '\n');
    s->nprocs++;
    return 0;
}

static int lm_end(struct qtc_wctx *w)
{
    struct lm_state *s = w->state;
    if (!s)
        return 0;
    if (s->nprocs)
        fprintf(w->out, "\n# the processes' link maps (system mode, in the order each mapped its files)\n"
                        "# %-6s %-16s %-18s  %s\n%s", "PID", "COMM", "BASE", "FILE", s->procs.buf);
    if (s->nguest)
        fprintf(w->out, "\n# the guest's own link maps (linkmap=: the dynamic loader's list, in list order)\n"
                        "# %-6s %-16s %-18s  %s\n%s", "PID", "COMM", "L_ADDR", "L_NAME", s->guest.buf);
    qt_sb_free(&s->procs);
    qt_sb_free(&s->guest);
    free(s);
    w->state = NULL;
    return 0;
}

static const struct qtr_arg *arg_at(const struct qtr_event *ev, unsigned pos)
{
    for (int i = 0; i < ev->nargs; i++)
        if (ev->args[i].a->pos == pos)
            return &ev->args[i];
    return NULL;
}

bool qtw_linkmap_line(const struct qtr_event *ev, struct qt_sb *out, bool *stopped)
{
    const struct qtr_arg *what = arg_at(ev, 1), *addr = arg_at(ev, 2), *a3 = arg_at(ev, 3), *a4 = arg_at(ev, 4);
    *stopped = false;
    if (!what || !addr || !a3 || !a4) {
        qt_sb_puts(out, "<a link map record without its fields>");
        *stopped = true;
        return false;
    }
    if (what->a->value == 0) {
        qt_sb_printf(out, "0x%016" PRIx64 "  ", addr->a->value);
        qtw_arg_value(a3, out); /* a guest string: quoted and escaped, or <unreadable 0x...> */
        return true;
    }
    unsigned end = (unsigned)what->a->value;
    if (end == QT_LMW_END) {
        qt_sb_printf(out, "end of the list: %" PRIu64 " objects from %s", a4->a->value, qt_lmwalk_src_text((unsigned)a3->a->value));
    } else if (end == QT_LMW_NONE) {
        qt_sb_puts(out, qt_lmwalk_end_text(end));
    } else {
        *stopped = true;
        const char *mark = end == QT_LMW_CYCLE ? "cycle" : end == QT_LMW_LIMIT ? "limit" : "unreadable";
        qt_sb_printf(out, "<%s 0x%" PRIx64 "> %s (%" PRIu64 " objects listed before", mark, addr->a->value,
                     qt_lmwalk_end_text(end), a4->a->value);
        if (a3->a->value)
            qt_sb_printf(out, ", from %s", qt_lmwalk_src_text((unsigned)a3->a->value));
        qt_sb_putc(out, ')');
    }
    return false;
}

const struct qtc_writer qtc_writer_linkmap = {
    .name = "linkmap",
    .ext = "linkmap",
    .help = "every module the program loaded (itself and its shared libraries) with load base and code range",
    .begin = lm_begin,
    .event = lm_event,
    .end = lm_end,
};
