/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qtrace system --sysroot ROOT: --program found in the guest's file system. See sysroot.h. */
#include "sysroot.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/sysroot.h" /* the guest's library folders (this folder's sysroot.h is the CLI's) */
#include "kmodule.h"
#include "qtutil.h"
#include "rootfs.h"
#include "symtab.h"
#include "util.h"

#define MAX_PROGRAM (512u << 20)    /* bytes of a program extracted from an image */
#define MAX_LIB (512u << 20)        /* bytes of a library or kernel module extracted from an image */
#define MAX_DEP (16u << 20)         /* bytes of a modules.dep */
#define LIB_DEPTH 4                 /* folders below a library folder looked into (security/, gconv/) */

/* What is extracted from an image ROOT, into cache (DIR/sysroot). */
struct extract {
    struct qt_rootfs *fs;
    const char *cache;
    const char *dir;                /* the guest folder being listed */
    int depth;                      /* of dir below a library folder */
    char *err;
    size_t errlen;
    int rc;                         /* the first failure (-errno), else 0 */
    unsigned files;                 /* files extracted or found extracted */
    char *mods[64];                 /* module globs of the patterns ('-' as '_') */
    int nmods;
};

/* The host link cache/guest pointing at the extracted copy of the guest path target. */
static void link_to(struct extract *x, const char *guest, const char *target)
{
    char *at = qtc_xmalloc(strlen(x->cache) + strlen(guest) + 2);
    char *to = qtc_xmalloc(strlen(x->cache) + strlen(target) + 2);
    sprintf(at, "%s%s", x->cache, guest);
    sprintf(to, "%s%s", x->cache, target);
    char old[PATH_MAX];
    ssize_t n = readlink(at, old, sizeof(old) - 1);
    if (n < 0 || (size_t)n != strlen(to) || memcmp(old, to, (size_t)n) != 0) {
        unlink(at);
        int rc = qt_rootfs_make_parents(at);
        if ((rc < 0 || symlink(to, at) < 0) && x->rc == 0) {
            x->rc = rc < 0 ? rc : -errno;
            snprintf(x->err, x->errlen, "%s: %s", at, strerror(-x->rc));
        }
    }
    free(at);
    free(to);
}

/* One guest file (its links followed) copied under cache; a link's own name becomes a host link
 * to that copy, so that names match as in a directory ROOT. */
static void extract_file(struct extract *x, const char *guest, bool is_link)
{
    char *host = NULL, why[1024], real[PATH_MAX];
    if (qt_rootfs_host_path(x->fs, guest, x->cache, MAX_LIB, &host, why, sizeof(why)) < 0) {
        if (x->rc == 0)
            snprintf(x->err, x->errlen, "%s", why);
        x->rc = x->rc ? x->rc : -EIO;
        return;
    }
    free(host);
    x->files++;
    if (is_link && qt_rootfs_resolve(x->fs, guest, real, sizeof(real), why, sizeof(why)) == 0 && strcmp(real, guest))
        link_to(x, guest, real);
}

static int on_lib(void *ctx, const char *name, enum qt_rootfs_type type)
{
    struct extract *x = ctx;
    char guest[PATH_MAX];
    if (type == QT_RFS_DIR && x->depth < LIB_DEPTH && strcmp(name, "modules") != 0 && strcmp(name, "debug") != 0 &&
        (size_t)snprintf(guest, sizeof(guest), "%s/%s", x->dir, name) < sizeof(guest)) {
        /* the libraries programs dlopen from subfolders (PAM's security/, iconv's gconv/) */
        const char *up = x->dir;
        char why[256];
        x->dir = guest;
        x->depth++;
        qt_rootfs_list(x->fs, guest, on_lib, x, why, sizeof(why));
        x->depth--;
        x->dir = up;
        return x->rc != 0;
    }
    if ((type != QT_RFS_FILE && type != QT_RFS_SYMLINK) || !strstr(name, ".so"))
        return 0;
    struct qt_rootfs_stat st;
    char why[256];
    if ((size_t)snprintf(guest, sizeof(guest), "%s/%s", x->dir, name) >= sizeof(guest) ||
        qt_rootfs_stat(x->fs, guest, &st, why, sizeof(why)) < 0 || st.type != QT_RFS_FILE)
        return 0; /* a dangling link, a link to a folder: nothing the guest maps */
    extract_file(x, guest, type == QT_RFS_SYMLINK);
    return x->rc != 0;
}

/* Does a modules.dep line's module ("kernel/fs/ext4/ext4.ko:") match a module glob? */
static bool dep_wanted(const struct extract *x, const char *ko, size_t len)
{
    const char *slash = memrchr(ko, '/', len);
    const char *base = slash ? slash + 1 : ko;
    size_t n = len - (size_t)(base - ko);
    char name[256];
    const char *dot = memmem(base, n, ".ko", 3);
    if (!dot || (size_t)(dot - base) >= sizeof(name))
        return false;
    n = (size_t)(dot - base);
    for (size_t i = 0; i < n; i++)
        name[i] = base[i] == '-' ? '_' : base[i];
    name[n] = 0;
    for (int i = 0; i < x->nmods; i++)
        if (qt_glob_match(x->mods[i], name))
            return true;
    return false;
}

/* lib/modules/VERSION: modules.dep and the .ko of every module a pattern names. */
static int on_version(void *ctx, const char *name, enum qt_rootfs_type type)
{
    struct extract *x = ctx;
    char dir[PATH_MAX / 2], path[PATH_MAX], why[1024];
    if (type != QT_RFS_DIR || (size_t)snprintf(dir, sizeof(dir), "%s/%s", x->dir, name) >= sizeof(dir))
        return 0;
    snprintf(path, sizeof(path), "%s/modules.dep", dir);
    char *dep = NULL;
    size_t len = 0;
    if (qt_rootfs_read(x->fs, path, MAX_DEP, &dep, &len, why, sizeof(why)) < 0)
        return 0; /* not a module folder */
    extract_file(x, path, false);
    for (char *line = dep; x->rc == 0 && line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
        size_t n = strcspn(line, ":\n");
        if (line[n] != ':' || !dep_wanted(x, line, n) || n >= PATH_MAX / 2 - 2)
            continue;
        snprintf(path, sizeof(path), "%s/%.*s", dir, (int)n, line);
        extract_file(x, path, false);
    }
    free(dep);
    return x->rc != 0;
}

/* The module globs of the patterns (-P, -F, -N, -A, -R: MODULE:GLOB, module:NAME). */
static void module_globs(const struct qtc_cfg *cfg, struct extract *x)
{
    static const char *const opts[] = { "patch", "filter", "notrace", "argument", "retval" };
    for (size_t i = 0; i < cfg->args.n; i++) {
        const struct qtc_val *v = &cfg->args.v[i];
        bool pattern = false;
        for (size_t k = 0; k < sizeof(opts) / sizeof(opts[0]); k++)
            pattern |= v->value && strcmp(v->opt->name, opts[k]) == 0;
        char p[256], mod[128];
        const char *fn;
        if (!pattern || (size_t)snprintf(p, sizeof(p), "%s", v->value) >= sizeof(p))
            continue;
        p[strcspn(p, "@")] = 0;
        if (!qt_kmodule_pattern(p, mod, sizeof(mod), &fn) || x->nmods >= (int)(sizeof(x->mods) / sizeof(x->mods[0])))
            continue;
        for (char *c = mod; *c; c++)
            *c = *c == '-' ? '_' : *c;
        x->mods[x->nmods++] = qtc_xstrdup(mod);
    }
}

/* An image ROOT's files the plugin reads as a directory ROOT, extracted to cache: the libraries
 * of the library folders and their subfolders (*.so*), the top folders' links (lib -> usr/lib), the dynamic loader's
 * cache, and the kernel modules the patterns name with their modules.dep. */
static int extract_libs(const struct qtc_cfg *cfg, struct qt_rootfs *fs, const char *cache, char *err, size_t errlen)
{
    struct extract x = { .fs = fs, .cache = cache, .err = err, .errlen = errlen };
    char real[PATH_MAX], why[1024], done[16][PATH_MAX];
    int ndone = 0;
    if (mkdir(cache, 0755) < 0 && errno != EEXIST)
        return qt_fail(err, errlen, -1, "%s: %s", cache, strerror(errno));
    for (int d = 0; qt_sysroot_dirs[d] && x.rc == 0; d++) {
        char guest[PATH_MAX];
        snprintf(guest, sizeof(guest), "/%s", qt_sysroot_dirs[d]);
        if (qt_rootfs_resolve(fs, guest, real, sizeof(real), why, sizeof(why)) < 0)
            continue;
        bool seen = false; /* merged /usr: lib is usr/lib, listed once */
        for (int i = 0; i < ndone && !seen; i++)
            seen = strcmp(done[i], real) == 0;
        if (seen || ndone >= 16)
            continue;
        snprintf(done[ndone++], PATH_MAX, "%s", real);
        x.dir = real;
        qt_rootfs_list(fs, real, on_lib, &x, why, sizeof(why));
        /* the guest's own name of a linked folder (/lib -> /usr/lib) */
        if (strcmp(real, guest) != 0 && !strchr(guest + 1, '/'))
            link_to(&x, guest, real);
    }
    /* the dynamic loader's cache, which it maps (a missing one would be said as a missing library) */
    struct qt_rootfs_stat st;
    if (x.rc == 0 && qt_rootfs_stat(fs, "/etc/ld.so.cache", &st, why, sizeof(why)) == 0 && st.type == QT_RFS_FILE)
        extract_file(&x, "/etc/ld.so.cache", false);
    module_globs(cfg, &x);
    if (x.nmods && x.rc == 0 && qt_rootfs_resolve(fs, "/lib/modules", real, sizeof(real), why, sizeof(why)) == 0) {
        x.dir = real;
        qt_rootfs_list(fs, real, on_version, &x, why, sizeof(why));
    }
    for (int i = 0; i < x.nmods; i++)
        free(x.mods[i]);
    if (x.rc < 0)
        return -1;
    if (x.files == 0 && !cfg->quiet)
        fprintf(stderr, "qtrace: warning: --sysroot %s holds no shared library in its library folders (lib, usr/lib, "
                "...): no library function can be traced\n", qt_rootfs_root(fs));
    return 0;
}

int qtc_sysroot_check(const struct qtc_cfg *cfg, struct qtc_launch *l, char *err, size_t errlen)
{
    const char *root = qtc_args_get(&cfg->args, "sysroot");
    if (!root)
        root = cfg->guest_root;
    if (!root)
        return 0;
    char why[1024];
    struct qt_rootfs *fs = qt_rootfs_open(root, why, sizeof(why));
    if (!fs) {
        snprintf(err, errlen, "--sysroot %s", why);
        return -1;
    }
    int rc = 0;
    /* a program given by its host path under a directory ROOT is that file of ROOT */
    const char *inside = cfg->program;
    size_t rl = strlen(root);
    while (rl > 1 && root[rl - 1] == '/')
        rl--;
    if (inside && !qt_rootfs_is_image(fs) && strncmp(inside, root, rl) == 0 && inside[rl] == '/')
        inside += rl;
    char *cache = qtc_xmalloc(strlen(cfg->outdir) + 16);
    sprintf(cache, "%s/sysroot", cfg->outdir);
    if (qt_rootfs_is_image(fs) && mkdir(cfg->outdir, 0755) < 0 && errno != EEXIST) {
        snprintf(err, errlen, "-o %s: %s", cfg->outdir, strerror(errno));
        rc = -1;
    }
    if (rc == 0 && inside && inside[0] == '/' &&
        qt_rootfs_host_path(fs, inside, cache, MAX_PROGRAM, &l->sysroot_program, why, sizeof(why)) < 0) {
        snprintf(err, errlen, "--program: %s (with --sysroot, an absolute --program names a file in ROOT)", why);
        rc = -1;
    }
    /* the guest's libraries from an image, for the plugin that reads a directory ROOT */
    if (rc == 0 && qt_rootfs_is_image(fs) && qtc_args_get(&cfg->args, "sysroot")) {
        if (extract_libs(cfg, fs, cache, why, sizeof(why)) < 0) {
            snprintf(err, errlen, "--sysroot %s: extracting its libraries: %s", root, why);
            rc = -1;
        } else {
            l->sysroot_libs = cache;
            cache = NULL;
        }
    }
    free(cache);
    qt_rootfs_close(fs);
    return rc;
}
