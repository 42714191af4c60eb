/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * procs: processes whose ids, argv and exit codes the guest prints itself (qtrace ps's tests).
 *
 *   procs               runs /bin/sh -c SCRIPT (below), waits, prints its status
 *   procs id ARGS...    prints who it is
 *   procs cat           prints who it is, copies standard input to standard output
 *   procs exit N        prints who it is, exits with status N
 *   procs kill SIG      prints who it is, kills itself with signal SIG
 *   procs spin N        prints who it is, runs a loop of N iterations of 2 instructions (dec, jnz)
 *
 * Each prints on standard error: "procs: pid=P ppid=Q uid=U argv=[a|b|c]"; the shell prints $$
 * and each command's $?.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char script[] =
    "echo \"sh: pid=$$\"; "
    "/progs/procs id a | /progs/procs cat | wc -l; echo \"sh: pipeline status=$?\"; "
    "false; echo \"sh: false status=$?\"; "
    "/progs/procs exit 7; echo \"sh: exit status=$?\"; "
    "/progs/procs kill 15; echo \"sh: kill status=$?\"; "
    "su user -c '/progs/procs id as-user'; echo \"sh: su status=$?\"; "
    "/progs/procs spin 3000000; echo \"sh: spin status=$?\"; "
    "exit 3";

static void whoami(int argc, char **argv)
{
    char line[1024];
    int n = snprintf(line, sizeof(line), "procs: pid=%d ppid=%d uid=%d argv=[", (int)getpid(), (int)getppid(),
                     (int)getuid());
    for (int i = 0; i < argc && n < (int)sizeof(line) - 4; i++)
        n += snprintf(line + n, sizeof(line) - (size_t)n, "%s%s", i ? "|" : "", argv[i]);
    if (n > (int)sizeof(line) - 3)
        n = (int)sizeof(line) - 3;
    memcpy(line + n, "]\n", 3);
    fputs(line, stderr);
}

/* n iterations of exactly two instructions */
__attribute__((noinline, noipa)) void spin(unsigned long n)
{
    __asm__ volatile("1: dec %0\n\tjnz 1b" : "+r"(n));
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    setvbuf(stderr, NULL, _IONBF, 0);
    if (argc < 2) {
        whoami(argc, argv);
        pid_t pid = fork();
        if (pid == 0) {
            execl("/bin/sh", "sh", "-c", script, (char *)NULL);
            _exit(127);
        }
        int st = 0;
        waitpid(pid, &st, 0);
        printf("procs: sh pid=%d status=%d\n", (int)pid, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
        return 0;
    }
    whoami(argc, argv);
    const char *cmd = argv[1];
    if (!strcmp(cmd, "cat")) {
        char buf[256];
        size_t n;
        while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0)
            fwrite(buf, 1, n, stdout);
    } else if (!strcmp(cmd, "id")) {
        puts("a");
    } else if (!strcmp(cmd, "exit") && argc > 2) {
        return atoi(argv[2]);
    } else if (!strcmp(cmd, "kill") && argc > 2) {
        kill(getpid(), atoi(argv[2]));
        pause();
    } else if (!strcmp(cmd, "spin") && argc > 2) {
        spin(strtoul(argv[2], NULL, 0));
    }
    return 0;
}
