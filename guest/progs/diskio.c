/* File and disk writes on the guest's disk (qtrace system --disk IMG --append qtrace.disk=1 mounts it
 * on /mnt), for the --files-written and --disk-trace tests and bench/disk.sh:
 *   diskio files DIR      writes DIR/pieces.bin in pieces (a seek past the end, an overwrite, a
 *                         writev), DIR/old.txt renamed to DIR/new.txt, DIR/gone.txt unlinked,
 *                         DIR/mapped.bin written through a shared mapping; syncs
 *   diskio sync FILE N    writes N bytes to FILE and fsyncs it
 *   diskio bench DIR N    writes N files of 256 KiB in 4 KiB writes, fsyncs each, removes them
 *   diskio all DIR N      files DIR, then sync DIR/big.bin N
 * Each says what it did on a line starting with "diskio:". */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static void fail(const char *what)
{
    perror(what);
    exit(1);
}

static void fill(char *b, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        b[i] = (char)('a' + (i * 7 + seed) % 26);
}

static void put(int fd, const char *b, size_t n)
{
    if (write(fd, b, n) != (ssize_t)n)
        fail("write");
}

static int create(const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        fail(path);
    return fd;
}

static int files(const char *dir)
{
    static char buf[8192];
    char a[512], b[512];
    int fd = create(dir, "pieces.bin");
    fill(buf, 1000, 1);
    put(fd, buf, 1000);                          /* [0, 1000) */
    if (lseek(fd, 6000, SEEK_SET) != 6000)       /* a hole [1000, 6000) */
        fail("lseek");
    fill(buf, 3000, 2);
    put(fd, buf, 3000);                          /* [6000, 9000) */
    fill(buf, 200, 3);
    if (pwrite(fd, buf, 200, 500) != 200)        /* overwrites [500, 700) */
        fail("pwrite");
    char v1[300], v2[77];
    fill(v1, sizeof(v1), 4);
    fill(v2, sizeof(v2), 5);
    struct iovec iov[2] = { { v1, sizeof(v1) }, { v2, sizeof(v2) } };
    if (writev(fd, iov, 2) != (ssize_t)(sizeof(v1) + sizeof(v2))) /* [9000, 9377) */
        fail("writev");
    fsync(fd);
    close(fd);
    printf("diskio: wrote %s/pieces.bin 9377 bytes\n", dir);

    fd = create(dir, "old.txt");
    put(fd, "renamed file\n", 13);
    close(fd);
    snprintf(a, sizeof(a), "%s/old.txt", dir);
    snprintf(b, sizeof(b), "%s/new.txt", dir);
    if (rename(a, b) < 0)
        fail("rename");
    printf("diskio: renamed %s to %s\n", a, b);

    fd = create(dir, "gone.txt");
    put(fd, "deleted file\n", 13);
    close(fd);
    snprintf(a, sizeof(a), "%s/gone.txt", dir);
    if (unlink(a) < 0)
        fail("unlink");
    printf("diskio: unlinked %s (it held \"deleted file\\n\")\n", a);

    fd = create(dir, "mapped.bin");
    if (ftruncate(fd, 4096) < 0)
        fail("ftruncate");
    char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED)
        fail("mmap");
    fill(m, 4096, 6);
    msync(m, 4096, MS_SYNC);
    munmap(m, 4096);
    close(fd);
    printf("diskio: wrote %s/mapped.bin 4096 bytes through mmap\n", dir);
    sync();
    return 0;
}

static int sync_file(const char *path, long n)
{
    static char buf[65536];
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        fail(path);
    for (long done = 0; done < n;) {
        size_t k = (size_t)(n - done) < sizeof(buf) ? (size_t)(n - done) : sizeof(buf);
        fill(buf, k, (unsigned)done);
        put(fd, buf, k);
        done += (long)k;
    }
    if (fsync(fd) < 0)
        fail("fsync");
    close(fd);
    printf("diskio: wrote and synced %s %ld bytes\n", path, n);
    return 0;
}

static int bench(const char *dir, long nfiles)
{
    static char buf[4096];
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long f = 0; f < nfiles; f++) {
        char path[512];
        snprintf(path, sizeof(path), "%s/bench%ld.bin", dir, f);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0)
            fail(path);
        for (int i = 0; i < 64; i++) {
            fill(buf, sizeof(buf), (unsigned)i);
            put(fd, buf, sizeof(buf));
        }
        fsync(fd);
        close(fd);
        unlink(path);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("diskio: bench %ld files of 256 KiB in %.3f s\n", nfiles,
           (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "files") == 0)
        return files(argv[2]);
    if (argc == 4 && strcmp(argv[1], "sync") == 0)
        return sync_file(argv[2], atol(argv[3]));
    if (argc == 4 && strcmp(argv[1], "bench") == 0)
        return bench(argv[2], atol(argv[3]));
    if (argc == 4 && strcmp(argv[1], "all") == 0) {
        char big[512];
        snprintf(big, sizeof(big), "%s/big.bin", argv[2]);
        return files(argv[2]) || sync_file(big, atol(argv[3]));
    }
    fprintf(stderr, "usage: diskio files DIR | diskio sync FILE BYTES | diskio bench DIR NFILES | diskio all DIR BYTES\n");
    return 2;
}
