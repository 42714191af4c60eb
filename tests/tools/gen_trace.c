/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gen_trace OUT.qtr EVENTS [THREADS]: writes a synthetic user-mode trace of EVENTS function
 * events (entries and exits) as the plugin writes it, with tests/unit/tracebuild.h's record
 * encoders, chunk by chunk (memory stays small whatever EVENTS is): THREADS threads (default
 * 4), one per vCPU, each running call trees 8 deep over 64 functions. Most events are packed
 * words after a base record; every 64th call is a full record with an integer and a string
 * argument and a return value. Ends with the END record. For the huge-trace benchmark
 * (bench/huge.sh) and its small check (tests/e2e/cases/163_huge_trace_streams.sh).
 * Prints "gen_trace: N events, B bytes".
 */
#include <stdio.h>
#include <stdlib.h>

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

static void put_events(struct qb *b, unsigned vcpu, struct thr *t, uint64_t n)
{
    uint32_t since_base = QT_FAST_PER_BASE;
    uint64_t base_ic = 0;
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
                since_base = QT_FAST_PER_BASE; /* a full record: packed words need a new base */
            } else {
                if (since_base >= QT_FAST_PER_BASE) {
                    qb_base(b, vcpu, t->tid, 0, t->ts, t->icount);
                    base_ic = t->icount;
                    since_base = 0;
                }
                qb_fast(b, QT_PACKED_ENTRY, id, t->depth, (uint32_t)(t->icount - base_ic));
                since_base++;
            }
            t->depth++;
        } else {
            t->depth--;
            uint32_t id = t->fn[t->depth];
            if (t->full[t->depth]) {
                const struct targ r = { 0, QT_T_INT, 64, 0, t->icount & 0xffff, NULL, 0 };
                qb_call(b, QT_REC_EXIT, vcpu, t->tid, 0, (uint16_t)t->depth, 0, t->ts, t->icount,
                        FUNC_BASE + (id - 1) * 0x40u, t->entry_ic[t->depth], 1, &r);
                since_base = QT_FAST_PER_BASE;
            } else {
                if (since_base >= QT_FAST_PER_BASE) {
                    qb_base(b, vcpu, t->tid, 0, t->ts, t->icount);
                    base_ic = t->icount;
                    since_base = 0;
                }
                qb_fast(b, QT_PACKED_EXIT, id, t->depth, (uint32_t)(t->icount - base_ic));
                since_base++;
            }
        }
    }
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
    if (argc < 3) {
        fprintf(stderr, "usage: gen_trace OUT.qtr EVENTS [THREADS]\n");
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
    emit(&b, keep, f, &bytes);
    struct thr *t = calloc(nthr, sizeof(*t));
    for (unsigned i = 0; i < nthr; i++)
        t[i].tid = 1000 + i;
    uint64_t done = 0;
    while (done < events) {
        for (unsigned i = 0; i < nthr && done < events; i++) {
            uint64_t n = events - done < CHUNK_EVENTS ? events - done : CHUNK_EVENTS;
            qb_chunk(&b, i);
            put_events(&b, i, &t[i], n);
            emit(&b, keep, f, &bytes);
            done += n;
        }
    }
    qb_chunk(&b, 0);
    qb_end(&b, t[0].ts + 10, events, 0);
    emit(&b, keep, f, &bytes);
    free(t);
    free(b.buf);
    if (fclose(f) != 0) {
        perror("gen_trace: close");
        return 1;
    }
    printf("gen_trace: %llu events, %llu bytes\n", (unsigned long long)events, (unsigned long long)bytes);
    return 0;
}
