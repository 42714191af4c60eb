/* SPDX-License-Identifier: GPL-2.0-or-later */
/* --legacy-plugin LIB.so[,args=STR] and --legacy-log FILE become one -plugin option:
 * libqtrace-legacy.so,plugin=/abs/LIB.so,args=STR,...,log=FILE (commas doubled for QEMU). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "legacy.h"
#include "sb.h"
#include "util.h"

static void put_commas(struct qt_sb *sb, const char *s)
{
    for (; *s; s++) {
        qt_sb_putc(sb, *s);
        if (*s == ',')
            qt_sb_putc(sb, ',');
    }
}

static char *find_adapter(char *err, size_t errlen)
{
    const char *env = getenv("QTRACE_LEGACY_PLUGIN");
    char path[PATH_MAX];
    if (env && *env)
        snprintf(path, sizeof(path), "%s", env);
    else
        snprintf(path, sizeof(path), "%s/libqtrace-legacy.so", *qtc_exe_dir() ? qtc_exe_dir() : ".");
    if (access(path, R_OK) == 0)
        return qtc_xstrdup(path);
    snprintf(err, errlen, "--legacy-plugin: %s: %s (run make, or set QTRACE_LEGACY_PLUGIN to libqtrace-legacy.so)",
             path, strerror(errno));
    return NULL;
}

int qtc_legacy_arg(const struct qtc_args *a, char **out, char *err, size_t errlen)
{
    *out = NULL;
    if (!qtc_args_has(a, "legacy-plugin")) {
        if (qtc_args_has(a, "legacy-log")) {
            snprintf(err, errlen, "--legacy-log needs --legacy-plugin LIB.so: the plugin whose log it is");
            return -1;
        }
        return 0;
    }
    char *adapter = find_adapter(err, errlen);
    if (!adapter)
        return -1;
    struct qt_sb sb;
    qt_sb_init(&sb);
    put_commas(&sb, adapter);
    free(adapter);
    for (size_t i = 0; i < a->n; i++) {
        if (strcmp(a->v[i].opt->name, "legacy-plugin") != 0)
            continue;
        const char *v = a->v[i].value;
        const char *comma = strstr(v, ",args=");
        char *lib = comma ? strndup(v, (size_t)(comma - v)) : qtc_xstrdup(v);
        char real[PATH_MAX];
        if (!lib || !*lib || !realpath(lib, real) || access(real, R_OK) != 0) {
            snprintf(err, errlen, "--legacy-plugin %s: %s (give the old plugin's .so, built with -I build/include)",
                     lib ? lib : v, lib && *lib ? strerror(errno) : "no file name");
            free(lib);
            qt_sb_free(&sb);
            return -1;
        }
        free(lib);
        qt_sb_puts(&sb, ",plugin=");
        put_commas(&sb, real);
        if (comma) {
            qt_sb_puts(&sb, ",args=");
            put_commas(&sb, comma + 6);
        }
    }
    const char *log = qtc_args_get(a, "legacy-log");
    if (log) {
        qt_sb_puts(&sb, ",log=");
        put_commas(&sb, log);
    }
    *out = qtc_xstrdup(sb.buf);
    qt_sb_free(&sb);
    return 0;
}
