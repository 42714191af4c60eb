/* uftrace.data writer: small .qtr traces built in memory, written as uftrace.data, and every
 * file of the directory checked byte for byte (header, records, argument buffers, task and
 * symbol files, the map); when uftrace is installed, `uftrace replay` of the result too. */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "reader.h"
#include "tap.h"
#include "tracebuild.h"
#include "util.h"
#include "writer.h"

/* ---- building traces ------------------------------------------------------------------------ */

#define START_NS UINT64_C(1700000000000000000)

/* a call on vCPU 0, icount ts / 10, no aux; then nargs, args */
#define CALL(type, tid, asid, d, flags, ts, f, ...) qb_call(b, type, 0, tid, asid, d, flags, ts, (ts) / 10, f, 0, __VA_ARGS__)
#define ENT(tid, d, ts, f, n, ...) CALL(QT_REC_ENTRY, tid, 0, d, 0, ts, f, n, (const struct targ[]){ __VA_ARGS__ })
#define EXT(tid, d, ts, f, n, ...) CALL(QT_REC_EXIT, tid, 0, d, 0, ts, f, n, (const struct targ[]){ __VA_ARGS__ })

/* ---- files ------------------------------------------------------------------------------------ */

static char *path_of(const char *a, const char *b)
{
    size_t n = strlen(tmpdir) + strlen(a) + (b ? strlen(b) : 0) + 3;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s%s%s", tmpdir, a, b ? "/" : "", b ? b : "");
    return p;
}

/* Contents of tmpdir/a[/b] (NUL-terminated; *len its size), NULL if missing. */
static char *slurp(const char *a, const char *b, size_t *len)
{
    char *p = path_of(a, b);
    char *buf = read_all(p, len);
    free(p);
    return buf;
}

/* Write r as uftrace.data into tmpdir/name. */
static int write_uftrace(const struct qtr *r, const char *name, char *err, size_t errlen)
{
    char *p = path_of(name, NULL);
    err[0] = '\0';
    int rc = qtc_write_trace_file(r, qtc_writer_find("uftrace"), p, err, errlen);
    free(p);
    return rc;
}

/* ---- expected records ------------------------------------------------------------------------- */

struct exp {
    uint8_t *buf;
    size_t len, cap;
};

static void exp_put(struct exp *e, const void *p, size_t n)
{
    if (e->len + n > e->cap) {
        e->cap = (e->len + n) * 2 + 64;
        e->buf = realloc(e->buf, e->cap);
    }
    memcpy(e->buf + e->len, p, n);
    e->len += n;
}

static void exp_u(struct exp *e, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        uint8_t c = (uint8_t)(v >> (8 * i));
        exp_put(e, &c, 1);
    }
}

/* {u64 time; u64 type:2, more:1, magic:3 (5), depth:10, addr:48}, little-endian */
static void rec(struct exp *e, uint64_t ts, unsigned type, unsigned more, unsigned depth, uint64_t addr)
{
    exp_u(e, START_NS + ts, 8);
    exp_u(e, type | more << 2 | 5u << 3 | (uint64_t)depth << 6 | addr << 16, 8);
}

static void same_bytes(const char *got, size_t glen, const struct exp *want, const char *name)
{
    bool same = got && glen == want->len && memcmp(got, want->buf, glen) == 0;
    if (!ok(same, "%s", name) && got) {
        printf("#   got %zu bytes, want %zu\n", glen, want->len);
        for (size_t i = 0; i < glen || i < want->len; i += 16) {
            printf("#   %04zx:", i);
            for (size_t k = i; k < i + 16; k++)
                printf(k < glen ? " %02x" : "   ", k < glen ? (uint8_t)got[k] : 0);
            printf("  |");
            for (size_t k = i; k < i + 16; k++)
                printf(k < want->len ? " %02x" : "   ", k < want->len ? want->buf[k] : 0);
            printf("\n");
        }
    }
}

static bool have_uftrace;

/* `uftrace replay` of tmpdir/name (extra options), its standard output; "" plus a failed test
 * when it wrote anything on standard error. */
static char *replay(const char *name, const char *opts)
{
    char *dir = path_of(name, NULL);
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "uftrace replay %s -d %s >%s/replay.out 2>%s/replay.err", opts, dir, tmpdir, tmpdir);
    free(dir);
    int st = system(cmd);
    char *err = slurp("replay.err", NULL, NULL);
    ok(st == 0 && err && !err[0], "uftrace replay %s %s: no error, no warning", opts, name);
    if (err && err[0])
        printf("# %s", err);
    free(err);
    return slurp("replay.out", NULL, NULL);
}

/* ---- tests ------------------------------------------------------------------------------------ */

enum {
    PROG = 0x555555554000, F_MAIN = PROG + 0x1100, F_ADD = PROG + 0x1200, F_GREET = PROG + 0x1300,
    F_FACT = PROG + 0x1400, F_SHOW = PROG + 0x1500,
    LIBC = 0x7f0000000000, F_PUTS = LIBC + 0x2000, OPTLIBC = 0x7f1000000000, F_OPT = OPTLIBC + 0x3000,
    F_LOW = 0x1000,
};

/* main -> add(2, 3) = 5; greet("hi\n", 'x'); greet(NULL, 'y'); puts (a library); fact(3) ->
 * fact(2) whose exit is missing; show (an address inside another function); an exit whose
 * entry was not seen; main again, unfinished. Modules: the program, libc, another libc.so.6
 * (basename clash), and a symbol below every module. */
static void build_basic(struct qb *b)
{
    qb_init(b, QT_MODE_USER, START_NS);
    qb_chunk(b, VCPU_NONE);
    qb_map(b, PROG, 0x2000, "/usr/bin/prog");
    qb_map(b, LIBC, 0x100000, "/lib/libc.so.6");
    qb_map(b, OPTLIBC, 0x1000, "/opt/lib/libc.so.6");
    qb_chunk(b, 0);
    ENT(100, 0, 1000, F_MAIN, 0, NOARG);
    ENT(100, 1, 1100, F_ADD, 2, I32(1, 2), I32(2, 3));
    EXT(100, 1, 1200, F_ADD, 1, I32(0, 5));
    ENT(100, 1, 1300, F_GREET, 2, STR(1, "hi\n"), CHR(2, 'x'));
    EXT(100, 1, 1350, F_GREET, 0, NOARG);
    ENT(100, 1, 1360, F_GREET, 2, NULLSTR(1), CHR(2, 'y'));
    EXT(100, 1, 1370, F_GREET, 0, NOARG);
    ENT(100, 1, 1400, F_PUTS, 0, NOARG);
    EXT(100, 1, 1450, F_PUTS, 0, NOARG);
    ENT(100, 1, 1500, F_FACT, 1, I64(1, 3));
    ENT(100, 2, 1600, F_FACT, 1, I64(1, 2));
    EXT(100, 1, 1800, F_FACT, 1, I64(0, 6));
    ENT(100, 1, 1810, F_SHOW + 0x10, 0, NOARG);
    EXT(100, 1, 1820, F_SHOW + 0x10, 0, NOARG);
    ENT(100, 1, 1830, F_OPT, 0, NOARG);
    EXT(100, 1, 1840, F_OPT, 0, NOARG);
    EXT(100, 0, 1900, F_MAIN, 0, NOARG);
    EXT(100, 0, 1950, 0xdead, 0, NOARG);
    ENT(100, 0, 2000, F_MAIN, 0, NOARG);
    qb_end(b, 2100, 0, 0);
    qb_chunk(b, VCPU_NONE);
    qb_sym(b, F_MAIN, 0x80, "main", QB_NOPARAMS);
    qb_sym(b, F_ADD, 0x20, "add", QB_NOPARAMS);
    qb_sym(b, F_GREET, 0x40, "greet", QB_NOPARAMS);
    qb_sym(b, F_FACT, 0x40, "fact", QB_NOPARAMS);
    qb_sym(b, F_SHOW, 0x40, "show", QB_NOPARAMS);
    qb_sym(b, F_PUTS, 0x100, "puts", QB_NOPARAMS);
    qb_sym(b, F_OPT, 0x10, "optfn", QB_NOPARAMS);
    qb_sym(b, F_LOW, 0x10, "low", QB_NOPARAMS);
    qb_close_chunk(b);
}

static void test_basic(void)
{
    struct qb qb, *b = &qb;
    struct qtr r;
    char err[512];
    build_basic(b);
    ok(open_built(&r, b, "basic.qtr") == 0, "basic trace opens");
    ok(write_uftrace(&r, "basic.data", err, sizeof(err)) == 0, "uftrace.data written (%s)", err);

    /* 100.dat */
    struct exp e = { 0 };
    rec(&e, 1000, 0, 0, 0, F_MAIN);
    rec(&e, 1100, 0, 1, 1, F_ADD);
    exp_u(&e, 2, 4), exp_u(&e, 3, 4);                  /* i32, i32 */
    rec(&e, 1200, 1, 1, 1, F_ADD);
    exp_u(&e, 5, 4), exp_u(&e, 0, 4);                  /* i32, padded to 8 */
    rec(&e, 1300, 0, 1, 1, F_GREET);
    exp_u(&e, 4, 2), exp_put(&e, "hi\\n", 4);          /* string: 2-byte length, escaped */
    exp_u(&e, 0, 2), exp_u(&e, 'x', 4), exp_u(&e, 0, 4); /* pad to 4; char; pad to 8 */
    rec(&e, 1350, 1, 0, 1, F_GREET);
    rec(&e, 1360, 0, 1, 1, F_GREET);
    exp_u(&e, 4, 2), exp_u(&e, 0xffffffff, 4), exp_u(&e, 0, 2); /* NULL: length 4, 0xffffffff */
    exp_u(&e, 'y', 4), exp_u(&e, 0, 4);
    rec(&e, 1370, 1, 0, 1, F_GREET);
    rec(&e, 1400, 0, 0, 1, F_PUTS);
    rec(&e, 1450, 1, 0, 1, F_PUTS);
    rec(&e, 1500, 0, 1, 1, F_FACT);
    exp_u(&e, 3, 8);
    rec(&e, 1600, 0, 1, 2, F_FACT);
    exp_u(&e, 2, 8);
    rec(&e, 1800, 1, 0, 2, F_FACT);                    /* the missing exit, closed */
    rec(&e, 1800, 1, 1, 1, F_FACT);
    exp_u(&e, 6, 8);
    rec(&e, 1810, 0, 0, 1, F_SHOW + 0x10);
    rec(&e, 1820, 1, 0, 1, F_SHOW + 0x10);
    rec(&e, 1830, 0, 0, 1, F_OPT);
    rec(&e, 1840, 1, 0, 1, F_OPT);
    rec(&e, 1900, 1, 0, 0, F_MAIN);                    /* 0xdead's exit: left out */
    rec(&e, 2000, 0, 0, 0, F_MAIN);
    rec(&e, 2000, 1, 0, 0, F_MAIN);                    /* unfinished: closed at its last event */
    size_t len;
    char *dat = slurp("basic.data", "100.dat", &len);
    same_bytes(dat, len, &e, "100.dat: records and argument buffers");
    free(dat);
    free(e.buf);

    /* info: header and sections */
    char *info = slurp("basic.data", "info", &len);
    struct exp h = { 0 };
    exp_put(&h, "Ftrace!", 8);
    exp_u(&h, 4, 4), exp_u(&h, 40, 2), exp_u(&h, 1, 1), exp_u(&h, 2, 1);
    exp_u(&h, 0x7a, 8);  /* TASK_SESSION | ARGUMENT | RETVAL | SYM_REL_ADDR | MAX_STACK */
    exp_u(&h, 0x1c99, 8); /* EXE_NAME | CMDLINE | CPUINFO | TASKINFO | ARG_SPEC | RECORD_DATE | PATTERN_TYPE */
    exp_u(&h, 1024, 2), exp_u(&h, 0, 6);
    ok(info && len > 40, "info written");
    same_bytes(info, 40, &h, "info: header (magic, version 4, little-endian, 64-bit, features, sections)");
    free(h.buf);
    is_str(info ? info + 40 : NULL,
           "exename:/usr/bin/prog\n"
           "cmdline:/usr/bin/prog\n"
           "cpuinfo:lines=2\n"
           "cpuinfo:nr_cpus=1 / 1 (online/possible)\n"
           "cpuinfo:desc=x86_64 (qtrace guest)\n"
           "taskinfo:lines=2\n"
           "taskinfo:nr_tid=1\n"
           "taskinfo:tids=100\n"
           "argspec:lines=2\n"
           "argspec:add@arg1/i32,arg2/i32;greet@arg1/s,arg2/c;fact@arg1/i64;\n"
           "retspec:add@retval/i32;fact@retval/i64;\n"
           "record_date:Tue Nov 14 22:13:20 2023\n"
           "elapsed_time:0.000002000 sec\n"
           "pattern_type:glob\n",
           "info: sections");
    free(info);

    char *task = slurp("basic.data", "task.txt", NULL);
    is_str(task,
           "SESS timestamp=1700000000.000000000 pid=100 sid=66e3ee9f554f0000 exename=\"/usr/bin/prog\"\n"
           "TASK timestamp=1700000000.000001000 tid=100 pid=100\n",
           "task.txt: the session and its task");
    free(task);
    char *map = slurp("basic.data", "sid-66e3ee9f554f0000.map", NULL);
    is_str(map,
           "1000-2000 r-xp 00000000 00:00 0 qtrace-unknown\n"
           "555555554000-555555556000 r-xp 00000000 00:00 0 /usr/bin/prog\n"
           "7f0000000000-7f0000003000 r-xp 00000000 00:00 0 /lib/libc.so.6\n"
           "7f1000000000-7f1000004000 r-xp 00000000 00:00 0 /opt/lib/libc.so.6#2\n"
           "ffffffffffff-ffffffffffff rw-p 00000000 00:00 0 [stack]\n",
           "sid map: modules from their load bias, unique basenames");
    free(map);
    char *sym = slurp("basic.data", "prog.sym", NULL);
    is_str(sym,
           "# symbols: 6\n"
           "# path name: /usr/bin/prog\n"
           "0000000000001100 T main\n"
           "0000000000001200 T add\n"
           "0000000000001300 T greet\n"
           "0000000000001400 T fact\n"
           "0000000000001500 T show\n"
           "0000000000001510 T show+0x10\n"
           "0000000000001511 ? __sym_end\n",
           "prog.sym: relative to the module, a function entered inside another one named as qtrace names it");
    free(sym);
    sym = slurp("basic.data", "libc.so.6.sym", NULL);
    is_str(sym, "# symbols: 1\n# path name: /lib/libc.so.6\n0000000000002000 T puts\n0000000000002100 ? __sym_end\n",
           "libc.so.6.sym");
    free(sym);
    sym = slurp("basic.data", "libc.so.6#2.sym", NULL);
    is_str(sym,
           "# symbols: 1\n# path name: /opt/lib/libc.so.6#2\n0000000000003000 T optfn\n0000000000003010 ? __sym_end\n",
           "libc.so.6#2.sym: the second libc.so.6");
    free(sym);
    sym = slurp("basic.data", "qtrace-unknown.sym", NULL);
    is_str(sym, "# symbols: 1\n# path name: qtrace-unknown\n0000000000000000 T low\n0000000000000010 ? __sym_end\n",
           "a symbol outside every module");
    free(sym);

    if (have_uftrace) {
        char *out = replay("basic.data", "");
        is_str(out,
               "# DURATION     TID     FUNCTION\n"
               "            [   100] | main() {\n"
               "   0.100 us [   100] |   add(2, 3) = 5;\n"
               "   0.050 us [   100] |   greet(\"hi\\n\", 'x');\n"
               "   0.010 us [   100] |   greet(NULL, 'y');\n"
               "   0.050 us [   100] |   puts();\n"
               "            [   100] |   fact(3) {\n"
               "   0.200 us [   100] |     fact(2);\n"
               "   0.300 us [   100] |   } = 6; /* fact */\n"
               "   0.010 us [   100] |   show+0x10();\n"
               "   0.010 us [   100] |   optfn();\n"
               "   0.900 us [   100] | } /* main */\n"
               "            [   100] | main();\n",
               "uftrace replay: names, nesting, arguments, return values, durations");
        free(out);
    } else {
        ok(1, "# SKIP uftrace not installed");
        ok(1, "# SKIP uftrace not installed");
    }
    qtr_close(&r);
    free(b->buf);
}

/* Two threads with one id in two address spaces (system mode), compact records, no module at
 * all, a call deeper than uftrace can hold. */
static void test_threads(void)
{
    struct qb qb, *b = &qb;
    struct qtr r;
    char err[512];
    qb_init(b, QT_MODE_SYSTEM, START_NS);
    qb_chunk(b, VCPU_NONE);
    qb_sym_id(b, 0x401000, 0x10, "work", QB_NOPARAMS, 1);
    qb_sym_id(b, 0x402000, 0x10, "leaf", QB_NOPARAMS, 2);
    qb_chunk(b, 0);
    qb_base(b, 0, 7, 0x1000, 500, 50);
    qb_fast(b, QT_PACKED_ENTRY, 1, 0, 0);
    qb_fast(b, QT_PACKED_ENTRY, 2, 1, 10);
    qb_fast(b, QT_PACKED_EXIT, 2, 1, 20);
    /* too deep for uftrace: left out (and for a packed word: full records, icount = ts / 10) */
    CALL(QT_REC_ENTRY, 7, 0x1000, 1024, 0, 800, 0x402000, 0, NULL);
    CALL(QT_REC_EXIT, 7, 0x1000, 1024, 0, 900, 0x402000, 0, NULL);
    qb_fast(b, QT_PACKED_EXIT, 1, 0, 50);
    qb_base(b, 0, 7, 0x2000, 1000, 200);
    qb_fast(b, QT_PACKED_ENTRY, 2, 0, 0);
    qb_fast(b, QT_PACKED_EXIT, 2, 0, 10);
    qb_base(b, 0, 9, 0x2000, 1500, 300); /* a thread with no function: no task */
    qb_end(b, 2000, 0, 0);
    qb_close_chunk(b);
    ok(open_built(&r, b, "threads.qtr") == 0, "threads trace opens");
    ok(write_uftrace(&r, "threads.data", err, sizeof(err)) == 0, "uftrace.data written (%s)", err);
    char *task = slurp("threads.data", "task.txt", NULL);
    is_str(task,
           "SESS timestamp=1700000000.000000000 pid=7 sid=66e3ee9f554f0000 exename=\"qtrace-guest\"\n"
           "TASK timestamp=1700000000.000000500 tid=7 pid=7\n"
           "TASK timestamp=1700000000.000001000 tid=1073741824 pid=7\n",
           "task.txt: the second thread 7 gets an id of its own");
    free(task);
    size_t len;
    char *dat = slurp("threads.data", "7.dat", &len);
    ok(dat && len == 4 * 16, "7.dat: 4 records (the call too deep is left out)");
    free(dat);
    dat = slurp("threads.data", "1073741824.dat", &len);
    ok(dat && len == 2 * 16, "1073741824.dat: 2 records");
    free(dat);
    char *sym = slurp("threads.data", "qtrace-guest.sym", NULL);
    is_str(sym,
           "# symbols: 2\n# path name: qtrace-guest\n0000000000000000 T work\n0000000000001000 T leaf\n"
           "0000000000001010 ? __sym_end\n",
           "no module: one for the whole program");
    free(sym);
    char *info = slurp("threads.data", "info", &len);
    ok(info && len > 40 && strstr(info + 40, "taskinfo:nr_tid=2\ntaskinfo:tids=7,1073741824\n") &&
           !strstr(info + 40, "argspec"),
       "info: two tasks, no argspec");
    free(info);
    if (have_uftrace) {
        char *out = replay("threads.data", "-f none");
        is_str(out, "work() {\n  leaf();\n} /* work */\nleaf();\n", "uftrace replay: both threads");
        free(out);
    } else {
        ok(1, "# SKIP uftrace not installed");
        ok(1, "# SKIP uftrace not installed");
    }
    qtr_close(&r);
    free(b->buf);
}

/* System mode: kernel functions (their own depth count, addresses at the top) nest under the
 * user frame open in their thread and are moved to a window of the user range, named. */
static void test_kernel(void)
{
    struct qb qb, *b = &qb;
    struct qtr r;
    char err[512];
    const uint64_t K = UINT64_C(0xffffffff81001000), KB = UINT64_C(0x200000000);
    qb_init(b, QT_MODE_SYSTEM, START_NS);
    qb_chunk(b, VCPU_NONE);
    qb_kmap(b, 0x1000000, 0x800000, "/boot/vmlinuz");
    qb_sym(b, 0x401000, 0x100, "main", QB_NOPARAMS);
    qb_ksym(b, K, 0x80, "kfn", QB_NOPARAMS);
    qb_ksym(b, K + 0x1000, 0x40, "kfn2", QB_NOPARAMS);
    qb_chunk(b, 0);
    CALL(QT_REC_ENTRY, 5, 0x3000, 0, 0, 100, 0x401000, 0, NULL);
    CALL(QT_REC_ENTRY, 5, 0x3000, 0, 0, 200, K, 1, (const struct targ[]){ I32(1, 7) });
    CALL(QT_REC_ENTRY, 5, 0x3000, 1, 0, 250, K + 0x1000, 0, NULL);
    CALL(QT_REC_EXIT, 5, 0x3000, 1, 0, 260, K + 0x1000, 0, NULL);
    CALL(QT_REC_EXIT, 5, 0x3000, 0, 0, 300, K, 1, (const struct targ[]){ I32(0, 0) });
    CALL(QT_REC_ENTRY, 5, 0x3000, 0, 0, 400, K, 1, (const struct targ[]){ I32(1, 8) });
    CALL(QT_REC_EXIT, 5, 0x3000, 0, 0, 500, 0x401000, 0, NULL); /* the kernel's exit is missing */
    CALL(QT_REC_ENTRY, 5, 0x3000, 0, 0, 600, K, 1, (const struct targ[]){ I32(1, 9) });
    CALL(QT_REC_EXIT, 5, 0x3000, 0, 0, 700, K, 1, (const struct targ[]){ I32(0, 1) });
    qb_close_chunk(b);
    ok(open_built(&r, b, "kernel.qtr") == 0, "kernel trace opens");
    ok(write_uftrace(&r, "kernel.data", err, sizeof(err)) == 0, "uftrace.data written (%s)", err);
    struct exp e = { 0 };
    rec(&e, 100, 0, 0, 0, 0x401000);
    rec(&e, 200, 0, 1, 1, KB);
    exp_u(&e, 7, 8);
    rec(&e, 250, 0, 0, 2, KB + 0x1000);
    rec(&e, 260, 1, 0, 2, KB + 0x1000);
    rec(&e, 300, 1, 1, 1, KB);
    exp_u(&e, 0, 8);
    rec(&e, 400, 0, 1, 1, KB);
    exp_u(&e, 8, 8);
    rec(&e, 500, 1, 0, 1, KB);
    rec(&e, 500, 1, 0, 0, 0x401000);
    rec(&e, 600, 0, 1, 0, KB);
    exp_u(&e, 9, 8);
    rec(&e, 700, 1, 1, 0, KB);
    exp_u(&e, 1, 8);
    size_t len;
    char *dat = slurp("kernel.data", "5.dat", &len);
    same_bytes(dat, len, &e, "5.dat: kernel calls one level below the user frame open, at their moved address");
    free(dat);
    free(e.buf);
    char *map = slurp("kernel.data", "sid-66e3ee9f554f0000.map", NULL);
    is_str(map,
           "401000-402000 r-xp 00000000 00:00 0 qtrace-guest\n"
           "200000000-200002000 r-xp 00000000 00:00 0 /boot/vmlinuz\n"
           "ffffffffffff-ffffffffffff rw-p 00000000 00:00 0 [stack]\n",
           "map: the kernel 4 GB above the user functions");
    free(map);
    char *sym = slurp("kernel.data", "vmlinuz.sym", NULL);
    is_str(sym, "# symbols: 2\n# path name: /boot/vmlinuz\n0000000000000000 T kfn\n0000000000001000 T kfn2\n"
                "0000000000001040 ? __sym_end\n",
           "vmlinuz.sym: the kernel functions");
    free(sym);
    if (have_uftrace) {
        char *out = replay("kernel.data", "");
        is_str(out,
               "# DURATION     TID     FUNCTION\n"
               "            [     5] | main() {\n"
               "            [     5] |   kfn(7) {\n"
               "   0.010 us [     5] |     kfn2();\n"
               "   0.100 us [     5] |   } = 0; /* kfn */\n"
               "   0.100 us [     5] |   kfn(8);\n"
               "   0.400 us [     5] | } /* main */\n"
               "   0.100 us [     5] | kfn(9) = 1;\n",
               "uftrace replay: kernel functions named, nested in the user function, with values");
        free(out);
    } else {
        ok(1, "# SKIP uftrace not installed");
        ok(1, "# SKIP uftrace not installed");
    }
    qtr_close(&r);
    free(b->buf);
}

/* The directory: replaced when it is one of ours (or empty), refused otherwise; not on a
 * stream; the name run and system give it. */
static void test_directory(void)
{
    struct qb qb, *b = &qb;
    struct qtr r;
    char err[512] = "";
    build_basic(b);
    ok(open_built(&r, b, "dir.qtr") == 0, "trace opens");
    const struct qtc_writer *w = qtc_writer_find("uftrace");
    ok(w && w->is_dir && strcmp(w->ext, "uftrace.data") == 0, "uftrace is a directory format");
    char *name = qtc_writer_output_name(w);
    is_str(name, "uftrace.data", "run/system write DIR/uftrace.data");
    free(name);
    name = qtc_writer_output_name(qtc_writer_find("text"));
    is_str(name, "trace.txt", "and DIR/trace.txt for text");
    free(name);
    ok(qtc_write_trace(&r, w, stdout, err, sizeof(err)) < 0 && strstr(err, "give its name with -o DIR"),
       "not on a stream: %s", err);

    ok(write_uftrace(&r, "dir.data", err, sizeof(err)) == 0, "first write");
    char *stale = path_of("dir.data", "999.dat");
    FILE *f = fopen(stale, "w");
    if (f)
        fclose(f);
    ok(write_uftrace(&r, "dir.data", err, sizeof(err)) == 0, "second write replaces it (%s)", err);
    ok(access(stale, F_OK) != 0, "nothing of the old directory is left");
    free(stale);

    char *other = path_of("other", NULL);
    mkdir(other, 0777);
    char *file = path_of("other", "notes.txt");
    f = fopen(file, "w");
    if (f)
        fclose(f);
    ok(write_uftrace(&r, "other", err, sizeof(err)) < 0 && strstr(err, "is not a uftrace.data directory"),
       "a directory of something else is not replaced: %s", err);
    ok(access(file, F_OK) == 0, "and is left alone");
    free(file);
    free(other);
    char *empty = path_of("empty", NULL);
    mkdir(empty, 0777);
    ok(write_uftrace(&r, "empty", err, sizeof(err)) == 0, "an empty directory is filled");
    free(empty);
    file = path_of("afile", NULL);
    f = fopen(file, "w");
    if (f)
        fclose(f);
    free(file);
    ok(write_uftrace(&r, "afile", err, sizeof(err)) < 0 && strstr(err, "is not a directory"),
       "a file is not replaced: %s", err);
    ok(write_uftrace(&r, "missing/sub", err, sizeof(err)) < 0 && strstr(err, "cannot create"),
       "a missing parent: %s", err);
    char *left = path_of("missing", NULL);
    ok(access(left, F_OK) != 0, "no temporary directory left behind");
    free(left);
    qtr_close(&r);
    free(b->buf);
}

int main(void)
{
    setenv("TZ", "UTC", 1);
    tzset();
    if (tmpdir_make("uftrace") < 0)
        return 1;
    have_uftrace = system("uftrace --version >/dev/null 2>&1") == 0;
    test_basic();
    test_threads();
    test_kernel();
    test_directory();
    tmpdir_remove();
    return done_testing();
}
