/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qtrace system --sysroot ROOT: --program found in the guest's file system. See sysroot.h. */
#include "sysroot.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rootfs.h"
#include "util.h"

#define MAX_PROGRAM (512u << 20)    /* bytes of a program extracted from an image */

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
    if (inside && inside[0] == '/') {
        char *cache = qtc_xmalloc(strlen(cfg->outdir) + 16);
        sprintf(cache, "%s/sysroot", cfg->outdir);
        if (qt_rootfs_is_image(fs) && mkdir(cfg->outdir, 0755) < 0 && errno != EEXIST) {
            snprintf(err, errlen, "-o %s: %s", cfg->outdir, strerror(errno));
            rc = -1;
        } else if (qt_rootfs_host_path(fs, inside, cache, MAX_PROGRAM, &l->sysroot_program, why, sizeof(why)) < 0) {
            snprintf(err, errlen, "--program: %s (with --sysroot, an absolute --program names a file in ROOT)", why);
            rc = -1;
        }
        free(cache);
    }
    if (rc == 0 && qt_rootfs_is_image(fs) && qtc_args_get(&cfg->args, "sysroot") && !cfg->quiet)
        fprintf(stderr, "qtrace: warning: --sysroot %s is a disk image: --program is read from it, but the guest's "
                "shared libraries and kernel modules only from a directory ROOT (unpack the image: debugfs -R "
                "'rdump / DIR' %s)\n", root, root);
    qt_rootfs_close(fs);
    return rc;
}
