/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "execlog.h"
#include "kernel_image.h"
#include "kernel_task.h"

#define MAX_FOLLOW 4096

static bool filtering;          /* comm= or pid= given */
static struct qt_ktask ktasks[QT_OUT_MAX_VCPUS];

void qt_ktask_init(bool filter)
{
    filtering = filter;
}

struct qt_ktask *qt_ktask(struct qt_vcpu *v)
{
    return &ktasks[v->index < QT_OUT_MAX_VCPUS ? v->index : 0];
}

void qt_ktask_who(const struct qt_ktask *k, struct qt_who *w)
{
    w->tid = k->ids ? k->pid : 0;
    w->pid = k->ids ? k->tgid : 0;
    w->asid = 0;
}

size_t qt_ktask_comm_arg(const struct qt_ktask *k, uint8_t *p, int pos)
{
    size_t n = k->ids ? strnlen(k->comm, sizeof(k->comm) - 1) : 0, used;
    memcpy(qt_arg_raw(p, pos, QT_T_STR, 64, 0, 0, n, &used), k->comm, n);
    return used;
}

bool qt_ktask_selected_now(struct qt_vcpu *v)
{
    if (!qt_kernel_loaded())
        return false; /* which process runs is not known yet */
    return qt_ktask_selected(v, qt_ktask(v));
}

static uint32_t sel_gen = 1;    /* bumped when a task's name changes: cached decisions are redone */

/* processes followed (follow=on): their tgids; appended under a lock, read without one */
static uint32_t follow_tgid[MAX_FOLLOW];
static int nfollow;
static pthread_mutex_t follow_lock = PTHREAD_MUTEX_INITIALIZER;
static int follow_full_warned;

static bool follow_has(uint32_t tgid)
{
    int n = __atomic_load_n(&nfollow, __ATOMIC_ACQUIRE);
    for (int i = 0; i < n; i++)
        if (follow_tgid[i] == tgid)
            return true;
    return false;
}

void qt_ktask_follow(uint32_t tgid)
{
    if (follow_has(tgid))
        return;
    pthread_mutex_lock(&follow_lock);
    if (!follow_has(tgid)) {
        if (nfollow < MAX_FOLLOW) {
            follow_tgid[nfollow] = tgid;
            __atomic_store_n(&nfollow, nfollow + 1, __ATOMIC_RELEASE);
        } else if (!follow_full_warned) {
            follow_full_warned = 1;
            fprintf(stderr, "qtrace: warning: follow=on: more than %d processes followed; later ones are not\n",
                    MAX_FOLLOW);
        }
    }
    pthread_mutex_unlock(&follow_lock);
}

/* Is a task with these ids recorded? (comm=, pid=, follow=) */
bool qt_ktask_ids_selected(uint32_t pid, uint32_t tgid, const char *comm)
{
    if (!filtering)
        return true;
    if (qt.opts.pid && (tgid == qt.opts.pid || pid == qt.opts.pid)) {
        if (qt.opts.follow)
            qt_ktask_follow(tgid);
        return true;
    }
    if (qt.opts.comm && qt_glob_match(qt.opts.comm, comm)) {
        if (qt.opts.follow)
            qt_ktask_follow(tgid);
        return true;
    }
    return qt.opts.follow && follow_has(tgid);
}

/* ---- the current task ----------------------------------------------------------------------- */

bool qt_ktask_read_ids(struct qt_vcpu *v, uint64_t task, uint32_t *pid, uint32_t *tgid, char comm[16])
{
    const struct qt_klayout *L = &qt_kernel.L;
    uint64_t p, g;
    if (!qt_mem_read_uint(&v->mem, task + L->task_pid.off, 4, &p) || !qt_mem_read_uint(&v->mem, task + L->task_tgid.off, 4, &g) ||
        !v->mem.read(v->mem.ctx, task + L->task_comm.off, comm, 16))
        return false;
    comm[15] = '\0';
    *pid = (uint32_t)p;
    *tgid = (uint32_t)g;
    return true;
}

/* What identifies a task over the whole run: its address, which the kernel reuses for new tasks
 * once one has gone, combined with its pid (in bits the direct map's addresses keep constant). */
static void set_key(struct qt_ktask *k)
{
    k->key = k->task ^ (k->ids ? (uint64_t)k->pid << 44 : 0);
}

/* The vCPU now runs task (known exactly); read its ids while in kernel mode. */
static void set_task(struct qt_vcpu *v, struct qt_ktask *k, uint64_t task)
{
    if (task != k->task || !k->ids) {
        k->task = task;
        k->ids = task && qt_ktask_read_ids(v, task, &k->pid, &k->tgid, k->comm);
        set_key(k);
        k->sel_key = 0;
    }
}

/* current_task of this CPU from the per-cpu area (0 if unreadable: KPTI in user mode). */
static uint64_t read_current(struct qt_vcpu *v, struct qt_ktask *k)
{
    (void)k;
    uint64_t mode = qt_reg_read(v, v->r_mode);
    uint64_t base = qt_reg_read(v, (mode & 3) ? v->r_percpu_user : v->r_percpu), t = 0;
    if (base < qt_kernel_space || !qt_mem_read_uint(&v->mem, base + qt_kernel.current_task_off, 8, &t) || t < qt_kernel_space)
        return 0;
    return t;
}

/* The address of the task running on v (0 if unknown); k->key is its identity. */
uint64_t qt_ktask_current(struct qt_vcpu *v, struct qt_ktask *k)
{
    if (k->switched)
        return k->task;
    uint64_t t = read_current(v, k);
    if (t && t != k->task)
        set_task(v, k, t);
    return k->task;
}

uint64_t qt_ktask_current_key(struct qt_vcpu *v)
{
    if (!qt_kernel_loaded())
        return 0;
    struct qt_ktask *k = qt_ktask(v);
    return qt_ktask_current(v, k) ? k->key : 0;
}

bool qt_ktask_task_ids(struct qt_vcpu *v, uint64_t task, uint32_t *tid, uint32_t *tgid, char comm[16])
{
    if (!task || !qt_kernel_loaded())
        return false;
    struct qt_ktask *k = qt_ktask(v);
    if (task != k->key || !k->ids)
        return false; /* only the task running on v is known */
    *tid = k->pid;
    *tgid = k->tgid;
    memcpy(comm, k->comm, 16);
    return true;
}

bool qt_ktask_selected(struct qt_vcpu *v, struct qt_ktask *k)
{
    uint64_t t = qt_ktask_current(v, k);
    if (!t)
        return false;
    uint32_t gen = __atomic_load_n(&sel_gen, __ATOMIC_RELAXED);
    if (k->sel_key == k->key && k->sel_gen == gen)
        return k->sel;
    if (!k->ids) {
        k->ids = qt_ktask_read_ids(v, t, &k->pid, &k->tgid, k->comm);
        set_key(k);
    }
    k->sel = k->ids && qt_ktask_ids_selected(k->pid, k->tgid, k->comm);
    k->sel_key = k->key;
    k->sel_gen = gen;
    return k->sel;
}

/* The execution log follows comm=/pid= too: tell it whether the task now running is selected. */
static void execlog_select(struct qt_vcpu *v, struct qt_ktask *k)
{
    if (qt.opts.execlog && filtering)
        qt_execlog_select(v->index, qt_ktask_selected(v, k));
}

void qt_ktask_on_switch(unsigned vi, void *u)
{
    (void)u;
    struct qt_vcpu *v = qt_vcpu(vi);
    struct qt_ktask *k = qt_ktask(v);
    uint64_t next = qt_vcpu_karg(v, 2);
    if (next < qt_kernel_space)
        return;
    set_task(v, k, next);
    k->switched = true;
    execlog_select(v, k);
}

void qt_ktask_renamed(struct qt_vcpu *v, struct qt_ktask *k)
{
    uint64_t t = qt_ktask_current(v, k);
    if (!t)
        return;
    k->ids = qt_ktask_read_ids(v, t, &k->pid, &k->tgid, k->comm);
    set_key(k); /* a thread that execs takes its leader's pid */
    k->sel_key = 0;
    __atomic_fetch_add(&sel_gen, 1, __ATOMIC_RELAXED);
    execlog_select(v, k);
}

void qt_ktask_on_comm(unsigned vi, void *u)
{
    (void)u;
    struct qt_vcpu *v = qt_vcpu(vi);
    struct qt_ktask *k = qt_ktask(v);
    uint64_t tsk = qt_vcpu_karg(v, 1), buf = qt_vcpu_karg(v, 2);
    if (tsk != qt_ktask_current(v, k) || !tsk)
        return;
    /* the new name is not stored yet: take it from buf */
    char comm[16];
    bool trunc;
    int n = qt_mem_read_str(&v->mem, buf, comm, 15, &trunc);
    if (n < 0)
        return;
    comm[n] = '\0';
    if (qt_vcpu_karg(v, 3) && qt_ktask_selected(v, k))
        k->exec_from = k->key; /* __set_task_comm(tsk, buf, exec=true): begin_new_exec renaming it */
    if (k->ids) {
        memcpy(k->comm, comm, sizeof(comm));
        k->sel_key = 0;
        __atomic_fetch_add(&sel_gen, 1, __ATOMIC_RELAXED);
        execlog_select(v, k);
    }
}

