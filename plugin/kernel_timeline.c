/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "kernel_image.h"
#include "modules.h"
#include "kernel_syscalls.h"
#include "kernel_timeline.h"

/* A QT_REC_PROC record of kind about the task on v, room for max bytes. */
static struct qt_rec_call *proc_begin(struct qt_vcpu *v, struct qt_ktask *k, enum qt_proc_kind kind, size_t max,
                                      uint64_t *now)
{
    struct qt_who w;
    qt_ktask_who(k, &w);
    *now = qt_out_now(qt.out);
    return qt_rec_begin(v, QT_REC_PROC, max, &w, kind, *now, qt_vcpu_icount(v));
}

static void proc_record_task(struct qt_vcpu *v, struct qt_ktask *k, enum qt_proc_kind kind, uint64_t task)
{
    uint64_t now;
    struct qt_rec_call *r = proc_begin(v, k, kind, sizeof(struct qt_rec_call) + QT_ARG_MAX_BYTES, &now);
    struct qt_argslot slot = { 1, kind == QT_PROC_MODULE ? QT_T_MODULE : QT_T_TASK, 64 };
    size_t size = sizeof(*r);
    size += qt_arg_put(v, (uint8_t *)r + size, &slot, task);
    r->nargs = 1;
    qt_rec_end(v, r, size, now);
}


void qt_ktl_on_new_task(unsigned vi, void *u)
{
    (void)u;
    struct qt_vcpu *v = qt_vcpu(vi);
    struct qt_ktask *k = qt_ktask(v);
    uint64_t child = qt_vcpu_karg(v, 1);
    uint32_t pid, tgid;
    char comm[16];
    if (child < qt_kernel_space || !qt_ktask_read_ids(v, child, &pid, &tgid, comm))
        return;
    bool parent_sel = qt_ktask_selected(v, k);
    if (parent_sel && qt.opts.follow && (qt.opts.comm || qt.opts.pid))
        qt_ktask_follow(tgid);
    if (parent_sel || qt_ktask_ids_selected(pid, tgid, comm))
        proc_record_task(v, k, k->ids && tgid == k->tgid ? QT_PROC_THREAD : QT_PROC_FORK, child);
}


/* argc NUL-terminated strings at p (bprm->p: argv in the new program's stack) into d[0..cap). */
static size_t read_argv(struct qt_vcpu *v, uint64_t p, uint64_t argc, uint8_t *d, size_t cap, uint8_t *flags)
{
    size_t len = 0;
    *flags = 0;
    for (uint64_t i = 0; i < argc && p; i++) {
        if (i >= QT_STRV_MAX || len + 2 > cap) {
            *flags |= QT_ARG_TRUNCATED;
            break;
        }
        bool trunc;
        int n = qt_mem_read_str(&v->mem, p, (char *)d + len, cap - len - 1, &trunc);
        if (n < 0) {
            *flags |= i == 0 ? QT_ARG_UNREADABLE : QT_ARG_TRUNCATED;
            break;
        }
        len += (size_t)n;
        d[len++] = 0;
        if (trunc) {
            *flags |= QT_ARG_TRUNCATED;
            break;
        }
        p += (uint64_t)n + 1;
    }
    return (*flags & QT_ARG_UNREADABLE) ? 0 : len;
}


void qt_ktl_on_exec(unsigned vi, void *u)
{
    (void)u;
    struct qt_vcpu *v = qt_vcpu(vi);
    struct qt_ktask *k = qt_ktask(v);
    uint64_t bprm = qt_vcpu_karg(v, 1);
    bool was = qt_ktask_selected(v, k) || (k->exec_from && k->exec_from == k->key);
    k->exec_from = 0;
    qt_ktask_renamed(v, k);
    bool sel_now = qt_ktask_selected(v, k);
    /* a selected process that execs out of the selection (--comm ktest, a child of ktest exec'ing
     * sh) still shows its execve and the exec: the last things it did while selected */
    if ((!was && !sel_now) || bprm < qt_kernel_space)
        return;
    const struct qt_klayout *L = &qt_kernel.L;
    uint64_t filename = 0, p = 0, argc = 0;
    if (L->binprm_filename.found)
        qt_mem_read_uint(&v->mem, bprm + L->binprm_filename.off, 8, &filename);
    if (L->binprm_p.found)
        qt_mem_read_uint(&v->mem, bprm + L->binprm_p.off, 8, &p);
    if (L->binprm_argc.found)
        qt_mem_read_uint(&v->mem, bprm + L->binprm_argc.off, 4, &argc);
    uint8_t argv[QT_STR_MAX], flags;
    size_t alen = read_argv(v, p, argc, argv, sizeof(argv), &flags);
    if (qt.opts.syscalls)
        qt_ksys_exec(v, k, filename, p, argv, alen, flags);
    uint64_t now;
    size_t used;
    struct qt_rec_call *r = proc_begin(v, k, QT_PROC_EXEC, sizeof(struct qt_rec_call) + 3 * QT_ARG_MAX_BYTES, &now);
    struct qt_argslot path = { 1, QT_T_STR, 64 };
    size_t size = sizeof(*r);
    size += qt_arg_put(v, (uint8_t *)r + size, &path, filename);
    uint8_t *d = qt_arg_raw((uint8_t *)r + size, 2, QT_T_STRV, 64, p, flags, alen, &used);
    memcpy(d, argv, alen);
    size += used;
    size_t cl = strnlen(k->comm, 15);
    uint8_t *c = qt_arg_raw((uint8_t *)r + size, 3, QT_T_STR, 64, 0, 0, cl, &used);
    memcpy(c, k->comm, cl);
    size += used;
    r->nargs = 3;
    qt_rec_end(v, r, size, now);
    if (!sel_now) /* a later exec back into the selection must not be taken as already recorded */
        qt_ksys_forget(k);
}

void qt_ktl_on_exit(unsigned vi, void *u)
{
    (void)u;
    struct qt_vcpu *v = qt_vcpu(vi);
    struct qt_ktask *k = qt_ktask(v);
    if (!qt_ktask_selected(v, k))
        return;
    uint64_t code = qt_vcpu_karg(v, 1);
    uint64_t now;
    struct qt_rec_call *r = proc_begin(v, k, QT_PROC_EXIT, sizeof(struct qt_rec_call) + 16, &now);
    size_t size = sizeof(*r);
    size += qt_arg_scalar((uint8_t *)r + size, 1, QT_T_EXITCODE, 32, code);
    r->nargs = 1;
    qt_rec_end(v, r, size, now);
}

void qt_ktl_on_module(unsigned vi, void *u)
{
    (void)u;
    struct qt_vcpu *v = qt_vcpu(vi);
    struct qt_ktask *k = qt_ktask(v);
    qt_ktask_current(v, k);
    proc_record_task(v, k, QT_PROC_MODULE, qt_vcpu_karg(v, 1)); /* every module load, whoever loads it */
}

/* The kernel starts the program an exec loaded, its initial stack at sp: a PIE's load address. */
void qt_ktl_on_start_thread(unsigned vi, void *u)
{
    (void)u;
    struct qt_vcpu *v = qt_vcpu(vi);
    if (v)
        qt_modules_exec(v, qt_vcpu_karg(v, 3));
}

/* A kernel panic, whoever runs: how the guest ended (qtrace's exit status says so). */
void qt_ktl_on_panic(unsigned vi, void *u)
{
    (void)u;
    struct qt_vcpu *v = qt_vcpu(vi);
    if (!v)
        return;
    struct qt_ktask *k = qt_ktask(v);
    qt_ktask_current(v, k);
    uint64_t now;
    struct qt_rec_call *r = proc_begin(v, k, QT_PROC_PANIC, sizeof(struct qt_rec_call) + QT_ARG_MAX_BYTES, &now);
    struct qt_argslot msg = { 1, QT_T_STR, 64 };
    size_t size = sizeof(*r);
    size += qt_arg_put(v, (uint8_t *)r + size, &msg, qt_vcpu_karg(v, 1));
    r->nargs = 1;
    qt_rec_end(v, r, size, now);
}
