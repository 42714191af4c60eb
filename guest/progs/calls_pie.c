/*
 * calls, built as a static PIE (build-guest.sh builds every *_pie.c so): the kernel loads it at
 * a random address. It prints its pid and where its main is, so a test can check the address
 * qtrace learned. With the argument "twice" it first runs itself again in a child (another exec,
 * another address) and waits for it.
 */
#include <sys/wait.h>

#include "calls.c"

__attribute__((constructor)) static void print_main(int argc, char **argv)
{
    printf("calls_pie: pid=%d main=%p\n", (int)getpid(), (void *)main);
    fflush(stdout);
    if (argc > 1 && strcmp(argv[1], "twice") == 0) {
        pid_t child = fork();
        if (child == 0) {
            execl(argv[0], argv[0], (char *)NULL);
            _exit(127);
        }
        if (child > 0)
            waitpid(child, NULL, 0);
    }
}
