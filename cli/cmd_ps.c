/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qtrace ps: the guest's process tree from a finished trace (the ps and ps-json formats). */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "launch.h"
#include "reader.h"
#include "rr.h"
#include "trace_opts.h"
#include "util.h"
#include "writer.h"

#define DEFAULT_TRACE QTC_DEFAULT_OUTDIR "/trace.qtr"

static const struct qtc_opt ps_opts[] = {
    { "json", 0, NULL, QTC_FLAG, NULL, "one JSON object instead of the text table (the ps-json format).", NULL },
    { "output", 'o', NULL, QTC_PATH, "FILE",
      "write to FILE (through a temporary file, renamed when complete) instead of standard output.", NULL },
};

static const struct qtc_opt_table ps_table = { "Options", ps_opts, sizeof(ps_opts) / sizeof(ps_opts[0]) };

void qtc_help_ps(FILE *f)
{
    fputs("Usage: qtrace ps [--json] [-o FILE] [TRACE]\n\n", f);
    qtc_print_wrapped(f,
                      "Show the processes a trace saw, as a tree like ps -ef --forest: pid, parent pid, uid, start "
                      "and end (seconds since the trace began), exit status as the shell's $? shows it (or the "
                      "signal that killed it), the guest instructions each process ran, and its argv. TRACE is a "
                      "trace file or the directory qtrace system, replay or run wrote (default " DEFAULT_TRACE "). "
                      "System-mode traces have the kernel's fork, exec and exit records; record with --processes "
                      "for instruction counts and uid changes. User-mode traces give threads, and with --syscalls "
                      "forks, execs and exit codes. Lines starting with # say what the trace could not tell.",
                      0, 0, 100);
    fputc('\n', f);
    qtc_print_table(f, &ps_table);
    fputs("\nExit status:\n"
          "  0 on success, 2 if the trace cannot be read or the output cannot be written.\n"
          "\nExamples:\n"
          "  qtrace system --kernel bzImage --initrd initrd.gz --processes -o out && qtrace ps out\n"
          "  qtrace replay rec --processes -o out && qtrace ps --json out | jq '.processes[] | {pid, argv}'\n", f);
}

/* TRACE as given: a trace file, or a directory holding trace.qtr. Caller frees. */
static char *trace_path(const char *arg, char *err, size_t errlen)
{
    struct stat st;
    if (stat(arg, &st) < 0 || !S_ISDIR(st.st_mode))
        return qtc_xstrdup(arg);
    char *p = qtc_rec_path(arg, "trace.qtr");
    if (access(p, F_OK) == 0)
        return p;
    free(p);
    char *m = qtc_rec_path(arg, QTC_REC_MANIFEST);
    bool rec = access(m, F_OK) == 0;
    free(m);
    if (rec)
        snprintf(err, errlen, "%s is a recording, not a trace: replay it with --processes first (qtrace replay %s "
                 "--processes -o DIR), then qtrace ps DIR", arg, arg);
    else
        snprintf(err, errlen, "%s is a directory without trace.qtr: give a trace file or the -o directory of "
                 "qtrace system, replay or run", arg);
    return NULL;
}

int qtc_cmd_ps(int argc, char **argv)
{
    struct qtc_args a;
    char err[1024] = "";
    if (qtc_parse_args("ps", &ps_table, 1, argc, argv, false, &a, err, sizeof(err)) < 0) {
        qtc_error("%s", err);
        return QTC_EXIT_ERROR;
    }
    int rc = QTC_EXIT_ERROR;
    char *path = NULL;
    if (a.help) {
        qtc_help_ps(stdout);
        rc = 0;
        goto out;
    }
    if (a.nrest > 1) {
        qtc_error("ps: one trace at a time (got '%s' and '%s')", a.rest[0], a.rest[1]);
        goto out;
    }
    path = trace_path(a.nrest ? a.rest[0] : DEFAULT_TRACE, err, sizeof(err));
    if (!path) {
        qtc_error("%s", err);
        goto out;
    }
    struct qtr r;
    if (qtr_open(&r, path, err, sizeof(err)) < 0) {
        if (!a.nrest)
            qtc_error("%s (give the trace: qtrace ps TRACE)", err);
        else
            qtc_error("%s", err);
        goto out;
    }
    for (size_t i = 0; i < r.nnotes; i++)
        qtc_warn("%s", r.notes[i]);
    const struct qtc_writer *w = qtc_args_has(&a, "json") ? &qtc_writer_ps_json : &qtc_writer_ps;
    const char *outp = qtc_args_get(&a, "output");
    int wr = outp ? qtc_write_trace_file(&r, w, outp, err, sizeof(err)) : qtc_write_trace(&r, w, stdout, err, sizeof(err));
    if (wr < 0)
        qtc_error("%s", err);
    else
        rc = 0;
    qtr_close(&r);
out:
    free(path);
    qtc_args_free(&a);
    return rc;
}
