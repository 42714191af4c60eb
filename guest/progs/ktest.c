/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ktest: the kernel introspection test program (tests/e2e/cases/04*_kernel_*.sh). It prints what it did,
 * in this order, so that the test can compare the trace with it:
 *
 *   ktest: pid=N comm=ktest uid=U
 *   ktest: kallsyms do_sys_openat2 ADDR        (root only: /proc/kallsyms shows real addresses)
 *   ktest: open /etc/passwd fd=3
 *   ktest: stat /etc/passwd ino=I size=S mode=0100644
 *   ktest: mkdir /ktest-dir/sub = 0            (root; as another user: in its home directory)
 *   ktest: nice -5 = 0                         (as a user without CAP_SYS_NICE: -1 EACCES)
 *   ktest: bind 0.0.0.0:4242 = 0
 *   ktest: int80 write                         (written by a 32-bit write, int 0x80)
 *   ktest: module crc7 fd=F finit_module = 0   (root only: loads /lib/modules/crc7.ko)
 *   ktest: module crc7 base=0xA size=S .text=0xT   (from /proc/modules and /sys/module)
 *   2                                          (the pipeline: cat /etc/group | wc -l)
 *   ktest: pipeline status=0
 *   ktest: twin pid=M                          (printed by the twin: /progs/ktest twin)
 *   ktest: twin open /etc/group fd=3
 *   ktest: twin status=0
 *   k32: ...                                   (/progs/k32: a 32-bit program, see guest/progs32/k32.c)
 *   ktest: k32 status=0
 *   ktest: done
 *
 * Run as "ktest twin" it only prints its pid, opens /etc/group and exits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const char int80_msg[] = "ktest: int80 write\n";

static void kallsyms(const char *name)
{
    FILE *f = fopen("/proc/kallsyms", "r");
    char line[256];
    while (f && fgets(line, sizeof(line), f)) {
        char addr[32], type[4], sym[128];
        if (sscanf(line, "%31s %3s %127s", addr, type, sym) == 3 && strcmp(sym, name) == 0) {
            printf("ktest: kallsyms %s %s\n", name, addr);
            break;
        }
    }
    if (f)
        fclose(f);
}

/* loads /lib/modules/NAME.ko (finit_module), then prints where the kernel put it: the base and
 * size /proc/modules gives and the address of its .text section in /sys/module */
static void load_module(const char *name)
{
    char path[96], line[256], base[32] = "?", size[32] = "?", text[32] = "?";
    snprintf(path, sizeof(path), "/lib/modules/%s.ko", name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    long r = fd < 0 ? -1 : syscall(SYS_finit_module, fd, "", 0);
    printf("ktest: module %s fd=%d finit_module = %ld%s%s\n", name, fd, r, r < 0 ? " " : "", r < 0 ? strerror(errno) : "");
    if (fd >= 0)
        close(fd);
    FILE *f = fopen("/proc/modules", "r");
    while (f && fgets(line, sizeof(line), f)) {
        /* NAME SIZE REFS DEPS STATE ADDRESS */
        char n[64], sz[32], refs[16], deps[64], state[16], addr[32];
        if (sscanf(line, "%63s %31s %15s %63s %15s %31s", n, sz, refs, deps, state, addr) == 6 && strcmp(n, name) == 0) {
            snprintf(base, sizeof(base), "%s", addr);
            snprintf(size, sizeof(size), "%s", sz);
        }
    }
    if (f)
        fclose(f);
    snprintf(path, sizeof(path), "/sys/module/%s/sections/.text", name);
    f = fopen(path, "r");
    if (f && fgets(line, sizeof(line), f))
        sscanf(line, "%31s", text);
    if (f)
        fclose(f);
    printf("ktest: module %s base=%s size=%s .text=%s\n", name, base, size, text);
}

static int twin(void)
{
    printf("ktest: twin pid=%d\n", (int)getpid());
    int fd = open("/etc/group", O_RDONLY);
    printf("ktest: twin open /etc/group fd=%d\n", fd);
    if (fd >= 0)
        close(fd);
    return 0;
}

/* fork, exec argv, wait: the exit status */
static int run(char *const argv[])
{
    pid_t p = fork();
    if (p == 0) {
        execv(argv[0], argv);
        _exit(127);
    }
    int st = 0;
    if (p < 0 || waitpid(p, &st, 0) < 0)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1 && strcmp(argv[1], "twin") == 0)
        return twin();
    char comm[17] = "";
    prctl(PR_GET_NAME, comm);
    printf("ktest: pid=%d comm=%s uid=%d\n", (int)getpid(), comm, (int)getuid());
    if (getuid() == 0)
        kallsyms("do_sys_openat2");

    int fd = open("/etc/passwd", O_RDONLY);
    printf("ktest: open /etc/passwd fd=%d\n", fd);
    char buf[64];
    if (fd >= 0) {
        if (read(fd, buf, sizeof(buf)) < 0)
            perror("read");
        close(fd);
    }
    struct stat st;
    if (stat("/etc/passwd", &st) == 0)
        printf("ktest: stat /etc/passwd ino=%lu size=%ld mode=0%o\n", (unsigned long)st.st_ino, (long)st.st_size,
               (unsigned)st.st_mode);

    const char *dir = getuid() == 0 ? "/ktest-dir" : "ktest-dir";
    char sub[64];
    snprintf(sub, sizeof(sub), "%s/sub", dir);
    mkdir(dir, 0755);
    int r = mkdir(sub, 0755);
    printf("ktest: mkdir %s = %d\n", sub, r);

    errno = 0;
    r = setpriority(PRIO_PROCESS, 0, -5);
    printf("ktest: nice -5 = %d%s\n", r, r < 0 ? (errno == EACCES ? " EACCES" : " error") : "");

    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons(4242);
    sa.sin_addr.s_addr = htonl(INADDR_ANY);
    r = bind(s, (struct sockaddr *)&sa, sizeof(sa));
    if (r == 0)
        listen(s, 1);
    printf("ktest: bind 0.0.0.0:4242 = %d\n", r);
    close(s);

    /* a 32-bit system call from this 64-bit process: i386 write(1, msg, len) */
    long ret;
    __asm__ volatile("int $0x80"
                     : "=a"(ret)
                     : "a"(4L), "b"(1L), "c"((long)(unsigned long)int80_msg), "d"((long)(sizeof(int80_msg) - 1))
                     : "memory");
    if (ret != (long)(sizeof(int80_msg) - 1))
        printf("ktest: int80 write returned %ld\n", ret);

    if (getuid() == 0)
        load_module("crc7");

    char *pipeline[] = { "/bin/sh", "-c", "cat /etc/group | wc -l", NULL };
    printf("ktest: pipeline status=%d\n", run(pipeline));
    char *self[] = { "/progs/ktest", "twin", NULL };
    printf("ktest: twin status=%d\n", run(self));
    char *k32[] = { "/progs/k32", NULL };
    printf("ktest: k32 status=%d\n", run(k32));
    printf("ktest: done\n");
    return 0;
}
