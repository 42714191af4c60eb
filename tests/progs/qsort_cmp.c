/*
 * A dynamically linked program whose comparator the C library calls back: qsort nests cmp calls
 * inside it. It prints how many times cmp ran and the sorted values, for the test to compare.
 */
#include <stdio.h>
#include <stdlib.h>

static int ncmp;

__attribute__((noinline, noipa)) int cmp(const void *a, const void *b)
{
    ncmp++;
    return *(const int *)a - *(const int *)b;
}

int main(void)
{
    int v[5] = { 4, 1, 3, 0, 2 };
    qsort(v, 5, sizeof(v[0]), cmp);
    printf("sorted %d %d %d %d %d\n", v[0], v[1], v[2], v[3], v[4]);
    printf("cmp calls: %d\n", ncmp);
    return 0;
}
