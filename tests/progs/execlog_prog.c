/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Deterministic test program for the execution log (tests/e2e/cases/08*_execlog_*.sh), built static.
 *   - el_store_marker() stores 0x1122334455667788 to el_marker (8 bytes), 0xbeef to
 *     el_marker16 and 0x5a to el_marker8: the memory-value test looks for these stores;
 *   - loads and stores of 1, 2, 4, 8 and 16 bytes;
 *   - instructions that fault in the middle of a translation block (SIGSEGV, SIGFPE) and are
 *     resumed from the signal handler: memory accesses must stay with the right instruction;
 *   - with an argument N > 0, N threads (one vCPU each in qemu-user).
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

volatile uint64_t el_marker;
volatile uint16_t el_marker16;
volatile uint8_t el_marker8;
volatile int el_sink;
static sigjmp_buf jb;
static volatile int faults;

__attribute__((noinline)) void el_store_marker(void)
{
    el_marker = 0x1122334455667788ull;
    el_marker16 = 0xbeef;
    el_marker8 = 0x5a;
}

__attribute__((noinline)) int el_work(int n)
{
    static uint8_t b[64];
    static uint16_t h[64];
    static uint32_t w[64];
    static uint64_t q[64];
    int s = 0;
    for (int i = 0; i < n; i++) {
        b[i & 63] = (uint8_t)(b[(i + 1) & 63] + i);
        h[i & 63] = (uint16_t)(h[(i + 3) & 63] ^ i);
        w[i & 63] = w[(i + 5) & 63] * 3u + (uint32_t)i;
        q[i & 63] = q[(i + 7) & 63] + ((uint64_t)i << 33);
        s += b[i & 63] + h[i & 63] + (int)w[i & 63] + (int)q[i & 63];
    }
    return s;
}

static void on_fault(int sig)
{
    (void)sig;
    faults++;
    siglongjmp(jb, 1);
}

/* A store, then a load that faults, in one block: the store must be logged with its own
 * instruction and the faulting load must be the last instruction of that block's run. */
__attribute__((noinline)) void el_fault(volatile int *p)
{
    if (sigsetjmp(jb, 1) == 0) {
        el_sink = 1;
        el_sink = *p;
        el_sink = 2;
    }
}

__attribute__((noinline)) void el_divzero(volatile int d)
{
    if (sigsetjmp(jb, 1) == 0) {
        el_sink = 3;
        el_sink = 100 / d;
        el_sink = 4;
    }
}

static void *thread_main(void *arg)
{
    int id = (int)(intptr_t)arg;
    el_sink = el_work(200 + id);
    return NULL;
}

int main(int argc, char **argv)
{
    int threads = argc > 1 ? atoi(argv[1]) : 0;
    signal(SIGSEGV, on_fault);
    signal(SIGFPE, on_fault);
    el_store_marker();
    int s = el_work(100);
    el_fault((volatile int *)16);
    el_divzero(0);
    /* 16-byte loads and stores */
    static char src[64] = "0123456789abcdef0123456789abcdef", dst[64];
    memcpy(dst, src, 48);
    s += dst[7];
    pthread_t t[16];
    if (threads > 16)
        threads = 16;
    for (int i = 0; i < threads; i++)
        pthread_create(&t[i], NULL, thread_main, (void *)(intptr_t)i);
    for (int i = 0; i < threads; i++)
        pthread_join(t[i], NULL);
    printf("%d %d\n", s, faults);
    return 0;
}
