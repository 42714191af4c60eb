/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Minimal TAP producer for unit tests: ok(cond, name), is_int, is_str; done() returns the exit code. */
#ifndef QTRACE_TAP_H
#define QTRACE_TAP_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_fail;

#define ok(cond, ...) tap_ok_(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
static inline int tap_ok_(int c, const char *f, int l, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
#include <stdarg.h>
static inline int tap_ok_(int c, const char *f, int l, const char *fmt, ...)
{
    va_list ap;
    tap_n++;
    printf("%s %d - ", c ? "ok" : "not ok", tap_n);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    if (!c) {
        tap_fail++;
        printf("#   failed at %s:%d\n", f, l);
    }
    fflush(stdout);
    return c;
}

#define is_int(got, want, name) do { \
        long long g_ = (long long)(got), w_ = (long long)(want); \
        if (!ok(g_ == w_, "%s", name)) printf("#   got %lld, want %lld\n", g_, w_); \
    } while (0)

#define is_u64(got, want, name) do { \
        uint64_t g_ = (uint64_t)(got), w_ = (uint64_t)(want); \
        if (!ok(g_ == w_, "%s", name)) printf("#   got 0x%" PRIx64 ", want 0x%" PRIx64 "\n", g_, w_); \
    } while (0)

#define is_str(got, want, name) do { \
        const char *g_ = (got), *w_ = (want); \
        if (!ok(g_ && w_ && strcmp(g_, w_) == 0, "%s", name)) \
            printf("#   got  \"%s\"\n#   want \"%s\"\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
    } while (0)

static inline int done_testing(void)
{
    printf("1..%d\n", tap_n);
    return tap_fail ? 1 : 0;
}

#endif
