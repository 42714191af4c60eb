/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "cli.h"
#include "argtype.h"
#include "trace_opts.h"
#include "util.h"

static int cmd_help(int argc, char **argv);
static void help_help(FILE *f);

/* ---- the commands: one row each ------------------------------------------------------------- */
static const struct qtc_cmd cmds[] = {
    { "run", "trace a program under QEMU user-mode emulation (qemu-x86_64, qemu-aarch64)", qtc_cmd_run, qtc_help_run },
    { "system", "boot a kernel and initrd under qemu-system-x86_64 and trace a program inside", qtc_cmd_system,
      qtc_help_system },
    { "dump", "convert a recorded trace (.qtr) to text, Perfetto JSON or folded stacks", qtc_cmd_dump, qtc_help_dump },
    { "kernel-info", "show what qtrace learns from a kernel image: symbols, BTF, structure offsets", cmd_kernel_info,
      qtc_help_kernel_info },
    { "compat", "run a QEMU-TRACER configs.txt unchanged: boot the guest, write its log and stack files", qtc_cmd_compat,
      qtc_help_compat },
    { "record", "boot a guest under QEMU's record/replay: a recording to analyse later, many times", qtc_cmd_record,
      qtc_help_record },
    { "replay", "replay a recording with any trace options of qtrace system", qtc_cmd_replay, qtc_help_replay },
    { "debug", "replay a recording under gdb, with reverse execution", qtc_cmd_debug, qtc_help_debug },
    { "info", "what a recording holds: guest, length in instructions, size, QEMU version", qtc_cmd_info,
      qtc_help_info },
    { "ps", "the guest's process tree of a trace: pid, parent, uid, argv, start, end, exit, instructions", qtc_cmd_ps,
      qtc_help_ps },
    { "help", "show the help of a command", cmd_help, help_help },
};
#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

const struct qtc_cmd *qtc_find_cmd(const char *name)
{
    for (size_t i = 0; i < NCMDS; i++)
        if (strcmp(cmds[i].name, name) == 0)
            return &cmds[i];
    return NULL;
}

/* "run, system, dump, kernel-info, help" */
static const char *cmd_names(void)
{
    static char buf[256];
    if (!buf[0]) {
        size_t used = 0;
        for (size_t i = 0; i < NCMDS && used < sizeof(buf); i++)
            used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s", i ? ", " : "", cmds[i].name);
    }
    return buf;
}

static void main_help(FILE *f)
{
    fputs("Usage: qtrace COMMAND [OPTIONS] [ARGS...]\n"
          "       qtrace --help | --version\n\n", f);
    qtc_print_wrapped(f,
                      "qtrace records the function calls of a program running under QEMU (a TCG plugin): entries and "
                      "exits with their arguments, return values and durations in guest instructions, and the "
                      "program's system calls. It traces a user-mode program (qtrace run) or a program inside a "
                      "booted Linux guest (qtrace system), then writes the trace as text (like uftrace replay), "
                      "Chrome/Perfetto JSON and folded stacks for flame graphs.",
                      0, 0, 100);
    int width = 0;
    for (size_t i = 0; i < NCMDS; i++)
        if ((int)strlen(cmds[i].name) > width)
            width = (int)strlen(cmds[i].name);
    fputs("\nCommands:\n", f);
    for (size_t i = 0; i < NCMDS; i++)
        fprintf(f, "  %-*s  %s\n", width, cmds[i].name, cmds[i].summary);
    fputs("\nOptions:\n"
          "  -h, --help     show this help\n"
          "  -V, --version  print the version of qtrace\n"
          "\nExamples:\n"
          "  qtrace run -- ./prog arg1 arg2\n"
          "      trace every function of ./prog; the trace is written to qtrace-out/\n"
          "  qtrace run -P 'fact*' -A 'fact@arg1/i32' -R 'fact@retval/i32' -- ./fact 5\n"
          "      trace the functions matching fact*, with the first argument and the return value of fact\n"
          "  qtrace run --syscalls -P malloc -P free -- /bin/ls\n"
          "      system calls and two libc functions of a stripped program\n"
          "  qtrace system --kernel bzImage --initrd initrd.gz -p guest/prog -F main --timeout 60\n"
          "      boot a guest and trace main() of the program /init runs in it\n"
          "  qtrace dump -f json -o trace.json qtrace-out/trace.qtr\n"
          "      convert a trace again, to a file for ui.perfetto.dev\n"
          "\nRun 'qtrace help COMMAND' for the options of a command.\n"
          "Documentation: docs/cli.md and docs/trace-format.md.\n", f);
}

static void help_help(FILE *f)
{
    fprintf(f, "Usage: qtrace help [COMMAND]\n\n"
            "Show the help of COMMAND (%s), or the list of commands.\n"
            "'qtrace COMMAND --help' does the same.\n", cmd_names());
}

static int cmd_help(int argc, char **argv)
{
    if (argc < 2) {
        main_help(stdout);
        return 0;
    }
    if (argc > 2) {
        qtc_error("help: one command at a time (try 'qtrace help %s')", argv[1]);
        return QTC_EXIT_ERROR;
    }
    const struct qtc_cmd *c = qtc_find_cmd(argv[1]);
    if (!c) {
        qtc_error("help: unknown command '%s' (commands: %s)", argv[1], cmd_names());
        return QTC_EXIT_ERROR;
    }
    c->help(stdout);
    return 0;
}

/* ---- shared help sections --------------------------------------------------------------------- */

void qtc_help_argtypes(FILE *f)
{
    const struct qt_argtype *t;
    fputs("\nArgument types (-A PATTERN@argN/TYPE, -R PATTERN@retval/TYPE):\n", f);
    for (size_t i = 0; (t = qt_argtype_at(i)) != NULL; i++)
        fprintf(f, "  %-4s %s\n", t->name, t->help);
}

void qtc_help_env(FILE *f, bool system)
{
    fputs("\nEnvironment:\n", f);
    if (system)
        fputs("  QTRACE_QEMU_SYSTEM  QEMU to run when --qemu is not given (default: qemu-system-x86_64 in PATH)\n", f);
    else
        fputs("  QTRACE_QEMU_USER    QEMU to run when --qemu is not given (default: qemu-ARCH from .cache/bin\n"
              "                      next to the build directory, else from PATH; ARCH from the program's ELF)\n", f);
    fputs("  QTRACE_PLUGIN       the plugin (default: libqtrace.so next to the qtrace executable)\n", f);
}

/* ---- main ------------------------------------------------------------------------------------ */

int qtc_main(int argc, char **argv)
{
    if (argc < 2) {
        qtc_error("no command given (commands: %s; try 'qtrace --help')", cmd_names());
        return QTC_EXIT_ERROR;
    }
    const char *a = argv[1];
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
        main_help(stdout);
        return 0;
    }
    if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
        printf("qtrace %s\n", QTRACE_VERSION);
        return 0;
    }
    if (a[0] == '-') {
        qtc_error("unknown option '%s' (options come after the command: qtrace COMMAND [OPTIONS]; try 'qtrace --help')",
                  a);
        return QTC_EXIT_ERROR;
    }
    const struct qtc_cmd *c = qtc_find_cmd(a);
    if (!c) {
        qtc_error("unknown command '%s' (commands: %s; try 'qtrace --help')", a, cmd_names());
        return QTC_EXIT_ERROR;
    }
    int rc = c->main(argc - 1, argv + 1);
    if (fflush(stdout) != 0 && rc == 0) {
        qtc_error("writing to standard output: %s", strerror(errno));
        rc = QTC_EXIT_ERROR;
    }
    return rc;
}
