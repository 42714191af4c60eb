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
 */
#include <inttypes.h>

#include "writer.h"

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
    return 0;
}

static int lm_event(struct qtc_wctx *w, const struct qtr_event *ev)
{
    (void)w;
    (void)ev;
    return 0;
}

static int lm_end(struct qtc_wctx *w)
{
    (void)w;
    return 0;
}

const struct qtc_writer qtc_writer_linkmap = {
    .name = "linkmap",
    .ext = "linkmap",
    .help = "every module the program loaded (itself and its shared libraries) with load base and code range",
    .begin = lm_begin,
    .event = lm_event,
    .end = lm_end,
};
