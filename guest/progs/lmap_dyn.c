/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lmap_dyn: a dynamically linked PIE that prints its own link map, the oracle of compat's
 * linkmap:ADDR walk. It follows the dynamic loader's list from _r_debug.r_map (glibc's public
 * struct link_map: l_addr, l_name, l_next) and prints each object in list order:
 *
 *   lmap_dyn: pid=84 link_map 0x55d0c2a4f000 ""
 *   lmap_dyn: pid=84 link_map 0x7ffd8a1f3000 "linux-vdso.so.1"
 *   lmap_dyn: pid=84 link_map 0x7f3e1b2c4000 "/lib/x86_64-linux-gnu/libc.so.6"
 *   lmap_dyn: pid=84 link_map 0x7f3e1b4a9000 "/lib64/ld-linux-x86-64.so.2"
 *   twice(21)=42
 *   lmap_dyn: pid=84 done
 *
 * With the argument "bindnow" it first runs itself again in a child with LD_BIND_NOW=1 (the
 * loader then leaves GOT[1] at 0: the list is found through DT_DEBUG) and waits for it.
 */
#define _GNU_SOURCE
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define TRACED __attribute__((noinline, noipa))

TRACED long twice(long x)
{
    return 2 * x;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "bindnow") == 0) {
        fflush(stdout);
        pid_t child = fork();
        if (child == 0) {
            setenv("LD_BIND_NOW", "1", 1);
            execl(argv[0], argv[0], (char *)NULL);
            _exit(127);
        }
        if (child > 0)
            waitpid(child, NULL, 0);
    }
    int pid = (int)getpid();
    for (const struct link_map *l = _r_debug.r_map; l; l = l->l_next)
        printf("lmap_dyn: pid=%d link_map %#lx \"%s\"\n", pid, (unsigned long)l->l_addr, l->l_name ? l->l_name : "(null)");
    printf("twice(21)=%ld\n", twice(21));
    printf("lmap_dyn: pid=%d done\n", pid);
    return 0;
}
