/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calls.h"
#include "kernel_funcs.h"
#include "kernel_image.h"
#include "kernel_task.h"

#define MAX_THUNKS 8

/* traced kernel functions: link-time addresses until the slide is known, then run-time */
static struct qt_tfunc *ktf;
static size_t nktf;
static struct qt_sym *ksym;     /* their names and parameters (qt_tfunc.sym) */
struct krange {
    uint64_t lo, hi;
};
static struct krange thunks[MAX_THUNKS];
static int nthunks;

/* Return thunks (retbleed/SRSO/ITS mitigations): their ret returns for the function that
 * jumped to them. */
static void find_thunks(void)
{
    static const char *const tn[] = { "__x86_return_thunk", "retbleed_return_thunk", "srso_return_thunk",
                                      "srso_alias_return_thunk", "srso_safe_ret", "srso_alias_safe_ret",
                                      "its_return_thunk", "zen_untrain_ret" };
    for (size_t i = 0; i < sizeof(tn) / sizeof(tn[0]) && nthunks < MAX_THUNKS; i++) {
        const struct qt_ksym *s = qt_ksyms_find(&qt_kernel.ks, tn[i]);
        if (s && !s->percpu)
            thunks[nthunks++] = (struct krange){ s->addr, s->addr + (s->size && s->size < 256 ? s->size : 256) };
    }
}

int qt_kfuncs_select(char *err, size_t errlen)
{
    struct qt_symtab prog, *pp = NULL;
    char e[512];
    if (qt.opts.program && qt_symtab_load(&prog, qt.opts.program, qt.opts.bias, e, sizeof(e)) == 0)
        pp = &prog;
    size_t *idx = NULL, n = 0;
    const struct qt_argspec **specs = NULL;
    int r = qt_kintro_select(&qt_kernel, &qt.opts, pp, &idx, &specs, &n, err, errlen);
    if (pp)
        qt_symtab_free(pp);
    if (r < 0 || n == 0) {
        free(idx);
        free(specs);
        if (r >= 0)
            find_thunks();
        return r;
    }
    ktf = calloc(n, sizeof(*ktf));
    ksym = calloc(n, sizeof(*ksym));
    if (!ktf || !ksym) {
        free(idx);
        free(specs);
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        const struct qt_ksym *s = &qt_kernel.ks.syms[idx[i]];
        struct qt_sym *y = &ksym[i];
        y->addr = s->addr;
        y->size = s->size ? s->size : 1;
        y->name = s->name;
        const char *pn[QT_MAX_ARGS];
        int npar = qt_kintro_params(&qt_kernel, s->name, pn, QT_MAX_ARGS);
        struct qt_param *par = npar > 0 ? calloc((size_t)npar, sizeof(*par)) : NULL;
        for (int k = 0; par && k < npar && k < QT_MAX_ARGS; k++)
            par[k].name = pn[k];
        if (par) {
            y->params = par;
            y->nparams = (uint16_t)(npar < QT_MAX_ARGS ? npar : QT_MAX_ARGS);
        }
        struct qt_tfunc *tf = &ktf[i];
        tf->addr = y->addr;
        tf->end = y->addr + y->size;
        tf->sym = y;
        /* ids for compact records, from the top of the range down (modules.c counts up from 1) */
        tf->id = i < QT_FAST_ID_MAX / 2 ? QT_FAST_ID_MAX - (uint32_t)i : 0;
        qt_tfunc_marks(tf, y->name, false);
        const struct qt_argspec *sp = specs[i];
        for (int k = 0; sp && k < sp->nslots; k++) {
            if (sp->slots[k].pos == 0) {
                tf->has_ret = true;
                tf->ret = sp->slots[k];
            } else if (tf->nargs < QT_MAX_ARGS) {
                tf->args[tf->nargs++] = sp->slots[k];
            }
        }
    }
    free(idx);
    free(specs);
    nktf = n;
    find_thunks();
    return 0;
}

size_t qt_kfuncs_count(void)
{
    return nktf;
}

bool qt_kfuncs_selects(const char *glob)
{
    for (size_t i = 0; i < nktf; i++)
        if (qt_glob_match(glob, ktf[i].sym->name))
            return true;
    return false;
}

void qt_kfuncs_relocate(uint64_t slide)
{
    for (size_t i = 0; i < nktf; i++) {
        ktf[i].addr += slide;
        ktf[i].end += slide;
        ksym[i].addr += slide;
    }
    for (int i = 0; i < nthunks; i++) {
        thunks[i].lo += slide;
        thunks[i].hi += slide;
    }
    for (size_t i = 0; i < nktf; i++)
        qt_tfunc_announce(&ktf[i], QT_SYM_KERNEL);
}

static const struct qt_tfunc *ktf_containing(uint64_t pc)
{
    size_t lo = 0, hi = nktf;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (pc < ktf[mid].addr)
            hi = mid;
        else if (pc >= ktf[mid].end)
            lo = mid + 1;
        else
            return &ktf[mid];
    }
    return NULL;
}

static bool in_thunk(uint64_t pc)
{
    for (int i = 0; i < nthunks; i++)
        if (pc >= thunks[i].lo && pc < thunks[i].hi)
            return true;
    return false;
}


static void on_tail_jump(unsigned vi, void *u)
{
    (void)u;
    struct qt_vcpu *v = qt_vcpu(vi);
    if (!qt_ktask_selected(v, qt_ktask(v)))
        return;
    uint64_t sp = qt_reg_read(v, v->r_sp);
    qt_calls_unwind(v, sp, sp + 1);
}

void qt_kfuncs_insn(struct qemu_plugin_insn *insn, uint64_t va, uint32_t adj)
{
    const struct qt_tfunc *tf = ktf_containing(va);
    if (tf && va == tf->addr) {
        qemu_plugin_register_vcpu_insn_exec_cb(insn, qt_on_entry, QEMU_PLUGIN_CB_R_REGS,
                                               qt_site_new(tf, adj, false, QT_PACKED_ENTRY));
        return;
    }
    if (!tf && !in_thunk(va))
        return;
    uint8_t bytes[16];
    size_t len = qemu_plugin_insn_data(insn, bytes, sizeof(bytes));
    struct qt_insn_info ii;
    qt.arch->classify(bytes, len, va, &ii);
    if (ii.cls == QT_INSN_RET) {
        qemu_plugin_register_vcpu_insn_exec_cb(insn, qt_on_ret, QEMU_PLUGIN_CB_R_REGS,
                                               qt_site_new(tf, adj, false, QT_PACKED_EXIT));
        return;
    }
    /* a jump out of the function (not to a return thunk): a tail call */
    uint64_t target;
    if (tf && qt.arch->jump_target && qt.arch->jump_target(bytes, len, va, &target) &&
        (target < tf->addr || target >= tf->end) && !in_thunk(target))
        qemu_plugin_register_vcpu_insn_exec_cb(insn, on_tail_jump, QEMU_PLUGIN_CB_R_REGS, NULL);
}
