/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Command-line options as tables. Every option is one row: long name, short letter, the
 * plugin key it sets (common/options.h; written to qtrace.conf), the kind of value (checked
 * before QEMU starts), a metavar and the help text. The trace options shared by `run` and
 * `system` are in trace_opts.c; commands add their own tables. One parser (getopt_long
 * underneath) and one help printer serve them all.
 */
#ifndef QTRACE_CLI_TRACE_OPTS_H
#define QTRACE_CLI_TRACE_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum qtc_kind {
    QTC_FLAG,       /* no value; the plugin key gets flag_value */
    QTC_STR,        /* any text (one line) */
    QTC_PATH,       /* a file name (one line) */
    QTC_UINT,       /* decimal integer >= 0 */
    QTC_COUNT,      /* decimal integer >= 1 */
    QTC_SIZE_MB,    /* memory size: 512, 512M, 2G -> megabytes */
    QTC_SECONDS,    /* positive number of seconds, may have decimals: 30, 0.5 */
    QTC_HEX,        /* address: 401000 or 0x401000 */
    QTC_ARGSPEC,    /* -A spec: PATTERN@argN[/TYPE],... (qt_argspec_parse) */
    QTC_RETSPEC,    /* -R spec: PATTERN[@retval[/TYPE]] (NAME alone = NAME@retval) */
    QTC_KV,         /* KEY=VALUE, passed to the plugin as is */
    QTC_FORMATS,    /* output formats: text,json,folded */
    QTC_OPTWORD,    /* an optional value, the word metavar names (--vmmap, --vmmap=pages); without it the
                     * plugin key gets flag_value */
};

struct qtc_opt {
    const char *name;       /* long option, without "--" */
    int shortopt;           /* short letter, 0 if none */
    const char *key;        /* plugin key (qtrace.conf) or NULL when qtrace itself uses it */
    enum qtc_kind kind;
    const char *metavar;    /* shown in --help: GLOB, SPEC, N */
    const char *help;       /* wrapped by the help printer; "\n" starts a new paragraph */
    const char *flag_value; /* QTC_FLAG with a key: the value written (on, off) */
};

/* The trace options of `run` and `system`; add a row to add an option. */
extern const struct qtc_opt qtc_trace_opts[];
extern const size_t qtc_ntrace_opts;

struct qtc_opt_table {
    const char *title;      /* "Options", "Trace options" */
    const struct qtc_opt *rows;
    size_t n;
};

struct qtc_val {
    const struct qtc_opt *opt;
    char *value;            /* normalised: 0x-prefixed hex, NAME@retval, megabytes...; NULL for flags */
};

struct qtc_args {
    struct qtc_val *v;      /* in command-line order */
    size_t n;
    char **rest;            /* operands (not copied: point into argv) */
    int nrest;
    bool dashdash;          /* operands came after "--" */
    bool help;              /* -h/--help was given */
};

/* Parse argv[1..argc) of command cmd ("run") against the tables. stop_at_operand: options
 * end at the first operand (qtrace run ... PROGRAM -x: -x is the program's). Returns 0, or -1
 * with a message (no "qtrace: error:" prefix) in err. -h/--help is always accepted. */
int qtc_parse_args(const char *cmd, const struct qtc_opt_table *tables, size_t ntables, int argc, char **argv,
                   bool stop_at_operand, struct qtc_args *out, char *err, size_t errlen);
void qtc_args_free(struct qtc_args *a);

/* The last value given for long option name, or NULL. */
const char *qtc_args_get(const struct qtc_args *a, const char *name);
/* Was the option given (any number of times)? */
bool qtc_args_has(const struct qtc_args *a, const char *name);
/* How many times the option was given. */
size_t qtc_args_count(const struct qtc_args *a, const char *name);

/* Write the plugin options of a (rows with a key, and --plugin-opt) as key=value lines. */
int qtc_args_write_conf(const struct qtc_args *a, FILE *f);

/* The plugin's rules on the options of a user-mode run (qt_opts_check), spelled as flags. */
int qtc_check_user_opts(const struct qtc_args *a, char *err, size_t errlen);
/* qtrace system: check what the plugin will need of the guest's kernel before QEMU starts, as
 * the plugin will: the option combinations (qt_opts_check), the image, its symbols and
 * structure layouts, the kernel functions the patterns select. 0, or -1 with a message in err
 * that says what to supply. The image is loaded unless outdir has the stamp of a successful
 * check of the same files and options (outdir/.kernel-checked, written on success). outdir
 * may be NULL. */
int qtc_check_kernel(const struct qtc_args *a, const char *kernel, const char *outdir, char *err, size_t errlen);
/* Add a trace option as if given on the command line (--NAME VALUE; name: its long name). */
void qtc_args_add(struct qtc_args *a, const char *name, const char *value);
/* Add a plugin option (KEY=VALUE, as --plugin-opt would) to the ones written to qtrace.conf. */
void qtc_args_add_kv(struct qtc_args *a, const char *kv);

/* Help: one table, wrapped at 100 columns. */
void qtc_print_table(FILE *f, const struct qtc_opt_table *t);
/* Wrap text (paragraphs separated by "\n") at width, every line indented by indent. */
void qtc_print_wrapped(FILE *f, const char *text, int indent, int first_col, int width);

#endif
