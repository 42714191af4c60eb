/* The guest link map walk (common/lmwalk.c) over a fake guest memory: GOT[1], DT_DEBUG, 32-bit
 * words, and every way a walk stops (unreadable, cycle, 512 entries, nothing found). */
#include <stdlib.h>
#include <string.h>

#include "lmwalk.h"
#include "tap.h"

#define BASE 0x10000u
#define SIZE 0x40000u

struct fake {
    uint8_t *mem;           /* [BASE, BASE + SIZE) readable */
};

static bool fake_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
    const struct fake *f = ctx;
    if (addr < BASE || addr > BASE + SIZE || len > BASE + SIZE - addr)
        return false;
    memcpy(buf, f->mem + (addr - BASE), len);
    return true;
}

static void put(struct fake *f, unsigned word, uint64_t addr, uint64_t v)
{
    for (unsigned i = 0; i < word; i++)
        f->mem[addr - BASE + i] = (uint8_t)(v >> (8 * i));
}

/* A struct link_map at at: l_addr, l_name, l_ld, l_next, l_prev. */
static void entry(struct fake *f, unsigned word, uint64_t at, uint64_t l_addr, uint64_t l_name, uint64_t next)
{
    put(f, word, at, l_addr);
    put(f, word, at + word, l_name);
    put(f, word, at + 3 * word, next);
}

struct seen {
    struct qt_lmwalk_entry e[600];
    unsigned n;
};

static void each(void *ctx, const struct qt_lmwalk_entry *e)
{
    struct seen *s = ctx;
    if (s->n < 600)
        s->e[s->n++] = *e;
}

static void walk(struct fake *f, unsigned word, uint64_t got, uint64_t bias, struct seen *s, struct qt_lmwalk_result *r)
{
    struct qt_mem m = { fake_read, f };
    memset(s, 0, sizeof(*s));
    qt_lmwalk(&m, word, got, bias, each, s, r);
}

int main(void)
{
    struct fake f = { calloc(1, SIZE) };
    struct seen *s = calloc(1, sizeof(*s));
    struct qt_lmwalk_result r;
    const uint64_t got = BASE + 0x1000, dyn = BASE + 0x2000, dbg = BASE + 0x3000, lm = BASE + 0x4000;

    /* GOT[1] -> three entries */
    put(&f, 8, got + 8, lm);
    entry(&f, 8, lm, 0x555555554000, 0, lm + 0x100);
    entry(&f, 8, lm + 0x100, 0x7f0000000000, BASE + 0x5000, lm + 0x200);
    entry(&f, 8, lm + 0x200, 0x7f0000100000, BASE + 0x5100, 0);
    walk(&f, 8, got, 0, s, &r);
    is_int(r.end, QT_LMW_END, "GOT[1]: the whole list");
    is_int(r.src, QT_LMW_SRC_GOT, "GOT[1]: the head's source");
    is_int(r.n, 3, "GOT[1]: three entries");
    ok(s->n == 3 && s->e[0].l_addr == 0x555555554000 && s->e[1].l_name == BASE + 0x5000 && s->e[2].self == lm + 0x200,
       "GOT[1]: l_addr, l_name, self in list order");

    /* GOT[1] = 0: GOT[0] + bias is .dynamic, DT_DEBUG -> r_debug -> r_map */
    put(&f, 8, got + 8, 0);
    put(&f, 8, got, dyn - 0x1000);
    put(&f, 8, dyn, 1), put(&f, 8, dyn + 8, 0x42);         /* DT_NEEDED */
    put(&f, 8, dyn + 16, 21), put(&f, 8, dyn + 24, dbg);   /* DT_DEBUG */
    put(&f, 8, dyn + 32, 0);                               /* DT_NULL */
    put(&f, 4, dbg, 1), put(&f, 8, dbg + 8, lm + 0x100);
    walk(&f, 8, got, 0x1000, s, &r);
    is_int(r.end, QT_LMW_END, "DT_DEBUG: the whole list");
    is_int(r.src, QT_LMW_SRC_DEBUG, "DT_DEBUG: the head's source");
    is_int(s->n, 2, "DT_DEBUG: from r_map on");

    /* DT_DEBUG 0 (not yet set): nothing, said */
    put(&f, 8, dyn + 24, 0);
    walk(&f, 8, got, 0x1000, s, &r);
    is_int(r.end, QT_LMW_NONE, "DT_DEBUG 0: no link map");
    /* a static program: GOT[0] and GOT[1] 0 */
    put(&f, 8, got, 0);
    walk(&f, 8, got, 0, s, &r);
    is_int(r.end, QT_LMW_NONE, "GOT[0] and GOT[1] 0: no link map");
    is_int(s->n, 0, "no entry");
    /* .dynamic unreadable */
    put(&f, 8, got, 0x900000);
    walk(&f, 8, got, 0, s, &r);
    is_int(r.end, QT_LMW_DYN_UNREADABLE, ".dynamic unreadable");
    is_u64(r.addr, 0x900000, ".dynamic unreadable: its address");
    /* .dynamic without DT_NULL: bounded scan */
    for (unsigned i = 0; i < QT_LMWALK_DYN_MAX + 4; i++)
        put(&f, 8, BASE + 0x20000 + 16 * i, 3), put(&f, 8, BASE + 0x20000 + 16 * i + 8, 0);
    put(&f, 8, got, BASE + 0x20000);
    walk(&f, 8, got, 0, s, &r);
    is_int(r.end, QT_LMW_NONE, ".dynamic without DT_NULL: at most QT_LMWALK_DYN_MAX entries scanned");

    /* the .got.plt unreadable */
    walk(&f, 8, 0x12345678, 0, s, &r);
    is_int(r.end, QT_LMW_GOT_UNREADABLE, ".got.plt unreadable");
    is_u64(r.addr, 0x12345678, ".got.plt unreadable: its address");

    /* garbage: GOT[1] points outside memory */
    put(&f, 8, got + 8, 0x83485354415541e5);
    walk(&f, 8, got, 0, s, &r);
    is_int(r.end, QT_LMW_UNREADABLE, "GOT[1] garbage: unreadable entry");
    is_u64(r.addr, 0x83485354415541e5, "GOT[1] garbage: the address");
    is_int(s->n, 0, "GOT[1] garbage: no entry");
    /* an entry at the very end of memory: l_next unreadable */
    put(&f, 8, got + 8, BASE + SIZE - 16);
    walk(&f, 8, got, 0, s, &r);
    is_int(r.end, QT_LMW_UNREADABLE, "an entry cut by the end of memory");

    /* a cycle: a -> b -> a */
    put(&f, 8, got + 8, lm);
    entry(&f, 8, lm, 1, 0, lm + 0x100);
    entry(&f, 8, lm + 0x100, 2, 0, lm);
    walk(&f, 8, got, 0, s, &r);
    is_int(r.end, QT_LMW_CYCLE, "cycle: stops");
    is_int(s->n, 2, "cycle: each entry once");
    is_u64(r.addr, lm, "cycle: where it closes");
    /* a self loop */
    entry(&f, 8, lm, 1, 0, lm);
    walk(&f, 8, got, 0, s, &r);
    is_int(r.end, QT_LMW_CYCLE, "self loop: stops");
    is_int(s->n, 1, "self loop: one entry");

    /* more than 512 entries */
    for (unsigned i = 0; i < QT_LMWALK_MAX + 10; i++)
        entry(&f, 8, BASE + 0x8000 + 40 * i, i, 0, BASE + 0x8000 + 40 * (i + 1));
    put(&f, 8, got + 8, BASE + 0x8000);
    walk(&f, 8, got, 0, s, &r);
    is_int(r.end, QT_LMW_LIMIT, "a long list: stops at the limit");
    is_int(s->n, QT_LMWALK_MAX, "a long list: QT_LMWALK_MAX entries");

    /* 32-bit: 4-byte words, r_map at offset 4 */
    memset(f.mem, 0, SIZE);
    put(&f, 4, got + 4, lm);
    entry(&f, 4, lm, 0x56555000, BASE + 0x5000, lm + 0x40);
    entry(&f, 4, lm + 0x40, 0xf7d00000, BASE + 0x5100, 0);
    walk(&f, 4, got, 0, s, &r);
    is_int(r.end, QT_LMW_END, "32-bit GOT[1]: the whole list");
    ok(s->n == 2 && s->e[0].l_addr == 0x56555000 && s->e[1].l_name == BASE + 0x5100 && s->e[1].self == lm + 0x40,
       "32-bit: 4-byte fields");
    put(&f, 4, got + 4, 0);
    put(&f, 4, got, dyn);
    put(&f, 4, dyn, 21), put(&f, 4, dyn + 4, dbg), put(&f, 4, dyn + 8, 0);
    put(&f, 4, dbg, 1), put(&f, 4, dbg + 4, lm + 0x40);
    walk(&f, 4, got, 0, s, &r);
    ok(r.end == QT_LMW_END && r.src == QT_LMW_SRC_DEBUG && s->n == 1, "32-bit DT_DEBUG: r_map at offset 4");
    walk(&f, 3, got, 0, s, &r);
    is_int(r.end, QT_LMW_GOT_UNREADABLE, "a word size that is neither 4 nor 8");

    for (unsigned e = QT_LMW_END; e <= QT_LMW_LIMIT; e++)
        ok(strlen(qt_lmwalk_end_text(e)) > 10, "end %u has a sentence", e);
    free(s);
    free(f.mem);
    return done_testing();
}
