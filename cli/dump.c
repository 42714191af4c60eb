/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qtrace dump: convert a recorded trace to one output format. */
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
          "  qtrace dump -f folded qtrace-out/trace.qtr | flamegraph.pl > flame.svg\n", f);
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
