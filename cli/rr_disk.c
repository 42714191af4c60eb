/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The guest's disk in a recording. See rr_disk.h. */
#include "rr_disk.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sha256.h"
#include "util.h"

struct identity {
    long long size, mtime_ns;
    unsigned long long ino;
};

static int identity_of(const char *path, struct identity *id, char *err, size_t errlen)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s is not a regular file (give a raw disk image)", path);
        return -1;
    }
    id->size = (long long)st.st_size;
    id->mtime_ns = (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
    id->ino = (unsigned long long)st.st_ino;
    return 0;
}

int qtc_rr_disk_record(struct qtc_rec *rec, const char *img, const char *qemu_img, char *err, size_t errlen)
{
    char *abs = realpath(img, NULL);
    if (!abs) {
        snprintf(err, errlen, "--disk %s: %s", img, strerror(errno));
        return -1;
    }
    struct identity id;
    char e[1024];
    if (identity_of(abs, &id, e, sizeof(e)) < 0) {
        snprintf(err, errlen, "--disk: %s", e);
        free(abs);
        return -1;
    }
    rec->disk_source = abs;
    rec->disk_format = qtc_xstrdup("raw");
    rec->disk_size = id.size;
    rec->disk_mtime_ns = id.mtime_ns;
    rec->disk_ino = id.ino;
    char *ovl = qtc_rec_path(rec->dir, QTC_REC_DISK);
    const char *args[] = { "create", "-q", "-f", "qcow2", "-b", abs, "-F", rec->disk_format, ovl, NULL };
    int rc = qtc_qemu_img(qemu_img, args, e, sizeof(e));
    if (rc < 0)
        snprintf(err, errlen, "the disk's overlay: %s", e);
    free(ovl);
    return rc;
}

int qtc_rr_disk_check(const struct qtc_rec *rec, char *err, size_t errlen)
{
    if (!rec->disk_source)
        return 0;
    if (rec->snapshot) {
        char *ovl = qtc_rec_path(rec->dir, QTC_REC_DISK);
        bool there = access(ovl, R_OK) == 0;
        free(ovl);
        if (!there) {
            snprintf(err, errlen, "%s: incomplete recording, cannot be replayed: %s is missing (it holds the "
                     "disk's start snapshot)", rec->dir, QTC_REC_DISK);
            return -1;
        }
    }
    struct identity id;
    char e[1024], hex[65];
    if (identity_of(rec->disk_source, &id, e, sizeof(e)) < 0) {
        snprintf(err, errlen, "%s: the disk image it was recorded with is gone (%s): a replay reads it; put it "
                 "back at that path", rec->dir, e);
        return -1;
    }
    if (id.size == rec->disk_size && id.mtime_ns == rec->disk_mtime_ns && id.ino == rec->disk_ino)
        return 0;
    /* touched, copied or replaced: its bytes decide */
    if (qtc_sha256_file(rec->disk_source, hex, e, sizeof(e)) < 0) {
        snprintf(err, errlen, "%s: the disk image cannot be read: %s", rec->dir, e);
        return -1;
    }
    if (!rec->disk_sha256 || strcmp(hex, rec->disk_sha256) != 0) {
        snprintf(err, errlen, "%s: the disk image %s changed since the recording (sha256 %.12s..., recorded "
                 "%.12s...): a replay needs the exact image it was recorded with", rec->dir, rec->disk_source, hex,
                 rec->disk_sha256 ? rec->disk_sha256 : "?");
        return -1;
    }
    return 0;
}

int qtc_rr_disk_private(const struct qtc_rec *rec, const char *tmp, const char *qemu_img, char **disk, char *err,
                        size_t errlen)
{
    *disk = qtc_rec_path(tmp, QTC_REC_DISK);
    char e[1024];
    int rc;
    if (rec->snapshot) {
        /* loading the start snapshot takes the overlay back to the recording's start */
        char *ovl = qtc_rec_path(rec->dir, QTC_REC_DISK);
        rc = qtc_copy_file(ovl, *disk, e, sizeof(e));
        free(ovl);
    } else {
        const char *args[] = { "create", "-q", "-f", "qcow2", "-b", rec->disk_source, "-F",
                               rec->disk_format ? rec->disk_format : "raw", *disk, NULL };
        rc = qtc_qemu_img(qemu_img, args, e, sizeof(e));
    }
    if (rc < 0)
        snprintf(err, errlen, "the replay's disk overlay: %s", e);
    return rc;
}
