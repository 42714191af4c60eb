/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Modules are only ever added, under mod_lock, and published with a release store of the
 * count, so the translation callback reads the list without taking a lock.
 */
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "modules.h"
#include "kmodule.h"
#include "record.h"
#include "sysroot.h"

#define MAX_MODULES 2048    /* system mode: one per library and load address in every process */
#define MAX_SAID 64         /* files said once (not under sysroot=, another build) */

static struct qt_module *modules[MAX_MODULES];
static int nmodules;
static pthread_mutex_t mod_lock = PTHREAD_MUTEX_INITIALIZER;
static uint32_t next_func_id = 1;  /* ids of traced functions, for compact records */
static struct qt_module *pending_prog;  /* a PIE program without bias=: user mode until it is relocated, system mode the template of every exec of it */
static char **imports;               /* names the program calls through its PLT, sorted */
static size_t nimports;
static int bias_pending;
static bool unknowable_bias;        /* system mode: a PIE program, no bias= and no kernel to learn it from */
/* which patterns selected something in a module loaded so far (func=, arg=/ret= specs) */
static bool func_hit[QT_MAX_PATTERNS];
static bool spec_hit[QT_MAX_SPECS];
static char *said[MAX_SAID];        /* under mod_lock */
#define MAX_UNTRACED 256
static char *untraced[MAX_UNTRACED]; /* libraries without a traced function, seen in processes not recorded (under mod_lock) */
static int nuntraced;
static int nsaid;
static bool full_said;

static bool say_once(const char *path);

/* The resolved IFUNC implementation containing pc, the one starting nearest below it (the
 * extent of one without a symbol of its own reaches the next symbol, and may hold others). */
static const struct qt_tfunc *ifunc_containing(const struct qt_module *m, uint64_t pc)
{
    const struct qt_tfunc *best = NULL;
    for (size_t i = 0; i < m->nifunc; i++) {
        const struct qt_ifunc *f = &m->ifunc[i];
        if (__atomic_load_n(&f->state, __ATOMIC_ACQUIRE) == 2 && pc >= f->tf.addr && pc < f->tf.end &&
            (!best || f->tf.addr > best->addr))
            best = &f->tf;
    }
    return best;
}

const struct qt_tfunc *qt_tfunc_containing(const struct qt_module *m, uint64_t pc)
{
    size_t lo = 0, hi = m->ntf;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (pc < m->tf[mid].addr)
            hi = mid;
        else if (pc >= m->tf[mid].end)
            lo = mid + 1;
        else
            return &m->tf[mid];
    }
    return m->nifunc ? ifunc_containing(m, pc) : NULL;
}

const struct qt_ifunc *qt_ifunc_resolver_at(const struct qt_module *m, uint64_t pc)
{
    for (size_t i = 0; i < m->nifunc; i++)
        if (pc >= m->ifunc[i].resolver && pc < m->ifunc[i].resolver_end)
            return &m->ifunc[i];
    return NULL;
}

void qt_ifunc_resolved(const struct qt_ifunc *f, uint64_t impl)
{
    const struct qt_module *owner = f->m, *m;
    size_t k = (size_t)(f - owner->ifunc);
    for (int it = 0; (m = qt_module_next(impl, &it)) != NULL;)
        if (m->nifunc == owner->nifunc && strcmp(m->st.path, owner->st.path) == 0)
            break;
    if (!m) {
        /* code of another file (glibc's time and gettimeofday choose the vDSO's) */
        pthread_mutex_lock(&mod_lock);
        char key[QT_STR_MAX + 64];
        snprintf(key, sizeof(key), "%s:%s", owner->st.path, f->tf.sym->name);
        if (say_once(key))
            fprintf(stderr, "qtrace: warning: %s of %s is an IFUNC whose resolver chose code outside the library "
                    "(0x%" PRIx64 "): its calls are not traced\n", f->tf.sym->name, owner->base, impl);
        pthread_mutex_unlock(&mod_lock);
        return;
    }
    struct qt_ifunc *w = &m->ifunc[k]; /* only its tf and state change, once */
    int expected = 0;
    if (!__atomic_compare_exchange_n(&w->state, &expected, 1, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        return;
    /* an implementation with a symbol of its own (a file with .symtab) has that extent; one
     * without (libc.so.6's are local) reaches the next symbol, its returns matched by sp */
    const struct qt_sym *at = qt_symtab_lookup(&m->st, impl);
    const struct qt_sym *next = qt_symtab_next(&m->st, impl);
    w->tf.addr = impl;
    w->tf.loose = !at || at->addr != impl;
    if (at)
        w->tf.end = at->addr + (at->size ? at->size : 1);
    else
        w->tf.end = next && next->addr < m->st.text_hi ? next->addr : m->st.text_hi;
    if (w->tf.end <= impl)
        w->tf.end = impl + 1;
    __atomic_store_n(&w->state, 2, __ATOMIC_RELEASE);
    qt_tfunc_announce(&w->tf, 0);
}

const struct qt_module *qt_module_containing(uint64_t pc)
{
    int n = __atomic_load_n(&nmodules, __ATOMIC_ACQUIRE);
    for (int i = 0; i < n; i++) {
        const struct qt_module *m = modules[i];
        if (pc >= m->st.text_lo && pc < m->st.text_hi)
            return m;
    }
    return NULL;
}

const struct qt_module *qt_module_next(uint64_t pc, int *it)
{
    int n = __atomic_load_n(&nmodules, __ATOMIC_ACQUIRE);
    for (; *it < n; (*it)++) {
        const struct qt_module *m = modules[*it];
        if (pc >= m->st.text_lo && pc < m->st.text_hi) {
            (*it)++;
            return m;
        }
    }
    return NULL;
}

void qt_tfunc_announce(const struct qt_tfunc *tf, uint32_t flags)
{
    qt_rec_sym(tf->sym, tf->addr, tf->end - tf->addr, tf->id, flags);
}

const struct qt_tfunc *qt_tfunc_at(uint64_t addr)
{
    const struct qt_module *m = qt_module_containing(addr);
    const struct qt_tfunc *tf = m ? qt_tfunc_containing(m, addr) : NULL;
    return tf && tf->addr == addr ? tf : NULL;
}

/* ---- selection ------------------------------------------------------------------------- */

/* Does a "lib:GLOB" pattern among pats select this library? (hit: mark the ones that do) */
static bool lib_in(char *const *pats, int n, const struct qt_module *m, bool *hit)
{
    bool in = false;
    for (int k = 0; k < n; k++) {
        if (strncmp(pats[k], "lib:", 4) == 0 && qt_glob_match(pats[k] + 4, m->base)) {
            in = true;
            if (hit)
                hit[k] = true;
        }
    }
    return in;
}

/* Function name, selected: the patterns that selected it have matched something. */
static void mark_hits(const char *name)
{
    const struct qt_opts *o = &qt.opts;
    for (int k = 0; k < o->nfunc && k < QT_MAX_PATTERNS; k++)
        if (!func_hit[k] && qt_opts_match(&o->func[k], 1, name))
            func_hit[k] = true;
    for (int k = 0; k < o->nspecs && k < QT_MAX_SPECS; k++)
        if (!spec_hit[k] && (strcmp(o->specs[k].pattern, name) == 0 || qt_glob_match(o->specs[k].pattern, name)))
            spec_hit[k] = true;
}

/* "PROG or its libraries (a, b)": where patterns were looked for, each library named once. */
static void where_looked(char *where, size_t cap)
{
    const struct qt_opts *o = &qt.opts;
    int n = __atomic_load_n(&nmodules, __ATOMIC_ACQUIRE);
    size_t len = (size_t)snprintf(where, cap, "%s", qt.system ? "the kernel" : "");
    if (o->program)
        len += (size_t)snprintf(where + len, cap - len, "%s%s", qt.system ? ", " : "", o->program);
    size_t head = len;
    for (int i = 0; i < n && len < cap; i++) {
        bool dup = modules[i]->is_prog;
        for (int k = 0; k < i && !dup; k++)
            dup = !modules[k]->is_prog && strcmp(modules[k]->base, modules[i]->base) == 0;
        if (!dup)
            len += (size_t)snprintf(where + len, cap - len, "%s%s", len > head ? ", " :
                                    o->program ? " or its libraries (" : " or the libraries the guest mapped (",
                                    modules[i]->base);
    }
    if (len > head && len < cap)
        snprintf(where + len, cap - len, ")");
}

/* Does p name functions of loadable kernel modules (MODULE:GLOB)? */
static bool kmod_pattern(const char *p)
{
    char mod[64];
    const char *fn;
    return qt_kmodule_pattern(p, mod, sizeof(mod), &fn);
}

/* Was pattern p (func= or a spec's) seen to match: in a module, or among the kernel's functions? */
static bool pattern_matched(const char *p, bool hit, bool (*in_kernel)(const char *glob))
{
    return hit || strncmp(p, "kernel:", 7) == 0 || (in_kernel && strncmp(p, "lib:", 4) != 0 && in_kernel(p));
}

void qt_modules_report_unmatched(size_t nkernel, bool (*in_kernel)(const char *glob))
{
    const struct qt_opts *o = &qt.opts;
    bool ran = !pending_prog || !qt.system || unknowable_bias; /* (that was said at the start) */
    for (int i = 0; i < nmodules && !ran; i++)
        ran = modules[i]->is_prog;
    if (!ran)
        fprintf(stderr, "qtrace: warning: no exec of %s was seen in the guest: none of its functions was traced\n",
                o->program);
    /* the program's code run, but never instrumented: a silent 0 otherwise */
    int nprog = 0, translated = 0;
    for (int i = 0; i < nmodules; i++)
        if (modules[i]->is_prog && modules[i]->ntf) {
            nprog++;
            translated |= __atomic_load_n(&modules[i]->translated, __ATOMIC_RELAXED);
        }
    if (qt.system && nprog && !translated && !pending_prog)
        fprintf(stderr, "qtrace: warning: no code of %s ran in the guest: none of its functions was traced (is it the "
                "file the guest runs? the bytes at its addresses must be the file's)\n", o->program);
    else if (qt.system && nprog && !translated)
        fprintf(stderr, "qtrace: warning: %s was started in the guest (%d load address%s) but none of its code ran "
                "there afterwards: none of its functions was traced\n", o->program, nprog, nprog > 1 ? "es" : "");
    bool libs = qt.system && o->sysroot && o->libs;
    for (int k = 0; qt.system && k < o->nfunc; k++)
        libs |= kmod_pattern(o->func[k]);
    if ((!o->program && !libs) || (nkernel && !in_kernel))
        return; /* kernel patterns: checked when the kernel is loaded */
    char where[512];
    where_looked(where, sizeof(where));
    const char *who = o->program ? o->program : "the guest's processes";
    for (int k = 0; k < o->nfunc && k < QT_MAX_PATTERNS; k++) {
        if (pattern_matched(o->func[k], func_hit[k], in_kernel))
            continue;
        if (kmod_pattern(o->func[k]))
            fprintf(stderr, "qtrace: warning: no kernel module the guest loaded has a function matching '%s': nothing "
                    "was traced for it\n", o->func[k]);
        else if (strncmp(o->func[k], "lib:", 4) == 0)
            fprintf(stderr, "qtrace: warning: no library that %s loaded is named '%s': nothing was traced for it\n",
                    who, o->func[k] + 4);
        else
            fprintf(stderr, "qtrace: warning: no function of %s matches '%s': nothing was traced for it\n", where,
                    o->func[k]);
    }
    for (int k = 0; k < o->nspecs && k < QT_MAX_SPECS; k++)
        if (!pattern_matched(o->specs[k].pattern, spec_hit[k], in_kernel))
            fprintf(stderr, "qtrace: warning: no function of %s matches '%s' (-A/-R): nothing was traced for it\n",
                    where, o->specs[k].pattern);
}

void qt_modules_check_patterns(bool (*in_kernel)(const char *glob))
{
    const struct qt_opts *o = &qt.opts;
    const char *pats[QT_MAX_PATTERNS + QT_MAX_SPECS];
    bool found[QT_MAX_PATTERNS + QT_MAX_SPECS];
    int n = 0;
    for (int k = 0; k < o->nfunc && k < QT_MAX_PATTERNS; k++)
        pats[n++] = o->func[k];
    for (int k = 0; k < o->nspecs && k < QT_MAX_SPECS; k++)
        pats[n++] = o->specs[k].pattern;
    struct qt_symtab prog;
    char err[512];
    bool have = o->program && qt_symtab_load(&prog, o->program, 0, err, sizeof(err)) == 0;
    bool left = false;
    for (int i = 0; i < n; i++) {
        /* module functions are known once their module loads: said at the end if none matched */
        found[i] = pattern_matched(pats[i], false, in_kernel) || kmod_pattern(pats[i]);
        for (size_t k = 0; have && !found[i] && strncmp(pats[i], "lib:", 4) != 0 && k < prog.n; k++)
            found[i] = qt_sym_match(&prog.syms[k], pats[i]);
        left |= !found[i];
    }
    if (have)
        qt_symtab_free(&prog);
    if (left && o->sysroot && o->libs)
        qt_sysroot_scan(o->sysroot, pats, n, found);
    char where[512];
    snprintf(where, sizeof(where), "the kernel%s%s%s%s", o->program ? ", " : "", o->program ? o->program : "",
             o->sysroot && o->libs ? " or the libraries under " : "", o->sysroot && o->libs ? o->sysroot : "");
    for (int i = 0; i < n; i++) {
        if (found[i])
            continue;
        if (strncmp(pats[i], "lib:", 4) == 0)
            fprintf(stderr, "qtrace: warning: no library under %s is named '%s': nothing will be traced for it\n",
                    o->sysroot ? o->sysroot : "--sysroot (none given: the guest's libraries are not read)", pats[i] + 4);
        else
            fprintf(stderr, "qtrace: warning: no function of %s matches '%s': nothing will be traced for it\n", where,
                    pats[i]);
    }
}

/* Is every function of this library traced? (func=lib:GLOB, filter=lib:GLOB) */
static bool lib_selected(const struct qt_module *m)
{
    bool f = lib_in(qt.opts.func, qt.opts.nfunc, m, func_hit);
    return lib_in(qt.opts.filter, qt.opts.nfilter, m, NULL) || f;
}

/* filter= and notrace= marks, for the shadow stacks (calls.c) */
void qt_tfunc_marks(struct qt_tfunc *tf, const char *name, bool lib_filter)
{
    tf->filter = lib_filter || qt_opts_match(qt.opts.filter, qt.opts.nfilter, name);
    tf->notrace = qt_opts_match(qt.opts.notrace, qt.opts.nnotrace, name);
}

/* No -P, -A, -R, addr= or range= at all: every function of the program and the library
 * functions it imports (not the libraries' own); -F (filter=) only limits where calls are
 * recorded. */
static bool trace_all_of_prog(void)
{
    return qt.opts.nfunc == 0 && qt.opts.nspecs == 0 && qt.opts.naddr == 0 && qt.opts.nrange == 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The library functions the program calls (its "NAME@plt" stubs): traced by default, as
 * uftrace and ltrace show a program's library calls. */
static void collect_imports(const struct qt_module *prog)
{
    imports = calloc(prog->st.n ? prog->st.n : 1, sizeof(*imports));
    for (size_t i = 0; imports && i < prog->st.n; i++) {
        const char *at = strstr(prog->st.syms[i].name, "@plt");
        if (at && at > prog->st.syms[i].name)
            imports[nimports++] = g_strndup(prog->st.syms[i].name, (size_t)(at - prog->st.syms[i].name));
    }
    if (nimports > 1)
        qsort(imports, nimports, sizeof(*imports), cmp_str);
}

static bool imported(const char *name)
{
    return nimports && bsearch(&name, imports, nimports, sizeof(*imports), cmp_str) != NULL;
}

/* "-A func" with no items: every parameter and the return value as DWARF declares them
 * (unknown types as 64-bit hex). Explicit argN/retval items, applied after, take precedence. */
static void dwarf_slots(struct qt_tfunc *tf, const struct qt_sym *s)
{
    for (int i = 0; i < s->nparams && tf->nargs < QT_MAX_ARGS; i++) {
        struct qt_argslot *a = &tf->args[tf->nargs++];
        a->pos = (uint8_t)(i + 1);
        a->type = s->params[i].type ? s->params[i].type : QT_T_HEX;
        a->bits = s->params[i].bits ? s->params[i].bits : 64;
    }
    if (s->ret_type) {
        tf->has_ret = true;
        tf->ret.pos = 0;
        tf->ret.type = s->ret_type;
        tf->ret.bits = s->ret_bits ? s->ret_bits : 64;
    }
}

/* The -A/-R spec of the function named name (merged over DWARF's when it says so). */
static void apply_spec(struct qt_tfunc *tf, const struct qt_sym *s)
{
    const struct qt_argspec *sp = qt_opts_spec_for(&qt.opts, s->name);
    if (sp && sp->dwarf)
        dwarf_slots(tf, s);
    for (int k = 0; sp && k < sp->nslots; k++) {
        if (sp->slots[k].pos == 0) {
            tf->has_ret = true;
            tf->ret = sp->slots[k];
            continue;
        }
        int j = 0;
        while (j < tf->nargs && tf->args[j].pos != sp->slots[k].pos)
            j++;
        if (j < tf->nargs)
            tf->args[j] = sp->slots[k]; /* replaces the DWARF one */
        else if (tf->nargs < QT_MAX_ARGS)
            tf->args[tf->nargs++] = sp->slots[k];
    }
}

static int cmp_tfunc(const void *a, const void *b)
{
    const struct qt_tfunc *x = a, *y = b;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static bool in_exec_segment(const struct qt_symtab *st, uint64_t addr)
{
    for (int i = 0; i < st->nseg; i++)
        if (st->seg[i].exec && addr >= st->seg[i].vaddr + st->bias && addr < st->seg[i].vaddr + st->bias + st->seg[i].memsz)
            return true;
    return false;
}

/* addr= values that no symbol starts at (a stripped program): functions named by their
 * address, extending to the next traced function; their returns are matched by stack pointer. */
static int add_addr_functions(struct qt_module *m, char *err, size_t errlen)
{
    int n = 0;
    struct qt_tfunc *grown;
    for (int k = 0; k < qt.opts.naddr; k++) {
        uint64_t a = qt.opts.addr[k];
        if (qt_tfunc_containing(m, a))
            continue; /* a symbol's function: selected above if it starts there */
        if (!in_exec_segment(&m->st, a)) {
            snprintf(err, errlen, "addr=0x%" PRIx64 " is not in an executable segment of %s", a, m->st.path);
            return -EINVAL;
        }
        n++;
    }
    if (n == 0)
        return 0;
    m->extra = calloc((size_t)n, sizeof(*m->extra));
    m->extra_names = calloc((size_t)n, sizeof(*m->extra_names));
    grown = realloc(m->tf, (m->ntf + (size_t)n) * sizeof(*m->tf));
    if (!m->extra || !m->extra_names || !grown) {
        if (grown)
            m->tf = grown;
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    m->tf = grown;
    size_t base = m->ntf;
    for (int k = 0; k < qt.opts.naddr; k++) {
        uint64_t a = qt.opts.addr[k];
        if (!in_exec_segment(&m->st, a) || qt_tfunc_containing(m, a))
            continue;
        bool dup = false;
        for (size_t i = base; i < m->ntf; i++)
            dup |= m->tf[i].addr == a;
        if (dup)
            continue;
        struct qt_sym *s = &m->extra[m->nextra];
        snprintf(m->extra_names[m->nextra], sizeof(m->extra_names[0]), "0x%" PRIx64, a);
        s->addr = a;
        s->name = m->extra_names[m->nextra];
        m->nextra++;
        struct qt_tfunc *tf = &m->tf[m->ntf++];
        memset(tf, 0, sizeof(*tf));
        tf->addr = a;
        tf->sym = s;
        tf->loose = true;
        tf->id = next_func_id <= QT_FAST_ID_MAX ? next_func_id++ : 0;
        apply_spec(tf, s); /* a spec may name it "0x..." */
        qt_tfunc_marks(tf, s->name, false);
    }
    qsort(m->tf, m->ntf, sizeof(*m->tf), cmp_tfunc);
    for (size_t i = 0; i < m->ntf; i++) {
        struct qt_tfunc *tf = &m->tf[i];
        if (!tf->loose)
            continue;
        uint64_t end = m->st.text_hi;
        if (i + 1 < m->ntf && m->tf[i + 1].addr < end)
            end = m->tf[i + 1].addr;
        tf->end = end > tf->addr ? end : tf->addr + 1;
    }
    return 0;
}

/* Does tf run straight from its entry to a ret, by its bytes in the file? (one-block functions,
 * calls.h) */
static bool runs_to_ret(const struct qt_module *m, const struct qt_tfunc *tf)
{
    uint8_t code[256];
    size_t n = tf->end - tf->addr < sizeof(code) ? (size_t)(tf->end - tf->addr) : sizeof(code);
    return qt.arch->run_to_ret && !tf->loose && qt_symtab_read(&m->st, tf->addr, code, n) &&
           qt.arch->run_to_ret(code, n, tf->addr) != 0;
}

/* Does a pattern name the function, by its name or an alias? */
static bool wanted(const struct qt_sym *s)
{
    if (qt_opts_wants(&qt.opts, s->name))
        return true;
    for (unsigned k = 0; k < s->naliases; k++)
        if (qt_opts_wants(&qt.opts, s->aliases[k]))
            return true;
    return false;
}

static int module_select(struct qt_module *m, char *err, size_t errlen)
{
    m->tf = calloc(m->st.n ? m->st.n : 1, sizeof(*m->tf));
    if (!m->tf) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    bool whole_lib = !m->is_prog && lib_selected(m);
    bool lib_filter = !m->is_prog && lib_in(qt.opts.filter, qt.opts.nfilter, m, NULL);
    bool by_pattern = m->is_prog || qt.opts.libs;
    size_t nifunc = 0;
    for (size_t i = 0; i < m->st.n; i++)
        nifunc += m->st.syms[i].ifunc;
    if (nifunc && !(m->ifunc = calloc(nifunc, sizeof(*m->ifunc)))) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    for (size_t i = 0; i < m->st.n; i++) {
        const struct qt_sym *s = &m->st.syms[i];
        if (strstr(s->name, "@plt"))
            continue; /* PLT stubs: the library function itself is traced */
        bool want = whole_lib || (by_pattern && wanted(s)) ||
                    (trace_all_of_prog() && (m->is_prog || (qt.opts.libs && imported(s->name))));
        for (int k = 0; m->is_prog && k < qt.opts.naddr; k++)
            want |= qt.opts.addr[k] == s->addr;
        want |= qt_opts_in_range(&qt.opts, s->addr);
        if (!want)
            continue;
        if (by_pattern) {
            mark_hits(s->name);
            for (unsigned k = 0; k < s->naliases; k++)
                mark_hits(s->aliases[k]);
        }
        if (s->ifunc) {
            struct qt_ifunc *f = &m->ifunc[m->nifunc++];
            f->resolver = s->addr;
            f->resolver_end = s->addr + (s->size ? s->size : 1);
            f->m = m;
            f->tf.sym = s;
            f->tf.id = next_func_id <= QT_FAST_ID_MAX ? next_func_id++ : 0;
            apply_spec(&f->tf, s);
            qt_tfunc_marks(&f->tf, s->name, lib_filter);
            continue;
        }
        if (m->ntf && s->addr < m->tf[m->ntf - 1].end)
            continue; /* alias or overlap: keep the first */
        struct qt_tfunc *tf = &m->tf[m->ntf];
        tf->addr = s->addr;
        tf->end = s->addr + (s->size ? s->size : 1);
        tf->sym = s;
        tf->id = next_func_id <= QT_FAST_ID_MAX ? next_func_id++ : 0;
        apply_spec(tf, s);
        qt_tfunc_marks(tf, s->name, lib_filter);
        tf->one_block = runs_to_ret(m, tf);
        m->ntf++;
    }
    return m->is_prog ? add_addr_functions(m, err, errlen) : 0;
}

static void module_free(struct qt_module *m)
{
    if (!m)
        return;
    qt_symtab_free(&m->st);
    free(m->tf);
    free(m->ifunc);
    free(m->extra);
    free(m->extra_names);
    free(m);
}

static struct qt_module *module_load(const char *path, uint64_t bias, bool is_prog, char *err, size_t errlen)
{
    struct qt_module *m = calloc(1, sizeof(*m));
    if (!m) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    m->is_prog = is_prog;
    m->verified = 1;
    if (qt_symtab_load(&m->st, path, bias, err, errlen) < 0) {
        module_free(m);
        return NULL;
    }
    const char *slash = strrchr(m->st.path, '/');
    m->base = slash ? slash + 1 : m->st.path;
    if (module_select(m, err, errlen) < 0) {
        module_free(m);
        return NULL;
    }
    return m;
}

/* Caller holds mod_lock (or runs before any vCPU). */
static void module_publish(struct qt_module *m)
{
    if (nmodules >= MAX_MODULES) {
        if (!full_said)
            fprintf(stderr, "qtrace: warning: %d modules loaded: %s and later ones are not traced\n", MAX_MODULES,
                    m->st.path);
        full_said = true;
        module_free(m);
        return;
    }
    qt_rec_map(m->st.path, m->st.bias, m->st.text_hi - m->st.text_lo, 0);
    for (size_t i = 0; i < m->ntf; i++)
        qt_tfunc_announce(&m->tf[i], 0);
    modules[nmodules] = m;
    __atomic_store_n(&nmodules, nmodules + 1, __ATOMIC_RELEASE);
}

int qt_modules_init(size_t nkernel, char *err, size_t errlen)
{
    struct qt_opts *o = &qt.opts;
    if (!o->program) {
        bool libs = qt.system && o->sysroot && o->libs; /* the guest's libraries, under sysroot= */
        for (int k = 0; qt.system && k < o->nfunc; k++)
            libs |= kmod_pattern(o->func[k]); /* or kernel modules' functions */
        if ((o->nfunc || o->nspecs || o->naddr || o->nrange) && (o->naddr || o->nrange || (nkernel == 0 && !libs))) {
            snprintf(err, errlen, "function filters need program=PATH (the ELF whose functions to trace)");
            return -EINVAL;
        }
        return 0;
    }
    struct qt_module *m = module_load(o->program, o->bias, true, err, errlen);
    if (!m)
        return -EINVAL;
    if (!qt.system)
        collect_imports(m);
    /* In user mode the functions asked for may live in libraries mapped later. */
    bool libs_later = !qt.system && (o->libs || lib_selected(m));
    if (m->ntf == 0 && m->nifunc == 0 && !libs_later && (o->nfunc || o->nspecs) && nkernel == 0) {
        snprintf(err, errlen, "no function of %s matches the filters (%s%s)", o->program,
                 o->nfunc ? "func=" : "arg=", o->nfunc ? o->func[0] : o->specs[0].pattern);
        module_free(m);
        return -EINVAL;
    }
    /* a filter= that names nothing would silently record nothing (user mode, no library to come) */
    for (int k = 0; !qt.system && !libs_later && k < o->nfilter; k++) {
        bool any = strncmp(o->filter[k], "lib:", 4) == 0;
        for (size_t i = 0; !any && i < m->ntf; i++)
            any = qt_opts_match(&o->filter[k], 1, m->tf[i].sym->name);
        for (size_t i = 0; !any && i < m->nifunc; i++)
            any = qt_opts_match(&o->filter[k], 1, m->ifunc[i].tf.sym->name);
        if (!any) {
            snprintf(err, errlen, "filter=%s: no traced function of %s has that name", o->filter[k], o->program);
            module_free(m);
            return -EINVAL;
        }
    }
    if (m->st.pie && o->bias == 0) {
        /* user mode: relocated at the first translation (qt_modules_before_tb); system mode: at
         * each exec of it (qt_modules_exec), one module per load address */
        pending_prog = m;
        if (!qt.system)
            __atomic_store_n(&bias_pending, 1, __ATOMIC_RELEASE);
        else if ((unknowable_bias = !o->kernel || !o->kernel_introspection || qt.arch->kintro == QT_KINTRO_NONE))
            fprintf(stderr, "qtrace: warning: %s is a PIE: without the guest's kernel (kernel=) its load address is "
                    "not known and none of its functions is traced; give its bias (bias=)\n", o->program);
        return 0;
    }
    module_publish(m);
    return 0;
}

/*
 * A PIE program's load address, from the guest: a new process's initial stack holds argc,
 * argv[], envp[] and the auxiliary vector, whose AT_ENTRY is the program's run-time entry point
 * (bias = AT_ENTRY - e_entry). In user mode it is read at the first instruction the process
 * executes (QEMU 10.0's qemu-user does not export qemu_plugin_entry_code()); in system mode
 * when the kernel starts the new program (qt_modules_exec).
 */
#define AT_NULL_ 0
#define AT_PHDR_ 3
#define AT_PHENT_ 4
#define AT_PHNUM_ 5
#define AT_ENTRY_ 9

/* What the auxiliary vector says of the program (0: not said). */
struct auxv {
    uint64_t entry, phdr, phent, phnum;
};

/* The auxiliary vector of the initial stack at sp; its AT_ENTRY, or 0 (unreadable, none). */
static uint64_t auxv_read(struct qt_vcpu *v, uint64_t sp, struct auxv *a)
{
    memset(a, 0, sizeof(*a));
    unsigned w = qt.arch->word_bytes;
    uint64_t argc = 0, val = 0, p;
    bool ok = qt_mem_read_uint(&v->mem, sp, w, &argc) && argc < 65536;
    p = sp + w * (argc + 2);                       /* skip argc, argv[], NULL */
    for (int i = 0; ok && i < 65536; i++, p += w) { /* skip envp[], NULL */
        ok = qt_mem_read_uint(&v->mem, p, w, &val);
        if (ok && val == 0) {
            p += w;
            break;
        }
    }
    for (int i = 0; ok && i < 128; i++, p += 2 * w) { /* auxv pairs */
        uint64_t type = 0;
        ok = qt_mem_read_uint(&v->mem, p, w, &type) && qt_mem_read_uint(&v->mem, p + w, w, &val);
        if (!ok || type == AT_NULL_)
            break;
        if (type == AT_ENTRY_)
            a->entry = val;
        else if (type == AT_PHDR_)
            a->phdr = val;
        else if (type == AT_PHENT_)
            a->phent = val;
        else if (type == AT_PHNUM_)
            a->phnum = val;
    }
    return a->entry;
}

/* Is the program whose auxiliary vector is a the file of st loaded at bias? Its code is not read
 * (not paged in yet when the kernel starts it): its program headers' place, size and number. */
static bool auxv_is(const struct auxv *a, const struct qt_symtab *st, uint64_t bias)
{
    uint64_t phoff, phent, phnum;
    if (st->elf_class == 64 && st->image_size >= sizeof(Elf64_Ehdr)) {
        const Elf64_Ehdr *e = (const Elf64_Ehdr *)st->image;
        phoff = e->e_phoff, phent = e->e_phentsize, phnum = e->e_phnum;
    } else if (st->elf_class == 32 && st->image_size >= sizeof(Elf32_Ehdr)) {
        const Elf32_Ehdr *e = (const Elf32_Ehdr *)st->image;
        phoff = e->e_phoff, phent = e->e_phentsize, phnum = e->e_phnum;
    } else {
        return false;
    }
    return st->nseg > 0 && (bias & (QT_GUEST_PAGE - 1)) == 0 && a->phent == phent && a->phnum == phnum &&
           a->phdr == bias + st->seg[0].vaddr - st->seg[0].offset + phoff;
}

/* The program loaded at bias; caller holds mod_lock. */
static void publish_prog_at(uint64_t bias)
{
    char err[512];
    struct qt_module *m = module_load(qt.opts.program, bias, true, err, sizeof(err));
    if (m)
        module_publish(m);
    else
        fprintf(stderr, "qtrace: warning: cannot relocate %s: %s\n", qt.opts.program, err);
}

/* The program loaded at bias, unless it is known there already; caller holds mod_lock. */
static void publish_prog_once(uint64_t bias)
{
    for (int i = 0; i < nmodules; i++)
        if (modules[i]->is_prog && modules[i]->st.bias == bias)
            return;
    publish_prog_at(bias);
}

static int first_insn_armed;

static void on_first_insn(unsigned int vi, void *udata)
{
    (void)udata;
    struct qt_vcpu *v = qt_vcpu(vi);
    pthread_mutex_lock(&mod_lock);
    if (pending_prog && v) {
        struct auxv a;
        uint64_t entry = auxv_read(v, qt_reg_read(v, v->r_sp), &a);
        if (entry)
            publish_prog_at(entry - pending_prog->st.entry);
        else
            fprintf(stderr, "qtrace: warning: cannot find where %s was loaded (no AT_ENTRY)\n", qt.opts.program);
        module_free(pending_prog);
        pending_prog = NULL;
        __atomic_store_n(&bias_pending, 0, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&mod_lock);
}

void qt_modules_exec(struct qt_vcpu *v, uint64_t sp)
{
    if (!__atomic_load_n(&pending_prog, __ATOMIC_ACQUIRE))
        return;
    struct auxv a;
    uint64_t entry = auxv_read(v, sp, &a);
    pthread_mutex_lock(&mod_lock);
    const struct qt_module *p = pending_prog;
    uint64_t bias = p ? entry - p->st.entry : 0;
    /* this process runs the program, not another file (the code at the entry is checked at
     * translation, instruction by instruction, as for every module in system mode) */
    if (entry && p && auxv_is(&a, &p->st, bias))
        publish_prog_once(bias);
    pthread_mutex_unlock(&mod_lock);
}

void qt_modules_before_tb(struct qemu_plugin_tb *tb)
{
    if (!__atomic_load_n(&bias_pending, __ATOMIC_ACQUIRE))
        return;
    /* the very first block executed: its first instruction sees the initial stack */
    if (__atomic_exchange_n(&first_insn_armed, 1, __ATOMIC_ACQ_REL) == 0 && qemu_plugin_tb_n_insns(tb) > 0)
        qemu_plugin_register_vcpu_insn_exec_cb(qemu_plugin_tb_get_insn(tb, 0), on_first_insn,
                                               QEMU_PLUGIN_CB_R_REGS, NULL);
}

/* Is path said for the first time? Caller holds mod_lock. */
static bool say_once(const char *path)
{
    for (int i = 0; i < nsaid; i++)
        if (strcmp(said[i], path) == 0)
            return false;
    if (nsaid < MAX_SAID)
        said[nsaid++] = strdup(path);
    return true;
}

/* The host file of the guest's path: under sysroot= (user mode: else the path itself, as QEMU's
 * -L finds it); NULL if there is none. */
static const char *host_file(const char *path, char *buf, size_t cap)
{
    if (qt.opts.sysroot && path[0] == '/' && (size_t)snprintf(buf, cap, "%s%s", qt.opts.sysroot, path) < cap &&
        access(buf, R_OK) == 0)
        return buf;
    return qt.system ? NULL : path;
}

static bool same_file(const char *a, const char *b)
{
    struct stat x, y;
    return a && b && stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

/* The ELF facts of a file from its first bytes (program headers are there); false if not ELF. */
static bool probe_elf(const char *file, struct qt_elfid *id)
{
    static __thread uint8_t head[16384];
    FILE *f = fopen(file, "rb");
    size_t got = f ? fread(head, 1, sizeof(head), f) : 0;
    if (f)
        fclose(f);
    return got >= 4 && memcmp(head, "\177ELF", 4) == 0 && qt_elfid_read(head, got, id);
}

/* Was file loaded before in a process not recorded and found to have no traced function?
 * Caller holds mod_lock. */
static bool untraced_has(const char *file)
{
    for (int i = 0; i < nuntraced; i++)
        if (strcmp(untraced[i], file) == 0)
            return true;
    return false;
}

static bool mapped(const char *path, uint64_t addr, uint64_t offset, uint64_t *bias, bool recorded)
{
    if (offset != 0 || !path || !path[0])
        return false;
    char rooted[QT_STR_MAX + 512];
    const char *file = host_file(path, rooted, sizeof(rooted));
    if (!file) {
        /* a library the guest has and sysroot= has not: said once (other files are data) */
        pthread_mutex_lock(&mod_lock);
        if (qt.opts.sysroot && strstr(path, ".so") && say_once(path))
            fprintf(stderr, "qtrace: warning: the guest maps %s, which is not under %s: its functions are not traced\n",
                    path, qt.opts.sysroot);
        pthread_mutex_unlock(&mod_lock);
        return false;
    }
    struct qt_elfid id;
    if (!probe_elf(file, &id))
        return false; /* most files mapped at offset 0 are not ELF (locales, caches) */
    uint64_t b = id.dyn ? addr - (id.load_vaddr & ~(uint64_t)(QT_GUEST_PAGE - 1)) : 0;
    if (bias)
        *bias = b;
    /* system mode: programs are not libraries (the traced one is followed at its exec); libc.so.6
     * names an interpreter too (it runs), so a file named *.so* is a library */
    const char *slash = strrchr(path, '/');
    bool program = id.program && !strstr(slash ? slash : path, ".so");
    if (qt.system && id.dyn && same_file(file, qt.opts.program)) {
        /* the PIE program mapped from its start: where it is, whoever loads it (the kernel, whose
         * start_thread says the same; or the dynamic loader run as a command, which the
         * auxiliary vector does not tell) */
        pthread_mutex_lock(&mod_lock);
        if (pending_prog)
            publish_prog_once(b);
        pthread_mutex_unlock(&mod_lock);
        return true;
    }
    if (!id.dyn || (qt.system && (program || same_file(file, qt.opts.program))))
        return true;
    pthread_mutex_lock(&mod_lock);
    for (int i = 0; i < nmodules; i++) {
        if (strcmp(modules[i]->st.path, file) == 0 && (!qt.system || modules[i]->st.bias == b)) {
            pthread_mutex_unlock(&mod_lock);
            return true;
        }
    }
    if (!recorded && untraced_has(file)) {
        pthread_mutex_unlock(&mod_lock);
        return true;
    }
    char err[512];
    struct qt_module *m = module_load(file, b, false, err, sizeof(err));
    if (m && !recorded && m->ntf == 0 && m->nifunc == 0) {
        /* nothing of it to instrument: remembered, not loaded again for other processes */
        if (nuntraced < MAX_UNTRACED)
            untraced[nuntraced++] = strdup(file);
        module_free(m);
    } else if (m) {
        m->verified = 1;
        if (qt.system && qt_elfid_read(m->st.image, m->st.image_size, &m->id) && m->id.build_id_len)
            m->verified = 0;
        module_publish(m);
    } else if (say_once(file)) {
        fprintf(stderr, "qtrace: warning: cannot read the library %s: %s\n", file, err);
    }
    pthread_mutex_unlock(&mod_lock);
    return true;
}

bool qt_modules_mapped(const char *path, uint64_t addr, uint64_t offset, uint64_t *bias)
{
    return mapped(path, addr, offset, bias, true);
}

void qt_modules_mapped_unrecorded(const char *path, uint64_t addr)
{
    mapped(path, addr, 0, NULL, false);
}

bool qt_module_usable(const struct qt_module *m)
{
    struct qt_module *w = (struct qt_module *)m; /* only its verdict changes, once */
    int v = __atomic_load_n(&w->verified, __ATOMIC_ACQUIRE);
    if (v)
        return v > 0;
    static __thread GByteArray *buf;
    if (!buf)
        buf = g_byte_array_new();
    size_t n = m->id.build_id_len;
    /* the note's page has been touched by the dynamic loader before the library's code runs */
    if (!qemu_plugin_read_memory_vaddr(m->st.bias + m->id.build_id_vaddr, buf, n) || buf->len < n)
        return false;
    bool same = memcmp(buf->data, m->id.build_id, n) == 0;
    int expected = 0;
    if (__atomic_compare_exchange_n(&w->verified, &expected, same ? 1 : -1, false, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE) && !same) {
        char want[2 * QT_BUILD_ID_MAX + 1];
        qt_elfid_hex(m->id.build_id, n, want, sizeof(want));
        pthread_mutex_lock(&mod_lock);
        if (say_once(m->st.path))
            fprintf(stderr, "qtrace: warning: the library the guest mapped at 0x%" PRIx64 " is not %s (its build-id %s is "
                    "not in the guest's copy): another build, its functions are not traced\n", m->st.bias, m->st.path,
                    want);
        pthread_mutex_unlock(&mod_lock);
    }
    return same;
}
