/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "writer.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "argtype.h"
#include "fastfmt.h"
#include "syscalls.h"
#include "trace_opts.h"
#include "util.h"

/* ---- the table: one entry per output format ----------------------------------------------- */
static const struct qtc_writer *const writers[] = {
    &qtc_writer_text,
    &qtc_writer_json,
    &qtc_writer_folded,
    &qtc_writer_uftrace,
    &qtc_writer_linkmap,
    &qtc_writer_execlog,
    &qtc_writer_execlog_json,
    &qtc_writer_compat_log,
    &qtc_writer_compat_stack,
    &qtc_writer_disk,
    &qtc_writer_ps,
    &qtc_writer_ps_json,
};

#define NWRITERS (sizeof(writers) / sizeof(writers[0]))

size_t qtc_writers(const struct qtc_writer *const **out)
{
    if (out)
        *out = writers;
    return NWRITERS;
}

void qtc_writer_print_list(FILE *f, int indent, bool files)
{
    int width = 0;
    for (size_t i = 0; i < NWRITERS; i++)
        if ((int)strlen(writers[i]->name) > width)
            width = (int)strlen(writers[i]->name);
    for (size_t i = 0; i < NWRITERS; i++) {
        const struct qtc_writer *w = writers[i];
        fprintf(f, "%*s%-*s", indent, "", width, w->name);
        char text[512];
        char *file = files ? qtc_writer_output_name(w) : NULL;
        snprintf(text, sizeof(text), "%s%s%s%s", w->help, file ? " (" : "", file ? file : "", file ? ")" : "");
        free(file);
        qtc_print_wrapped(f, text, indent + width + 2, indent + width, 100);
    }
}

int qtc_writer_add(const struct qtc_writer **list, int n, int max, const struct qtc_writer *a,
                   const struct qtc_writer *b)
{
    const struct qtc_writer *add[] = { a, b };
    for (size_t k = 0; k < 2; k++) {
        bool has = false;
        for (int i = 0; i < n; i++)
            has |= list[i] == add[k];
        if (!has && n < max)
            list[n++] = add[k];
    }
    return n;
}

const struct qtc_writer *qtc_writer_find(const char *name)
{
    for (size_t i = 0; i < NWRITERS; i++)
        if (strcmp(writers[i]->name, name) == 0)
            return writers[i];
    return NULL;
}

const char *qtc_writer_names(void)
{
    static char buf[256];
    if (!buf[0]) {
        size_t used = 0;
        for (size_t i = 0; i < NWRITERS && used < sizeof(buf); i++)
            used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s", i ? ", " : "", writers[i]->name);
    }
    return buf;
}

int qtc_writer_parse_list(const char *list, const struct qtc_writer **out, int max, char *err, size_t errlen)
{
    int n = 0;
    const char *p = list ? list : "";
    if (!*p) {
        snprintf(err, errlen, "empty format list (expected a comma-separated list of: %s)", qtc_writer_names());
        return -1;
    }
    for (;;) {
        const char *c = strchr(p, ',');
        size_t l = c ? (size_t)(c - p) : strlen(p);
        char name[64];
        if (l == 0 || l >= sizeof(name)) {
            snprintf(err, errlen, "bad format list '%.100s' (expected a comma-separated list of: %s)", list,
                     qtc_writer_names());
            return -1;
        }
        memcpy(name, p, l);
        name[l] = '\0';
        const struct qtc_writer *w = qtc_writer_find(name);
        if (!w) {
            snprintf(err, errlen, "unknown format '%s' (known: %s)", name, qtc_writer_names());
            return -1;
        }
        bool dup = false;
        for (int i = 0; i < n; i++)
            dup |= out[i] == w;
        if (!dup && n < max)
            out[n++] = w;
        if (!c)
            break;
        p = c + 1;
    }
    return n;
}

/* ---- driver ------------------------------------------------------------------------------ */

bool qtc_writer_progress;
double qtc_writer_progress_every = 1.0;

struct drive {
    const struct qtc_writer *w;
    struct qtc_wctx *ctx;
    uint64_t n, total;      /* records delivered, of the trace's */
    double t0;
    bool shown;             /* a progress line is on the terminal */
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Long conversions (hundreds of MB of trace) say how far they are, on stderr, once a second
 * after the first, as one line rewritten in place (qtc_writer_progress: a terminal, no -q). */
static void progress(struct drive *d)
{
    if (!qtc_writer_progress || ++d->n % 65536 != 0)
        return;
    double t = now_s();
    if (t - d->t0 < qtc_writer_progress_every || d->total == 0)
        return;
    fprintf(stderr, "\rqtrace: writing %s output: %3.0f%%", d->w->name, 100.0 * (double)d->n / (double)d->total);
    fflush(stderr);
    d->shown = true;
    d->t0 = t;
}

static int on_event(const struct qtr_event *ev, void *p)
{
    struct drive *d = p;
    progress(d);
    return d->w->event(d->ctx, ev);
}

static int on_execlog(const struct qt_rec_hdr *h, void *p)
{
    struct drive *d = p;
    progress(d);
    return d->w->execlog(d->ctx, h);
}

char *qtc_writer_output_name(const struct qtc_writer *w)
{
    char *name = qtc_xmalloc(strlen(w->ext) + 8);
    sprintf(name, "%s%s", w->is_dir ? "" : "trace.", w->ext);
    return name;
}

/* Replay r through w; ctx is set up by the caller. */
static int drive(const struct qtr *r, const struct qtc_writer *w, struct qtc_wctx *ctx, char *err, size_t errlen)
{
    if (w->begin(ctx) != 0) {
        snprintf(err, errlen, "%s output: %s", w->name, ctx->msg[0] ? ctx->msg : "cannot start");
        return -1;
    }
    struct drive d = { w, ctx, 0, r->st.records, now_s(), false };
    struct qtr_handlers h = { on_event, w->execlog ? on_execlog : NULL, &d };
    int rc = qtr_replay(r, &h);
    if (d.shown)
        fputs("\r\033[K", stderr); /* the progress line goes away */
    int rc2 = w->end(ctx);
    if (rc == 0)
        rc = rc2;
    if (ctx->out && (fflush(ctx->out) != 0 || ferror(ctx->out))) { /* a full disk, whatever rc says */
        snprintf(err, errlen, "writing %s output: %s", w->name, strerror(errno ? errno : EIO));
        return -1;
    }
    if (rc != 0) {
        if (ctx->msg[0])
            snprintf(err, errlen, "%s output: %s", w->name, ctx->msg);
        else
            snprintf(err, errlen, "%s output failed", w->name);
        return -1;
    }
    return 0;
}

int qtc_write_trace(const struct qtr *r, const struct qtc_writer *w, FILE *out, char *err, size_t errlen)
{
    if (w->is_dir) {
        snprintf(err, errlen, "the %s format is a directory (%s): give its name with -o DIR", w->name, w->ext);
        return -1;
    }
    struct qtc_wctx ctx;
    memset(&ctx, 0, sizeof(ctx));
    ctx.trace = r;
    ctx.out = out;
    return drive(r, w, &ctx, err, errlen);
}

/* Remove a directory holding only regular files (what a directory format writes). */
static int remove_flat_dir(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return -1;
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (unlinkat(dirfd(d), e->d_name, 0) != 0)
            rc = -1;
    }
    closedir(d);
    if (rmdir(path) != 0)
        rc = -1;
    return rc;
}

static bool dir_is_empty(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return false;
    bool empty = true;
    struct dirent *e;
    while (empty && (e = readdir(d)) != NULL)
        empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
    closedir(d);
    return empty;
}

/* A directory format: built in path.tmp.PID, then renamed to path. */
static int write_trace_dir(const struct qtr *r, const struct qtc_writer *w, const char *path, char *err, size_t errlen)
{
    struct stat st;
    bool exists = lstat(path, &st) == 0;
    if (exists && !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s exists and is not a directory: cannot write the %s output there", path, w->name);
        return -1;
    }
    if (exists && !dir_is_empty(path) && !(w->dir_owned && w->dir_owned(path))) {
        snprintf(err, errlen, "%s exists and is not a %s directory: not replacing it (remove it or choose another name)",
                 path, w->ext);
        return -1;
    }
    size_t tl = strlen(path) + 32;
    char *tmp = qtc_xmalloc(tl);
    snprintf(tmp, tl, "%s.tmp.%ld", path, (long)getpid());
    if (lstat(tmp, &st) == 0)
        remove_flat_dir(tmp); /* left by a killed run with our pid */
    if (mkdir(tmp, 0777) != 0) {
        snprintf(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
        free(tmp);
        return -1;
    }
    struct qtc_wctx ctx;
    memset(&ctx, 0, sizeof(ctx));
    ctx.trace = r;
    ctx.dir = tmp;
    int rc = drive(r, w, &ctx, err, errlen);
    if (rc == 0 && exists && remove_flat_dir(path) != 0) {
        snprintf(err, errlen, "cannot remove the old %s: %s", path, strerror(errno ? errno : EIO));
        rc = -1;
    }
    if (rc == 0 && rename(tmp, path) != 0) {
        snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
        rc = -1;
    }
    if (rc != 0)
        remove_flat_dir(tmp);
    free(tmp);
    return rc;
}

int qtc_write_trace_file(const struct qtr *r, const struct qtc_writer *w, const char *path, char *err, size_t errlen)
{
    if (w->is_dir)
        return write_trace_dir(r, w, path, err, errlen);
    char tmp[4096];
    FILE *f = qtc_atomic_open(path, tmp, sizeof(tmp), err, errlen);
    if (!f)
        return -1;
    int rc = qtc_write_trace(r, w, f, err, errlen);
    char cerr[512];
    if (qtc_atomic_close(f, tmp, path, rc == 0, cerr, sizeof(cerr)) < 0) {
        if (rc == 0)
            snprintf(err, errlen, "%s", cerr);
        return -1;
    }
    return 0;
}

/* ---- helpers ---------------------------------------------------------------------------- */

void qtw_func_name(const struct qtr *r, const struct qtr_sym *sym, uint64_t func, struct qt_sb *out)
{
    (void)r;
    if (sym && sym->addr == func) {
        qt_sb_puts(out, sym->name);
    } else {
        if (sym) {
            qt_sb_puts(out, sym->name);
            qt_sb_putc(out, '+');
        }
        qt_sb_puts(out, "0x");
        qtf_hex(out, sym ? func - sym->addr : func);
    }
}

const char *qtw_proc_kind(uint64_t kind)
{
    static const char *const kinds[] = { "event", "fork", "exec", "exit", "module", "thread", "cred", "run", "vcpu", "panic", "map", "linkmap" };
    return kinds[kind < sizeof(kinds) / sizeof(kinds[0]) ? kind : 0];
}

bool qtw_proc_accounting(uint64_t kind)
{
    return kind == QT_PROC_RUN || kind == QT_PROC_VCPU;
}

const char *qtw_param_name(const struct qtr_sym *sym, unsigned pos)
{
    if (!sym || pos == 0 || pos > (unsigned)sym->nparams)
        return NULL;
    const char *n = sym->params[pos - 1];
    return n && n[0] ? n : NULL;
}

void qtw_arg_value(const struct qtr_arg *a, struct qt_sb *out)
{
    qt_arg_format(a->a, a->data, out);
}

const struct qtr_arg *qtw_retval(const struct qtr_event *ev)
{
    for (int i = 0; i < ev->nargs; i++)
        if (ev->args[i].a->pos == 0)
            return &ev->args[i];
    return NULL;
}

/* The description of syscall nr: the trace's architecture, or i386 for QT_SYSCALL_I386 numbers
 * (32-bit calls in an x86-64 guest). */
static const struct qt_syscall_desc *sysdesc(const struct qtr *r, uint64_t nr, enum qt_arch *arch)
{
    *arch = (enum qt_arch)r->hdr.arch;
    if (*arch == QT_ARCH_X86_64 && (nr & ~UINT64_C(0xffffffff)) == QT_SYSCALL_I386) {
        *arch = QT_ARCH_I386;
        nr &= 0xffffffff;
    }
    return nr <= 100000 ? qt_syscall_desc(*arch, (long)nr) : NULL;
}

const char *qtw_syscall_name(const struct qtr *r, uint64_t nr)
{
    enum qt_arch arch;
    const struct qt_syscall_desc *d = sysdesc(r, nr, &arch);
    return d ? d->name : NULL;
}

bool qtw_syscall_arg_shown(const struct qtr *r, const struct qtr_event *ev, int i)
{
    enum qt_arch arch;
    const struct qt_syscall_desc *d = sysdesc(r, ev->call->func, &arch);
    unsigned pos = ev->args[i].a->pos;
    if (!d || pos == 0 || pos > d->nargs || d->arg[pos - 1] != QT_SA_MODE)
        return true;
    /* like strace: open's mode only matters with O_CREAT or O_TMPFILE */
    for (int k = 0; k < ev->nargs; k++) {
        unsigned p = ev->args[k].a->pos;
        if (p >= 1 && p <= d->nargs && d->arg[p - 1] == QT_SA_OFLAGS)
            return (ev->args[k].a->value & (0x40 | 0x400000)) != 0;
    }
    return true;
}

void qtw_syscall_arg(const struct qtr *r, uint64_t nr, const struct qtr_arg *a, struct qt_sb *out)
{
    enum qt_arch arch;
    const struct qt_syscall_desc *d = sysdesc(r, nr, &arch);
    unsigned pos = a->a->pos;
    if (a->a->type == QT_T_STR || a->a->type == QT_T_STRV || a->a->flags || !d || pos == 0 || pos > d->nargs)
        qtw_arg_value(a, out); /* paths, buffers and argv read from guest memory, or no description */
    else
        qt_sa_format_arch(arch, (enum qt_sa)d->arg[pos - 1], a->a->value, out);
}

void qtw_syscall_ret(const char *name, const struct qtr_arg *ret, struct qt_sb *out)
{
    if (!ret) {
        qt_sb_putc(out, '?');
        return;
    }
    int64_t v = (int64_t)ret->a->value;
    if (ret->a->flags & (QT_ARG_NULL | QT_ARG_UNREADABLE)) {
        qtw_arg_value(ret, out);
    } else if (v < 0 && v >= -4095) {
        int e = (int)-v;
        const char *en = qt_errno_name(e);
        if (en)
            qt_sb_printf(out, "-1 %s (%s)", en, strerror(e));
        else
            qt_sb_printf(out, "-1 errno %d", e);
    } else if (name && (strcmp(name, "mmap") == 0 || strcmp(name, "mmap2") == 0 || strcmp(name, "brk") == 0 ||
                        strcmp(name, "mremap") == 0 || strcmp(name, "shmat") == 0)) {
        qt_sb_printf(out, "0x%" PRIx64, (uint64_t)v);
    } else {
        qt_sb_printf(out, "%" PRId64, v);
    }
}
