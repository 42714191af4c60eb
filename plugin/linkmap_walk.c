/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "linkmap_walk.h"
#include "lmwalk.h"
#include "out.h"

#define WALKED_MAX 256 /* processes remembered as walked (system mode) */

static uint32_t walked[WALKED_MAX];    /* pids walked (user mode: walked[0] = 1) */
static unsigned nwalked;

/* Claim the walk of process pid: true the first time only. */
static bool claim(uint32_t pid)
{
    unsigned n = __atomic_load_n(&nwalked, __ATOMIC_ACQUIRE);
    for (unsigned i = 0; i < n && i < WALKED_MAX; i++)
        if (__atomic_load_n(&walked[i], __ATOMIC_RELAXED) == pid)
            return false;
    if (n >= WALKED_MAX)
        return false; /* (said by the writer: processes without a link map) */
    /* a slot of our own; a race between two vCPUs of one process at their first call leaves
     * the second one's walk out (it finds the pid when it looks again) */
    unsigned i = __atomic_fetch_add(&nwalked, 1, __ATOMIC_ACQ_REL);
    if (i >= WALKED_MAX)
        return false;
    for (unsigned j = 0; j < i; j++)
        if (__atomic_load_n(&walked[j], __ATOMIC_ACQUIRE) == pid)
            return false;
    __atomic_store_n(&walked[i], pid, __ATOMIC_RELEASE);
    return true;
}

struct walk_ctx {
    struct qt_vcpu *v;
    const struct qt_who *who;
};

/* One QT_PROC_LINKMAP record: arg1 = what (0: an entry, else enum qt_lmwalk_end), arg2 = l_addr
 * or the address the end is about, arg3 = l_name (entry) or where the head came from (end),
 * arg4 = the struct link_map's address (entry) or the entries walked (end). */
static void put(struct qt_vcpu *v, const struct qt_who *who, unsigned what, uint64_t a2, uint64_t a3, uint64_t a4)
{
    uint64_t now = qt_out_now(qt.out);
    struct qt_rec_call *r = qt_rec_begin(v, QT_REC_PROC, sizeof(*r) + 4 * QT_ARG_MAX_BYTES, who, QT_PROC_LINKMAP, now,
                                         qt_vcpu_icount(v));
    size_t size = sizeof(*r);
    size += qt_arg_scalar((uint8_t *)r + size, 1, QT_T_UINT, 32, what);
    size += qt_arg_scalar((uint8_t *)r + size, 2, QT_T_HEX, 64, a2);
    if (what == 0) {
        const struct qt_argslot name = { .pos = 3, .type = QT_T_STR, .bits = 64 };
        size += qt_arg_put(v, (uint8_t *)r + size, &name, a3); /* bounded, unreadable marked */
        size += qt_arg_scalar((uint8_t *)r + size, 4, QT_T_HEX, 64, a4);
    } else {
        size += qt_arg_scalar((uint8_t *)r + size, 3, QT_T_UINT, 32, a3);
        size += qt_arg_scalar((uint8_t *)r + size, 4, QT_T_UINT, 32, a4);
    }
    r->nargs = 4;
    qt_rec_end(v, r, size, now);
}

static void each(void *ctxp, const struct qt_lmwalk_entry *e)
{
    struct walk_ctx *c = ctxp;
    put(c->v, c->who, 0, e->l_addr, e->l_name, e->self);
}

/* The run-time address of tf in the running process, or 0 if it cannot be told. */
static uint64_t callee_here(struct qt_vcpu *v, enum qt_lm_how how, uint64_t sp)
{
    if (how == QT_LM_AT_ENTRY) {
        GArray *regs = qemu_plugin_get_registers();
        struct qemu_plugin_register *pc = NULL;
        for (guint i = 0; qt.arch->pc_reg && i < regs->len && !pc; i++) {
            qemu_plugin_reg_descriptor *d = &g_array_index(regs, qemu_plugin_reg_descriptor, i);
            if (strcmp(d->name, qt.arch->pc_reg) == 0)
                pc = d->handle;
        }
        g_array_free(regs, TRUE);
        return pc ? qt_reg_read(v, pc) : 0;
    }
    uint64_t ret, rel;
    uint8_t op;
    if (how != QT_LM_AT_CALL || !qt_mem_read_uint(&v->mem, sp, qt.arch->word_bytes, &ret) ||
        !v->mem.read(v->mem.ctx, ret - 5, &op, 1) || op != 0xe8 || !qt_mem_read_uint(&v->mem, ret - 4, 4, &rel))
        return 0;
    return ret + (uint64_t)(int64_t)(int32_t)rel; /* call rel32: the target is the return address + rel32 */
}

void qt_linkmap_walk(struct qt_vcpu *v, const struct qt_who *who, const struct qt_tfunc *tf, enum qt_lm_how how,
                     uint64_t sp)
{
    if (!qt.system && __atomic_load_n(&nwalked, __ATOMIC_RELAXED))
        return;
    const struct qt_module *prog = NULL;
    int it = 0;
    for (const struct qt_module *m; !prog && (m = qt_module_next(tf->addr, &it)) != NULL;)
        if (m->is_prog)
            prog = m;
    if (!prog || !claim(qt.system ? who->pid ? who->pid : who->tid : 1))
        return; /* a library's function: the program's own first call reads it */
    unsigned word = prog->st.elf_class == 32 ? 4 : 8;
    uint64_t bias = prog->st.bias, here = qt.system && prog->st.pie ? callee_here(v, how, sp) : 0;
    if (here && ((here - tf->addr) & (QT_GUEST_PAGE - 1)) == 0)
        bias += here - tf->addr; /* this process loaded the program elsewhere (a bias is page-aligned) */
    struct walk_ctx c = { v, who };
    struct qt_lmwalk_result res;
    qt_lmwalk(&v->mem, word, qt.opts.linkmap + bias, bias, each, &c, &res);
    put(v, who, res.end, res.addr, res.src, res.n);
}

void qt_linkmap_finish(void)
{
    if (qt.opts.linkmap && !__atomic_load_n(&nwalked, __ATOMIC_ACQUIRE))
        fprintf(stderr, "qtrace: warning: linkmap=%" PRIx64 ": the guest's link map was not read: no process made a recorded "
                "call of a function of the program (the walk runs at the first one)\n", qt.opts.linkmap);
}
