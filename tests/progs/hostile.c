/*
 * hostile (tests/e2e/cases/150_hostile_memory.sh): traced functions given memory a tracer must
 * not trust. Each call prints what it passed, so the test needs no other oracle:
 *   hostile: unmapped ADDR              take_str(ADDR), ADDR a page unmapped between two mapped ones
 *   hostile: cross ADDR N               take_str(ADDR), N bytes of 'A' up to that unmapped page
 *   hostile: huge ADDR N                take_str(ADDR), N bytes of 'B' and no NUL
 *   hostile: endless ADDR N             take_argv(ADDR), N non-NULL pointers to "loop", no NULL
 *   hostile: self ADDR S                take_argv(ADDR), v[0] = S ("self"), v[1] = v: a cycle (v[1]
 *                                       reads as the bytes of S's address, up to a zero byte)
 *   hostile: give unmapped ADDR         give_str(1) returned ADDR (unmapped)
 *   hostile: give cross ADDR N          give_str(2) returned the crossing string
 *   hostile: race N calls               take_str(buf) and take_argv(v) N times each while another
 *                                       thread rewrites buf ('x'<->'y') and v[1] ("two", NULL, RACE_BAD)
 * "hostile race" runs the race alone (tests/e2e/cases/154_tsan_plugin.sh).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define TRACED __attribute__((noinline, noipa))
#define PAGE 4096
#define HUGE_LEN (100u << 20)
#define ENDLESS (1u << 17)
#define RACE_CALLS 20000
#define RACE_BAD 0x1000 /* below mmap_min_addr: never mapped */

static volatile int sink;

TRACED int take_str(const char *s)
{
    sink = s != NULL;
    return 1;
}

TRACED int take_argv(char **v)
{
    sink = v != NULL;
    return 2;
}

static char *unmapped, *cross;

TRACED const char *give_str(int k)
{
    return k == 1 ? unmapped : cross;
}

static void *map(size_t len)
{
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        perror("hostile: mmap");
        exit(1);
    }
    return p;
}

static char race_buf[64];
static char *race_v[3];
static atomic_int race_stop, race_started;

static void *rewriter(void *arg)
{
    (void)arg;
    static char two[] = "two";
    for (unsigned n = 0; !atomic_load(&race_stop); n++) {
        char c = (n & 1) ? 'y' : 'x';
        for (int i = 0; i < 63; i++)
            ((volatile char *)race_buf)[i] = c;
        char *choice[3] = { two, NULL, (char *)RACE_BAD };
        ((char *volatile *)race_v)[1] = choice[n % 3];
        if (n == 3)
            atomic_store(&race_started, 1);
    }
    return NULL;
}

/* take_str(race_buf) and take_argv(race_v) while rewriter() changes what they point at */
static int race(void)
{
    static char one[] = "one";
    race_v[0] = one;
    race_v[1] = NULL;
    race_v[2] = NULL;
    memset(race_buf, 'x', 63);
    pthread_t t;
    if (pthread_create(&t, NULL, rewriter, NULL))
        return 1;
    while (!atomic_load(&race_started))
        ;
    for (int i = 0; i < RACE_CALLS; i++) {
        take_str(race_buf);
        take_argv(race_v);
    }
    atomic_store(&race_stop, 1);
    pthread_join(t, NULL);
    printf("hostile: race %d calls\n", RACE_CALLS);
    return 0;
}

/* addr's page is mapped in no way (msync fails with ENOMEM): say so, else stop */
static void unmapped_now(const char *what, void *addr)
{
    if (msync((void *)((uintptr_t)addr & ~(uintptr_t)(PAGE - 1)), PAGE, MS_ASYNC) == 0 || errno != ENOMEM) {
        printf("hostile: %s %p is mapped\n", what, addr);
        exit(1);
    }
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc == 2 && strcmp(argv[1], "race") == 0)
        return race(); /* the race alone */

    /* a hole between two mapped pages: a later mapping does not simply grow into it */
    char *three = map(3 * PAGE);
    unmapped = three + PAGE;
    munmap(unmapped, PAGE);
    unmapped_now("unmapped", unmapped);
    printf("hostile: unmapped %p\n", (void *)unmapped);
    take_str(unmapped);

    cross = unmapped - 100;
    memset(cross, 'A', 100);
    printf("hostile: cross %p 100\n", (void *)cross);
    take_str(cross);

    char *huge = malloc(HUGE_LEN);
    if (!huge)
        return 1;
    memset(huge, 'B', HUGE_LEN);
    printf("hostile: huge %p %u\n", (void *)huge, HUGE_LEN);
    take_str(huge);

    char **endless = malloc(ENDLESS * sizeof(char *));
    if (!endless)
        return 1;
    static char loop[] = "loop";
    for (unsigned i = 0; i < ENDLESS; i++)
        endless[i] = loop;
    printf("hostile: endless %p %u\n", (void *)endless, ENDLESS);
    take_argv(endless);

    static char self[] = "self";
    static char *cyc[2];
    cyc[0] = self;
    cyc[1] = (char *)cyc;
    printf("hostile: self %p %p\n", (void *)cyc, (void *)self);
    take_argv(cyc);

    unmapped_now("unmapped", unmapped);
    printf("hostile: give unmapped %p\n", (void *)give_str(1));
    printf("hostile: give cross %p 100\n", (void *)give_str(2));

    return race();
}
