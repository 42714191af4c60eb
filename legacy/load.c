/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Loading one old plugin: dlopen (every symbol resolved now, so a missing one is reported at
 * load rather than as a crash at its first call), its five optional functions by name, then
 * plugin_init(args). Every failure is one line on stderr and leaves the plugin inert while the
 * guest runs on, as the fork did.
 */
#include <dlfcn.h>
#include <string.h>
#include <unistd.h>

#include "legacy.h"

static void *sym(void *h, const char *name)
{
    dlerror();
    return dlsym(h, name);
}

void lg_plugin_load(struct lg_plugin *p)
{
    p->live = false;
    /* a bare file name means the file here, not a search of the library path */
    char here[4096];
    const char *file = p->path;
    if (!strchr(file, '/') && access(file, F_OK) == 0) {
        snprintf(here, sizeof(here), "./%s", file);
        file = here;
    }
    p->handle = dlopen(file, RTLD_NOW | RTLD_LOCAL);
    if (!p->handle) {
        fprintf(stderr, LG_PREFIX "cannot load plugin '%s': %s; the guest runs without it\n", p->path, dlerror());
        return;
    }
    p->init = (bool (*)(const char *))sym(p->handle, "plugin_init");
    p->needs_insn = (bool (*)(uint64_t, void *))sym(p->handle, "plugin_needs_before_insn");
    p->before_insn = (void (*)(uint64_t, void *))sym(p->handle, "plugin_before_insn");
    p->needs_tb = (bool (*)(uint64_t, void *))sym(p->handle, "plugin_needs_before_tb");
    p->before_tb = (void (*)(uint64_t, void *))sym(p->handle, "plugin_before_tb");
    if (!p->init && !p->needs_insn && !p->before_insn && !p->needs_tb && !p->before_tb) {
        fprintf(stderr, LG_PREFIX "'%s' defines none of plugin_init, plugin_needs_before_insn, plugin_before_insn, "
                "plugin_needs_before_tb, plugin_before_tb: not a plugin of the old API (build it with "
                "include/plugins.h, see docs/legacy-api.md); the guest runs without it\n", p->path);
        dlclose(p->handle);
        p->handle = NULL;
        return;
    }
    if (p->before_insn && !p->needs_insn)
        fprintf(stderr, LG_PREFIX "'%s' defines plugin_before_insn without plugin_needs_before_insn: "
                "it is never called (as in the fork)\n", p->path);
    if (p->before_tb && !p->needs_tb)
        fprintf(stderr, LG_PREFIX "'%s' defines plugin_before_tb without plugin_needs_before_tb: "
                "it is never called (as in the fork)\n", p->path);
    if (p->init) {
        lg_lock();
        bool ok = p->init(p->args);
        lg_unlock();
        if (!ok) {
            /* the fork's own message */
            fprintf(stderr, "can't init plugin '%s'\n", p->path);
            dlclose(p->handle);
            p->handle = NULL;
            return;
        }
    }
    p->live = true;
}
