/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "kernel_disk.h"
#include "kernel_image.h"
#include "kernel_task.h"

#define S_IFMT_ 0170000u
#define S_IFREG_ 0100000u

/* A field of the structure at base; false if the field is unknown or unreadable. */
static bool field(struct qt_vcpu *v, uint64_t base, const struct qt_kfield *f, unsigned bytes, uint64_t *out)
{
    *out = 0;
    return base >= qt_kernel_space && f->found && qt_mem_read_uint(&v->mem, base + f->off, bytes, out);
}

/* The inode whose page cache holds the first segment of request rq, or 0 (no data, an
 * anonymous page, unreadable). */
static uint64_t rq_inode(struct qt_vcpu *v, uint64_t rq)
{
    const struct qt_klayout *L = &qt_kernel.L;
    uint64_t bio, vec, page, mapping, host;
    if (!field(v, rq, &L->rq_bio, 8, &bio) || !field(v, bio, &L->bio_io_vec, 8, &vec) ||
        !field(v, vec, &L->bvec_page, 8, &page) || !field(v, page, &L->page_mapping, 8, &mapping))
        return 0;
    if (mapping & 1) /* PAGE_MAPPING_ANON and the like: not a file's page */
        return 0;
    return field(v, mapping, &L->mapping_host, 8, &host) ? host : 0;
}

/* A QT_REC_DISK record of kind, room for max bytes, about the task running on v. */
static struct qt_rec_call *disk_begin(struct qt_vcpu *v, struct qt_ktask *k, enum qt_disk_kind kind, size_t max,
                                      uint64_t *now)
{
    qt_ktask_selected(v, k); /* reads the task's ids if not known yet */
    struct qt_who w;
    qt_ktask_who(k, &w);
    *now = qt_out_now(qt.out);
    return qt_rec_begin(v, QT_REC_DISK, max, &w, kind, *now, qt_vcpu_icount(v));
}

void qt_kdisk_on_start(unsigned vi, void *u)
{
    (void)u;
    struct qt_vcpu *v = qt_vcpu(vi);
    const struct qt_klayout *L = &qt_kernel.L;
    uint64_t rq = qt_vcpu_karg(v, 1), flags, sector, len, q, disk = 0, part;
    if (rq < qt_kernel_space)
        return;
    field(v, rq, &L->rq_cmd_flags, 4, &flags);
    field(v, rq, &L->rq_sector, 8, &sector);
    field(v, rq, &L->rq_data_len, 4, &len);
    if (!field(v, rq, &L->rq_q, 8, &q) || !field(v, q, &L->queue_disk, 8, &disk) || !disk)
        if (field(v, rq, &L->rq_part, 8, &part))
            field(v, part, &L->bdev_disk, 8, &disk);
    char name[32];
    size_t nl = 0;
    if (disk >= qt_kernel_space && L->disk_name.found &&
        v->mem.read(v->mem.ctx, disk + L->disk_name.off, name, sizeof(name)))
        nl = strnlen(name, sizeof(name));
    uint64_t inode = rq_inode(v, rq), ino = 0, mode = 0, dentry = 0;
    if (inode) {
        field(v, inode, &L->inode_i_ino, 8, &ino);
        field(v, inode, &L->inode_i_mode, 2, &mode);
        /* a regular file's name: its first alias (inode->i_dentry, linked through d_u.d_alias) */
        if ((mode & S_IFMT_) == S_IFREG_ && field(v, inode, &L->inode_i_dentry, 8, &dentry) && dentry &&
            L->dentry_d_alias.found)
            dentry -= L->dentry_d_alias.off;
        else
            dentry = 0;
    }
    uint64_t now;
    struct qt_ktask *k = qt_ktask(v);
    struct qt_rec_call *r = disk_begin(v, k, QT_DISK_ISSUE, sizeof(*r) + 8 * 16 + 2 * 40 + QT_ARG_MAX_BYTES, &now);
    uint8_t *p = (uint8_t *)r;
    size_t size = sizeof(*r), used;
    size += qt_arg_scalar(p + size, 1, QT_T_HEX, 64, rq);
    size += qt_arg_scalar(p + size, 2, QT_T_HEX, 32, flags);
    size += qt_arg_scalar(p + size, 3, QT_T_UINT, 64, sector);
    size += qt_arg_scalar(p + size, 4, QT_T_UINT, 32, len);
    uint8_t *d = qt_arg_raw(p + size, 5, QT_T_STR, 64, disk, nl ? 0 : QT_ARG_UNREADABLE, nl, &used);
    memcpy(d, name, nl);
    size += used;
    size += qt_arg_scalar(p + size, 6, QT_T_UINT, 64, ino);
    size += qt_arg_scalar(p + size, 7, QT_T_UINT, 32, mode);
    r->nargs = 7;
    if (dentry) {
        struct qt_argslot slot = { 8, QT_T_DENTRY, 64 };
        size += qt_arg_put(v, p + size, &slot, dentry);
        r->nargs = 8;
    }
    size += qt_ktask_comm_arg(k, p + size, 9);
    r->nargs++;
    qt_rec_end(v, r, size, now);
}

void qt_kdisk_on_end(unsigned vi, void *u)
{
    (void)u;
    struct qt_vcpu *v = qt_vcpu(vi);
    uint64_t rq = qt_vcpu_karg(v, 1), status = qt_vcpu_karg(v, 2);
    if (rq < qt_kernel_space)
        return;
    uint64_t now;
    struct qt_rec_call *r = disk_begin(v, qt_ktask(v), QT_DISK_DONE, sizeof(*r) + 2 * 16, &now);
    size_t size = sizeof(*r);
    size += qt_arg_scalar((uint8_t *)r + size, 1, QT_T_HEX, 64, rq);
    size += qt_arg_scalar((uint8_t *)r + size, 2, QT_T_INT, 8, (uint8_t)status);
    r->nargs = 2;
    qt_rec_end(v, r, size, now);
}
