/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kmodule.h"

#define WALK_DEPTH 10       /* folders below lib/modules/VERSION looked into at most */

bool qt_kmodule_pattern(const char *p, char *mod, size_t cap, const char **fn)
{
    const char *colon = strchr(p, ':');
    if (!colon || colon == p || (size_t)(colon - p) >= cap)
        return false;
    size_t n = (size_t)(colon - p);
    if ((n == 3 && strncmp(p, "lib", 3) == 0) || (n == 6 && strncmp(p, "kernel", 6) == 0))
        return false;
    if (n == 6 && strncmp(p, "module", 6) == 0) {
        if (!colon[1] || strlen(colon + 1) >= cap)
            return false;
        snprintf(mod, cap, "%s", colon + 1);
        *fn = "*";
        return true;
    }
    memcpy(mod, p, n);
    mod[n] = '\0';
    *fn = colon + 1;
    return **fn != '\0';
}

bool qt_kmodule_version(const char *banner, char *buf, size_t cap)
{
    const char *p = banner ? strstr(banner, "version ") : NULL;
    if (!p || cap == 0)
        return false;
    p += 8;
    size_t n = strcspn(p, " ");
    if (n == 0 || n >= cap)
        return false;
    memcpy(buf, p, n);
    buf[n] = '\0';
    return true;
}

/* Is file name (a path's last part) the module name's .ko? */
static bool ko_is(const char *file, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(file + strlen(file) - (strlen(file) >= 3 ? 3 : 0), ".ko", 3) != 0 || strlen(file) != n + 3)
        return false;
    for (size_t i = 0; i < n; i++) {
        char a = file[i] == '-' ? '_' : file[i], b = name[i] == '-' ? '_' : name[i];
        if (a != b)
            return false;
    }
    return true;
}

/* modules.dep's "kernel/lib/crc7.ko: ..." lines: the path of name's, or NULL. */
static char *from_dep(const char *dir, const char *name)
{
    char path[4096], line[4096];
    if ((size_t)snprintf(path, sizeof(path), "%s/modules.dep", dir) >= sizeof(path))
        return NULL;
    FILE *f = fopen(path, "r");
    char *found = NULL;
    while (f && !found && fgets(line, sizeof(line), f)) {
        char *colon = strchr(line, ':');
        if (!colon)
            continue;
        *colon = '\0';
        const char *slash = strrchr(line, '/');
        if (ko_is(slash ? slash + 1 : line, name) &&
            (size_t)snprintf(path, sizeof(path), "%s/%s", dir, line) < sizeof(path) && access(path, R_OK) == 0)
            found = strdup(path);
    }
    if (f)
        fclose(f);
    return found;
}

static char *walk(const char *dir, const char *name, int depth)
{
    DIR *d = depth < WALK_DEPTH ? opendir(dir) : NULL;
    struct dirent *e;
    char *found = NULL;
    while (d && !found && (e = readdir(d)) != NULL) {
        char path[4096];
        struct stat sb;
        if (e->d_name[0] == '.' || (size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= sizeof(path) ||
            lstat(path, &sb) < 0)
            continue;
        if (S_ISDIR(sb.st_mode))
            found = walk(path, name, depth + 1);
        else if (S_ISREG(sb.st_mode) && ko_is(e->d_name, name))
            found = strdup(path);
    }
    if (d)
        closedir(d);
    return found;
}

char *qt_kmodule_find(const char *root, const char *version, const char *name)
{
    char dir[4096];
    if (!root || !version || !name || !*name ||
        (size_t)snprintf(dir, sizeof(dir), "%s/lib/modules/%s", root, version) >= sizeof(dir))
        return NULL;
    char *p = from_dep(dir, name);
    return p ? p : walk(dir, name, 0);
}

static int silent(enum libbpf_print_level level, const char *fmt, va_list ap)
{
    (void)level;
    (void)fmt;
    (void)ap;
    return 0;
}

void *qt_kmodule_btf(const char *ko, void *base)
{
    if (!base || !ko)
        return NULL;
    libbpf_print_fn_t old = libbpf_set_print(silent);
    struct btf *b = btf__parse_elf_split(ko, base);
    libbpf_set_print(old);
    return b && (uintptr_t)b < (uintptr_t)-4095 ? b : NULL;
}

void qt_kmodule_btf_free(void *btf)
{
    if (btf)
        btf__free(btf);
}
