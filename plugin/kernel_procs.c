/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "kernel_image.h"
#include "kernel_procs.h"

/* One vCPU's counters, a cache line each */
struct counts {
    uint64_t user, kernel;
    uint64_t pad[6];
};

/* What a vCPU runs since its last switch: the task its next RUN record is about */
struct running {
    uint32_t tid, pid;          /* as read at the switch to it (0 before the vCPU's first switch) */
    char comm[16];
    uint64_t user0, kernel0;    /* the counters at the switch to it */
};

static struct qemu_plugin_scoreboard *sb;
static qemu_plugin_u64 c_user, c_kernel;
static struct running running[QT_OUT_MAX_VCPUS];

void qt_kprocs_init(void)
{
    _Static_assert(sizeof(struct counts) == 64, "one cache line per vCPU");
    sb = qemu_plugin_scoreboard_new(sizeof(struct counts));
    c_user = qemu_plugin_scoreboard_u64_in_struct(sb, struct counts, user);
    c_kernel = qemu_plugin_scoreboard_u64_in_struct(sb, struct counts, kernel);
}

void qt_kprocs_tb(struct qemu_plugin_tb *tb)
{
    size_t n = qemu_plugin_tb_n_insns(tb);
    if (n)
        qemu_plugin_register_vcpu_tb_exec_inline_per_vcpu(
            tb, QEMU_PLUGIN_INLINE_ADD_U64, qemu_plugin_tb_vaddr(tb) >= qt_kernel_space ? c_kernel : c_user, n);
}

static struct running *running_of(unsigned vi)
{
    return &running[vi < QT_OUT_MAX_VCPUS ? vi : 0];
}

/* A RUN (or VCPU) record about r's task: user and kernel instructions, its comm. */
static void put_counts(struct qt_vcpu *v, const struct running *r, enum qt_proc_kind kind, uint64_t user,
                       uint64_t kernel)
{
    struct qt_who w = { r->tid, r->pid, 0 };
    uint64_t now = qt_out_now(qt.out);
    size_t cl = strnlen(r->comm, 15), size = sizeof(struct qt_rec_call), used;
    struct qt_rec_call *rec = qt_rec_begin(v, QT_REC_PROC, size + 3 * sizeof(struct qt_arg) + 16, &w, kind, now,
                                           qt_vcpu_icount(v));
    size += qt_arg_scalar((uint8_t *)rec + size, 1, QT_T_UINT, 64, user);
    size += qt_arg_scalar((uint8_t *)rec + size, 2, QT_T_UINT, 64, kernel);
    memcpy(qt_arg_raw((uint8_t *)rec + size, 3, QT_T_STR, 64, 0, 0, cl, &used), r->comm, cl);
    size += used;
    rec->nargs = 3;
    qt_rec_end(v, rec, size, now);
}

/* The vCPU switches tasks: the one leaving it gets the instructions since the last switch. */
void qt_kprocs_on_switch(unsigned vi, void *u)
{
    (void)u;
    struct qt_vcpu *v = qt_vcpu(vi);
    struct qt_ktask *k = qt_ktask(v);
    struct running *r = running_of(vi);
    uint64_t prev = qt_vcpu_karg(v, 1), next = qt_vcpu_karg(v, 2);
    if (next < qt_kernel_space)
        return;
    /* prev's ids and name now: it may have exec'd or been renamed since it came (else as it came; on the
     * vCPU's first switch, the task that booted it) */
    struct running now = *r;
    if (prev >= qt_kernel_space)
        qt_ktask_read_ids(v, prev, &now.tid, &now.pid, now.comm);
    uint64_t user = qemu_plugin_u64_get(c_user, vi), kernel = qemu_plugin_u64_get(c_kernel, vi);
    put_counts(v, &now, QT_PROC_RUN, user - r->user0, kernel - r->kernel0);
    r->user0 = user;
    r->kernel0 = kernel;
    /* kernel_task.c's hook ran first and read next's ids */
    if (k->task == next && k->ids) {
        r->tid = k->pid;
        r->pid = k->tgid;
        memcpy(r->comm, k->comm, sizeof(r->comm));
    } else if (!qt_ktask_read_ids(v, next, &r->tid, &r->pid, r->comm)) {
        r->tid = r->pid = 0;
        memcpy(r->comm, "?", 2);
    }
}

void qt_kprocs_on_creds(unsigned vi, void *u)
{
    (void)u;
    struct qt_vcpu *v = qt_vcpu(vi);
    struct qt_ktask *k = qt_ktask(v);
    uint64_t cred = qt_vcpu_karg(v, 1);
    if (cred < qt_kernel_space || !qt_ktask_selected(v, k))
        return;
    struct qt_who w;
    qt_ktask_who(k, &w);
    uint64_t now = qt_out_now(qt.out);
    struct qt_rec_call *rec = qt_rec_begin(v, QT_REC_PROC, sizeof(struct qt_rec_call) + QT_ARG_MAX_BYTES, &w,
                                           QT_PROC_CRED, now, qt_vcpu_icount(v));
    struct qt_argslot slot = { 1, QT_T_CRED, 64 };
    size_t size = sizeof(*rec);
    size += qt_arg_put(v, (uint8_t *)rec + size, &slot, cred);
    rec->nargs = 1;
    qt_rec_end(v, rec, size, now);
}

void qt_kprocs_finish(void)
{
    for (unsigned i = 0; i < QT_OUT_MAX_VCPUS; i++) {
        struct qt_vcpu *v = qt_vcpus[i];
        if (!v)
            continue;
        struct running *r = running_of(i);
        uint64_t user = qemu_plugin_u64_get(c_user, i), kernel = qemu_plugin_u64_get(c_kernel, i);
        put_counts(v, r, QT_PROC_RUN, user - r->user0, kernel - r->kernel0);
        put_counts(v, r, QT_PROC_VCPU, user, kernel);
        r->user0 = user;
        r->kernel0 = kernel;
    }
}
