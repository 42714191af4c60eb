/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The task each vCPU runs, and whether it is recorded (comm=, pid=, follow=).
 *
 * The current task is the per-cpu current_task, read through the per-CPU base register
 * (arch->percpu_reg in kernel mode, percpu_user_reg in user mode); once the kernel has
 * switched tasks on a vCPU, it comes from the __switch_to(prev, next) hook instead (no memory
 * read per event, and right in user mode under KPTI, where the per-cpu area is not mapped).
 * Its pid, tgid and comm are cached per vCPU, read in kernel mode at the switch, at exec and
 * at comm changes, and so is the decision whether it is recorded: callbacks read a flag.
 */
#ifndef QTRACE_KERNEL_TASK_H
#define QTRACE_KERNEL_TASK_H

#include "record.h"

struct qt_ktask {
    uint64_t task;          /* the task running on this vCPU, 0 if unknown */
    bool switched;          /* task comes from the __switch_to hook (exact from then on) */
    bool ids;               /* pid, tgid, comm are task's */
    uint32_t pid, tgid;
    char comm[16];
    uint64_t key;           /* task's identity (task ^ pid << 44: addresses are reused) */
    uint64_t sel_key;       /* sel is valid for this task and generation */
    uint32_t sel_gen;
    bool sel;
    uint64_t exec_from;     /* key of a selected task that an exec is renaming (its exec is still shown) */
};

/* filter: comm= or pid= given. */
void qt_ktask_init(bool filter);
/* v's task state. */
struct qt_ktask *qt_ktask(struct qt_vcpu *v);
/* The task running on v (0 if unknown); k->key is its identity. */
uint64_t qt_ktask_current(struct qt_vcpu *v, struct qt_ktask *k);
/* Is the task running on v recorded? (always, without comm=/pid=) */
bool qt_ktask_selected(struct qt_vcpu *v, struct qt_ktask *k);
/* Would a task with these ids be recorded? (follow=: a selected one's children are) */
bool qt_ktask_ids_selected(uint32_t pid, uint32_t tgid, const char *comm);
/* follow=: the process tgid is followed from now on. */
void qt_ktask_follow(uint32_t tgid);
/* A task's pid, tgid and comm from its task_struct; false if unreadable. */
bool qt_ktask_read_ids(struct qt_vcpu *v, uint64_t task, uint32_t *pid, uint32_t *tgid, char comm[16]);
/* The current task's name changed (exec, prctl): read it again, decide again. */
void qt_ktask_renamed(struct qt_vcpu *v, struct qt_ktask *k);
/* Who a record of the task running on v is about. */
void qt_ktask_who(const struct qt_ktask *k, struct qt_who *w);
/* The task's comm as argument pos (QT_T_STR, empty if not known) at p; returns the bytes used. */
size_t qt_ktask_comm_arg(const struct qt_ktask *k, uint8_t *p, int pos);

/* The task ops of the layers below (threads.h) */
uint64_t qt_ktask_current_key(struct qt_vcpu *v);
bool qt_ktask_task_ids(struct qt_vcpu *v, uint64_t task, uint32_t *tid, uint32_t *tgid, char comm[16]);
bool qt_ktask_selected_now(struct qt_vcpu *v);

/* Hooks: __switch_to(prev, next), __set_task_comm(tsk, buf, exec) */
void qt_ktask_on_switch(unsigned vcpu_index, void *udata);
void qt_ktask_on_comm(unsigned vcpu_index, void *udata);

#endif
