/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * run_to_ret ARCH < lines: for each input line "HEXADDR HEXBYTES" (a function's address and its
 * first bytes), print what qt.arch->run_to_ret says of it: the number of instructions through
 * the first ret of a straight run, or 0. Used by tests/e2e/cases/010_decoder_objdump.sh against objdump.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"

int main(int argc, char **argv)
{
    const struct qt_arch_desc *a = qt_arch_by_name(argc > 1 ? argv[1] : "x86_64");
    if (!a || !a->run_to_ret) {
        fprintf(stderr, "run_to_ret: no straight-run decoder for %s\n", argc > 1 ? argv[1] : "x86_64");
        return 2;
    }
    static char line[4096];
    static unsigned char code[1024];
    while (fgets(line, sizeof(line), stdin)) {
        unsigned long long pc;
        int off;
        if (sscanf(line, "%llx%n", &pc, &off) != 1) {
            printf("0\n");
            continue;
        }
        const char *p = line + off;
        size_t n = 0;
        unsigned v;
        while (n < sizeof(code) && sscanf(p, " %2x%n", &v, &off) == 1) {
            code[n++] = (unsigned char)v;
            p += off;
        }
        unsigned char *copy = malloc(n ? n : 1); /* exactly n bytes: ASan sees any overread */
        memcpy(copy, code, n);
        printf("%u\n", a->run_to_ret(copy, n, pc));
        free(copy);
    }
    return 0;
}
