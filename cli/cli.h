/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The qtrace command line: sub-commands, one table (cli.c). */
#ifndef QTRACE_CLI_CLI_H
#define QTRACE_CLI_CLI_H

#include <stdbool.h>
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

/* Shared help sections. */
void qtc_help_argtypes(FILE *f);
void qtc_help_env(FILE *f, bool system);

#endif
