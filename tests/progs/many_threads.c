/* many_threads (tests/e2e/cases/114_run_many_threads.sh): 40 threads, more vCPUs than QEMU's initial scoreboard size
 * (16), so the scoreboards grow and move while other threads run traced code. Each thread calls
 * work() once and leaf() 20000 times; prints the sum of the results. */
#include <pthread.h>
#include <stdio.h>
static int leaf(int x) { return x * 3 + 1; }
static int work(int x)
{
    int s = 0;
    for (int i = 0; i < 20000; i++)
        s += leaf(i ^ x);
    return s;
}
static void *run(void *p) { return (void *)(long)work((int)(long)p); }
int main(void)
{
    pthread_t t[40];
    for (long i = 0; i < 40; i++)
        pthread_create(&t[i], NULL, run, (void *)i);
    long sum = 0;
    for (int i = 0; i < 40; i++) {
        void *r;
        pthread_join(t[i], &r);
        sum += (long)r;
    }
    printf("many: %ld\n", sum);
    return 0;
}
