/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Output formats execlog (QEMU execlog's text, trace.execlog) and execlog-json (JSON lines,
 * trace.execlog.jsonl) of `qtrace dump -f` / `--format`: the execution log of a binary trace,
 * through the formatter in common/execlog_text.c. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "execlog_text.h"
#include "writer.h"

struct elw {
    struct qt_eltext *f;
    uint64_t records;
};

static void elw_sink(void *ctx, unsigned vcpu, const char *data, size_t len)
{
    (void)vcpu;
    fwrite(data, 1, len, (FILE *)ctx);
}

static int elw_begin(struct qtc_wctx *w, enum qt_eltext_style style)
{
    struct elw *s = calloc(1, sizeof(*s));
    if (!s)
        return -1;
    struct qt_eltext_opts o = { .style = style, .sink = elw_sink, .ctx = w->out, .flush_at = 256 * 1024 };
    s->f = qt_eltext_new(&o);
    if (!s->f) {
        free(s);
        return -1;
    }
    w->state = s;
    return 0;
}

static int elw_begin_text(struct qtc_wctx *w) { return elw_begin(w, QT_ELTEXT_TEXT); }
static int elw_begin_json(struct qtc_wctx *w) { return elw_begin(w, QT_ELTEXT_JSON); }

static int elw_event(struct qtc_wctx *w, const struct qtr_event *ev)
{
    (void)w;
    (void)ev;
    return 0; /* function and syscall events are not part of the execution log */
}

static int elw_execlog(struct qtc_wctx *w, const struct qt_rec_hdr *h)
{
    struct elw *s = w->state;
    s->records++;
    qt_eltext_record(s->f, h, h->size);
    return 0;
}

static int elw_end(struct qtc_wctx *w)
{
    struct elw *s = w->state;
    if (!s)
        return 0;
    qt_eltext_finish(s->f);
    uint64_t bad = qt_eltext_errors(s->f);
    if (bad)
        fprintf(stderr, "qtrace: warning: %s: %" PRIu64 " execution-log records were inconsistent and skipped "
                "(a damaged trace?)\n", w->trace && w->trace->path ? w->trace->path : "trace", bad);
    if (s->records == 0)
        fprintf(stderr, "qtrace: warning: %s has no execution log (record one with --exec-log "
                "--exec-log-format=bin)\n", w->trace && w->trace->path ? w->trace->path : "the trace");
    qt_eltext_free(s->f);
    free(s);
    w->state = NULL;
    return 0;
}

const struct qtc_writer qtc_writer_execlog = {
    .name = "execlog",
    .ext = "execlog",
    .help = "execution log in QEMU execlog's text: one line per instruction (--exec-log)",
    .begin = elw_begin_text,
    .event = elw_event,
    .end = elw_end,
    .execlog = elw_execlog,
};

const struct qtc_writer qtc_writer_execlog_json = {
    .name = "execlog-json",
    .ext = "execlog.jsonl",
    .help = "execution log as JSON lines: one object per instruction (--exec-log)",
    .begin = elw_begin_json,
    .event = elw_event,
    .end = elw_end,
    .execlog = elw_execlog,
};
