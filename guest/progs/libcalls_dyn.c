/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libcalls_dyn: a dynamically linked PIE that calls libc, and a library it dlopens, with values
 * it prints, for the shared-library tests (the Debian guest runs it as /usr/local/bin/libcalls_dyn).
 * Every process first prints where the kernel and the dynamic loader put it and libc (the start
 * of each file's offset-0 mapping in /proc/self/maps):
 *
 *   libcalls: pid=N bias=0x... libc=0x...
 *
 * then does what its arguments say, in order:
 *
 *   libc        atoi("12345"), atoi("-77"), setenv("QT_KEY", "v1", 1), getenv("QT_KEY"), qsort of
 *               5 ints (comparator cmp, in the program), strlen("libcalls") (an IFUNC: glibc picks
 *               its implementation for the CPU), each printed as  atoi("12345")=12345
 *   dlopen      dlopen("libz.so.1"), then crc32 and adler32 of "hello" through dlsym:
 *               libz=0x... (its base once loaded)  crc32(0,"hello",5)=0x3610a686
 *   threads     two threads at once; thread I (1, 2) calls labs(-(I*1000+K)) and work(I, K) for
 *               K = 1..2*I+1 and prints  thread I: tid=T labs calls=C
 *   write       writes 3 blocks of 4096 bytes to /root/libcalls.out (a file of the ext4 root), fsync:
 *               write(4096)=4096 (each), then where the kernel loaded ext4: its line of
 *               /proc/modules and /sys/module/ext4/sections/.text:  ext4: base=0x... text=0x...
 *   chain       sh -c 'libcalls_dyn child 1; exec libcalls_dyn child 2': three processes in a row,
 *               each at its own addresses; a child K calls atoi("K00") and prints it
 *
 *   libcalls: done          (each process, at its end)
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define TRACED __attribute__((noinline, noipa))

static pthread_barrier_t start;
/* libc's labs itself: gcc would compute a direct labs() inline */
static long (*volatile labs_fn)(long) = labs;

TRACED long work(long thread, long k)
{
    return thread * 1000 + k;
}

TRACED int cmp(const void *a, const void *b)
{
    return *(const int *)a - *(const int *)b;
}

/* The start of the offset-0 mapping of the file whose path ends with suffix, or 0. */
static unsigned long base_of(const char *suffix)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    unsigned long lo = 0, found = 0, off;
    while (f && !found && fgets(line, sizeof(line), f)) {
        char path[256] = "";
        line[strcspn(line, "\n")] = '\0';
        if (sscanf(line, "%lx-%*x %*s %lx %*s %*s %255s", &lo, &off, path) == 3 && off == 0) {
            size_t n = strlen(path), s = strlen(suffix);
            if (n >= s && strcmp(path + n - s, suffix) == 0)
                found = lo;
        }
    }
    if (f)
        fclose(f);
    return found;
}

static void with_libc(void)
{
    printf("atoi(\"12345\")=%d\n", atoi("12345"));
    printf("atoi(\"-77\")=%d\n", atoi("-77"));
    printf("setenv(\"QT_KEY\",\"v1\",1)=%d\n", setenv("QT_KEY", "v1", 1));
    printf("getenv(\"QT_KEY\")=\"%s\"\n", getenv("QT_KEY"));
    int v[5] = { 4, 1, 3, 0, 2 };
    qsort(v, 5, sizeof(v[0]), cmp);
    printf("qsort(5,%zu) sorted %d %d %d %d %d\n", sizeof(v[0]), v[0], v[1], v[2], v[3], v[4]);
    static const char *volatile word = "libcalls"; /* not folded at compile time */
    printf("strlen(\"%s\")=%zu\n", word, strlen(word));
}

static int with_dlopen(void)
{
    void *z = dlopen("libz.so.1", RTLD_NOW);
    if (!z) {
        printf("dlopen: %s\n", dlerror());
        return 1;
    }
    unsigned long (*crc)(unsigned long, const unsigned char *, unsigned) =
        (unsigned long (*)(unsigned long, const unsigned char *, unsigned))dlsym(z, "crc32");
    unsigned long (*adler)(unsigned long, const unsigned char *, unsigned) =
        (unsigned long (*)(unsigned long, const unsigned char *, unsigned))dlsym(z, "adler32");
    if (!crc || !adler) {
        printf("dlsym: %s\n", dlerror());
        return 1;
    }
    printf("libz=%#lx\n", base_of("/libz.so.1.2.13") ? base_of("/libz.so.1.2.13") : base_of("/libz.so.1"));
    printf("crc32(0,\"hello\",5)=%#lx\n", crc(0, (const unsigned char *)"hello", 5));
    printf("adler32(1,\"hello\",5)=%#lx\n", adler(1, (const unsigned char *)"hello", 5));
    dlclose(z);
    return 0;
}

static int with_write(void)
{
    static char block[4096];
    memset(block, 'q', sizeof(block));
    int fd = open("/root/libcalls.out", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        perror("open /root/libcalls.out");
        return 1;
    }
    for (int i = 0; i < 3; i++)
        printf("write(%zu)=%zd\n", sizeof(block), write(fd, block, sizeof(block)));
    printf("fsync=%d\n", fsync(fd));
    close(fd);
    char line[256], base[64] = "?", text[64] = "?";
    FILE *f = fopen("/proc/modules", "r");
    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, "ext4 ", 5) == 0)
            sscanf(line, "%*s %*s %*s %*s %*s %63s", base);
    if (f)
        fclose(f);
    f = fopen("/sys/module/ext4/sections/.text", "r");
    if (f && fscanf(f, "%63s", text) != 1)
        snprintf(text, sizeof(text), "?");
    if (f)
        fclose(f);
    printf("ext4: base=%s text=%s\n", base, text);
    return 0;
}

static void *thread_main(void *arg)
{
    long id = (long)arg, calls = 0, sum = 0;
    pthread_barrier_wait(&start);
    for (long k = 1; k <= 2 * id + 1; k++) {
        sum += labs_fn(-(id * 1000 + k));
        sum += work(id, k);
        calls++;
    }
    printf("thread %ld: tid=%ld labs calls=%ld sum=%ld\n", id, (long)syscall(SYS_gettid), calls, sum);
    return NULL;
}

static int with_threads(void)
{
    pthread_t t[2];
    pthread_barrier_init(&start, NULL, 2);
    for (long i = 0; i < 2; i++)
        if (pthread_create(&t[i], NULL, thread_main, (void *)(i + 1)) != 0)
            return 1;
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("libcalls: pid=%d bias=%#lx libc=%#lx\n", (int)getpid(), base_of("/libcalls_dyn"), base_of("/libc.so.6"));
    int rc = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "libc") == 0) {
            with_libc();
        } else if (strcmp(argv[i], "dlopen") == 0) {
            rc |= with_dlopen();
        } else if (strcmp(argv[i], "write") == 0) {
            rc |= with_write();
        } else if (strcmp(argv[i], "threads") == 0) {
            rc |= with_threads();
        } else if (strcmp(argv[i], "child") == 0 && i + 1 < argc) {
            char num[32];
            snprintf(num, sizeof(num), "%s00", argv[++i]);
            printf("atoi(\"%s\")=%d\n", num, atoi(num));
        } else if (strcmp(argv[i], "chain") == 0) {
            char cmd[512];
            snprintf(cmd, sizeof(cmd), "%s child 1; exec %s child 2", argv[0], argv[0]);
            printf("libcalls: done\n");
            execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
            perror("execl /bin/sh");
            return 127;
        } else {
            fprintf(stderr, "libcalls: unknown mode %s (libc, dlopen, threads, write, chain, child K)\n", argv[i]);
            return 2;
        }
    }
    printf("libcalls: done\n");
    return rc;
}
