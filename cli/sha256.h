/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SHA-256 (FIPS 180-4) of the files a recording depends on, and the same in a background thread,
 * so that record hashes its copies and the disk image while QEMU records.
 */
#ifndef QTRACE_CLI_SHA256_H
#define QTRACE_CLI_SHA256_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

/* SHA-256 of a file as 64 hex digits. 0, or -1 with err. */
int qtc_sha256_file(const char *path, char hex[65], char *err, size_t errlen);

#define QTC_SHA256_BG_MAX 4

/* Files hashed one after the other in a thread of their own. */
struct qtc_sha256_bg {
    int n;                                  /* files */
    const char *path[QTC_SHA256_BG_MAX];    /* each file, not owned; unchanged until joined */
    char *hex[QTC_SHA256_BG_MAX];           /* where each hash goes (65 bytes each), not owned */
    int rc;                                 /* after the join: 0, or -1 with err */
    char err[1024];
    pthread_t thread;
    bool started;
};

/* Add a file; hex receives its hash at the join. */
void qtc_sha256_bg_add(struct qtc_sha256_bg *bg, const char *path, char *hex);
/* Start the thread (it blocks every signal: they stay the caller's). 0, or -1 with err, and then
 * the caller hashes in its own thread at the join. */
int qtc_sha256_bg_start(struct qtc_sha256_bg *bg);
/* Wait for the hashes (or compute them now, if the thread did not start). 0, or -1 with bg->err. */
int qtc_sha256_bg_join(struct qtc_sha256_bg *bg);

#endif
