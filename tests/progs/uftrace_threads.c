/* uftrace_threads (tests/e2e/cases/104_uftrace_threads.sh): two threads, two uftrace tasks. */
#include <pthread.h>
#include <stdio.h>
static int leaf(int x) { return x * 2; }
static int mid(int x) { return leaf(x) + leaf(x + 1); }
static void *worker(void *arg)
{
    long s = 0;
    for (int i = 0; i < 3; i++)
        s += mid((int)(long)arg + i);
    return (void *)s;
}
int main(void)
{
    pthread_t t;
    void *r;
    pthread_create(&t, NULL, worker, (void *)10L);
    pthread_join(t, &r);
    printf("%ld %d\n", (long)r, mid(1));
    return 0;
}
