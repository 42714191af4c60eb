/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "vmmap.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "writer.h"

/* /proc/PID/maps pads a line to this column before the name (show_map_vma: 25 + 6 * sizeof(void *) - 1 = 72), then one space */
#define NAME_COLUMN 72

void qtv_iter_init(struct qtv_iter *it, const struct qt_rec_call *c)
{
    it->p = (const uint8_t *)c + sizeof(*c);
    it->end = (const uint8_t *)c + c->h.size;
    if (c->h.type != QT_REC_VMA || it->p > it->end)
        it->p = it->end;
}

bool qtv_next(struct qtv_iter *it, struct qtv_area *a)
{
    if ((size_t)(it->end - it->p) < sizeof(struct qt_vma))
        return false;
    memcpy(&a->e, it->p, sizeof(a->e));
    size_t size = sizeof(a->e) + QT_ALIGN8(a->e.name_len);
    if (size > (size_t)(it->end - it->p)) {
        it->p = it->end;
        return false;
    }
    a->name = (const char *)it->p + sizeof(a->e);
    it->p += size;
    return true;
}

void qtv_area_line(const struct qtv_area *a, struct qt_sb *out)
{
    const struct qt_vma *e = &a->e;
    size_t start = out->len;
    qt_sb_printf(out, "%08" PRIx64 "-%08" PRIx64 " %c%c%c%c %08" PRIx64 " %02x:%02x %" PRIu64 " ", e->start, e->end,
                 e->flags & QT_VMA_READ ? 'r' : '-', e->flags & QT_VMA_WRITE ? 'w' : '-',
                 e->flags & QT_VMA_EXEC ? 'x' : '-', e->flags & QT_VMA_SHARED ? 's' : 'p', e->off, e->dev >> 20,
                 e->dev & 0xfffff, e->ino);
    if (!e->name_len && !(e->flags & QT_VMA_NAME_UNREADABLE))
        return;
    while (out->len - start < NAME_COLUMN)
        qt_sb_putc(out, ' ');
    qt_sb_putc(out, ' ');
    if (e->flags & QT_VMA_NAME_UNREADABLE)
        qt_sb_puts(out, "<unreadable path>");
    else
        qt_sb_put_cescaped(out, a->name, e->name_len);
}

void qtv_cause(const struct qtr *r, uint64_t cause, struct qt_sb *out)
{
    const char *n = cause == QT_VMA_CAUSE_START ? "start" : qtw_syscall_name(r, cause);
    if (n)
        qt_sb_puts(out, n);
    else
        qt_sb_printf(out, "syscall_%" PRIu64, cause & 0xffffffffu);
}

static bool same_area(const struct qtv_area *x, const struct qtv_area *y)
{
    return memcmp(&x->e, &y->e, sizeof(x->e)) == 0 && memcmp(x->name, y->name, x->e.name_len) == 0;
}

size_t qtv_diff(const struct qt_rec_call *prev, const struct qt_rec_call *cur,
                void (*line)(void *ctx, char sign, const struct qtv_area *a), void *ctx)
{
    struct qtv_iter ip, ic;
    struct qtv_area ap, ac;
    qtv_iter_init(&ic, cur);
    if (prev)
        qtv_iter_init(&ip, prev);
    else
        ip.p = ip.end = NULL;
    bool hp = qtv_next(&ip, &ap), hc = qtv_next(&ic, &ac);
    size_t n = 0;
    while (hp || hc) {
        if (hp && hc && same_area(&ap, &ac)) {
            hp = qtv_next(&ip, &ap);
            hc = qtv_next(&ic, &ac);
        } else if (hp && (!hc || ap.e.start <= ac.e.start)) {
            line(ctx, '-', &ap);
            n++;
            hp = qtv_next(&ip, &ap);
        } else {
            line(ctx, '+', &ac);
            n++;
            hc = qtv_next(&ic, &ac);
        }
    }
    return n;
}

bool qtv_parse_when(const char *when, uint64_t *ts_ns)
{
    if (strcmp(when, "end") == 0) {
        *ts_ns = UINT64_MAX;
        return true;
    }
    char *end;
    double d = strtod(when, &end);
    if (end == when || !(d >= 0) || d > 1e9 || (when[0] != '.' && (when[0] < '0' || when[0] > '9')))
        return false;
    double mul = 1e9;
    if (strcmp(end, "ms") == 0)
        mul = 1e6;
    else if (strcmp(end, "us") == 0)
        mul = 1e3;
    else if (strcmp(end, "ns") == 0)
        mul = 1;
    else if (*end && strcmp(end, "s") != 0)
        return false;
    *ts_ns = (uint64_t)(d * mul + 0.5);
    return true;
}

/* ---- --maps-at ---------------------------------------------------------------------------- */

struct proc_map {
    uint32_t pid;
    const struct qt_rec_call *map;  /* the last map at or before the time */
    bool ended;                     /* its main thread exited at or before the time */
    char comm[16];
};

struct at_state {
    uint64_t ts;
    uint32_t pid;
    struct qtc_map procs;           /* pid -> struct proc_map * */
};

static struct proc_map *proc_of(struct at_state *s, uint32_t pid)
{
    void **slot = qtc_map_slot(&s->procs, pid, 0, true);
    if (!*slot) {
        struct proc_map *p = qtc_xcalloc(1, sizeof(*p));
        p->pid = pid;
        *slot = p;
    }
    return *slot;
}

static int at_event(const struct qtr_event *ev, void *ctx)
{
    struct at_state *s = ctx;
    if (ev->ts_ns > s->ts)
        return 1; /* past the point: stop */
    if (ev->type == QT_REC_THREAD && ev->thread->pid && ev->thread->tid == ev->thread->pid &&
        (!s->pid || s->pid == ev->thread->pid)) {
        memcpy(proc_of(s, ev->thread->pid)->comm, ev->thread->comm, sizeof(ev->thread->comm));
        return 0;
    }
    const struct qt_rec_call *c = ev->call;
    if (!c || !c->pid || (s->pid && c->pid != s->pid))
        return 0;
    if (ev->type == QT_REC_VMA) {
        struct proc_map *p = proc_of(s, c->pid);
        p->map = c;
        p->ended = false;
    } else if (ev->type == QT_REC_PROC && c->func == QT_PROC_EXIT && c->tid == c->pid && s->ts != UINT64_MAX) {
        proc_of(s, c->pid)->ended = true;
    } else if (ev->type == QT_REC_PROC && c->func == QT_PROC_EXEC) {
        for (int i = 0; i < ev->nargs; i++)
            if (ev->args[i].a->pos == 3 && ev->args[i].a->type == QT_T_STR) {
                struct proc_map *p = proc_of(s, c->pid);
                size_t n = ev->args[i].a->len < 15 ? ev->args[i].a->len : 15;
                memset(p->comm, 0, sizeof(p->comm));
                memcpy(p->comm, ev->args[i].data, n);
            }
    }
    return 0;
}

static int by_pid(const void *a, const void *b)
{
    const struct proc_map *x = *(struct proc_map *const *)a, *y = *(struct proc_map *const *)b;
    return x->pid < y->pid ? -1 : x->pid > y->pid;
}

long qtv_maps_at(const struct qtr *r, uint64_t ts_ns, uint32_t pid, FILE *out)
{
    struct at_state s = { .ts = ts_ns, .pid = pid };
    struct qtr_handlers h = { at_event, NULL, &s };
    qtr_replay(r, &h);
    struct proc_map **list = qtc_xcalloc(s.procs.cap + 1, sizeof(*list));
    size_t n = 0;
    for (size_t i = 0; i < s.procs.cap; i++)
        if (s.procs.e[i].used && s.procs.e[i].v) {
            struct proc_map *p = s.procs.e[i].v;
            if (p->map && !p->ended)
                list[n++] = p;
        }
    qsort(list, n, sizeof(*list), by_pid);
    struct qt_sb sb;
    qt_sb_init(&sb);
    for (size_t i = 0; i < n; i++) {
        const struct qt_rec_call *c = list[i]->map;
        qt_sb_printf(&sb, "# pid %u", list[i]->pid);
        if (list[i]->comm[0]) {
            qt_sb_puts(&sb, " (");
            qt_sb_put_cescaped(&sb, list[i]->comm, strnlen(list[i]->comm, 16));
            qt_sb_putc(&sb, ')');
        }
        qt_sb_printf(&sb, ": map of %" PRIu64 ".%09" PRIu64 "s, after ", c->ts_ns / 1000000000u,
                     c->ts_ns % 1000000000u);
        qtv_cause(r, c->func, &sb);
        qt_sb_printf(&sb, " by tid %u%s\n", c->tid,
                     c->depth & QT_VMA_INCOMPLETE ? " (incomplete: the kernel's tree could not be read whole)" : "");
        struct qtv_iter it;
        struct qtv_area a;
        qtv_iter_init(&it, c);
        while (qtv_next(&it, &a)) {
            qtv_area_line(&a, &sb);
            qt_sb_putc(&sb, '\n');
        }
        fwrite(sb.buf, 1, sb.len, out);
        qt_sb_reset(&sb);
    }
    qt_sb_free(&sb);
    for (size_t i = 0; i < s.procs.cap; i++)
        if (s.procs.e[i].used)
            free(s.procs.e[i].v);
    qtc_map_free(&s.procs);
    free(list);
    return ferror(out) ? -1 : (long)n;
}
