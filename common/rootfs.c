/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A guest's root file system: a directory or an ext2/3/4 image (libext2fs). See rootfs.h. */
#include "rootfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <et/com_err.h>
#include <ext2fs/ext2_err.h>
#include <ext2fs/ext2fs.h>

#include "qtutil.h"

#define MAX_LINKS 40                /* links followed in one path, as Linux (ELOOP beyond) */
#define READ_CHUNK (1u << 20)       /* bytes per ext2fs_file_read */

struct qt_rootfs {
    char *root;                     /* ROOT as given */
    int dirfd;                      /* directory: ROOT opened, else -1 */
    ext2_filsys img;                /* image: the open file system, else NULL */
};

const char *qt_rootfs_root(const struct qt_rootfs *fs) { return fs->root; }
bool qt_rootfs_is_image(const struct qt_rootfs *fs) { return fs->img != NULL; }

static void init_messages(void) { initialize_ext2_error_table(); }

struct qt_rootfs *qt_rootfs_open(const char *root, char *err, size_t errlen)
{
    struct stat sb;
    if (stat(root, &sb) < 0) {
        qt_fail(err, errlen, 0, "%s: %s", root, strerror(errno));
        return NULL;
    }
    struct qt_rootfs *fs = calloc(1, sizeof(*fs));
    if (!fs || !(fs->root = strdup(root))) {
        free(fs);
        qt_fail(err, errlen, 0, "%s: out of memory", root);
        return NULL;
    }
    fs->dirfd = -1;
    if (S_ISDIR(sb.st_mode)) {
        fs->dirfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fs->dirfd >= 0)
            return fs;
        qt_fail(err, errlen, 0, "%s: %s", root, strerror(errno));
    } else if (!S_ISREG(sb.st_mode) && !S_ISBLK(sb.st_mode)) {
        qt_fail(err, errlen, 0, "%s: neither a directory nor a disk image file", root);
    } else {
        /* libext2fs's error texts (error_message), registered once per process */
        static pthread_once_t once = PTHREAD_ONCE_INIT;
        pthread_once(&once, init_messages);
        errcode_t rc = ext2fs_open(root, EXT2_FLAG_64BITS, 0, 0, unix_io_manager, &fs->img);
        if (rc == 0)
            return fs;
        fs->img = NULL;
        if (access(root, R_OK) < 0)
            qt_fail(err, errlen, 0, "%s: %s", root, strerror(errno));
        else
            qt_fail(err, errlen, 0, "%s: not a directory, and not an ext2/3/4 file system image (libext2fs: %s)", root,
                    error_message(rc));
    }
    qt_rootfs_close(fs);
    return NULL;
}

void qt_rootfs_close(struct qt_rootfs *fs)
{
    if (!fs)
        return;
    if (fs->dirfd >= 0)
        close(fs->dirfd);
    if (fs->img)
        ext2fs_close_free(&fs->img);
    free(fs->root);
    free(fs);
}

/* ---- one link-free path inside ROOT ------------------------------------------------------- */

/* "/a/b" for the directory backend: "a/b", or "." for the root */
static const char *rel(const char *p)
{
    while (*p == '/')
        p++;
    return *p ? p : ".";
}

static enum qt_rootfs_type type_of_mode(unsigned m)
{
    return LINUX_S_ISREG(m) ? QT_RFS_FILE : LINUX_S_ISDIR(m) ? QT_RFS_DIR : LINUX_S_ISLNK(m) ? QT_RFS_SYMLINK : QT_RFS_OTHER;
}

/* The image's inode of a path without links ("/" or "/a/b"). */
static int img_ino(struct qt_rootfs *fs, const char *p, ext2_ino_t *ino, struct ext2_inode *inode)
{
    errcode_t rc = ext2fs_namei(fs->img, EXT2_ROOT_INO, EXT2_ROOT_INO, *p ? p : "/", ino);
    if (rc == EXT2_ET_FILE_NOT_FOUND)
        return -ENOENT;
    if (rc || ext2fs_read_inode(fs->img, *ino, inode))
        return -EIO;
    return 0;
}

/* lstat of a link-free path */
static int node_stat(struct qt_rootfs *fs, const char *p, struct qt_rootfs_stat *st)
{
    if (fs->img) {
        ext2_ino_t ino;
        struct ext2_inode inode;
        int rc = img_ino(fs, p, &ino, &inode);
        if (rc < 0)
            return rc;
        st->type = type_of_mode(inode.i_mode);
        st->size = EXT2_I_SIZE(&inode);
        st->mode = inode.i_mode & 07777;
        return 0;
    }
    struct stat sb;
    if (fstatat(fs->dirfd, rel(p), &sb, AT_SYMLINK_NOFOLLOW) < 0)
        return -errno;
    st->type = type_of_mode(sb.st_mode);
    st->size = (uint64_t)sb.st_size;
    st->mode = sb.st_mode & 07777;
    return 0;
}

/* The target of the link at a link-free path, NUL-terminated, at most cap - 1 bytes. */
static int node_readlink(struct qt_rootfs *fs, const char *p, char *buf, size_t cap)
{
    if (!fs->img) {
        ssize_t n = readlinkat(fs->dirfd, rel(p), buf, cap);
        if (n < 0)
            return -errno;
        if ((size_t)n >= cap)
            return -ENAMETOOLONG;
        buf[n] = 0;
        return 0;
    }
    ext2_ino_t ino;
    struct ext2_inode inode;
    int rc = img_ino(fs, p, &ino, &inode);
    if (rc < 0)
        return rc;
    size_t size = EXT2_I_SIZE(&inode);
    if (size >= cap)
        return -ENAMETOOLONG;
    if (inode.i_flags & EXT4_INLINE_DATA_FL) {
        size_t got = 0;
        if (ext2fs_inline_data_size(fs->img, ino, &got) || got > size ||
            ext2fs_inline_data_get(fs->img, ino, &inode, buf, &got))
            return -EIO;
    } else if (ext2fs_is_fast_symlink(&inode)) {
        if (size > sizeof(inode.i_block))
            return -EIO;
        memcpy(buf, inode.i_block, size);
    } else {
        ext2_file_t f;
        unsigned got = 0;
        if (ext2fs_file_open(fs->img, ino, 0, &f))
            return -EIO;
        errcode_t e = ext2fs_file_read(f, buf, (unsigned)size, &got);
        ext2fs_file_close(f);
        if (e || got != size)
            return -EIO;
    }
    buf[size] = 0;
    return 0;
}

/* ---- paths with links ------------------------------------------------------------------- */

static int fail_path(struct qt_rootfs *fs, const char *path, int rc, char *err, size_t errlen)
{
    return qt_fail(err, errlen, rc, "%s in %s: %s", path, fs->root,
                   rc == -ELOOP ? "too many levels of symbolic links" : strerror(-rc));
}

/* Resolve path into out (link-free, "" for the root); follow_last: the last component too. */
static int resolve(struct qt_rootfs *fs, const char *path, bool follow_last, char *out, size_t outlen)
{
    char todo[2 * PATH_MAX], next[2 * PATH_MAX], target[PATH_MAX];
    char done[PATH_MAX] = "";
    size_t ndone = 0;
    int links = 0;
    if (strlen(path) >= sizeof(todo))
        return -ENAMETOOLONG;
    strcpy(todo, path);
    const char *s = todo;
    for (;;) {
        while (*s == '/')
            s++;
        if (!*s)
            break;
        const char *e = strchr(s, '/');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        const char *rest = s + n;
        while (*rest == '/')
            rest++;
        bool last = !*rest;
        if (n == 1 && s[0] == '.') {
            s = rest;
            continue;
        }
        if (n == 2 && s[0] == '.' && s[1] == '.') {
            while (ndone > 0 && done[ndone - 1] != '/')
                ndone--;
            if (ndone > 0)
                ndone--;
            done[ndone] = 0;
            s = rest;
            continue;
        }
        if (ndone + 1 + n >= sizeof(done))
            return -ENAMETOOLONG;
        size_t keep = ndone;
        done[ndone++] = '/';
        memcpy(done + ndone, s, n);
        ndone += n;
        done[ndone] = 0;
        struct qt_rootfs_stat st;
        int rc = node_stat(fs, done, &st);
        if (rc < 0)
            return rc;
        if (st.type == QT_RFS_SYMLINK && (!last || follow_last)) {
            if (++links > MAX_LINKS)
                return -ELOOP;
            rc = node_readlink(fs, done, target, sizeof(target));
            if (rc < 0)
                return rc;
            if ((size_t)snprintf(next, sizeof(next), "%s/%s", target, rest) >= sizeof(next))
                return -ENAMETOOLONG;
            strcpy(todo, next);
            s = todo;
            ndone = target[0] == '/' ? 0 : keep;
            done[ndone] = 0;
            continue;
        }
        if (!last && st.type != QT_RFS_DIR)
            return -ENOTDIR;
        s = rest;
    }
    if (ndone + 1 > outlen)
        return -ENAMETOOLONG;
    memcpy(out, done, ndone + 1);
    return 0;
}

int qt_rootfs_resolve(struct qt_rootfs *fs, const char *path, char *out, size_t outlen, char *err, size_t errlen)
{
    int rc = resolve(fs, path, true, out, outlen);
    if (rc < 0)
        return fail_path(fs, path, rc, err, errlen);
    if (!out[0] && outlen > 1)
        strcpy(out, "/");
    return 0;
}

int qt_rootfs_stat(struct qt_rootfs *fs, const char *path, struct qt_rootfs_stat *st, char *err, size_t errlen)
{
    char p[PATH_MAX];
    int rc = resolve(fs, path, true, p, sizeof(p));
    if (rc == 0)
        rc = node_stat(fs, p, st);
    return rc < 0 ? fail_path(fs, path, rc, err, errlen) : 0;
}

/* ---- contents --------------------------------------------------------------------------- */

static int read_img(struct qt_rootfs *fs, const char *p, size_t max, char **buf, size_t *len)
{
    ext2_ino_t ino;
    struct ext2_inode inode;
    int rc = img_ino(fs, p, &ino, &inode);
    if (rc < 0)
        return rc;
    if (!LINUX_S_ISREG(inode.i_mode))
        return LINUX_S_ISDIR(inode.i_mode) ? -EISDIR : -EINVAL;
    uint64_t size = EXT2_I_SIZE(&inode);
    if (size > max)
        return -EFBIG;
    ext2_file_t f;
    if (ext2fs_file_open(fs->img, ino, 0, &f))
        return -EIO;
    char *b = malloc((size_t)size + 1);
    size_t off = 0;
    rc = b ? 0 : -ENOMEM;
    while (rc == 0 && off < size) {
        unsigned want = size - off < READ_CHUNK ? (unsigned)(size - off) : READ_CHUNK, got = 0;
        if (ext2fs_file_read(f, b + off, want, &got) || got == 0)
            rc = -EIO;
        off += got;
    }
    ext2fs_file_close(f);
    if (rc < 0) {
        free(b);
        return rc;
    }
    b[size] = 0;
    *buf = b;
    *len = (size_t)size;
    return 0;
}

static int read_dir(struct qt_rootfs *fs, const char *p, size_t max, char **buf, size_t *len)
{
    int fd = openat(fs->dirfd, rel(p), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    struct stat sb;
    int rc = fstat(fd, &sb) < 0 ? -errno : S_ISDIR(sb.st_mode) ? -EISDIR : !S_ISREG(sb.st_mode) ? -EINVAL : 0;
    if (rc == 0 && (uint64_t)sb.st_size > max)
        rc = -EFBIG;
    char *b = NULL;
    size_t off = 0, size = rc == 0 ? (size_t)sb.st_size : 0;
    if (rc == 0 && !(b = malloc(size + 1)))
        rc = -ENOMEM;
    while (rc == 0 && off < size) {
        ssize_t n = read(fd, b + off, size - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            rc = n < 0 ? -errno : -EIO; /* the file shrank while read */
        else
            off += (size_t)n;
    }
    close(fd);
    if (rc < 0) {
        free(b);
        return rc;
    }
    b[size] = 0;
    *buf = b;
    *len = size;
    return 0;
}

int qt_rootfs_read(struct qt_rootfs *fs, const char *path, size_t max, char **buf, size_t *len, char *err,
                   size_t errlen)
{
    char p[PATH_MAX];
    int rc = resolve(fs, path, true, p, sizeof(p));
    if (rc == 0)
        rc = fs->img ? read_img(fs, p, max, buf, len) : read_dir(fs, p, max, buf, len);
    if (rc == -EFBIG)
        return qt_fail(err, errlen, rc, "%s in %s: larger than %zu bytes", path, fs->root, max);
    return rc < 0 ? fail_path(fs, path, rc, err, errlen) : 0;
}

struct list_ctx {
    int (*fn)(void *ctx, const char *name, enum qt_rootfs_type type);
    void *ctx;
    ext2_filsys img;
    int stopped;
};

static int list_img_entry(struct ext2_dir_entry *d, int offset, int blocksize, char *buf, void *priv)
{
    (void)offset, (void)blocksize, (void)buf;
    struct list_ctx *lc = priv;
    char name[EXT2_NAME_LEN + 1];
    int n = ext2fs_dirent_name_len(d);
    memcpy(name, d->name, (size_t)n);
    name[n] = 0;
    if (!strcmp(name, ".") || !strcmp(name, ".."))
        return 0;
    enum qt_rootfs_type t;
    switch (ext2fs_dirent_file_type(d)) {
    case EXT2_FT_REG_FILE: t = QT_RFS_FILE; break;
    case EXT2_FT_DIR: t = QT_RFS_DIR; break;
    case EXT2_FT_SYMLINK: t = QT_RFS_SYMLINK; break;
    case EXT2_FT_UNKNOWN: {
        struct ext2_inode inode;
        t = ext2fs_read_inode(lc->img, d->inode, &inode) ? QT_RFS_OTHER : type_of_mode(inode.i_mode);
        break;
    }
    default: t = QT_RFS_OTHER;
    }
    if (lc->fn(lc->ctx, name, t)) {
        lc->stopped = 1;
        return DIRENT_ABORT;
    }
    return 0;
}

int qt_rootfs_list(struct qt_rootfs *fs, const char *path, int (*fn)(void *ctx, const char *name, enum qt_rootfs_type type),
                   void *ctx, char *err, size_t errlen)
{
    char p[PATH_MAX];
    int rc = resolve(fs, path, true, p, sizeof(p));
    struct qt_rootfs_stat st;
    if (rc == 0)
        rc = node_stat(fs, p, &st);
    if (rc == 0 && st.type != QT_RFS_DIR)
        rc = -ENOTDIR;
    if (rc == 0 && fs->img) {
        ext2_ino_t ino;
        struct ext2_inode inode;
        struct list_ctx lc = { fn, ctx, fs->img, 0 };
        rc = img_ino(fs, p, &ino, &inode);
        if (rc == 0 && ext2fs_dir_iterate(fs->img, ino, 0, NULL, list_img_entry, &lc) && !lc.stopped)
            rc = -EIO;
    } else if (rc == 0) {
        int fd = openat(fs->dirfd, rel(p), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        if (!d) {
            rc = -errno;
            if (fd >= 0)
                close(fd);
        }
        struct dirent *de;
        while (d && (de = readdir(d))) {
            if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                continue;
            enum qt_rootfs_type t = de->d_type == DT_REG ? QT_RFS_FILE : de->d_type == DT_DIR ? QT_RFS_DIR
                                    : de->d_type == DT_LNK ? QT_RFS_SYMLINK : QT_RFS_OTHER;
            struct stat sb;
            if (de->d_type == DT_UNKNOWN && fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0)
                t = type_of_mode(sb.st_mode);
            if (fn(ctx, de->d_name, t))
                break;
        }
        if (d)
            closedir(d);
    }
    return rc < 0 ? fail_path(fs, path, rc, err, errlen) : 0;
}

int qt_rootfs_make_parents(char *file)
{
    for (char *s = strchr(file + 1, '/'); s; s = strchr(s + 1, '/')) {
        *s = 0;
        int rc = mkdir(file, 0755) < 0 && errno != EEXIST ? -errno : 0;
        *s = '/';
        if (rc < 0)
            return rc;
    }
    return 0;
}

int qt_rootfs_host_path(struct qt_rootfs *fs, const char *path, const char *cachedir, size_t max, char **host,
                        char *err, size_t errlen)
{
    char p[PATH_MAX];
    struct qt_rootfs_stat st;
    int rc = resolve(fs, path, true, p, sizeof(p));
    if (rc == 0)
        rc = node_stat(fs, p, &st);
    if (rc == 0 && st.type != QT_RFS_FILE)
        rc = st.type == QT_RFS_DIR ? -EISDIR : -EINVAL;
    if (rc < 0)
        return fail_path(fs, path, rc, err, errlen);
    const char *base = fs->img ? cachedir : fs->root;
    size_t n = strlen(base) + strlen(p) + 8;
    char *out = malloc(n), *tmp = malloc(n);
    if (!out || !tmp) {
        free(out), free(tmp);
        return qt_fail(err, errlen, -ENOMEM, "out of memory");
    }
    snprintf(out, n, "%s%s", base, p);
    if (!fs->img) {
        free(tmp);
        *host = out;
        return 0;
    }
    /* a copy made from this image before, as large as the file, is reused */
    struct stat cs, is;
    if (stat(out, &cs) == 0 && stat(fs->root, &is) == 0 && S_ISREG(cs.st_mode) && (uint64_t)cs.st_size == st.size &&
        cs.st_mtime >= is.st_mtime) {
        free(tmp);
        *host = out;
        return 0;
    }
    char *buf = NULL;
    size_t len = 0;
    rc = qt_rootfs_read(fs, path, max, &buf, &len, err, errlen);
    if (rc < 0) {
        free(out), free(tmp);
        return rc;
    }
    snprintf(tmp, n, "%s.tmp", out);
    rc = qt_rootfs_make_parents(tmp);
    FILE *f = rc < 0 ? NULL : fopen(tmp, "wb");
    if (rc == 0 && !f)
        rc = -errno;
    if (f) {
        bool ok = fwrite(buf, 1, len, f) == len;
        if (fclose(f) != 0 || !ok)
            rc = -(errno ? errno : EIO);
    }
    if (rc == 0 && rename(tmp, out) < 0)
        rc = -errno;
    if (rc < 0) {
        qt_fail(err, errlen, rc, "%s: cannot write the copy of %s from %s: %s", out, path, fs->root, strerror(-rc));
        unlink(tmp);
        free(buf), free(out), free(tmp);
        return rc;
    }
    free(buf), free(tmp);
    *host = out;
    return 0;
}
