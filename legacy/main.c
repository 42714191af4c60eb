/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libqtrace-legacy.so's entry: options, making the qemulib_* functions visible to old plugins,
 * loading them, and registering the QEMU callbacks.
 *
 *   -plugin libqtrace-legacy.so,plugin=LIB.so[,args=STR][,plugin=LIB2.so[,args=STR2]...][,log=FILE]
 *
 * args= belongs to the plugin= before it. Plugins are loaded in the order given and called in
 * reverse order (the newest first), as the fork did. A second -plugin naming this library adds
 * its plugins to the same instance (QEMU 10 opens one library once).
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "legacy.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

struct lg_state lg;
static bool installed;      /* callbacks registered (by the first -plugin of this library) */

/* QEMU opens plugins with local binding: re-open this library global, so that the old plugins
 * it opens find qemulib_* here. */
static int make_global(void)
{
    Dl_info info;
    if (!dladdr((void *)lg_on_tb_trans, &info) || !info.dli_fname) {
        fprintf(stderr, LG_PREFIX "cannot find this library's own file (dladdr failed)\n");
        return -1;
    }
    if (!dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_GLOBAL)) {
        fprintf(stderr, LG_PREFIX "cannot make %s's qemulib_* functions global: %s\n", info.dli_fname, dlerror());
        return -1;
    }
    return 0;
}

static void on_exit_cb(qemu_plugin_id_t id, void *udata)
{
    (void)id;
    (void)udata;
    __atomic_store_n(&lg.exiting, true, __ATOMIC_RELEASE);
    lg_log_flush();
}

/* User mode: flush the log at every system call (a forked child must not inherit buffered lines). */
static void on_syscall(qemu_plugin_id_t id, unsigned int vcpu_index, int64_t num, uint64_t a1, uint64_t a2,
                       uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6, uint64_t a7, uint64_t a8)
{
    (void)id, (void)vcpu_index, (void)num, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5, (void)a6, (void)a7,
        (void)a8;
    lg_log_flush();
}

static int parse(int argc, char **argv, int *first)
{
    *first = lg.nplugins;
    const char *log = NULL;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "plugin=", 7) == 0) {
            if (!a[7]) {
                fprintf(stderr, LG_PREFIX "plugin= needs the old plugin's file: plugin=./libplugin.so\n");
                return -1;
            }
            if (lg.nplugins == LG_MAX_PLUGINS) {
                fprintf(stderr, LG_PREFIX "more than %d plugin= options\n", LG_MAX_PLUGINS);
                return -1;
            }
            struct lg_plugin *p = &lg.plugins[lg.nplugins++];
            p->path = strdup(a + 7);
            p->args = strdup("");
        } else if (strncmp(a, "args=", 5) == 0) {
            if (lg.nplugins == *first) {
                fprintf(stderr, LG_PREFIX "args=%s comes before any plugin=: write plugin=LIB.so,args=STR\n", a + 5);
                return -1;
            }
            struct lg_plugin *p = &lg.plugins[lg.nplugins - 1];
            free(p->args);
            p->args = strdup(a + 5);
        } else if (strncmp(a, "log=", 4) == 0 && a[4]) {
            log = a + 4;
        } else {
            fprintf(stderr, LG_PREFIX "unknown option '%s' (options: plugin=LIB.so, args=STR, log=FILE)\n", a);
            return -1;
        }
    }
    if (lg.nplugins == *first) {
        fprintf(stderr, LG_PREFIX "no plugin= given: -plugin libqtrace-legacy.so,plugin=./libplugin.so[,args=STR]\n");
        return -1;
    }
    if (log) {
        if (lg.log_path && strcmp(lg.log_path, log) != 0) {
            fprintf(stderr, LG_PREFIX "log=%s: the log is already %s (one log for every old plugin)\n", log,
                    lg.log_path);
            return -1;
        }
        if (!lg.log_path) {
            lg.log_path = strdup(log);
            if (lg.log && lg.log != stderr)
                fclose(lg.log);
            lg.log = NULL;
        }
    }
    return 0;
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
    int first;
    if (parse(argc, argv, &first) < 0)
        return -1;
    if (!installed) {
        lg.target = strdup(info->target_name);
        lg.system = info->system_emulation;
        if (!lg_regs_select(lg.target))
            fprintf(stderr, LG_PREFIX "no register table for target %s: qemulib_read_register reads 0 bytes\n",
                    lg.target);
        if (make_global() < 0)
            return -1;
    }
    if (!lg.log && lg_log_open(lg.log_path) < 0)
        return -1;
    for (int i = first; i < lg.nplugins; i++)
        lg_plugin_load(&lg.plugins[i]);
    if (installed)
        return 0;
    installed = true;
    qemu_plugin_register_vcpu_init_cb(id, lg_on_vcpu_init);
    qemu_plugin_register_vcpu_tb_trans_cb(id, lg_on_tb_trans);
    qemu_plugin_register_atexit_cb(id, on_exit_cb, NULL);
    if (!lg.system)
        qemu_plugin_register_vcpu_syscall_cb(id, on_syscall);
    return 0;
}
