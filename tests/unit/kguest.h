/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The guest kernels that scripts/build-guest.sh and tests/compat/build-guest32.sh leave in the
 * cache, for the unit tests that read a real kernel. */
#ifndef QTRACE_KGUEST_H
#define QTRACE_KGUEST_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "kimage.h"
#include "tap.h"

/* $QTRACE_CACHE/dir/vmlinuz (.cache/dir/vmlinuz when QTRACE_CACHE is unset) into path; true if
 * it can be read, else false and a skipped test saying how to get it. */
static inline bool guest_kernel(char *path, size_t len, const char *dir, const char *how)
{
    const char *cache = getenv("QTRACE_CACHE");
    snprintf(path, len, "%s/%s/vmlinuz", cache && *cache ? cache : ".cache", dir);
    if (access(path, R_OK) == 0)
        return true;
    ok(1, "# SKIP %s not found (%s)", path, how);
    return false;
}

/* Load the kernel at path into k, a test named name; false, with the loader's message, if it
 * does not load. */
static inline bool guest_kernel_load(struct qt_kimage *k, const char *path, const char *name)
{
    char msg[1024];
    if (!ok(qt_kimage_load(k, path, msg, sizeof(msg)) == 0, "%s", name)) {
        printf("#   %s\n", msg);
        return false;
    }
    return true;
}

#endif
