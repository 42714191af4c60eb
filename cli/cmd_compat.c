/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qtrace compat: run a QEMU-TRACER configuration (seed 000) unchanged. Reads configs.txt and
 * configs/reg_map.txt (common/qtcompat.c), checks them completely before anything starts,
 * translates them into plugin options (functions by address, address ranges, argument
 * types, the process name), boots the guest like `qtrace system` (cli/launch.c) from the
 * QEMU arguments QEMU-TRACER was given, and writes its two files, log and stack
 * (cli/w_compat.c). See docs/compat.md.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arch.h"
#include "cli.h"
#include "kallsyms.h"
#include "kimage.h"
#include "kintro.h"
#include "launch.h"
#include "legacy.h"
#include "options.h"
#include "qtcompat.h"
#include "symtab.h"
#include "util.h"

#define DEFAULT_CONFIG "configs.txt"
#define DEFAULT_REGMAP "configs/reg_map.txt"
#define DEFAULT_OUTDIR "."

static const struct qtc_opt compat_opts[] = {
    { "config", 'c', NULL, QTC_PATH, "FILE", "QEMU-TRACER's configs.txt. Default: ./configs.txt.", NULL },
    { "reg-map", 'r', NULL, QTC_PATH, "FILE",
      "QEMU-TRACER's register map. Default: ./configs/reg_map.txt, or QEMU-TRACER's own file (built in) when "
      "there is none.", NULL },
    { "output", 'o', NULL, QTC_PATH, "DIR",
      "directory for log and stack, and for the trace they come from (trace.qtr) and the plugin options "
      "(qtrace.conf); created if needed. Default: the current directory, as QEMU-TRACER.", NULL },
    { "program", 'p', NULL, QTC_PATH, "PATH",
      "a host copy of the program configs.txt names (line 1), whose functions the user addresses are in. "
      "Default: ./NAME when there is such a file, else only kernel functions can be traced.", NULL },
    { "kernel-symbols", 0, NULL, QTC_PATH, "FILE",
      "the kernel's symbols from a System.map (or a copy of the guest's /proc/kallsyms) instead of the kallsyms "
      "tables in the -kernel image, as qtrace system's option.", NULL },
    { "layout", 0, NULL, QTC_PATH, "FILE",
      "structure offsets ('task_struct.pid = 2416' lines) for a kernel without BTF, as qtrace system's option "
      "(docs/kernel.md). Without BTF or a layout, only the program's functions can be traced.", NULL },
    { "bits", 0, NULL, QTC_UINT, "32|64",
      "word size of the guest: which reg_map.txt lines apply and which QEMU runs (qemu-system-x86_64 or "
      "qemu-system-i386). Default: from the -kernel image, else from --program.", NULL },
    { "qemu", 0, NULL, QTC_PATH, "PATH",
      "the QEMU system emulator. Default: $QTRACE_QEMU_SYSTEM, else qemu-system-x86_64 (qemu-system-i386 for a "
      "32-bit guest) from PATH.", NULL },
    { "timeout", 0, NULL, QTC_SECONDS, "SEC",
      "stop QEMU if it still runs after SEC seconds; what was recorded is kept and written; exit status 124.",
      NULL },
    { "dry-run", 'n', NULL, QTC_FLAG, NULL,
      "check the configuration and the QEMU arguments, print the plugin options and the QEMU command line, "
      "start nothing.", NULL },
    { "quiet", 'q', NULL, QTC_FLAG, NULL, "do not print notes and the summary line.", NULL },
    { "system-map", 0, NULL, QTC_PATH, "KERNEL",
      "print the symbols of the kernel image KERNEL (a bzImage or vmlinux) as System.map lines, ADDRESS TYPE NAME "
      "sorted by address, with the link-time addresses configs.txt uses (nm -n vmlinux for a kernel that comes "
      "without its vmlinux), and exit.", NULL },
    QTC_LEGACY_OPTS,
};

static const struct qtc_opt_table compat_table = { "Options", compat_opts,
                                                   sizeof(compat_opts) / sizeof(compat_opts[0]) };

/* ---- growing string lists -------------------------------------------------------------------- */

struct strv {
    char **v;
    size_t n, cap;
};

static void sv_push(struct strv *s, char *owned)
{
    if (s->n + 2 > s->cap) {
        s->cap = s->cap ? s->cap * 2 : 32;
        s->v = qtc_xrealloc(s->v, s->cap * sizeof(char *));
    }
    s->v[s->n++] = owned;
    s->v[s->n] = NULL;
}

static void sv_pushf(struct strv *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sv_pushf(struct strv *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = NULL;
    if (vasprintf(&p, fmt, ap) < 0)
        p = NULL;
    va_end(ap);
    if (!p) {
        qtc_error("out of memory");
        exit(QTC_EXIT_ERROR);
    }
    sv_push(s, p);
}

static bool sv_has(const struct strv *s, const char *x)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i], x) == 0)
            return true;
    return false;
}

static void sv_free(struct strv *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    memset(s, 0, sizeof(*s));
}

/* ---- the QEMU arguments QEMU-TRACER was given ------------------------------------------------- */

struct qemu_args {
    const char *kernel, *initrd, *append, *mem, *smp;
    struct strv rest;           /* passed to QEMU as they are */
    struct strv notes;          /* what was changed, for the user */
};

/* "-d func,int" -> "int"; NULL if nothing remains. */
static char *without_func(const char *list)
{
    char *out = qtc_xcalloc(1, strlen(list) + 1);
    const char *p = list;
    while (*p) {
        size_t n = strcspn(p, ",");
        if (!(n == 4 && memcmp(p, "func", 4) == 0)) {
            if (out[0])
                strcat(out, ",");
            strncat(out, p, n);
        }
        p += n;
        if (*p == ',')
            p++;
    }
    if (!out[0]) {
        free(out);
        return NULL;
    }
    return out;
}

/*
 * Take -kernel, -initrd, -append, -m, -smp for `qtrace system`'s own options; drop what qtrace
 * does itself or what cannot work with a plugin (-d func and its -D log, KVM: QEMU-TRACER's
 * document says tracing never runs under KVM either, -nographic and -no-reboot that qtrace
 * adds, the first as -display none -serial mon:stdio); pass the rest through.
 */
static int split_qemu_args(char **in, int n, struct qemu_args *q, char *err, size_t errlen)
{
    memset(q, 0, sizeof(*q));
    bool other_d = false;
    for (int i = 0; i < n; i++) { /* is there a -d item other than func? (then -D stays) */
        const char *o = in[i][0] == '-' && in[i][1] == '-' ? in[i] + 1 : in[i];
        if (strcmp(o, "-d") == 0 && i + 1 < n) {
            char *rest = without_func(in[i + 1]);
            other_d |= rest != NULL;
            free(rest);
        }
    }
    for (int i = 0; i < n; i++) {
        const char *a = in[i];
        const char *o = a[0] == '-' && a[1] == '-' && a[2] ? a + 1 : a; /* --kernel = -kernel */
        const char *v = i + 1 < n ? in[i + 1] : NULL;
        const char **take = strcmp(o, "-kernel") == 0   ? &q->kernel
                            : strcmp(o, "-initrd") == 0 ? &q->initrd
                            : strcmp(o, "-append") == 0 ? &q->append
                            : strcmp(o, "-m") == 0      ? &q->mem
                            : strcmp(o, "-smp") == 0    ? &q->smp
                                                        : NULL;
        bool takes_value = take || strcmp(o, "-d") == 0 || strcmp(o, "-D") == 0 || strcmp(o, "-accel") == 0 ||
                           strcmp(o, "-plugin") == 0;
        if (takes_value && !v) {
            snprintf(err, errlen, "QEMU argument %s needs a value (after --: the QEMU arguments as QEMU-TRACER was "
                     "given them)", a);
            return -1;
        }
        if (take) {
            *take = v;
            i++;
        } else if (strcmp(o, "-d") == 0) {
            char *rest = without_func(v);
            if (rest) {
                sv_push(&q->rest, qtc_xstrdup("-d"));
                sv_push(&q->rest, rest);
            }
            if (strstr(v, "func"))
                sv_pushf(&q->notes, "-d %s: QEMU-TRACER's 'func' log item is qtrace's plugin (dropped)", v);
            i++;
        } else if (strcmp(o, "-D") == 0) {
            if (other_d) {
                sv_push(&q->rest, qtc_xstrdup("-D"));
                sv_push(&q->rest, qtc_xstrdup(v));
            } else {
                sv_pushf(&q->notes, "-D %s: QEMU-TRACER's log goes to the log file qtrace writes (dropped)", v);
            }
            i++;
        } else if (strcmp(o, "-enable-kvm") == 0 || (strcmp(o, "-accel") == 0 && strncmp(v, "kvm", 3) == 0)) {
            sv_pushf(&q->notes, "%s%s%s: tracing needs TCG (QEMU-TRACER's document says so too: never KVM while "
                     "tracing) (dropped)", a, strcmp(o, "-accel") == 0 ? " " : "", strcmp(o, "-accel") == 0 ? v : "");
            if (strcmp(o, "-accel") == 0)
                i++;
        } else if (strcmp(o, "-accel") == 0) {
            i++; /* qtrace system gives -accel tcg */
        } else if (strcmp(o, "-nographic") == 0 || strcmp(o, "-no-reboot") == 0) {
            /* qtrace system gives them */
        } else if (strcmp(o, "-plugin") == 0) {
            snprintf(err, errlen, "QEMU argument -plugin %s: qtrace compat loads its own plugin; remove it", v);
            return -1;
        } else {
            sv_push(&q->rest, qtc_xstrdup(a));
        }
    }
    if (!q->kernel) {
        snprintf(err, errlen, "the QEMU arguments have no -kernel FILE: qtrace compat boots a kernel and an initrd as "
                 "QEMU-TRACER's busybox set-up does (-kernel bzImage -initrd rootfs.img -append ...); a disk-image "
                 "guest booted by its own boot loader is not supported");
        return -1;
    }
    return 0;
}

/* ---- word size -------------------------------------------------------------------------------- */

/* ---- translation ------------------------------------------------------------------------------- */

struct xlate {
    struct strv opts;           /* plugin key=value lines */
    struct strv listed;         /* names of the listed functions, as the trace names them */
    struct strv patterns;       /* func= patterns (counted against QT_MAX_PATTERNS) */
    struct strv specs;          /* spec patterns (counted against QT_MAX_SPECS) */
    size_t kfuncs;              /* kernel functions selected by the kernel range */
    size_t ranges;              /* range= lines */
};

static void xlate_free(struct xlate *x)
{
    sv_free(&x->opts);
    sv_free(&x->listed);
    sv_free(&x->patterns);
    sv_free(&x->specs);
}

/* Is this kernel symbol a function qtrace traces? (as common/kintro.c decides) */
static bool ktraceable(const struct qt_kintro *ki, const struct qt_ksym *s)
{
    if (s->percpu || (s->type != 't' && s->type != 'T' && s->type != 'w' && s->type != 'W'))
        return false;
    const struct qt_ksym *st = qt_ksyms_find(&ki->ks, "_stext"), *et = qt_ksyms_find(&ki->ks, "_etext");
    const struct qt_ksym *el = qt_ksyms_find(&ki->ks, "__entry_text_start"), *eh = qt_ksyms_find(&ki->ks, "__entry_text_end");
    uint64_t lo = st ? st->addr : ki->img.text_addr, hi = et ? et->addr : UINT64_MAX;
    if (s->addr < lo || s->addr >= hi || (el && eh && s->addr >= el->addr && s->addr < eh->addr))
        return false;
    const char *n = s->name;
    return strncmp(n, "__x86_", 6) != 0 && strstr(n, "_thunk") == NULL && strcmp(n, "__fentry__") != 0 &&
           strncmp(n, "__pfx_", 6) != 0 && strncmp(n, "__cfi_", 6) != 0;
}

/* Of the aliases at s's address (nm -n lists __do_sys_getpid, __ia32_sys_getpid and
 * __x64_sys_getpid at one address), the traceable one to name it by: a global symbol before a
 * local one, and not the 32-bit compatibility entry (__ia32_*) when there is another. */
static const struct qt_ksym *kbest(const struct qt_kintro *ki, const struct qt_ksym *s)
{
    const struct qt_ksyms *ks = &ki->ks;
    size_t i = (size_t)(s - ks->syms);
    if (i >= ks->n)
        return s;
    while (i > 0 && ks->syms[i - 1].addr == s->addr)
        i--;
    const struct qt_ksym *best = NULL;
    int best_score = -1;
    for (; i < ks->n && ks->syms[i].addr == s->addr; i++) {
        const struct qt_ksym *k = &ks->syms[i];
        if (!ktraceable(ki, k))
            continue;
        int score = (k->type == 'T' || k->type == 'W') * 2 + (strncmp(k->name, "__ia32_", 7) != 0);
        if (score > best_score) {
            best = k;
            best_score = score;
        }
    }
    return best ? best : s;
}

struct ctx {
    const char *cfgname, *regname;
    const struct qt_compat_cfg *cfg;
    const struct qt_regmap *rm;
    int bits;
    const struct qt_symtab *prog;   /* NULL: no program */
    const struct qt_kintro *ki;     /* NULL: kernel symbols not loaded */
    const char *kernel;
    const char *kwhy;               /* ki NULL: why ("qtrace reads 64-bit kernel images only, ...") */
    bool quiet;                     /* no warnings */
};

/* Spec items for a function line: "arg1/s,arg2/i32" and "retval/i32". */
static void spec_items(const struct qt_compat_func *f, char *args, size_t alen, char *ret, size_t rlen)
{
    size_t o = 0;
    args[0] = 0;
    snprintf(ret, rlen, "retval/i32"); /* no return value configured: printed as int (seed 000) */
    for (int i = 0; i < f->nparams; i++) {
        const struct qt_compat_param *p = &f->params[i];
        if (p->pos == 0)
            snprintf(ret, rlen, "retval/%s", p->type->qtype);
        else
            o += (size_t)snprintf(args + o, alen - o, "%sarg%u/%s", o ? "," : "", p->pos, p->type->qtype);
    }
}

/* Where is the function at addr? Sets *pattern (spec pattern), *name (as the trace names it)
 * and *loose (a program address without a symbol: needs addr=). */
static int resolve(const struct ctx *c, const struct qt_compat_func *f, char *pattern, size_t plen, char *name,
                   size_t nlen, bool *loose, char *err, size_t errlen)
{
    uint64_t a = f->addr;
    *loose = false;
    if (c->prog && a >= c->prog->text_lo && a < c->prog->text_hi) {
        const struct qt_sym *s = qt_symtab_lookup(c->prog, a);
        if (s && s->addr == a) {
            snprintf(pattern, plen, "%s", s->name);
            snprintf(name, nlen, "%s", s->name);
            return 0;
        }
        if (s) {
            snprintf(err, errlen, "%s:%d: expected the address of a function's first instruction, got 0x%" PRIx64
                     ": it is %s+0x%" PRIx64 " in %s (%s starts at 0x%" PRIx64 ")", c->cfgname, f->line, a, s->name,
                     a - s->addr, c->prog->path, s->name, s->addr);
            return -1;
        }
        snprintf(pattern, plen, "0x%" PRIx64, a); /* a stripped program: known by its address */
        snprintf(name, nlen, "0x%" PRIx64, a);
        *loose = true;
        return 0;
    }
    if (c->ki) {
        const struct qt_ksym *s = qt_ksyms_lookup(&c->ki->ks, a);
        if (s && s->addr == a)
            s = kbest(c->ki, s);
        if (s && s->addr == a && ktraceable(c->ki, s)) {
            snprintf(pattern, plen, "kernel:%s", s->name);
            snprintf(name, nlen, "%s", s->name);
            return 0;
        }
        if (s && s->addr == a) {
            snprintf(err, errlen, "%s:%d: expected a kernel function qtrace can trace, got 0x%" PRIx64 " (%s, type %c: "
                     "entry code, a thunk or not in .text)", c->cfgname, f->line, a, s->name, s->type);
            return -1;
        }
        if (s && a - s->addr < (s->size ? s->size : 0x10000) && s->type != 'A') {
            snprintf(err, errlen, "%s:%d: expected the address of a function's first instruction, got 0x%" PRIx64
                     ": it is %s+0x%" PRIx64 " in the kernel (%s starts at 0x%" PRIx64 "; nm -n vmlinux or System.map "
                     "give link-time addresses, which configs.txt uses)", c->cfgname, f->line, a, s->name, a - s->addr,
                     s->name, s->addr);
            return -1;
        }
    }
    if (c->prog)
        snprintf(err, errlen, "%s:%d: expected the address of a function of %s (code at 0x%" PRIx64 "-0x%" PRIx64
                 ")%s, got 0x%" PRIx64 "%s", c->cfgname, f->line, c->prog->path, c->prog->text_lo, c->prog->text_hi,
                 c->ki ? " or of the kernel" : "", a, c->ki ? ", which is neither" : "");
    else
        snprintf(err, errlen, "%s:%d: expected the address of a %sfunction, got 0x%" PRIx64 ", where %s (a user "
                 "function needs --program PATH: a host copy of %s)", c->cfgname, f->line, c->ki ? "kernel " : "", a,
                 c->ki ? "no kernel function starts" : "qtrace knows no function", c->cfg->program);
    if (!c->ki) { /* and why kernel addresses are not known */
        size_t n = strlen(err);
        snprintf(err + n, errlen - n, "; kernel functions cannot be traced: %.1000s", c->kwhy);
    }
    return -1;
}

/* range= lines for the user range (the raw-parameter modes trace the whole program and pass no
 * user range), and func=kernel:NAME (raw: arg=/ret= specs with rawargs) for the kernel functions
 * in the kernel range. */
static int add_ranges(const struct ctx *c, struct xlate *x, bool raw, const char *rawargs, char *err, size_t errlen)
{
    const struct qt_compat_cfg *cfg = c->cfg;
    for (int i = 0; i < cfg->user.n; i++) {
        const struct qt_compat_range *r = &cfg->user.r[i];
        if (r->lo == 0 && r->hi == 0)
            continue; /* 0~0: QEMU-TRACER's "no user range" */
        if (!c->prog || r->hi < c->prog->text_lo || r->lo >= c->prog->text_hi) {
            if (!c->quiet && !c->prog)
                qtc_warn("%s:3: the user range 0x%" PRIx64 "~0x%" PRIx64 " is not traced: no --program names the "
                         "program it is in", c->cfgname, r->lo, r->hi);
            else if (!c->quiet)
                qtc_warn("%s:3: the user range 0x%" PRIx64 "~0x%" PRIx64 " is outside the code of %s (0x%" PRIx64
                         "-0x%" PRIx64 "): no function there", c->cfgname, r->lo, r->hi, c->prog->path,
                         c->prog->text_lo, c->prog->text_hi);
            continue;
        }
        uint64_t end = r->hi == UINT64_MAX ? UINT64_MAX : r->hi + 1;
        sv_pushf(&x->opts, "range=0x%" PRIx64 "-0x%" PRIx64, r->lo, end);
        x->ranges++;
    }
    /* QEMU-TRACER's "no kernel range": one address of all ones (ffffffffffffffff~ffffffffffffffff
     * in its example; ffffffff~ffffffff in a 32-bit guest) or 0 */
    uint64_t ones = c->bits == 32 ? 0xffffffffu : UINT64_MAX;
    bool any_k = false;
    for (int i = 0; i < cfg->kernel.n; i++)
        any_k |= !(cfg->kernel.r[i].lo == cfg->kernel.r[i].hi &&
                   (cfg->kernel.r[i].lo == 0 || cfg->kernel.r[i].lo == ones || cfg->kernel.r[i].lo == UINT64_MAX));
    if (!any_k)
        return 0;
    if (!c->ki) {
        snprintf(err, errlen, "%s:2: the kernel range needs the kernel's symbols: %.1000s (write %s for no "
                 "kernel range)", c->cfgname, c->kwhy, c->bits == 32 ? "ffffffff~ffffffff" : "ffffffffffffffff~ffffffffffffffff");
        return -1;
    }
    const struct qt_ksyms *ks = &c->ki->ks;
    uint64_t last_end = 0;
    for (size_t i = 0; i < ks->n; i++) {
        const struct qt_ksym *s = &ks->syms[i];
        if (!qt_compat_in(&cfg->kernel, s->addr) || (x->kfuncs && s->addr < last_end))
            continue;
        s = kbest(c->ki, s);
        if (!ktraceable(c->ki, s))
            continue;
        last_end = s->addr + (s->size ? s->size : 1);
        char pat[QT_PATTERN_MAX];
        if (snprintf(pat, sizeof(pat), "kernel:%s", s->name) >= (int)sizeof(pat))
            continue;
        x->kfuncs++;
        if (raw) {
            if (sv_has(&x->specs, pat))
                continue;
            sv_pushf(&x->opts, "arg=%s@%s", pat, rawargs);
            sv_pushf(&x->opts, "ret=%s@retval/x", pat);
            sv_push(&x->specs, qtc_xstrdup(pat));
        } else if (!sv_has(&x->patterns, pat) && !sv_has(&x->specs, pat)) {
            sv_pushf(&x->opts, "func=%s", pat);
            sv_push(&x->patterns, qtc_xstrdup(pat));
        }
    }
    return 0;
}

/* A type that reads a kernel structure needs its layout: refused where qtrace has none (no kernel
 * image read, or an i386 kernel, whose layouts qtrace does not read). */
static int kobject_type(const struct ctx *c, const struct qt_compat_func *f, char *err, size_t errlen)
{
    static const char *const kobj[] = { "socket", "cred", "inode", "dentry", "task", "file", "path", "sock", "sockaddr",
                                        "module" };
    if (c->ki && !c->ki->symbols_only)
        return 0;
    for (int i = 0; i < f->nparams; i++)
        for (size_t k = 0; k < sizeof(kobj) / sizeof(kobj[0]); k++)
            if (strcmp(f->params[i].type->qtype, kobj[k]) == 0) {
                snprintf(err, errlen, "%s:%d: type %s (position %d) reads a kernel structure, whose layout qtrace takes "
                         "from the kernel's BTF or --layout: %s (write hex for the raw pointer)", c->cfgname, f->line,
                         f->params[i].type->name, f->params[i].pos,
                         c->ki ? "in a 32-bit guest it reads no kernel layouts" : c->kwhy);
                return -1;
            }
    return 0;
}

static int translate(const struct ctx *c, struct xlate *x, char *err, size_t errlen)
{
    const struct qt_compat_cfg *cfg = c->cfg;
    memset(x, 0, sizeof(*x));
    bool raw = qt_compat_mode_raw_params(cfg->mode);
    char rawargs[256] = "";
    int nraw = qt_regmap_nargs(c->rm, c->bits);
    if (nraw == 0)
        nraw = c->bits == 32 ? 3 : 6;
    for (int i = 1, o = 0; i <= nraw; i++)
        o += snprintf(rawargs + o, sizeof(rawargs) - (size_t)o, "%sarg%d/x", i > 1 ? "," : "", i);
    sv_push(&x->opts, qtc_xstrdup("icount=off"));

    if (cfg->mode == QT_CM_SPEC_FUNC_WITH_PARAM) {
        for (size_t i = 0; i < cfg->nfuncs; i++) {
            const struct qt_compat_func *f = &cfg->funcs[i];
            char pat[QT_PATTERN_MAX + 8], name[QT_PATTERN_MAX + 8], args[512], ret[64];
            bool loose;
            if (resolve(c, f, pat, sizeof(pat), name, sizeof(name), &loose, err, errlen) < 0)
                return -1;
            if (kobject_type(c, f, err, errlen) < 0)
                return -1;
            spec_items(f, args, sizeof(args), ret, sizeof(ret));
            if (loose)
                sv_pushf(&x->opts, "addr=0x%" PRIx64, f->addr);
            if (args[0])
                sv_pushf(&x->opts, "arg=%s@%s", pat, args);
            sv_pushf(&x->opts, "ret=%s@%s", pat, ret);
            sv_push(&x->specs, qtc_xstrdup(pat));
            sv_push(&x->listed, qtc_xstrdup(name));
        }
        if (cfg->funcstack && add_ranges(c, x, false, rawargs, err, errlen) < 0)
            return -1;
        if (cfg->nfuncs == 0) {
            snprintf(err, errlen, "%s: trace_type spec_func_with_param traces the functions listed after line 6, and "
                     "there are none (expected lines ADDR,pos,type,... e.g. ffffffff12345678,0,int,1,string)", c->cfgname);
            return -1;
        }
    } else if (cfg->mode == QT_CM_NOMAL) {
        if (add_ranges(c, x, false, rawargs, err, errlen) < 0)
            return -1;
        if (x->ranges == 0 && x->kfuncs == 0) {
            snprintf(err, errlen, "%s:2-3: trace_type nomal traces the functions in the address ranges, and they select "
                     "none (%s)", c->cfgname,
                     c->prog ? "no kernel function and nothing of the program's code" : "no --program was given");
            return -1;
        }
    } else { /* all_func_*, process_func_* */
        if (c->prog) {
            sv_push(&x->opts, qtc_xstrdup("func=*"));
            sv_push(&x->patterns, qtc_xstrdup("*"));
            if (raw) {
                sv_pushf(&x->opts, "arg=*@%s", rawargs);
                sv_push(&x->opts, qtc_xstrdup("ret=*@retval/x"));
                sv_push(&x->specs, qtc_xstrdup("*"));
            }
        }
        struct qt_compat_cfg kcfg = *cfg;
        memset(&kcfg.user, 0, sizeof(kcfg.user)); /* every program function is traced already */
        struct ctx kc = *c;
        kc.cfg = &kcfg;
        if (add_ranges(&kc, x, raw, rawargs, err, errlen) < 0)
            return -1;
        if (!c->prog && x->kfuncs == 0) {
            snprintf(err, errlen, "trace_type %s traces every function of the program %.200s: give --program PATH (a "
                     "host copy of it)%s", qt_compat_mode_name(cfg->mode), cfg->program,
                     " or a kernel range (line 2)");
            return -1;
        }
        if (qt_compat_mode_process(cfg->mode)) {
            if (c->ki && !c->ki->symbols_only) {
                sv_pushf(&x->opts, "comm=%.15s", cfg->program);
            } else if (c->bits == 32 && c->prog) {
                /* no task structures read in an i386 kernel: the address spaces the program's own
                 * code runs in (--program: its bytes) stand for the process named on line 1 */
                sv_push(&x->opts, qtc_xstrdup("program_as=on"));
            } else if (c->bits == 32) {
                snprintf(err, errlen, "%s:6: trace_type %s follows the process named on line 1: in a 32-bit guest qtrace "
                         "knows it by its code, so give --program PATH (a host copy of %.200s)", c->cfgname,
                         qt_compat_mode_name(cfg->mode), cfg->program);
                return -1;
            } else {
                snprintf(err, errlen, "%s:6: trace_type %s follows the process named on line 1, which needs the "
                         "kernel's symbols and layouts: %.1000s", c->cfgname, qt_compat_mode_name(cfg->mode), c->kwhy);
                return -1;
            }
        }
    }
    if (x->patterns.n > QT_MAX_PATTERNS || x->specs.n > QT_MAX_SPECS) {
        bool k = x->kfuncs > 0;
        snprintf(err, errlen, "%s: the configuration selects %zu functions by name (%zu%s); qtrace can take at most %d "
                 "(%s)", c->cfgname, x->patterns.n > QT_MAX_PATTERNS ? x->patterns.n : x->specs.n,
                 k ? x->kfuncs : cfg->nfuncs, k ? " kernel functions in the kernel range of line 2" : " function lines",
                 x->patterns.n > QT_MAX_PATTERNS ? QT_MAX_PATTERNS : QT_MAX_SPECS,
                 k ? "narrow the kernel range" : "list fewer functions");
        return -1;
    }
    return 0;
}

/* The plugin's own checks, before QEMU starts: every option parses, and the kernel patterns
 * select what the plugin will select (qt_kintro_select, the same code). */
static int preflight(const struct ctx *c, const struct xlate *x, char *err, size_t errlen)
{
    struct qt_opts o;
    qt_opts_init(&o);
    char e[1024];
    int r = 0;
    for (size_t i = 0; i < x->opts.n && r == 0; i++)
        if (qt_opts_set(&o, x->opts.v[i], "plugin options", e, sizeof(e)) < 0) {
            snprintf(err, errlen, "%s: internal error translating it: %s", c->cfgname, e);
            r = -1;
        }
    if (r == 0 && c->ki) {
        size_t *sel = NULL, n = 0;
        const struct qt_argspec **sp = NULL;
        if (qt_kintro_select(c->ki, &o, c->prog, &sel, &sp, &n, e, sizeof(e)) < 0) {
            snprintf(err, errlen, "%s: %s", c->cfgname, e);
            r = -1;
        }
        free(sel);
        free(sp);
    }
    qt_opts_free(&o);
    return r;
}

/* ---- reg_map against the per-arch calling conventions ------------------------------------------- */

static void check_regmap(const struct ctx *c, bool quiet)
{
    const struct qt_arch_desc *ad = qt_arch_by_id(c->bits == 32 ? QT_ARCH_I386 : QT_ARCH_X86_64);
    if (!qt_regmap_of(c->rm, c->bits) || !ad)
        return;
    bool any = false;
    for (int p = 0; p <= QT_COMPAT_MAX_POS; p++)
        any |= c->rm->m[c->bits == 64][p].set;
    if (!any) {
        if (!quiet)
            qtc_warn("%s has no %d-bit lines: arguments are read where the %s conventions put them", c->regname,
                     c->bits, ad->name);
        return;
    }
    /* user code on the stack (i386 cdecl); kernel functions (with the kernel's symbols) in registers */
    if (ad->user_cc->n_arg_regs == 0 && !quiet)
        qtc_warn("%s: %d-bit user code (%s) passes its arguments on the stack: qtrace reads them there, not from "
                 "the registers of the %d-bit lines", c->regname, c->bits, ad->user_cc->name, c->bits);
    const struct qt_callconv *cc = c->ki ? ad->kernel_cc : ad->user_cc;
    if (cc->n_arg_regs == 0)
        return;
    char msgs[QT_COMPAT_MAX_POS + 1][256];
    size_t n = qt_regmap_compare(c->rm, c->bits, c->regname, cc->arg_regs, cc->n_arg_regs, cc->ret_reg, cc->name,
                                 msgs, QT_COMPAT_MAX_POS + 1);
    for (size_t i = 0; i < n && i <= QT_COMPAT_MAX_POS && !quiet; i++)
        qtc_warn("%s; qtrace reads it where the convention says (common/arch.c)", msgs[i]);
}

/* ---- the command -------------------------------------------------------------------------------- */

void qtc_help_compat(FILE *f)
{
    fputs("Usage: qtrace compat [OPTIONS] -- QEMU-ARGS...\n\n", f);
    qtc_print_wrapped(f,
                      "Run a QEMU-TRACER configuration unchanged: its configs.txt (program, kernel and user address "
                      "ranges, funcstack, linkmap, trace_type, functions with typed parameters) and its "
                      "configs/reg_map.txt, with the QEMU arguments it was run with (QEMU-ARGS, e.g. -kernel bzImage "
                      "-initrd rootfs.img -append \"root=/dev/ram rdinit=/sbin/init\" -d func -D log). Both files are "
                      "checked completely first: a malformed line is reported as FILE:LINE: expected ..., got ... and "
                      "nothing starts. qtrace then boots the guest as qtrace system does (TCG, the serial console on "
                      "standard input and output) and writes QEMU-TRACER's two files, log (every call and return "
                      "recorded) and stack (the listed functions' calls with decoded parameters, and call stacks with "
                      "funcstack:1), in the current directory or -o DIR.\n\n"
                      "From the QEMU arguments, -kernel, -initrd, -append, -m and -smp are used as qtrace system's; "
                      "-d func and -D log (QEMU-TRACER's switch), -enable-kvm and -accel kvm are dropped with a note; "
                      "the rest is passed to QEMU as it is. See docs/compat.md for the trace types, the line kinds of "
                      "log and stack and how addresses are matched.",
                      0, 0, 100);
    fputc('\n', f);
    qtc_print_table(f, &compat_table);
    struct qt_sb tl;
    qt_sb_init(&tl);
    qt_sb_puts(&tl, "configs.txt types (and the qtrace argument type each is read as):");
    const struct qt_compat_type *t;
    size_t n = qt_compat_types(&t);
    for (size_t i = 0; i < n; i++)
        qt_sb_printf(&tl, " %s (%s)%s", t[i].name, t[i].qtype, i + 1 < n ? "," : ".");
    qt_sb_puts(&tl, " The first six are QEMU-TRACER's.");
    fputc('\n', f);
    qtc_print_wrapped(f, tl.buf, 0, 0, 100);
    qt_sb_free(&tl);
    qtc_help_env(f, true);
    fputs("\nFiles (in DIR):\n"
          "  log          every call and return recorded, one line each\n"
          "  stack        decoded calls of the listed functions; call stacks with funcstack:1\n"
          "  trace.qtr    the binary trace (qtrace dump -f compat-stack trace.qtr writes stack again)\n"
          "  qtrace.conf  the plugin options the configuration became\n"
          "\nExit status:\n"
          "  QEMU's exit status (128+N if killed by signal N); 124 if --timeout stopped it;\n"
          "  2 if a file is malformed or QEMU could not be started (nothing is written then).\n"
          "\nExamples:\n"
          "  qtrace compat -- -kernel bzImage -initrd rootfs.img -append \"root=/dev/ram rdinit=/sbin/init\" \\\n"
          "                   -rtc clock=vm -net nic -net user -d func -D log\n"
          "      QEMU-TRACER's busybox command line, with ./configs.txt and ./configs/reg_map.txt\n"
          "  qtrace compat --config my.txt -p rootfs/bin/helloWorld -o out -n -- -kernel bzImage -initrd rootfs.img\n"
          "      check my.txt and show what would run\n", f);
}

/* --system-map KERNEL: what nm -n vmlinux or System.map would say. */
static int system_map(const char *path)
{
    struct qt_kimage k;
    struct qt_ksyms ks;
    char err[1024];
    if (qt_kimage_load(&k, path, err, sizeof(err)) < 0) {
        qtc_error("%s", err);
        return QTC_EXIT_ERROR;
    }
    int rc = 0;
    if (qt_ksyms_from_kimage(&ks, &k, err, sizeof(err)) < 0) {
        qtc_error("%s", err);
        rc = QTC_EXIT_ERROR;
    } else {
        for (size_t i = 0; i < ks.n; i++)
            printf("%0*" PRIx64 " %c %s\n", k.bits == 32 ? 8 : 16, ks.syms[i].addr, ks.syms[i].type ? ks.syms[i].type : '?',
                   ks.syms[i].name); /* nm's width: 8 digits for an i386 kernel */
        qt_ksyms_free(&ks);
    }
    qt_kimage_free(&k);
    return rc;
}

static void print_shell_word(FILE *f, const char *w)
{
    if (*w && !strpbrk(w, " \t\n'\"\\$`*?[]{}();&|<>!#~")) {
        fputs(w, f);
        return;
    }
    fputc('\'', f);
    for (; *w; w++) {
        if (*w == '\'')
            fputs("'\\''", f);
        else
            fputc(*w, f);
    }
    fputc('\'', f);
}

int qtc_cmd_compat(int argc, char **argv)
{
    struct qtc_args a;
    char err[2048];
    int rc = QTC_EXIT_ERROR;
    if (qtc_parse_args("compat", &compat_table, 1, argc, argv, true, &a, err, sizeof(err)) < 0) {
        qtc_error("%s", err);
        return QTC_EXIT_ERROR;
    }
    if (a.help) {
        qtc_help_compat(stdout);
        qtc_args_free(&a);
        return 0;
    }
    if (qtc_args_get(&a, "system-map")) {
        rc = system_map(qtc_args_get(&a, "system-map"));
        qtc_args_free(&a);
        return rc;
    }
    struct qt_compat_cfg cfg;
    struct qt_regmap rm;
    struct qemu_args q;
    struct qt_symtab prog;
    struct qt_kintro ki;
    struct xlate x;
    struct strv sys;
    struct qtc_cfg scfg;
    struct qtc_launch l;
    bool have_prog = false, have_ki = false, have_scfg = false, have_l = false;
    memset(&cfg, 0, sizeof(cfg));
    memset(&q, 0, sizeof(q));
    memset(&x, 0, sizeof(x));
    memset(&sys, 0, sizeof(sys));
    const bool quiet = qtc_args_has(&a, "quiet"), dry = qtc_args_has(&a, "dry-run");
    char *prog_path = NULL;

    if (a.nrest > 0 && !a.dashdash) {
        qtc_error("compat: unexpected argument '%.200s' (the QEMU arguments go after --: qtrace compat [OPTIONS] -- "
                  "QEMU-ARGS...)", a.rest[0]);
        goto out;
    }
    /* 1. the two files, completely */
    const char *cfgname = qtc_args_get(&a, "config") ? qtc_args_get(&a, "config") : DEFAULT_CONFIG;
    if (qt_compat_load(&cfg, cfgname, err, sizeof(err)) < 0) {
        qtc_error("%s", err);
        goto out;
    }
    const char *regname = qtc_args_get(&a, "reg-map");
    if (!regname && access(DEFAULT_REGMAP, F_OK) != 0) {
        regname = "QEMU-TRACER's reg_map.txt (built in)";
        if (qt_regmap_parse(&rm, qt_regmap_seed, strlen(qt_regmap_seed), regname, err, sizeof(err)) < 0) {
            qtc_error("%s", err);
            goto out;
        }
    } else {
        if (!regname)
            regname = DEFAULT_REGMAP;
        if (qt_regmap_load(&rm, regname, err, sizeof(err)) < 0) {
            qtc_error("%s", err);
            goto out;
        }
    }
    /* 2. the QEMU arguments */
    if (a.nrest == 0) {
        qtc_error("compat: expected the QEMU arguments after -- (as QEMU-TRACER was run: -kernel bzImage -initrd "
                  "rootfs.img -append \"...\" ...)");
        goto out;
    }
    if (split_qemu_args(a.rest, a.nrest, &q, err, sizeof(err)) < 0) {
        qtc_error("%s", err);
        goto out;
    }
    if (access(q.kernel, R_OK) != 0) {
        qtc_error("-kernel %s: %s", q.kernel, strerror(errno));
        goto out;
    }
    /* 3. the program, the word size */
    const char *pg = qtc_args_get(&a, "program");
    if (pg) {
        prog_path = qtc_xstrdup(pg);
    } else if (!strchr(cfg.program, '/') && access(cfg.program, R_OK) == 0) {
        prog_path = qtc_xmalloc(strlen(cfg.program) + 3);
        sprintf(prog_path, "./%s", cfg.program);
    } else if (strchr(cfg.program, '/') && access(cfg.program, R_OK) == 0) {
        prog_path = qtc_xstrdup(cfg.program);
    }
    if (prog_path) {
        if (qt_symtab_load(&prog, prog_path, 0, err, sizeof(err)) < 0) {
            qtc_error("%s", err);
            goto out;
        }
        have_prog = true;
    }
    int bits = 0;
    const char *bv = qtc_args_get(&a, "bits");
    if (bv) {
        bits = atoi(bv);
        if (bits != 32 && bits != 64) {
            qtc_error("--bits: expected 32 or 64, got '%s'", bv);
            goto out;
        }
    } else {
        const struct qt_arch_desc *ka = qtc_kernel_arch(q.kernel);
        bits = ka ? (int)ka->word_bytes * 8 : 0;
        if (!bits && have_prog)
            bits = prog.elf_class;
        if (!bits)
            bits = 64;
    }
    if (have_prog && prog.elf_class != bits && !quiet)
        qtc_warn("%s is a %d-bit program in a %d-bit guest: its arguments are read with the %d-bit conventions",
                 prog_path, prog.elf_class, bits, bits);
    if (have_prog && prog.pie && !quiet)
        qtc_warn("%s is position-independent: configs.txt's user addresses are taken as its file addresses "
                 "(loaded at 0)", prog_path);
    /* 4. the kernel's symbols and layouts (the plugin reads them too: checked here, before QEMU).
     * Without them only the program's functions can be traced: translate() says so where the
     * configuration needs more. */
    const char *ksyms = qtc_args_get(&a, "kernel-symbols"), *klayout = qtc_args_get(&a, "layout");
    char kwhy[1024] = "";
    /* an i386 kernel gives its symbols only (ki.symbols_only): kernel functions work, processes
     * are chosen by address space (program_as=on) */
    int kr = qt_kintro_load(&ki, q.kernel, ksyms, klayout, err, sizeof(err));
    if (kr == 0 && ki.img.bits != bits) {
        snprintf(err, sizeof(err), "%.900s is a %d-bit kernel and the guest is %d-bit (--bits)", q.kernel, ki.img.bits,
                 bits);
        qt_kintro_free(&ki);
        kr = -1;
    }
    if (kr == 0) {
        have_ki = true;
    } else if (ksyms || klayout) {
        qtc_error("%s", err); /* asked for, and unusable */
        goto out;
    } else {
        snprintf(kwhy, sizeof(kwhy), "%.1000s", err);
    }
    /* 5. the translation, checked as the plugin will check it */
    struct ctx c = { cfgname, regname, &cfg, &rm, bits, have_prog ? &prog : NULL, have_ki ? &ki : NULL, q.kernel,
                     kwhy, quiet };
    if (translate(&c, &x, err, sizeof(err)) < 0 || preflight(&c, &x, err, sizeof(err)) < 0) {
        qtc_error("%s", err);
        goto out;
    }
    if (!quiet) {
        for (size_t i = 0; i < q.notes.n; i++)
            fprintf(stderr, "qtrace: note: %s\n", q.notes.v[i]);
        check_regmap(&c, quiet);
        if (sv_has(&x.opts, "program_as=on"))
            fprintf(stderr, "qtrace: note: %s:6: in a 32-bit guest qtrace reads no task structures: the process named "
                    "on line 1 is the address spaces that %s's own code runs in (its user code and the kernel code run "
                    "there; plugin option program_as=on)\n", cfgname, prog_path);
        if (cfg.mode != QT_CM_SPEC_FUNC_WITH_PARAM && cfg.nfuncs)
            fprintf(stderr, "qtrace: note: %s: trace_type %s does not use the function lines (%zu, from line %d): "
                    "they are for spec_func_with_param\n", cfgname, qt_compat_mode_name(cfg.mode), cfg.nfuncs,
                    cfg.funcs[0].line);
    }

    /* 6. qtrace system's command line */
    const char *outdir = qtc_args_get(&a, "output") ? qtc_args_get(&a, "output") : DEFAULT_OUTDIR;
    sv_push(&sys, qtc_xstrdup("system"));
    sv_pushf(&sys, "--kernel=%s", q.kernel);
    if (q.initrd)
        sv_pushf(&sys, "--initrd=%s", q.initrd);
    if (q.append && *q.append)
        sv_pushf(&sys, "--append=%s", q.append);
    if (q.mem)
        sv_pushf(&sys, "--memory=%s", q.mem);
    if (q.smp)
        sv_pushf(&sys, "--smp=%s", q.smp);
    sv_pushf(&sys, "--output=%s", outdir);
    sv_push(&sys, qtc_xstrdup("--quiet"));
    if (have_prog)
        sv_pushf(&sys, "--program=%s", prog_path);
    const char *qemu = qtc_args_get(&a, "qemu");
    if (qemu)
        sv_pushf(&sys, "--qemu=%s", qemu);
    else if (bits == 32 && !getenv("QTRACE_QEMU_SYSTEM"))
        sv_pushf(&sys, "--qemu=%s", qt_arch_by_id(QT_ARCH_I386)->qemu_system);
    if (qtc_args_get(&a, "timeout"))
        sv_pushf(&sys, "--timeout=%s", qtc_args_get(&a, "timeout"));
    if (ksyms && have_ki)
        sv_pushf(&sys, "--kernel-symbols=%s", ksyms);
    if (klayout && have_ki)
        sv_pushf(&sys, "--layout=%s", klayout);
    if (!have_ki) {
        sv_push(&sys, qtc_xstrdup("--no-kernel-introspection"));
        if (!quiet && bits == 64)
            qtc_warn("without kernel introspection (%s): the program's functions only, threads told apart by address "
                     "space and thread pointer", kwhy);
    }
    for (size_t i = 0; i < x.opts.n; i++)
        sv_pushf(&sys, "--plugin-opt=%s", x.opts.v[i]);
    if (cfg.linkmap && have_prog) /* the guest's link map, walked at the program's first call */
        sv_pushf(&sys, "--plugin-opt=linkmap=%" PRIx64, cfg.linkmap);
    for (size_t i = 0; i < a.n; i++)
        if (strncmp(a.v[i].opt->name, "legacy-", 7) == 0)
            sv_pushf(&sys, "--%s=%s", a.v[i].opt->name, a.v[i].value);
    sv_push(&sys, qtc_xstrdup("--"));
    for (size_t i = 0; i < q.rest.n; i++)
        sv_push(&sys, qtc_xstrdup(q.rest.v[i]));
    if (qtc_system_parse((int)sys.n, sys.v, &scfg, err, sizeof(err)) < 0) {
        qtc_error("%s", err);
        goto out;
    }
    have_scfg = true;
    scfg.nformats = 0; /* log and stack are written below */
    if (qtc_check(&scfg, &l, err, sizeof(err)) < 0) {
        qtc_error("%s", err);
        goto out;
    }
    have_l = true;

    if (dry) {
        printf("# plugin options (%s)\n", l.conf);
        printf("out=%s\n", l.trace);
        qtc_args_write_conf(&scfg.args, stdout);
        printf("# QEMU command line\n");
        char **qv = qtc_qemu_argv(&scfg, &l);
        for (char **p = qv; *p; p++) {
            if (p != qv)
                putchar(' ');
            print_shell_word(stdout, *p);
        }
        putchar('\n');
        qtc_argv_free(qv);
        printf("# writes %s/log and %s/stack\n", outdir, outdir);
        rc = 0;
        goto out;
    }

    /* 7. run, then write log and stack */
    rc = qtc_launch_run(&scfg, &l);
    if (access(l.trace, F_OK) != 0)
        goto out; /* launch said why */
    struct qtr r;
    if (qtr_open(&r, l.trace, err, sizeof(err)) < 0) {
        qtc_error("%s", err);
        rc = QTC_EXIT_ERROR;
        goto out;
    }
    struct qtc_compat_out co = { cfgname, cfg.program, qt_compat_mode_name(cfg.mode),
                                 cfg.mode == QT_CM_SPEC_FUNC_WITH_PARAM, cfg.funcstack,
                                 (const char *const *)x.listed.v, cfg.linkmap };
    static const char *const no_names[] = { NULL };
    if (!co.listed)
        co.listed = no_names;
    qtc_compat_set_output(&co);
    struct qt_sb done;
    qt_sb_init(&done);
    static const char *const files[2] = { "log", "stack" };
    for (int i = 0; i < 2; i++) {
        const struct qtc_writer *w = qtc_writer_find(i ? "compat-stack" : "compat-log");
        size_t pl = strlen(outdir) + 8;
        char *path = qtc_xmalloc(pl);
        snprintf(path, pl, "%s/%s", outdir, files[i]);
        if (qtc_write_trace_file(&r, w, path, err, sizeof(err)) < 0) {
            qtc_error("%s", err);
            if (rc == 0)
                rc = QTC_EXIT_ERROR;
        } else {
            qt_sb_printf(&done, " %s", path);
        }
        free(path);
    }
    qtc_compat_set_output(NULL);
    if (!quiet)
        qtc_print_summary(&r, done.len ? done.buf + 1 : "(nothing)");
    qt_sb_free(&done);
    qtr_close(&r);
out:
    if (have_l)
        qtc_launch_free(&l);
    if (have_scfg)
        qtc_cfg_free(&scfg);
    sv_free(&sys);
    xlate_free(&x);
    if (have_ki)
        qt_kintro_free(&ki);
    if (have_prog)
        qt_symtab_free(&prog);
    free(prog_path);
    sv_free(&q.rest);
    sv_free(&q.notes);
    qt_compat_free(&cfg);
    qtc_args_free(&a);
    return rc;
}
