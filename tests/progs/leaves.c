/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One-block functions: code that runs straight from the entry to a ret, which qtrace records
 * with a single callback at the ret (plugin/calls.c). Called every way a program can: directly
 * from a loop, through a function pointer, by a tail jump, next to a function with branches,
 * one that is a bare ret, one right after a longjmp left two frames behind, and, with an
 * argument, one that faults (the program dies of SIGSEGV inside it).
 * Build with -O2 -fno-inline: via_tail then jumps to two instead of calling it.
 * Prints: leaves: pid=P s=S (s=166)
 */
#include <setjmp.h>
#include <stdio.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline, noipa))

NOINLINE long one(long x) { return x * 3 + 1; }
NOINLINE long two(long x) { return x ^ 0x55; }
NOINLINE long branchy(long x)
{
    if (x & 1)
        return x + 1;
    return x - 1;
}
NOINLINE long via_tail(long x) { return two(x + 1); }
NOINLINE long deref(const volatile long *p) { return *p + 1; }
NOINLINE void nothing(void) {} /* a bare ret: its entry is its ret */

long (*volatile fp)(long) = one;

static jmp_buf env;
NOINLINE void deep(int n) { longjmp(env, n); }
NOINLINE void jumper(int n) { deep(n); }

int main(int argc, char **argv)
{
    (void)argv;
    long s = 0;
    for (int i = 0; i < 5; i++)
        s += one(i);
    s += fp(10);
    s += via_tail(7);
    s += branchy(4);
    nothing();
    if (setjmp(env) == 0)
        jumper(3); /* left by longjmp: deep and jumper never return */
    s += one(1); /* then a one-block call: after the frames left behind, not inside them */
    printf("leaves: pid=%d s=%ld\n", (int)getpid(), s);
    if (argc > 1) {
        fflush(stdout);
        s += deref(NULL);
    }
    return (int)(s & 1);
}
