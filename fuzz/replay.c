/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Regression replay of one fuzz harness, for `make check` (built with gcc, ASan and UBSan):
 * feeds every file of tests/fuzz/NAME/ (inputs that once crashed, leaked or hung) and of
 * fuzz/seeds/NAME/ (the hand-written seeds) to the harness, one TAP line per file. A crash is a
 * sanitizer report and a non-zero exit status, which tests/run.sh counts as a failure.
 * The directories are found from $QTRACE_TOP (tests/run.sh sets it), else the current one.
 */
#include <dirent.h>
#include <stdbool.h>

#include "fuzz.h"

#ifndef FUZZ_NAME
#error "FUZZ_NAME (the name of the harness) must be defined"
#endif

static int count;

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    size_t r;
    while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            uint8_t *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
            }
            buf = nb;
        }
    }
    bool bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

/* Feed every regular file of dir (sorted by name). Returns false if dir cannot be read. */
static bool replay_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return false;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **nn = realloc(names, cap * sizeof(*names));
            if (!nn)
                break;
            names = nn;
        }
        names[n] = strdup(e->d_name);
        if (names[n])
            n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof(*names), cmp_names);
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        size_t len = 0;
        uint8_t *buf = slurp(path, &len);
        if (!buf) {
            printf("not ok %d - %s: cannot be read\n", ++count, path);
        } else {
            LLVMFuzzerTestOneInput(buf, len);
            printf("ok %d - %s (%zu bytes) replayed\n", ++count, path, len);
            fflush(stdout);
            free(buf);
        }
        free(names[i]);
    }
    free(names);
    return true;
}

int main(int argc, char **argv)
{
    const char *top = getenv("QTRACE_TOP");
    if (!top || !*top)
        top = ".";
    char dir[4096];
    int missing = 0;
    if (argc > 1) {
        for (int i = 1; i < argc; i++)
            if (!replay_dir(argv[i]))
                printf("not ok %d - %s: not a readable directory\n", ++count, argv[i]);
    } else {
        const char *const parts[] = { "tests/fuzz", "fuzz/seeds" };
        for (size_t i = 0; i < 2; i++) {
            snprintf(dir, sizeof(dir), "%s/%s/%s", top, parts[i], FUZZ_NAME);
            if (!replay_dir(dir))
                missing++;
        }
        if (missing == 2)
            printf("not ok %d - neither %s/tests/fuzz/%s nor %s/fuzz/seeds/%s exists (set QTRACE_TOP to the "
                   "source tree)\n", ++count, top, FUZZ_NAME, top, FUZZ_NAME);
    }
    printf("1..%d\n", count);
    return 0;
}
