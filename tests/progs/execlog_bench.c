/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Benchmark program for the execution log (bench/execlog.sh): a deterministic mix of
 * arithmetic, branches, calls, loads and stores. argv[1] = rounds (default 200000, about
 * 60 million instructions on x86-64).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint32_t tab[1024];
static uint64_t acc[64];

__attribute__((noinline)) static uint32_t mix(uint32_t x)
{
    x ^= x >> 13;
    x *= 0x5bd1e995u;
    return x ^ (x >> 15);
}

int main(int argc, char **argv)
{
    long rounds = argc > 1 ? atol(argv[1]) : 200000;
    uint32_t h = 1;
    for (long r = 0; r < rounds; r++) {
        for (int i = 0; i < 16; i++) {
            uint32_t k = (uint32_t)(r * 16 + i) & 1023;
            h = mix(h + tab[k]);
            tab[k] = h;
            if (h & 1)
                acc[h & 63] += h;
            else
                acc[(h >> 7) & 63] ^= k;
        }
    }
    uint64_t s = 0;
    for (int i = 0; i < 64; i++)
        s += acc[i];
    printf("%08x %llu\n", h, (unsigned long long)s);
    return 0;
}
