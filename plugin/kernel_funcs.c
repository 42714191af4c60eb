/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <elf.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calls.h"
#include "kernel_funcs.h"
#include "kernel_image.h"
#include "kernel_task.h"
#include "kmodule.h"

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

/*
 * Functions of loadable modules (MODULE:GLOB, module:NAME), added when a module loads: read
 * from the module's own symbol table in guest memory (its run-time addresses), their
 * parameters named by the module's BTF when its .ko is under sysroot=. Appended to a fixed
 * table under mtf_lock and published by a release store of the count (translation reads it
 * without a lock).
 */
#define MAX_MODFUNCS 4096
#define MAX_MODSYMS 200000  /* symbols of one module read at most */
static struct qt_tfunc mtf[MAX_MODFUNCS];
static struct qt_sym msym[MAX_MODFUNCS];
static char mname[MAX_MODFUNCS][64];
static char mmod[MAX_MODFUNCS][56];     /* the module of each (module_name's size) */
static size_t nmtf;
static uint64_t mtf_lo = UINT64_MAX, mtf_hi; /* the range they cover */
static pthread_mutex_t mtf_lock = PTHREAD_MUTEX_INITIALIZER;
static bool mod_hit[QT_MAX_PATTERNS];   /* func= module patterns that selected a function */
static bool full_said;

/* Return thunks (retbleed/SRSO/ITS mitigations): their ret returns for the function that
 * jumped to them. */
/* Give y the parameter names pn[0..npar) (the kernel's BTF names them; npar <= 0: none). */
static void name_params(struct qt_sym *y, const char *const *pn, int npar)
{
    if (npar > QT_MAX_ARGS)
        npar = QT_MAX_ARGS;
    struct qt_param *par = npar > 0 ? calloc((size_t)npar, sizeof(*par)) : NULL;
    if (!par)
        return;
    for (int k = 0; k < npar; k++)
        par[k].name = pn[k];
    y->params = par;
    y->nparams = (uint16_t)npar;
}

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
        name_params(y, pn, qt_kintro_params(&qt_kernel, s->name, pn, QT_MAX_ARGS));
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
    return nktf + __atomic_load_n(&nmtf, __ATOMIC_ACQUIRE);
}

bool qt_kfuncs_modules_wanted(void)
{
    char mod[64];
    const char *fn;
    for (int k = 0; k < qt.opts.nfunc; k++)
        if (qt_kmodule_pattern(qt.opts.func[k], mod, sizeof(mod), &fn))
            return true;
    return false;
}

bool qt_kfuncs_selects(const char *glob)
{
    for (int k = 0; k < qt.opts.nfunc && k < QT_MAX_PATTERNS; k++)
        if (strcmp(qt.opts.func[k], glob) == 0 && __atomic_load_n(&mod_hit[k], __ATOMIC_ACQUIRE))
            return true;
    for (size_t i = 0; i < nktf; i++)
        if (qt_glob_match(glob, ktf[i].sym->name))
            return true;
    /* MODULE:GLOB of an -A/-R spec: a function of a loaded module it names is traced */
    char m[64];
    const char *fn;
    size_t n = __atomic_load_n(&nmtf, __ATOMIC_ACQUIRE);
    for (size_t i = 0; i < n && qt_kmodule_pattern(glob, m, sizeof(m), &fn); i++)
        if (qt_glob_match(m, mmod[i]) && qt_glob_match(fn, msym[i].name))
            return true;
    return false;
}

/* Does func= select function fn of module mod? (mark the patterns that do) */
static bool mod_wants(const char *mod, const char *fn)
{
    bool want = false;
    char m[64];
    const char *g;
    for (int k = 0; k < qt.opts.nfunc && k < QT_MAX_PATTERNS; k++) {
        if (qt_kmodule_pattern(qt.opts.func[k], m, sizeof(m), &g) && qt_glob_match(m, mod) && qt_glob_match(g, fn)) {
            want = true;
            __atomic_store_n(&mod_hit[k], true, __ATOMIC_RELEASE);
        }
    }
    return want;
}

/* One traced module function (caller holds mtf_lock). */
static void mod_add(const char *mod, const char *name, uint64_t addr, uint64_t size, const void *btf)
{
    size_t n = nmtf;
    if (n >= MAX_MODFUNCS) {
        if (!full_said)
            fprintf(stderr, "qtrace: warning: %d functions of kernel modules traced: %s:%s and later ones are not\n",
                    MAX_MODFUNCS, mod, name);
        full_said = true;
        return;
    }
    struct qt_sym *y = &msym[n];
    snprintf(mname[n], sizeof(mname[n]), "%s", name);
    snprintf(mmod[n], sizeof(mmod[n]), "%.55s", mod);
    y->addr = addr;
    y->size = size;
    y->name = mname[n];
    const char *pn[QT_MAX_ARGS];
    name_params(y, pn, qt_btf_params(btf, name, pn, QT_MAX_ARGS));
    struct qt_tfunc *tf = &mtf[n];
    memset(tf, 0, sizeof(*tf));
    tf->addr = addr;
    tf->end = addr + size;
    tf->sym = y;
    qt_tfunc_marks(tf, name, false);
    char full[160];
    snprintf(full, sizeof(full), "%s:%s", mod, name);
    const struct qt_argspec *sp = qt_opts_spec_for(&qt.opts, full);
    if (!sp)
        sp = qt_opts_spec_for(&qt.opts, name);
    for (int k = 0; sp && k < sp->nslots; k++) {
        if (sp->slots[k].pos == 0) {
            tf->has_ret = true;
            tf->ret = sp->slots[k];
        } else if (tf->nargs < QT_MAX_ARGS) {
            tf->args[tf->nargs++] = sp->slots[k];
        }
    }
    qt_tfunc_announce(tf, QT_SYM_KERNEL);
    if (addr < mtf_lo)
        mtf_lo = addr;
    if (tf->end > mtf_hi)
        mtf_hi = tf->end;
    __atomic_store_n(&nmtf, n + 1, __ATOMIC_RELEASE);
}

/* do_init_module(mod), at its entry: the module's symbols are in place (mod->kallsyms), its
 * init function has not run yet. */
void qt_kfuncs_on_module(unsigned vi, void *u)
{
    (void)u;
    struct qt_vcpu *v = qt_vcpu(vi);
    const struct qt_klayout *L = &qt_kernel.L;
    uint64_t mod = v ? qt_vcpu_karg(v, 1) : 0, ks = 0, symtab = 0, num = 0, strtab = 0;
    char name[64] = "";
    if (!v || mod < qt_kernel_space || !L->module_name.found || !L->module_kallsyms.found ||
        !v->mem.read(v->mem.ctx, mod + L->module_name.off, name, 56))
        return;
    name[56] = '\0';
    bool any = false;
    char m[64];
    const char *g;
    for (int k = 0; k < qt.opts.nfunc && !any; k++)
        any = qt_kmodule_pattern(qt.opts.func[k], m, sizeof(m), &g) && qt_glob_match(m, name);
    if (!any || !qt_mem_read_uint(&v->mem, mod + L->module_kallsyms.off, 8, &ks) || ks < qt_kernel_space ||
        !qt_mem_read_uint(&v->mem, ks + L->modsyms_symtab.off, 8, &symtab) ||
        !qt_mem_read_uint(&v->mem, ks + L->modsyms_num.off, 4, &num) ||
        !qt_mem_read_uint(&v->mem, ks + L->modsyms_strtab.off, 8, &strtab)) {
        if (any)
            fprintf(stderr, "qtrace: warning: the symbol table of kernel module %s cannot be read: its functions are not "
                    "traced\n", name);
        return;
    }
    /* parameter names: the module's BTF, from its .ko under sysroot= (kept: names point into it) */
    char ver[128];
    char *ko = qt.opts.sysroot && qt_kmodule_version(qt_kernel.img.banner, ver, sizeof(ver))
                   ? qt_kmodule_find(qt.opts.sysroot, ver, name) : NULL;
    void *btf = ko ? qt_kmodule_btf(ko, qt_kernel.btf) : NULL;
    free(ko);
    pthread_mutex_lock(&mtf_lock);
    for (uint64_t i = 0; i < num && i < MAX_MODSYMS; i++) {
        Elf64_Sym s;
        char fn[64];
        bool trunc;
        if (!v->mem.read(v->mem.ctx, symtab + i * sizeof(s), &s, sizeof(s)))
            break;
        if (ELF64_ST_TYPE(s.st_info) != STT_FUNC || s.st_value < qt_kernel_space || s.st_size == 0 ||
            qt_mem_read_str(&v->mem, strtab + s.st_name, fn, sizeof(fn) - 1, &trunc) <= 0 || trunc)
            continue;
        fn[sizeof(fn) - 1] = '\0';
        if (mod_wants(name, fn))
            mod_add(name, fn, s.st_value, s.st_size, btf);
    }
    pthread_mutex_unlock(&mtf_lock);
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
    size_t nm = __atomic_load_n(&nmtf, __ATOMIC_ACQUIRE);
    for (size_t i = 0; nm && pc >= mtf_lo && pc < mtf_hi && i < nm; i++)
        if (pc >= mtf[i].addr && pc < mtf[i].end)
            return &mtf[i];
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
