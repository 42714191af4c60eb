/* fork: the child calls add(7, 8) and exits with its result; the parent prints the child's pid. */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

__attribute__((noinline, noipa)) long add(long a, long b) { return a + b; }

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    printf("forker: parent pid=%d\n", getpid());
    pid_t c = fork();
    if (c == 0)
        _exit((int)add(7, 8));
    int st = 0;
    waitpid(c, &st, 0);
    printf("forker: child pid=%d status=%d\n", (int)c, WEXITSTATUS(st));
    return (int)add(1, 1) - 2;
}
