/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qtrace plugin: entry point. Parses options, opens the trace, sets up the layers bottom up,
 * and dispatches QEMU's callbacks to them: translation (kernel, execution log, traced modules),
 * vCPU start and end, exit. docs/architecture.md lists the layers and their files.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "calls.h"
#include "execlog.h"
#include "instrument.h"
#include "kernel.h"
#include "kernel_vmmap.h"
#include "linkmap_walk.h"
#include "user_syscalls.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

struct qt_plugin qt;

/* Only calls and system calls are attributed to threads through qt.switched (threads.c): with
 * neither asked for, nothing reads it. */
static bool switch_marks;

/* System mode: a block outside the traced program may switch threads (kernel, other tasks). */
static void mark_switch(struct qemu_plugin_tb *tb)
{
    if (switch_marks)
        qemu_plugin_register_vcpu_tb_exec_inline_per_vcpu(tb, QEMU_PLUGIN_INLINE_STORE_U64, qt.switched, 1);
}

static void warn(const char *msg)
{
    fprintf(stderr, "qtrace: warning: %s\n", msg);
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    if (qt.opts.guest_clock >= 0) /* the trace's clock: every block counts */
        qemu_plugin_register_vcpu_tb_exec_inline_per_vcpu(tb, QEMU_PLUGIN_INLINE_ADD_U64, qt.insns,
                                                          qemu_plugin_tb_n_insns(tb));
    qt_modules_before_tb(tb);
    /* the kernel's hooks first: a task switch decides whether the execution log goes on */
    bool kernel = qt.system && qt_kernel_tb_trans(tb);
    if (qt.opts.execlog)
        qt_execlog_tb_trans(tb);
    if (qt.system && qt.opts.vmmap == QT_VMMAP_PAGES && !kernel)
        qt_kvm_tb_trans(tb);
    if (kernel || !qt_instrument_tb(tb))
        mark_switch(tb);
}

static void tb_flush(qemu_plugin_id_t id)
{
    (void)id;
    qt_vcpu_tb_flush();
}

static void vcpu_init(qemu_plugin_id_t id, unsigned int vi)
{
    (void)id;
    qt_threads_vcpu_init(vi);
    qt_vcpu_init(vi);
    if (qt.opts.execlog)
        qt_execlog_vcpu_init(vi);
}

static void vcpu_exit(qemu_plugin_id_t id, unsigned int vi)
{
    (void)id;
    if (qt_vcpu(vi) && qt.out)
        qt_out_flush(qt.out, vi);
}

static void at_exit(qemu_plugin_id_t id, void *p)
{
    (void)id;
    (void)p;
    uint64_t events, lost;
    qt_kernel_finish();
    qt_calls_finish(&events, &lost);
    qt_modules_report_unmatched(qt.system ? qt_kernel_ntraced() : 0, qt.system ? qt_kernel_selects : NULL);
    qt_linkmap_finish();
    if (qt.opts.execlog)
        qt_execlog_exit();
    if (qt.out) {
        char path[4096];
        snprintf(path, sizeof(path), "%s", qt_out_path(qt.out));
        int r = qt_out_close(qt.out, events, lost);
        qt.out = NULL;
        if (r < 0)
            fprintf(stderr, "qtrace: error writing %s: %s\n", path, strerror(-r));
    }
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
    char err[512] = "";
    qt.id = id;
    qt.system = info->system_emulation;
    qt_opts_init(&qt.opts);
    for (int i = 0; i < argc; i++) {
        if (qt_opts_set(&qt.opts, argv[i], "plugin args", err, sizeof(err)) < 0)
            goto fail;
    }
    qt.arch = qt_arch_by_name(info->target_name);
    if (!qt.arch) {
        snprintf(err, sizeof(err), "guest architecture %s is not supported (x86_64, i386 and aarch64 are)",
                 info->target_name);
        goto fail;
    }
    struct qt_opts_env env = { .system = qt.system, .arch = qt.arch, .cli = false, .warn = warn };
    if (qt_opts_check(&qt.opts, &env, err, sizeof(err)) < 0)
        goto fail;
    qt.cc = qt.arch->user_cc;
    const struct qt_opts *o = &qt.opts;
    switch_marks = qt.system && (o->program || o->nfunc || o->nfilter || o->nspecs || o->naddr || o->nrange ||
                                 o->syscalls || o->linkmap);
    qt.call_sites = qt.arch->lr_reg == NULL;
    qt_vcpu_setup();
    struct qt_out_clock clock = { .start_ns = qt.opts.start_ns };
    if (qt.opts.guest_clock >= 0) {
        clock.guest_ns = qt_vcpu_guest_ns;
        clock.shift = (uint32_t)qt.opts.guest_clock;
    }
    qt.out = qt_out_open(qt.opts.out, qt.arch->id, qt.system ? QT_MODE_SYSTEM : QT_MODE_USER, &clock, err,
                         sizeof(err));
    if (!qt.out)
        goto fail;
    if (qt_kernel_init(err, sizeof(err)) < 0 || qt_modules_init(qt_kernel_ntraced(), err, sizeof(err)) < 0)
        goto fail_out;
    qt_calls_init();
    if (qt.opts.execlog && qt_execlog_init(info, err, sizeof(err)) < 0)
        goto fail_out;
    qt_user_syscalls_init();
    qemu_plugin_register_vcpu_init_cb(id, vcpu_init);
    qemu_plugin_register_flush_cb(id, tb_flush);
    qemu_plugin_register_vcpu_exit_cb(id, vcpu_exit);
    qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
    qemu_plugin_register_atexit_cb(id, at_exit, NULL);
    return 0;

fail_out:
    qt_out_close(qt.out, 0, 0);
    qt.out = NULL;
    unlink(qt.opts.out); /* nothing half-written is left behind */
fail:
    fprintf(stderr, "qtrace: error: %s\n", err);
    return -1;
}
