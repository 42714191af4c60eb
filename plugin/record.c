/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <string.h>

#include "record.h"
#include "syscalls.h"

#define FLUSH_NS 1000000000ull /* a buffer older than this is written out: the file stays readable */

/* A record's header and its who (every record type names them with the same fields). */
#define REC_HEAD(r, type_, vcpu_, w)                                                            \
    do {                                                                                         \
        memset((r), 0, sizeof(*(r)));                                                            \
        (r)->h.type = (type_);                                                                   \
        (r)->h.size = sizeof(*(r));                                                              \
        (r)->h.vcpu = (vcpu_);                                                                   \
        (r)->tid = (w)->tid;                                                                     \
        (r)->pid = (w)->pid;                                                                     \
        (r)->asid = (w)->asid;                                                                   \
    } while (0)

struct qt_rec_call *qt_rec_begin(struct qt_vcpu *v, uint16_t type, size_t max, const struct qt_who *w, uint64_t func,
                                 uint64_t now, uint64_t icount)
{
    struct qt_rec_call *r = qt_vbuf_reserve(v->buf, max);
    REC_HEAD(r, type, v->index, w);
    r->ts_ns = now;
    r->icount = icount;
    r->func = func;
    return r;
}

static void flush_if_old(struct qt_vcpu *v, uint64_t now)
{
    if (now - v->last_flush_ns > FLUSH_NS) {
        qt_vbuf_flush(v->buf);
        v->last_flush_ns = now;
    }
}

void qt_rec_end(struct qt_vcpu *v, struct qt_rec_call *r, size_t size, uint64_t now)
{
    r->h.size = (uint16_t)size;
    qt_vbuf_commit(v->buf, size);
    v->events++;
    flush_if_old(v, now);
}

/* ---- arguments ------------------------------------------------------------------------- */

uint8_t *qt_arg_raw(uint8_t *p, int pos, uint8_t type, uint8_t bits, uint64_t value, uint8_t flags, size_t len,
                    size_t *used)
{
    struct qt_arg *a = (struct qt_arg *)p;
    memset(a, 0, sizeof(*a));
    a->pos = (uint8_t)pos;
    a->type = type;
    a->bits = bits;
    a->flags = flags;
    a->value = value;
    a->len = (uint16_t)len;
    memset(p + sizeof(*a) + len, 0, QT_ALIGN8(len) - len);
    *used = sizeof(*a) + QT_ALIGN8(len);
    return p + sizeof(*a);
}

size_t qt_arg_scalar(uint8_t *p, int pos, uint8_t type, uint8_t bits, uint64_t value)
{
    size_t used;
    qt_arg_raw(p, pos, type, bits, value, 0, 0, &used);
    return used;
}

size_t qt_arg_put(struct qt_vcpu *v, uint8_t *p, const struct qt_argslot *slot, uint64_t value)
{
    struct qt_arg *a = (struct qt_arg *)p;
    memset(a, 0, sizeof(*a));
    a->pos = slot->pos;
    a->type = slot->type;
    a->bits = slot->bits;
    a->value = value;
    qt_arg_decode(&v->mem, a, p + sizeof(*a), QT_STR_MAX);
    if (a->len > QT_STR_MAX)
        a->len = QT_STR_MAX;
    memset(p + sizeof(*a) + a->len, 0, QT_ALIGN8(a->len) - a->len);
    return sizeof(*a) + QT_ALIGN8(a->len);
}

static size_t arg_decoded(struct qt_vcpu *v, uint8_t *p, int pos, uint8_t type, uint64_t value)
{
    struct qt_argslot s = { (uint8_t)pos, type, 64 };
    return qt_arg_put(v, p, &s, value);
}

size_t qt_arg_buf(struct qt_vcpu *v, uint8_t *p, int pos, uint64_t addr, uint64_t len)
{
    size_t used;
    uint64_t n = len < QT_BUF_BYTES ? len : QT_BUF_BYTES;
    if (addr == 0) {
        qt_arg_raw(p, pos, QT_T_STR, 64, addr, QT_ARG_NULL, 0, &used);
        return used;
    }
    uint8_t *d = qt_arg_raw(p, pos, QT_T_STR, 64, addr, len > n ? QT_ARG_TRUNCATED : 0, n, &used);
    if (n > 0 && !v->mem.read(v->mem.ctx, addr, d, n))
        qt_arg_raw(p, pos, QT_T_STR, 64, addr, QT_ARG_UNREADABLE, 0, &used);
    return used;
}

/* ---- packed words ------------------------------------------------------------------------ */

void qt_rec_packed(struct qt_vcpu *v, const struct qt_who *w, enum qt_packed_kind kind, uint32_t id, uint32_t depth,
                   uint64_t icount)
{
    struct qt_vbuf *b = v->buf;
    /* room for a base and the word, so that no flush separates them */
    qt_vbuf_reserve(b, sizeof(struct qt_rec_base) + sizeof(uint64_t));
    if (v->base_who != w || b->used >= b->fast_lim || icount < v->base_icount ||
        icount - v->base_icount > QT_PACKED_DICOUNT_MAX) {
        uint64_t now = qt_out_now(qt.out);
        flush_if_old(v, now);
        struct qt_rec_base *r = qt_vbuf_reserve(b, sizeof(*r));
        REC_HEAD(r, QT_REC_BASE, v->index, w);
        r->ts_ns = now;
        r->icount = icount;
        qt_vbuf_commit(b, sizeof(*r));
        v->base_who = w;
        v->base_icount = icount;
        b->fast_lim = b->used + QT_FAST_PER_BASE * sizeof(uint64_t);
        if (b->fast_lim > QT_OUT_BUF_SIZE - sizeof(uint64_t) + 1)
            b->fast_lim = QT_OUT_BUF_SIZE - sizeof(uint64_t) + 1; /* each word whole in the buffer */
    }
    uint64_t *r = qt_vbuf_reserve(b, sizeof(*r));
    *r = qt_packed_word(kind, id, depth) | (icount - v->base_icount);
    qt_vbuf_commit(b, sizeof(*r));
    v->events++;
}

/* ---- threads, symbols, modules -------------------------------------------------------------- */

void qt_rec_thread(struct qt_vcpu *v, const struct qt_who *w, uint64_t key, const char comm[16])
{
    struct qt_rec_thread *r = qt_out_reserve(qt.out, v->index, sizeof(*r));
    REC_HEAD(r, QT_REC_THREAD, v->index, w);
    r->key = key;
    memcpy(r->comm, comm, sizeof(r->comm));
    qt_out_commit(qt.out, v->index, sizeof(*r));
}

void qt_rec_sym(const struct qt_sym *s, uint64_t addr, uint64_t size, uint32_t id, uint32_t flags)
{
    uint64_t buf[4096 / 8];
    struct qt_rec_sym *r = (struct qt_rec_sym *)buf;
    size_t cap = sizeof(buf) - sizeof(*r) - 1;
    size_t namelen = strnlen(s->name, 1024);
    size_t used = namelen + 1;
    memset(buf, 0, sizeof(buf));
    memcpy(r->name, s->name, namelen);
    /* parameter names (DWARF), NUL-separated, ended by an empty string */
    for (int i = 0; i < s->nparams; i++) {
        char unnamed[16];
        const char *pn = s->params[i].name;
        if (!pn || !pn[0]) { /* "" ends the list: name it by position instead */
            snprintf(unnamed, sizeof(unnamed), "arg%d", i + 1);
            pn = unnamed;
        }
        size_t l = strnlen(pn, 128);
        if (used + l + 2 > cap)
            break;
        memcpy(r->name + used, pn, l);
        used += l + 1;
    }
    used += 1;
    size_t rsize = QT_ALIGN8(sizeof(*r) + used);
    r->h.type = QT_REC_SYM;
    r->h.size = (uint16_t)rsize;
    r->h.vcpu = QT_VCPU_NONE;
    r->flags = QT_SYM_FUNC | flags;
    r->name_len = (uint32_t)namelen;
    r->addr = addr;
    r->size = size;
    r->id = id;
    qt_out_write_direct(qt.out, r, rsize);
}

void qt_rec_map(const char *path, uint64_t base, uint64_t code_size, uint32_t flags)
{
    uint64_t buf[4096 / 8];
    struct qt_rec_sym *r = (struct qt_rec_sym *)buf;
    size_t namelen = strnlen(path, 2048);
    size_t size = QT_ALIGN8(sizeof(*r) + namelen + 1);
    memset(buf, 0, sizeof(buf));
    r->h.type = QT_REC_MAP;
    r->h.size = (uint16_t)size;
    r->h.vcpu = QT_VCPU_NONE;
    r->flags = QT_SYM_MODULE | flags;
    r->name_len = (uint32_t)namelen;
    r->addr = base;
    r->size = code_size;
    memcpy(r->name, path, namelen);
    qt_out_write_direct(qt.out, r, size);
}

/* ---- system calls ------------------------------------------------------------------------- */

void qt_rec_sys_entry(struct qt_vcpu *v, const struct qt_who *w, const struct qt_sys_call *c, uint8_t *unread)
{
    const struct qt_syscall_desc *d = qt_syscall_desc(c->abi, c->nr);
    int nargs = d ? d->nargs : QT_SYS_MAXARGS;
    size_t max = sizeof(struct qt_rec_call) + (size_t)nargs * QT_ARG_MAX_BYTES;
    uint64_t now = qt_out_now(qt.out);
    struct qt_rec_call *r = qt_rec_begin(v, QT_REC_SYSCALL, max, w, c->func, now, qt_vcpu_icount(v));
    r->depth = c->depth;
    size_t size = sizeof(*r);
    *unread = 0;
    for (int i = 0; i < nargs; i++) {
        uint8_t *p = (uint8_t *)r + size;
        enum qt_sa sa = d ? (enum qt_sa)d->arg[i] : QT_SA_HEX;
        if (sa == QT_SA_PATH) {
            size += arg_decoded(v, p, i + 1, QT_T_STR, c->args[i]);
            if (((struct qt_arg *)p)->flags & QT_ARG_UNREADABLE)
                *unread |= (uint8_t)(1u << i);
        } else if (sa == QT_SA_BUF_IN && i + 1 < QT_SYS_MAXARGS) {
            size += qt_arg_buf(v, p, i + 1, c->args[i], c->args[i + 1]);
        } else if (i + 1 == c->argv_pos) {
            size += arg_decoded(v, p, i + 1, QT_T_STRV, c->args[i]);
        } else {
            size += qt_arg_scalar(p, i + 1, QT_T_HEX, c->bits, c->args[i]);
        }
    }
    r->nargs = (uint16_t)nargs;
    qt_rec_end(v, r, size, now);
}

void qt_rec_sys_return(struct qt_vcpu *v, const struct qt_who *w, const struct qt_sys_call *c, int64_t ret,
                       uint8_t unread)
{
    const struct qt_syscall_desc *d = qt_syscall_desc(c->abi, c->nr);
    size_t max = sizeof(struct qt_rec_call) + 2 * (sizeof(struct qt_arg) + QT_BUF_BYTES + 8) + 2 * QT_ARG_MAX_BYTES;
    uint64_t now = qt_out_now(qt.out);
    struct qt_rec_call *r = qt_rec_begin(v, QT_REC_SYSRET, max, w, c->func, now, qt_vcpu_icount(v));
    r->depth = c->depth;
    size_t size = sizeof(*r);
    size += qt_arg_scalar((uint8_t *)r + size, 0, QT_T_INT, c->bits, (uint64_t)ret);
    r->nargs = 1;
    int bufs = 0, paths = 0;
    for (int i = 0; d && i < d->nargs; i++) {
        if (d->arg[i] == QT_SA_BUF_OUT && bufs == 0) {
            uint64_t len = ret > 0 ? (uint64_t)ret : 0;
            size += qt_arg_buf(v, (uint8_t *)r + size, i + 1, c->args[i], len);
            r->nargs++;
            bufs++;
        } else if (d->arg[i] == QT_SA_PATH && (unread & (1u << i)) && paths < 2) {
            /* unreadable at the entry: read now, shown in the entry's place */
            size += arg_decoded(v, (uint8_t *)r + size, i + 1, QT_T_STR, c->args[i]);
            r->nargs++;
            paths++;
        }
    }
    qt_rec_end(v, r, size, now);
}
