/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Stand-alone test plugin for the execution log alone: plugin/execlog.c + the formatter +
 * out.c + common/, without the rest of the core (no function tracing, no modules). Built by
 * tests/e2e/lib.sh (execlog_setup) and bench/execlog.sh as $QTRACE_BUILD/tests/libexeclog_harness.so
 * when they are asked to (QTRACE_EXECLOG_HARNESS=1) or build/libqtrace.so cannot be loaded.
 * Same keys as libqtrace.so (execlog=on is implied).
 */
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "qtrace.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

struct qt_plugin qt;

/* modules.c and symtab.c are not linked: no symbols, so afilter=sym:... and a function name
 * in execlog_start= match nothing here */
const struct module *qt_module_containing(uint64_t pc)
{
    (void)pc;
    return NULL;
}

const struct qt_sym *qt_symtab_lookup(const struct qt_symtab *st, uint64_t addr)
{
    (void)st;
    (void)addr;
    return NULL;
}

bool qt_glob_match(const char *pattern, const char *name)
{
    return fnmatch(pattern, name, 0) == 0;
}

/* The execution-log keys of common/options.c, parsed here so that the harness needs nothing
 * but the execution log and out.c. */
static int set_opt(const char *kv, char *err, size_t errlen)
{
    struct qt_opts *o = &qt.opts;
    const char *eq = strchr(kv, '=');
    if (!eq) {
        snprintf(err, errlen, "expected KEY=VALUE, got '%s'", kv);
        return -1;
    }
    size_t kl = (size_t)(eq - kv);
    const char *v = eq + 1;
    bool on = strcmp(v, "on") == 0 || strcmp(v, "true") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "1") == 0;
#define KEY(k) (kl == strlen(k) && strncmp(kv, k, kl) == 0)
    if (KEY("out"))
        o->out = strdup(v);
    else if (KEY("execlog"))
        o->execlog = on;
    else if (KEY("execlog_out"))
        o->execlog_out = strdup(v);
    else if (KEY("execlog_format"))
        o->execlog_format = strdup(v);
    else if (KEY("ifilter") && o->nifilter < QT_MAX_FILTERS)
        o->ifilter[o->nifilter++] = strdup(v);
    else if (KEY("afilter") && o->nafilter < QT_MAX_FILTERS)
        o->afilter[o->nafilter++] = strdup(v);
    else if (KEY("reg") && o->nreg < QT_MAX_FILTERS)
        o->reg[o->nreg++] = strdup(v);
    else if (KEY("rdisas"))
        o->rdisas = on;
    else if (KEY("memvalues"))
        o->memvalues = on;
    else if (KEY("execlog_flow"))
        o->execlog_flow = on;
    else if (KEY("execlog_start"))
        o->execlog_start = strdup(v);
    else if (KEY("execlog_stop"))
        o->execlog_stop = strdup(v);
    else if (!KEY("program")) {
        snprintf(err, errlen, "unknown option '%s'", kv);
        return -1;
    }
#undef KEY
    return 0;
}

static void vcpu_init(qemu_plugin_id_t id, unsigned int vi)
{
    (void)id;
    qt_execlog_vcpu_init(vi);
}

static void vcpu_exit(qemu_plugin_id_t id, unsigned int vi)
{
    (void)id;
    if (qt.out)
        qt_out_flush(qt.out, vi);
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    qt_execlog_tb_trans(tb);
}

static void at_exit(qemu_plugin_id_t id, void *p)
{
    (void)id;
    (void)p;
    qt_execlog_exit();
    if (qt.out) {
        int r = qt_out_close(qt.out, 0, 0);
        qt.out = NULL;
        if (r < 0)
            fprintf(stderr, "harness: error writing the trace: %s\n", strerror(-r));
    }
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
    char err[512] = "";
    qt.id = id;
    qt.system = info->system_emulation;
    memset(&qt.opts, 0, sizeof(qt.opts));
    qt.opts.out = "qtrace.qtr";
    qt.opts.execlog_format = "text";
    for (int i = 0; i < argc; i++)
        if (set_opt(argv[i], err, sizeof(err)) < 0)
            goto fail;
    qt.opts.execlog = true;
    if (qt.opts.execlog_format && strcmp(qt.opts.execlog_format, "bin") == 0) {
        enum qt_arch a = strcmp(info->target_name, "aarch64") == 0 ? QT_ARCH_AARCH64 : QT_ARCH_X86_64;
        qt.out = qt_out_open(qt.opts.out, a, qt.system ? QT_MODE_SYSTEM : QT_MODE_USER, err, sizeof(err));
        if (!qt.out)
            goto fail;
    }
    if (qt_execlog_init(info, err, sizeof(err)) < 0)
        goto fail;
    qemu_plugin_register_vcpu_init_cb(id, vcpu_init);
    qemu_plugin_register_vcpu_exit_cb(id, vcpu_exit);
    qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
    qemu_plugin_register_atexit_cb(id, at_exit, NULL);
    return 0;
fail:
    fprintf(stderr, "harness: error: %s\n", err);
    return -1;
}
