/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * calls: the end-to-end test program. Tests compare its trace with the lines it prints, so
 * the function names, signatures, call order and output lines are fixed:
 *
 *   calls: pid=N
 *   add(2,3)=5
 *   fact(5)=120
 *   greet(world)=5
 *   probe(0xdead0000)=7          probe's argument points at unmapped memory
 *   leap(3): longjmp back        leap recurses 3 levels, then longjmps out of all of them
 *   add(40,2)=42
 *   depth(3000)=3000             3001 nested calls
 *   worker 1 done                thread 1: add(100,0) add(100,1) add(100,2)
 *   worker 2 done                thread 2 (started after thread 1 ended): add(200,0..2)
 *   calls: done
 *
 * TRACED functions are never inlined, cloned or analysed across calls (noipa), so every call
 * in the source is a real call and every printed value is the callee's real return value.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TRACED __attribute__((noinline, noipa))

jmp_buf env;

TRACED long add(long a, long b)
{
    return a + b;
}

TRACED long fact(long n)
{
    return n <= 1 ? 1 : n * fact(n - 1);
}

TRACED int greet(const char *who)
{
    return (int)strlen(who);
}

TRACED int probe(const char *p)
{
    (void)p;    /* never dereferenced: the tracer must cope with reading it */
    return 7;
}

/* gcc cannot see that longjmp ends the recursion at n == 0 */
#pragma GCC diagnostic ignored "-Winfinite-recursion"
TRACED void leap(int n)
{
    if (n == 0)
        longjmp(env, 1);
    leap(n - 1);
}

TRACED long depth(long n)
{
    return n == 0 ? 0 : 1 + depth(n - 1);
}

TRACED void *worker(void *arg)
{
    long id = (long)arg;
    for (long i = 0; i < 3; i++)
        add(id * 100, i);
    return NULL;
}

static void run_worker(long id)
{
    pthread_t t;
    int err = pthread_create(&t, NULL, worker, (void *)id);
    if (err) {
        fprintf(stderr, "calls: pthread_create: %s\n", strerror(err));
        exit(1);
    }
    pthread_join(t, NULL);
    printf("worker %ld done\n", id);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    printf("calls: pid=%d\n", (int)getpid());
    printf("add(2,3)=%ld\n", add(2, 3));
    printf("fact(5)=%ld\n", fact(5));
    printf("greet(world)=%d\n", greet("world"));
    printf("probe(0xdead0000)=%d\n", probe((const char *)0xdead0000UL));
    if (setjmp(env) == 0) {
        leap(3);
        printf("leap(3): returned normally\n");   /* never happens */
    } else {
        printf("leap(3): longjmp back\n");
    }
    printf("add(40,2)=%ld\n", add(40, 2));
    printf("depth(3000)=%ld\n", depth(3000));
    run_worker(1);
    run_worker(2);
    printf("calls: done\n");
    return 0;
}
