/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A guest's root file system on the host (--sysroot ROOT): a directory, or a raw ext2/3/4 disk
 * image read directly with libext2fs (no mount, no root, no loop device). Paths are the guest's
 * absolute paths; symbolic links are followed inside ROOT, as the guest sees them (an absolute
 * link target starts again at ROOT, ".." stops at ROOT), so nothing outside ROOT is ever read.
 * Every read is bounded by the caller. Not thread-safe: one user at a time per handle.
 */
#ifndef QTRACE_ROOTFS_H
#define QTRACE_ROOTFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct qt_rootfs;

enum qt_rootfs_type { QT_RFS_OTHER, QT_RFS_FILE, QT_RFS_DIR, QT_RFS_SYMLINK };

struct qt_rootfs_stat {
    enum qt_rootfs_type type;       /* of the file the path names, links followed */
    uint64_t size;                  /* bytes */
    unsigned mode;                  /* permission bits (07777) */
};

/* Open ROOT (a directory, or a file holding an ext2/3/4 file system). NULL with one line in err
 * saying what ROOT is instead. */
struct qt_rootfs *qt_rootfs_open(const char *root, char *err, size_t errlen);
void qt_rootfs_close(struct qt_rootfs *fs);
/* True if ROOT is a disk image (false: a directory). */
bool qt_rootfs_is_image(const struct qt_rootfs *fs);
/* ROOT as given to qt_rootfs_open. */
const char *qt_rootfs_root(const struct qt_rootfs *fs);

/* Resolve the guest path (absolute; a relative one is taken from /) following every link, into
 * out: the path inside ROOT without links. 0, or -errno (-ENOENT, -ELOOP, -ENOTDIR,
 * -ENAMETOOLONG, -EIO) with err. */
int qt_rootfs_resolve(struct qt_rootfs *fs, const char *path, char *out, size_t outlen, char *err, size_t errlen);
int qt_rootfs_stat(struct qt_rootfs *fs, const char *path, struct qt_rootfs_stat *st, char *err, size_t errlen);

/* Read the whole regular file at path into a new buffer (*buf, NUL-terminated beyond *len; free
 * it), refusing a file larger than max bytes (-EFBIG). 0, or -errno with err. */
int qt_rootfs_read(struct qt_rootfs *fs, const char *path, size_t max, char **buf, size_t *len, char *err,
                   size_t errlen);

/* Call fn for each entry of the directory at path ("." and ".." left out), in the order the file
 * system stores them; fn returning non-zero stops the walk. 0, or -errno with err. */
int qt_rootfs_list(struct qt_rootfs *fs, const char *path, int (*fn)(void *ctx, const char *name, enum qt_rootfs_type type),
                   void *ctx, char *err, size_t errlen);

/* A host path whose contents are the guest file at path, for readers that need a file name
 * (elfutils): the file itself when ROOT is a directory, else a copy extracted under cachedir
 * (cachedir/GUEST-PATH, written to a temporary name and renamed; kept if already complete and
 * as large). At most max bytes. A new string in *host (free it). 0, or -errno with err. */
int qt_rootfs_host_path(struct qt_rootfs *fs, const char *path, const char *cachedir, size_t max, char **host,
                        char *err, size_t errlen);

/* mkdir -p of the host folders above the host path file (changed and restored in place). 0, or
 * -errno. */
int qt_rootfs_make_parents(char *file);

#endif
