/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qtrace dump: convert a recorded trace to one output format. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "launch.h"
#include "reader.h"
#include "files_view.h"
#include "trace_opts.h"
#include "util.h"
#include "vmmap.h"
#include "writer.h"

#define DEFAULT_TRACE QTC_DEFAULT_OUTDIR "/trace.qtr"

static const struct qtc_opt dump_opts[] = {
    { "files-written", 0, NULL, QTC_PATH, "DIR",
      "rebuild under DIR the files the trace's --files-written records describe, and list them in "
      "DIR/files-written.txt (see docs/views.md), instead of converting the trace.", NULL },
    { "format", 'f', NULL, QTC_STR, "FORMAT", "output format, one of the formats listed below. Default: text.",
      NULL },
    { "output", 'o', NULL, QTC_PATH, "FILE",
      "write to FILE (through a temporary file, renamed when complete) instead of standard output.", NULL },
    { "summary", 's', NULL, QTC_FLAG, NULL,
      "also print the summary line on standard error: events, functions, threads, lost events.", NULL },
    { "maps-at", 0, NULL, QTC_STR, "WHEN",
      "instead of a format: the memory map of each process (recorded with --vmmap) as it was at WHEN, in "
      "/proc/PID/maps's format after a '# pid N (comm)' line: WHEN is 'end' (each process's last map) or a time "
      "since the trace began (2.5, 2.5s, 2500ms, 2500000us, 2500000000ns: the JSON's ts is in us).", NULL },
    { "pid", 0, NULL, QTC_COUNT, "N", "with --maps-at: only process N (the guest's pid).", NULL },
};

static const struct qtc_opt_table dump_table = { "Options", dump_opts, sizeof(dump_opts) / sizeof(dump_opts[0]) };

void qtc_help_dump(FILE *f)
{
    fputs("Usage: qtrace dump [-f FORMAT] [-o FILE] [TRACE.qtr]\n\n", f);
    qtc_print_wrapped(f,
                      "Convert a trace recorded by qtrace run or qtrace system (DIR/trace.qtr) to one output format, "
                      "on standard output or into FILE. TRACE defaults to " DEFAULT_TRACE ". A trace cut short "
                      "(QEMU killed) is converted as far as it goes, with a warning; calls still open at its end "
                      "are shown as unfinished.",
                      0, 0, 100);
    fputc('\n', f);
    qtc_print_table(f, &dump_table);
    fputs("\nFormats:\n", f);
    qtc_writer_print_list(f, 2, false);
    fputs("\nExit status:\n"
          "  0 on success, 2 if the trace cannot be read or the output cannot be written.\n"
          "\nExamples:\n"
          "  qtrace dump qtrace-out/trace.qtr | less\n"
          "  qtrace dump -f json -o trace.json qtrace-out/trace.qtr     # then open it in ui.perfetto.dev\n"
          "  qtrace dump -f folded qtrace-out/trace.qtr | flamegraph.pl > flame.svg\n"
          "  qtrace dump --maps-at end --pid 84 qtrace-out/trace.qtr       # a process's last memory map\n", f);
}

/* --maps-at: the maps at a point, to standard output or path (through a temporary file). */
static int dump_maps(const struct qtr *r, const char *when, uint64_t at_ns, uint32_t pid, const char *path)
{
    char *tmp = NULL;
    FILE *f = stdout;
    if (path) {
        tmp = qtc_xmalloc(strlen(path) + 8);
        sprintf(tmp, "%s.part", path);
        if (!(f = fopen(tmp, "w"))) {
            qtc_error("cannot write %s: %s", tmp, strerror(errno));
            free(tmp);
            return QTC_EXIT_ERROR;
        }
    }
    long n = qtv_maps_at(r, at_ns, pid, f);
    int rc = QTC_EXIT_ERROR;
    if (n < 0 || (path && fclose(f) != 0))
        qtc_error("cannot write %s", path ? path : "standard output");
    else if (n == 0 && !r->st.has_vmmap)
        qtc_error("%s has no memory maps: record them with --vmmap (qtrace system or qtrace replay)", r->path);
    else if (n == 0)
        qtc_error("no memory map of %s%.0u at %s in %s (a process's first map is recorded at its first "
                  "mapping change or exec after the trace began)", pid ? "process " : "any process", pid, when,
                  r->path);
    else
        rc = 0;
    if (path && rc == 0 && rename(tmp, path) != 0) {
        qtc_error("cannot rename %s to %s: %s", tmp, path, strerror(errno));
        rc = QTC_EXIT_ERROR;
    }
    if (path && rc != 0)
        unlink(tmp);
    free(tmp);
    return rc;
}

int qtc_cmd_dump(int argc, char **argv)
{
    struct qtc_args a;
    char err[1024];
    if (qtc_parse_args("dump", &dump_table, 1, argc, argv, false, &a, err, sizeof(err)) < 0) {
        qtc_error("%s", err);
        return QTC_EXIT_ERROR;
    }
    int rc = QTC_EXIT_ERROR;
    if (a.help) {
        qtc_help_dump(stdout);
        rc = 0;
        goto out;
    }
    const char *when = qtc_args_get(&a, "maps-at");
    uint64_t at_ns = 0;
    if (when && !qtv_parse_when(when, &at_ns)) {
        qtc_error("--maps-at: expected 'end' or a time since the trace began (2.5, 2.5s, 2500ms, 2500000us, "
                  "2500000000ns), got '%.100s'", when);
        goto out;
    }
    if (qtc_args_has(&a, "pid") && !when) {
        qtc_error("--pid chooses the process whose map --maps-at prints: give --maps-at WHEN");
        goto out;
    }
    const char *fmt = qtc_args_get(&a, "format") ? qtc_args_get(&a, "format") : "text";
    const struct qtc_writer *w = qtc_writer_find(fmt);
    if (!w) {
        qtc_error("-f/--format: unknown format '%s' (known: %s)", fmt, qtc_writer_names());
        goto out;
    }
    if (a.nrest > 1) {
        qtc_error("dump: one trace at a time (got '%s' and '%s')", a.rest[0], a.rest[1]);
        goto out;
    }
    const char *path = a.nrest ? a.rest[0] : DEFAULT_TRACE;
    struct qtr r;
    if (qtr_open(&r, path, err, sizeof(err)) < 0) {
        if (!a.nrest)
            qtc_error("%s (give the trace to convert: qtrace dump TRACE.qtr)", err);
        else
            qtc_error("%s", err);
        goto out;
    }
    for (size_t i = 0; i < r.nnotes; i++)
        qtc_warn("%s", r.notes[i]);
    const char *fw = qtc_args_get(&a, "files-written");
    if (fw) {
        if (qtc_files_check_dir(fw, err, sizeof(err)) < 0)
            qtc_error("%s", err);
        else if (qtc_files_after_run(path, fw, false) == 0)
            rc = 0;
        qtr_close(&r);
        goto out;
    }
    const char *outp = qtc_args_get(&a, "output");
    if (when) {
        rc = dump_maps(&r, when, at_ns, qtc_args_get(&a, "pid") ? (uint32_t)atoi(qtc_args_get(&a, "pid")) : 0, outp);
        qtr_close(&r);
        goto out;
    }
    /* progress only where it cannot mix with the output itself */
    qtc_writer_progress = isatty(STDERR_FILENO) && (outp || !isatty(STDOUT_FILENO));
    int wr = outp ? qtc_write_trace_file(&r, w, outp, err, sizeof(err)) : qtc_write_trace(&r, w, stdout, err, sizeof(err));
    if (wr < 0) {
        qtc_error("%s", err);
    } else {
        rc = 0;
        if (qtc_args_has(&a, "summary"))
            qtc_print_summary(&r, outp ? outp : "standard output");
    }
    qtr_close(&r);
out:
    qtc_args_free(&a);
    return rc;
}
