/* The program of the fault and output-safety cases (tests/e2e/cases/16x_*.sh):
 *   faults_prog loop N     calls step(i) for i < N, then prints "loop: N calls, sum S"
 *   faults_prog spin       calls step(i) for ever: 100000 calls, then prints "spinning" and goes on
 *                          with a call every 10 ms
 *   faults_prog strings    passes hostile strings (ANSI escapes, control bytes, invalid UTF-8,
 *                          quotes, backslashes, a 4000-byte string) to show(s), which returns s,
 *                          and opens each as a path; prints each as "string K HEX" (the oracle)
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

__attribute__((noinline, noipa)) long step(long i) { return i * 3 + 1; }

__attribute__((noinline, noipa)) const char *show(const char *s) { return s; }

static char big[4001];

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "loop";
    if (strcmp(mode, "loop") == 0) {
        long n = argc > 2 ? atol(argv[2]) : 1000, sum = 0;
        for (long i = 0; i < n; i++)
            sum += step(i);
        printf("loop: %ld calls, sum %ld\n", n, sum);
        return 0;
    }
    if (strcmp(mode, "spin") == 0) {
        for (long i = 0;; i++) {
            step(i);
            if (i == 100000) {
                printf("spinning\n");
                fflush(stdout);
            }
            if (i >= 100000)
                usleep(10000);
        }
    }
    if (strcmp(mode, "strings") == 0) {
        memset(big, 'B', sizeof(big) - 1);
        memcpy(big + 100, "\x1b[41m\x07", 6);
        const char *s[] = {
            "\x1b[31mred\x1b[0m \x1b[2J\x1b]0;title\x07",
            "tab\there\r\nnew\bline\x7f\x01\x1f",
            "\x80\xff\xc0\xaf\xed\xa0\x80 \xc3\xa9 \xe2\x80\xae",
            "\"quoted\" 'single' back\\slash \\x41 </script>&amp;",
            big,
        };
        for (size_t k = 0; k < sizeof(s) / sizeof(s[0]); k++) {
            show(s[k]);
            int fd = open(s[k], O_RDONLY);
            if (fd >= 0)
                close(fd);
            printf("string %zu ", k);
            for (const unsigned char *p = (const unsigned char *)s[k]; *p; p++)
                printf("%02x", *p);
            printf("\n");
        }
        return 0;
    }
    fprintf(stderr, "usage: faults_prog loop N | spin | strings\n");
    return 2;
}
