/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The block requests of a trace (--disk-trace) summed up, per disk, per process and per file:
 *
 *   # disk   requests  read-bytes  write-bytes  reads  writes  flushes  discards  sectors
 *   vda           187      123904       410624     41     120       26         0  0-131071
 *   # per process: the task running when the driver started the request ...
 *   # per file: the file whose page cache the request's first segment holds ...
 *
 * Requests are counted when issued; one whose end is not in the trace is counted as unfinished.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "disk_view.h"
#include "util.h"
#include "writer.h"

struct dsum {
    char key[QT_STR_MAX + 48];  /* device, "pid comm" or "device file" */
    uint64_t n[4], bytes[4];    /* per operation: read, write, flush, discard */
    uint64_t other;             /* other operations */
    uint64_t lo, hi;            /* sectors touched: [lo, hi) */
    uint64_t ns;                /* time from issue to end, summed */
    uint64_t done;
};

struct dstate {
    FILE *out;
    struct qtc_disk_pairs pairs;
    struct dsum *dev, *proc, *file;
    size_t ndev, nproc, nfile;
    uint64_t unfinished;
};

static struct dsum *sum_of(struct dsum **v, size_t *n, const char *key)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*v)[i].key, key) == 0)
            return &(*v)[i];
    *v = qtc_xrealloc(*v, (*n + 1) * sizeof(**v));
    struct dsum *d = &(*v)[(*n)++];
    memset(d, 0, sizeof(*d));
    snprintf(d->key, sizeof(d->key), "%s", key);
    d->lo = UINT64_MAX;
    return d;
}

static void add(struct dsum *d, const struct qtc_disk_req *q)
{
    unsigned op = q->flags & 0xff;
    if (op < 4) {
        d->n[op]++;
        d->bytes[op] += q->bytes;
    } else {
        d->other++;
    }
    if (q->bytes) {
        if (q->sector < d->lo)
            d->lo = q->sector;
        if (q->sector + q->bytes / 512 > d->hi)
            d->hi = q->sector + (q->bytes + 511) / 512;
    }
}

static int disk_begin(struct qtc_wctx *w)
{
    struct dstate *s = qtc_xcalloc(1, sizeof(*s));
    s->out = w->out;
    w->state = s;
    return 0;
}

static int disk_event(struct qtc_wctx *w, const struct qtr_event *ev)
{
    struct dstate *s = w->state;
    if (ev->type != QT_REC_DISK || !ev->call)
        return 0;
    if (ev->call->func != QT_DISK_ISSUE) {
        struct qtc_disk_req *q = qtc_disk_track(&s->pairs, ev);
        if (q) {
            struct dsum *d = sum_of(&s->dev, &s->ndev, q->dev);
            d->ns += ev->call->ts_ns - q->issue_ns;
            d->done++;
        }
        free(q);
        return 0;
    }
    struct qtc_disk_req q;
    qtc_disk_req_of(ev, &q);
    qtc_disk_track(&s->pairs, ev);
    char key[sizeof(((struct dsum *)0)->key)];
    add(sum_of(&s->dev, &s->ndev, q.dev), &q);
    snprintf(key, sizeof(key), "%7u  %s", q.pid, q.comm[0] ? q.comm : "?");
    add(sum_of(&s->proc, &s->nproc, key), &q);
    if (q.bytes) {
        struct qt_sb sb;
        qt_sb_init(&sb);
        qtc_disk_file(&q, &sb);
        snprintf(key, sizeof(key), "%-6s %s", q.dev, sb.buf);
        qt_sb_free(&sb);
        add(sum_of(&s->file, &s->nfile, key), &q);
    }
    return 0;
}

static int by_bytes(const void *a, const void *b)
{
    const struct dsum *x = a, *y = b;
    uint64_t bx = x->bytes[0] + x->bytes[1], by = y->bytes[0] + y->bytes[1];
    return bx < by ? 1 : bx > by ? -1 : strcmp(x->key, y->key);
}

static void table(FILE *f, const char *title, const char *col, struct dsum *v, size_t n)
{
    qsort(v, n, sizeof(*v), by_bytes);
    fprintf(f, "\n# %s\n# %12s %12s %7s %7s %7s %8s  %s\n", title, "read-bytes", "write-bytes", "reads", "writes",
            "flushes", "discards", col);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "  %12" PRIu64 " %12" PRIu64 " %7" PRIu64 " %7" PRIu64 " %7" PRIu64 " %8" PRIu64 "  %s\n",
                v[i].bytes[0], v[i].bytes[1], v[i].n[0], v[i].n[1], v[i].n[2], v[i].n[3], v[i].key);
}

static int disk_end(struct qtc_wctx *w)
{
    struct dstate *s = w->state;
    FILE *f = s->out;
    if (s->ndev == 0) {
        fputs("# no block request in this trace (was it recorded with --disk-trace, and does the guest have a "
              "disk?)\n", f);
    } else {
        fputs("# block requests (--disk-trace), counted when the driver started them\n"
              "# disk  requests  ended  mean-time-ms  sectors-touched\n", f);
        for (size_t i = 0; i < s->ndev; i++) {
            struct dsum *d = &s->dev[i];
            uint64_t n = d->n[0] + d->n[1] + d->n[2] + d->n[3] + d->other;
            fprintf(f, "  %-6s %8" PRIu64 " %6" PRIu64 " %13.3f  ", d->key, n, d->done,
                    d->done ? (double)d->ns / (double)d->done / 1e6 : 0.0);
            if (d->hi)
                fprintf(f, "%" PRIu64 "-%" PRIu64 "\n", d->lo, d->hi - 1);
            else
                fputs("none\n", f);
        }
        table(f, "per disk", "disk", s->dev, s->ndev);
        table(f, "per process: the task running when the driver started the request (kworker, jbd2: the kernel's "
                 "writeback and journal threads)", "    pid  comm", s->proc, s->nproc);
        table(f, "per file: whose page cache the request's first segment holds (the path is in the file's own file "
                 "system; 'no file' when the kernel names none)", "disk   file", s->file, s->nfile);
    }
    int rc = ferror(f) ? -1 : 0;
    qtc_disk_pairs_free(&s->pairs);
    free(s->dev);
    free(s->proc);
    free(s->file);
    free(s);
    w->state = NULL;
    return rc;
}

const struct qtc_writer qtc_writer_disk = {
    .name = "disk",
    .ext = "disk.txt",
    .help = "block requests (--disk-trace) summed per disk, per process and per file",
    .begin = disk_begin,
    .event = disk_event,
    .end = disk_end,
};
