/*
 * shload: a shell-command workload for benchmarks. Runs N rounds (argument, default 100) of
 * short busybox pipelines under /bin/sh (each command a fork and an exec: many processes, many
 * mappings), and prints how long they took by the guest's clock: "shload: N rounds in M ms";
 * "shload: start" before, so that a benchmark can measure from the host what the rounds cost
 * (it then waits a second before exiting, while the benchmark reads).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 100;
    char script[512];
    snprintf(script, sizeof(script),
             "i=0; while [ $i -lt %d ]; do cat /etc/passwd | wc -l >/dev/null; ls -l /progs >/dev/null; "
             "echo $i | grep -q 7; i=$((i + 1)); done", n);
    struct timespec t0, t1;
    printf("shload: start\n");
    fflush(stdout);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t p = fork();
    if (p == 0) {
        execl("/bin/sh", "sh", "-c", script, (char *)NULL);
        _exit(127);
    }
    int st = 0;
    waitpid(p, &st, 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    printf("shload: %d rounds in %ld ms\n", n, ms);
    fflush(stdout);
    sleep(1); /* the benchmark reads QEMU's CPU time when it sees the line: before the guest powers off */
    return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}
