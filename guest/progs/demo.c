/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * demo: what `make demo` traces. A tiny calculator (recursive descent over built-in strings),
 * a word counter and a recursive Fibonacci, each printing its results:
 *
 *   demo: calc("2 * (3 + 4) - 5") = 9
 *   demo: calc("100 / (2 + 3) * 4") = 80
 *   demo: count_words("the quick brown fox jumps") = 5
 *   demo: fib(6) = 8
 *
 * Functions (all global, never inlined), as they appear in the trace:
 *   long calc(const char *expr)           evaluates expr             (-A calc@arg1/s)
 *   long parse_sum(void)                  sum    := product {(+|-) product}
 *   long parse_product(void)              product := atom {(*|/) atom}
 *   long parse_atom(void)                 atom   := number | '(' sum ')'   (recursion)
 *   long parse_number(void)               decimal digits
 *   long apply(int op, long a, long b)    one operation                   (-A apply@arg1/c,...)
 *   int count_words(const char *text)     words separated by spaces
 *   long fib(long n)                      recursive Fibonacci
 */
#include <stdio.h>

#define TRACED __attribute__((noinline, noipa))

static const char *pos;     /* the calculator's cursor into the expression */

static void skip_spaces(void)
{
    while (*pos == ' ')
        pos++;
}

TRACED long apply(int op, long a, long b)
{
    switch (op) {
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    case '/': return b ? a / b : 0;
    }
    return 0;
}

TRACED long parse_number(void)
{
    long v = 0;
    skip_spaces();
    while (*pos >= '0' && *pos <= '9')
        v = v * 10 + (*pos++ - '0');
    return v;
}

long parse_sum(void);

TRACED long parse_atom(void)
{
    skip_spaces();
    if (*pos == '(') {
        pos++;
        long v = parse_sum();
        skip_spaces();
        if (*pos == ')')
            pos++;
        return v;
    }
    return parse_number();
}

TRACED long parse_product(void)
{
    long v = parse_atom();
    for (;;) {
        skip_spaces();
        if (*pos != '*' && *pos != '/')
            return v;
        int op = *pos++;
        v = apply(op, v, parse_atom());
    }
}

TRACED long parse_sum(void)
{
    long v = parse_product();
    for (;;) {
        skip_spaces();
        if (*pos != '+' && *pos != '-')
            return v;
        int op = *pos++;
        v = apply(op, v, parse_product());
    }
}

TRACED long calc(const char *expr)
{
    pos = expr;
    return parse_sum();
}

TRACED int count_words(const char *text)
{
    int n = 0, in_word = 0;
    for (; *text; text++) {
        if (*text == ' ') {
            in_word = 0;
        } else if (!in_word) {
            in_word = 1;
            n++;
        }
    }
    return n;
}

TRACED long fib(long n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

int main(void)
{
    static const char *exprs[] = { "2 * (3 + 4) - 5", "100 / (2 + 3) * 4" };
    static const char sentence[] = "the quick brown fox jumps";

    setvbuf(stdout, NULL, _IONBF, 0);
    for (unsigned i = 0; i < sizeof exprs / sizeof exprs[0]; i++)
        printf("demo: calc(\"%s\") = %ld\n", exprs[i], calc(exprs[i]));
    printf("demo: count_words(\"%s\") = %d\n", sentence, count_words(sentence));
    printf("demo: fib(6) = %ld\n", fib(6));
    return 0;
}
