/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The guest's processes, rebuilt from a trace's events (qtrace ps, the ps and ps-json formats).
 *
 * System mode: the kernel's process records (QT_REC_PROC): fork gives pid, parent, uid and comm,
 * exec the program and argv, exit the code, cred later uid changes; with processes=on, run
 * records the instructions each task ran and vcpu records the totals. User mode: the threads the
 * plugin saw (QT_REC_THREAD), and with --syscalls the fork/clone returns (parent), execve calls
 * and exit_group codes.
 *
 * A process is a thread group (tgid): its threads' instructions add up to it. A pid seen again
 * after its process exited and then forked anew is a new process. Its parent is the one that
 * forked it, not the one that reaps it.
 */
#ifndef QTRACE_CLI_PROCS_H
#define QTRACE_CLI_PROCS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reader.h"
#include "util.h"

struct qtc_proc {
    uint32_t pid;               /* thread group id */
    uint32_t ppid;              /* the forking process (valid if has_ppid) */
    uint32_t uid, euid;         /* the last credentials seen (valid if has_uid) */
    bool has_ppid, has_uid, has_euid;
    char comm[16];              /* the last name seen, printable ("" if none) */
    char *exe;                  /* the last program executed (escaped), NULL if no exec was seen */
    char **argv;                /* its argv (escaped), argc strings */
    int argc;
    bool argv_truncated;
    bool has_start;             /* start_ns is its birth: its fork, or in user mode its first event */
    uint64_t start_ns, end_ns;  /* first and last event of it (fork, exit) */
    bool exited;                /* exit_code is the code the last of its threads passed to do_exit */
    uint64_t exit_code;         /* a wait status: status << 8, or the signal (| 0x80: core dumped) */
    uint64_t user_insns, kernel_insns; /* counted while its threads ran (processes=on) */
    uint32_t threads;           /* threads seen (at least 1) */
    size_t parent;              /* index of the parent in the table, SIZE_MAX if it is a root */
    size_t first_child, next_sibling; /* the tree, in start order; SIZE_MAX: none */
    int depth;                  /* in the tree */
};

struct qtc_procs {
    struct qtc_proc *p;         /* in order of first appearance */
    size_t n, cap;
    struct qtc_map by_pid;      /* pid -> index + 1 of its current process */
    struct qtc_map tids;        /* (pid, tid) seen: counts threads */
    bool system;                /* a system-mode trace */
    const char *prog;           /* user mode: the program's file name (the trace's first module), or NULL */
    bool have_insns;            /* run records were found (processes=on) */
    bool have_totals;           /* vcpu records were found */
    bool have_cred;             /* cred records were found */
    bool have_syscalls;         /* user mode: system call records were found (--syscalls) */
    uint64_t total_user, total_kernel; /* the vCPUs' totals (vcpu records) */
    uint32_t nvcpus;            /* vCPUs with totals */
    size_t *order;              /* the tree, depth first: indices, n of them (after qtc_procs_finish) */
};

void qtc_procs_init(struct qtc_procs *t, const struct qtr *r);
/* Take one event into the table. */
void qtc_procs_event(struct qtc_procs *t, const struct qtr *r, const struct qtr_event *ev);
/* Build the tree (parents, children in start order, the depth-first order). */
void qtc_procs_finish(struct qtc_procs *t);
void qtc_procs_free(struct qtc_procs *t);

/* The exit as the shell shows it ($?): status, or 128 + signal. */
unsigned qtc_proc_shell_status(uint64_t code);

#endif
