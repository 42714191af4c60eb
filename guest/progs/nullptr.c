/* A pointer set to NULL, dereferenced later: the reverse-debugging example (qtrace debug:
 * break at the dereference, watch the pointer, reverse-continue to the line that nulled it).
 * With an argument it dereferences the NULL pointer (and the kernel kills it); without, it
 * checks first and says so. */
#include <stdio.h>
#include <stdlib.h>

struct item {
    int value;                      /* what use_item reads */
    struct item *next;              /* unused: makes the struct look real */
};

/* gdb tells this program from busybox (mapped at the same addresses) by this value */
volatile unsigned marker = 0x5eed0002;
struct item items[4];
struct item *p;                     /* the pointer the example watches */

__attribute__((noinline, noipa)) void set_up(int n)
{
    for (int i = 0; i < 4; i++)
        items[i].value = n * (i + 1);
    p = &items[2];
}

__attribute__((noinline, noipa)) int busy(int n)
{
    int s = 0;
    for (int i = 0; i < n; i++)
        s += items[i % 4].value;
    return s;
}

__attribute__((noinline, noipa)) void forget(void)
{
    p = NULL; /* NULLED HERE */
}

__attribute__((noinline, noipa)) int use_item(int crash)
{
    if (!crash && !p)
        return -1;
    return p->value; /* DEREF HERE */
}

int main(int argc, char **argv)
{
    (void)argv;
    set_up(7);
    printf("nullptr: value %d\n", use_item(0));
    printf("nullptr: busy %d\n", busy(100));
    forget();
    printf("nullptr: busy %d\n", busy(50));
    printf("nullptr: value %d\n", use_item(argc > 1));
    return 0;
}
