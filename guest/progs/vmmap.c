/*
 * vmmap: changes its own memory map with mmap, mprotect, munmap, brk and a file mapping, and
 * prints /proc/self/maps between marker lines (VMMAP-BEGIN 1 ... VMMAP-END 1); changes it again
 * (munmap of the file, PROT_NONE, mremap) and prints it a second time; then prints the frame of
 * a few pages it wrote, from /proc/self/pagemap (PAGE 0xVADDR 0xPFN; PFNs are shown to root).
 * Everything is written with write(2) from static buffers: nothing allocates (malloc would move
 * the break) between a change and the print. The oracle of qtrace's --vmmap.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PG 4096

static char buf[65536];

static void out(const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(1, s, n);
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

__attribute__((noinline, noipa)) void print_maps(int n)
{
    char head[64];
    size_t len = 0;
    ssize_t r;
    int fd = open("/proc/self/maps", O_RDONLY);
    if (fd < 0) {
        perror("/proc/self/maps");
        return;
    }
    while (len < sizeof(buf) - 1 && (r = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
        len += (size_t)r;
    close(fd);
    out(head, (size_t)snprintf(head, sizeof(head), "VMMAP-BEGIN %d\n", n));
    out(buf, len);
    out(head, (size_t)snprintf(head, sizeof(head), "VMMAP-END %d\n", n));
}

__attribute__((noinline, noipa)) void print_frame(int fd, const char *what, char *va)
{
    uint64_t e = 0;
    char line[128];
    if (pread(fd, &e, sizeof(e), (off_t)((uintptr_t)va / PG * sizeof(e))) != (ssize_t)sizeof(e))
        return;
    if (!(e >> 63))
        out(line, (size_t)snprintf(line, sizeof(line), "PAGE %s 0x%lx not-present\n", what, (unsigned long)va));
    else
        out(line, (size_t)snprintf(line, sizeof(line), "PAGE %s 0x%lx 0x%llx\n", what, (unsigned long)va,
                                   (unsigned long long)(e & ((1ull << 55) - 1))));
}

int main(int argc, char **argv)
{
    (void)argc;
    char *a = mmap(NULL, 8 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (a == MAP_FAILED)
        return 1;
    for (int i = 0; i < 8; i++)
        a[i * PG] = (char)(i + 1);
    mprotect(a + 2 * PG, 2 * PG, PROT_READ);
    munmap(a + 6 * PG, PG);
    int fd = open(argv[0], O_RDONLY);
    char *f = fd >= 0 ? mmap(NULL, 2 * PG, PROT_READ, MAP_PRIVATE, fd, PG) : MAP_FAILED;
    if (fd >= 0)
        close(fd);
    volatile char c = f != MAP_FAILED ? f[0] : 0;
    (void)c;
    char *brk0 = sbrk(0);
    if (sbrk(3 * PG) != (void *)-1)
        memset(brk0, 7, 3 * PG);
    char *g = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (g != MAP_FAILED)
        g[0] = 9;
    print_maps(1);

    if (f != MAP_FAILED)
        munmap(f, 2 * PG);
    mprotect(a, PG, PROT_NONE);
    char *g2 = g != MAP_FAILED ? mremap(g, PG, 3 * PG, MREMAP_MAYMOVE) : MAP_FAILED;
    if (g2 != MAP_FAILED)
        g2[2 * PG] = 10;
    print_maps(2);

    int pm = open("/proc/self/pagemap", O_RDONLY);
    if (pm >= 0) {
        print_frame(pm, "anon1", a + PG);
        print_frame(pm, "anon4", a + 4 * PG);
        print_frame(pm, "anon7", a + 7 * PG);
        print_frame(pm, "heap", brk0 + PG);
        if (g2 != MAP_FAILED)
            print_frame(pm, "remapped", g2 + 2 * PG);
        close(pm);
    }
    return 0;
}
