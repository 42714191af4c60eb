/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _XOPEN_SOURCE 700
#include "files_view.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kargtype.h"
#include "util.h"

#define MAX_OPEN 32         /* rebuilt files kept open at once */

/* ---- the records' fields ---------------------------------------------------------------- */

static const struct qtr_arg *arg_at(const struct qtr_event *ev, unsigned pos)
{
    for (int i = 0; i < ev->nargs; i++)
        if (ev->args[i].a->pos == pos)
            return &ev->args[i];
    return NULL;
}

/* The path of a QT_T_FILE argument (not NUL-terminated: *len bytes), or NULL if unknown or cut. */
static const char *file_path(const struct qtr_arg *a, size_t *len)
{
    struct qt_kd_file d;
    if (!a || a->a->type != QT_T_FILE || (a->a->flags & (QT_ARG_UNREADABLE | QT_ARG_TRUNCATED)) ||
        a->a->len < sizeof(d))
        return NULL;
    memcpy(&d, a->data, sizeof(d));
    if (!(d.have & QT_KD_FPATH))
        return NULL;
    *len = a->a->len - sizeof(d);
    return (const char *)a->data + sizeof(d);
}

/* A name argument made absolute with the working directory (cwd) when it is relative: malloc'd,
 * or NULL if unreadable. */
static char *full_name(const struct qtr_arg *name, const struct qtr_arg *cwd)
{
    if (!name || (name->a->flags & QT_ARG_UNREADABLE))
        return NULL;
    struct qt_sb sb;
    qt_sb_init(&sb);
    if ((name->a->len == 0 || name->data[0] != '/') && cwd && !(cwd->a->flags & QT_ARG_UNREADABLE)) {
        qt_sb_putn(&sb, (const char *)cwd->data, cwd->a->len);
        if (sb.len == 0 || sb.buf[sb.len - 1] != '/')
            qt_sb_putc(&sb, '/');
    }
    qt_sb_putn(&sb, (const char *)name->data, name->a->len);
    char *s = qtc_xstrdup(sb.buf);
    qt_sb_free(&sb);
    return s;
}

static void put_comm(const struct qtr_event *ev, char comm[17])
{
    const struct qtr_arg *a = arg_at(ev, 9);
    size_t j = 0;
    for (size_t i = 0; a && i < a->a->len && j < 16; i++)
        comm[j++] = a->data[i] >= 0x20 && a->data[i] < 0x7f ? (char)a->data[i] : '?';
    comm[j] = '\0';
}

void qtc_filew_text(const struct qtr_event *ev, struct qt_sb *out)
{
    const struct qtr_arg *a1 = arg_at(ev, 1), *a2 = arg_at(ev, 2), *a3 = arg_at(ev, 3);
    size_t len = 0;
    const char *p;
    switch (ev->call->func) {
    case QT_FILEW_WRITE:
    case QT_FILEW_MMAP:
        qt_sb_puts(out, ev->call->func == QT_FILEW_WRITE ? "write " : "mmap ");
        if ((p = file_path(a1, &len)) != NULL)
            qt_sb_put_cescaped(out, p, len);
        else
            qt_sb_puts(out, "<path unknown>");
        if (ev->call->func == QT_FILEW_MMAP) {
            qt_sb_printf(out, ": shared and writable, %" PRIu64 " bytes at offset %" PRIu64
                         " (what is written through it is not seen)", a3 ? a3->a->value : 0, a2 ? a2->a->value : 0);
            break;
        }
        qt_sb_printf(out, ": %" PRIu64 " bytes at offset %" PRId64, a3 ? a3->a->value : 0,
                     a2 ? (int64_t)a2->a->value : 0);
        if (a3 && (a3->a->flags & QT_ARG_UNREADABLE))
            qt_sb_puts(out, " (not readable in guest memory: not captured)");
        break;
    case QT_FILEW_RENAME:
    case QT_FILEW_UNLINK: {
        bool ren = ev->call->func == QT_FILEW_RENAME;
        char *n1 = full_name(a1, ren ? a3 : a2), *n2 = ren ? full_name(a2, a3) : NULL;
        qt_sb_puts(out, ren ? "rename " : "unlink ");
        if (n1)
            qt_sb_put_cquoted(out, n1, strlen(n1));
        else
            qt_sb_puts(out, "<unreadable>");
        if (ren) {
            qt_sb_puts(out, " -> ");
            if (n2)
                qt_sb_put_cquoted(out, n2, strlen(n2));
            else
                qt_sb_puts(out, "<unreadable>");
        }
        free(n1);
        free(n2);
        break;
    }
    default: qt_sb_printf(out, "file event %" PRIu64, ev->call->func); break;
    }
}

/* ---- the rebuilt directory -------------------------------------------------------------- */

struct fentry {
    char *path;             /* the guest's path (raw bytes, NUL-terminated) */
    char *target;           /* the rebuilt file */
    int fd;                 /* open on target, or -1 */
    uint64_t lru;           /* when last used (open files) */
    uint64_t size, written, unreadable;
    uint32_t pid;
    char comm[17];
    bool others;            /* other processes wrote it too */
    bool mmap, unlinked, replaced;
    char *renamed_from;
    uint64_t first_ns, last_ns;
};

struct fstate {
    const char *dir;        /* the directory being built */
    struct fentry **e;
    size_t n, cap;
    size_t nopen;
    uint64_t clock;
    struct qt_sb events;    /* the renames and unlinks section of the list */
    char *err;
    size_t errlen;
};

static struct fentry *find(struct fstate *s, const char *path)
{
    for (size_t i = s->n; i-- > 0;)
        if (!s->e[i]->replaced && strcmp(s->e[i]->path, path) == 0)
            return s->e[i];
    return NULL;
}

/* The host path of guest path p under dir: "." and ".." components are renamed, so that every
 * file stays inside dir. */
static char *target_of(const char *dir, const char *p)
{
    struct qt_sb sb;
    qt_sb_init(&sb);
    qt_sb_puts(&sb, dir);
    while (*p) {
        while (*p == '/')
            p++;
        size_t n = strcspn(p, "/");
        if (n == 0)
            break;
        qt_sb_putc(&sb, '/');
        if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
            qt_sb_printf(&sb, "%%dot%zu", n);
        else
            qt_sb_putn(&sb, p, n);
        p += n;
    }
    char *t = qtc_xstrdup(sb.buf);
    qt_sb_free(&sb);
    return t;
}

static struct fentry *add(struct fstate *s, const char *path, const struct qtr_event *ev)
{
    struct fentry *f = qtc_xcalloc(1, sizeof(*f));
    f->path = qtc_xstrdup(path);
    f->target = target_of(s->dir, path);
    f->fd = -1;
    f->pid = ev->call->pid;
    put_comm(ev, f->comm);
    f->first_ns = f->last_ns = ev->call->ts_ns;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->e = qtc_xrealloc(s->e, s->cap * sizeof(*s->e));
    }
    s->e[s->n++] = f;
    return f;
}

static void close_one(struct fstate *s, struct fentry *f)
{
    if (f->fd >= 0) {
        close(f->fd);
        f->fd = -1;
        s->nopen--;
    }
}

/* mkdir -p of the directories above path (all inside s->dir). */
static int make_parents(const char *path)
{
    char *p = qtc_xstrdup(path);
    int rc = 0;
    for (char *c = strchr(p + 1, '/'); c && rc == 0; c = strchr(c + 1, '/')) {
        *c = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST)
            rc = -1;
        *c = '/';
    }
    free(p);
    return rc;
}

static int fail(struct fstate *s, const char *what, const char *path)
{
    snprintf(s->err, s->errlen, "%s %s: %s", what, path, strerror(errno));
    return -1;
}

static int open_target(struct fstate *s, struct fentry *f)
{
    f->lru = ++s->clock;
    if (f->fd >= 0)
        return 0;
    if (s->nopen >= MAX_OPEN) {
        struct fentry *old = NULL;
        for (size_t i = 0; i < s->n; i++)
            if (s->e[i]->fd >= 0 && (!old || s->e[i]->lru < old->lru))
                old = s->e[i];
        if (old)
            close_one(s, old);
    }
    if (make_parents(f->target) < 0)
        return fail(s, "cannot create the directories of", f->target);
    f->fd = open(f->target, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (f->fd < 0)
        return fail(s, "cannot create", f->target);
    s->nopen++;
    return 0;
}

static void seen(struct fentry *f, const struct qtr_event *ev)
{
    if (ev->call->pid != f->pid)
        f->others = true;
    f->last_ns = ev->call->ts_ns;
}

static int on_write(struct fstate *s, const struct qtr_event *ev)
{
    size_t len;
    const char *p = file_path(arg_at(ev, 1), &len);
    const struct qtr_arg *off = arg_at(ev, 2), *data = arg_at(ev, 3);
    if (!data || !off)
        return 0;
    char *path = qtc_xmalloc(len + 32);
    if (p) {
        memcpy(path, p, len);
        path[len] = '\0';
    } else {
        snprintf(path, len + 32, "/%%unknown-path"); /* said in the list */
    }
    struct fentry *f = find(s, path);
    if (!f)
        f = add(s, path, ev);
    free(path);
    seen(f, ev);
    uint64_t n = data->a->value, o = off->a->value;
    f->written += n;
    if ((data->a->flags & QT_ARG_UNREADABLE) || data->a->len < n) {
        f->unreadable += n - ((data->a->flags & QT_ARG_UNREADABLE) ? 0 : data->a->len);
        n = (data->a->flags & QT_ARG_UNREADABLE) ? 0 : data->a->len;
    }
    if (n == 0)
        return open_target(s, f);
    if (o + n > f->size) /* the end of the bytes captured: the rebuilt file's size */
        f->size = o + n;
    if (open_target(s, f) < 0)
        return -1;
    if (pwrite(f->fd, data->data, n, (off_t)o) != (ssize_t)n)
        return fail(s, "cannot write", f->target);
    return 0;
}

static void put_time(struct qt_sb *sb, uint64_t ns)
{
    qt_sb_printf(sb, "%" PRIu64 ".%06u", ns / 1000000000, (unsigned)(ns / 1000 % 1000000));
}

static void put_event(struct fstate *s, const struct qtr_event *ev, const char *what, const char *a, const char *b)
{
    char comm[17];
    put_comm(ev, comm);
    put_time(&s->events, ev->call->ts_ns);
    qt_sb_printf(&s->events, "\t%s\t", what);
    qt_sb_put_cescaped(&s->events, a ? a : "<unreadable>", strlen(a ? a : "<unreadable>"));
    qt_sb_putc(&s->events, '\t');
    if (b)
        qt_sb_put_cescaped(&s->events, b, strlen(b));
    qt_sb_printf(&s->events, "\t%u\t%s\n", ev->call->pid, comm);
}

static int on_rename(struct fstate *s, const struct qtr_event *ev)
{
    const struct qtr_arg *cwd = arg_at(ev, 3);
    char *from = full_name(arg_at(ev, 1), cwd), *to = full_name(arg_at(ev, 2), cwd);
    put_event(s, ev, "rename", from, to);
    struct fentry *f = from && to ? find(s, from) : NULL;
    int rc = 0;
    if (f) {
        struct fentry *old = find(s, to);
        if (old && old != f) {
            close_one(s, old);
            old->replaced = true; /* its rebuilt copy is replaced, as on the guest */
        }
        close_one(s, f);
        char *target = target_of(s->dir, to);
        struct stat st;
        if (stat(f->target, &st) == 0 && (make_parents(target) < 0 || rename(f->target, target) != 0))
            rc = fail(s, "cannot rename the rebuilt", f->target);
        free(f->target);
        f->target = target;
        free(f->renamed_from);
        f->renamed_from = qtc_xstrdup(from);
        free(f->path);
        f->path = qtc_xstrdup(to);
        seen(f, ev);
    }
    free(from);
    free(to);
    return rc;
}

static int on_unlink(struct fstate *s, const struct qtr_event *ev)
{
    char *name = full_name(arg_at(ev, 1), arg_at(ev, 2));
    put_event(s, ev, "unlink", name, NULL);
    struct fentry *f = name ? find(s, name) : NULL;
    if (f) {
        f->unlinked = true;
        seen(f, ev);
    }
    free(name);
    return 0;
}

static int on_mmap(struct fstate *s, const struct qtr_event *ev)
{
    size_t len;
    const char *p = file_path(arg_at(ev, 1), &len);
    char *path = qtc_xmalloc(len + 32);
    if (p) {
        memcpy(path, p, len);
        path[len] = '\0';
    } else {
        snprintf(path, len + 32, "/%%unknown-path");
    }
    struct fentry *f = find(s, path);
    if (!f)
        f = add(s, path, ev);
    free(path);
    f->mmap = true;
    seen(f, ev);
    return open_target(s, f); /* listed and present, even if never written by a system call */
}

static int on_event(const struct qtr_event *ev, void *ctx)
{
    struct fstate *s = ctx;
    if (ev->type != QT_REC_FILEW || !ev->call)
        return 0;
    switch (ev->call->func) {
    case QT_FILEW_WRITE: return on_write(s, ev);
    case QT_FILEW_RENAME: return on_rename(s, ev);
    case QT_FILEW_UNLINK: return on_unlink(s, ev);
    case QT_FILEW_MMAP: return on_mmap(s, ev);
    }
    return 0;
}

static int write_list(struct fstate *s, size_t *nfiles)
{
    struct qt_sb sb;
    qt_sb_init(&sb);
    qt_sb_puts(&sb, "# qtrace --files-written: the files rebuilt here (the guest's /a/b is ./a/b), with the bytes "
                    "written to them at the offsets written\n"
                    "# path\tsize\tbytes-written\tpid\tcomm\tfirst-write\tlast-write\tnotes\n");
    *nfiles = 0;
    for (size_t i = 0; i < s->n; i++) {
        struct fentry *f = s->e[i];
        (*nfiles)++;
        qt_sb_put_cescaped(&sb, f->path, strlen(f->path));
        qt_sb_printf(&sb, "\t%" PRIu64 "\t%" PRIu64 "\t%u\t%s%s\t", f->size, f->written, f->pid, f->comm,
                     f->others ? " (and others)" : "");
        put_time(&sb, f->first_ns);
        qt_sb_putc(&sb, '\t');
        put_time(&sb, f->last_ns);
        qt_sb_putc(&sb, '\t');
        const char *sep = "";
        if (strcmp(f->path, "/%unknown-path") == 0) {
            qt_sb_printf(&sb, "%sthe kernel gave no full path (too long or unreadable)", sep);
            sep = "; ";
        }
        if (f->renamed_from) {
            qt_sb_printf(&sb, "%srenamed from ", sep);
            qt_sb_put_cescaped(&sb, f->renamed_from, strlen(f->renamed_from));
            sep = "; ";
        }
        if (f->unlinked) {
            qt_sb_printf(&sb, "%sunlinked (the rebuilt copy is kept)", sep);
            sep = "; ";
        }
        if (f->replaced) {
            qt_sb_printf(&sb, "%sreplaced by a rename (its rebuilt copy is gone too)", sep);
            sep = "; ";
        }
        if (f->mmap) {
            qt_sb_printf(&sb, "%swritten through mmap, contents not captured", sep);
            sep = "; ";
        }
        if (f->unreadable) {
            qt_sb_printf(&sb, "%s%" PRIu64 " bytes not readable in guest memory, not captured", sep, f->unreadable);
            sep = "; ";
        }
        qt_sb_putc(&sb, '\n');
    }
    qt_sb_puts(&sb, "# renames and unlinks, as the processes asked for them\n# time\tevent\tpath\tnew-path\tpid\tcomm\n");
    qt_sb_putn(&sb, s->events.buf ? s->events.buf : "", s->events.len);
    char *path = qtc_xmalloc(strlen(s->dir) + sizeof(QTC_FILES_LIST) + 2);
    sprintf(path, "%s/%s", s->dir, QTC_FILES_LIST);
    FILE *out = fopen(path, "w");
    int rc = 0;
    if (!out || fwrite(sb.buf, 1, sb.len, out) != sb.len || fclose(out) != 0) {
        rc = fail(s, "cannot write", path);
        if (out)
            fclose(out);
    }
    free(path);
    qt_sb_free(&sb);
    return rc;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static int rm_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : -1;
    return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static bool dir_ours_or_empty(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return false;
    bool empty = true, ours = false;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        empty = false;
        ours |= strcmp(e->d_name, QTC_FILES_LIST) == 0;
    }
    closedir(d);
    return empty || ours;
}

static char *tmp_name(const char *dir)
{
    char *t = qtc_xmalloc(strlen(dir) + 32);
    sprintf(t, "%s.tmp.%ld", dir, (long)getpid());
    return t;
}

int qtc_files_check_dir(const char *dir, char *err, size_t errlen)
{
    struct stat st;
    if (stat(dir, &st) == 0) {
        if (!S_ISDIR(st.st_mode)) {
            snprintf(err, errlen, "--files-written %s: exists and is not a directory (give a new directory's name)",
                     dir);
            return -1;
        }
        if (!dir_ours_or_empty(dir)) {
            snprintf(err, errlen, "--files-written %s: the directory has files and no %s: not replacing it (give a "
                     "new or empty directory)", dir, QTC_FILES_LIST);
            return -1;
        }
    }
    /* built next to dir, then renamed: try it now */
    char *tmp = tmp_name(dir);
    int rc = 0;
    if (mkdir(tmp, 0777) != 0) {
        snprintf(err, errlen, "--files-written %s: cannot create a directory there (%s: %s)", dir, tmp,
                 strerror(errno));
        rc = -1;
    } else {
        rmdir(tmp);
    }
    free(tmp);
    return rc;
}

int qtc_files_build(const struct qtr *r, const char *dir, size_t *nfiles, char *err, size_t errlen)
{
    struct fstate s;
    memset(&s, 0, sizeof(s));
    char *tmp = tmp_name(dir);
    s.dir = tmp;
    s.err = err;
    s.errlen = errlen;
    qt_sb_init(&s.events);
    rm_tree(tmp);
    int rc = 0;
    if (mkdir(tmp, 0777) != 0) {
        rc = fail(&s, "cannot create", tmp);
    } else {
        struct qtr_handlers h = { on_event, NULL, &s };
        rc = qtr_replay(r, &h) != 0 ? -1 : 0;
        for (size_t i = 0; i < s.n; i++)
            close_one(&s, s.e[i]);
        if (rc == 0)
            rc = write_list(&s, nfiles);
        if (rc == 0 && rm_tree(dir) != 0)
            rc = fail(&s, "cannot remove the earlier", dir);
        if (rc == 0 && rename(tmp, dir) != 0)
            rc = fail(&s, "cannot rename the new output to", dir);
        if (rc != 0)
            rm_tree(tmp);
    }
    for (size_t i = 0; i < s.n; i++) {
        free(s.e[i]->path);
        free(s.e[i]->target);
        free(s.e[i]->renamed_from);
        free(s.e[i]);
    }
    free(s.e);
    qt_sb_free(&s.events);
    free(tmp);
    return rc;
}

int qtc_files_after_run(const char *trace, const char *dir, bool quiet)
{
    char err[1024];
    struct qtr r;
    if (qtr_open(&r, trace, err, sizeof(err)) < 0) {
        qtc_error("%s", err);
        return -1;
    }
    size_t n = 0;
    int rc = qtc_files_build(&r, dir, &n, err, sizeof(err));
    if (rc < 0)
        qtc_error("--files-written: %s", err);
    else if (n == 0)
        fprintf(stderr, "qtrace: --files-written: the selected processes wrote no regular file -> %s/%s\n", dir,
                QTC_FILES_LIST);
    else if (!quiet)
        fprintf(stderr, "qtrace: %zu file%s written, rebuilt under %s (list: %s/%s)\n", n, n == 1 ? "" : "s", dir,
                dir, QTC_FILES_LIST);
    qtr_close(&r);
    return rc;
}
