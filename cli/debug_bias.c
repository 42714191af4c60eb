/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "debug_bias.h"

#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "format.h"
#include "launch.h"
#include "reader.h"
#include "rr.h"
#include "util.h"

bool qtc_debug_needs_bias(const char *prog, bool guest_image)
{
    int fd = open(prog, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return guest_image && prog[0] == '/'; /* read from the guest's image by the replay */
    Elf64_Ehdr eh;
    bool pie = read(fd, &eh, sizeof(eh)) == (ssize_t)sizeof(eh) && memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0 &&
               eh.e_type == ET_DYN;
    close(fd);
    return pie;
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* Is module path m (as the replay named it: PROG, or its copy under the replay's sysroot) PROG? */
static bool is_prog(const char *m, const char *prog)
{
    size_t lm = strlen(m), lp = strlen(prog);
    if (strcmp(m, prog) == 0 || (lm > lp && prog[0] == '/' && strcmp(m + lm - lp, prog) == 0))
        return true;
    return strcmp(base_name(m), base_name(prog)) == 0;
}

int qtc_debug_bias_in_trace(const struct qtr *r, const char *prog, uint64_t *bias, char **host)
{
    for (size_t i = 0; i < r->nmaps; i++) {
        if (!(r->maps[i].flags & QT_SYM_KERNEL) && is_prog(r->maps[i].name, prog)) {
            *bias = r->maps[i].addr;
            *host = qtc_xstrdup(r->maps[i].name);
            return 0;
        }
    }
    return -1;
}

/* The first error qtrace wrote in log, without its prefix ("" if none). */
static void first_error(const char *log, char *why, size_t len)
{
    static const char prefix[] = "qtrace: error: ";
    why[0] = 0;
    FILE *f = fopen(log, "r");
    char line[512];
    while (f && !why[0] && fgets(line, sizeof(line), f)) {
        if (strncmp(line, prefix, sizeof(prefix) - 1) == 0) {
            line[strcspn(line, "\n")] = 0;
            snprintf(why, len, "%s", line + sizeof(prefix) - 1);
        }
    }
    if (f)
        fclose(f);
}

int qtc_debug_learn_bias(const char *recdir, const char *prog, const char *func, const char *qemu,
                         const char *workdir, uint64_t *bias, char **host, char *err, size_t errlen)
{
    char self[4096];
    snprintf(self, sizeof(self), "%s/qtrace", qtc_exe_dir());
    char *out = qtc_rec_path(workdir, "bias"), *log = qtc_rec_path(workdir, "bias.log");
    char *qtr = qtc_rec_path(out, "trace.qtr");
    const char *argv[16];
    int n = 0;
    argv[n++] = self;
    argv[n++] = "replay";
    argv[n++] = recdir;
    argv[n++] = "-p";
    argv[n++] = prog;
    argv[n++] = "-P";
    argv[n++] = func;
    argv[n++] = "--format";
    argv[n++] = "linkmap";
    argv[n++] = "-o";
    argv[n++] = out;
    if (qemu) {
        argv[n++] = "--qemu";
        argv[n++] = qemu;
    }
    argv[n] = NULL;
    int rc = -1;
    pid_t pid = qtc_spawn_logged((char *const *)argv, log, NULL, false);
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        char why[512];
        first_error(log, why, sizeof(why));
        snprintf(err, errlen, "the replay that finds where %s is loaded failed%s%s (its messages: %s)", prog,
                 why[0] ? ": " : "", why, log);
        goto out;
    }
    struct qtr r;
    if (qtr_open(&r, qtr, err, errlen) < 0)
        goto out;
    rc = qtc_debug_bias_in_trace(&r, prog, bias, host);
    qtr_close(&r);
    if (rc < 0)
        snprintf(err, errlen, "%s never ran in %s: no process of the recording mapped it (the replay's messages: %s)",
                 prog, recdir, log);
out:
    free(out);
    free(log);
    free(qtr);
    return rc;
}
