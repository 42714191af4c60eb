/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Kernel symbol tables: kallsyms recovered from the image, .symtab, __ksymtab, System.map. */
#include "kallsyms.h"
#include "qtutil.h"
#include "kimage.h"

#include <ctype.h>
#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KSYM_MAX_NAME 1024          /* longer names are cut (KSYM_NAME_LEN is 512 in 6.1) */
#define KALLSYMS_MAX_ENTRY 600      /* bytes of one kallsyms_names entry, at most */
#define KALLSYMS_WINDOW (16u << 20) /* how far before the token table the markers may be */

static uint64_t rdw(const uint8_t *p, unsigned w) { return w == 8 ? qt_rd64(p) : qt_rd32(p); }

/* ---- table builder -------------------------------------------------------------------- */

struct kent {
    uint64_t addr, size;
    size_t name_off;
    uint32_t idx;
    char type;
};

struct kbuild {
    struct kent *e;
    size_t n, cap;
    char *pool;
    size_t plen, pcap;
};

static int kb_add(struct kbuild *b, uint64_t addr, uint64_t size, char type, const char *name, size_t nlen)
{
    if (nlen > KSYM_MAX_NAME) nlen = KSYM_MAX_NAME;
    if (b->n == b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 4096;
        struct kent *ne = realloc(b->e, nc * sizeof(*ne));
        if (!ne) return -ENOMEM;
        b->e = ne;
        b->cap = nc;
    }
    if (b->plen + nlen + 1 > b->pcap) {
        size_t nc = b->pcap ? b->pcap * 2 : 1u << 16;
        while (nc < b->plen + nlen + 1) nc *= 2;
        char *np = realloc(b->pool, nc);
        if (!np) return -ENOMEM;
        b->pool = np;
        b->pcap = nc;
    }
    memcpy(b->pool + b->plen, name, nlen);
    b->pool[b->plen + nlen] = 0;
    b->e[b->n] = (struct kent){ .addr = addr, .size = size, .name_off = b->plen, .idx = (uint32_t)b->n, .type = type };
    b->n++;
    b->plen += nlen + 1;
    return 0;
}

static void kb_free(struct kbuild *b)
{
    free(b->e);
    free(b->pool);
    memset(b, 0, sizeof(*b));
}

static int cmp_kent(const void *a, const void *b)
{
    const struct kent *x = a, *y = b;
    if (x->addr != y->addr) return x->addr < y->addr ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int cmp_byname(const void *a, const void *b, void *ctx)   /* qsort_r (glibc) */
{
    const struct qt_ksyms *ks = ctx;
    const struct qt_ksym *x = &ks->syms[*(const uint32_t *)a], *y = &ks->syms[*(const uint32_t *)b];
    int c = strcmp(x->name, y->name);
    if (c) return c;
    uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
    return i < j ? -1 : i > j;
}

static const struct qt_ksym *find_named(const struct qt_ksyms *ks, const char *name)
{
    for (size_t i = 0; i < ks->n; i++)
        if (strcmp(ks->syms[i].name, name) == 0) return &ks->syms[i];
    return NULL;
}

/* Sort, compute sizes, per-cpu flags and the name index; hands the builder's memory to ks.
 * percpu_start/end: the per-cpu range if known from the image (end > start), else taken
 * from __per_cpu_start/__per_cpu_end. k (may be NULL) bounds sizes at section ends. */
static int kb_finish(struct kbuild *b, struct qt_ksyms *ks, const struct qt_kimage *k,
                     uint64_t pc_start, uint64_t pc_end)
{
    if (b->n > UINT32_MAX) return -E2BIG;
    qsort(b->e, b->n, sizeof(*b->e), cmp_kent);
    ks->syms = calloc(b->n ? b->n : 1, sizeof(*ks->syms));
    ks->by_name = calloc(b->n ? b->n : 1, sizeof(*ks->by_name));
    if (!ks->syms || !ks->by_name) return -ENOMEM;
    ks->strpool = b->pool;
    ks->strpool_len = b->plen;
    b->pool = NULL;
    ks->n = b->n;
    for (size_t i = 0; i < b->n; i++) {
        struct qt_ksym *s = &ks->syms[i];
        s->addr = b->e[i].addr;
        s->size = b->e[i].size;
        s->type = b->e[i].type;
        s->name = ks->strpool + b->e[i].name_off;
    }
    if (pc_end <= pc_start) {
        const struct qt_ksym *a = find_named(ks, "__per_cpu_start"), *z = find_named(ks, "__per_cpu_end");
        if (a && z && z->addr > a->addr) {
            pc_start = a->addr;
            pc_end = z->addr;
        }
    }
    if (pc_end > pc_start) {
        ks->percpu_start = pc_start;
        ks->percpu_end = pc_end;
        for (size_t i = 0; i < ks->n; i++)
            ks->syms[i].percpu = ks->syms[i].addr >= pc_start && ks->syms[i].addr <= pc_end;
    }
    /* sizes: distance to the next higher address, within the same section and per-cpu class */
    uint64_t next = 0;
    bool have_next = false, next_pc = false;
    for (size_t i = ks->n; i-- > 0;) {
        struct qt_ksym *s = &ks->syms[i];
        if (!s->size && have_next && next > s->addr && next_pc == s->percpu) {
            uint64_t sz = next - s->addr;
            if (k && !s->percpu) {
                const struct qt_ksection *sec = qt_kimage_section_at(k, s->addr);
                if (!sec) sz = 0;
                else if (sz > sec->addr + sec->size - s->addr) sz = sec->addr + sec->size - s->addr;
            }
            s->size = sz;
        }
        if (!have_next || s->addr < next) {
            next = s->addr;
            next_pc = s->percpu;
            have_next = true;
        }
    }
    for (size_t i = 0; i < ks->n; i++) ks->by_name[i] = (uint32_t)i;
    qsort_r(ks->by_name, ks->n, sizeof(*ks->by_name), cmp_byname, ks);
    const struct qt_ksym *t = find_named(ks, "_text");
    if (!t) t = find_named(ks, "_stext");
    ks->text_addr = t ? t->addr : 0;
    return 0;
}

void qt_ksyms_free(struct qt_ksyms *ks)
{
    if (!ks) return;
    free(ks->syms);
    free(ks->by_name);
    free(ks->strpool);
    memset(ks, 0, sizeof(*ks));
}

/* nm-style letter for an address of the image */
static char type_for_addr(const struct qt_kimage *k, uint64_t addr, bool global)
{
    const struct qt_ksection *s = qt_kimage_section_at(k, addr);
    char c = 'D';
    if (s) {
        if (s->flags & SHF_EXECINSTR) c = 'T';
        else if (s->nobits) c = 'B';
        else if (!(s->flags & SHF_WRITE)) c = 'R';
        if (s->addr == 0 && strcmp(s->name, ".data..percpu") == 0) c = 'A';
    }
    return global ? c : (char)tolower((unsigned char)c);
}

static void image_percpu(const struct qt_kimage *k, uint64_t *start, uint64_t *end)
{
    const struct qt_ksection *p = qt_kimage_section(k, ".data..percpu");
    *start = *end = 0;
    if (p && p->size) {
        *start = p->addr;
        *end = p->addr + p->size;
    }
}

/* ---- kallsyms ------------------------------------------------------------------------- */

struct kall {
    const uint8_t *d;       /* section data */
    size_t n;
    uint64_t addr;          /* section address */
    size_t t0, tidx, tend;  /* token table, token index, end of token index */
    uint16_t idx[256];
    size_t markers, names, names_end, num_syms;
    uint64_t nsyms;
    size_t nmarkers;
    unsigned w;
    unsigned ptr;           /* sizeof(long) of the kernel: 8, or 4 for an i386 kernel */
    uint64_t map_base;      /* the lowest kernel address (qt_kimage.map_base) */
};

/* The offset at or after/before off whose address is a multiple of a; SIZE_MAX if that is
 * outside the section (a crafted section address). */
static size_t al_up(const struct kall *K, size_t off, unsigned a)
{
    uint64_t r = (((K->addr + off + a - 1) & ~(uint64_t)(a - 1)) - K->addr);
    return r >= off && r <= K->n ? (size_t)r : SIZE_MAX;
}
static size_t al_down(const struct kall *K, size_t off, unsigned a)
{
    uint64_t r = (((K->addr + off) & ~(uint64_t)(a - 1)) - K->addr);
    return r <= off ? (size_t)r : SIZE_MAX;
}
/* [off, off+len) inside the section, overflow-safe */
static bool inb(const struct kall *K, size_t off, uint64_t len) { return off <= K->n && len <= K->n - off; }

/* kallsyms_token_table: 256 NUL-terminated strings where the digits are their own tokens
 * (indices 0x30..0x39), followed by kallsyms_token_index: 256 u16 offsets into it. */
static bool find_tokens(struct kall *K)
{
    uint8_t pat[20];
    for (int i = 0; i < 10; i++) {
        pat[2 * i] = (uint8_t)('0' + i);
        pat[2 * i + 1] = 0;
    }
    const uint8_t *d = K->d;
    size_t n = K->n, from = 1;
    while (from < n) {
        const uint8_t *h = memmem(d + from, n - from, pat, sizeof(pat));
        if (!h) return false;
        size_t hp = (size_t)(h - d);
        from = hp + 1;
        if (d[hp - 1] != 0) continue;
        size_t p = hp;
        bool walked = true;
        for (int i = 0x30; i < 256 && walked; i++) {
            size_t lim = n - p < 256 ? n - p : 256;
            const uint8_t *z = lim ? memchr(d + p, 0, lim) : NULL;
            if (!z || z == d + p) walked = false;
            else p = (size_t)(z - d) + 1;
        }
        if (!walked) continue;
        size_t end = p;
        for (size_t c = end; c < end + 8 && c + 512 <= n; c++) {
            if (c > end && d[c - 1] != 0) break;        /* padding is zeros */
            uint16_t *idx = K->idx;
            bool good = true;
            for (int i = 0; i < 256 && good; i++) {
                idx[i] = qt_rd16(d + c + 2 * i);
                if (i ? idx[i] <= idx[i - 1] : idx[i] != 0) good = false;
            }
            if (!good || idx[0x30] > hp) continue;
            size_t t0 = hp - idx[0x30];
            for (int i = 0; i < 256 && good; i++) {
                size_t s = t0 + idx[i], e = i < 255 ? t0 + idx[i + 1] : end;
                if (e <= s + 1 || e > end || d[e - 1] != 0 || memchr(d + s, 0, e - s - 1)) good = false;
            }
            if (!good) continue;
            K->t0 = t0;
            K->tidx = c;
            K->tend = c + 512;
            return true;
        }
    }
    return false;
}

/* Parse count kallsyms_names entries from p (below limit); *end = after the last. */
static bool parse_entries(const uint8_t *d, size_t limit, size_t p, uint64_t count, size_t *end)
{
    for (uint64_t i = 0; i < count; i++) {
        if (p >= limit) return false;
        size_t len = d[p++];
        if (len & 0x80) {                   /* 6.1+: "big" symbols, ULEB128 length */
            if (p >= limit) return false;
            len = (len & 0x7f) | ((size_t)d[p++] << 7);
        }
        if (len == 0 || len > limit - p) return false;
        p += len;
    }
    *end = p;
    return true;
}

/* Given markers at m (M entries of w bytes), find kallsyms_num_syms and kallsyms_names
 * before them: names run up to the markers (plus alignment) and entry 256*i starts at
 * markers[i]. */
static bool try_names(struct kall *K, size_t m, size_t M, unsigned w)
{
    const uint8_t *d = K->d;
    uint64_t last = rdw(d + m + (M - 1) * w, w);
    if (last + 2 >= m) return false;
    size_t qmax = (size_t)(m - last), span = 256u * KALLSYMS_MAX_ENTRY + 16;
    size_t qmin = qmax > span ? qmax - span : 0;
    for (size_t q = al_down(K, qmax >= 4 ? qmax - 4 : 0, 4); q != SIZE_MAX && q >= qmin && q + 4 <= qmax; q -= 4) {
        uint64_t N = qt_rd32(d + q);
        if (N > 256 * (M - 1) && N <= 256 * M) {
            for (size_t ns = q + 4; ns <= q + 8; ns += 4) {
                size_t e;
                if (ns + last >= m) continue;
                if (!parse_entries(d, m, ns + last, N - 256 * (M - 1), &e) || m - e >= 8) continue;
                bool pad0 = true;
                for (size_t z = e; z < m; z++) pad0 &= d[z] == 0;
                if (!pad0) continue;
                size_t p = ns;                  /* full check: every marker */
                bool good = true;
                for (size_t b = 0; b < M && good; b++) {
                    if (p - ns != rdw(d + m + b * w, w)) good = false;
                    else if (b + 1 < M && !parse_entries(d, m, p, 256, &p)) good = false;
                }
                if (!good) continue;
                K->markers = m;
                K->nmarkers = M;
                K->w = w;
                K->names = ns;
                K->names_end = e;
                K->num_syms = q;
                K->nsyms = N;
                return true;
            }
        }
        if (q < 4) break;
    }
    return false;
}

static bool find_names(struct kall *K)
{
    const uint8_t *d = K->d;
    size_t lo = K->t0 > KALLSYMS_WINDOW ? K->t0 - KALLSYMS_WINDOW : 0;
    const uint64_t maxd = 256u * KALLSYMS_MAX_ENTRY, mind = 512;
    for (unsigned w = 4; w <= 8; w += 4) {
        size_t m = al_down(K, K->t0, w);
        while (m != SIZE_MAX && m >= lo + w) {
            m -= w;
            if (rdw(d + m, w) != 0 || m + 2 * w > K->t0) continue;
            uint64_t prev = rdw(d + m + w, w);
            if (prev < mind || prev > maxd) continue;
            size_t cnt = 2;
            while (m + (cnt + 1) * w <= K->t0) {
                uint64_t v = rdw(d + m + cnt * w, w);
                if (v <= prev || v - prev < mind || v - prev > maxd) break;
                prev = v;
                cnt++;
            }
            for (size_t M = cnt; M >= 2 && M + 3 > cnt; M--)
                if (try_names(K, m, M, w)) return true;
        }
    }
    return false;
}

/* Decode addresses; true if they are non-decreasing. */
static bool decode_rel(const struct kall *K, size_t off, uint64_t base, bool abs_percpu, uint64_t *out)
{
    uint64_t prev = 0;
    bool neg = false;
    for (uint64_t i = 0; i < K->nsyms; i++) {
        int32_t o = (int32_t)qt_rd32(K->d + off + 4 * i);
        uint64_t a;
        if (!abs_percpu) a = base + (uint32_t)o;
        else if (o >= 0) a = (uint64_t)o;
        else { a = base - 1 - (uint64_t)(int64_t)o; neg = true; }
        if (i && a < prev) return false;
        out[i] = prev = a;
    }
    return abs_percpu ? neg : true;
}

static bool find_addresses(struct kall *K, struct qt_kallsyms_loc *L, uint64_t *addrs)
{
    const uint64_t N = K->nsyms;
    const size_t q = K->num_syms;
    /* base-relative (CONFIG_KALLSYMS_BASE_RELATIVE): s32 offsets + u64 relative base, before
     * kallsyms_num_syms (<= 6.x) or after kallsyms_token_index (newer layouts) */
    size_t cands[8][2];
    int nc = 0;
    size_t rbs[2] = { q >= 8 ? q - 8 : SIZE_MAX, q >= 8 ? al_down(K, q - 8, 8) : SIZE_MAX };
    for (int r = 0; r < 2; r++) {
        if (rbs[r] == SIZE_MAX || (r == 1 && rbs[1] == rbs[0]) || rbs[r] < 4 * N) continue;
        cands[nc][0] = rbs[r] - 4 * N;
        cands[nc++][1] = rbs[r];
        if (rbs[r] >= 4 * N + 4) {
            cands[nc][0] = rbs[r] - 4 * N - 4;
            cands[nc++][1] = rbs[r];
        }
    }
    for (unsigned a = 4; a <= 8; a += 4) {
        size_t off = al_up(K, K->tend, a);
        if (off == SIZE_MAX || !inb(K, off, 4 * N)) continue;
        cands[nc][0] = off;
        cands[nc++][1] = al_up(K, off + 4 * N, 8);
    }
    if (K->ptr == 4) {
        /* i386: the relative base is a u32 (PTR is .long, ALGN .balign 4) */
        nc = 0;
        if (q >= 4 + 4 * N) {
            cands[nc][0] = q - 4 - 4 * N;
            cands[nc++][1] = q - 4;
        }
        size_t off = al_up(K, K->tend, 4);
        if (off != SIZE_MAX && inb(K, off, 4 * N + 4)) {
            cands[nc][0] = off;
            cands[nc++][1] = off + 4 * N;
        }
    }
    for (int c = 0; c < nc; c++) {
        size_t off = cands[c][0], rb = cands[c][1];
        if (K->ptr == 4) {
            if (!inb(K, rb, 4) || !inb(K, off, 4 * N)) continue;
            uint64_t base = qt_rd32(K->d + rb);
            if (base < K->map_base) continue;           /* a 32-bit kernel address */
            /* no CONFIG_KALLSYMS_ABSOLUTE_PERCPU on i386: base + (u32)offset */
            if (decode_rel(K, off, base, false, addrs) && addrs[N - 1] <= UINT32_MAX) {
                L->base_relative = true;
                L->offsets = K->addr + off;
                L->relative_base = K->addr + rb;
                L->relative_base_value = base;
                return true;
            }
            continue;
        }
        if (rb == SIZE_MAX || !inb(K, rb, 8) || !inb(K, off, 4 * N)) continue;
        uint64_t base = qt_rd64(K->d + rb);
        if (base < 0xffff000000000000ull) continue;     /* a 64-bit kernel address */
        for (int abs = 1; abs >= 0; abs--) {
            if (decode_rel(K, off, base, abs, addrs)) {
                L->base_relative = true;
                L->absolute_percpu = abs;
                L->offsets = K->addr + off;
                L->relative_base = K->addr + rb;
                L->relative_base_value = base;
                return true;
            }
        }
    }
    /* absolute: kallsyms_addresses, one word (u32 on i386, u64 on x86-64) per symbol, sorted,
     * right before kallsyms_num_syms or right after the token tables */
    unsigned w = K->ptr;
    uint64_t lowest = w == 4 ? K->map_base : 0xffff000000000000ull; /* a kernel address */
    size_t qa = al_down(K, q, w);
    size_t acands[2] = { qa != SIZE_MAX && qa >= w * N ? qa - w * N : SIZE_MAX, al_up(K, K->tend, w) };
    for (int c = 0; c < 2; c++) {
        size_t off = acands[c];
        if (off == SIZE_MAX || !inb(K, off, w * N)) continue;
        bool good = true;
        for (uint64_t i = 0; i < N && good; i++) {
            addrs[i] = w == 4 ? qt_rd32(K->d + off + 4 * i) : qt_rd64(K->d + off + 8 * i);
            if (i && addrs[i] < addrs[i - 1]) good = false;
        }
        if (good && addrs[N - 1] >= lowest) {
            L->addresses = K->addr + off;
            return true;
        }
    }
    return false;
}

static int kallsyms_in_section(struct qt_ksyms *ks, const struct qt_kimage *k, const struct qt_ksection *sec,
                               char *err, size_t errlen)
{
    struct kall K;
    memset(&K, 0, sizeof(K));
    K.d = qt_kimage_section_data(k, sec);
    K.n = (size_t)sec->size;
    K.addr = sec->addr;
    K.ptr = k->bits == 32 ? 4 : 8;
    K.map_base = k->map_base;
    if (!K.d || K.n < 4096) return -ENOENT;
    if (!find_tokens(&K)) return -ENOENT;
    if (!find_names(&K))
        return qt_fail(err, errlen, -EINVAL, "%s: kallsyms_token_table found at 0x%llx but not kallsyms_markers/kallsyms_names before it",
                     k->path, (unsigned long long)(K.addr + K.t0));
    struct qt_kallsyms_loc L;
    memset(&L, 0, sizeof(L));
    uint64_t *addrs = malloc(K.nsyms * sizeof(*addrs));
    if (!addrs) return -ENOMEM;
    if (!find_addresses(&K, &L, addrs)) {
        free(addrs);
        return qt_fail(err, errlen, -EINVAL, "%s: kallsyms names found at 0x%llx (%llu symbols) but not their addresses (kallsyms_offsets/kallsyms_addresses)",
                     k->path, (unsigned long long)(K.addr + K.names), (unsigned long long)K.nsyms);
    }
    L.num_syms = K.addr + K.num_syms;
    L.names = K.addr + K.names;
    L.markers = K.addr + K.markers;
    L.token_table = K.addr + K.t0;
    L.token_index = K.addr + K.tidx;
    L.marker_size = K.w;

    /* expand the names */
    const uint8_t *tok[256];
    size_t tlen[256];
    for (int i = 0; i < 256; i++) {
        tok[i] = K.d + K.t0 + K.idx[i];
        tlen[i] = strlen((const char *)tok[i]);     /* NUL-terminated: checked by find_tokens */
    }
    struct kbuild b;
    memset(&b, 0, sizeof(b));
    char name[KSYM_MAX_NAME + 2];
    size_t p = K.names;
    int rc = 0;
    for (uint64_t i = 0; i < K.nsyms && rc == 0; i++) {
        size_t len = K.d[p++];
        if (len & 0x80) len = (len & 0x7f) | ((size_t)K.d[p++] << 7);
        size_t nl = 0;
        for (size_t j = 0; j < len; j++) {
            unsigned t = K.d[p + j];
            size_t c = tlen[t] < sizeof(name) - 1 - nl ? tlen[t] : sizeof(name) - 1 - nl;
            memcpy(name + nl, tok[t], c);
            nl += c;
        }
        p += len;                           /* in bounds: checked by find_names */
        if (nl < 2) continue;
        rc = kb_add(&b, addrs[i], 0, name[0], name + 1, nl - 1);
    }
    free(addrs);
    uint64_t pcs, pce;
    image_percpu(k, &pcs, &pce);
    if (rc == 0) rc = kb_finish(&b, ks, k, pcs, pce);
    kb_free(&b);
    if (rc < 0) {
        qt_ksyms_free(ks);
        return rc;
    }
    ks->source = QT_KSYMS_KALLSYMS;
    ks->loc = L;
    snprintf(ks->how, sizeof(ks->how), "kallsyms tables in %s (%s%s; kallsyms_names at 0x%llx, kallsyms_token_table at 0x%llx)",
             sec->name, L.base_relative ? "base-relative offsets" : "absolute addresses",
             L.absolute_percpu ? ", absolute per-cpu" : "", (unsigned long long)L.names, (unsigned long long)L.token_table);
    return 0;
}

int qt_ksyms_from_kallsyms(struct qt_ksyms *ks, const struct qt_kimage *k, char *err, size_t errlen)
{
    memset(ks, 0, sizeof(*ks));
    const struct qt_ksection *ro = qt_kimage_section(k, ".rodata");
    int rc = -ENOENT;
    if (ro) rc = kallsyms_in_section(ks, k, ro, err, errlen);
    for (size_t i = 0; i < k->nsec && rc == -ENOENT; i++) {
        const struct qt_ksection *s = &k->sec[i];
        if (s == ro || s->nobits || !(s->flags & SHF_ALLOC) || (s->flags & SHF_EXECINSTR)) continue;
        rc = kallsyms_in_section(ks, k, s, err, errlen);
    }
    if (rc == -ENOENT)
        qt_fail(err, errlen, rc, "%s: no kallsyms tables found in the image (kernel built without CONFIG_KALLSYMS?)", k->path);
    return rc;
}

/* ---- .symtab -------------------------------------------------------------------------- */

int qt_ksyms_from_symtab(struct qt_ksyms *ks, const struct qt_kimage *k, char *err, size_t errlen)
{
    memset(ks, 0, sizeof(*ks));
    const struct qt_ksection *st = NULL;
    for (size_t i = 0; i < k->nsec && !st; i++)
        if (k->sec[i].type == SHT_SYMTAB) st = &k->sec[i];
    if (!st || st->nobits || st->size < sizeof(Elf64_Sym))
        return qt_fail(err, errlen, -ENOENT, "%s: the image has no ELF symbol table (.symtab)", k->path);
    if (st->link >= k->nsec || k->sec[st->link].nobits)
        return qt_fail(err, errlen, -EINVAL, "%s: .symtab links to a bad string table (section %u)", k->path, st->link);
    const struct qt_ksection *ss = &k->sec[st->link];
    const char *str = (const char *)qt_kimage_section_data(k, ss);
    const uint8_t *sd = qt_kimage_section_data(k, st);
    size_t nsym = (size_t)(st->size / sizeof(Elf64_Sym));
    struct kbuild b;
    memset(&b, 0, sizeof(b));
    int rc = 0;
    for (size_t i = 1; i < nsym && rc == 0; i++) {
        Elf64_Sym s;
        memcpy(&s, sd + i * sizeof(s), sizeof(s));
        unsigned typ = ELF64_ST_TYPE(s.st_info), bind = ELF64_ST_BIND(s.st_info);
        if (typ == STT_SECTION || typ == STT_FILE || s.st_shndx == SHN_UNDEF) continue;
        if (!str || s.st_name == 0 || s.st_name >= ss->size) continue;
        const char *nm = str + s.st_name;
        const char *z = memchr(nm, 0, (size_t)(ss->size - s.st_name));
        if (!z || z == nm) continue;
        char c;
        if (s.st_shndx == SHN_ABS) c = 'A';
        else if (s.st_shndx >= k->nsec) continue;
        else {
            const struct qt_ksection *sec = &k->sec[s.st_shndx];
            c = (sec->flags & SHF_EXECINSTR) ? 'T' : sec->nobits ? 'B' : (sec->flags & SHF_WRITE) ? 'D'
              : (sec->flags & SHF_ALLOC) ? 'R' : 'N';
        }
        if (bind == STB_WEAK) c = typ == STT_OBJECT ? 'V' : 'W';
        else if (bind == STB_LOCAL) c = (char)tolower((unsigned char)c);
        rc = kb_add(&b, s.st_value, s.st_size, c, nm, (size_t)(z - nm));
    }
    uint64_t pcs, pce;
    image_percpu(k, &pcs, &pce);
    if (rc == 0 && b.n == 0) rc = qt_fail(err, errlen, -ENOENT, "%s: .symtab has no symbols", k->path);
    else if (rc == 0) rc = kb_finish(&b, ks, k, pcs, pce);
    kb_free(&b);
    if (rc < 0) {
        qt_ksyms_free(ks);
        return rc;
    }
    ks->source = QT_KSYMS_SYMTAB;
    snprintf(ks->how, sizeof(ks->how), "ELF .symtab of the image");
    return 0;
}

/* ---- __ksymtab ------------------------------------------------------------------------ */

/* struct kernel_symbol: PREL32 {int value_offset, name_offset[, namespace_offset]} (x86-64
 * since 4.19) or absolute {unsigned long value; const char *name[, *namespace]}. */
static int ksymtab_format(const struct qt_kimage *k, const struct qt_ksection *s, const struct qt_ksection *strs,
                          bool *prel, unsigned *esz)
{
    static const struct { bool prel; unsigned esz; } fmts[] = { { true, 12 }, { true, 8 }, { false, 24 }, { false, 16 } };
    const uint8_t *d = qt_kimage_section_data(k, s);
    const char *sd = (const char *)qt_kimage_section_data(k, strs);
    if (!d || !sd) return -ENOENT;
    for (size_t f = 0; f < sizeof(fmts) / sizeof(fmts[0]); f++) {
        if (s->size % fmts[f].esz) continue;
        bool good = true;
        for (uint64_t o = 0; o < s->size && good; o += fmts[f].esz) {
            uint64_t na = fmts[f].prel ? s->addr + o + 4 + (uint64_t)(int64_t)(int32_t)qt_rd32(d + o + 4) : qt_rd64(d + o + 8);
            /* (not necessarily at a string start: the linker merges string tails) */
            if (na < strs->addr || na - strs->addr >= strs->size || sd[na - strs->addr] == 0) good = false;
        }
        if (good) {
            *prel = fmts[f].prel;
            *esz = fmts[f].esz;
            return 0;
        }
    }
    return -EINVAL;
}

int qt_ksyms_from_ksymtab(struct qt_ksyms *ks, const struct qt_kimage *k, char *err, size_t errlen)
{
    memset(ks, 0, sizeof(*ks));
    const struct qt_ksection *strs = qt_kimage_section(k, "__ksymtab_strings");
    const char *names[2] = { "__ksymtab", "__ksymtab_gpl" };
    if (!strs || strs->nobits || !strs->size)
        return qt_fail(err, errlen, -ENOENT, "%s: the image has no __ksymtab_strings section", k->path);
    const char *sd = (const char *)qt_kimage_section_data(k, strs);
    struct kbuild b;
    memset(&b, 0, sizeof(b));
    int rc = 0, found = 0;
    for (int t = 0; t < 2 && rc == 0; t++) {
        const struct qt_ksection *s = qt_kimage_section(k, names[t]);
        bool prel;
        unsigned esz;
        if (!s || !s->size || s->nobits) continue;
        if (ksymtab_format(k, s, strs, &prel, &esz) < 0) {
            rc = qt_fail(err, errlen, -EINVAL, "%s: %s has entries whose names are not in __ksymtab_strings", k->path, names[t]);
            break;
        }
        found++;
        const uint8_t *d = qt_kimage_section_data(k, s);
        for (uint64_t o = 0; o < s->size && rc == 0; o += esz) {
            uint64_t va = prel ? s->addr + o + (uint64_t)(int64_t)(int32_t)qt_rd32(d + o) : qt_rd64(d + o);
            uint64_t na = prel ? s->addr + o + 4 + (uint64_t)(int64_t)(int32_t)qt_rd32(d + o + 4) : qt_rd64(d + o + 8);
            const char *nm = sd + (na - strs->addr);
            const char *z = memchr(nm, 0, (size_t)(strs->size - (na - strs->addr)));
            if (!z || z == nm) continue;
            rc = kb_add(&b, va, 0, type_for_addr(k, va, true), nm, (size_t)(z - nm));
        }
    }
    uint64_t pcs, pce;
    image_percpu(k, &pcs, &pce);
    if (rc == 0 && (!found || b.n == 0)) rc = qt_fail(err, errlen, -ENOENT, "%s: the image has no __ksymtab entries", k->path);
    else if (rc == 0) rc = kb_finish(&b, ks, k, pcs, pce);
    kb_free(&b);
    if (rc < 0) {
        qt_ksyms_free(ks);
        return rc;
    }
    ks->source = QT_KSYMS_KSYMTAB;
    snprintf(ks->how, sizeof(ks->how), "__ksymtab and __ksymtab_gpl (exported symbols only)");
    return 0;
}

int qt_ksyms_from_kimage(struct qt_ksyms *ks, const struct qt_kimage *k, char *err, size_t errlen)
{
    char e1[256] = "";
    int rc = qt_ksyms_from_symtab(ks, k, err, errlen);
    if (rc == 0 || rc == -ENOMEM) return rc;
    rc = qt_ksyms_from_kallsyms(ks, k, e1, sizeof(e1));
    if (rc == 0) return 0;
    if (qt_ksyms_from_ksymtab(ks, k, err, errlen) == 0) return 0;
    if (rc == -ENOENT)
        return qt_fail(err, errlen, -ENOENT, "%s: no kernel symbols in the image (no .symtab, no kallsyms tables, no __ksymtab): "
                     "pass a System.map or /proc/kallsyms file with --kernel-symbols", k->path);
    return qt_fail(err, errlen, rc, "%s", e1);
}

/* ---- System.map / /proc/kallsyms ------------------------------------------------------ */

int qt_ksyms_load_file(struct qt_ksyms *ks, const char *path, char *err, size_t errlen)
{
    memset(ks, 0, sizeof(*ks));
    FILE *f = fopen(path, "re");
    if (!f) {
        int e = errno;
        return qt_fail(err, errlen, -e, "%s: %s", path, strerror(e));
    }
    struct kbuild b;
    memset(&b, 0, sizeof(b));
    char *line = NULL;
    size_t cap = 0, lineno = 0, mods = 0;
    ssize_t len;
    int rc = 0;
    bool nonzero = false;
    while (rc == 0 && (len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        if (strstr(line, "The real System.map is in")) {
            rc = qt_fail(err, errlen, -EINVAL, "%s is Debian's placeholder System.map (the real one is in the linux-image-*-dbg package): "
                       "omit --kernel-symbols, qtrace reads the symbols from the kernel image", path);
            break;
        }
        char *p = line;
        while (*p == ' ' || *p == '\t') p++;
        if (*p == '\n' || *p == '\r' || *p == 0) continue;
        char *q;
        errno = 0;
        unsigned long long addr = strtoull(p, &q, 16);
        char *name, *ne;
        if (q == p || q - p > 16 || errno || (*q != ' ' && *q != '\t')) goto bad;
        while (*q == ' ' || *q == '\t') q++;
        char type = *q;
        if (!isgraph((unsigned char)type) || (q[1] != ' ' && q[1] != '\t')) goto bad;
        q += 2;
        while (*q == ' ' || *q == '\t') q++;
        name = q;
        while (*q && !isspace((unsigned char)*q)) q++;
        ne = q;
        if (ne == name) goto bad;
        while (*q == ' ' || *q == '\t') q++;
        if (*q == '[') {                    /* "[module]": not part of the image */
            mods++;
            continue;
        }
        if (*q && *q != '\n' && *q != '\r') goto bad;
        if (addr) nonzero = true;
        rc = kb_add(&b, addr, 0, type, name, (size_t)(ne - name));
        continue;
bad:
        rc = qt_fail(err, errlen, -EINVAL, "%s:%zu: expected 'ADDRESS TYPE NAME' (System.map or /proc/kallsyms format)", path, lineno);
    }
    if (rc == 0 && ferror(f)) rc = qt_fail(err, errlen, -EIO, "%s: read error", path);
    free(line);
    fclose(f);
    if (rc == 0 && b.n == 0)
        rc = qt_fail(err, errlen, -EINVAL, "%s has no kernel symbols%s", path, mods ? " (only module symbols)" : "");
    if (rc == 0 && !nonzero)
        rc = qt_fail(err, errlen, -EINVAL, "%s: every address is 0 (a /proc/kallsyms read without privilege: read it as root "
                   "or with kernel.kptr_restrict=0)", path);
    if (rc == 0) rc = kb_finish(&b, ks, NULL, 0, 0);
    kb_free(&b);
    if (rc < 0) {
        qt_ksyms_free(ks);
        return rc;
    }
    ks->source = QT_KSYMS_FILE;
    ks->skipped_module_syms = mods;
    snprintf(ks->how, sizeof(ks->how), "symbols file %s", path);
    return 0;
}

int qt_ksyms_unslide(struct qt_ksyms *ks, uint64_t link_text)
{
    if (!ks->text_addr) return -EINVAL;
    uint64_t delta = ks->text_addr - link_text;
    if (delta == 0) return 0;
    bool k32 = link_text <= UINT32_MAX;         /* an i386 kernel: 8 KiB alignment at least, 512 MiB */
    if (delta % (k32 ? 0x2000 : QT_KASLR_ALIGN) || delta >= (k32 ? QT_KASLR_RANGE32 : QT_KASLR_RANGE)) return -EINVAL;
    uint64_t base = k32 ? QT_KERNEL_LOW32 : QT_KERNEL_MAP_BASE;
    for (size_t i = 0; i < ks->n; i++)
        if (ks->syms[i].addr >= base + delta) ks->syms[i].addr -= delta;
    ks->text_addr -= delta;
    ks->slide += delta;
    return 0;
}

/* ---- lookups -------------------------------------------------------------------------- */

static size_t name_lower_bound(const struct qt_ksyms *ks, const char *name)
{
    size_t lo = 0, hi = ks->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(ks->syms[ks->by_name[mid]].name, name) < 0) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

const struct qt_ksym *qt_ksyms_find(const struct qt_ksyms *ks, const char *name)
{
    const struct qt_ksym *first = NULL;
    for (size_t i = name_lower_bound(ks, name); i < ks->n; i++) {
        const struct qt_ksym *s = &ks->syms[ks->by_name[i]];
        if (strcmp(s->name, name) != 0) break;
        if (isupper((unsigned char)s->type)) return s;
        if (!first) first = s;
    }
    return first;
}

size_t qt_ksyms_find_all(const struct qt_ksyms *ks, const char *name, const struct qt_ksym **out, size_t max)
{
    size_t cnt = 0;
    for (size_t i = name_lower_bound(ks, name); i < ks->n; i++) {
        const struct qt_ksym *s = &ks->syms[ks->by_name[i]];
        if (strcmp(s->name, name) != 0) break;
        if (cnt < max) out[cnt] = s;
        cnt++;
    }
    return cnt;
}

static int sym_rank(const struct qt_ksym *s)
{
    int r = 0;
    switch (s->type) {
    case 'T': r = 0; break;
    case 't': r = 2; break;
    case 'W': case 'w': r = 4; break;
    default: r = isupper((unsigned char)s->type) ? 6 : 8;
    }
    return r + (s->name[0] == '_');
}

const struct qt_ksym *qt_ksyms_lookup(const struct qt_ksyms *ks, uint64_t addr)
{
    size_t lo = 0, hi = ks->n;
    while (lo < hi) {                       /* first symbol with address > addr */
        size_t mid = lo + (hi - lo) / 2;
        if (ks->syms[mid].addr <= addr) lo = mid + 1;
        else hi = mid;
    }
    if (lo == 0) return NULL;
    uint64_t a = ks->syms[lo - 1].addr;
    const struct qt_ksym *best = NULL;
    for (size_t i = lo; i-- > 0 && ks->syms[i].addr == a;) {
        const struct qt_ksym *s = &ks->syms[i];
        bool covers = addr == s->addr || addr - s->addr < s->size;
        if (covers && (!best || sym_rank(s) <= sym_rank(best))) best = s;
    }
    return best;
}

uint64_t qt_ksym_runtime_addr(const struct qt_ksym *sym, uint64_t slide)
{
    /* x86-64: the image mapping (per-cpu symbols are offsets, not moved); i386: every kernel
     * address, per-cpu ones included (the per-cpu area is linked in the image) */
    bool k32 = sym->addr >= QT_KERNEL_LOW32 && sym->addr <= UINT32_MAX;
    return sym->addr >= QT_KERNEL_MAP_BASE || k32 ? sym->addr + slide : sym->addr;
}
