/*
 * Calls through IFUNC symbols: glibc's strlen and strcmp (their symbols are resolvers that pick
 * an implementation for this CPU) and an IFUNC of the program's own, triple. work() makes the
 * calls; main then prints each one as qtrace must show it inside work, in call order.
 */
#include <stdio.h>
#include <string.h>

#define N 4

static const char *const words[N] = { "alpha", "be", "gamma-ray", "" };
static size_t lens[N];
static int cmps[N], trips[N];

__attribute__((noinline, noipa)) static int triple_add(int x)
{
    return x + x + x;
}

__attribute__((noinline, noipa)) static void *pick_triple(void)
{
    return (void *)triple_add;
}

int triple(int x) __attribute__((ifunc("pick_triple")));

/* the words through a volatile pointer: no call is folded at compile time */
__attribute__((noinline, noipa)) static void work(const char *const volatile *w)
{
    for (int i = 0; i < N; i++) {
        lens[i] = strlen(w[i]);
        cmps[i] = strcmp(w[i], w[(i + 1) % N]);
        trips[i] = triple(i + 1);
    }
}

int main(void)
{
    work(words);
    for (int i = 0; i < N; i++) {
        printf("strlen(\"%s\") = %zu;\n", words[i], lens[i]);
        printf("strcmp(\"%s\", \"%s\") = %d;\n", words[i], words[(i + 1) % N], cmps[i]);
        printf("triple(%d) = %d;\n", i + 1, trips[i]);
    }
    return 0;
}
