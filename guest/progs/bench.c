/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bench: CPU-bound, millions of calls, for overhead measurements (make bench).
 * Each iteration calls bench_step (which calls bench_mix once) and bench_other: 3 hot calls
 * per iteration, millions in all. Every 1024 iterations it also calls bench_report and
 * bench_checkpoint, the two functions the "named" benchmark traces with their arguments:
 * tracing a couple of functions must leave the rest of the program at plain-QEMU speed.
 * N comes from argv[1] (in the guest: qtrace.args=N), default 2000000.
 * Prints: bench: n=N result=R
 * With a second argument "time" (qtrace.args=N,time) it also prints how long the loop took
 * on the guest clock, which under TCG follows host time: bench: loop_ms=X, and the CPU time of
 * the thread that ran it (under qemu-user: the vCPU thread's, without time stolen from this
 * machine by its host): bench: loop_cpu_ms=Y
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TRACED __attribute__((noinline, noipa))

TRACED uint64_t bench_mix(uint64_t x)
{
    x ^= x >> 31;
    x *= 0x7fb5d329728ea185ULL;
    x ^= x >> 27;
    return x + 0x9e3779b97f4a7c15ULL;
}

TRACED uint64_t bench_step(uint64_t a, uint64_t b)
{
    return bench_mix(a + b) ^ (a << 1);
}

TRACED uint64_t bench_other(uint64_t x)
{
    return (x * 3) ^ (x >> 2);
}

static uint64_t checkpoints;

TRACED int bench_report(long iteration, const char *phase)
{
    return (int)(iteration & 0xff) + (int)strlen(phase);
}

TRACED uint64_t bench_checkpoint(uint64_t r)
{
    checkpoints++;
    return r ^ checkpoints;
}

int main(int argc, char **argv)
{
    long n = 2000000;
    if (argc > 1) {
        char *end;
        n = strtol(argv[1], &end, 0);
        if (*end || n < 0) {
            fprintf(stderr, "bench: bad iteration count '%s'\n", argv[1]);
            return 2;
        }
    }
    setvbuf(stdout, NULL, _IONBF, 0);
    struct timespec t0, t1, c0, c1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
    uint64_t r = 1;
    for (long i = 0; i < n; i++) {
        r = bench_step(r, (uint64_t)i);
        r ^= bench_other((uint64_t)i);
        if ((i & 1023) == 0) {
            r += (uint64_t)bench_report(i, i < n / 2 ? "first half" : "second half");
            r = bench_checkpoint(r);
        }
    }
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("bench: n=%ld result=%" PRIu64 "\n", n, r);
    if (argc > 2 && strcmp(argv[2], "time") == 0)
    {
        printf("bench: loop_ms=%.1f\n", (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
        printf("bench: loop_cpu_ms=%.1f\n",
               (double)(c1.tv_sec - c0.tv_sec) * 1e3 + (double)(c1.tv_nsec - c0.tv_nsec) / 1e6);
    }
    return 0;
}
