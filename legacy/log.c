/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qemulib_log's file: log=FILE (truncated, as QEMU's -D), else standard error (line-buffered,
 * as the fork's without -D). A file is buffered in 64 KiB blocks and flushed at every system
 * call in user mode (so a forked child never inherits unwritten lines) and at exit (after which
 * every line is flushed as written).
 */
#include <errno.h>
#include <string.h>

#include "legacy.h"

int lg_log_open(const char *path)
{
    if (!path) {
        lg.log = stderr;
        setvbuf(stderr, NULL, _IOLBF, BUFSIZ);
        return 0;
    }
    lg.log = fopen(path, "w");
    if (!lg.log) {
        fprintf(stderr, LG_PREFIX "log=%s: %s (give a writable file name)\n", path, strerror(errno));
        lg.log = stderr;
        return -1;
    }
    setvbuf(lg.log, NULL, _IOFBF, 1 << 16);
    return 0;
}

void lg_log_flush(void)
{
    if (lg.log)
        fflush(lg.log);
}
