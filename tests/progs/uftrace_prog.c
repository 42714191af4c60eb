/* uftrace_prog (tests/e2e/cases/10*_uftrace_*.sh): built with -pg, recorded natively by uftrace and
 * traced by qtrace; both recordings must replay alike. */
#include <stdio.h>
static int fact(int n) { return n <= 1 ? 1 : n * fact(n - 1); }
static int add(int a, int b) { return a + b; }
static int mul(int a, int b) { return a * b; }
static int square(int x) { return mul(x, x); }
static const char *greet(const char *who, char c) { return c == '!' ? who : "?"; }
static int work(int n)
{
    int s = 0;
    for (int i = 0; i < n; i++)
        s = add(s, fact(i));
    return add(s, square(n));
}
int main(void)
{
    printf("%d %s\n", work(4), greet("world", '!'));
    puts("done");
    return 0;
}
