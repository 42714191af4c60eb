/* SPDX-License-Identifier: GPL-2.0-or-later */
/* --legacy-plugin and --legacy-log (run, system, compat): seed 001's plugins through
 * libqtrace-legacy.so, loaded next to qtrace's own plugin. docs/legacy-api.md. */
#ifndef QTRACE_CLI_LEGACY_H
#define QTRACE_CLI_LEGACY_H

#include <stddef.h>

#include "trace_opts.h"

/* The option rows, for the command tables. */
#define QTC_LEGACY_OPTS                                                                                        \
    { "legacy-plugin", 0, NULL, QTC_STR, "LIB.so[,args=STR]",                                                  \
      "also run LIB.so, a plugin written for the ISP RAS fork's API (plugin_*, qemulib_*), with its "          \
      "plugin_init(STR); repeatable (called newest first, as the fork did). See docs/legacy-api.md.", NULL }, \
    { "legacy-log", 0, NULL, QTC_PATH, "FILE",                                                                 \
      "where the --legacy-plugins' qemulib_log writes (the fork's -D FILE). Default: standard error.", NULL }

/* The -plugin value for libqtrace-legacy.so from a's --legacy-plugin/--legacy-log (*out NULL when
 * none is given). Each LIB.so must exist. 0, or -1 with a message in err. */
int qtc_legacy_arg(const struct qtc_args *a, char **out, char *err, size_t errlen);

#endif
