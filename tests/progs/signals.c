/* signals (tests/e2e/cases/115_run_signals.sh): a timer signal every 200 us while f() runs a million
 * times, then 20 forked children reaped (SIGCHLD). Host signals reach qemu-user's threads at
 * any moment: a helper thread of the plugin must never be the one that takes them. Prints
 * the sum (known by construction), how many f() calls it made and whether alarms arrived. */
#include <signal.h>
#include <stdio.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
static volatile long hits;
__attribute__((noinline)) static void on_alarm(int s) { (void)s; hits++; }
__attribute__((noinline)) static long f(long x) { return x * 3 + 1; }
int main(void)
{
    signal(SIGALRM, on_alarm);
    struct itimerval it = { { 0, 200 }, { 0, 200 } };
    setitimer(ITIMER_REAL, &it, NULL);
    long s = 0, n = 1000000;
    for (long i = 0; i < n; i++)
        s += f(i);
    int children = 0;
    for (int k = 0; k < 20; k++) {
        pid_t p = fork();
        if (p == 0)
            _exit(0);
        if (p > 0 && waitpid(p, NULL, 0) == p)
            children++;
    }
    struct itimerval off = { { 0, 0 }, { 0, 0 } };
    setitimer(ITIMER_REAL, &off, NULL);
    printf("signals: sum=%ld calls=%ld children=%d alarms=%s\n", s, n, children, hits > 0 ? "yes" : "no");
    return 0;
}
