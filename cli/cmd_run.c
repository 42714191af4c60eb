/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qtrace run: a program under QEMU user-mode emulation. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "launch.h"
#include "util.h"

static const struct qtc_opt run_opts[] = {
    { "output", 'o', NULL, QTC_PATH, "DIR",
      "directory for the trace (trace.qtr), its conversions (trace.txt, trace.json, ...) and the plugin "
      "options (qtrace.conf); created if needed. Default: qtrace-out.", NULL },
    { "qemu", 0, NULL, QTC_PATH, "PATH",
      "the QEMU user-mode emulator to run (built with plugin support). Default: $QTRACE_QEMU_USER, else "
      "qemu-ARCH (ARCH from PROGRAM's ELF header) from .cache/bin next to the build directory, else from PATH.",
      NULL },
    { "timeout", 0, NULL, QTC_SECONDS, "SEC",
      "stop QEMU (SIGTERM to its process group, SIGKILL 10 s later) if it still runs after SEC seconds; the "
      "trace recorded so far is kept and converted; qtrace then exits with status 124.", NULL },
    { "quiet", 'q', NULL, QTC_FLAG, NULL, "do not print the summary line at the end.", NULL },
};

const struct qtc_opt_table *qtc_run_tables(void)
{
    static struct qtc_opt_table t[2];
    t[0] = (struct qtc_opt_table){ "Options", run_opts, sizeof(run_opts) / sizeof(run_opts[0]) };
    t[1] = (struct qtc_opt_table){ "Trace options", qtc_trace_opts, qtc_ntrace_opts };
    return t;
}

int qtc_run_parse(int argc, char **argv, struct qtc_cfg *cfg, char *err, size_t errlen)
{
    memset(cfg, 0, sizeof(*cfg));
    if (qtc_parse_args("run", qtc_run_tables(), 2, argc, argv, true, &cfg->args, err, errlen) < 0)
        return -1;
    if (cfg->args.help)
        return 0;
    if (qtc_cfg_common(cfg, err, errlen) < 0 || qtc_check_user_opts(&cfg->args, err, errlen) < 0)
        goto fail;
    cfg->operands = cfg->args.rest;
    cfg->noperands = cfg->args.nrest;
    if (cfg->noperands < 1 || !cfg->operands[0][0]) {
        snprintf(err, errlen, "run: no program given (usage: qtrace run [OPTIONS] [--] PROGRAM [ARGS...])");
        goto fail;
    }
    return 0;
fail:
    qtc_cfg_free(cfg);
    return -1;
}

void qtc_help_run(FILE *f)
{
    fputs("Usage: qtrace run [OPTIONS] [--] PROGRAM [ARGS...]\n\n", f);
    qtc_print_wrapped(f,
                      "Run PROGRAM with ARGS under QEMU user-mode emulation with the qtrace plugin, and record its "
                      "function calls. Options end at PROGRAM: what follows it is PROGRAM's. PROGRAM's standard "
                      "input, output and error are passed through, and qtrace exits with its exit status.\n\n"
                      "When it ends, the trace DIR/trace.qtr is converted into the formats of --format "
                      "(DIR/trace.txt, DIR/trace.json, ...) and a summary line is printed on standard error:",
                      0, 0, 100);
    fputs("\n  qtrace: 1234 events, 12 functions, 1 thread, 0 lost -> qtrace-out/trace.txt qtrace-out/trace.json\n\n",
          f);
    qtc_print_wrapped(f,
                      "Before QEMU starts, qtrace checks that PROGRAM is an ELF executable with function symbols "
                      "(or that something else can be traced: library functions, --syscalls), that every spec "
                      "parses, and that QEMU and the plugin are there.",
                      0, 0, 100);
    fputc('\n', f);
    const struct qtc_opt_table *t = qtc_run_tables();
    qtc_print_table(f, &t[0]);
    fputc('\n', f);
    qtc_print_table(f, &t[1]);
    qtc_help_argtypes(f);
    qtc_help_env(f, false);
    fputs("\nFiles:\n"
          "  DIR/trace.qtr       the binary trace (convert it again with qtrace dump)\n"
          "  DIR/trace.txt       text, like uftrace replay (--format text)\n"
          "  DIR/trace.json      Chrome trace-event JSON for ui.perfetto.dev (--format json)\n"
          "  DIR/trace.folded    folded stacks for flamegraph.pl and speedscope (--format folded)\n"
          "  DIR/uftrace.data/   uftrace's own format: uftrace replay -d DIR/uftrace.data (--format uftrace)\n"
          "  DIR/qtrace.conf     the plugin options qtrace wrote, one key=value per line\n"
          "\nExit status:\n"
          "  PROGRAM's exit status; 128+N if PROGRAM was killed by signal N; 124 if --timeout stopped it;\n"
          "  2 if qtrace could not start it (bad option, missing file, no plugin) or convert the trace;\n"
          "  3 if the trace's disk filled up (recording stopped, the trace kept is readable, not converted).\n"
          "\nExamples:\n"
          "  qtrace run -- ./prog arg1\n"
          "      every function of ./prog, written to qtrace-out/trace.txt and qtrace-out/trace.json\n"
          "  qtrace run -P 'fact*' -A 'fact@arg1/i32' -R 'fact@retval/i32' -- ./fact 5\n"
          "      only fact* functions, with fact's argument and return value\n"
          "  qtrace run -A 'greet@arg1/s' -R greet -N 'printf*' -D 3 -o out -- ./hello world\n"
          "  qtrace run -F main -N 'printf*' -D 3 -- ./hello world      (main's calls, 3 deep)\n"
          "      a string argument, a return value, nothing deeper than 3 calls, into out/\n"
          "  qtrace run --syscalls -P malloc -P free --format text,folded -- /bin/ls /\n"
          "      system calls and two libc functions of a stripped program, text and flame graph input\n"
          "  qtrace run --timeout 10 --plugin-opt execlog=on -- ./prog\n"
          "      a plugin option qtrace has no flag for; stop after 10 seconds\n", f);
}

int qtc_cmd_run(int argc, char **argv)
{
    return qtc_launch_cmd(argc, argv, qtc_run_parse, qtc_help_run, NULL);
}
