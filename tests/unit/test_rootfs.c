/* SPDX-License-Identifier: GPL-2.0-or-later */
/* common/rootfs.c: a folder of known files, and the same folder as ext4 images made by mke2fs -d
 * (plain, and with inline data): every read, stat, listing and link gives the same answer as the
 * folder, byte for byte; the folder's own contents are the oracle. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rootfs.h"
#include "tap.h"
#include "tmpfiles.h"

#define BIG (300 * 1024 + 17)       /* a file over many blocks, not a multiple of the block size */

static char *big;

static void sh(const char *cmd)
{
    if (system(cmd) != 0) {
        printf("Bail out! %s failed\n", cmd);
        exit(1);
    }
}

static void make_tree(const char *d)
{
    char cmd[2048];
    snprintf(cmd, sizeof(cmd),
             "cd %s && mkdir -p usr/lib/deep/er etc home/user empty lost+found && "
             "ln -s usr/lib lib && ln -s ../libx.so.1 usr/lib/deep/rel && ln -s /usr/lib/libx.so.1 abs && "
             "ln -s libx.so.1 usr/lib/libx.so && "
             "ln -s ../../../../../../etc/hostname usr/lib/deep/escape && "
             "ln -s loop2 loop1 && ln -s loop1 loop2 && ln -s usr/lib/libx.so.1/x notdir && ln -s nowhere dangling && "
             "ln -s /usr/lib/deep/er/../../deep/./er/%s long && "
             "printf 'guest host name\\n' > etc/hostname && : > empty/zero && printf x > usr/lib/deep/er/one",
             d, "..////../deep/er/one_that_makes_the_link_target_longer_than_sixty_bytes_in_the_inode");
    sh(cmd);
    write_file(tpath("dir/usr/lib/libx.so.1"), big, BIG, 0755);
    write_file(tpath("dir/usr/lib/deep/er/one_that_makes_the_link_target_longer_than_sixty_bytes_in_the_inode"), "long\n", 5, 0644);
}

struct names {
    char buf[1024];
    size_t n;
};

static int collect(void *ctx, const char *name, enum qt_rootfs_type t)
{
    struct names *c = ctx;
    c->n += (size_t)snprintf(c->buf + c->n, sizeof(c->buf) - c->n, "%s:%d\n", name, (int)t);
    return c->n >= sizeof(c->buf) - 1;
}

static int cmpstr(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* the listing of dir, sorted (the order differs between a directory and an image) */
static char *listing(struct qt_rootfs *fs, const char *dir)
{
    struct names c = { .n = 0 };
    char err[256];
    c.buf[0] = 0;
    if (qt_rootfs_list(fs, dir, collect, &c, err, sizeof(err)) < 0)
        return strdup(err);
    char *lines[64];
    int n = 0;
    for (char *s = strtok(c.buf, "\n"); s && n < 64; s = strtok(NULL, "\n"))
        lines[n++] = s;
    qsort(lines, (size_t)n, sizeof(char *), cmpstr);
    char *out = calloc(1, 1024);
    for (int i = 0; i < n; i++)
        strcat(strcat(out, lines[i]), " ");
    return out;
}

static int stop_first(void *ctx, const char *name, enum qt_rootfs_type t)
{
    (void)name, (void)t;
    ++*(int *)ctx;
    return 1;
}

/* every check against one root; dir is the folder (the oracle) */
static void check_root(const char *what, const char *root, struct qt_rootfs *dirfs)
{
    char err[512];
    struct qt_rootfs *fs = qt_rootfs_open(root, err, sizeof(err));
    if (!ok(fs != NULL, "%s: opened", what)) {
        printf("#   %s\n", err);
        return;
    }
    static const char *const files[] = { "/usr/lib/libx.so.1", "/lib/libx.so", "/abs", "/usr/lib/deep/rel",
                                         "usr/lib/../../etc/hostname", "/usr/lib/deep/escape", "/empty/zero", "lib/../lib/libx.so",
                                         "/long", "/lib/deep/er/one", "//usr///lib/./deep/../libx.so" };
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char *a = NULL, *b = NULL;
        size_t na = 0, nb = 0;
        int ra = qt_rootfs_read(fs, files[i], 1 << 20, &a, &na, err, sizeof(err));
        int rb = qt_rootfs_read(dirfs, files[i], 1 << 20, &b, &nb, err, sizeof(err));
        ok(ra == 0 && rb == 0 && na == nb && memcmp(a, b, na) == 0 && a[na] == 0,
           "%s: %s reads as in the folder (%zu bytes)", what, files[i], na);
        free(a), free(b);
    }
    char *buf = NULL;
    size_t len = 0;
    ok(qt_rootfs_read(fs, "/lib/libx.so", BIG, &buf, &len, err, sizeof(err)) == 0 && len == BIG &&
       memcmp(buf, big, BIG) == 0, "%s: the many-block file is the bytes written", what);
    free(buf);
    ok(qt_rootfs_read(fs, "/usr/lib/deep/escape", 100, &buf, &len, err, sizeof(err)) == 0 &&
       strcmp(buf, "guest host name\n") == 0, "%s: a link climbing above ROOT stays at ROOT", what);
    free(buf);
    /* errors, each with its errno and a message naming the path */
    is_int(qt_rootfs_read(fs, "/lib/libx.so", BIG - 1, &buf, &len, err, sizeof(err)), -EFBIG, "larger than max: EFBIG");
    ok(strstr(err, "/lib/libx.so") && strstr(err, "larger than"), "%s: EFBIG message: %s", what, err);
    is_int(qt_rootfs_read(fs, "/no/such", 10, &buf, &len, err, sizeof(err)), -ENOENT, "missing: ENOENT");
    ok(strstr(err, "/no/such") && strstr(err, root), "%s: ENOENT message names path and ROOT: %s", what, err);
    is_int(qt_rootfs_read(fs, "/dangling", 10, &buf, &len, err, sizeof(err)), -ENOENT, "dangling link: ENOENT");
    is_int(qt_rootfs_read(fs, "/loop1", 10, &buf, &len, err, sizeof(err)), -ELOOP, "link loop: ELOOP");
    is_int(qt_rootfs_read(fs, "/notdir", 10, &buf, &len, err, sizeof(err)), -ENOTDIR, "file as a directory: ENOTDIR");
    is_int(qt_rootfs_read(fs, "/usr/lib", 10, &buf, &len, err, sizeof(err)), -EISDIR, "a directory: EISDIR");
    /* stat and resolve */
    struct qt_rootfs_stat st;
    ok(qt_rootfs_stat(fs, "/lib/libx.so", &st, err, sizeof(err)) == 0 && st.type == QT_RFS_FILE && st.size == BIG &&
       st.mode == 0755, "%s: stat follows links: a file of %d bytes, mode 0755", what, BIG);
    ok(qt_rootfs_stat(fs, "/lib", &st, err, sizeof(err)) == 0 && st.type == QT_RFS_DIR, "%s: /lib is a directory", what);
    char res[256];
    ok(qt_rootfs_resolve(fs, "/lib/deep/rel", res, sizeof(res), err, sizeof(err)) == 0 &&
       strcmp(res, "/usr/lib/libx.so.1") == 0, "%s: /lib/deep/rel resolves to %s", what, res);
    ok(qt_rootfs_resolve(fs, "/usr/..", res, sizeof(res), err, sizeof(err)) == 0 && strcmp(res, "/") == 0,
       "%s: /usr/.. is /", what);
    is_int(qt_rootfs_resolve(fs, "/lib/deep/rel", res, 5, err, sizeof(err)), -ENAMETOOLONG, "short buffer: ENAMETOOLONG");
    /* listings */
    static const char *const dirs[] = { "/", "/lib", "/usr/lib/deep", "/empty" };
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        char *a = listing(fs, dirs[i]), *b = listing(dirfs, dirs[i]);
        if (!ok(strcmp(a, b) == 0 && (i == 3 || strlen(a) > 0), "%s: listing of %s as in the folder", what, dirs[i]))
            printf("#   got  %s\n#   want %s\n", a, b);
        free(a), free(b);
    }
    int seen = 0;
    ok(qt_rootfs_list(fs, "/usr/lib", stop_first, &seen, err, sizeof(err)) == 0 && seen == 1,
       "%s: a callback returning non-zero stops the listing", what);
    is_int(qt_rootfs_list(fs, "/abs", stop_first, &seen, err, sizeof(err)), -ENOTDIR, "listing a file: ENOTDIR");
    /* a host path for elfutils: the file itself, or a copy under the cache directory */
    char *host = NULL;
    ok(qt_rootfs_host_path(fs, "/lib/libx.so", tpath("cache"), 1 << 20, &host, err, sizeof(err)) == 0, "%s: host path",
       what);
    size_t hl = 0;
    char *hb = host ? read_all(host, &hl) : NULL;
    ok(hb && hl == BIG && memcmp(hb, big, BIG) == 0, "%s: %s holds the file", what, host ? host : "(none)");
    if (qt_rootfs_is_image(fs))
        ok(host && strncmp(host, tpath("cache"), strlen(tpath("cache"))) == 0 &&
           strstr(host, "/usr/lib/libx.so.1"), "%s: extracted under the cache as its resolved path", what);
    else
        ok(host && strcmp(host, tpath("dir/usr/lib/libx.so.1")) == 0, "%s: the folder's own file", what);
    free(hb), free(host);
    qt_rootfs_close(fs);
}

int main(void)
{
    if (tmpdir_make("rootfs") < 0)
        return 1;
    big = malloc(BIG);
    srand(13);
    for (size_t i = 0; i < BIG; i++)
        big[i] = (char)(rand() >> 7);
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "mkdir %s", tpath("dir"));
    sh(cmd);
    make_tree(tpath("dir"));
    snprintf(cmd, sizeof(cmd), "PATH=$PATH:/sbin:/usr/sbin mke2fs -q -F -t ext4 -d %s %s 8M >/dev/null && "
             "PATH=$PATH:/sbin:/usr/sbin mke2fs -q -F -t ext4 -O inline_data -d %s %s 8M >/dev/null",
             tpath("dir"), tpath("plain.img"), tpath("dir"), tpath("inline.img"));
    sh(cmd);

    char err[512];
    struct qt_rootfs *dirfs = qt_rootfs_open(tpath("dir"), err, sizeof(err));
    ok(dirfs && !qt_rootfs_is_image(dirfs), "the folder opens as a directory");
    if (!dirfs)
        return done_testing();
    check_root("directory", tpath("dir"), dirfs);
    check_root("ext4 image", tpath("plain.img"), dirfs);
    check_root("ext4 image, inline data", tpath("inline.img"), dirfs);

    /* a second extraction reuses the copy; a changed image makes it again */
    struct qt_rootfs *img = qt_rootfs_open(tpath("plain.img"), err, sizeof(err));
    char *h1 = NULL, *h2 = NULL;
    ok(img && qt_rootfs_host_path(img, "/etc/hostname", tpath("c2"), 100, &h1, err, sizeof(err)) == 0 &&
       qt_rootfs_host_path(img, "/etc/hostname", tpath("c2"), 100, &h2, err, sizeof(err)) == 0 && strcmp(h1, h2) == 0,
       "the same guest file extracts to the same host path twice");
    is_int(qt_rootfs_host_path(img, "/usr", tpath("c2"), 100, &h2, err, sizeof(err)), -EISDIR,
           "extracting a directory: EISDIR");
    free(h1), free(h2);
    qt_rootfs_close(img);

    /* the host folders above a path, made as mkdir -p would; a file in the way: ENOTDIR */
    char mp[600];
    snprintf(mp, sizeof(mp), "%s/a/b/c/file", tpath("mp"));
    is_int(qt_rootfs_make_parents(mp), 0, "make_parents: a/b/c made above file");
    ok(access(tpath("mp/a/b/c"), F_OK) == 0 && access(tpath("mp/a/b/c/file"), F_OK) != 0 &&
       strcmp(mp + strlen(mp) - 11, "/a/b/c/file") == 0, "make_parents: the folders only, the path left as given");
    is_int(qt_rootfs_make_parents(mp), 0, "make_parents: folders already there");
    write_file(tpath("mp/f"), "x", 1, 0644);
    snprintf(mp, sizeof(mp), "%s/f/g/file", tpath("mp"));
    is_int(qt_rootfs_make_parents(mp), -ENOTDIR, "make_parents: a file in the way: ENOTDIR");

    /* bad roots: one line each, naming ROOT and what it is */
    ok(!qt_rootfs_open(tpath("nonexistent"), err, sizeof(err)) && strstr(err, "No such file"),
       "missing ROOT: %s", err);
    write_file(tpath("junk.img"), big, 4096, 0644);
    ok(!qt_rootfs_open(tpath("junk.img"), err, sizeof(err)) && strstr(err, "not an ext2/3/4 file system image") &&
       strstr(err, "junk.img"), "a file that is no file system: %s", err);
    write_file(tpath("empty.img"), "", 0, 0644);
    ok(!qt_rootfs_open(tpath("empty.img"), err, sizeof(err)) && strstr(err, "not an ext2/3/4"), "an empty file: %s", err);
    ok(!qt_rootfs_open("/dev/null", err, sizeof(err)) && strstr(err, "neither a directory nor"), "a device: %s", err);
    /* a truncated image: its superblock is there, its tables are not */
    snprintf(cmd, sizeof(cmd), "head -c 8192 %s > %s", tpath("plain.img"), tpath("short.img"));
    sh(cmd);
    struct qt_rootfs *sfs = qt_rootfs_open(tpath("short.img"), err, sizeof(err));
    char *b = NULL;
    size_t bl = 0;
    ok(!sfs || qt_rootfs_read(sfs, "/etc/hostname", 100, &b, &bl, err, sizeof(err)) < 0,
       "a truncated image: an error, not a crash (%s)", err);
    free(b);
    qt_rootfs_close(sfs);
    qt_rootfs_close(dirfs);
    free(big);
    tmpdir_remove();
    return done_testing();
}
