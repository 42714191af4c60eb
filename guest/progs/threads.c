/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * threads: two threads running at the same time (for --smp 2 tests). They meet at a barrier,
 * then thread I (I = 1, 2) calls spin(I, N) once, which calls add2(sum, I) N times
 * (N = argv[1], in the guest qtrace.args=N; default 200). spin returns N*I, so
 * total = 3*N (600 by default). Prints:
 *   threads: tid1=T1 tid2=T2
 *   threads: done total=600
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TRACED __attribute__((noinline, noipa))

static pthread_barrier_t start;
static long n_iter = 200;
static int tids[3];
static long results[3];

TRACED long add2(long a, long b)
{
    return a + b;
}

TRACED long spin(long id, long n)
{
    long s = 0;
    for (long i = 0; i < n; i++)
        s = add2(s, id);
    return s;
}

static void *thread_main(void *arg)
{
    long id = (long)arg;
    tids[id] = gettid();
    pthread_barrier_wait(&start);
    results[id] = spin(id, n_iter);
    return NULL;
}

int main(int argc, char **argv)
{
    pthread_t t[3];
    if (argc > 1)
        n_iter = strtol(argv[1], NULL, 0);
    setvbuf(stdout, NULL, _IONBF, 0);
    pthread_barrier_init(&start, NULL, 2);
    for (long id = 1; id <= 2; id++) {
        int err = pthread_create(&t[id], NULL, thread_main, (void *)id);
        if (err) {
            fprintf(stderr, "threads: pthread_create: %s\n", strerror(err));
            return 1;
        }
    }
    for (int id = 1; id <= 2; id++)
        pthread_join(t[id], NULL);
    printf("threads: tid1=%d tid2=%d\n", tids[1], tids[2]);
    printf("threads: done total=%ld\n", results[1] + results[2]);
    return 0;
}
