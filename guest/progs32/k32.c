/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * k32: a 32-bit (i386, gcc -m32 -static) program in the 64-bit guest, for the system calls of
 * 32-bit processes (tests/e2e/cases/047_kernel_32bit.sh). Its libc makes system calls through the vDSO's
 * __kernel_vsyscall (AT_SYSINFO), which the 64-bit kernel patches to the instruction the CPU
 * has for 32-bit code: `syscall` on AMD (QEMU's default CPU), `sysenter` on Intel, else
 * `int $0x80`. It prints, in this order:
 *
 *   k32: pid=N
 *   k32: vsyscall uses INSN                  (syscall, sysenter or int80: read from the vDSO's code)
 *   k32: open /etc/passwd fd=F               (libc's open: openat)
 *   k32: read fd=F 16 bytes
 *   k32: int80 getppid = P                   (an explicit int $0x80)
 *   k32: vsyscall getuid = U                 (an explicit call of __kernel_vsyscall)
 *   uid=U gid=G euid=E                       (a child: fork, exec of /progs/whoami, a 64-bit program)
 *   k32: whoami pid=W status=0
 *   k32: done
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef __i386__
#error "k32 is an i386 program: build it with gcc -m32 (scripts/build-guest.sh does, from guest/progs32/)"
#endif

/* the instruction __kernel_vsyscall makes the call with: the first syscall/sysenter/int $0x80
 * in its first 32 bytes (the vDSO is mapped readable) */
static const char *vsyscall_insn(const uint8_t *p)
{
    if (!p)
        return "none (no AT_SYSINFO)";
    for (int i = 0; i + 1 < 32; i++) {
        if (p[i] == 0x0f && p[i + 1] == 0x05)
            return "syscall";
        if (p[i] == 0x0f && p[i + 1] == 0x34)
            return "sysenter";
        if (p[i] == 0xcd && p[i + 1] == 0x80)
            return "int80";
    }
    return "unknown";
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    printf("k32: pid=%d\n", (int)getpid());
    uintptr_t vsys = (uintptr_t)getauxval(AT_SYSINFO);
    printf("k32: vsyscall uses %s\n", vsyscall_insn((const uint8_t *)vsys));

    int fd = open("/etc/passwd", O_RDONLY);
    printf("k32: open /etc/passwd fd=%d\n", fd);
    char buf[16];
    if (fd >= 0) {
        printf("k32: read fd=%d %d bytes\n", fd, (int)read(fd, buf, sizeof(buf)));
        close(fd);
    }

    long r;
    __asm__ volatile("int $0x80" : "=a"(r) : "a"(64L) /* i386 getppid */ : "memory");
    printf("k32: int80 getppid = %ld\n", r);

    if (vsys) {
        /* __kernel_vsyscall: number in eax, arguments in ebx..., preserves every other register */
        __asm__ volatile("call *%1" : "=a"(r) : "c"(vsys), "a"(199L) /* i386 getuid32 */ : "memory", "cc");
        printf("k32: vsyscall getuid = %ld\n", r);
    }
    /* from 32 to 64 bits: a child execs a 64-bit program */
    pid_t c = fork();
    if (c == 0) {
        char *argv[] = { "/progs/whoami", NULL };
        execv(argv[0], argv);
        _exit(127);
    }
    int st = 0;
    if (c > 0 && waitpid(c, &st, 0) == c)
        printf("k32: whoami pid=%d status=%d\n", (int)c, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    printf("k32: done\n");
    return 0;
}
