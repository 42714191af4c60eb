/*
 * stacks (tests/e2e/cases/151_hostile_stacks.sh): stack pointers that jump.
 *
 * stacks coro: three coroutines (makecontext/swapcontext), each on its own mmap'd stack, run
 * round robin by main. Coroutine C calls step(C, i) for i = 0..ROUNDS-1; step calls leaf(C, i)
 * and then switches to the next coroutine from inside step, with step's frame still open on
 * C's stack. Prints one line per leaf call, in the order they ran:
 *   stacks: leaf C I = V
 *   stacks: coro done
 * stacks deep N: recurse(N) calls itself N deep on a thread with a 256 MB stack and returns N:
 *   stacks: deep N = N
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#define TRACED __attribute__((noinline, noipa))
#define NCORO 3
#define ROUNDS 4
#define CORO_STACK (256 * 1024)

static ucontext_t main_ctx, coro_ctx[NCORO];
static int finished;

TRACED long leaf(long c, long i)
{
    return c * 100 + i;
}

TRACED long step(long c, long i)
{
    long v = leaf(c, i);
    printf("stacks: leaf %ld %ld = %ld\n", c, i, v);
    swapcontext(&coro_ctx[c], &main_ctx); /* leave with step's frame open */
    return v;
}

static void coro(int c)
{
    for (long i = 0; i < ROUNDS; i++)
        step(c, i);
    finished++;
}

static int run_coro(void)
{
    for (int c = 0; c < NCORO; c++) {
        void *st = mmap(NULL, CORO_STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (st == MAP_FAILED || getcontext(&coro_ctx[c]) != 0)
            return 1;
        coro_ctx[c].uc_stack.ss_sp = st;
        coro_ctx[c].uc_stack.ss_size = CORO_STACK;
        coro_ctx[c].uc_link = &main_ctx;
        makecontext(&coro_ctx[c], (void (*)(void))coro, 1, c);
    }
    while (finished < NCORO)
        for (int c = 0; c < NCORO; c++)
            swapcontext(&main_ctx, &coro_ctx[c]);
    printf("stacks: coro done\n");
    return 0;
}

TRACED long recurse(long n)
{
    return n == 0 ? 0 : recurse(n - 1) + 1;
}

static void *deep(void *arg)
{
    return (void *)recurse((long)arg);
}

static int run_deep(long n)
{
    pthread_attr_t a;
    pthread_t t;
    void *r;
    pthread_attr_init(&a);
    pthread_attr_setstacksize(&a, 256u << 20);
    if (pthread_create(&t, &a, deep, (void *)n) != 0 || pthread_join(t, &r) != 0)
        return 1;
    printf("stacks: deep %ld = %ld\n", n, (long)r);
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc == 2 && strcmp(argv[1], "coro") == 0)
        return run_coro();
    if (argc == 3 && strcmp(argv[1], "deep") == 0)
        return run_deep(strtol(argv[2], NULL, 0));
    fprintf(stderr, "usage: stacks coro | stacks deep N\n");
    return 2;
}
