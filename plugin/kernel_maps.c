/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <string.h>

#include "kargtype.h"
#include "kernel_image.h"
#include "kernel_maps.h"
#include "modules.h"

/* The path of the struct file at file, into path[0..cap); its length, or -1 if unreadable. */
static int file_path(struct qt_vcpu *v, uint64_t file, char *path, size_t cap)
{
    static __thread uint8_t data[sizeof(struct qt_kd_file) + QT_STR_MAX];
    const struct qt_argtype *t = qt_argtype_by_id(QT_T_FILE);
    struct qt_arg a = { .pos = 1, .type = QT_T_FILE, .bits = 64, .value = file };
    struct qt_kd_file d;
    if (!t || !t->decode)
        return -1;
    t->decode(&v->mem, &a, data, sizeof(data));
    if (a.flags & (QT_ARG_UNREADABLE | QT_ARG_TRUNCATED | QT_ARG_NULL) || a.len < sizeof(d))
        return -1;
    memcpy(&d, data, sizeof(d));
    size_t n = a.len - sizeof(d);
    if (!(d.have & QT_KD_FPATH) || n == 0 || n >= cap)
        return -1;
    memcpy(path, data + sizeof(d), n);
    path[n] = '\0';
    return (int)n;
}

static void record_map(struct qt_vcpu *v, struct qt_ktask *k, const char *path, size_t len, uint64_t bias)
{
    struct qt_who w;
    qt_ktask_who(k, &w);
    uint64_t now = qt_out_now(qt.out);
    struct qt_rec_call *r = qt_rec_begin(v, QT_REC_PROC, sizeof(*r) + 2 * QT_ARG_MAX_BYTES, &w, QT_PROC_MAP, now,
                                         qt_vcpu_icount(v));
    size_t size = sizeof(*r), u;
    uint8_t *d = qt_arg_raw((uint8_t *)r + size, 1, QT_T_STR, 64, 0, 0, len, &u);
    memcpy(d, path, len);
    size += u;
    size += qt_arg_scalar((uint8_t *)r + size, 2, QT_T_HEX, 64, bias);
    r->nargs = 2;
    qt_rec_end(v, r, size, now);
}

/* Can paths be read? (said once if not: a layout file without struct file and dentry) */
static bool paths_known(void)
{
    static int known; /* 0 not asked yet, 1 yes, -1 no */
    int k = __atomic_load_n(&known, __ATOMIC_ACQUIRE);
    if (k)
        return k > 0;
    const struct qt_klayout *L = &qt_kernel.L;
    bool yes = L->file_f_path_dentry.found && L->dentry_d_parent.found && L->dentry_d_name_name.found &&
               L->dentry_d_name_len.found;
    int expected = 0;
    if (__atomic_compare_exchange_n(&known, &expected, yes ? 1 : -1, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE) && !yes)
        fprintf(stderr, "qtrace: warning: the kernel's layouts lack struct file or dentry (no BTF): the files the "
                "guest maps cannot be named, shared libraries are not followed\n");
    return yes;
}

void qt_kmaps_on_mmap_region(unsigned vi, void *u)
{
    (void)u;
    struct qt_vcpu *v = qt_vcpu(vi);
    if (!v || !paths_known())
        return;
    uint64_t file = qt_vcpu_karg(v, 1), addr = qt_vcpu_karg(v, 2), pgoff = qt_vcpu_karg(v, 5);
    if (file < qt_kernel_space || pgoff != 0)
        return; /* anonymous memory, or not the file's start (its first mapping is) */
    struct qt_ktask *k = qt_ktask(v);
    char path[QT_STR_MAX + 1];
    int n = file_path(v, file, path, sizeof(path));
    uint64_t bias;
    if (n <= 0)
        return;
    if (!qt_ktask_selected(v, k))
        qt_modules_mapped_unrecorded(path, addr); /* its code is shared with the recorded ones (modules.h) */
    else if (qt_modules_mapped(path, addr, 0, &bias))
        record_map(v, k, path, (size_t)n, bias);
}
