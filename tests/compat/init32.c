/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * /init of the 32-bit test guest (tests/compat/build-guest32.sh): the bundled guest's /init
 * (guest/init, a busybox script) in C, so that the 32-bit initramfs needs no 32-bit busybox.
 * Mounts proc, sysfs and devtmpfs, takes the console, runs /progs/NAME for qtrace.run=NAME
 * (default calls) and powers off. Console lines, as guest/init prints them:
 *   QTRACE-GUEST: run NAME
 *   QTRACE-GUEST: exit NAME status N
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    mount("proc", "/proc", "proc", 0, NULL);
    mount("sysfs", "/sys", "sysfs", 0, NULL);
    mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
    int fd = open("/dev/console", O_RDWR);
    if (fd >= 0) {
        dup2(fd, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        if (fd > 2)
            close(fd);
    }
    setvbuf(stdout, NULL, _IONBF, 0);
    char cmdline[4096] = "", name[256] = "calls";
    FILE *f = fopen("/proc/cmdline", "r");
    if (f) {
        if (!fgets(cmdline, sizeof(cmdline), f))
            cmdline[0] = 0;
        fclose(f);
    }
    for (char *w = strtok(cmdline, " \n"); w; w = strtok(NULL, " \n"))
        if (strncmp(w, "qtrace.run=", 11) == 0)
            snprintf(name, sizeof(name), "%s", w + 11);
    char path[300];
    snprintf(path, sizeof(path), "/progs/%s", name);
    printf("\nQTRACE-GUEST: run %s\n", name);
    int status = 127;
    pid_t pid = fork();
    if (pid == 0) {
        char *argv[] = { path, NULL };
        execv(path, argv);
        printf("QTRACE-GUEST: error: no program %s\n", path);
        _exit(127);
    }
    if (pid > 0 && waitpid(pid, &status, 0) == pid)
        status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    printf("QTRACE-GUEST: exit %s status %d\n", name, status);
    sync();
    reboot(RB_POWER_OFF);
    for (;;)
        pause(); /* init must not exit */
}
