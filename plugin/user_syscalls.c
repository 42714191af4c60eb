/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calls.h"
#include "modules.h"
#include "user_syscalls.h"
#include "sb.h"
#include "syscalls.h"

#define MAX_FDS 1024
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

/* The system call in progress on each vCPU (entry to return). */
struct sys_state {
    int64_t nr;
    uint64_t args[6];
    char path[QT_STR_MAX + 1];  /* open/openat: the file name */
};
static struct sys_state sys_state[QT_OUT_MAX_VCPUS];

static void sys_call(struct qt_thread *t, long nr, const uint64_t *args, struct qt_sys_call *c)
{
    memset(c, 0, sizeof(*c));
    c->abi = qt.arch->id;
    c->nr = nr;
    c->func = (uint64_t)nr;
    memcpy(c->args, args, sizeof(c->args));
    c->bits = 64;
    c->depth = qt_thread_depth(t);
}

static void record_entry(struct qt_vcpu *v, long nr, const uint64_t *args)
{
    struct qt_thread *t = qt_thread_current(v, qt_vsb(v->index), 0);
    if (!t)
        return;
    struct qt_sys_call c;
    uint8_t unread;
    sys_call(t, nr, args, &c);
    qt_rec_sys_entry(v, &t->who, &c, &unread);
}

static void record_return(struct qt_vcpu *v, long nr, const uint64_t *args, int64_t ret)
{
    struct qt_thread *t = qt_thread_current(v, qt_vsb(v->index), 0);
    if (!t)
        return;
    struct qt_sys_call c;
    sys_call(t, nr, args, &c);
    qt_rec_sys_return(v, &t->who, &c, ret, 0);
}

/* execve: QEMU's linux-user hands the new program to the host kernel, which runs it natively
 * (unless binfmt_misc sends it back to a QEMU): it is not traced. Say so, and how to trace it. */
static void exec_note(struct qt_vcpu *v, uint64_t path_addr)
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
    struct qt_vcpu *v = qt_vcpu(vi);
    if (!v)
        return;
    struct sys_state *ss = &sys_state[vi];
    uint64_t args[6] = { a1, a2, a3, a4, a5, a6 };
    ss->nr = num;
    memcpy(ss->args, args, sizeof(args));
    ss->path[0] = '\0';
    if (num == nr_openat || num == nr_open) {
        bool trunc;
        int n = qt_mem_read_str(&v->mem, num == nr_openat ? a2 : a1, ss->path, QT_STR_MAX, &trunc);
        ss->path[n > 0 && !trunc ? n : 0] = '\0';
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
    struct qt_vcpu *v = qt_vcpu(vi);
    if (!v)
        return;
    struct sys_state *ss = &sys_state[vi];
    if ((num == nr_openat || num == nr_open) && ret >= 0 && ret < MAX_FDS && ss->path[0]) {
        char *p = strdup(ss->path);
        pthread_mutex_lock(&fd_lock);
        free(fd_path[ret]);
        fd_path[ret] = p;
        pthread_mutex_unlock(&fd_lock);
    } else if (num == nr_close && ret == 0 && ss->args[0] < MAX_FDS) {
        pthread_mutex_lock(&fd_lock);
        free(fd_path[ss->args[0]]);
        fd_path[ss->args[0]] = NULL;
        pthread_mutex_unlock(&fd_lock);
    } else if (num == nr_mmap && ret > 0 && (uint64_t)ret < (uint64_t)-4096 && ss->args[4] < MAX_FDS) {
        char path[QT_STR_MAX + 1] = "";
        pthread_mutex_lock(&fd_lock);
        if (fd_path[ss->args[4]])
            snprintf(path, sizeof(path), "%s", fd_path[ss->args[4]]);
        pthread_mutex_unlock(&fd_lock);
        if (path[0])
            qt_modules_mapped(path, (uint64_t)ret, ss->args[5], NULL);
    }
    if (ret == 0 && is_fork(num, ss->args[0])) {
        /* we are the child */
        qt_out_forked(qt.out, vi);
        qt_threads_forked(v);
    }
    if (qt.opts.syscalls)
        record_return(v, num, ss->args, ret);
    ss->nr = -1;
}

void qt_user_syscalls_init(void)
{
    if (qt.system)
        return; /* syscall callbacks only fire in user mode */
    enum qt_arch a = qt.arch->id;
    nr_open = qt_syscall_nr(a, "open");
    nr_openat = qt_syscall_nr(a, "openat");
    nr_close = qt_syscall_nr(a, "close");
    nr_mmap = qt_syscall_nr(a, "mmap2"); /* where the ABI has it (the old mmap takes a struct) */
    if (nr_mmap < 0)
        nr_mmap = qt_syscall_nr(a, "mmap");
    nr_clone = qt_syscall_nr(a, "clone");
    nr_clone3 = qt_syscall_nr(a, "clone3");
    nr_fork = qt_syscall_nr(a, "fork");
    nr_vfork = qt_syscall_nr(a, "vfork");
    nr_execve = qt_syscall_nr(a, "execve");
    nr_execveat = qt_syscall_nr(a, "execveat");
    qemu_plugin_register_vcpu_syscall_cb(qt.id, on_syscall);
    qemu_plugin_register_vcpu_syscall_ret_cb(qt.id, on_sysret);
}
