/* SPDX-License-Identifier: GPL-2.0-or-later */
/* .qtr traces built in memory for unit tests: the file header, chunks, and every kind of record,
 * as the plugin writes them. */
#ifndef QTRACE_TRACEBUILD_H
#define QTRACE_TRACEBUILD_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reader.h"
#include "tmpfiles.h"

#define VCPU_NONE 0xffffffffu /* vCPU of chunks written outside a vCPU (plugin/out.h) */

struct qb {
    uint8_t *buf;
    size_t len, cap;
    size_t chunk;           /* offset of the open chunk header, 0 if none */
    uint32_t nrec;          /* records in the open chunk */
};

static inline void qb_put(struct qb *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2 + 256;
        b->buf = realloc(b->buf, b->cap);
    }
    memcpy(b->buf + b->len, p, n);
    b->len += n;
}

static inline void qb_pad8(struct qb *b)
{
    static const uint8_t z[8];
    qb_put(b, z, QT_ALIGN8(b->len) - b->len);
}

/* Start b (its old contents are not freed) with an x86_64 file header. */
static inline void qb_init(struct qb *b, uint32_t mode, uint64_t start_ns)
{
    memset(b, 0, sizeof(*b));
    struct qt_file_hdr h;
    memset(&h, 0, sizeof(h));
    memcpy(h.magic, QT_FILE_MAGIC, 8);
    h.version = QT_FILE_VERSION;
    h.hdr_size = sizeof(h);
    h.arch = QT_ARCH_X86_64;
    h.mode = mode;
    h.start_ns = start_ns;
    qb_put(b, &h, sizeof(h));
}

static inline void qb_close_chunk(struct qb *b)
{
    if (!b->chunk)
        return;
    struct qt_chunk_hdr *c = (struct qt_chunk_hdr *)(b->buf + b->chunk);
    c->size = (uint32_t)(b->len - b->chunk - sizeof(*c));
    c->nrec = b->nrec;
    b->chunk = 0;
}

static inline void qb_chunk(struct qb *b, uint32_t vcpu)
{
    qb_close_chunk(b);
    struct qt_chunk_hdr c = { QT_CHUNK_MAGIC, vcpu, 0, 0 };
    b->chunk = b->len;
    b->nrec = 0;
    qb_put(b, &c, sizeof(c));
}

/* A function symbol (type QT_REC_SYM) or a module (QT_REC_MAP: addr = load bias); params is a
 * NULL-terminated list of parameter names, or NULL for a record without the list. */
static inline void qb_symrec(struct qb *b, uint16_t type, uint32_t flags, uint64_t addr, uint64_t size,
                             const char *name, const char *const *params, uint32_t id)
{
    size_t start = b->len;
    struct qt_rec_sym s;
    memset(&s, 0, sizeof(s));
    s.h.type = type;
    s.h.vcpu = VCPU_NONE;
    s.flags = flags;
    s.name_len = (uint32_t)strlen(name);
    s.addr = addr;
    s.size = size;
    s.id = id;
    qb_put(b, &s, sizeof(s));
    qb_put(b, name, strlen(name) + 1);
    if (params) {
        for (const char *const *p = params; *p; p++)
            qb_put(b, *p, strlen(*p) + 1);
        qb_put(b, "", 1);
    }
    qb_pad8(b);
    ((struct qt_rec_sym *)(b->buf + start))->h.size = (uint16_t)(b->len - start);
    b->nrec++;
}

#define QB_NOPARAMS ((const char *const[]){ NULL })

static inline void qb_sym_id(struct qb *b, uint64_t addr, uint64_t size, const char *name, const char *const *params,
                             uint32_t id)
{
    qb_symrec(b, QT_REC_SYM, QT_SYM_FUNC, addr, size, name, params, id);
}

static inline void qb_sym(struct qb *b, uint64_t addr, uint64_t size, const char *name, const char *const *params)
{
    qb_symrec(b, QT_REC_SYM, QT_SYM_FUNC, addr, size, name, params, 0);
}

static inline void qb_ksym(struct qb *b, uint64_t addr, uint64_t size, const char *name, const char *const *params)
{
    qb_symrec(b, QT_REC_SYM, QT_SYM_FUNC | QT_SYM_KERNEL, addr, size, name, params, 0);
}

static inline void qb_map(struct qb *b, uint64_t bias, uint64_t size, const char *path)
{
    qb_symrec(b, QT_REC_MAP, QT_SYM_MODULE, bias, size, path, NULL, 0);
}

static inline void qb_kmap(struct qb *b, uint64_t bias, uint64_t size, const char *path)
{
    qb_symrec(b, QT_REC_MAP, QT_SYM_MODULE | QT_SYM_KERNEL, bias, size, path, NULL, 0);
}

/* compact records */
static inline void qb_base(struct qb *b, uint32_t vcpu, uint32_t tid, uint64_t asid, uint64_t ts, uint64_t icount)
{
    struct qt_rec_base r;
    memset(&r, 0, sizeof(r));
    r.h.type = QT_REC_BASE;
    r.h.size = sizeof(r);
    r.h.vcpu = vcpu;
    r.tid = tid;
    r.asid = asid;
    r.ts_ns = ts;
    r.icount = icount;
    qb_put(b, &r, sizeof(r));
    b->nrec++;
}

static inline void qb_fast(struct qb *b, enum qt_packed_kind kind, uint32_t id, uint32_t depth, uint32_t dicount)
{
    if (id > QT_FAST_ID_MAX || depth > QT_FAST_DEPTH_MAX || dicount > QT_PACKED_DICOUNT_MAX)
        abort(); /* the test itself is wrong: such an event is a full record */
    uint64_t w = qt_packed_word(kind, id, depth) | dicount;
    qb_put(b, &w, sizeof(w));
    b->nrec++;
}

/* an argument or return value of a call record */
struct targ {
    uint8_t pos, type, bits, flags;
    uint64_t value;
    const char *data;       /* bytes read at value (strings), len of them */
    size_t len;
};

#define I32(p, v) { (p), QT_T_INT, 32, 0, (uint64_t)(v), NULL, 0 }
#define I64(p, v) { (p), QT_T_INT, 64, 0, (uint64_t)(v), NULL, 0 }
#define HEX(p, v) { (p), QT_T_HEX, 64, 0, (uint64_t)(v), NULL, 0 }
#define CHR(p, v) { (p), QT_T_CHAR, 8, 0, (uint64_t)(v), NULL, 0 }
#define STR(p, s) { (p), QT_T_STR, 64, 0, 0x1000, (s), sizeof(s) - 1 }
#define NULLSTR(p) { (p), QT_T_STR, 64, QT_ARG_NULL, 0, NULL, 0 }
#define NOARG { 0, 0, 0, 0, 0, NULL, 0 }

/* An entry (QT_REC_ENTRY) or exit (QT_REC_EXIT) record with nargs arguments. */
static inline void qb_call(struct qb *b, uint16_t type, uint32_t vcpu, uint32_t tid, uint64_t asid, uint16_t depth,
                           uint16_t flags, uint64_t ts, uint64_t icount, uint64_t func, uint64_t aux, int nargs,
                           const struct targ *args)
{
    size_t start = b->len;
    struct qt_rec_call c;
    memset(&c, 0, sizeof(c));
    c.h.type = type;
    c.h.vcpu = vcpu;
    c.flags = flags;
    c.depth = depth;
    c.nargs = (uint16_t)nargs;
    c.tid = tid;
    c.ts_ns = ts;
    c.icount = icount;
    c.asid = asid;
    c.func = func;
    c.aux = aux;
    qb_put(b, &c, sizeof(c));
    for (int i = 0; i < nargs; i++) {
        struct qt_arg a;
        memset(&a, 0, sizeof(a));
        a.pos = args[i].pos;
        a.type = args[i].type;
        a.bits = args[i].bits;
        a.flags = args[i].flags;
        a.value = args[i].value;
        a.len = (uint16_t)args[i].len;
        qb_put(b, &a, sizeof(a));
        if (args[i].len)
            qb_put(b, args[i].data, args[i].len);
        qb_pad8(b);
    }
    ((struct qt_rec_call *)(b->buf + start))->h.size = (uint16_t)(b->len - start);
    b->nrec++;
}

static inline void qb_lost(struct qb *b, uint32_t vcpu, uint64_t n)
{
    struct qt_rec_lost l = { { QT_REC_LOST, sizeof(l), vcpu }, n };
    qb_put(b, &l, sizeof(l));
    b->nrec++;
}

static inline void qb_end(struct qb *b, uint64_t ts, uint64_t events, uint64_t lost)
{
    struct qt_rec_end e = { { QT_REC_END, sizeof(e), 0 }, ts, events, lost };
    qb_put(b, &e, sizeof(e));
    b->nrec++;
}

/* Open the trace built in b (its open chunk, if any, as it is); with QTRACE_TEST_KEEP set, also
 * leave it in tmpdir as name. */
static inline int open_built(struct qtr *r, struct qb *b, const char *name)
{
    char err[512];
    if (getenv("QTRACE_TEST_KEEP"))
        write_file(tpath(name), b->buf, b->len, 0644);
    int rc = qtr_open_mem(r, b->buf, b->len, name, err, sizeof(err));
    if (rc != 0)
        printf("# open %s: %s\n", name, err);
    return rc;
}

#endif
