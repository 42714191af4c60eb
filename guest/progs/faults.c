/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * faults: one-block functions in a whole guest (tests/e2e/cases/036_system_faults.sh). touch() stores into
 * a bss page nobody touched before, so the guest kernel takes a page fault halfway through it
 * and the CPU resumes in the middle of the function; mix() is a plain one-block function.
 * Prints: faults: pid=P s=S
 */
#include <stdio.h>
#include <unistd.h>

#define TRACED __attribute__((noinline, noipa))

static char fresh[1 << 20]; /* bss: each page is mapped at its first store */

TRACED long touch(char *p, long v)
{
    v = v * 3 + 1;
    *p = (char)v;
    return v;
}

TRACED long mix(long x)
{
    return x * 5 + 3;
}

int main(void)
{
    long s = 0;
    for (int i = 0; i < 16; i++)
        s += touch(fresh + (long)i * 16384 + 100, i); /* 16 pages, 16 first stores */
    for (int i = 0; i < 1000; i++)
        s += mix(i);
    printf("faults: pid=%d s=%ld\n", (int)getpid(), s);
    return 0;
}
