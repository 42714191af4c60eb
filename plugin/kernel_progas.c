/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "kernel_image.h"
#include "kernel_progas.h"
#include "symtab.h"

/* What program_as knows of the task each vCPU runs (no layout needed). */
struct progas_vcpu {
    uint64_t as_task;       /* the task __switch_to switched to */
    bool as_switched;       /* as_task is known */
    uint64_t as_ok_task;    /* the last task found to be the program's (a cache of as_tasks) */
};
static struct progas_vcpu pvs[QT_OUT_MAX_VCPUS];

#define AS_SLOTS 64
#define AS_FREE 1 /* a freed slot (no cr3 has bit 0 set once masked) */
static uint64_t as_cr3[AS_SLOTS];   /* the program's */
static uint64_t as_not[AS_SLOTS];   /* checked: not the program's */
#define AS_TASKS 256
static uint64_t as_tasks[AS_TASKS]; /* tasks that ran the program's user code */
static int as_full_warned;
static uint8_t as_sig[64];
static size_t as_sig_len;
static uint64_t as_sig_addr;

static uint64_t as_mask(uint64_t cr3)
{
    return cr3 & qt.arch->asid_mask;
}

static bool as_in_n(uint64_t *tab, int n, uint64_t cr3)
{
    for (int i = 0; i < n; i++) {
        uint64_t c = __atomic_load_n(&tab[i], __ATOMIC_ACQUIRE);
        if (c == cr3)
            return true;
        if (c == 0)
            return false;
    }
    return false;
}

static bool as_in(uint64_t *tab, uint64_t cr3)
{
    return as_in_n(tab, AS_SLOTS, cr3);
}

static void as_add_n(uint64_t *tab, int n, uint64_t cr3)
{
    for (int i = 0; i < n; i++) {
        uint64_t c = __atomic_load_n(&tab[i], __ATOMIC_ACQUIRE);
        if (c == cr3)
            return;
        if ((c == 0 || c == AS_FREE) &&
            __atomic_compare_exchange_n(&tab[i], &c, cr3, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
            return;
    }
    if (tab != as_not && !__atomic_exchange_n(&as_full_warned, 1, __ATOMIC_RELAXED))
        fprintf(stderr, "qtrace: warning: program_as=on: more than %d %s of the program at once; the others are not "
                "recorded\n", n, tab == as_cr3 ? "address spaces" : "threads");
}

static void as_add(uint64_t *tab, uint64_t cr3)
{
    as_add_n(tab, AS_SLOTS, cr3);
}

static void as_del_n(uint64_t *tab, int n, uint64_t x)
{
    for (int i = 0; i < n; i++) {
        uint64_t c = __atomic_load_n(&tab[i], __ATOMIC_ACQUIRE);
        if (c == 0)
            return;
        if (c == x)
            __atomic_compare_exchange_n(&tab[i], &c, AS_FREE, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
    }
}

bool qt_progas_selected(struct qt_vcpu *v)
{
    uint64_t cr3 = as_mask(qt_reg_read(v, v->r_asid));
    if (!cr3)
        return false;
    struct progas_vcpu *k = &pvs[v->index < QT_OUT_MAX_VCPUS ? v->index : 0];
    bool user = v->r_mode && (qt_reg_read(v, v->r_mode) & 3);
    if (!as_in(as_cr3, cr3)) {
        if (!user || as_in(as_not, cr3))
            return false; /* kernel code in another address space, or another program */
        /* user code with the program's bytes in an address space not seen before: is the program
         * there? (an unreadable signature page: not known yet, asked again at the next event) */
        uint8_t got[sizeof(as_sig)];
        if (!v->mem.read(v->mem.ctx, as_sig_addr, got, as_sig_len))
            return false;
        bool mine = memcmp(got, as_sig, as_sig_len) == 0;
        as_add(mine ? as_cr3 : as_not, cr3);
        if (!mine)
            return false;
    }
    /* the program's address space: which task? (unknown until this vCPU's first task switch) */
    if (!k->as_switched || k->as_task == k->as_ok_task)
        return true;
    if (user) {
        as_add_n(as_tasks, AS_TASKS, k->as_task); /* it runs the program's code: one of its threads */
    } else if (!as_in_n(as_tasks, AS_TASKS, k->as_task)) {
        return false; /* a kernel thread on the borrowed address space */
    }
    k->as_ok_task = k->as_task;
    return true;
}

/* __switch_to(prev, next): the task this vCPU runs now */
void qt_progas_on_switch(unsigned vi, void *u)
{
    (void)u;
    struct qt_vcpu *v = qt_vcpu(vi);
    struct progas_vcpu *k = &pvs[v->index < QT_OUT_MAX_VCPUS ? v->index : 0];
    uint64_t next = qt_vcpu_karg(v, 2);
    if (next < qt_kernel_space)
        return;
    k->as_task = next;
    k->as_switched = true;
}

/* free_task(tsk): that task is gone, its memory may become another task's */
void qt_progas_on_free_task(unsigned vi, void *u)
{
    (void)u;
    struct qt_vcpu *v = qt_vcpu(vi);
    struct progas_vcpu *k = &pvs[v->index < QT_OUT_MAX_VCPUS ? v->index : 0];
    (void)k;
    uint64_t t = qt_vcpu_karg(v, 1);
    if (t < qt_kernel_space)
        return;
    as_del_n(as_tasks, AS_TASKS, t);
    for (int i = 0; i < QT_OUT_MAX_VCPUS; i++)
        if (__atomic_load_n(&pvs[i].as_ok_task, __ATOMIC_RELAXED) == t)
            __atomic_store_n(&pvs[i].as_ok_task, 0, __ATOMIC_RELAXED);
}

/* The program's signature: the first bytes of main (else of the entry point), from the file. */
int qt_progas_init(char *err, size_t errlen)
{
    struct qt_symtab st;
    if (qt_symtab_load(&st, qt.opts.program, qt.opts.bias, err, errlen) < 0)
        return -EINVAL;
    const struct qt_sym *m = qt_symtab_find(&st, "main");
    uint64_t a = m ? m->addr : st.entry;
    size_t n = m && m->size && m->size < sizeof(as_sig) ? (size_t)m->size : sizeof(as_sig);
    while (n >= 8 && !qt_symtab_read(&st, a, as_sig, n))
        n /= 2;
    qt_symtab_free(&st);
    if (n < 8) {
        snprintf(err, errlen, "program_as=on: no code of %s at 0x%" PRIx64 " (%s) to recognise its address spaces by",
                 qt.opts.program, a, m ? "main" : "its entry point");
        return -EINVAL;
    }
    as_sig_addr = a;
    as_sig_len = n;
    return 0;
}

/* pgd_free(mm, pgd): that address space is gone, and its page may become another process's */
void qt_progas_on_pgd_free(unsigned vi, void *u)
{
    (void)u;
    struct qt_vcpu *v = qt_vcpu(vi);
    struct progas_vcpu *k = &pvs[v->index < QT_OUT_MAX_VCPUS ? v->index : 0];
    (void)k;
    uint64_t pgd = qt_vcpu_karg(v, 2);
    if (pgd < qt_kernel.img.map_base)
        return;
    uint64_t cr3 = as_mask(pgd - qt_kernel.img.map_base); /* __pa() of the direct map */
    as_del_n(as_cr3, AS_SLOTS, cr3);
    as_del_n(as_not, AS_SLOTS, cr3);
}
