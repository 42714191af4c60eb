/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "reader.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arch.h"
#include "util.h"

_Static_assert(sizeof(void *) >= sizeof(uint64_t), "times are kept in pointer-sized map values");

/* One chunk: an ordered run of records of one vCPU. */
struct qtr_run {
    size_t off;             /* first record */
    size_t len;             /* bytes of complete records */
    uint32_t vcpu;
    uint64_t first_key;     /* merge key of its first records (their time, or the vCPU's time so far) */
    size_t next;            /* index + 1 of the same vCPU's next run (file order), 0: none */
    bool first;             /* the vCPU's first run */
};

const char *qtr_arch_name(uint32_t arch)
{
    const struct qt_arch_desc *a = qt_arch_by_id((enum qt_arch)arch);
    return a ? a->name : "unknown-arch";
}

const char *qtr_mode_name(uint32_t mode)
{
    switch (mode) {
    case QT_MODE_USER: return "user mode";
    case QT_MODE_SYSTEM: return "system mode";
    default: return "unknown mode";
    }
}

const char *qtr_clock_name(const struct qtr *r, char *buf, size_t len)
{
    if (r->hdr.clock != QT_CLOCK_GUEST || r->hdr.clock_shift >= 32)
        return "host time";
    snprintf(buf, len, "guest time (%u ns per instruction)", 1u << r->hdr.clock_shift);
    return buf;
}

static void note(struct qtr *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct qtr *r, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    r->notes = qtc_xrealloc(r->notes, (r->nnotes + 1) * sizeof(*r->notes));
    r->notes[r->nnotes++] = qtc_xstrdup(buf);
}

/* ---- records ----------------------------------------------------------------------------- */

static bool is_call(unsigned type)
{
    return type == QT_REC_ENTRY || type == QT_REC_EXIT || type == QT_REC_SYSCALL || type == QT_REC_SYSRET ||
           type == QT_REC_PROC || type == QT_REC_DISK || type == QT_REC_FILEW || type == QT_REC_VMA ||
           type == QT_REC_PAGE;
}

/* A packed event word (format.h): its type has QT_REC_PACKED set, and it is 8 bytes. */
static bool is_fast(unsigned type)
{
    return (type & QT_REC_PACKED) != 0;
}

static uint64_t packed_word(const struct qt_rec_hdr *h)
{
    uint64_t w;
    memcpy(&w, h, sizeof(w));
    return w;
}

/* Is the record big enough for its type? Unknown types are always fine (skipped by size). */
static bool well_formed(const struct qt_rec_hdr *h)
{
    if (is_fast(h->type))
        return h->size == sizeof(uint64_t);
    switch (h->type) {
    case QT_REC_SYM:
    case QT_REC_MAP: return h->size >= sizeof(struct qt_rec_sym);
    case QT_REC_ENTRY:
    case QT_REC_EXIT:
    case QT_REC_SYSCALL:
    case QT_REC_SYSRET:
    case QT_REC_PROC:
    case QT_REC_DISK:
    case QT_REC_FILEW: return h->size >= sizeof(struct qt_rec_call);
    case QT_REC_VMA:
    case QT_REC_PAGE: return h->size >= sizeof(struct qt_rec_call);
    case QT_REC_LOST: return h->size >= sizeof(struct qt_rec_lost);
    case QT_REC_THREAD: return h->size >= sizeof(struct qt_rec_thread);
    case QT_REC_END: return h->size >= sizeof(struct qt_rec_end);
    case QT_REC_STOP: return h->size >= sizeof(struct qt_rec_stop);
    case QT_REC_BASE: return h->size >= sizeof(struct qt_rec_base);
    default: return true;
    }
}

/* Decoding state of one run (chunk). A compact record's time is interpolated by its
 * instruction count between the anchors around it: the records of the chunk that carry both
 * a time and an instruction count of the vCPU (BASE and full function entries and exits).
 * This is format.h's rule (between a base and the next), with full records as extra anchors:
 * compact and full records of a chunk stay in time order. */
struct dstate {
    bool have_base;
    struct qt_rec_base base;
    bool have_prev, have_next;
    uint64_t prev_ts, prev_ic;  /* the last anchor */
    uint64_t next_ts;           /* the next anchor: no compact record goes beyond it */
    double ns_per_insn;         /* between them (after the last anchor of a chunk: the last rate) */
    bool capped;                /* after the chunk's last anchor: the vCPU's next chunk's first */
    uint64_t cap;               /* key bounds the extrapolation (records of a vCPU stay in order) */
};

/* A record that has both a time and an (exact) instruction count of its vCPU. */
static bool anchor(const struct qt_rec_hdr *h, uint64_t *ts, uint64_t *icount)
{
    if (!well_formed(h))
        return false;
    if (h->type == QT_REC_BASE) {
        *ts = ((const struct qt_rec_base *)h)->ts_ns;
        *icount = ((const struct qt_rec_base *)h)->icount;
        return true;
    }
    if (h->type == QT_REC_ENTRY || h->type == QT_REC_EXIT) {
        *ts = ((const struct qt_rec_call *)h)->ts_ns;
        *icount = ((const struct qt_rec_call *)h)->icount;
        return true;
    }
    return false;
}

/* Called once for every record of a run, in order, before its time is asked (end: the run's
 * end): a BASE becomes the base of the compact records after it, an anchor the start of the
 * next interpolation interval. */
static void dstate_advance(struct dstate *d, const struct qt_rec_hdr *h, const uint8_t *end)
{
    uint64_t ts, ic;
    if (!anchor(h, &ts, &ic))
        return;
    if (h->type == QT_REC_BASE) {
        memcpy(&d->base, h, sizeof(d->base));
        d->have_base = true;
    }
    d->have_prev = true;
    d->prev_ts = ts;
    d->prev_ic = ic;
    d->have_next = false;
    for (const uint8_t *p = (const uint8_t *)h + h->size; p + sizeof(struct qt_rec_hdr) <= end;) {
        const struct qt_rec_hdr *n = (const struct qt_rec_hdr *)p;
        uint64_t ts2, ic2;
        if (n->size < sizeof(*n) || (size_t)(end - p) < n->size)
            break;
        if (anchor(n, &ts2, &ic2)) {
            if (ts2 >= ts && ic2 > ic)
                d->ns_per_insn = (double)(ts2 - ts) / (double)(ic2 - ic);
            d->have_next = ts2 >= ts;
            d->next_ts = ts2;
            return;
        }
        p += n->size;
    }
    if (d->capped && d->cap >= ts) { /* the chunk's last anchor: not past the vCPU's next chunk */
        d->have_next = true;
        d->next_ts = d->cap;
    }
}

static uint64_t fast_ts(const struct dstate *d, uint64_t w)
{
    uint64_t ic = d->base.icount + qt_packed_dicount(w);
    uint64_t ts = d->prev_ts;
    if (ic > d->prev_ic)
        ts += (uint64_t)((double)(ic - d->prev_ic) * d->ns_per_insn + 0.5);
    return d->have_next && ts > d->next_ts ? d->next_ts : ts;
}

/* Time of a record, or false for untimed records (and compact ones without a base). */
static bool rec_ts(const struct dstate *d, const struct qt_rec_hdr *h, uint64_t *ts)
{
    if (!well_formed(h))
        return false;
    if (is_call(h->type)) {
        *ts = ((const struct qt_rec_call *)h)->ts_ns;
        return true;
    }
    if (is_fast(h->type)) {
        if (!d->have_base)
            return false;
        *ts = fast_ts(d, packed_word(h));
        return true;
    }
    switch (h->type) {
    case QT_REC_END:
        *ts = ((const struct qt_rec_end *)h)->ts_ns;
        return true;
    case QT_REC_BASE:
        *ts = ((const struct qt_rec_base *)h)->ts_ns;
        return true;
    }
    return false;
}

static void decode_args(const struct qt_rec_call *c, struct qtr_event *ev)
{
    const uint8_t *p = (const uint8_t *)c + sizeof(*c);
    const uint8_t *end = (const uint8_t *)c + c->h.size;
    ev->nargs = 0;
    for (unsigned i = 0; i < c->nargs && ev->nargs < QTR_MAX_ARGS; i++) {
        if ((size_t)(end - p) < sizeof(struct qt_arg))
            break;
        const struct qt_arg *a = (const struct qt_arg *)p;
        size_t need = sizeof(*a) + QT_ALIGN8(a->len);
        if (need > (size_t)(end - p))
            break;
        ev->args[ev->nargs].a = a;
        ev->args[ev->nargs].data = p + sizeof(*a);
        ev->nargs++;
        p += need;
    }
}

static const struct qtr_sym *sym_of_id(const struct qtr *r, uint32_t id)
{
    return id < r->nids && r->id_sym[id] ? &r->syms[r->id_sym[id] - 1] : NULL;
}

/* Decode record h (of a run of vCPU vcpu, d advanced past it) into ev. Returns true for the
 * records writers get: calls (full or compact), LOST, THREAD, END. ev->as is not set here. */
static bool decode(const struct qtr *r, const struct dstate *d, uint32_t vcpu, const struct qt_rec_hdr *h,
                   uint64_t key, struct qtr_event *ev)
{
    if (!well_formed(h) || h->type == QT_REC_BASE)
        return false;
    if (!(is_call(h->type) || is_fast(h->type) || h->type == QT_REC_LOST || h->type == QT_REC_THREAD ||
          h->type == QT_REC_END))
        return false; /* SYM, MAP (looked up instead), exec log, unknown */
    if (is_fast(h->type) && !d->have_base)
        return false; /* no base: cannot be placed (counted as malformed by the scan) */
    /* every field before args, by name: a memset of them costs more than the decoding */
    ev->h = h;
    ev->type = h->type;
    ev->vcpu = h->vcpu;
    ev->ts_ns = key;
    ev->call = NULL;
    ev->sym = NULL;
    ev->as = 0;
    ev->lost = 0;
    ev->thread = NULL;
    ev->end = NULL;
    ev->nargs = 0;
    if (is_call(h->type)) {
        const struct qt_rec_call *c = (const struct qt_rec_call *)h;
        ev->call = c;
        if (h->type == QT_REC_ENTRY || h->type == QT_REC_EXIT)
            ev->sym = qtr_sym_at(r, c->func);
        decode_args(c, ev);
    } else if (is_fast(h->type)) {
        uint64_t w = packed_word(h);
        struct qt_rec_call *c = &ev->fast;
        ev->sym = sym_of_id(r, qt_packed_id(w));
        *c = (struct qt_rec_call){
            .h = { qt_packed_kind(w) == QT_PACKED_ENTRY ? QT_REC_ENTRY : QT_REC_EXIT, sizeof(*c), vcpu },
            .flags = qt_packed_kind(w) == QT_PACKED_UNWOUND ? QT_CALL_UNWOUND : 0,
            .depth = (uint16_t)qt_packed_depth(w),
            .tid = d->base.tid,
            .pid = d->base.pid,
            .ts_ns = fast_ts(d, w),
            .icount = d->base.icount + qt_packed_dicount(w),
            .asid = d->base.asid,
            .func = ev->sym ? ev->sym->addr : 0,
        };
        ev->type = c->h.type;
        ev->vcpu = vcpu;
        ev->ts_ns = c->ts_ns;
        ev->call = c;
        ev->nargs = 0;
    } else if (h->type == QT_REC_LOST) {
        ev->lost = ((const struct qt_rec_lost *)h)->count;
    } else if (h->type == QT_REC_THREAD) {
        ev->thread = (const struct qt_rec_thread *)h;
    } else {
        ev->end = (const struct qt_rec_end *)h;
    }
    return true;
}

void qtr_event_copy(struct qtr_event *dst, const struct qtr_event *src)
{
    /* the arguments in use only: the array is most of the event */
    memcpy(dst, src, offsetof(struct qtr_event, args) + (size_t)src->nargs * sizeof(src->args[0]));
    if (src->call == &src->fast)
        dst->call = &dst->fast;
}

/* ---- symbols ------------------------------------------------------------------------------ */

static void add_sym(struct qtr *r, const struct qt_rec_sym *s, bool module, size_t *cap)
{
    size_t avail = s->h.size - sizeof(*s);
    const char *p = s->name;
    size_t nl = strnlen(p, avail);
    if (s->name_len < nl)
        nl = s->name_len;
    struct qtr_sym *arr = module ? r->maps : r->syms;
    size_t n = module ? r->nmaps : r->nsyms;
    if (n == *cap) {
        *cap = *cap ? *cap * 2 : 256;
        arr = qtc_xrealloc(arr, *cap * sizeof(*arr));
    }
    struct qtr_sym *y = &arr[n];
    memset(y, 0, sizeof(*y));
    y->addr = s->addr;
    y->size = s->size;
    y->flags = s->flags;
    y->name = qtc_sanitize(p, nl);
    if (!module) {
        /* parameter names: NUL-terminated strings after the name's NUL, ended by "" */
        size_t at = strnlen(p, avail) + 1;
        while (at < avail && y->nparams < QTR_MAX_ARGS) {
            size_t l = strnlen(p + at, avail - at);
            if (l == 0 || at + l >= avail)
                break; /* end marker, or a name without its NUL: stop */
            y->params = qtc_xrealloc(y->params, (size_t)(y->nparams + 1) * sizeof(char *));
            y->params[y->nparams++] = qtc_sanitize(p + at, l);
            at += l + 1;
        }
    }
    if (module) {
        r->maps = arr;
        r->nmaps++;
    } else {
        r->syms = arr;
        r->nsyms++;
    }
}

static void free_sym(struct qtr_sym *y)
{
    free(y->name);
    for (int i = 0; i < y->nparams; i++)
        free(y->params[i]);
    free(y->params);
}

struct tagged {
    uint64_t addr;
    size_t i;           /* file order: the first symbol recorded at an address wins */
};

static int cmp_tagged(const void *a, const void *b)
{
    const struct tagged *x = a, *y = b;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

/* Reading a mapped trace, everything before pos is done with: its pages leave this process's
 * memory, so that memory stays bounded whatever the size of the trace (the mapping is read-only:
 * a page touched again would come back from the file). The kernel maps pages around each one
 * read (fault-around, 64 KiB): those up to RELEASE_BACK behind *upto, released already, are
 * released again. */
#define RELEASE_BACK (128 * 1024)
static void release_below(const struct qtr *r, size_t *upto, size_t pos)
{
    static size_t pg;
    if (!r->mapped || pos <= *upto)
        return;
    if (!pg)
        pg = (size_t)sysconf(_SC_PAGESIZE);
    size_t a = (*upto > RELEASE_BACK ? *upto - RELEASE_BACK : 0) / pg * pg, b = pos / pg * pg;
    if (b > a)
        madvise((void *)(uintptr_t)(r->data + a), b - a, MADV_DONTNEED);
    *upto = pos;
}

/* ---- scan ---------------------------------------------------------------------------------- */

struct id_pair {
    uint32_t id;
    uint64_t addr;
};

struct scan_state {
    size_t released;        /* release_below's mark */
    size_t sym_cap, map_cap, run_cap;
    struct id_pair *ids;
    size_t nids, ids_cap;
};

/* First pass, file order: chunks become runs; symbols, modules and the END record are
 * collected. */
static void scan_chunks(struct qtr *r, struct scan_state *s)
{
    const char *name = r->path;
    size_t off = r->hdr.hdr_size;
    while (off < r->size) {
        if (r->size - off < sizeof(struct qt_chunk_hdr)) {
            r->truncated = true;
            note(r, "%s: the last chunk is cut short (QEMU was killed while writing?): %zu trailing bytes ignored", name,
                 r->size - off);
            break;
        }
        struct qt_chunk_hdr ch;
        memcpy(&ch, r->data + off, sizeof(ch));
        if (ch.magic != QT_CHUNK_MAGIC || ch.size % 8) {
            note(r, "%s: corrupt data at offset %zu: the rest of the file (%zu bytes) is ignored", name, off,
                 r->size - off);
            break;
        }
        size_t body = off + sizeof(ch);
        size_t avail = r->size - body;
        size_t csize = ch.size;
        bool cut = false;
        if (csize > avail) {
            csize = avail;
            cut = true;
        }
        size_t pos = 0;
        while (pos + sizeof(struct qt_rec_hdr) <= csize) {
            const struct qt_rec_hdr *h = (const struct qt_rec_hdr *)(r->data + body + pos);
            if (h->size < sizeof(*h) || h->size % 8) {
                note(r, "%s: corrupt record at offset %zu (size %u): the rest of its chunk is ignored", name,
                     body + pos, h->size);
                break;
            }
            if (h->size > csize - pos) {
                if (!cut)
                    note(r, "%s: record at offset %zu overruns its chunk: the rest of the chunk is ignored", name,
                         body + pos);
                break;
            }
            if (well_formed(h)) {
                if (h->type == QT_REC_SYM || h->type == QT_REC_MAP) {
                    const struct qt_rec_sym *y = (const struct qt_rec_sym *)h;
                    add_sym(r, y, h->type == QT_REC_MAP, h->type == QT_REC_MAP ? &s->map_cap : &s->sym_cap);
                    if (h->type == QT_REC_SYM && y->id) {
                        if (s->nids == s->ids_cap) {
                            s->ids_cap = s->ids_cap ? s->ids_cap * 2 : 256;
                            s->ids = qtc_xrealloc(s->ids, s->ids_cap * sizeof(*s->ids));
                        }
                        s->ids[s->nids++] = (struct id_pair){ y->id, y->addr };
                    }
                } else if (h->type == QT_REC_STOP) {
                    r->has_stop = true;
                    memcpy(&r->stop, h, sizeof(r->stop));
                } else if (h->type == QT_REC_END) {
                    r->has_end = true;
                    memset(&r->end, 0, sizeof(r->end));
                    memcpy(&r->end, h, sizeof(r->end));
                }
            }
            pos += h->size;
        }
        if (pos > 0) {
            if (r->nruns == s->run_cap) {
                s->run_cap = s->run_cap ? s->run_cap * 2 : 64;
                r->runs = qtc_xrealloc(r->runs, s->run_cap * sizeof(*r->runs));
            }
            r->runs[r->nruns++] = (struct qtr_run){ body, pos, ch.vcpu, 0, 0, false };
        }
        release_below(r, &s->released, body + pos);
        if (cut) {
            r->truncated = true;
            note(r, "%s: the last chunk is cut short (QEMU was killed while writing?): read %zu of its %u bytes", name,
                 pos, ch.size);
            break;
        }
        off = body + ch.size;
    }
}

/* Symbols sorted by address, one per address (the first recorded wins); the id table. */
static void index_symbols(struct qtr *r, struct scan_state *s)
{
    if (r->nsyms) {
        size_t n = r->nsyms;
        struct tagged *t = qtc_xmalloc(n * sizeof(*t));
        for (size_t i = 0; i < n; i++)
            t[i] = (struct tagged){ r->syms[i].addr, i };
        qsort(t, n, sizeof(*t), cmp_tagged);
        struct qtr_sym *sorted = qtc_xmalloc(n * sizeof(*sorted));
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            struct qtr_sym *y = &r->syms[t[i].i];
            if (m && sorted[m - 1].addr == y->addr)
                free_sym(y);
            else
                sorted[m++] = *y;
        }
        free(t);
        free(r->syms);
        r->syms = sorted;
        r->nsyms = m;
    }
    uint32_t max = 0;
    for (size_t i = 0; i < s->nids; i++)
        if (s->ids[i].id <= QT_FAST_ID_MAX && s->ids[i].id > max)
            max = s->ids[i].id;
    if (s->nids) {
        r->nids = (size_t)max + 1;
        r->id_sym = qtc_xcalloc(r->nids, sizeof(*r->id_sym));
        for (size_t i = 0; i < s->nids; i++) {
            const struct qtr_sym *y = qtr_sym_at(r, s->ids[i].addr);
            if (s->ids[i].id <= QT_FAST_ID_MAX && y && y->addr == s->ids[i].addr)
                r->id_sym[s->ids[i].id] = (uint32_t)(y - r->syms) + 1;
        }
    }
}

/* Second pass, run by run: statistics, and the time each run starts at for the merge. */
static void scan_runs(struct qtr *r)
{
    struct qtc_map funcs, threads, vcpu_ts;
    memset(&funcs, 0, sizeof(funcs));
    memset(&threads, 0, sizeof(threads));
    memset(&vcpu_ts, 0, sizeof(vcpu_ts));
    struct qtr_event *ev = qtc_xcalloc(1, sizeof(*ev));
    uint64_t lost = 0, fast_orphans = 0;
    size_t released = 0;
    for (size_t i = 0; i < r->nruns; i++) {
        struct qtr_run *run = &r->runs[i];
        struct dstate d = { 0 };
        uint64_t first_ts = 0, last_ts = 0;
        bool have_ts = false;
        for (size_t pos = run->off; pos < run->off + run->len;) {
            const struct qt_rec_hdr *h = (const struct qt_rec_hdr *)(r->data + pos);
            pos += h->size;
            r->st.records++;
            if (!well_formed(h)) {
                r->st.malformed++;
                continue;
            }
            if (h->type >= QT_REC_EXECLOG_FIRST && h->type <= QT_REC_EXECLOG_LAST)
                r->st.execlog++;
            else if (!is_fast(h->type) && (h->type < QT_REC_SYM || h->type > QT_REC_STOP) && !is_call(h->type))
                r->st.unknown++;
            if (is_fast(h->type) && !d.have_base)
                fast_orphans++;
            uint64_t ts;
            dstate_advance(&d, h, r->data + run->off + run->len);
            if (rec_ts(&d, h, &ts)) {
                if (!have_ts)
                    first_ts = ts;
                last_ts = ts;
                have_ts = true;
                if (ts > r->st.last_ts)
                    r->st.last_ts = ts;
            }
            if (!decode(r, &d, run->vcpu, h, 0, ev)) {
                if (h->type == QT_REC_BASE)
                    qtc_map_slot(&threads, d.base.asid, d.base.tid, true);
                continue;
            }
            if (ev->type == QT_REC_PROC && ev->call->func == QT_PROC_PANIC && !r->panic)
                r->panic = (const struct qt_rec_call *)h;
            if (ev->type == QT_REC_VMA)
                r->st.has_vmmap = true;
            if (ev->call && ev->type != QT_REC_PROC && ev->type != QT_REC_VMA && ev->type != QT_REC_PAGE) {
                /* process events, maps and pages of the kernel are context */
                const struct qt_rec_call *c = ev->call;
                r->st.events++;
                if (c->icount)
                    r->st.has_icount = true;
                if (ev->type == QT_REC_ENTRY) {
                    r->st.entries++;
                    qtc_map_slot(&funcs, c->func, 0, true);
                } else if (ev->type == QT_REC_SYSCALL) {
                    r->st.syscalls++;
                }
                qtc_map_slot(&threads, c->asid, c->tid, true);
            } else if (ev->type == QT_REC_LOST) {
                lost += ev->lost;
            }
        }
        release_below(r, &released, run->off + run->len);
        /* Untimed records at the start of a chunk take the time of the vCPU's previous chunk:
         * a chunk of untimed records (execution log) stays after the chunks of the same vCPU
         * written before it. */
        void **vt = qtc_map_slot(&vcpu_ts, run->vcpu, 0, true);
        if (*vt)
            first_ts = (uint64_t)(uintptr_t)*vt - 1;
        if (have_ts || !*vt)
            *vt = (void *)(uintptr_t)((have_ts ? last_ts : first_ts) + 1);
        run->first_key = first_ts;
    }
    /* each vCPU's runs, chained in file order (backwards: a run's successor is seen first) */
    qtc_map_free(&vcpu_ts);
    memset(&vcpu_ts, 0, sizeof(vcpu_ts));
    for (size_t i = r->nruns; i-- > 0;) {
        void **slot = qtc_map_slot(&vcpu_ts, r->runs[i].vcpu, 0, true);
        r->runs[i].next = (size_t)(uintptr_t)*slot;
        *slot = (void *)(uintptr_t)(i + 1);
    }
    for (size_t i = 0; i < vcpu_ts.cap; i++)
        if (vcpu_ts.e[i].used)
            r->runs[(size_t)(uintptr_t)vcpu_ts.e[i].v - 1].first = true;
    free(ev);
    r->st.functions = funcs.n;
    r->st.threads = threads.n;
    r->st.lost = lost;
    if (r->has_end && r->end.lost > r->st.lost)
        r->st.lost = r->end.lost;
    r->st.malformed += fast_orphans;
    qtc_map_free(&funcs);
    qtc_map_free(&threads);
    qtc_map_free(&vcpu_ts);
}

static int scan(struct qtr *r, char *err, size_t errlen)
{
    const char *name = r->path;
    if (r->size < sizeof(struct qt_file_hdr) || memcmp(r->data, QT_FILE_MAGIC, 6) != 0) {
        if (r->size >= 6 && memcmp(r->data, QT_FILE_MAGIC, 6) == 0)
            snprintf(err, errlen, "%s: trace file header is cut short (%zu bytes): QEMU stopped before writing it", name,
                     r->size);
        else if (r->size == 0)
            snprintf(err, errlen, "%s is empty: not a qtrace trace (QEMU stopped before the plugin wrote it?)", name);
        else
            snprintf(err, errlen, "%s is not a qtrace trace (no QTRACE header; expected a .qtr file written by the plugin)",
                     name);
        return -1;
    }
    memcpy(&r->hdr, r->data, sizeof(r->hdr));
    if (memcmp(r->hdr.magic, QT_FILE_MAGIC, 8) != 0 || r->hdr.version != QT_FILE_VERSION) {
        snprintf(err, errlen, "%s is a qtrace trace of format version %u; this qtrace %s reads version %u "
                 "(convert it with the qtrace that recorded it)", name, r->hdr.version, QTRACE_VERSION, QT_FILE_VERSION);
        return -1;
    }
    if (r->hdr.hdr_size < sizeof(struct qt_file_hdr) || r->hdr.hdr_size % 8 || r->hdr.hdr_size > r->size) {
        snprintf(err, errlen, "%s: corrupt trace header (header size %u)", name, r->hdr.hdr_size);
        return -1;
    }
    struct scan_state s;
    memset(&s, 0, sizeof(s));
    scan_chunks(r, &s);
    index_symbols(r, &s);
    free(s.ids);
    scan_runs(r);
    if (!r->has_end)
        note(r, "%s: trace ends without its end record: QEMU stopped at %" PRIu64 ".%03u s (killed?%s), %" PRIu64
             " records read; calls still open are shown as unfinished", name, r->st.last_ts / 1000000000u,
             (unsigned)(r->st.last_ts / 1000000u % 1000u),
             r->hdr.mode == QT_MODE_USER ? " or the program exec'd another, outside QEMU" : "", r->st.records);
    if (r->has_stop) {
        r->stop_note = r->nnotes + 1;
        note(r, "%s: recording stopped %" PRIu64 ".%03u s into the run: the plugin could not write the trace (%s); "
             "it ends there, at %" PRIu64 " bytes, and later events are lost", name, r->stop.ts_ns / 1000000000u,
             (unsigned)(r->stop.ts_ns / 1000000u % 1000u), strerror(r->stop.err), r->stop.bytes);
    }
    if (r->st.malformed)
        note(r, "%s: %" PRIu64 " malformed records skipped", name, r->st.malformed);
    return 0;
}

/* ---- open / close --------------------------------------------------------------------- */

static void init(struct qtr *r, const char *path)
{
    memset(r, 0, sizeof(*r));
    r->path = qtc_xstrdup(path);
}

int qtr_open_mem(struct qtr *r, const void *buf, size_t len, const char *name, char *err, size_t errlen)
{
    init(r, name);
    uint8_t *copy = qtc_xmalloc(len + 8);
    memcpy(copy, buf, len);
    r->data = copy;
    r->size = len;
    if (scan(r, err, errlen) < 0) {
        qtr_close(r);
        return -1;
    }
    return 0;
}

int qtr_open(struct qtr *r, const char *path, char *err, size_t errlen)
{
    init(r, path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        qtr_close(r);
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        close(fd);
        qtr_close(r);
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s is a directory (give the trace file, e.g. %s/trace.qtr)", path, path);
        close(fd);
        qtr_close(r);
        return -1;
    }
    void *map = MAP_FAILED;
    if (S_ISREG(st.st_mode) && st.st_size > 0)
        map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map != MAP_FAILED) {
        r->data = map;
        r->size = (size_t)st.st_size;
        r->mapped = true;
    } else {
        /* a pipe, an empty file, or mmap refused: read it */
        size_t cap = 1 << 16, len = 0;
        uint8_t *buf = qtc_xmalloc(cap);
        for (;;) {
            if (len == cap) {
                cap *= 2;
                buf = qtc_xrealloc(buf, cap);
            }
            ssize_t n = read(fd, buf + len, cap - len);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0) {
                snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
                free(buf);
                close(fd);
                qtr_close(r);
                return -1;
            }
            if (n == 0)
                break;
            len += (size_t)n;
        }
        r->data = buf;
        r->size = len;
    }
    close(fd);
    if (scan(r, err, errlen) < 0) {
        qtr_close(r);
        return -1;
    }
    return 0;
}

void qtr_close(struct qtr *r)
{
    if (r->mapped)
        munmap((void *)r->data, r->size);
    else
        free((void *)r->data);
    for (size_t i = 0; i < r->nsyms; i++)
        free_sym(&r->syms[i]);
    for (size_t i = 0; i < r->nmaps; i++)
        free_sym(&r->maps[i]);
    for (size_t i = 0; i < r->nnotes; i++)
        free(r->notes[i]);
    free(r->notes);
    free(r->syms);
    free(r->maps);
    free(r->runs);
    free(r->id_sym);
    free(r->path);
    memset(r, 0, sizeof(*r));
}

const struct qtr_sym *qtr_sym_at(const struct qtr *r, uint64_t addr)
{
    size_t lo = 0, hi = r->nsyms;
    while (lo < hi) { /* first symbol with addr > target */
        size_t mid = lo + (hi - lo) / 2;
        if (r->syms[mid].addr <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    const struct qtr_sym *y = &r->syms[lo - 1];
    if (y->addr == addr || addr - y->addr < y->size)
        return y;
    return NULL;
}

/* ---- replay --------------------------------------------------------------------------------- */

struct cursor {
    size_t pos, end;        /* absolute offsets in r->data */
    uint64_t key;           /* time of the head record */
    size_t run;             /* tie-break: file order */
    uint32_t vcpu;
    struct dstate d;
};

static bool cur_less(const struct cursor *a, const struct cursor *b)
{
    return a->key != b->key ? a->key < b->key : a->run < b->run;
}

static void heap_down(struct cursor *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < n && cur_less(&h[l], &h[m]))
            m = l;
        if (l + 1 < n && cur_less(&h[l + 1], &h[m]))
            m = l + 1;
        if (m == i)
            return;
        struct cursor t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

/* Key of the head record: its time, or (untimed) the time of the run so far. */
static void cur_key(const struct qtr *r, struct cursor *c)
{
    uint64_t ts;
    const struct qt_rec_hdr *h = (const struct qt_rec_hdr *)(r->data + c->pos);
    dstate_advance(&c->d, h, r->data + c->end); /* once per record, before it is keyed */
    if (rec_ts(&c->d, h, &ts))
        c->key = ts;
}

/* Per-thread entry instruction counts by depth: compact exits carry no entry count (aux). */
struct entry_stack {
    uint64_t *ic;           /* icount + 1 of the entry at each depth, 0 if unknown */
    size_t cap;
};

struct entry_stacks {
    struct qtc_map threads; /* (asid, tid) -> struct entry_stack */
    struct entry_stack *last; /* the last one used, of last_asid and last_tid */
    uint64_t last_asid;
    uint32_t last_tid;
};

static void track_entries(struct entry_stacks *es, struct qtr_event *ev)
{
    struct qt_rec_call *fast = ev->call == &ev->fast ? &ev->fast : NULL;
    const struct qt_rec_call *c = ev->call;
    if (ev->type != QT_REC_ENTRY && !(fast && ev->type == QT_REC_EXIT))
        return;
    struct entry_stack *s = es->last;
    if (!s || es->last_asid != c->asid || es->last_tid != c->tid) {
        void **slot = qtc_map_slot(&es->threads, c->asid, c->tid, true);
        if (!*slot)
            *slot = qtc_xcalloc(1, sizeof(struct entry_stack));
        s = es->last = *slot;
        es->last_asid = c->asid;
        es->last_tid = c->tid;
    }
    if (ev->type == QT_REC_ENTRY) {
        if (c->depth >= s->cap) {
            size_t ncap = (size_t)c->depth + 64;
            s->ic = qtc_xrealloc(s->ic, ncap * sizeof(*s->ic));
            memset(s->ic + s->cap, 0, (ncap - s->cap) * sizeof(*s->ic));
            s->cap = ncap;
        }
        s->ic[c->depth] = c->icount + 1;
    } else {
        fast->aux = c->depth < s->cap && s->ic[c->depth] ? s->ic[c->depth] - 1 : c->icount;
    }
}

static unsigned as_ordinal(const struct qtr *r, struct qtc_map *as, unsigned *next, uint64_t asid)
{
    if (asid == 0 && r->hdr.mode != QT_MODE_SYSTEM)
        return 0;
    void **slot = qtc_map_slot(as, asid, 0, true);
    if (!*slot)
        *slot = (void *)(uintptr_t)(++*next);
    return (unsigned)(uintptr_t)*slot;
}

static struct cursor run_cursor(const struct qtr *r, size_t i)
{
    struct cursor c = { r->runs[i].off, r->runs[i].off + r->runs[i].len, r->runs[i].first_key, i,
                        r->runs[i].vcpu, { 0 } };
    /* no record of the run goes past the first key of the vCPU's next run */
    c.d.capped = r->runs[i].next != 0;
    c.d.cap = c.d.capped ? r->runs[r->runs[i].next - 1].first_key : 0;
    cur_key(r, &c);
    return c;
}

/*
 * Records are merged by time across vCPUs, never within one: a vCPU's records are replayed in
 * file order (its chunks one after the other), whatever their interpolated times say. So
 * the heap holds one cursor per vCPU, on the first of its chunks not yet replayed.
 */
int qtr_replay(const struct qtr *r, const struct qtr_handlers *hd)
{
    struct cursor *heap = qtc_xcalloc(r->nruns ? r->nruns : 1, sizeof(*heap));
    size_t n = 0;
    for (size_t i = 0; i < r->nruns; i++)
        if (r->runs[i].first)
            heap[n++] = run_cursor(r, i);
    for (size_t i = n / 2; i-- > 0;)
        heap_down(heap, n, i);
    struct qtc_map as;
    struct entry_stacks entries;
    memset(&as, 0, sizeof(as));
    memset(&entries, 0, sizeof(entries));
    unsigned next_as = 0;
    struct qtr_event *ev = qtc_xcalloc(1, sizeof(*ev));
    int rc = 0;
    size_t released = 0;
    while (n > 0 && rc == 0) {
        struct cursor *c = &heap[0];
        const struct qt_rec_hdr *h = (const struct qt_rec_hdr *)(r->data + c->pos);
        if (h->type >= QT_REC_EXECLOG_FIRST && h->type <= QT_REC_EXECLOG_LAST) {
            if (hd->execlog)
                rc = hd->execlog(h, hd->ctx);
        } else if (decode(r, &c->d, c->vcpu, h, c->key, ev)) {
            if (ev->call)
                ev->as = as_ordinal(r, &as, &next_as, ev->call->asid);
            else if (ev->thread)
                ev->as = as_ordinal(r, &as, &next_as, ev->thread->asid);
            if (ev->call)
                track_entries(&entries, ev);
            if (hd->event)
                rc = hd->event(ev, hd->ctx);
        }
        c->pos += h->size;
        if (c->pos < c->end) {
            cur_key(r, c);
        } else {
            if (r->runs[c->run].next)
                *c = run_cursor(r, r->runs[c->run].next - 1);
            else
                heap[0] = heap[--n];
            size_t low = n ? heap[0].pos : r->size; /* the lowest offset still to be read */
            for (size_t i = 1; i < n; i++)
                if (heap[i].pos < low)
                    low = heap[i].pos;
            release_below(r, &released, low);
        }
        heap_down(heap, n, 0);
    }
    for (size_t i = 0; i < entries.threads.cap; i++) {
        if (entries.threads.e[i].used) {
            struct entry_stack *s = entries.threads.e[i].v;
            free(s->ic);
            free(s);
        }
    }
    free(ev);
    free(heap);
    qtc_map_free(&as);
    qtc_map_free(&entries.threads);
    return rc;
}
