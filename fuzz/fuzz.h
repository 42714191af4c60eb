/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the fuzz harnesses share. Each fuzz/fuzz_NAME.c defines LLVMFuzzerTestOneInput for one
 * parser; it is linked with libFuzzer (clang, `make fuzz`) or with fuzz/replay.c (gcc, ASan and
 * UBSan: `make check` feeds it the regression inputs of tests/fuzz/NAME/ and the seeds of
 * fuzz/seeds/NAME/). Harnesses must not leak, print or keep state between inputs.
 */
#ifndef QTRACE_FUZZ_H
#define QTRACE_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Parsers that take a path read the input from one temporary file per process, rewritten for
 * every input and removed at exit; in /dev/shm when there is one (a file system in memory). */
static char fuzz_tmp_path[64];

static void fuzz_tmp_remove(void)
{
    if (fuzz_tmp_path[0])
        unlink(fuzz_tmp_path);
}

/* The path of a file holding data[0..size), or NULL if it cannot be written. */
static inline const char *fuzz_tmpfile(const uint8_t *data, size_t size)
{
    if (!fuzz_tmp_path[0]) {
        snprintf(fuzz_tmp_path, sizeof(fuzz_tmp_path), "%s/qtrace-fuzz-XXXXXX",
                 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
        int fd = mkstemp(fuzz_tmp_path);
        if (fd < 0) {
            fuzz_tmp_path[0] = 0;
            return NULL;
        }
        close(fd);
        atexit(fuzz_tmp_remove);
    }
    FILE *f = fopen(fuzz_tmp_path, "wb");
    if (!f)
        return NULL;
    size_t w = size ? fwrite(data, 1, size, f) : 0;
    if (fclose(f) != 0 || w != size)
        return NULL;
    return fuzz_tmp_path;
}

/* data[0..size) as a NUL-terminated string (malloc'ed; NULL if out of memory). */
static inline char *fuzz_str(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s) {
        if (size)
            memcpy(s, data, size);
        s[size] = 0;
    }
    return s;
}

/* Consume one byte of input (0 when none is left). */
static inline uint8_t fuzz_byte(const uint8_t **data, size_t *size)
{
    if (!*size)
        return 0;
    uint8_t b = **data;
    (*data)++;
    (*size)--;
    return b;
}

#endif
