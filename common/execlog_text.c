/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Execution log formatter (see execlog_text.h). No QEMU or glib dependency: the plugin formats
 * text with it in its vCPU threads. */
#include "execlog_text.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TB_L2_BITS 12
#define TB_L2 (1u << TB_L2_BITS)
#define TB_L1 65536u                 /* ids up to 2^28 */
#define MAX_DEVICES 4096u

struct strbuf {
    char *d;
    size_t len, cap;
};

struct elt_reg {
    char *name;
    uint16_t size, nlen;
    uint8_t *cur;                    /* value at the latest check */
    uint8_t *last;                   /* value execlog last compared against */
};

struct elt_vcpu {
    unsigned index;
    bool inited;                     /* a VCPU record was seen */
    const struct qt_el_tb *tb;       /* block being executed, NULL if none/unknown */
    int cur;                         /* last started instruction of tb */
    struct strbuf p;                 /* the pending line (no newline) */
    size_t stale;                    /* text: length of the line left in p after a check-only write */
    bool mem_open, regs_open;        /* JSON: arrays/objects open in p */
    char prefix[16];                 /* text: "N, " */
    size_t prefix_len;
    struct elt_reg *regs;
    unsigned nregs;
    struct strbuf out;               /* formatted, not yet handed to the sink */
    uint64_t lines, errors;
    uint64_t logged;                 /* instruction lines started (execlog_stop) */
    bool stopped;                    /* max_lines reached: nothing more for this vCPU */
};

struct qt_eltext {
    struct qt_eltext_opts o;
    struct qt_el_tb **tbs[TB_L1];    /* two-level table, published with atomics */
    char *devices[MAX_DEVICES];
    struct elt_vcpu *vcpus[QT_ELTEXT_MAX_VCPUS];
    uint64_t errors;                 /* records not attributable to a vCPU (single-threaded use) */
};

static const char hexd[] = "0123456789abcdef";

/* ---- small string helpers (grow; allocation happens only while formatting) ---- */

static bool sb_grow(struct strbuf *s, size_t add)
{
    if (s->len + add + 1 <= s->cap)
        return true;
    size_t nc = s->cap ? s->cap : 256;
    while (nc < s->len + add + 1)
        nc *= 2;
    char *nd = realloc(s->d, nc);
    if (!nd)
        return false;
    s->d = nd;
    s->cap = nc;
    return true;
}

static inline void sb_put(struct strbuf *s, const char *src, size_t n)
{
    if (!sb_grow(s, n))
        return;
    memcpy(s->d + s->len, src, n);
    s->len += n;
    s->d[s->len] = '\0';
}

static inline void sb_puts(struct strbuf *s, const char *src) { sb_put(s, src, strlen(src)); }

/* "0x" + hex of v, at least minw digits. */
static void sb_hex(struct strbuf *s, uint64_t v, int minw)
{
    char tmp[20];
    int n = 0;
    do {
        tmp[n++] = hexd[v & 15];
        v >>= 4;
    } while (v);
    while (n < minw)
        tmp[n++] = '0';
    if (!sb_grow(s, (size_t)n + 2))
        return;
    char *d = s->d + s->len;
    *d++ = '0';
    *d++ = 'x';
    while (n)
        *d++ = tmp[--n];
    s->len = (size_t)(d - s->d);
    s->d[s->len] = '\0';
}

static void sb_udec(struct strbuf *s, uint64_t v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof(tmp), "%" PRIu64, v);
    sb_put(s, tmp, (size_t)n);
}

static void sb_json_str(struct strbuf *s, const char *str, size_t n)
{
    sb_put(s, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)str[i];
        if (c == '"' || c == '\\') {
            char e[2] = { '\\', (char)c };
            sb_put(s, e, 2);
        } else if (c < 0x20) {
            char e[8];
            snprintf(e, sizeof(e), "\\u%04x", c);
            sb_put(s, e, 6);
        } else {
            sb_put(s, (const char *)&c, 1);
        }
    }
    sb_put(s, "\"", 1);
}

/* ---- descriptors ---- */

struct qt_el_tb *qt_el_tb_new(uint32_t id, uint16_t flags, const struct qt_el_isrc *src, unsigned n)
{
    if (n > UINT16_MAX)
        return NULL;
    size_t strings = 0;
    for (unsigned i = 0; i < n; i++)
        if (src[i].kind & QT_EL_K_LOG)
            strings += 2 * src[i].dlen + 48; /* disas + text: 0x%lx, 0x%x, "%s" + 2 NULs */
    size_t head = sizeof(struct qt_el_tb) + (size_t)n * sizeof(struct qt_el_insn);
    struct qt_el_tb *tb = malloc(head + strings + 1);
    if (!tb)
        return NULL;
    tb->id = id;
    tb->n = (uint16_t)n;
    tb->flags = flags;
    tb->vaddr = n ? src[0].vaddr : 0;
    char *pool = (char *)tb + head;
    char *empty = pool + strings;
    *empty = '\0';
    for (unsigned i = 0; i < n; i++) {
        struct qt_el_insn *in = &tb->insn[i];
        const struct qt_el_isrc *s = &src[i];
        memset(in, 0, sizeof(*in));
        in->vaddr = s->vaddr;
        in->kind = s->kind;
        in->text = in->disas = empty;
        if (!(s->kind & QT_EL_K_LOG) || !s->bytes || !s->disas)
            continue; /* only logged instructions are printed */
        in->len = s->len > 16 ? 16 : s->len;
        memcpy(in->bytes, s->bytes, in->len);
        size_t dl = s->dlen > UINT16_MAX ? UINT16_MAX : s->dlen;
        /* disassembly up to its first NUL, as execlog's %s would print it */
        const char *nul = memchr(s->disas, '\0', dl);
        if (nul)
            dl = (size_t)(nul - s->disas);
        in->dlen = (uint16_t)dl;
        memcpy(pool, s->disas, dl);
        pool[dl] = '\0';
        in->disas = pool;
        pool += dl + 1;
        uint32_t opc = 0; /* execlog prints the first 4 bytes as a host (little-endian) u32 */
        memcpy(&opc, in->bytes, in->len < 4 ? in->len : 4);
        int h = sprintf(pool, "0x%" PRIx64 ", 0x%" PRIx32 ", \"", in->vaddr, opc);
        memcpy(pool + h, in->disas, dl);
        pool[h + dl] = '"';
        pool[h + dl + 1] = '\0';
        in->text = pool;
        in->text_len = (uint32_t)(h + dl + 1);
        pool += h + dl + 2;
    }
    return tb;
}

static size_t idef_size(unsigned len, unsigned dlen)
{
    return QT_ALIGN8(sizeof(struct qt_el_idef) + len + dlen);
}

size_t qt_el_tbdef_encode(const struct qt_el_tb *tb, uint32_t vcpu, void *buf, size_t cap)
{
    if (cap > QT_EL_MAX_REC)
        cap = QT_EL_MAX_REC;
    bool with_disas = true;
    size_t size;
    for (;;) {
        size = sizeof(struct qt_rec_el_tbdef);
        for (unsigned i = 0; i < tb->n; i++)
            if (tb->insn[i].kind)
                size += idef_size(tb->insn[i].len, with_disas ? tb->insn[i].dlen : 0);
            else
                size += idef_size(0, 0);
        if (size <= cap)
            break;
        if (!with_disas)
            return 0;
        with_disas = false;
    }
    uint8_t *b = buf;
    memset(b, 0, size);
    struct qt_rec_el_tbdef *r = buf;
    r->h.type = QT_REC_EL_TBDEF;
    r->h.size = (uint16_t)size;
    r->h.vcpu = vcpu;
    r->tb = tb->id;
    r->n = tb->n;
    r->flags = (uint16_t)(tb->flags | (with_disas ? 0 : QT_EL_TB_TRUNCATED));
    r->vaddr = tb->vaddr;
    size_t off = sizeof(*r);
    for (unsigned i = 0; i < tb->n; i++) {
        const struct qt_el_insn *in = &tb->insn[i];
        struct qt_el_idef *e = (struct qt_el_idef *)(b + off);
        e->vaddr = in->vaddr;
        e->kind = in->kind;
        if (in->kind) {
            e->len = in->len;
            e->dlen = with_disas ? in->dlen : 0;
            memcpy(b + off + sizeof(*e), in->bytes, e->len);
            memcpy(b + off + sizeof(*e) + e->len, in->disas, e->dlen);
        }
        off += idef_size(e->len, e->dlen);
    }
    return size;
}

struct qt_el_tb *qt_el_tbdef_decode(const void *rec, size_t size)
{
    const struct qt_rec_el_tbdef *r = rec;
    if (size < sizeof(*r) || r->h.size > size || r->h.size < sizeof(*r))
        return NULL;
    size = r->h.size;
    struct qt_el_isrc *src = calloc(r->n ? r->n : 1, sizeof(*src));
    if (!src)
        return NULL;
    const uint8_t *b = rec;
    size_t off = sizeof(*r);
    for (unsigned i = 0; i < r->n; i++) {
        if (off + sizeof(struct qt_el_idef) > size)
            goto bad;
        struct qt_el_idef e;
        memcpy(&e, b + off, sizeof(e));
        size_t es = idef_size(e.len, e.dlen);
        if (e.len > 16 || off + es > size)
            goto bad;
        src[i].vaddr = e.vaddr;
        src[i].kind = e.kind & (QT_EL_K_LOG | QT_EL_K_CHECK);
        src[i].len = e.len;
        src[i].bytes = b + off + sizeof(e);
        src[i].disas = (const char *)b + off + sizeof(e) + e.len;
        src[i].dlen = e.dlen;
        off += es;
    }
    struct qt_el_tb *tb = qt_el_tb_new(r->tb, r->flags, src, r->n);
    free(src);
    return tb;
bad:
    free(src);
    return NULL;
}

/* ---- formatter ---- */

struct qt_eltext *qt_eltext_new(const struct qt_eltext_opts *o)
{
    struct qt_eltext *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    f->o = *o;
    if (!f->o.flush_at)
        f->o.flush_at = 64 * 1024;
    return f;
}

static void vcpu_free_regs(struct elt_vcpu *v)
{
    for (unsigned i = 0; i < v->nregs; i++) {
        free(v->regs[i].name);
        free(v->regs[i].cur);
        free(v->regs[i].last);
    }
    free(v->regs);
    v->regs = NULL;
    v->nregs = 0;
}

void qt_eltext_free(struct qt_eltext *f)
{
    if (!f)
        return;
    for (unsigned i = 0; i < TB_L1; i++) {
        if (!f->tbs[i])
            continue;
        for (unsigned j = 0; j < TB_L2; j++)
            free(f->tbs[i][j]);
        free(f->tbs[i]);
    }
    for (unsigned i = 0; i < MAX_DEVICES; i++)
        free(f->devices[i]);
    for (unsigned i = 0; i < QT_ELTEXT_MAX_VCPUS; i++) {
        struct elt_vcpu *v = f->vcpus[i];
        if (!v)
            continue;
        vcpu_free_regs(v);
        free(v->p.d);
        free(v->out.d);
        free(v);
    }
    free(f);
}

static struct elt_vcpu *get_vcpu(struct qt_eltext *f, unsigned idx)
{
    if (idx >= QT_ELTEXT_MAX_VCPUS)
        return NULL;
    struct elt_vcpu *v = __atomic_load_n(&f->vcpus[idx], __ATOMIC_ACQUIRE);
    if (v)
        return v;
    v = calloc(1, sizeof(*v));
    if (!v)
        return NULL;
    v->index = idx;
    v->cur = -1;
    v->prefix_len = (size_t)snprintf(v->prefix, sizeof(v->prefix), "%u, ", idx);
    sb_grow(&v->p, 512);
    sb_grow(&v->out, f->o.flush_at + 4096);
    if (!v->p.d || !v->out.d) {
        free(v->p.d);
        free(v->out.d);
        free(v);
        return NULL;
    }
    v->p.d[0] = '\0';
    struct elt_vcpu *expect = NULL;
    if (!__atomic_compare_exchange_n(&f->vcpus[idx], &expect, v, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        free(v->p.d);
        free(v->out.d);
        free(v);
        return expect;
    }
    return v;
}

int qt_eltext_prepare_vcpu(struct qt_eltext *f, unsigned vcpu)
{
    return get_vcpu(f, vcpu) ? 0 : -1;
}

int qt_eltext_add_tb(struct qt_eltext *f, struct qt_el_tb *tb)
{
    uint32_t id = tb->id;
    if (id == 0 || id >= TB_L1 * TB_L2)
        return -1;
    struct qt_el_tb ***l1 = &f->tbs[id >> TB_L2_BITS];
    struct qt_el_tb **l2 = __atomic_load_n(l1, __ATOMIC_ACQUIRE);
    if (!l2) {
        struct qt_el_tb **n2 = calloc(TB_L2, sizeof(*n2));
        if (!n2)
            return -1;
        struct qt_el_tb **expect = NULL;
        if (__atomic_compare_exchange_n(l1, &expect, n2, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
            l2 = n2;
        } else {
            free(n2);
            l2 = expect;
        }
    }
    struct qt_el_tb *expect = NULL;
    if (!__atomic_compare_exchange_n(&l2[id & (TB_L2 - 1)], &expect, tb, false, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
        return -1;
    return 0;
}

const struct qt_el_tb *qt_eltext_tb(const struct qt_eltext *f, uint32_t id)
{
    if (id >= TB_L1 * TB_L2)
        return NULL;
    struct qt_el_tb **l2 = __atomic_load_n(&f->tbs[id >> TB_L2_BITS], __ATOMIC_ACQUIRE);
    return l2 ? __atomic_load_n(&l2[id & (TB_L2 - 1)], __ATOMIC_ACQUIRE) : NULL;
}

int qt_eltext_add_device(struct qt_eltext *f, uint32_t id, const char *name)
{
    if (id == 0 || id >= MAX_DEVICES)
        return -1;
    char *copy = strdup(name);
    if (!copy)
        return -1;
    char *old = __atomic_exchange_n(&f->devices[id], copy, __ATOMIC_ACQ_REL);
    free(old); /* a duplicate id only comes from a corrupt file; nobody else holds old then */
    return 0;
}

static const char *device_name(const struct qt_eltext *f, uint32_t id)
{
    const char *n = id < MAX_DEVICES ? __atomic_load_n(&f->devices[id], __ATOMIC_ACQUIRE) : NULL;
    return n ? n : "?";
}

static void out_flush(struct qt_eltext *f, struct elt_vcpu *v)
{
    if (v->out.len == 0)
        return;
    if (f->o.sink)
        f->o.sink(f->o.ctx, v->index, v->out.d, v->out.len);
    v->out.len = 0;
    v->out.d[0] = '\0';
}

/* Write the pending line out. */
static void emit(struct qt_eltext *f, struct elt_vcpu *v)
{
    struct strbuf *o = &v->out;
    if (f->o.style == QT_ELTEXT_JSON) {
        if (v->mem_open)
            sb_put(&v->p, "]", 1);
        if (v->regs_open)
            sb_put(&v->p, "}", 1);
        v->mem_open = v->regs_open = false;
        sb_put(&v->p, "}", 1);
    }
    if (sb_grow(o, v->p.len + 1)) {
        memcpy(o->d + o->len, v->p.d, v->p.len);
        o->len += v->p.len;
        o->d[o->len++] = '\n';
        o->d[o->len] = '\0';
    }
    v->lines++;
    if (o->len >= f->o.flush_at)
        out_flush(f, v);
}

static void set_line(struct qt_eltext *f, struct elt_vcpu *v, const struct qt_el_insn *in)
{
    struct strbuf *p = &v->p;
    p->len = 0;
    if (f->o.style == QT_ELTEXT_TEXT) {
        sb_put(p, v->prefix, v->prefix_len);
        sb_put(p, in->text, in->text_len);
        return;
    }
    uint32_t opc = 0;
    memcpy(&opc, in->bytes, in->len < 4 ? in->len : 4);
    sb_puts(p, "{\"cpu\":");
    sb_udec(p, v->index);
    sb_puts(p, ",\"vaddr\":\"");
    sb_hex(p, in->vaddr, 1);
    sb_puts(p, "\",\"opcode\":\"");
    sb_hex(p, opc, 1);
    sb_puts(p, "\",\"bytes\":\"");
    for (unsigned i = 0; i < in->len; i++) {
        char h[2] = { hexd[in->bytes[i] >> 4], hexd[in->bytes[i] & 15] };
        sb_put(p, h, 2);
    }
    sb_puts(p, "\",\"disas\":");
    sb_json_str(p, in->disas, in->dlen);
    v->mem_open = v->regs_open = false;
}

/* execlog's insn_check_regs: compare with the last values, append what changed. */
static void regdiff(struct qt_eltext *f, struct elt_vcpu *v)
{
    struct strbuf *p = &v->p;
    for (unsigned i = 0; i < v->nregs; i++) {
        struct elt_reg *r = &v->regs[i];
        if (memcmp(r->cur, r->last, r->size) == 0)
            continue;
        memcpy(r->last, r->cur, r->size);
        if (f->o.style == QT_ELTEXT_TEXT) {
            sb_put(p, ", ", 2);
            sb_put(p, r->name, r->nlen);
            sb_put(p, " -> 0x", 6);
        } else {
            if (v->mem_open) {
                sb_put(p, "]", 1);
                v->mem_open = false;
            }
            sb_puts(p, v->regs_open ? "," : ",\"regs\":{");
            v->regs_open = true;
            sb_json_str(p, r->name, r->nlen);
            sb_puts(p, ":\"0x");
        }
        /* the value, most significant byte first: execlog prints the bytes from the last to the
         * first, right for little-endian guests; a big-endian guest's are already in order */
        if (sb_grow(p, 2u * r->size + 2)) {
            char *d = p->d + p->len;
            for (unsigned k = 0; k < r->size; k++) {
                uint8_t byte = r->cur[f->o.big_endian ? k : r->size - 1 - k];
                *d++ = hexd[byte >> 4];
                *d++ = hexd[byte & 15];
            }
            p->len = (size_t)(d - p->d);
            p->d[p->len] = '\0';
        }
        if (f->o.style == QT_ELTEXT_JSON)
            sb_put(p, "\"", 1);
    }
}

static void start_insn(struct qt_eltext *f, struct elt_vcpu *v, const struct qt_el_insn *in)
{
    uint8_t k = in->kind;
    if (v->stopped)
        return;
    if (k & QT_EL_K_LOG) {
        if (v->p.len) {
            if ((k & QT_EL_K_CHECK) && v->nregs)
                regdiff(f, v);
            emit(f, v);
        }
        if (f->o.max_lines && v->logged >= f->o.max_lines) {
            v->stopped = true; /* execlog_stop: the last line is complete and written */
            v->p.len = 0;
            v->stale = 0;
            return;
        }
        v->logged++;
        set_line(f, v, in);
    } else if (k & QT_EL_K_CHECK) {
        if (v->p.len) {
            if (v->nregs)
                regdiff(f, v);
            emit(f, v);
            v->stale = f->o.style == QT_ELTEXT_TEXT ? v->p.len : 0;
            v->p.len = 0; /* execlog: last_exec->len = 0, the text stays in the buffer */
        }
    }
}

/* Start the instructions of the current block up to index k. */
static void advance_to(struct qt_eltext *f, struct elt_vcpu *v, int k)
{
    const struct qt_el_tb *tb = v->tb;
    if (!tb)
        return;
    if (k >= (int)tb->n)
        k = (int)tb->n - 1;
    while (v->cur < k) {
        v->cur++;
        start_insn(f, v, &tb->insn[v->cur]);
    }
}

/* A loaded/stored value: exactly 2 hex digits per byte of the access. */
static void put_value(struct strbuf *p, unsigned shift, const uint64_t val[2])
{
    if (shift >= 4) {
        sb_hex(p, val[1], 16);
        char lo[16];
        for (int i = 0; i < 16; i++)
            lo[i] = hexd[(val[0] >> (4 * (15 - i))) & 15];
        sb_put(p, lo, 16);
        return;
    }
    uint64_t mask = shift >= 3 ? ~0ull : (1ull << (8u << shift)) - 1;
    sb_hex(p, val[0] & mask, 2 << shift);
}

/* Index of the last started instruction, from a prev_n. */
static int prev_last(uint32_t prev_n)
{
    return prev_n == QT_EL_FULL || prev_n > UINT16_MAX ? UINT16_MAX : (int)prev_n - 1;
}

static void append_mem(struct qt_eltext *f, struct elt_vcpu *v, const struct qt_rec_el_mem *m, size_t size)
{
    struct strbuf *p = &v->p;
    unsigned shift = m->info & QT_EL_M_SHIFT;
    bool store = m->info & QT_EL_M_STORE;
    size_t nx = (size - sizeof(*m)) / 8, xi = 0;
    uint64_t val[2] = { 0, 0 };
    bool has_val = false, has_hw = false;
    uint64_t paddr = 0;
    if ((m->flags & QT_EL_MF_VALUE) && xi < nx) {
        has_val = true;
        val[0] = m->x[xi++];
        if (shift >= 4 && xi < nx)
            val[1] = m->x[xi++];
    }
    if ((m->flags & QT_EL_MF_HW) && xi < nx) {
        has_hw = true;
        paddr = m->x[xi++];
    }
    if (f->o.style == QT_ELTEXT_TEXT) {
        sb_puts(p, store ? ", store, " : ", load, ");
        if (has_hw) {
            sb_hex(p, paddr, 8);
            sb_put(p, ", ", 2);
            sb_puts(p, device_name(f, m->dev));
        } else {
            sb_hex(p, m->vaddr, 8);
        }
        if (has_val) {
            sb_put(p, " = ", 3);
            put_value(p, shift, val);
        }
        return;
    }
    if (v->regs_open) { /* cannot happen (registers are compared before an instruction) */
        sb_put(p, "}", 1);
        v->regs_open = false;
    }
    sb_puts(p, v->mem_open ? ",{\"type\":\"" : ",\"mem\":[{\"type\":\"");
    v->mem_open = true;
    sb_puts(p, store ? "store\",\"vaddr\":\"" : "load\",\"vaddr\":\"");
    sb_hex(p, m->vaddr, 1);
    sb_puts(p, "\",\"size\":");
    sb_udec(p, 1u << shift);
    if (has_val) {
        sb_puts(p, ",\"value\":\"");
        put_value(p, shift, val);
        sb_puts(p, "\"");
    }
    if (has_hw) {
        sb_puts(p, ",\"paddr\":\"");
        sb_hex(p, paddr, 1);
        sb_puts(p, "\",\"device\":");
        const char *dn = device_name(f, m->dev);
        sb_json_str(p, dn, strlen(dn));
    }
    if (m->info & QT_EL_M_SIGNED)
        sb_puts(p, ",\"signed\":true");
    if (m->info & QT_EL_M_BE)
        sb_puts(p, ",\"be\":true");
    sb_puts(p, "}");
}

static int on_vcpu(struct elt_vcpu *v, const struct qt_rec_el_vcpu *r, size_t size)
{
    vcpu_free_regs(v);
    v->inited = true;
    v->tb = NULL;
    v->cur = -1;
    v->p.len = 0;
    v->p.d[0] = '\0';
    v->stale = 0;
    v->mem_open = v->regs_open = false;
    v->logged = 0;
    v->stopped = false;
    if (r->nregs == 0)
        return 0;
    v->regs = calloc(r->nregs, sizeof(*v->regs));
    if (!v->regs)
        return -1;
    const uint8_t *b = (const uint8_t *)r;
    size_t off = sizeof(*r);
    for (unsigned i = 0; i < r->nregs; i++) {
        struct qt_el_rdef d;
        if (off + sizeof(d) > size)
            return -1;
        memcpy(&d, b + off, sizeof(d));
        size_t es = QT_ALIGN8(sizeof(d) + d.nlen + d.size);
        if (off + es > size || d.size == 0)
            return -1;
        struct elt_reg *g = &v->regs[v->nregs];
        g->name = malloc(d.nlen + 1u);
        g->cur = malloc(d.size);
        g->last = malloc(d.size);
        v->nregs++;
        if (!g->name || !g->cur || !g->last)
            return -1;
        memcpy(g->name, b + off + sizeof(d), d.nlen);
        g->name[d.nlen] = '\0';
        g->nlen = d.nlen;
        g->size = d.size;
        memcpy(g->cur, b + off + sizeof(d) + d.nlen, d.size);
        memcpy(g->last, g->cur, d.size);
        off += es;
    }
    return 0;
}

static int on_regs(struct qt_eltext *f, struct elt_vcpu *v, const struct qt_rec_el_regs *r, size_t size)
{
    advance_to(f, v, (int)r->insn - 1);
    const uint8_t *b = (const uint8_t *)r;
    size_t off = sizeof(*r);
    int rc = 0;
    for (unsigned i = 0; i < r->count; i++) {
        struct qt_el_rval e;
        if (off + sizeof(e) > size)
            return -1;
        memcpy(&e, b + off, sizeof(e));
        size_t es = QT_ALIGN8(sizeof(e) + e.size);
        if (off + es > size)
            return -1;
        if (e.reg < v->nregs && e.size == v->regs[e.reg].size)
            memcpy(v->regs[e.reg].cur, b + off + sizeof(e), e.size);
        else
            rc = -1;
        off += es;
    }
    advance_to(f, v, r->insn);
    return rc;
}

int qt_eltext_record(struct qt_eltext *f, const void *rec, size_t size)
{
    const struct qt_rec_hdr *h = rec;
    if (size < sizeof(*h) || h->size < sizeof(*h) || h->size > size) {
        f->errors++;
        return -1;
    }
    size = h->size;
    if (h->type < QT_REC_EXECLOG_FIRST || h->type > QT_REC_EXECLOG_LAST)
        return 0;
    if (h->type == QT_REC_EL_TBDEF) {
        struct qt_el_tb *tb = qt_el_tbdef_decode(rec, size);
        if (!tb || qt_eltext_add_tb(f, tb) < 0) {
            free(tb);
            f->errors++;
            return -1;
        }
        return 0;
    }
    if (h->type == QT_REC_EL_DEVICE) {
        const struct qt_rec_el_device *d = rec;
        if (size < sizeof(*d) || d->len > size - sizeof(*d) || memchr(d->name, '\0', size - sizeof(*d)) == NULL ||
            qt_eltext_add_device(f, d->id, d->name) < 0) {
            f->errors++;
            return -1;
        }
        return 0;
    }
    if (h->type == QT_REC_EL_CONFIG) {
        const struct qt_rec_el_config *c = rec;
        if (size >= sizeof(*c) && c->stop)
            f->o.max_lines = c->stop;
        if (size >= sizeof(*c) && (c->flags & QT_EL_BIGENDIAN))
            f->o.big_endian = true;
        return 0;
    }
    struct elt_vcpu *v = get_vcpu(f, h->vcpu);
    if (!v) {
        f->errors++;
        return -1;
    }
    int rc = 0;
    switch (h->type) {
    case QT_REC_EL_VCPU:
        if (size < sizeof(struct qt_rec_el_vcpu))
            rc = -1;
        else
            rc = on_vcpu(v, rec, size);
        break;
    case QT_REC_EL_EXEC: {
        const struct qt_rec_el_exec *e = rec;
        if (size < sizeof(*e)) {
            rc = -1;
            break;
        }
        advance_to(f, v, prev_last(e->prev_n));
        v->tb = qt_eltext_tb(f, e->tb);
        v->cur = -1;
        if (!v->tb)
            rc = -1;
        break;
    }
    case QT_REC_EL_START: {
        const struct qt_rec_el_start *st = rec;
        if (size < sizeof(*st)) {
            rc = -1;
            break;
        }
        advance_to(f, v, UINT16_MAX);
        v->tb = qt_eltext_tb(f, st->tb);
        v->cur = (int)(st->first > UINT16_MAX ? UINT16_MAX : st->first) - 1;
        if (!v->tb)
            rc = -1;
        break;
    }
    case QT_REC_EL_MEM: {
        const struct qt_rec_el_mem *m = rec;
        if (size < sizeof(*m) || !v->tb || m->insn >= v->tb->n) {
            rc = -1;
            break;
        }
        advance_to(f, v, m->insn);
        if (v->p.len)
            append_mem(f, v, m, size);
        break;
    }
    case QT_REC_EL_REGS:
        if (size < sizeof(struct qt_rec_el_regs))
            rc = -1;
        else
            rc = on_regs(f, v, rec, size);
        break;
    case QT_REC_EL_END: {
        const struct qt_rec_el_end *e = rec;
        if (size < sizeof(*e)) {
            rc = -1;
            break;
        }
        advance_to(f, v, prev_last(e->prev_n));
        v->tb = NULL;
        v->cur = -1;
        break;
    }
    default:
        break;
    }
    if (rc < 0)
        v->errors++;
    return rc;
}

void qt_eltext_flush(struct qt_eltext *f, unsigned vcpu)
{
    struct elt_vcpu *v = vcpu < QT_ELTEXT_MAX_VCPUS ? f->vcpus[vcpu] : NULL;
    if (v)
        out_flush(f, v);
}

void qt_eltext_finish(struct qt_eltext *f)
{
    for (unsigned i = 0; i < QT_ELTEXT_MAX_VCPUS; i++)
        if (f->vcpus[i])
            out_flush(f, f->vcpus[i]);
    for (unsigned i = 0; i < QT_ELTEXT_MAX_VCPUS; i++) {
        struct elt_vcpu *v = f->vcpus[i];
        if (!v || !v->inited)
            continue;
        if (v->stopped) {
            continue; /* execlog_stop: every line was written */
        } else if (f->o.style == QT_ELTEXT_TEXT) {
            /* execlog's plugin_exit prints last_exec->str: the pending line, or the line
             * already written if a check-only instruction came last, or nothing */
            if (!v->p.len && v->stale) {
                v->p.len = v->stale;
                v->stale = 0;
            }
            emit(f, v);
            v->p.len = 0;
        } else if (v->p.len) {
            emit(f, v);
            v->p.len = 0;
        }
        out_flush(f, v);
    }
}

uint64_t qt_eltext_errors(const struct qt_eltext *f)
{
    uint64_t n = f->errors;
    for (unsigned i = 0; i < QT_ELTEXT_MAX_VCPUS; i++)
        if (f->vcpus[i])
            n += f->vcpus[i]->errors;
    return n;
}

uint64_t qt_eltext_lines(const struct qt_eltext *f)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < QT_ELTEXT_MAX_VCPUS; i++)
        if (f->vcpus[i])
            n += f->vcpus[i]->lines;
    return n;
}
