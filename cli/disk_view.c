/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "disk_view.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kargtype.h"
#include "writer.h"

#define S_IFMT_ 0170000u
#define S_IFREG_ 0100000u
#define S_IFBLK_ 0060000u

/* cmd_flags bits above the operation (include/linux/blk_types.h, enum req_flag_bits) */
static const struct {
    unsigned bit;
    const char *name;
} req_flags[] = {
    { 11, "sync" }, { 12, "meta" }, { 17, "fua" }, { 18, "preflush" }, { 19, "readahead" }, { 20, "background" },
};

static void printable(char *dst, size_t cap, const uint8_t *s, size_t n)
{
    size_t j = 0;
    for (size_t i = 0; i < n && s[i] && j + 1 < cap; i++)
        dst[j++] = s[i] >= 0x20 && s[i] < 0x7f ? (char)s[i] : '?';
    dst[j] = '\0';
}

void qtc_disk_req_of(const struct qtr_event *ev, struct qtc_disk_req *q)
{
    memset(q, 0, sizeof(*q));
    strcpy(q->dev, "?");
    q->pid = ev->call->pid;
    q->tid = ev->call->tid;
    q->issue_ns = ev->call->ts_ns;
    for (int i = 0; i < ev->nargs; i++) {
        const struct qt_arg *a = ev->args[i].a;
        const uint8_t *d = ev->args[i].data;
        switch (a->pos) {
        case 1: q->rq = a->value; break;
        case 2: q->flags = (uint32_t)a->value; break;
        case 3: q->sector = a->value; break;
        case 4: q->bytes = (uint32_t)a->value; break;
        case 5:
            if (!(a->flags & QT_ARG_UNREADABLE) && a->len)
                printable(q->dev, sizeof(q->dev), d, a->len);
            break;
        case 6: q->ino = a->value; break;
        case 7: q->mode = (uint32_t)a->value; break;
        case 8:
            if (!(a->flags & QT_ARG_UNREADABLE) && a->len) {
                struct qt_sb sb;
                qt_sb_init(&sb);
                qt_sb_put_cescaped(&sb, (const char *)d, a->len);
                snprintf(q->file, sizeof(q->file), "%s%s", sb.buf, a->flags & QT_ARG_TRUNCATED ? "..." : "");
                qt_sb_free(&sb);
            }
            break;
        case 9: printable(q->comm, sizeof(q->comm), d, a->len); break;
        }
    }
}

struct qtc_disk_req *qtc_disk_track(struct qtc_disk_pairs *p, const struct qtr_event *ev)
{
    if (ev->call->func == QT_DISK_ISSUE) {
        struct qtc_disk_req *q = qtc_xmalloc(sizeof(*q));
        qtc_disk_req_of(ev, q);
        void **slot = qtc_map_slot(&p->open, q->rq, 0, true);
        free(*slot); /* issued again without an end we saw */
        *slot = q;
        return NULL;
    }
    uint64_t rq = ev->nargs > 0 ? ev->args[0].a->value : 0;
    void **slot = qtc_map_slot(&p->open, rq, 0, false);
    if (!slot || !*slot)
        return NULL;
    struct qtc_disk_req *q = *slot;
    *slot = NULL;
    return q;
}

void qtc_disk_pairs_free(struct qtc_disk_pairs *p)
{
    for (size_t i = 0; i < p->open.cap; i++)
        free(p->open.e[i].v);
    qtc_map_free(&p->open);
}

const char *qtc_disk_op_name(uint32_t flags, char buf[16])
{
    static const char *const ops[] = { "read", "write", "flush", "discard" };
    unsigned op = flags & 0xff;
    if (op < sizeof(ops) / sizeof(ops[0]))
        return ops[op];
    snprintf(buf, 16, "op %u", op);
    return buf;
}

void qtc_disk_describe(const struct qtc_disk_req *q, struct qt_sb *out)
{
    char ob[16];
    qt_sb_printf(out, "%s %s", q->dev, qtc_disk_op_name(q->flags, ob));
    if (q->bytes)
        qt_sb_printf(out, " %u bytes at sector %" PRIu64, q->bytes, q->sector);
    const char *sep = " [";
    for (size_t i = 0; i < sizeof(req_flags) / sizeof(req_flags[0]); i++)
        if (q->flags & (1u << req_flags[i].bit)) {
            qt_sb_printf(out, "%s%s", sep, req_flags[i].name);
            sep = ",";
        }
    if (sep[0] == ',')
        qt_sb_putc(out, ']');
}

void qtc_disk_file(const struct qtc_disk_req *q, struct qt_sb *out)
{
    if (q->file[0])
        qt_sb_printf(out, "file %s (inode %" PRIu64 ")", q->file, q->ino);
    else if (q->ino && (q->mode & S_IFMT_) == S_IFREG_)
        qt_sb_printf(out, "inode %" PRIu64 " (regular file, name not known)", q->ino);
    else if ((q->mode & S_IFMT_) == S_IFBLK_)
        qt_sb_puts(out, "no file: the device's own pages (file-system metadata, journal)");
    else if (q->ino)
        qt_sb_printf(out, "no file: inode %" PRIu64 " mode 0%o", q->ino, q->mode);
    else
        qt_sb_puts(out, q->bytes ? "no file named by the kernel" : "no data");
}

int qtc_disk_status(const struct qtr_event *ev)
{
    for (int i = 0; i < ev->nargs; i++)
        if (ev->args[i].a->pos == 2)
            return (int)(int8_t)ev->args[i].a->value;
    return 0;
}

void qtc_disk_text(struct qtc_disk_pairs *p, const struct qtr_event *ev, struct qt_sb *out)
{
    qt_sb_puts(out, "disk ");
    if (ev->call->func == QT_DISK_ISSUE) {
        struct qtc_disk_req q;
        qtc_disk_req_of(ev, &q);
        qtc_disk_describe(&q, out);
        qt_sb_printf(out, " by %s (pid %u): ", q.comm[0] ? q.comm : "?", q.pid);
        qtc_disk_file(&q, out);
        qtc_disk_track(p, ev);
        return;
    }
    struct qtc_disk_req *q = qtc_disk_track(p, ev);
    if (q) {
        qtc_disk_describe(q, out);
        uint64_t ns = ev->call->ts_ns - q->issue_ns;
        qt_sb_printf(out, " done in %" PRIu64 ".%03u ms", ns / 1000000, (unsigned)(ns / 1000 % 1000));
    } else {
        qt_sb_printf(out, "request 0x%" PRIx64 " ended, never started on the device (completed by the block layer, "
                     "e.g. the empty flush of an fsync; or started before the trace)", ev->nargs ? ev->args[0].a->value : 0);
    }
    int st = qtc_disk_status(ev);
    if (st)
        qt_sb_printf(out, ", error (blk_status_t %d)", st);
    free(q);
}
