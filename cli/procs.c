/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "procs.h"

#include <stdlib.h>
#include <string.h>

#include "kargtype.h"
#include "writer.h"

#define NONE SIZE_MAX
#define CLONE_THREAD_FLAG 0x10000u  /* clone(2)'s CLONE_THREAD: a thread of the caller's process */

void qtc_procs_init(struct qtc_procs *t, const struct qtr *r)
{
    memset(t, 0, sizeof(*t));
    t->system = r->hdr.mode == QT_MODE_SYSTEM;
    if (!t->system && r->nmaps) { /* user mode: the program's name, for processes that exec nothing */
        const char *slash = strrchr(r->maps[0].name, '/');
        t->prog = slash ? slash + 1 : r->maps[0].name;
    }
}

static void free_argv(struct qtc_proc *p)
{
    for (int i = 0; i < p->argc; i++)
        free(p->argv[i]);
    free(p->argv);
    p->argv = NULL;
    p->argc = 0;
}

void qtc_procs_free(struct qtc_procs *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->p[i].exe);
        free_argv(&t->p[i]);
    }
    free(t->p);
    free(t->order);
    qtc_map_free(&t->by_pid);
    qtc_map_free(&t->tids);
    memset(t, 0, sizeof(*t));
}

unsigned qtc_proc_shell_status(uint64_t code)
{
    return (code & 0x7f) ? 128u + (unsigned)(code & 0x7f) : (unsigned)((code >> 8) & 0xff);
}

static void set_comm(struct qtc_proc *p, const void *s, size_t n);

/* A new process pid, first seen at ts. */
static size_t add(struct qtc_procs *t, uint32_t pid, uint64_t ts)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 64;
        t->p = qtc_xrealloc(t->p, t->cap * sizeof(*t->p));
    }
    struct qtc_proc *p = &t->p[t->n];
    memset(p, 0, sizeof(*p));
    p->pid = pid;
    p->start_ns = p->end_ns = ts;
    p->parent = p->first_child = p->next_sibling = NONE;
    p->has_start = !t->system;
    if (t->prog)
        set_comm(p, t->prog, strlen(t->prog));
    *qtc_map_slot(&t->by_pid, pid, 0, true) = (void *)(uintptr_t)(t->n + 1);
    return t->n++;
}

/* The current process of pid, created at ts if there is none. */
static struct qtc_proc *get(struct qtc_procs *t, uint32_t pid, uint64_t ts)
{
    uintptr_t i = (uintptr_t)qtc_map_get(&t->by_pid, pid, 0);
    size_t at = i ? i - 1 : add(t, pid, ts); /* add() may move the table */
    return &t->p[at];
}

/* Thread tid of process p seen. */
static void thread_seen(struct qtc_procs *t, struct qtc_proc *p, uint32_t tid)
{
    void **s = qtc_map_slot(&t->tids, p->pid, tid, true);
    if (*s != (void *)(uintptr_t)(p - t->p + 1)) {
        *s = (void *)(uintptr_t)(p - t->p + 1);
        p->threads++;
    }
}

static void set_comm(struct qtc_proc *p, const void *s, size_t n)
{
    n = strnlen(s, n < sizeof(p->comm) - 1 ? n : sizeof(p->comm) - 1);
    memcpy(p->comm, s, n);
    p->comm[n] = '\0';
}

/* The argument at position pos of ev, or NULL. */
static const struct qtr_arg *arg_at(const struct qtr_event *ev, unsigned pos)
{
    for (int i = 0; i < ev->nargs; i++)
        if (ev->args[i].a->pos == pos)
            return &ev->args[i];
    return NULL;
}

/* A decoded kernel object of at least size bytes (QT_T_TASK, QT_T_CRED), else false. */
static bool kd_of(const struct qtr_arg *a, unsigned type, void *d, size_t size)
{
    if (!a || a->a->type != type || (a->a->flags & QT_ARG_UNREADABLE) || a->a->len < size)
        return false;
    memcpy(d, a->data, size);
    return true;
}

static char *strndup_x(const void *s, size_t n)
{
    char *c = qtc_xmalloc(n + 1);
    memcpy(c, s, n);
    c[n] = '\0';
    return c;
}

/* exe and argv from a file argument and a string vector (QT_T_STRV: NUL-separated). */
static void set_exec(struct qtc_proc *p, const struct qtr_arg *file, const struct qtr_arg *argv)
{
    free(p->exe);
    p->exe = NULL;
    if (file && file->a->type == QT_T_STR && !(file->a->flags & QT_ARG_UNREADABLE))
        p->exe = strndup_x(file->data, strnlen((const char *)file->data, file->a->len));
    free_argv(p);
    p->argv_truncated = false;
    if (!argv || argv->a->type != QT_T_STRV || (argv->a->flags & QT_ARG_UNREADABLE))
        return;
    const char *d = (const char *)argv->data, *end = d + argv->a->len;
    while (d < end) {
        size_t n = strnlen(d, (size_t)(end - d));
        p->argv = qtc_xrealloc(p->argv, (size_t)(p->argc + 1) * sizeof(char *));
        p->argv[p->argc++] = strndup_x(d, n);
        d += n + 1;
    }
    p->argv_truncated = (argv->a->flags & QT_ARG_TRUNCATED) != 0;
}

/* ---- system mode: the kernel's process records ------------------------------------------ */

static void on_proc(struct qtc_procs *t, const struct qtr_event *ev)
{
    const struct qt_rec_call *c = ev->call;
    uint64_t ts = ev->ts_ns;
    struct qtc_proc *p;
    switch (c->func) {
    case QT_PROC_FORK: {
        struct qt_kd_task d;
        if (!kd_of(arg_at(ev, 1), QT_T_TASK, &d, sizeof(d)) || !(d.have & QT_KD_IDS))
            return;
        uint32_t parent = c->pid;
        struct qtc_proc *pp = get(t, parent, ts);
        thread_seen(t, pp, c->tid);
        pp->end_ns = ts;
        size_t i = add(t, d.tgid, ts);
        p = &t->p[i];
        p->has_start = true;
        p->ppid = (d.have & QT_KD_PPID) ? d.ppid : parent;
        p->has_ppid = true;
        if (d.have & QT_KD_UID) {
            p->uid = d.uid;
            p->has_uid = true;
        }
        if (d.have & QT_KD_COMM)
            set_comm(p, d.comm, sizeof(d.comm));
        thread_seen(t, p, d.pid);
        return;
    }
    case QT_PROC_THREAD: {
        struct qt_kd_task d;
        p = get(t, c->pid, ts);
        if (kd_of(arg_at(ev, 1), QT_T_TASK, &d, sizeof(d)) && (d.have & QT_KD_IDS))
            thread_seen(t, p, d.pid);
        break;
    }
    case QT_PROC_EXEC: {
        p = get(t, c->pid, ts);
        set_exec(p, arg_at(ev, 1), arg_at(ev, 2));
        const struct qtr_arg *comm = arg_at(ev, 3);
        if (comm && comm->a->type == QT_T_STR)
            set_comm(p, comm->data, comm->a->len);
        break;
    }
    case QT_PROC_EXIT: {
        p = get(t, c->pid, ts);
        const struct qtr_arg *code = arg_at(ev, 1);
        if (code) {
            p->exit_code = qt_arg_low_bits(code->a->value, code->a->bits);
            p->exited = true;
        }
        break;
    }
    case QT_PROC_CRED: {
        struct qt_kd_cred d;
        t->have_cred = true;
        p = get(t, c->pid, ts);
        if (kd_of(arg_at(ev, 1), QT_T_CRED, &d, sizeof(d)) && (d.have & QT_KD_CRED_IDS) && c->tid == c->pid) {
            p->uid = d.uid;
            p->euid = d.euid;
            p->has_uid = p->has_euid = true;
        }
        break;
    }
    case QT_PROC_RUN: {
        const struct qtr_arg *u = arg_at(ev, 1), *k = arg_at(ev, 2), *comm = arg_at(ev, 3);
        t->have_insns = true;
        p = get(t, c->pid, ts);
        p->user_insns += u ? u->a->value : 0;
        p->kernel_insns += k ? k->a->value : 0;
        if (comm && comm->a->type == QT_T_STR && comm->a->len && c->tid == c->pid)
            set_comm(p, comm->data, comm->a->len); /* the name the process has now (kernel threads name themselves) */
        thread_seen(t, p, c->tid);
        return; /* a task leaving its vCPU after its exit is not a later event of it */
    }
    case QT_PROC_VCPU: {
        const struct qtr_arg *u = arg_at(ev, 1), *k = arg_at(ev, 2);
        t->have_totals = true;
        t->total_user += u ? u->a->value : 0;
        t->total_kernel += k ? k->a->value : 0;
        t->nvcpus++;
        return;
    }
    default:
        return; /* module loads and kinds this qtrace does not know */
    }
    thread_seen(t, p, c->tid);
    if (ts > p->end_ns)
        p->end_ns = ts;
}

/* ---- user mode: threads, and with --syscalls fork, exec and exit ------------------------ */

/* The process of user-mode thread tid (a process of its own until a clone says otherwise). */
static struct qtc_proc *user_proc(struct qtc_procs *t, uint32_t tid, uint64_t ts)
{
    uintptr_t i = (uintptr_t)qtc_map_get(&t->tids, 0, tid);
    if (i)
        return &t->p[i - 1];
    struct qtc_proc *p = get(t, tid, ts);
    *qtc_map_slot(&t->tids, 0, tid, true) = (void *)(uintptr_t)(p - t->p + 1);
    p->threads++;
    return p;
}

static void on_user_syscall(struct qtc_procs *t, const struct qtr *r, const struct qtr_event *ev)
{
    const struct qt_rec_call *c = ev->call;
    struct qtc_proc *p = user_proc(t, c->tid, ev->ts_ns);
    p->end_ns = ev->ts_ns;
    t->have_syscalls = true;
    const char *name = qtw_syscall_name(r, c->func);
    if (!name)
        return;
    const struct qtr_arg *a1 = arg_at(ev, 1);
    if (ev->type == QT_REC_SYSCALL && (!strcmp(name, "execve") || !strcmp(name, "execveat"))) {
        bool at = name[6] == 'a';
        set_exec(p, arg_at(ev, at ? 2 : 1), arg_at(ev, at ? 3 : 2));
    } else if (ev->type == QT_REC_SYSCALL && (!strcmp(name, "exit_group") || (!strcmp(name, "exit") && p->threads == 1))) {
        p->exit_code = a1 ? (a1->a->value & 0xff) << 8 : 0;
        p->exited = true;
    } else if (ev->type == QT_REC_SYSRET && (!strcmp(name, "clone") || !strcmp(name, "clone3") ||
                                             !strcmp(name, "fork") || !strcmp(name, "vfork"))) {
        const struct qtr_arg *ret = qtw_retval(ev);
        int64_t child = ret ? (int64_t)ret->a->value : -1;
        if (child <= 0 || child > UINT32_MAX)
            return;
        /* clone's flags are its first argument (clone3's are in a structure: taken as a fork) */
        if (!strcmp(name, "clone") && a1 && (a1->a->value & CLONE_THREAD_FLAG)) {
            *qtc_map_slot(&t->tids, 0, (uint32_t)child, true) = (void *)(uintptr_t)(p - t->p + 1);
            p->threads++;
            return;
        }
        size_t parent = (size_t)(p - t->p);
        /* the child's own events may come before its parent's return from fork: it is that process */
        uintptr_t seen = (uintptr_t)qtc_map_get(&t->tids, 0, (uint32_t)child);
        size_t i = seen && !t->p[seen - 1].has_ppid ? seen - 1 : add(t, (uint32_t)child, ev->ts_ns);
        p = &t->p[i];
        p->has_start = true;
        p->ppid = t->p[parent].pid;
        p->has_ppid = true;
        if (!seen || seen - 1 != i) {
            *qtc_map_slot(&t->tids, 0, (uint32_t)child, true) = (void *)(uintptr_t)(i + 1);
            p->threads++;
        }
    }
}

void qtc_procs_event(struct qtc_procs *t, const struct qtr *r, const struct qtr_event *ev)
{
    if (t->system) {
        if (ev->type == QT_REC_PROC && ev->call)
            on_proc(t, ev);
        return;
    }
    if (ev->type == QT_REC_THREAD && ev->thread) {
        user_proc(t, ev->thread->tid, ev->ts_ns);
    } else if ((ev->type == QT_REC_SYSCALL || ev->type == QT_REC_SYSRET) && ev->call) {
        on_user_syscall(t, r, ev);
    } else if (ev->call && ev->call->tid) {
        struct qtc_proc *p = user_proc(t, ev->call->tid, ev->ts_ns);
        if (ev->ts_ns > p->end_ns)
            p->end_ns = ev->ts_ns;
    }
}

/* ---- the tree --------------------------------------------------------------------------- */

void qtc_procs_finish(struct qtc_procs *t)
{
    /* the parent: the latest process of that pid that started before the child (pids are reused) */
    for (size_t i = 0; i < t->n; i++) {
        struct qtc_proc *p = &t->p[i];
        if (!p->has_ppid || p->ppid == p->pid)
            continue;
        for (size_t j = i; j-- > 0;)
            if (t->p[j].pid == p->ppid) {
                p->parent = j;
                break;
            }
    }
    /* children in order of appearance (the table's order): append each to its parent's list */
    size_t *last = qtc_xmalloc((t->n ? t->n : 1) * sizeof(size_t));
    for (size_t i = 0; i < t->n; i++)
        last[i] = NONE;
    for (size_t i = 0; i < t->n; i++) {
        size_t pa = t->p[i].parent;
        if (pa == NONE)
            continue;
        if (last[pa] == NONE)
            t->p[pa].first_child = i;
        else
            t->p[last[pa]].next_sibling = i;
        last[pa] = i;
    }
    free(last);
    /* depth first from the roots, by pid order of the roots */
    free(t->order);
    t->order = qtc_xmalloc((t->n ? t->n : 1) * sizeof(size_t));
    size_t *stack = qtc_xmalloc((t->n ? t->n : 1) * sizeof(size_t)), no = 0;
    size_t *roots = qtc_xmalloc((t->n ? t->n : 1) * sizeof(size_t)), nr = 0;
    for (size_t i = 0; i < t->n; i++)
        if (t->p[i].parent == NONE)
            roots[nr++] = i;
    for (size_t a = 1; a < nr; a++) /* insertion sort: roots by pid */
        for (size_t b = a; b > 0 && t->p[roots[b - 1]].pid > t->p[roots[b]].pid; b--) {
            size_t x = roots[b];
            roots[b] = roots[b - 1];
            roots[b - 1] = x;
        }
    for (size_t ri = 0; ri < nr; ri++) {
        size_t sp = 0;
        stack[sp++] = roots[ri];
        t->p[roots[ri]].depth = 0;
        while (sp) {
            size_t i = stack[--sp];
            t->order[no++] = i;
            /* push children in reverse so the first comes out first */
            size_t nc = 0;
            for (size_t c = t->p[i].first_child; c != NONE; c = t->p[c].next_sibling)
                nc++;
            size_t base = sp;
            sp += nc;
            size_t k = sp;
            for (size_t c = t->p[i].first_child; c != NONE; c = t->p[c].next_sibling) {
                t->p[c].depth = t->p[i].depth + 1;
                stack[--k] = c;
            }
            (void)base;
        }
    }
    free(stack);
    free(roots);
}
