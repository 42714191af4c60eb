/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "symtab.h"
#include "sysroot.h"

const char *const qt_sysroot_dirs[] = { "lib",  "lib64",  "usr/lib", "usr/lib64", "usr/local/lib",
                                        "lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu",
                                        "lib/i386-linux-gnu", "usr/lib/i386-linux-gnu",
                                        "lib/aarch64-linux-gnu", "usr/lib/aarch64-linux-gnu", NULL };

static bool all_found(const bool *found, int n)
{
    for (int i = 0; i < n; i++)
        if (!found[i])
            return false;
    return true;
}

/* One library file: its name against lib: patterns, its functions against the others. */
static void scan_file(const char *path, const char *name, const char *const *globs, int n, bool *found)
{
    bool funcs = false;
    for (int i = 0; i < n; i++) {
        if (found[i])
            continue;
        if (strncmp(globs[i], "lib:", 4) == 0)
            found[i] = qt_glob_match(globs[i] + 4, name);
        else
            funcs = true;
    }
    struct qt_symtab st;
    char err[256];
    if (!funcs || qt_symtab_load(&st, path, 0, err, sizeof(err)) < 0)
        return;
    for (int i = 0; i < n; i++)
        for (size_t k = 0; !found[i] && strncmp(globs[i], "lib:", 4) != 0 && k < st.n; k++)
            found[i] = qt_sym_match(&st.syms[k], globs[i]);
    qt_symtab_free(&st);
}

void qt_sysroot_scan(const char *root, const char *const *globs, int n, bool *found)
{
    char dir[4096], path[4096 + 256];
    for (int d = 0; qt_sysroot_dirs[d] && !all_found(found, n); d++) {
        if ((size_t)snprintf(dir, sizeof(dir), "%s/%s", root, qt_sysroot_dirs[d]) >= sizeof(dir))
            continue;
        struct stat ls;
        if (lstat(dir, &ls) < 0 || !S_ISDIR(ls.st_mode))
            continue; /* merged /usr: lib is a link to usr/lib, scanned once */
        DIR *dp = opendir(dir);
        struct dirent *e;
        while (dp && (e = readdir(dp)) != NULL && !all_found(found, n)) {
            struct stat sb;
            if (!strstr(e->d_name, ".so") || (size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= sizeof(path) ||
                stat(path, &sb) < 0 || !S_ISREG(sb.st_mode))
                continue;
            FILE *f = fopen(path, "rb");
            char magic[4] = { 0 };
            size_t got = f ? fread(magic, 1, 4, f) : 0;
            if (f)
                fclose(f);
            if (got == 4 && memcmp(magic, "\177ELF", 4) == 0)
                scan_file(path, e->d_name, globs, n, found);
        }
        if (dp)
            closedir(dp);
    }
}
