/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The user-mode program of tests/e2e/legacy_api.sh: a known string at a known address (nm),
 * and tick() called 37 times, whose return values qtrace records (-R tick). */
#include <stdio.h>

const char legacy_magic[] = "qtrace-legacy-magic";

__attribute__((noinline)) int tick(int i)
{
    return i * 3 + 1;
}

int main(void)
{
    volatile int s = 0;
    for (int i = 0; i < 37; i++)
        s += tick(i);
    printf("%s %d\n", legacy_magic, s);
    return 0;
}
