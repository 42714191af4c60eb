/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lmap_dyn: a dynamically linked PIE that prints its own link map, the oracle of compat's
 * linkmap:ADDR walk. It follows the dynamic loader's list from _r_debug.r_map (glibc's public
 * struct link_map: l_addr, l_name, l_next) and prints each object in list order:
 *
 *   lmap_dyn: link_map 0x55d0c2a4f000 ""
 *   lmap_dyn: link_map 0x7ffd8a1f3000 "linux-vdso.so.1"
 *   lmap_dyn: link_map 0x7f3e1b2c4000 "/lib/x86_64-linux-gnu/libc.so.6"
 *   lmap_dyn: link_map 0x7f3e1b4a9000 "/lib64/ld-linux-x86-64.so.2"
 *   lmap_dyn: r_map 0x7f3e1b4c2190
 *   twice(21)=42
 *   lmap_dyn: done
 */
#define _GNU_SOURCE
#include <link.h>
#include <stdio.h>

#define TRACED __attribute__((noinline, noipa))

TRACED long twice(long x)
{
    return 2 * x;
}

int main(void)
{
    for (const struct link_map *l = _r_debug.r_map; l; l = l->l_next)
        printf("lmap_dyn: link_map %#lx \"%s\"\n", (unsigned long)l->l_addr, l->l_name ? l->l_name : "(null)");
    printf("lmap_dyn: r_map %#lx\n", (unsigned long)_r_debug.r_map);
    printf("twice(21)=%ld\n", twice(21));
    printf("lmap_dyn: done\n");
    return 0;
}
