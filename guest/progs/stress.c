/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * stress: THREADS threads (default 64) calling traced functions at the same time, for
 * tests/e2e/cases/152_stress_smp.sh and bench/stress.sh. Usage (in the guest,
 * qtrace.args=THREADS,MODE,N):
 *   stress THREADS calls N    each thread calls tick() N times
 *   stress THREADS secs N     each thread calls tick() until N seconds have passed
 * tick(id, k) calls tock(k) and returns id + tock(k); tock(k) returns k & 7. The threads start
 * together (a barrier). Each counts its own calls and prints, when all are done:
 *   stress: thread ID tid=TID calls=N sum=S
 *   stress: done threads=THREADS calls=TOTAL
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TRACED __attribute__((noinline, noipa))
#define MAX_THREADS 256

struct worker {
    pthread_t th;
    long id, calls, sum;
    int tid;
};

static pthread_barrier_t start;
static int by_time;
static long n_arg;
static struct worker w[MAX_THREADS];

TRACED long tock(long k)
{
    return k & 7;
}

TRACED long tick(long id, long k)
{
    return id + tock(k);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *run(void *arg)
{
    struct worker *me = arg;
    me->tid = gettid();
    pthread_barrier_wait(&start);
    if (by_time) {
        double end = now() + (double)n_arg;
        do {
            for (int i = 0; i < 256; i++, me->calls++)
                me->sum += tick(me->id, me->calls);
        } while (now() < end);
    } else {
        for (; me->calls < n_arg; me->calls++)
            me->sum += tick(me->id, me->calls);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 0) : 64;
    by_time = argc > 2 && strcmp(argv[2], "secs") == 0;
    n_arg = argc > 3 ? strtol(argv[3], NULL, 0) : 1000;
    if (n < 1 || n > MAX_THREADS || n_arg < 1) {
        fprintf(stderr, "usage: stress [THREADS (1-%d) [calls|secs N]]\n", MAX_THREADS);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_barrier_init(&start, NULL, (unsigned)n);
    for (long i = 0; i < n; i++) {
        w[i].id = i;
        int err = pthread_create(&w[i].th, NULL, run, &w[i]);
        if (err) {
            fprintf(stderr, "stress: pthread_create: %s\n", strerror(err));
            return 1;
        }
    }
    long total = 0;
    for (long i = 0; i < n; i++) {
        pthread_join(w[i].th, NULL);
        total += w[i].calls;
    }
    for (long i = 0; i < n; i++)
        printf("stress: thread %ld tid=%d calls=%ld sum=%ld\n", w[i].id, w[i].tid, w[i].calls, w[i].sum);
    printf("stress: done threads=%ld calls=%ld\n", n, total);
    return 0;
}
