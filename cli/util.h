/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small helpers shared by the CLI: messages, allocation, a hash map, files. */
#ifndef QTRACE_CLI_UTIL_H
#define QTRACE_CLI_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct qt_arch_desc;

#define QTRACE_VERSION "0.1.0"

/* Exit status of qtrace itself for any error (bad usage, bad input, I/O error). */
#define QTC_EXIT_ERROR 2

/* "qtrace: error: ..." / "qtrace: warning: ..." on stderr, one line. */
void qtc_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void qtc_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void *qtc_xmalloc(size_t n);
void *qtc_xcalloc(size_t n, size_t size);
void *qtc_xrealloc(void *p, size_t n);
char *qtc_xstrdup(const char *s);

/* Open-addressing hash map from a pair of 64-bit keys to a pointer. */
struct qtc_map_ent {
    uint64_t k1, k2;
    void *v;
    bool used;
};
struct qtc_map {
    struct qtc_map_ent *e;
    size_t cap, n;
};
/* The value slot for (k1, k2); created (set to NULL) if absent and create is true, else NULL. */
void **qtc_map_slot(struct qtc_map *m, uint64_t k1, uint64_t k2, bool create);
void *qtc_map_get(const struct qtc_map *m, uint64_t k1, uint64_t k2);
/* Free the table (not the values). */
void qtc_map_free(struct qtc_map *m);

/* Copy of s where bytes that are not printable ASCII are \xNN (names from ELF files and
 * guest memory are untrusted: they must not break a line-oriented output). Caller frees. */
char *qtc_sanitize(const char *s, size_t n);

/* Write to path through a temporary file in the same directory, renamed on success.
 * qtc_atomic_open returns the stream and fills tmp (the temporary name). */
FILE *qtc_atomic_open(const char *path, char *tmp, size_t tmplen, char *err, size_t errlen);
/* Close f; rename tmp to path if ok and no write error, else remove tmp. Returns 0 or -1 + err. */
int qtc_atomic_close(FILE *f, const char *tmp, const char *path, bool ok, char *err, size_t errlen);

/* Directory of the running qtrace executable (readlink /proc/self/exe), "" if unknown. */
const char *qtc_exe_dir(void);

/* Find an executable: a name containing '/' is taken as is; otherwise searched in PATH.
 * Returns a malloc'ed path or NULL. */
char *qtc_which(const char *name);

/* A kernel image's architecture: an ELF's machine, or a bzImage's (the x86 boot protocol; its
 * setup header's xloadflags XLF_KERNEL_64 tell x86_64 from i386); NULL if unknown. */
const struct qt_arch_desc *qtc_kernel_arch(const char *path);

/* Parse numbers, strictly (the whole string, no sign for unsigned). Return false if bad. */
bool qtc_parse_u64(const char *s, int base, uint64_t *out);

#endif
