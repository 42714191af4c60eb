/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "kernel_files.h"
#include "kernel_image.h"
#include "kernel_task.h"

#define S_IFMT_ 0170000u
#define S_IFREG_ 0100000u
#define O_APPEND_ 02000u
#define AT_FDCWD_ (-100)
#define VM_WRITE_ 0x2u
#define VM_SHARED_ 0x8u
#define IOV_MAX_ 1024       /* the kernel's UIO_MAXIOV: a longer writev fails */
#define FARG_MAX (sizeof(struct qt_arg) + QT_STR_MAX + 8)

static bool field(struct qt_vcpu *v, uint64_t base, const struct qt_kfield *f, unsigned bytes, uint64_t *out)
{
    *out = 0;
    return base >= qt_kernel_space && f->found && qt_mem_read_uint(&v->mem, base + f->off, bytes, out);
}

/* The task running on v, if it is recorded. */
static struct qt_ktask *selected(struct qt_vcpu *v)
{
    struct qt_ktask *k = qt_ktask(v);
    return qt_ktask_selected(v, k) ? k : NULL;
}

static struct qt_rec_call *filew_begin(struct qt_vcpu *v, struct qt_ktask *k, enum qt_filew_kind kind, size_t max,
                                       uint64_t *now)
{
    struct qt_who w;
    qt_ktask_who(k, &w);
    *now = qt_out_now(qt.out);
    return qt_rec_begin(v, QT_REC_FILEW, max, &w, kind, *now, qt_vcpu_icount(v));
}

/* A regular file being written: where the next byte goes (pos, else f_pos; the end for
 * O_APPEND). False for anything else (pipes, sockets, devices). */
static bool regular_file(struct qt_vcpu *v, uint64_t file, uint64_t pos, int64_t *off)
{
    const struct qt_klayout *L = &qt_kernel.L;
    uint64_t inode, mode, flags, o = 0;
    if (!field(v, file, &L->file_f_inode, 8, &inode) || !field(v, inode, &L->inode_i_mode, 2, &mode) ||
        (mode & S_IFMT_) != S_IFREG_)
        return false;
    field(v, file, &L->file_f_flags, 4, &flags);
    if (flags & O_APPEND_)
        field(v, inode, &L->inode_i_size, 8, &o);
    else if (pos >= qt_kernel_space)
        qt_mem_read_uint(&v->mem, pos, 8, &o);
    else
        field(v, file, &L->file_f_pos, 8, &o);
    *off = (int64_t)o;
    return true;
}

/* Records of count bytes at buf (the process's memory) written at file offset off; farg is the
 * file argument (flen bytes) every record repeats. Returns the offset after them. From the first
 * page that cannot be read on, one record says the rest is unreadable: the kernel's own copy
 * stops there too (EFAULT, a short write), and a bogus count costs one record. */
static int64_t put_bytes(struct qt_vcpu *v, struct qt_ktask *k, const uint8_t *farg, size_t flen, uint64_t buf,
                         uint64_t count, int64_t off)
{
    for (uint64_t done = 0; done < count;) {
        uint64_t want = count - done < QT_FILEW_CHUNK ? count - done : QT_FILEW_CHUNK;
        uint64_t now;
        struct qt_rec_call *r = filew_begin(v, k, QT_FILEW_WRITE,
                                            sizeof(*r) + flen + 3 * sizeof(struct qt_arg) + 16 + QT_ALIGN8(want), &now);
        uint8_t *p = (uint8_t *)r;
        size_t size = sizeof(*r), used;
        memcpy(p + size, farg, flen);
        size += flen;
        size += qt_arg_scalar(p + size, 2, QT_T_INT, 64, (uint64_t)(off + (int64_t)done));
        /* page by page: the part before an unreadable page is kept */
        uint8_t *d = p + size + sizeof(struct qt_arg);
        uint64_t got = 0;
        while (got < want) {
            uint64_t a = buf + done + got, left = QT_GUEST_PAGE - (a & (QT_GUEST_PAGE - 1));
            uint64_t n = want - got < left ? want - got : left;
            if (!v->mem.read(v->mem.ctx, a, d + got, n)) {
                if (got)
                    break; /* the readable part first; the rest in the next record */
                got = count - done;
                qt_arg_raw(p + size, 3, QT_T_STR, 64, got, QT_ARG_UNREADABLE, 0, &used);
                goto end;
            }
            got += n;
        }
        qt_arg_raw(p + size, 3, QT_T_STR, 64, got, 0, got, &used);
    end:
        size += used;
        size += qt_ktask_comm_arg(k, p + size, 9);
        r->nargs = 4;
        qt_rec_end(v, r, size, now);
        done += got;
    }
    return off + (int64_t)count;
}

/* The file argument of file, decoded once for every record of one call. */
static size_t file_arg(struct qt_vcpu *v, uint8_t *farg, uint64_t file)
{
    struct qt_argslot slot = { 1, QT_T_FILE, 64 };
    return qt_arg_put(v, farg, &slot, file);
}

void qt_kfiles_on_write(unsigned vi, void *u)
{
    (void)u;
    struct qt_vcpu *v = qt_vcpu(vi);
    struct qt_ktask *k = selected(v);
    uint64_t file = qt_vcpu_karg(v, 1), buf = qt_vcpu_karg(v, 2), count = qt_vcpu_karg(v, 3);
    int64_t off;
    if (!k || !count || file < qt_kernel_space || !regular_file(v, file, qt_vcpu_karg(v, 4), &off))
        return;
    uint8_t farg[FARG_MAX];
    size_t flen = file_arg(v, farg, file);
    put_bytes(v, k, farg, flen, buf, count, off);
}

void qt_kfiles_on_writev(unsigned vi, void *u)
{
    (void)u;
    struct qt_vcpu *v = qt_vcpu(vi);
    struct qt_ktask *k = selected(v);
    uint64_t file = qt_vcpu_karg(v, 1), vec = qt_vcpu_karg(v, 2), vlen = qt_vcpu_karg(v, 3);
    int64_t off;
    if (!k || file < qt_kernel_space || vlen > IOV_MAX_ || !regular_file(v, file, qt_vcpu_karg(v, 4), &off))
        return;
    uint8_t farg[FARG_MAX];
    size_t flen = file_arg(v, farg, file);
    for (uint64_t i = 0; i < vlen; i++) {
        uint64_t iov[2]; /* struct iovec: base, length */
        if (!v->mem.read(v->mem.ctx, vec + i * sizeof(iov), iov, sizeof(iov)))
            break; /* the kernel fails the call with EFAULT */
        off = put_bytes(v, k, farg, flen, iov[0], iov[1], off);
    }
}

/* The name of a struct filename as argument pos; true if it is relative. */
static size_t name_arg(struct qt_vcpu *v, uint8_t *p, int pos, uint64_t filename, bool *relative)
{
    uint64_t name = 0;
    field(v, filename, &qt_kernel.L.filename_name, 8, &name);
    struct qt_argslot slot = { (uint8_t)pos, QT_T_STR, 64 };
    size_t used = qt_arg_put(v, p, &slot, name);
    const struct qt_arg *a = (const struct qt_arg *)p;
    *relative = a->len == 0 || p[sizeof(*a)] != '/';
    return used;
}

/* The working directory of the task (struct path task->fs->pwd) as argument pos. */
static size_t cwd_arg(struct qt_vcpu *v, struct qt_ktask *k, uint8_t *p, int pos)
{
    const struct qt_klayout *L = &qt_kernel.L;
    uint64_t fs = 0;
    field(v, k->task, &L->task_fs, 8, &fs);
    struct qt_argslot slot = { (uint8_t)pos, QT_T_PATH, 64 };
    return qt_arg_put(v, p, &slot, fs && L->fs_pwd.found ? fs + L->fs_pwd.off : 0);
}

/* A rename or an unlink: each name the kernel was given (arguments dfd at argi[i], the name
 * after it), the cwd when a relative name is taken from it, and the comm. */
static void names_event(struct qt_vcpu *v, struct qt_ktask *k, enum qt_filew_kind kind, const int *argi, int n)
{
    uint64_t now;
    struct qt_rec_call *r = filew_begin(v, k, kind, sizeof(*r) + (size_t)(n + 2) * FARG_MAX, &now);
    uint8_t *p = (uint8_t *)r;
    size_t size = sizeof(*r);
    bool from_cwd = false;
    for (int i = 0; i < n; i++) {
        bool rel;
        size += name_arg(v, p + size, i + 1, qt_vcpu_karg(v, argi[i] + 1), &rel);
        from_cwd |= rel && (int32_t)qt_vcpu_karg(v, argi[i]) == AT_FDCWD_;
    }
    r->nargs = (uint16_t)n;
    if (from_cwd) {
        size += cwd_arg(v, k, p + size, n + 1);
        r->nargs++;
    }
    size += qt_ktask_comm_arg(k, p + size, 9);
    r->nargs++;
    qt_rec_end(v, r, size, now);
}

void qt_kfiles_on_rename(unsigned vi, void *u)
{
    (void)u;
    struct qt_vcpu *v = qt_vcpu(vi);
    struct qt_ktask *k = selected(v);
    static const int argi[] = { 1, 3 }; /* olddfd, oldname, newdfd, newname */
    if (k)
        names_event(v, k, QT_FILEW_RENAME, argi, 2);
}

void qt_kfiles_on_unlink(unsigned vi, void *u)
{
    (void)u;
    struct qt_vcpu *v = qt_vcpu(vi);
    struct qt_ktask *k = selected(v);
    static const int argi[] = { 1 }; /* dfd, name */
    if (k)
        names_event(v, k, QT_FILEW_UNLINK, argi, 1);
}

void qt_kfiles_on_mmap(unsigned vi, void *u)
{
    (void)u;
    struct qt_vcpu *v = qt_vcpu(vi);
    struct qt_ktask *k = selected(v);
    uint64_t file = qt_vcpu_karg(v, 1), len = qt_vcpu_karg(v, 3), flags = qt_vcpu_karg(v, 4);
    int64_t off;
    if (!k || file < qt_kernel_space || (flags & (VM_WRITE_ | VM_SHARED_)) != (VM_WRITE_ | VM_SHARED_) ||
        !regular_file(v, file, 0, &off))
        return;
    uint64_t now;
    struct qt_rec_call *r = filew_begin(v, k, QT_FILEW_MMAP, sizeof(*r) + 2 * FARG_MAX + 32, &now);
    uint8_t *p = (uint8_t *)r;
    size_t size = sizeof(*r);
    size += file_arg(v, p + size, file);
    size += qt_arg_scalar(p + size, 2, QT_T_UINT, 64, qt_vcpu_karg(v, 5) * QT_GUEST_PAGE);
    size += qt_arg_scalar(p + size, 3, QT_T_UINT, 64, len);
    size += qt_ktask_comm_arg(k, p + size, 9);
    r->nargs = 4;
    qt_rec_end(v, r, size, now);
}
