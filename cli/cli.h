/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The qtrace command line: sub-commands, one table (cli.c). */
#ifndef QTRACE_CLI_CLI_H
#define QTRACE_CLI_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct qtc_cmd {
    const char *name;
    const char *summary;                    /* one line for `qtrace --help` */
    int (*main)(int argc, char **argv);     /* argv[0] is the command name; returns the exit status */
    void (*help)(FILE *f);                  /* full help: usage, options, examples */
};

/* The whole program: qtrace [--help|--version] COMMAND [ARGS...]. Returns the exit status. */
int qtc_main(int argc, char **argv);
const struct qtc_cmd *qtc_find_cmd(const char *name);

int qtc_cmd_run(int argc, char **argv);
int qtc_cmd_system(int argc, char **argv);
int qtc_cmd_dump(int argc, char **argv);
void qtc_help_run(FILE *f);
void qtc_help_system(FILE *f);
void qtc_help_dump(FILE *f);
int cmd_kernel_info(int argc, char **argv);
void qtc_help_kernel_info(FILE *f);
int qtc_cmd_compat(int argc, char **argv);
void qtc_help_compat(FILE *f);
int qtc_cmd_record(int argc, char **argv);
void qtc_help_record(FILE *f);
int qtc_cmd_replay(int argc, char **argv);
void qtc_help_replay(FILE *f);
int qtc_cmd_info(int argc, char **argv);
void qtc_help_info(FILE *f);
int qtc_cmd_debug(int argc, char **argv);
void qtc_help_debug(FILE *f);
int qtc_cmd_ps(int argc, char **argv);
void qtc_help_ps(FILE *f);

/* qtrace compat (cmd_compat.c): what the log and stack writers (w_compat.c, formats
 * compat-log and compat-stack) know of the configs.txt a trace was recorded with. Without it
 * (qtrace dump -f compat-stack) every call is written as a listed function's, without stacks. */
struct qtc_compat_out {
    const char *config;             /* configs.txt as given, for the header */
    const char *program;            /* its line 1 */
    const char *mode;               /* its trace_type */
    bool spec;                      /* spec_func_with_param: call/ret lines for the listed functions */
    bool funcstack;                 /* a stack line per call of interest */
    const char *const *listed;      /* names of the listed functions, NULL-terminated */
    uint64_t linkmap;               /* its linkmap: address; non-zero: the stack file lists the modules */
};
/* Set (NULL: clear) what the next compat-log/compat-stack outputs are told; not copied. */
void qtc_compat_set_output(const struct qtc_compat_out *o);

/* Shared help sections. */
void qtc_help_argtypes(FILE *f);
void qtc_help_env(FILE *f, bool system);

#endif
