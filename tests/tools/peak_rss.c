/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * peak_rss COMMAND [ARGS...]: runs COMMAND (its standard streams as they are) and prints, on
 * standard error, "peak_rss: STATUS KIB SECONDS CPU": its exit status, the most memory it had
 * resident (the kernel's account: wait4's ru_maxrss), its wall time and the processor time it
 * used (user + system, wait4's ru_utime and ru_stime: what it costs on a machine shared with
 * other work, where the wall time says more about the others). A small C program, so
 * that the memory of the process that forks it does not count. For tests/e2e/cases/163 and
 * bench/huge.sh.
 */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: peak_rss COMMAND [ARGS...]\n");
        return 2;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid == 0) {
        execvp(argv[1], argv + 1);
        perror(argv[1]);
        _exit(127);
    }
    int st;
    struct rusage ru;
    if (pid < 0 || wait4(pid, &st, 0, &ru) != pid) {
        perror("peak_rss");
        return 2;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    int rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    fprintf(stderr, "peak_rss: %d %ld %.3f %.3f\n", rc, ru.ru_maxrss,
            (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
            (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
    return rc;
}
