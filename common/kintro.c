/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Loading what qtrace needs to follow a Linux guest. See kintro.h. */
#include "kintro.h"
#include "kmodule.h"
#include "arch.h"
#include "qtutil.h"

#include "options.h"
#include "symtab.h"

#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>


static int silent(enum libbpf_print_level level, const char *fmt, va_list ap)
{
    (void)level;
    (void)fmt;
    (void)ap;
    return 0;
}

/* Offset in bytes of member name of struct sname (direct members, or inside anonymous
 * structs and unions), QT_KOFF_NONE if unknown. */
static uint32_t member_off_in(const struct btf *btf, int id, const char *name, int depth)
{
    const struct btf_type *t = btf__type_by_id(btf, (uint32_t)id);
    while (t && (btf_is_typedef(t) || btf_is_mod(t))) {
        id = (int)t->type;
        t = btf__type_by_id(btf, (uint32_t)id);
    }
    if (!t || !btf_is_composite(t) || depth > 8)
        return QT_KOFF_NONE;
    const struct btf_member *m = btf_members(t);
    for (int i = 0; i < btf_vlen(t); i++) {
        const char *mn = btf__name_by_offset(btf, m[i].name_off);
        uint32_t bits = btf_member_bit_offset(t, (uint32_t)i);
        if (mn && *mn && strcmp(mn, name) == 0)
            return bits % 8 ? QT_KOFF_NONE : bits / 8;
        if (!mn || !*mn) {
            uint32_t in = member_off_in(btf, (int)m[i].type, name, depth + 1);
            if (in != QT_KOFF_NONE && bits % 8 == 0)
                return bits / 8 + in;
        }
    }
    return QT_KOFF_NONE;
}

static uint32_t member_off(const struct btf *btf, const char *sname, const char *name)
{
    int id = btf__find_by_name_kind(btf, sname, BTF_KIND_STRUCT);
    return id < 0 ? QT_KOFF_NONE : member_off_in(btf, id, name, 0);
}

static uint32_t off_of(const struct qt_kfield *f)
{
    return f->found ? f->off : QT_KOFF_NONE;
}

/* The offsets the kernel argument types read: the layouts', and BTF's for the fields only BTF has. */
static void fill_koffsets(struct qt_kintro *ki)
{
    struct qt_koffsets *o = &ki->ko;
    qt_koffsets_init(o);
#define QT_KOFF_FROM_LAYOUT_(m, ...) o->m = off_of(&ki->L.m);
    QT_KLAYOUT_FIELDS(QT_KOFF_FROM_LAYOUT_)
#undef QT_KOFF_FROM_LAYOUT_
    if (ki->btf) {
#define QT_KOFF_FROM_BTF_(m, sname, field) o->m = member_off(ki->btf, sname, field);
        QT_KBTF_FIELDS(QT_KOFF_FROM_BTF_)
#undef QT_KOFF_FROM_BTF_
    }
}

/* The kernel's symbols: from a System.map or /proc/kallsyms copy, or from the image's own
 * kallsyms tables. slide_rule completes "_text is at X, RULE KERNEL's Y" when a file's _text
 * is not where this kernel can be loaded. */
static int load_symbols(struct qt_kintro *ki, const char *kernel, const char *symbols, const char *slide_rule,
                        char *err, size_t errlen)
{
    int r;
    if (symbols && *symbols) {
        if ((r = qt_ksyms_load_file(&ki->ks, symbols, err, errlen)) < 0)
            return r;
        if (ki->img.text_addr && ki->ks.text_addr && qt_ksyms_unslide(&ki->ks, ki->img.text_addr) < 0)
            return qt_fail(err, errlen, -EINVAL, "%s: _text is at 0x%llx, %s %s's 0x%llx: is it the symbol table of "
                           "this kernel?", symbols, (unsigned long long)ki->ks.text_addr, slide_rule, kernel,
                           (unsigned long long)ki->img.text_addr);
        return 0;
    }
    char e[512];
    if (qt_ksyms_from_kimage(&ki->ks, &ki->img, e, sizeof(e)) < 0)
        return qt_fail(err, errlen, -ENOENT, "%s: no kernel symbols (%s): give a System.map or /proc/kallsyms copy "
                       "with --kernel-symbols FILE (plugin option kernel_symbols=FILE)", kernel, e);
    return 0;
}

int qt_kintro_load(struct qt_kintro *ki, const char *kernel, const char *symbols, const char *layout, char *err,
                   size_t errlen)
{
    memset(ki, 0, sizeof(*ki));
    qt_klayout_init(&ki->L);
    qt_koffsets_init(&ki->ko);
    int r;
    if (!kernel || !*kernel)
        return qt_fail(err, errlen, -EINVAL, "no kernel image given (kernel=PATH)");
    if ((r = qt_kimage_load(&ki->img, kernel, err, errlen)) < 0)
        goto fail;
    const struct qt_arch_desc *arch = qt_arch_by_elf_machine(ki->img.machine);
    if (!arch || arch->kintro == QT_KINTRO_NONE) {
        char names[128];
        qt_arch_names(QT_KINTRO_SYMBOLS, " and ", true, names, sizeof(names));
        r = qt_fail(err, errlen, -EOPNOTSUPP, "%s is a kernel for ELF machine %u: qtrace follows %s Linux guests only",
                    kernel, ki->img.machine, names);
        goto fail;
    }
    if (arch->kintro == QT_KINTRO_SYMBOLS) {
        /* the symbols (kallsyms, KASLR slide) only. Processes are not followed through the
         * kernel's structures, so no BTF or layout file is needed or used: ki->symbols_only
         * says so. */
        ki->symbols_only = true;
        if ((r = load_symbols(ki, kernel, symbols, "not a CONFIG_PHYSICAL_ALIGN multiple above", err, errlen)) < 0)
            goto fail;
        return 0;
    }
    /* layouts: BTF, then the layout file over it */
    const struct qt_ksection *bs = qt_kimage_section(&ki->img, ".BTF");
    const uint8_t *bd = qt_kimage_section_data(&ki->img, bs);
    if (!bd && !(layout && *layout)) {
        r = qt_fail(err, errlen, -ENOENT, "%s has no BTF (.BTF section) and no layout file was given: supply the structure "
                  "offsets with --layout FILE (plugin option layout=FILE; see docs/kernel.md), or a kernel built with "
                  "CONFIG_DEBUG_INFO_BTF=y", kernel);
        goto fail;
    }
    if (bd) {
        char e[512];
        if (qt_klayout_from_kimage(&ki->L, &ki->img, e, sizeof(e)) < 0) {
            if (!(layout && *layout)) {
                r = qt_fail(err, errlen, -EINVAL, "%s and no layout file was given: supply one with --layout FILE (plugin "
                          "option layout=FILE; see docs/kernel.md)", e);
                goto fail;
            }
            snprintf(ki->btf_note, sizeof(ki->btf_note), "%s", e);
        } else {
            libbpf_print_fn_t old = libbpf_set_print(silent);
            struct btf *b = btf__new(bd, (uint32_t)bs->size);
            libbpf_set_print(old);
            if (b && (uintptr_t)b < (uintptr_t)-4095) {
                ki->btf = b;
                ki->has_btf = true;
            }
        }
    }
    if (layout && *layout && (r = qt_klayout_load_file(&ki->L, layout, err, errlen)) < 0)
        goto fail;
    /* symbols */
    if ((r = load_symbols(ki, kernel, symbols, "not a 2 MiB multiple above", err, errlen)) < 0)
        goto fail;
    static const struct {
        size_t member;
        const char *name;
    } required[] = {
        { offsetof(struct qt_klayout, task_pid), "task_struct.pid" },
        { offsetof(struct qt_klayout, task_tgid), "task_struct.tgid" },
        { offsetof(struct qt_klayout, task_comm), "task_struct.comm" },
    };
    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
        const struct qt_kfield *f = (const struct qt_kfield *)((const char *)&ki->L + required[i].member);
        if (!f->found) {
            r = qt_fail(err, errlen, -ENOENT, "%s: the offset of %s is unknown (not in the kernel's BTF%s%s): supply it "
                      "with --layout FILE (see docs/kernel.md)", kernel, required[i].name, layout && *layout ? " nor in " : "",
                      layout && *layout ? layout : "");
            goto fail;
        }
    }
    /* each CPU's current task: the per-cpu current_task (Linux <= 6.1), or pcpu_hot.current_task */
    const struct qt_ksym *ct = qt_ksyms_find(&ki->ks, "current_task");
    if (ct && ct->percpu) {
        ki->current_task_off = ct->addr;
    } else {
        const struct qt_ksym *hot = qt_ksyms_find(&ki->ks, "pcpu_hot");
        uint32_t in = hot && hot->percpu && ki->btf ? member_off(ki->btf, "pcpu_hot", "current_task") : QT_KOFF_NONE;
        if (in == QT_KOFF_NONE) {
            r = qt_fail(err, errlen, -ENOENT, "%s: no per-cpu current_task (nor pcpu_hot.current_task) in the kernel's "
                      "symbols%s: the current process cannot be found", kernel,
                      symbols && *symbols ? " file" : "");
            goto fail;
        }
        ki->current_task_off = hot->addr + in;
    }
    fill_koffsets(ki);
    return 0;
fail:
    qt_kintro_free(ki);
    return r < 0 ? r : -EINVAL;
}

void qt_kintro_free(struct qt_kintro *ki)
{
    if (!ki)
        return;
    if (ki->btf)
        btf__free(ki->btf);
    qt_ksyms_free(&ki->ks);
    qt_kimage_free(&ki->img);
    memset(ki, 0, sizeof(*ki));
    qt_klayout_init(&ki->L);
    qt_koffsets_init(&ki->ko);
}

int qt_kintro_params(const struct qt_kintro *ki, const char *func, const char **names, int max)
{
    return ki ? qt_btf_params(ki->btf, func, names, max) : 0;
}

int qt_btf_params(const void *btf, const char *func, const char **names, int max)
{
    if (!btf || !func)
        return 0;
    const struct btf *b = btf;
    int id = btf__find_by_name_kind(b, func, BTF_KIND_FUNC);
    if (id < 0)
        return 0;
    const struct btf_type *t = btf__type_by_id(b, (uint32_t)id);
    const struct btf_type *proto = t ? btf__type_by_id(b, t->type) : NULL;
    if (!proto || !btf_is_func_proto(proto))
        return 0;
    const struct btf_param *p = btf_params(proto);
    int n = btf_vlen(proto);
    for (int i = 0; i < n && i < max; i++) {
        const char *pn = btf__name_by_offset(b, p[i].name_off);
        names[i] = pn ? pn : "";
    }
    return n;
}

/* ---- which kernel functions -------------------------------------------------------------------- */

/* Is this kernel symbol a function that can be traced? */
static bool traceable(const struct qt_ksym *s, uint64_t stext, uint64_t etext, uint64_t entry_lo, uint64_t entry_hi)
{
    if (s->percpu || (s->type != 't' && s->type != 'T' && s->type != 'w' && s->type != 'W'))
        return false;
    if (s->addr < stext || s->addr >= etext || (s->addr >= entry_lo && s->addr < entry_hi))
        return false; /* outside .text, or the entry code (it runs on user stacks and gs) */
    const char *n = s->name;
    return strncmp(n, "__x86_", 6) != 0 && strstr(n, "_thunk") == NULL && strcmp(n, "__fentry__") != 0 &&
           strncmp(n, "__pfx_", 6) != 0 && strncmp(n, "__cfi_", 6) != 0;
}

struct kpat {
    const char *glob;
    bool explicit_kernel;
    const struct qt_argspec *spec;
    size_t nmatch;
};

static bool prog_has(const struct qt_symtab *st, const char *glob)
{
    for (size_t i = 0; st && i < st->n; i++)
        if (qt_glob_match(glob, st->syms[i].name))
            return true;
    return false;
}

static int kpat_collect(const struct qt_opts *o, struct kpat *out, int max, const struct qt_symtab *prog)
{
    int n = 0;
    for (int pass = 0; pass < 3; pass++) {
        int count = pass == 0 ? o->nfunc : pass == 1 ? o->nspecs : o->nfilter;
        for (int i = 0; i < count && n < max; i++) {
            const char *p = pass == 0 ? o->func[i] : pass == 1 ? o->specs[i].pattern : o->filter[i];
            char mod[64];
            const char *fn;
            if (strncmp(p, "lib:", 4) == 0 || qt_kmodule_pattern(p, mod, sizeof(mod), &fn))
                continue; /* libraries, and loadable modules (chosen when they load) */
            bool ex = strncmp(p, "kernel:", 7) == 0;
            const char *g = ex ? p + 7 : p;
            if (!ex && prog && prog_has(prog, g))
                continue;
            out[n++] = (struct kpat){ g, ex, pass == 1 ? &o->specs[i] : NULL, 0 };
        }
    }
    return n;
}

/* The merged spec for a kernel function: an exact pattern first, then globs. */
static const struct qt_argspec *kspec_for(const struct kpat *pats, int np, const char *name)
{
    for (int i = 0; i < np; i++)
        if (pats[i].spec && strcmp(pats[i].glob, name) == 0)
            return pats[i].spec;
    for (int i = 0; i < np; i++)
        if (pats[i].spec && qt_glob_match(pats[i].glob, name))
            return pats[i].spec;
    return NULL;
}

static uint64_t ksym_addr(const struct qt_kintro *ki, const char *name)
{
    const struct qt_ksym *s = qt_ksyms_find(&ki->ks, name);
    return s ? s->addr : 0;
}

int qt_kintro_select(const struct qt_kintro *ki, const struct qt_opts *o, const struct qt_symtab *prog, size_t **sel,
                     const struct qt_argspec ***specs, size_t *n, char *err, size_t errlen)
{
    *sel = NULL;
    *specs = NULL;
    *n = 0;
    struct kpat pats[2 * QT_MAX_PATTERNS + QT_MAX_SPECS];
    int np = kpat_collect(o, pats, (int)(sizeof(pats) / sizeof(pats[0])), prog);
    if (np == 0)
        return 0;
    uint64_t stext = ksym_addr(ki, "_stext"), etext = ksym_addr(ki, "_etext");
    uint64_t entry_lo = ksym_addr(ki, "__entry_text_start"), entry_hi = ksym_addr(ki, "__entry_text_end");
    if (!stext)
        stext = ki->img.text_addr;
    if (!etext)
        etext = UINT64_MAX;
    const struct qt_ksyms *ks = &ki->ks;
    size_t *idx = malloc((ks->n ? ks->n : 1) * sizeof(*idx));
    const struct qt_argspec **sp = malloc((ks->n ? ks->n : 1) * sizeof(*sp));
    if (!idx || !sp) {
        free(idx);
        free(sp);
        return qt_fail(err, errlen, -ENOMEM, "out of memory");
    }
    size_t cnt = 0;
    uint64_t last_end = 0;
    for (size_t i = 0; i < ks->n; i++) {
        const struct qt_ksym *s = &ks->syms[i];
        if (!traceable(s, stext, etext, entry_lo, entry_hi))
            continue;
        bool want = false;
        for (int p = 0; p < np; p++) {
            if (qt_glob_match(pats[p].glob, s->name)) {
                pats[p].nmatch++;
                want = true;
            }
        }
        if (!want || (cnt && s->addr < last_end))
            continue; /* alias or overlap: the first one is traced */
        idx[cnt] = i;
        sp[cnt] = kspec_for(pats, np, s->name);
        last_end = s->addr + (s->size ? s->size : 1);
        cnt++;
    }
    int r = 0;
    for (int p = 0; p < np && r == 0; p++) {
        if (pats[p].nmatch > QT_KINTRO_MAX_FUNCS && !o->kernel_all)
            r = qt_fail(err, errlen, -E2BIG, "'%s' selects %zu kernel functions: tracing that many slows the guest down a "
                      "lot; narrow the pattern, or give --kernel-all (plugin option kernel_all=on) to trace them anyway",
                      pats[p].glob, pats[p].nmatch);
        else if (pats[p].explicit_kernel && pats[p].nmatch == 0)
            r = qt_fail(err, errlen, -ENOENT, "kernel:%s: no kernel function matches (their names are those of the "
                      "kernel's symbols: see qtrace kernel-info)", pats[p].glob);
    }
    if (r == 0 && cnt == 0 && !prog && !(o->sysroot && o->libs)) /* libraries under sysroot= may have them */
        r = qt_fail(err, errlen, -ENOENT, "no kernel function matches the filters (%s): kernel functions are named as in "
                  "the kernel's symbols (qtrace kernel-info --kernel %s shows some)", pats[0].glob, ki->img.path);
    if (r < 0) {
        free(idx);
        free(sp);
        return r;
    }
    *sel = idx;
    *specs = sp;
    *n = cnt;
    return 0;
}

int qt_kintro_check_vmmap(const struct qt_kintro *ki, char *err, size_t errlen)
{
    const struct qt_klayout *L = &ki->L;
    const struct qt_kfield *need[] = { &L->task_mm, &L->mm_mt_root, &L->mm_start_brk, &L->mm_brk, &L->mm_start_stack,
                                       &L->vma_vm_start, &L->vma_vm_end, &L->vma_vm_flags, &L->vma_vm_pgoff,
                                       &L->vma_vm_file, &L->mnode_r64_pivot, &L->mnode_r64_slot, &L->mnode_r64_end,
                                       &L->mnode_a64_pivot, &L->mnode_a64_slot, &L->mnode_a64_end };
    for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
        if (need[i]->found)
            continue;
        const char *name = "?";
        for (size_t k = 0; k < qt_kfield_count; k++)
            if (qt_klayout_at(L, k) == need[i])
                name = qt_kfield_descs[k].name;
        snprintf(err, errlen, "--vmmap: %s has no %s in its structure layouts: qtrace reads memory maps from the "
                 "maple tree of Linux 6.1 and later (mm_struct.mm_mt), with the kernel's BTF",
                 ki->img.path ? ki->img.path : "the kernel", name);
        return -ENOENT;
    }
    return 0;
}
