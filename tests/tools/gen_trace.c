/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gen_trace [--execlog] OUT.qtr EVENTS [THREADS]: writes a synthetic user-mode trace of EVENTS
 * function events (entries and exits) as the plugin writes it, with tests/unit/tracebuild.h's
 * record encoders, chunk by chunk (memory stays small whatever EVENTS is): THREADS threads
 * (default 4), one per vCPU, each running call trees 8 deep over 64 functions. Most events are
 * packed words after a base record; every 64th call is a full record with an integer and a
 * string argument and a return value. Ends with the END record. With --execlog, the events are
 * instead EVENTS executed instructions of an execution log (a block of a nop and a store, its
 * memory access recorded), as the plugin's execlog_format=bin writes them.
 * For the huge-trace benchmark (bench/huge.sh) and its small check
 * (tests/e2e/cases/163_huge_trace_streams.sh). Prints "gen_trace: N events, C calls, B bytes" (C:
 * the function entries among the events).
 */
#include <stdio.h>
#include <stdlib.h>

#include "execlog_format.h"
#include "execlog_text.h"
#include "tracebuild.h"

#define NFUNC 64
#define DEPTH 8
#define CHUNK_EVENTS 30000      /* about the 256 KiB of a plugin chunk */
#define FUNC_BASE 0x401000u

struct thr {
    uint32_t tid;
    uint64_t icount, ts;
    uint32_t depth;         /* frames open */
    uint32_t fn[DEPTH];     /* their function ids */
    uint64_t entry_ic[DEPTH];
    bool full[DEPTH];       /* entered with a full record */
    uint64_t calls;
};

/* Where packed words of the current chunk stand: a new base is due every QT_FAST_PER_BASE of them
 * and after a full record. */
struct packing {
    uint32_t since_base;
    uint64_t base_ic;
};

static void put_packed(struct qb *b, unsigned vcpu, const struct thr *t, struct packing *p, enum qt_packed_kind kind,
                       uint32_t id)
{
    if (p->since_base >= QT_FAST_PER_BASE) {
        qb_base(b, vcpu, t->tid, 0, t->ts, t->icount);
        p->base_ic = t->icount;
        p->since_base = 0;
    }
    qb_fast(b, kind, id, t->depth, (uint32_t)(t->icount - p->base_ic));
    p->since_base++;
}

static void put_events(struct qb *b, unsigned vcpu, struct thr *t, uint64_t n)
{
    struct packing p = { QT_FAST_PER_BASE, 0 };
    for (uint64_t i = 0; i < n; i++) {
        t->icount += 7;
        t->ts += 3;
        bool enter = t->depth == 0 || (t->depth < DEPTH && (t->calls + t->depth) % 3 != 0);
        if (enter) {
            uint32_t id = (uint32_t)((t->calls * 7 + t->depth) % NFUNC) + 1;
            bool full = t->calls % 64 == 0;
            t->calls++;
            t->fn[t->depth] = id;
            t->entry_ic[t->depth] = t->icount;
            t->full[t->depth] = full;
            if (full) {
                static const char s[] = "arg \"string\"";
                const struct targ a[2] = { { 1, QT_T_INT, 64, 0, t->calls, NULL, 0 }, STR(2, s) };
                qb_call(b, QT_REC_ENTRY, vcpu, t->tid, 0, (uint16_t)t->depth, 0, t->ts, t->icount,
                        FUNC_BASE + (id - 1) * 0x40u, 0x400123, 2, a);
                p.since_base = QT_FAST_PER_BASE;
            } else {
                put_packed(b, vcpu, t, &p, QT_PACKED_ENTRY, id);
            }
            t->depth++;
        } else {
            t->depth--;
            uint32_t id = t->fn[t->depth];
            if (t->full[t->depth]) {
                const struct targ r = { 0, QT_T_INT, 64, 0, t->icount & 0xffff, NULL, 0 };
                qb_call(b, QT_REC_EXIT, vcpu, t->tid, 0, (uint16_t)t->depth, 0, t->ts, t->icount,
                        FUNC_BASE + (id - 1) * 0x40u, t->entry_ic[t->depth], 1, &r);
                p.since_base = QT_FAST_PER_BASE;
            } else {
                put_packed(b, vcpu, t, &p, QT_PACKED_EXIT, id);
            }
        }
    }
}

/* n instructions of the execution log on vcpu: blocks of a nop and a store to 0x2000 (block 1) */
static void put_execlog(struct qb *b, unsigned vcpu, uint64_t n, bool first)
{
    if (first) {
        struct qt_rec_el_vcpu v;
        memset(&v, 0, sizeof(v));
        v.h = (struct qt_rec_hdr){ QT_REC_EL_VCPU, sizeof(v), vcpu };
        qb_put(b, &v, sizeof(v));
        b->nrec++;
    }
    for (uint64_t i = 0; i < n; i += 2) {
        struct qt_rec_el_exec e = { { QT_REC_EL_EXEC, sizeof(e), vcpu }, 1, QT_EL_FULL };
        qb_put(b, &e, sizeof(e));
        struct qt_rec_el_mem m;
        memset(&m, 0, sizeof(m));
        m.h = (struct qt_rec_hdr){ QT_REC_EL_MEM, sizeof(m), vcpu };
        m.insn = 1;
        m.info = 2 | QT_EL_M_STORE;
        m.vaddr = 0x2000 + (i & 0xff8);
        qb_put(b, &m, sizeof(m));
        b->nrec += 2;
    }
}

/* the CONFIG record and block 1's TBDEF, written before any vCPU's records */
static void put_execlog_defs(struct qb *b)
{
    struct qt_rec_el_config c;
    memset(&c, 0, sizeof(c));
    c.h = (struct qt_rec_hdr){ QT_REC_EL_CONFIG, sizeof(c), VCPU_NONE };
    qb_put(b, &c, sizeof(c));
    b->nrec++;
    static const uint8_t nop[] = { 0x90 }, store[] = { 0x89, 0x07 };
    const struct qt_el_isrc src[2] = {
        { .vaddr = 0x401000, .kind = QT_EL_K_LOG, .len = 1, .bytes = nop, .disas = "nop", .dlen = 3 },
        { .vaddr = 0x401001, .kind = QT_EL_K_LOG, .len = 2, .bytes = store, .disas = "movl %eax, (%rdi)", .dlen = 17 },
    };
    struct qt_el_tb *tb = qt_el_tb_new(1, 0, src, 2);
    uint8_t rec[512];
    size_t n = tb ? qt_el_tbdef_encode(tb, 0, rec, sizeof(rec)) : 0;
    if (!n) {
        fprintf(stderr, "gen_trace: cannot encode the execution log's block\n");
        exit(1);
    }
    qb_put(b, rec, n);
    b->nrec++;
    free(tb);
}

/* Append b's bytes after its first keep bytes to f, and cut b back to them. */
static void emit(struct qb *b, size_t keep, FILE *f, uint64_t *bytes)
{
    qb_close_chunk(b);
    if (fwrite(b->buf + keep, 1, b->len - keep, f) != b->len - keep) {
        perror("gen_trace: write");
        exit(1);
    }
    *bytes += b->len - keep;
    b->len = keep;
}

int main(int argc, char **argv)
{
    bool execlog = argc > 1 && strcmp(argv[1], "--execlog") == 0;
    if (execlog) {
        argv++;
        argc--;
    }
    if (argc < 3) {
        fprintf(stderr, "usage: gen_trace [--execlog] OUT.qtr EVENTS [THREADS]\n");
        return 2;
    }
    uint64_t events = strtoull(argv[2], NULL, 0);
    unsigned nthr = argc > 3 ? (unsigned)atoi(argv[3]) : 4;
    if (nthr < 1 || nthr > 64) {
        fprintf(stderr, "gen_trace: THREADS must be 1..64\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "wb");
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    struct qb b;
    qb_init(&b, QT_MODE_USER, 1700000000000000000ull);
    size_t keep = b.len; /* the file header stays at the buffer's start: chunks follow it */
    uint64_t bytes = 0;
    if (fwrite(b.buf, 1, keep, f) != keep)
        return 1;
    bytes += keep;
    qb_chunk(&b, VCPU_NONE);
    qb_map(&b, 0x400000, 0x10000, "/usr/bin/huge");
    for (unsigned i = 0; i < NFUNC; i++) {
        char name[32];
        snprintf(name, sizeof(name), "func_%02u", i);
        qb_sym_id(&b, FUNC_BASE + i * 0x40u, 0x40, name, (const char *const[]){ "n", "s", NULL }, i + 1);
    }
    if (execlog)
        put_execlog_defs(&b);
    emit(&b, keep, f, &bytes);
    struct thr *t = calloc(nthr, sizeof(*t));
    for (unsigned i = 0; i < nthr; i++)
        t[i].tid = 1000 + i;
    uint64_t done = 0;
    while (done < events) {
        for (unsigned i = 0; i < nthr && done < events; i++) {
            uint64_t n = events - done < CHUNK_EVENTS ? events - done : CHUNK_EVENTS;
            qb_chunk(&b, i);
            if (execlog)
                put_execlog(&b, i, n, done < nthr * (uint64_t)CHUNK_EVENTS);
            else
                put_events(&b, i, &t[i], n);
            emit(&b, keep, f, &bytes);
            done += n;
        }
    }
    qb_chunk(&b, 0);
    qb_end(&b, t[0].ts + 10, events, 0);
    emit(&b, keep, f, &bytes);
    uint64_t calls = 0;
    for (unsigned i = 0; i < nthr; i++)
        calls += t[i].calls;
    free(t);
    free(b.buf);
    if (fclose(f) != 0) {
        perror("gen_trace: close");
        return 1;
    }
    printf("gen_trace: %llu events, %llu calls, %llu bytes\n", (unsigned long long)events,
           (unsigned long long)(execlog ? 0 : calls), (unsigned long long)bytes);
    return 0;
}
