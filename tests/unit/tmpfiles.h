/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Temporary files for unit tests: one directory a test program, paths in it, whole files written
 * and read back. */
#ifndef QTRACE_TMPFILES_H
#define QTRACE_TMPFILES_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char tmpdir[256];

/* Make tmpdir, /tmp/qtrace-test-NAME.XXXXXX; 0, or -1 with a message. */
static inline int tmpdir_make(const char *name)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/qtrace-test-%s.XXXXXX", name);
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return -1;
    }
    return 0;
}

/* Remove tmpdir and all in it, unless QTRACE_TEST_KEEP is set. */
static inline void tmpdir_remove(void)
{
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
    if (getenv("QTRACE_TEST_KEEP"))
        printf("# kept in %s\n", tmpdir);
    else if (system(cmd) != 0)
        printf("# could not remove %s\n", tmpdir);
}

/* tmpdir/name, in one of four static buffers used in turn. */
static inline char *tpath(const char *name)
{
    static char p[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof(p[k]), "%s/%s", tmpdir, name);
    return p[k];
}

/* Write len bytes of data as path with permissions mode; the test program stops if it cannot. */
static inline void write_file(const char *path, const void *data, size_t len, int mode)
{
    FILE *f = fopen(path, "wb");
    if (!f || (len && fwrite(data, 1, len, f) != len)) {
        perror(path);
        exit(1);
    }
    fclose(f);
    chmod(path, (mode_t)mode);
}

/* The contents of path, NUL-terminated (*len, when len is not NULL: its size); NULL if it
 * cannot be read. */
static inline char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t n = 0, k;
    FILE *m = open_memstream(&buf, &n);
    char tmp[4096];
    while ((k = fread(tmp, 1, sizeof(tmp), f)) > 0)
        fwrite(tmp, 1, k, m);
    fclose(f);
    fclose(m);
    if (len)
        *len = n;
    return buf;
}

/* Run the python3 script (written into tmpdir) with args appended to its command line; returns
 * the first line it printed (a static buffer), its whole output shown as a diagnostic if it
 * failed. */
static inline const char *run_python(const char *script, const char *args)
{
    static char res[256];
    char *py = strdup(tpath("check.py")), *out = strdup(tpath("check.out"));
    write_file(py, script, strlen(script), 0644);
    char cmd[2048];
    snprintf(cmd, sizeof(cmd), "python3 %s %s > %s 2>&1", py, args, out);
    int rc = system(cmd);
    char *o = read_all(out, NULL);
    snprintf(res, sizeof(res), "%s", o ? o : "");
    if (rc != 0)
        printf("# python: %s", res);
    char *nl = strchr(res, '\n');
    if (nl)
        *nl = '\0';
    free(o);
    free(py);
    free(out);
    return res;
}

#endif
