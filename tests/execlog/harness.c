/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Stand-alone test plugin for the execution log alone: plugin/execlog.c + the formatter +
 * out.c + common/, without the rest of the core (no function tracing, no modules). Built by
 * tests/e2e/execlog.sh and bench/execlog.sh as $QTRACE_BUILD/tests/libexeclog_harness.so
 * when they are asked to (QTRACE_EXECLOG_HARNESS=1) or build/libqtrace.so cannot be loaded.
 * Same keys as libqtrace.so (execlog=on is implied).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "qtrace.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

struct qt_plugin qt;

/* modules.c is not linked: no symbols, so afilter=sym:... matches nothing here */
const struct module *qt_module_containing(uint64_t pc)
{
    (void)pc;
    return NULL;
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
    qt_opts_init(&qt.opts);
    for (int i = 0; i < argc; i++) {
        /* keys the core may not know yet */
        if (strcmp(argv[i], "execlog_flow=on") == 0) {
            qt.opts.execlog_flow = true;
            continue;
        }
        if (qt_opts_set(&qt.opts, argv[i], "plugin args", err, sizeof(err)) < 0)
            goto fail;
    }
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
