/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * System calls in user mode (QEMU's syscall callbacks fire only there).
 *
 * Watched always, because function tracing depends on them:
 *   openat/open + close   which file each descriptor is (a small table, under a lock:
 *                         syscalls are rare next to calls)
 *   mmap                  a file mapped at offset 0 that is an ELF shared library becomes a
 *                         module: its functions get names and can be traced
 *   clone/fork/vfork      the child continues the parent's shadow stack; buffers are flushed
 *                         before the fork so that the child does not inherit unwritten records
 *   execve                the new program is not run under QEMU: flushed and said in the trace
 * Recorded with syscalls=on: every call with its arguments (paths and buffers read from guest
 * memory, bounded) and its return value, as QT_REC_SYSCALL / QT_REC_SYSRET.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qtrace.h"
#include "sb.h"
#include "syscalls.h"

#define MAX_FDS 1024
#define BUF_BYTES 64        /* bytes of read/write buffers kept (strace shows 32) */
#define CLONE_VM_FLAG 0x100
#define CLONE_THREAD_FLAG 0x10000

static char *fd_path[MAX_FDS];
static pthread_mutex_t fd_lock = PTHREAD_MUTEX_INITIALIZER;
static long nr_open = -1, nr_openat, nr_close, nr_mmap, nr_clone, nr_clone3, nr_fork, nr_vfork,
            nr_execve, nr_execveat;

static bool is_fork(long nr, uint64_t a1)
{
    if (nr == nr_fork || nr == nr_vfork)
        return true;
    if (nr == nr_clone)
        return !(a1 & CLONE_THREAD_FLAG);
    return nr == nr_clone3; /* clone3's flags are in memory; threads are told apart at return */
}

/* Read a guest buffer of len bytes (at most BUF_BYTES) as a string argument. */
static size_t put_buf(struct vcpu *v, uint8_t *p, int pos, uint64_t addr, uint64_t len)
{
    struct qt_arg *a = (struct qt_arg *)p;
    memset(a, 0, sizeof(*a));
    a->pos = (uint8_t)pos;
    a->type = QT_T_STR;
    a->bits = 64;
    a->value = addr;
    uint64_t n = len < BUF_BYTES ? len : BUF_BYTES;
    if (addr == 0) {
        a->flags = QT_ARG_NULL;
    } else if (n > 0 && !v->mem.read(v->mem.ctx, addr, p + sizeof(*a), n)) {
        a->flags = QT_ARG_UNREADABLE;
    } else {
        a->len = (uint16_t)n;
        if (len > n)
            a->flags = QT_ARG_TRUNCATED;
    }
    memset(p + sizeof(*a) + a->len, 0, QT_ALIGN8(a->len) - a->len);
    return sizeof(*a) + QT_ALIGN8(a->len);
}

static struct qt_rec_call *begin(struct vcpu *v, struct thread *t, uint16_t type, long nr, size_t max)
{
    struct qt_rec_call *r = qt_vbuf_reserve(v->buf, max);
    memset(r, 0, sizeof(*r));
    r->h.type = type;
    r->h.vcpu = v->index;
    r->tid = qt_thread_tid(t);
    r->depth = (uint16_t)qt_thread_depth(t);
    r->ts_ns = qt_out_now(qt.out);
    r->icount = qemu_plugin_u64_get(qt.icount, v->index);
    r->func = (uint64_t)nr;
    return r;
}

static void finish(struct vcpu *v, struct qt_rec_call *r, size_t size)
{
    r->h.size = (uint16_t)size;
    qt_vbuf_commit(v->buf, size);
    v->events++;
}

static void record_entry(struct vcpu *v, long nr, const uint64_t *args)
{
    struct thread *t = qt_current_thread(v, 0);
    if (!t)
        return;
    const struct qt_syscall_desc *d = qt_syscall_desc(qt.arch->id, nr);
    int nargs = d ? d->nargs : QT_SYS_MAXARGS;
    size_t max = sizeof(struct qt_rec_call) + (size_t)nargs * (sizeof(struct qt_arg) + QT_STR_MAX + 8);
    struct qt_rec_call *r = begin(v, t, QT_REC_SYSCALL, nr, max);
    size_t size = sizeof(*r);
    for (int i = 0; i < nargs; i++) {
        uint8_t *p = (uint8_t *)r + size;
        enum qt_sa sa = d ? d->arg[i] : QT_SA_HEX;
        if (sa == QT_SA_PATH) {
            struct qt_argslot s = { (uint8_t)(i + 1), QT_T_STR, 64 };
            size += qt_put_arg(v, p, &s, args[i]);
        } else if (sa == QT_SA_BUF_IN && i + 1 < QT_SYS_MAXARGS) {
            size += put_buf(v, p, i + 1, args[i], args[i + 1]);
        } else {
            struct qt_arg *a = (struct qt_arg *)p;
            memset(a, 0, sizeof(*a));
            a->pos = (uint8_t)(i + 1);
            a->type = QT_T_HEX;
            a->bits = 64;
            a->value = args[i];
            size += sizeof(*a);
        }
    }
    r->nargs = (uint16_t)nargs;
    finish(v, r, size);
}

static void record_return(struct vcpu *v, long nr, int64_t ret)
{
    struct thread *t = qt_current_thread(v, 0);
    if (!t)
        return;
    const struct qt_syscall_desc *d = qt_syscall_desc(qt.arch->id, nr);
    size_t max = sizeof(struct qt_rec_call) + 2 * (sizeof(struct qt_arg) + BUF_BYTES + 8);
    struct qt_rec_call *r = begin(v, t, QT_REC_SYSRET, nr, max);
    size_t size = sizeof(*r);
    struct qt_arg *a = (struct qt_arg *)((uint8_t *)r + size);
    memset(a, 0, sizeof(*a));
    a->type = QT_T_INT;
    a->bits = 64;
    a->value = (uint64_t)ret;
    size += sizeof(*a);
    r->nargs = 1;
    for (int i = 0; d && i < d->nargs; i++) {
        if (d->arg[i] == QT_SA_BUF_OUT) {
            uint64_t len = ret > 0 ? (uint64_t)ret : 0;
            size += put_buf(v, (uint8_t *)r + size, i + 1, v->sys_args[i], len);
            r->nargs = 2;
            break;
        }
    }
    finish(v, r, size);
}

/* execve: QEMU's linux-user hands the new program to the host kernel, which runs it natively
 * (unless binfmt_misc sends it back to a QEMU): it is not traced. Say so, and how to trace it. */
static void exec_note(struct vcpu *v, uint64_t path_addr)
{
    char path[QT_STR_MAX + 1];
    bool trunc;
    int n = qt_mem_read_str(&v->mem, path_addr, path, QT_STR_MAX, &trunc);
    struct qt_sb sb;
    qt_sb_init(&sb);
    if (n < 0)
        qt_sb_printf(&sb, "<unreadable 0x%" PRIx64 ">", path_addr);
    else
        qt_sb_put_cescaped(&sb, path, (size_t)n);
    fprintf(stderr,
            "qtrace: pid %d calls execve(\"%s%s\"): if it succeeds, the new program runs outside QEMU, untraced "
            "(to trace it: qtrace run [OPTIONS] -- PROGRAM ARGS)\n",
            (int)getpid(), sb.buf ? sb.buf : "", n >= 0 && trunc ? "..." : "");
    qt_sb_free(&sb);
}

static void on_syscall(qemu_plugin_id_t id, unsigned int vi, int64_t num, uint64_t a1, uint64_t a2,
                       uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6, uint64_t a7, uint64_t a8)
{
    (void)id;
    (void)a7;
    (void)a8;
    struct vcpu *v = qt_vcpu(vi);
    if (!v)
        return;
    uint64_t args[6] = { a1, a2, a3, a4, a5, a6 };
    v->sys_nr = num;
    memcpy(v->sys_args, args, sizeof(args));
    v->sys_path[0] = '\0';
    if (num == nr_openat || num == nr_open) {
        bool trunc;
        int n = qt_mem_read_str(&v->mem, num == nr_openat ? a2 : a1, v->sys_path, QT_STR_MAX, &trunc);
        v->sys_path[n > 0 && !trunc ? n : 0] = '\0';
    }
    if (qt.opts.syscalls)
        record_entry(v, num, args);
    if (is_fork(num, a1) || num == nr_execve || num == nr_execveat)
        qt_out_flush(qt.out, vi); /* the child must not inherit unwritten records */
    if (num == nr_execve || num == nr_execveat)
        exec_note(v, num == nr_execve ? a1 : a2);
}

static void on_sysret(qemu_plugin_id_t id, unsigned int vi, int64_t num, int64_t ret)
{
    (void)id;
    struct vcpu *v = qt_vcpu(vi);
    if (!v)
        return;
    if ((num == nr_openat || num == nr_open) && ret >= 0 && ret < MAX_FDS && v->sys_path[0]) {
        char *p = strdup(v->sys_path);
        pthread_mutex_lock(&fd_lock);
        free(fd_path[ret]);
        fd_path[ret] = p;
        pthread_mutex_unlock(&fd_lock);
    } else if (num == nr_close && ret == 0 && v->sys_args[0] < MAX_FDS) {
        pthread_mutex_lock(&fd_lock);
        free(fd_path[v->sys_args[0]]);
        fd_path[v->sys_args[0]] = NULL;
        pthread_mutex_unlock(&fd_lock);
    } else if (num == nr_mmap && ret > 0 && (uint64_t)ret < (uint64_t)-4096 && v->sys_args[4] < MAX_FDS) {
        char path[QT_STR_MAX + 1] = "";
        pthread_mutex_lock(&fd_lock);
        if (fd_path[v->sys_args[4]])
            snprintf(path, sizeof(path), "%s", fd_path[v->sys_args[4]]);
        pthread_mutex_unlock(&fd_lock);
        if (path[0])
            qt_modules_mapped(path, (uint64_t)ret, v->sys_args[5]);
    }
    if (ret == 0 && is_fork(num, v->sys_args[0]))
        qt_calls_forked(v); /* we are the child */
    if (qt.opts.syscalls)
        record_return(v, num, ret);
    v->sys_nr = -1;
}

void qt_sysmon_init(void)
{
    if (qt.system)
        return; /* syscall callbacks only fire in user mode */
    enum qt_arch a = qt.arch->id;
    nr_open = qt_syscall_nr(a, "open");
    nr_openat = qt_syscall_nr(a, "openat");
    nr_close = qt_syscall_nr(a, "close");
    nr_mmap = qt_syscall_nr(a, a == QT_ARCH_I386 ? "mmap2" : "mmap");
    nr_clone = qt_syscall_nr(a, "clone");
    nr_clone3 = qt_syscall_nr(a, "clone3");
    nr_fork = qt_syscall_nr(a, "fork");
    nr_vfork = qt_syscall_nr(a, "vfork");
    nr_execve = qt_syscall_nr(a, "execve");
    nr_execveat = qt_syscall_nr(a, "execveat");
    qemu_plugin_register_vcpu_syscall_cb(qt.id, on_syscall);
    qemu_plugin_register_vcpu_syscall_ret_cb(qt.id, on_sysret);
}
