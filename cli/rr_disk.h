/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The guest's disk in a recording (qtrace record --disk IMG / --guest NAME). The image itself
 * is never written: the recording holds a qcow2 overlay (REC/disk.qcow2) whose backing file is
 * the image, by its absolute path, and QEMU reaches it through the blkreplay driver. While
 * recording, the guest's writes go to that overlay; a replay must start from the disk as it was
 * when the recording started, so it runs on an overlay of its own in its private folder: a new
 * empty one, or, when the recording starts from a snapshot (whose `init` state QEMU keeps in the
 * overlay too and reloads, disk content included), a copy of the recording's.
 * The image is identified by its SHA-256, computed once when recording, and its size,
 * modification time and inode: a replay hashes it again only when these changed.
 */
#ifndef QTRACE_CLI_RR_DISK_H
#define QTRACE_CLI_RR_DISK_H

#include <stddef.h>

#include "rr.h"

/* Record the image img (raw) for rec: its absolute path and identity in rec, and the empty
 * overlay REC/disk.qcow2 made with qemu_img. Its hash (rec->disk_sha256) is the caller's to set:
 * qtrace record computes it while QEMU records. 0, or -1 with err. */
int qtc_rr_disk_record(struct qtc_rec *rec, const char *img, const char *qemu_img, char *err, size_t errlen);

/* Before a replay: the recording's image is there and unchanged (identity, else its hash), and
 * the overlay is there when the replay needs it. 0 (also for a recording without a disk), or -1
 * with one line in err. */
int qtc_rr_disk_check(const struct qtc_rec *rec, char *err, size_t errlen);

/* The replay's own overlay in the folder tmp (*disk, malloc'ed), made with qemu_img or copied.
 * 0, or -1 with err. */
int qtc_rr_disk_private(const struct qtc_rec *rec, const char *tmp, const char *qemu_img, char **disk, char *err,
                        size_t errlen);

#endif
