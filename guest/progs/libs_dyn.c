/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libs_dyn: a dynamically linked PIE (build-guest.sh builds every *_dyn.c so) with libc.so.6 and
 * ld-linux-x86-64.so.2 in the guest, for the shared-library tests. It prints where the kernel
 * and the dynamic loader put it and libc (the start of each file's offset-0 mapping in
 * /proc/self/maps), then the values it passes:
 *
 *   libs_dyn: pid=N bias=0x... libc=0x...
 *   scale(7,6)=42
 *   sorted 0 1 2 3 4, cmp calls: N      qsort (libc) calls cmp (the program) back N times
 *   libs_dyn: done
 *
 * With the argument "twice" it first runs itself again in a child (another exec: other
 * addresses) and waits for it.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define TRACED __attribute__((noinline, noipa))

static int ncmp;

TRACED long scale(long x, long k)
{
    return x * k;
}

TRACED int cmp(const void *a, const void *b)
{
    ncmp++;
    return *(const int *)a - *(const int *)b;
}

/* The start of the offset-0 mapping of the file whose path ends with suffix, or 0. */
static unsigned long base_of(const char *suffix)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    unsigned long lo = 0, found = 0, off;
    while (f && !found && fgets(line, sizeof(line), f)) {
        char path[256] = "";
        line[strcspn(line, "\n")] = '\0';
        if (sscanf(line, "%lx-%*x %*s %lx %*s %*s %255s", &lo, &off, path) == 3 && off == 0) {
            size_t n = strlen(path), s = strlen(suffix);
            if (n >= s && strcmp(path + n - s, suffix) == 0)
                found = lo;
        }
    }
    if (f)
        fclose(f);
    return found;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "twice") == 0) {
        fflush(stdout);
        pid_t child = fork();
        if (child == 0) {
            execl(argv[0], argv[0], (char *)NULL);
            _exit(127);
        }
        if (child > 0)
            waitpid(child, NULL, 0);
    }
    printf("libs_dyn: pid=%d bias=%#lx libc=%#lx\n", (int)getpid(), base_of("/libs_dyn"), base_of("/libc.so.6"));
    printf("scale(7,6)=%ld\n", scale(7, 6));
    int v[5] = { 4, 1, 3, 0, 2 };
    qsort(v, 5, sizeof(v[0]), cmp);
    printf("sorted %d %d %d %d %d, cmp calls: %d\n", v[0], v[1], v[2], v[3], v[4], ncmp);
    printf("libs_dyn: done\n");
    return 0;
}
