/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mmio: a traced function given a pointer into a PCI device's registers (MMIO), for
 * tests/e2e/cases/153_hostile_mmio.sh. Maps BAR N (default 2) of the PCI device D (default
 * 0000:00:02.0, QEMU's standard VGA, whose BAR 2 holds its EDID blob and registers) through
 * /sys/bus/pci/devices/D/resourceN, reads BYTES bytes at offset 1 itself (the EDID header after
 * its first zero byte: ff ff ff ff ff ff 00), then passes that address to peek(). Prints:
 *   mmio: D resourceN size=N
 *   mmio: read "\xff..." at VADDR        (the bytes it read, up to the first zero byte, C-escaped)
 *   mmio: peek returned R
 * or "mmio: cannot map ..." with the reason (no such device, no mmap) and status 3.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define TRACED __attribute__((noinline, noipa))

TRACED int peek(const char *p)
{
    return p != NULL;
}

int main(int argc, char **argv)
{
    const char *dev = argc > 1 ? argv[1] : "0000:00:02.0";
    int bar = argc > 2 ? atoi(argv[2]) : 2;
    char path[256];
    snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource%d", dev, bar);
    int fd = open(path, O_RDWR | O_SYNC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || st.st_size < 4096) {
        printf("mmio: cannot map %s: no such BAR, or it is too small\n", path);
        return 3;
    }
    volatile unsigned char *regs = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
    if (regs == MAP_FAILED) {
        printf("mmio: cannot map %s: mmap failed\n", path);
        return 3;
    }
    printf("mmio: %s resource%d size=%ld\n", dev, bar, (long)st.st_size);
    char shown[64 * 4 + 1];
    size_t n = 0;
    for (int i = 1; i < 64 && regs[i] != 0; i++) {
        unsigned char c = regs[i];
        n += (size_t)snprintf(shown + n, sizeof(shown) - n, c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? "%c" : "\\x%02x", c);
    }
    shown[n] = 0;
    printf("mmio: read \"%s\" at %p\n", shown, (void *)(regs + 1));
    printf("mmio: peek returned %d\n", peek((const char *)(regs + 1)));
    return 0;
}
