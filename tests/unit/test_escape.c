/* Output safety: hostile guest strings (control characters, ANSI escapes, invalid UTF-8, quotes,
 * backslashes, a huge string) in every place a guest string reaches a writer (function
 * arguments and return values, syscall string arguments, thread comm, exec path, argv and comm,
 * module names and paths, symbol names), rendered by every writer. Text outputs must be
 * printable ASCII lines; JSON outputs must parse (python3) and give back the original bytes
 * where they are carried as strings. */
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "kargtype.h"
#include "reader.h"
#include "tap.h"
#include "tracebuild.h"
#include "writer.h"

/* Every hostile byte sequence in one string: CSI colour and clear screen, an OSC title with BEL,
 * CR (overwrites a terminal line), backspace, DEL, C1 CSI (0x9b), invalid UTF-8 (lone
 * continuation, overlong '/', a surrogate), valid UTF-8 (e acute, RIGHT-TO-LEFT OVERRIDE),
 * quotes, a backslash and a JSON-looking tail. */
#define HOSTILE "A\x1b[31mRED\x1b[2J\x1b]0;pwned\x07\rX\b\x7f\x9b" "1m\x80\xc0\xaf\xed\xa0\x80\xc3\xa9\xe2\x80\xae" \
                "\"q'\\\",\"x\":\"</script>"
/* ... as the C escaping of the text formats shows it */
#define HOSTILE_C "A\\x1b[31mRED\\x1b[2J\\x1b]0;pwned\\x07\\rX\\x08\\x7f\\x9b1m\\x80\\xc0\\xaf\\xed\\xa0\\x80\\xc3\\xa9\\xe2\\x80\\xae" \
                  "\\\"q'\\\\\\\",\\\"x\\\":\\\"</script>"

#define HUGE_LEN 60000

enum { F_EVIL = 0x401000, F_SAY = 0x401100 };

static char huge[HUGE_LEN];

static struct targ str_arg(uint8_t pos, const char *s, size_t n)
{
    return (struct targ){ pos, QT_T_STR, 64, 0, 0x1000, s, n };
}

/* a QT_REC_PROC record of kind k by tid with args */
static void qb_proc(struct qb *b, uint32_t tid, uint64_t ts, uint64_t kind, int n, const struct targ *a)
{
    qb_call(b, QT_REC_PROC, 0, tid, 0x1000, 0, 0, ts, 0, kind, 0, n, a);
}

static void build(struct qb *b, uint32_t mode)
{
    static const char h[] = HOSTILE;
    static const char argv[] = HOSTILE "\0second\x1b[0m";
    qb_init(b, mode, 0);
    qb_chunk(b, VCPU_NONE);
    qb_sym(b, F_EVIL, 0x100, "evil\x1b[2J\xff", (const char *const[]){ "p\x1b", NULL });
    qb_sym(b, F_SAY, 0x100, "say", (const char *const[]){ "s", NULL });
    qb_map(b, 0x400000, 0x1000, "/tmp/" HOSTILE);
    qb_chunk(b, 0);
    if (mode == QT_MODE_SYSTEM) {
        struct qt_rec_thread t;
        memset(&t, 0, sizeof(t));
        t.h = (struct qt_rec_hdr){ QT_REC_THREAD, sizeof(t), 0 };
        t.tid = 7;
        t.pid = 7;
        t.asid = 0x1000;
        memcpy(t.comm, "c\x1b[31m\"\\\xff\n", 10);
        qb_put(b, &t, sizeof(t));
        b->nrec++;
        struct targ ex[3] = { str_arg(1, h, sizeof(h) - 1), { 2, QT_T_STRV, 64, 0, 0x2000, argv, sizeof(argv) },
                              str_arg(3, "n\x1b[1m\xff", 6) };
        qb_proc(b, 7, 5, QT_PROC_EXEC, 3, ex);
        struct qt_kd_module m;
        memset(&m, 0, sizeof(m));
        m.have = 1;
        m.size = 0x2000;
        m.base = 0xffffffffc0000000;
        memcpy(m.name, "mod\x1b[5m\"\xfe", 9);
        struct targ ma = { 1, QT_T_MODULE, 64, 0, 0xffffffffc0100000, (const char *)&m, sizeof(m) };
        qb_proc(b, 7, 6, QT_PROC_MODULE, 1, &ma);
    }
    struct targ a1 = str_arg(1, h, sizeof(h) - 1);
    qb_call(b, QT_REC_ENTRY, 0, 7, 0x1000, 0, 0, 10, 100, F_EVIL, 0, 1, &a1);
    struct targ a2 = str_arg(1, huge, sizeof(huge));
    a2.flags = QT_ARG_TRUNCATED;
    qb_call(b, QT_REC_ENTRY, 0, 7, 0x1000, 1, 0, 20, 110, F_SAY, 0, 1, &a2);
    struct targ r2 = str_arg(0, h, sizeof(h) - 1);
    qb_call(b, QT_REC_EXIT, 0, 7, 0x1000, 1, 0, 30, 120, F_SAY, 110, 1, &r2);
    struct targ r1 = { 0, QT_T_CHAR, 8, 0, 0x1b, NULL, 0 };
    qb_call(b, QT_REC_EXIT, 0, 7, 0x1000, 0, 0, 40, 130, F_EVIL, 100, 1, &r1);
    if (mode == QT_MODE_USER) {
        struct targ sa[4] = { HEX(1, (uint64_t)-100), str_arg(2, h, sizeof(h) - 1), HEX(3, 0), HEX(4, 0) };
        qb_call(b, QT_REC_SYSCALL, 0, 7, 0, 0, 0, 50, 140, 257, 0, 4, sa);
        qb_call(b, QT_REC_SYSRET, 0, 7, 0, 0, 0, 60, 150, 257, 0, 1, (const struct targ[]){ I64(0, -2) });
    }
    qb_end(b, 100, 6, 0);
    qb_close_chunk(b);
}

/* ---- checks ----------------------------------------------------------------------------------- */

/* The first byte of s[0..n) that is neither printable ASCII nor a newline, or -1. */
static long first_unsafe(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c != '\n' && (c < 0x20 || c > 0x7e))
            return (long)i;
    }
    return -1;
}

static void is_safe(const char *s, size_t n, const char *what)
{
    long at = first_unsafe(s, n);
    if (at >= 0)
        printf("# %s: byte 0x%02x at %ld, after \"%.40s\"\n", what, (unsigned char)s[at], at,
               at > 40 ? s + at - 40 : s);
    ok(at < 0, "%s: printable ASCII only", what);
}

/* python3: the file is pure ASCII and parses as JSON (one document, or one per line with
 * lines=1); prints "ok N", N = strings in it equal to the contents of the file want. */
static const char *json_py =
    "import json,sys\n"
    "want=open(sys.argv[2],'rb').read().decode('ascii')\n"
    "raw=open(sys.argv[1],'rb').read().decode('ascii')\n"
    "docs=[json.loads(l) for l in raw.splitlines() if l.strip()] if sys.argv[3]=='1' else [json.loads(raw)]\n"
    "n=0\n"
    "def walk(x):\n"
    "  global n\n"
    "  if isinstance(x,dict): [walk(v) for v in x.values()]\n"
    "  elif isinstance(x,list): [walk(v) for v in x]\n"
    "  elif x==want: n+=1\n"
    "for d in docs: walk(d)\n"
    "print('ok',n)\n";

static bool have_python;

/* "ok N" when path is valid pure-ASCII JSON; N strings in it are the hostile string as the text
 * formats render it (JSON arguments carry that rendering). */
static const char *json_check(const char *path, bool lines)
{
    static const char h[] = "\"" HOSTILE_C "\"";
    const char *want = tpath("want.bin");
    write_file(want, h, sizeof(h) - 1, 0644);
    char args[1200];
    snprintf(args, sizeof(args), "%s %s %d", path, want, lines);
    return run_python(json_py, args);
}

/* Render r with writer w into tmpdir/name; returns the file's contents (directory formats:
 * NULL, files checked by the caller). */
static char *render(const struct qtr *r, const struct qtc_writer *w, const char *name, size_t *len)
{
    char err[512];
    const char *path = tpath(name);
    if (qtc_write_trace_file(r, w, path, err, sizeof(err)) < 0) {
        printf("# %s: %s\n", w->name, err);
        return NULL;
    }
    return w->is_dir ? NULL : read_all(path, len);
}

/* Every regular file of a directory format: text files printable; binary ones carry no ESC
 * next to the hostile text (strings stored escaped). */
static void check_dir(const char *dir, const char *what)
{
    DIR *d = opendir(dir);
    ok(d != NULL, "%s: directory written", what);
    if (!d)
        return;
    struct dirent *e;
    int files = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char p[1024];
        snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
        size_t n = 0;
        char *s = read_all(p, &n);
        if (!s)
            continue;
        files++;
        char label[1100];
        snprintf(label, sizeof(label), "%s %s", what, e->d_name);
        const char *ext = strrchr(e->d_name, '.');
        if (ext && strcmp(ext, ".dat") == 0) {
            ok(!memmem(s, n, "\x1b[31m", 5) && !memmem(s, n, "pwned\x07", 6), "%s: no raw escape sequence", label);
        } else if (strcmp(e->d_name, "info") == 0) {
            is_safe(s + 40, n > 40 ? n - 40 : 0, label); /* after the binary header */
        } else {
            is_safe(s, n, label);
        }
        free(s);
    }
    closedir(d);
    ok(files > 0, "%s: has files", what);
}

static void run_writers(uint32_t mode, const char *tag)
{
    struct qb b;
    build(&b, mode);
    struct qtr r;
    char name[64];
    snprintf(name, sizeof(name), "%s.qtr", tag);
    if (open_built(&r, &b, name) != 0) {
        ok(0, "%s: trace opens", tag);
        free(b.buf);
        return;
    }
    const struct qtc_writer *const *ws;
    size_t nw = qtc_writers(&ws);
    for (size_t i = 0; i < nw; i++) {
        const struct qtc_writer *w = ws[i];
        char what[128], file[128];
        snprintf(what, sizeof(what), "%s %s", tag, w->name);
        snprintf(file, sizeof(file), "%s.%s", tag, w->name);
        size_t n = 0;
        char *s = render(&r, w, file, &n);
        if (w->is_dir) {
            check_dir(tpath(file), what);
            continue;
        }
        ok(s != NULL, "%s: written", what);
        if (!s)
            continue;
        is_safe(s, n, what);
        bool json = strstr(w->name, "json") != NULL;
        if (json && have_python) {
            const char *res = json_check(tpath(file), strcmp(w->name, "json") != 0);
            ok(strncmp(res, "ok ", 3) == 0, "%s: parses as JSON (%s)", what, res);
            if (strcmp(w->name, "json") == 0)
                ok(atoi(res + 3) == 3, "%s: argument, return value, syscall path or exec file as in text (%s)", what, res);
        }
        if (strcmp(w->name, "text") == 0) {
            ok(strstr(s, "(p\\x1b=\"" HOSTILE_C "\")"), "%s: argument escaped exactly", what);
            ok(strstr(s, "} = '\\x1b'; /* evil\\x1b[2J\\xff */"), "%s: character return value and name escaped", what);
            ok(strstr(s, "say(s=\"AAAA"), "%s: huge string shown", what);
            if (mode == QT_MODE_SYSTEM)
                ok(strstr(s, "== exec \"" HOSTILE_C "\" [\"" HOSTILE_C "\", \"second\\x1b[0m\"] comm=\"n\\x1b[1m\\xff\""),
                   "%s: exec path, argv, comm escaped exactly", what);
            else
                ok(strstr(s, "syscall openat(AT_FDCWD, \"" HOSTILE_C "\""), "%s: syscall path escaped exactly", what);
        }
        if (strcmp(w->name, "json") == 0)
            ok(!strstr(s, "</script>") && strstr(s, "\\u003c/script\\u003e"), "%s: < and > escaped for HTML", what);
        if (strcmp(w->name, "linkmap") == 0)
            ok(strstr(s, "  /tmp/A\\x1b[31mRED\\x1b[2J\\x1b]0;pwned\\x07\\x0dX\\x08\\x7f\\x9b1m\\x80\\xc0\\xaf\\xed\\xa0"
                         "\\x80\\xc3\\xa9\\xe2\\x80\\xae\"q'\\\",\"x\":\"</script>\n"),
               "%s: module path escaped exactly", what);
        free(s);
    }
    qtr_close(&r);
    free(b.buf);
}

int main(void)
{
    if (tmpdir_make("escape") < 0)
        return 1;
    memset(huge, 'A', sizeof(huge));
    memcpy(huge + HUGE_LEN - 8, "\x1b[0m\xff\x01\"\\", 8);
    have_python = system("python3 -c 'import json' >/dev/null 2>&1") == 0;
    if (!have_python)
        printf("# python3 not found: JSON parsing not checked\n");
    run_writers(QT_MODE_USER, "user");
    run_writers(QT_MODE_SYSTEM, "system");
    tmpdir_remove();
    return done_testing();
}
