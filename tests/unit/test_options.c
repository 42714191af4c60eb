/* Plugin options: every key, repeats, bad values, conf files, wants/spec_for, limits. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include "arch.h"
#include "options.h"
#include "tap.h"

static char tmpdir[256];
static char err[1024];

static int set(struct qt_opts *o, const char *kv)
{
    return qt_opts_set(o, kv, "plugin args", err, sizeof(err));
}

#define SET_OK(o, kv) do { \
        int r_ = set(o, kv); \
        if (!ok(r_ == 0, "set %s", kv)) printf("#   %d %s\n", r_, err); \
    } while (0)

/* Expect -EINVAL and exactly this message. */
static void set_err(struct qt_opts *o, const char *kv, const char *msg)
{
    int r = set(o, kv);
    if (!ok(r == -EINVAL && strcmp(err, msg) == 0, "set '%s' fails: %s", kv, msg))
        printf("#   got %d \"%s\"\n", r, err);
}

/* Expect -EINVAL and a message starting with prefix. */
static void set_err_prefix(struct qt_opts *o, const char *kv, const char *prefix)
{
    int r = set(o, kv);
    if (!ok(r == -EINVAL && strncmp(err, prefix, strlen(prefix)) == 0 && !strchr(err, '\n'), "set '%s' fails: %s...",
            kv, prefix))
        printf("#   got %d \"%s\"\n", r, err);
}

static const char *write_conf(const char *name, const char *text)
{
    static char path[4][512];
    static int k;
    char *p = path[k++ % 4];
    snprintf(p, 512, "%s/%s", tmpdir, name);
    FILE *f = fopen(p, "wb");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
    return p;
}

static const struct qt_argslot *slot(const struct qt_argspec *s, int pos)
{
    for (int i = 0; s && i < s->nslots; i++)
        if (s->slots[i].pos == pos)
            return &s->slots[i];
    return NULL;
}

static void test_defaults(void)
{
    struct qt_opts o;
    qt_opts_init(&o);
    is_str(o.out, "qtrace.qtr", "default out");
    ok(o.program == NULL && o.bias == 0, "no program, bias 0");
    is_int(o.depth, -1, "default depth unlimited");
    ok(o.icount, "icount on by default");
    ok(o.libs, "libs on by default");
    ok(!o.syscalls && !o.execlog && !o.rdisas && !o.memvalues && !o.execlog_flow,
       "syscalls, execlog, rdisas, memvalues, execlog_flow off");
    is_str(o.execlog_format, "text", "default execlog_format");
    ok(o.execlog_out == NULL, "no execlog_out");
    ok(!o.nfunc && !o.nnotrace && !o.naddr && !o.nspecs && !o.nifilter && !o.nafilter && !o.nreg, "empty lists");
    ok(!qt_opts_wants(&o, "main"), "nothing wanted without patterns");
    ok(qt_opts_spec_for(&o, "main") == NULL, "no spec without specs");
    qt_opts_free(&o);
    qt_opts_free(&o);
    is_str(o.out, "qtrace.qtr", "free leaves defaults (and is idempotent)");
}

static void test_keys(void)
{
    struct qt_opts o;
    qt_opts_init(&o);
    SET_OK(&o, "out=/tmp/t.qtr");
    is_str(o.out, "/tmp/t.qtr", "out");
    SET_OK(&o, "out=second.qtr");
    is_str(o.out, "second.qtr", "repeated out: last wins");
    SET_OK(&o, "program=/bin/true");
    SET_OK(&o, "program=/guest/demo");
    is_str(o.program, "/guest/demo", "program, repeated");
    SET_OK(&o, "bias=0x555555554000");
    is_u64(o.bias, 0x555555554000ull, "bias with 0x");
    SET_OK(&o, "bias=7f0000");
    is_u64(o.bias, 0x7f0000, "bias without 0x");
    SET_OK(&o, "bias=0XFFFFFFFFFFFFFFFF");
    is_u64(o.bias, UINT64_MAX, "bias max, 0X, upper case");
    SET_OK(&o, "func=main");
    SET_OK(&o, "func=sys_*");
    ok(o.nfunc == 2 && !strcmp(o.func[0], "main") && !strcmp(o.func[1], "sys_*"), "func repeated: both kept in order");
    SET_OK(&o, "notrace=sys_exit*");
    ok(o.nnotrace == 1 && !strcmp(o.notrace[0], "sys_exit*"), "notrace");
    SET_OK(&o, "addr=0x401000");
    SET_OK(&o, "addr=402000");
    ok(o.naddr == 2 && o.addr[0] == 0x401000 && o.addr[1] == 0x402000, "addr repeated");
    SET_OK(&o, "depth=5");
    is_int(o.depth, 5, "depth");
    SET_OK(&o, "depth=0");
    is_int(o.depth, 0, "depth 0");
    SET_OK(&o, "depth=-1");
    is_int(o.depth, -1, "depth -1 is unlimited");
    SET_OK(&o, "depth=2147483647");
    is_int(o.depth, 2147483647, "depth INT_MAX");
    SET_OK(&o, "icount=off");
    ok(!o.icount, "icount=off");
    SET_OK(&o, "icount=on");
    ok(o.icount, "icount=on");
    SET_OK(&o, "syscalls=on");
    ok(o.syscalls, "syscalls=on");
    SET_OK(&o, "libs=off");
    ok(!o.libs, "libs=off");
    SET_OK(&o, "libs=true");
    ok(o.libs, "libs=true");
    SET_OK(&o, "execlog=yes");
    ok(o.execlog, "execlog=yes");
    SET_OK(&o, "execlog_out=/tmp/x.log");
    is_str(o.execlog_out, "/tmp/x.log", "execlog_out");
    SET_OK(&o, "execlog_format=bin");
    is_str(o.execlog_format, "bin", "execlog_format=bin");
    SET_OK(&o, "execlog_format=text");
    is_str(o.execlog_format, "text", "execlog_format=text");
    SET_OK(&o, "ifilter=mov");
    SET_OK(&o, "ifilter=call");
    ok(o.nifilter == 2 && !strcmp(o.ifilter[1], "call"), "ifilter repeated");
    SET_OK(&o, "afilter=0x401000");
    ok(o.nafilter == 1 && !strcmp(o.afilter[0], "0x401000"), "afilter");
    SET_OK(&o, "reg=rax");
    SET_OK(&o, "reg=rsp");
    ok(o.nreg == 2 && !strcmp(o.reg[0], "rax"), "reg repeated");
    SET_OK(&o, "rdisas=1");
    ok(o.rdisas, "rdisas=1");
    SET_OK(&o, "memvalues=on");
    ok(o.memvalues, "memvalues=on");
    SET_OK(&o, "memvalues=0");
    ok(!o.memvalues, "memvalues=0");
    SET_OK(&o, "execlog_flow=on");
    ok(o.execlog_flow, "execlog_flow=on");
    SET_OK(&o, "func=a=b");
    is_str(o.func[2], "a=b", "value may contain '='");

    /* arg= and ret=: merged per pattern */
    SET_OK(&o, "arg=greet@arg1/s,arg2/i32");
    SET_OK(&o, "ret=greet@retval/i");
    SET_OK(&o, "arg=greet@arg2/x");
    SET_OK(&o, "arg=add@arg1");
    is_int(o.nspecs, 2, "two patterns, two specs");
    const struct qt_argspec *g = qt_opts_spec_for(&o, "greet");
    ok(g && g->nslots == 3, "greet: retval, arg1, arg2 merged into one spec");
    ok(slot(g, 0) && slot(g, 0)->type == QT_T_INT, "greet: retval from ret=");
    ok(slot(g, 1) && slot(g, 1)->type == QT_T_STR, "greet: arg1 string");
    ok(slot(g, 2) && slot(g, 2)->type == QT_T_HEX, "greet: later arg2/x replaces arg2/i32");
    qt_opts_free(&o);
    ok(o.nfunc == 0 && o.program == NULL && o.nspecs == 0 && !strcmp(o.out, "qtrace.qtr"), "free resets");
}

static void test_errors(void)
{
    struct qt_opts o;
    qt_opts_init(&o);
    set_err(&o, "depth=x", "plugin args: depth: expected a number, got 'x'");
    set_err(&o, "depth=", "plugin args: depth: expected a number, got ''");
    set_err(&o, "depth=-2", "plugin args: depth: expected a number, got '-2'");
    set_err(&o, "depth=3x", "plugin args: depth: expected a number, got '3x'");
    set_err(&o, "depth= 3", "plugin args: depth: expected a number, got ' 3'");
    set_err(&o, "depth=99999999999", "plugin args: depth: expected a number, got '99999999999'");
    is_int(o.depth, -1, "bad depth left depth alone");
    set_err(&o, "bias=xyz", "plugin args: bias: expected a hex number, got 'xyz'");
    set_err(&o, "bias=0x", "plugin args: bias: expected a hex number, got '0x'");
    set_err(&o, "bias=-1", "plugin args: bias: expected a hex number, got '-1'");
    set_err(&o, "bias=1 2", "plugin args: bias: expected a hex number, got '1 2'");
    set_err(&o, "bias=10000000000000000", "plugin args: bias: expected a hex number, got '10000000000000000'");
    set_err(&o, "addr=main", "plugin args: addr: expected a hex address, got 'main'");
    is_int(o.naddr, 0, "bad addr not added");
    set_err(&o, "icount=maybe", "plugin args: icount: expected on or off, got 'maybe'");
    set_err(&o, "syscalls=", "plugin args: syscalls: expected on or off, got ''");
    set_err(&o, "execlog_format=json", "plugin args: execlog_format: expected text or bin, got 'json'");
    set_err(&o, "out=", "plugin args: out: expected a path, got ''");
    set_err(&o, "func=", "plugin args: func: expected a pattern, got ''");
    set_err(&o, "foo", "plugin args: expected key=value, got 'foo'");
    set_err(&o, "=x", "plugin args: expected key=value, got '=x'");
    set_err(&o, "", "plugin args: expected key=value, got ''");
    set_err_prefix(&o, "fnuc=main", "plugin args: unknown option 'fnuc' (known: out program sysroot bias func filter notrace addr range arg ret "
                                    "depth icount syscalls libs execlog execlog_out execlog_format ifilter afilter reg "
                                    "rdisas memvalues execlog_flow execlog_start execlog_stop kernel kernel_symbols layout kernel_introspection "
                                    "kernel_async kernel_all comm pid follow program_as disk_trace files_written processes vmmap linkmap guest_clock start_ns conf)");
    set_err_prefix(&o, "Func=main", "plugin args: unknown option 'Func'");
    set_err_prefix(&o, "arg=greet,x", "plugin args: arg: bad argument spec 'greet,x'");
    set_err_prefix(&o, "arg=greet@arg1/q", "plugin args: arg: bad argument spec 'greet@arg1/q': unknown type 'q'");
    set_err_prefix(&o, "ret=add@retval/zz", "plugin args: ret: bad argument spec");
    is_int(o.nspecs, 0, "bad specs not added");
    int r = qt_opts_set(&o, "depth=x", "cli", NULL, 0);
    ok(r == -EINVAL, "no message buffer is fine");
    r = qt_opts_set(&o, "depth=x", NULL, err, sizeof(err));
    ok(r == -EINVAL && strstr(err, "depth: expected a number"), "NULL where is fine");
    char small[16];
    r = qt_opts_set(&o, "fnuc=1", "plugin args", small, sizeof(small));
    ok(r == -EINVAL && strlen(small) == sizeof(small) - 1, "message truncated to the buffer");
    qt_opts_free(&o);
}

static void test_conf(void)
{
    struct qt_opts o;
    qt_opts_init(&o);
    const char *p = write_conf("good.conf",
                               "# qtrace options\n"
                               "\n"
                               "out=conf.qtr\r\n"
                               "   func=main\n"
                               "func = greet  \n"
                               "\t# indented comment\n"
                               "arg=greet@arg1/s,arg2/i32\r\n"
                               "depth=3\r\n"
                               "   \r\n"
                               "icount=off");
    int r = qt_opts_load_file(&o, p, err, sizeof(err));
    if (!ok(r == 0, "conf with comments, blank lines, CRLF, spaces, no final newline"))
        printf("#   %d %s\n", r, err);
    is_str(o.out, "conf.qtr", "conf: out (CRLF stripped)");
    ok(o.nfunc == 2 && !strcmp(o.func[0], "main") && !strcmp(o.func[1], "greet"), "conf: func, spaces trimmed");
    ok(o.nspecs == 1 && !strcmp(o.specs[0].pattern, "greet") && o.specs[0].nslots == 2, "conf: spec with commas");
    is_int(o.depth, 3, "conf: depth");
    ok(!o.icount, "conf: last line without newline");
    qt_opts_free(&o);

    qt_opts_init(&o);
    p = write_conf("qtrace.conf", "# 1\nout=a\n\n# 4\nfunc=x\ndepth=2\nfnuc=main\nfunc=y\n");
    r = qt_opts_load_file(&o, p, err, sizeof(err));
    char want[1024];
    snprintf(want, sizeof(want), "%s:7: unknown option 'fnuc' (known: out program sysroot bias func ", p);
    ok(r == -EINVAL && strncmp(err, want, strlen(want)) == 0, "conf: unknown option names file and line 7");
    if (r != -EINVAL || strncmp(err, want, strlen(want)) != 0)
        printf("#   got %d \"%s\"\n", r, err);
    is_int(o.nfunc, 1, "conf: lines before the error applied, after it not");
    qt_opts_free(&o);

    qt_opts_init(&o);
    p = write_conf("noeq.conf", "out=a\n# c\nfoo\n");
    r = qt_opts_load_file(&o, p, err, sizeof(err));
    snprintf(want, sizeof(want), "%s:3: expected key=value, got 'foo'", p);
    ok(r == -EINVAL && !strcmp(err, want), "conf: line without '=' (line 3)");
    if (strcmp(err, want))
        printf("#   got \"%s\"\n", err);
    qt_opts_free(&o);

    qt_opts_init(&o);
    p = write_conf("baddepth.conf", "depth=x\n");
    r = qt_opts_load_file(&o, p, err, sizeof(err));
    snprintf(want, sizeof(want), "%s:1: depth: expected a number, got 'x'", p);
    ok(r == -EINVAL && !strcmp(err, want), "conf: bad number names file:line");
    qt_opts_free(&o);

    /* missing file */
    qt_opts_init(&o);
    char missing[300];
    snprintf(missing, sizeof(missing), "%s/missing.conf", tmpdir);
    r = qt_opts_load_file(&o, missing, err, sizeof(err));
    snprintf(want, sizeof(want), "%s: No such file or directory", missing);
    ok(r == -ENOENT && !strcmp(err, want), "conf: missing file is -ENOENT, file named");
    char kv[700];
    snprintf(kv, sizeof(kv), "conf=%s", missing);
    r = set(&o, kv);
    snprintf(want, sizeof(want), "plugin args: conf: %s: No such file or directory", missing);
    ok(r == -ENOENT && !strcmp(err, want), "conf= with a missing file");
    if (strcmp(err, want))
        printf("#   got \"%s\"\n", err);
    r = qt_opts_load_file(&o, tmpdir, err, sizeof(err));
    ok(r < 0 && strncmp(err, tmpdir, strlen(tmpdir)) == 0, "conf: a directory fails (%d)", r);
    set_err(&o, "conf=", "plugin args: conf: expected a path, got ''");
    qt_opts_free(&o);

    /* conf= from plugin args and from a conf file, nesting limit, self-inclusion */
    qt_opts_init(&o);
    const char *inner = write_conf("inner.conf", "func=inner\n");
    char outer_text[700];
    snprintf(outer_text, sizeof(outer_text), "func=outer\nconf=%s\nfunc=after\n", inner);
    const char *outer = write_conf("outer.conf", outer_text);
    snprintf(kv, sizeof(kv), "conf=%s", outer);
    SET_OK(&o, kv);
    ok(o.nfunc == 3 && !strcmp(o.func[0], "outer") && !strcmp(o.func[1], "inner") && !strcmp(o.func[2], "after"),
       "conf= includes, in order");
    qt_opts_free(&o);

    char lvl[6][600], text[700];
    for (int i = 5; i >= 1; i--) { /* l1 -> l2 -> ... -> l5 */
        char name[32];
        snprintf(name, sizeof(name), "l%d.conf", i);
        if (i == 5)
            snprintf(text, sizeof(text), "func=deep\n");
        else
            snprintf(text, sizeof(text), "conf=%s\n", lvl[i + 1]);
        snprintf(lvl[i], sizeof(lvl[i]), "%s", write_conf(name, text));
    }
    qt_opts_init(&o);
    r = qt_opts_load_file(&o, lvl[2], err, sizeof(err));
    ok(r == 0 && o.nfunc == 1, "4 files deep is fine");
    qt_opts_free(&o);
    qt_opts_init(&o);
    r = qt_opts_load_file(&o, lvl[1], err, sizeof(err));
    ok(r == -EINVAL && strstr(err, "nested deeper than 4") && strstr(err, "l4.conf:1"), "5 files deep is refused");
    if (r != -EINVAL)
        printf("#   got %d \"%s\"\n", r, err);
    qt_opts_free(&o);
    qt_opts_init(&o);
    snprintf(kv, sizeof(kv), "conf=%s", lvl[2]);
    SET_OK(&o, kv);
    snprintf(kv, sizeof(kv), "conf=%s", lvl[1]);
    set_err_prefix(&o, kv, lvl[4]);
    qt_opts_free(&o);

    char self_path[600];
    snprintf(self_path, sizeof(self_path), "%s/self.conf", tmpdir);
    snprintf(text, sizeof(text), "func=x\nconf=%s\n", self_path);
    write_conf("self.conf", text);
    qt_opts_init(&o);
    r = qt_opts_load_file(&o, self_path, err, sizeof(err));
    ok(r == -EINVAL && strstr(err, "nested deeper"), "a conf including itself stops");
    ok(o.nfunc == 4, "... after 4 levels");
    qt_opts_free(&o);

    /* hostile files */
    qt_opts_init(&o);
    char *big = malloc(70000 + 16);
    memcpy(big, "func=", 5);
    memset(big + 5, 'a', 70000);
    strcpy(big + 70005, "\n");
    p = write_conf("long.conf", big);
    free(big);
    r = qt_opts_load_file(&o, p, err, sizeof(err));
    ok(r == -EINVAL && strstr(err, "line too long"), "a 70000-byte line is refused");
    qt_opts_free(&o);
    qt_opts_init(&o);
    snprintf(want, sizeof(want), "%s/nul.conf", tmpdir);
    FILE *f = fopen(want, "wb");
    fwrite("out=a\0b\n", 1, 8, f);
    fclose(f);
    r = qt_opts_load_file(&o, want, err, sizeof(err));
    ok(r == -EINVAL && strstr(err, "NUL"), "a NUL byte is refused");
    qt_opts_free(&o);
}

static void test_select(void)
{
    struct qt_opts o;
    qt_opts_init(&o);
    SET_OK(&o, "func=main");
    SET_OK(&o, "func=sys_*");
    SET_OK(&o, "func=lib:libc.so.6");
    SET_OK(&o, "notrace=sys_exit*");
    SET_OK(&o, "arg=g*@arg1/x");
    SET_OK(&o, "arg=greet@arg1/s");
    SET_OK(&o, "ret=calc_?@retval/i64");
    ok(qt_opts_wants(&o, "main"), "wants: exact func");
    ok(qt_opts_wants(&o, "sys_read"), "wants: func glob");
    ok(qt_opts_wants(&o, "sys_exit_group"), "wants: notrace selects nothing away (it hides calls at run time)");
    ok(qt_opts_match(o.notrace, o.nnotrace, "sys_exit_group") && !qt_opts_match(o.notrace, o.nnotrace, "sys_read"),
       "match: notrace patterns");
    ok(qt_opts_wants(&o, "greet"), "wants: spec pattern");
    ok(qt_opts_wants(&o, "gadget"), "wants: spec glob");
    ok(qt_opts_wants(&o, "calc_a"), "wants: ret spec glob");
    ok(!qt_opts_wants(&o, "calc_ab"), "wants: ? is one character");
    ok(!qt_opts_wants(&o, "printf"), "wants: other names are not traced");
    ok(!qt_opts_wants(&o, "lib:libc.so.6"), "wants: lib: patterns select libraries, not functions");
    ok(!qt_opts_wants(&o, NULL), "wants: NULL");
    const struct qt_argspec *s = qt_opts_spec_for(&o, "greet");
    ok(s && !strcmp(s->pattern, "greet"), "spec_for: exact name beats an earlier glob");
    s = qt_opts_spec_for(&o, "gx");
    ok(s && !strcmp(s->pattern, "g*"), "spec_for: glob");
    s = qt_opts_spec_for(&o, "calc_z");
    ok(s && !strcmp(s->pattern, "calc_?") && s->nslots == 1 && s->slots[0].pos == 0, "spec_for: ret spec");
    ok(qt_opts_spec_for(&o, "main") == NULL, "spec_for: a traced function without a spec");
    SET_OK(&o, "notrace=greet");
    ok(qt_opts_wants(&o, "greet"), "wants: a spec still selects a notrace function");
    SET_OK(&o, "filter=parse_*");
    SET_OK(&o, "filter=kernel:vfs_read");
    SET_OK(&o, "filter=lib:libm.so*");
    ok(qt_opts_wants(&o, "parse_line"), "wants: filter patterns select their functions");
    ok(qt_opts_match(o.filter, o.nfilter, "vfs_read"), "match: kernel:GLOB matches as GLOB");
    ok(!qt_opts_match(o.filter, o.nfilter, "libm.so.6"), "match: lib: patterns match no function name");
    ok(!qt_opts_match(o.filter, o.nfilter, "parse"), "match: other names");
    qt_opts_free(&o);

    qt_opts_init(&o);
    SET_OK(&o, "arg=a*@arg1");
    SET_OK(&o, "arg=ab*@arg2");
    s = qt_opts_spec_for(&o, "abc");
    ok(s && !strcmp(s->pattern, "a*"), "spec_for: first matching glob wins");
    ok(qt_opts_wants(&o, "abc"), "wants: specs alone select functions");
    qt_opts_free(&o);

    qt_opts_init(&o);
    SET_OK(&o, "notrace=*");
    ok(!qt_opts_wants(&o, "main"), "wants: only notrace: nothing selected by a pattern");
    SET_OK(&o, "func=*");
    ok(qt_opts_wants(&o, "main"), "wants: func=* with notrace=* (hidden at run time)");
    qt_opts_free(&o);
}

static void test_limits(void)
{
    struct qt_opts o;
    char kv[64];
    int r = 0;
    qt_opts_init(&o);
    for (int i = 0; i < QT_MAX_PATTERNS && r == 0; i++) {
        snprintf(kv, sizeof(kv), "func=f%d", i);
        r = set(&o, kv);
    }
    ok(r == 0 && o.nfunc == QT_MAX_PATTERNS, "%d func patterns fit", QT_MAX_PATTERNS);
    set_err(&o, "func=one_too_many", "plugin args: func: too many values (limit 64), got 'one_too_many'");
    is_int(o.nfunc, QT_MAX_PATTERNS, "func count unchanged");
    for (int i = 0; i < QT_MAX_PATTERNS && r == 0; i++) {
        snprintf(kv, sizeof(kv), "notrace=n%d", i);
        r = set(&o, kv);
    }
    set_err_prefix(&o, "notrace=x", "plugin args: notrace: too many values (limit 64)");
    for (int i = 0; i < QT_MAX_ADDRS && r == 0; i++) {
        snprintf(kv, sizeof(kv), "addr=%x", 0x1000 + i);
        r = set(&o, kv);
    }
    ok(r == 0 && o.naddr == QT_MAX_ADDRS, "%d addresses fit", QT_MAX_ADDRS);
    set_err_prefix(&o, "addr=0x1", "plugin args: addr: too many values (limit 64)");
    static const char *const lists[] = { "ifilter", "afilter", "reg" };
    for (int l = 0; l < 3; l++) {
        for (int i = 0; i < QT_MAX_FILTERS && r == 0; i++) {
            snprintf(kv, sizeof(kv), "%s=v%d", lists[l], i);
            r = set(&o, kv);
        }
        ok(r == 0, "%d %s values fit", QT_MAX_FILTERS, lists[l]);
        snprintf(kv, sizeof(kv), "%s=v", lists[l]);
        char want[128];
        snprintf(want, sizeof(want), "plugin args: %s: too many values (limit 32)", lists[l]);
        set_err_prefix(&o, kv, want);
    }
    ok(o.nifilter == QT_MAX_FILTERS && o.nafilter == QT_MAX_FILTERS && o.nreg == QT_MAX_FILTERS, "filter counts capped");
    for (int i = 0; i < QT_MAX_SPECS && r == 0; i++) {
        snprintf(kv, sizeof(kv), "arg=fn%d@arg1/s", i);
        r = set(&o, kv);
    }
    ok(r == 0 && o.nspecs == QT_MAX_SPECS, "%d spec patterns fit", QT_MAX_SPECS);
    set_err_prefix(&o, "arg=another@arg1", "plugin args: arg: too many function patterns in specs (limit 64)");
    SET_OK(&o, "ret=fn3@retval/u32");
    ok(o.nspecs == QT_MAX_SPECS && qt_opts_spec_for(&o, "fn3")->nslots == 2, "merging into a full table still works");
    /* a spec pattern longer than QT_PATTERN_MAX */
    char longspec[QT_PATTERN_MAX + 32];
    memset(longspec, 'x', sizeof(longspec));
    memcpy(longspec, "arg=", 4);
    strcpy(longspec + 4 + QT_PATTERN_MAX + 4, "@arg1");
    r = set(&o, longspec);
    ok(r == -EINVAL && strstr(err, "plugin args: arg: "), "an overlong spec pattern is refused");
    qt_opts_free(&o);
}

/* Guest kernel introspection keys (system mode). */
static void test_kernel_keys(void)
{
    struct qt_opts o;
    qt_opts_init(&o);
    ok(o.kernel == NULL && o.kernel_symbols == NULL && o.layout == NULL && o.comm == NULL, "kernel: no paths by default");
    ok(o.kernel_introspection && !o.kernel_all && !o.follow && o.pid == 0, "kernel: defaults (introspection on, no filter)");
    SET_OK(&o, "kernel=/boot/vmlinuz");
    SET_OK(&o, "kernel_symbols=System.map");
    SET_OK(&o, "layout=my.layout");
    SET_OK(&o, "comm=calls");
    SET_OK(&o, "pid=4194304");
    SET_OK(&o, "follow=on");
    SET_OK(&o, "kernel_all=on");
    SET_OK(&o, "kernel_introspection=off");
    SET_OK(&o, "kernel_async=on");
    ok(!strcmp(o.kernel, "/boot/vmlinuz") && !strcmp(o.kernel_symbols, "System.map") && !strcmp(o.layout, "my.layout"),
       "kernel: paths kept");
    ok(!strcmp(o.comm, "calls") && o.pid == 4194304 && o.follow && o.kernel_all && !o.kernel_introspection,
       "kernel: comm, pid, follow, kernel_all, kernel_introspection");
    ok(o.kernel_async, "kernel: kernel_async");
    ok(!o.program_as, "kernel: program_as off by default");
    SET_OK(&o, "program_as=on");
    ok(o.program_as, "kernel: program_as=on (the program's address spaces, i386 guests)");
    SET_OK(&o, "comm=sh*");
    ok(!strcmp(o.comm, "sh*"), "kernel: a repeated comm= replaces the first");
    SET_OK(&o, "pid=1");
    ok(o.pid == 1, "kernel: pid=1");
    set_err(&o, "pid=0", "plugin args: pid: expected a process id (1..4194304), got '0'");
    set_err(&o, "pid=4194305", "plugin args: pid: expected a process id (1..4194304), got '4194305'");
    set_err(&o, "pid=-3", "plugin args: pid: expected a process id (1..4194304), got '-3'");
    set_err(&o, "pid=12x", "plugin args: pid: expected a process id (1..4194304), got '12x'");
    set_err(&o, "pid=", "plugin args: pid: expected a process id (1..4194304), got ''");
    set_err(&o, "pid=007", "plugin args: pid: expected a process id (1..4194304), got '007'");
    ok(o.pid == 1, "kernel: a bad pid= leaves the value alone");
    set_err(&o, "comm=", "plugin args: comm: expected a process name, got ''");
    set_err(&o, "kernel=", "plugin args: kernel: expected a path, got ''");
    set_err(&o, "follow=maybe", "plugin args: follow: expected on or off, got 'maybe'");
    const char *conf = write_conf("kernel.conf", "kernel = /k/bzImage\ncomm = ktest\nfollow = on\npid = 42\n");
    struct qt_opts c;
    qt_opts_init(&c);
    int r = qt_opts_load_file(&c, conf, err, sizeof(err));
    ok(r == 0 && !strcmp(c.kernel, "/k/bzImage") && !strcmp(c.comm, "ktest") && c.follow && c.pid == 42,
       "kernel: keys from a conf file");
    qt_opts_free(&c);
    qt_opts_free(&o);
    ok(o.kernel == NULL && o.comm == NULL && o.kernel_introspection, "kernel: freed and reset");
}

/* ---- qt_opts_check: the rules on combinations ---- */

static char warned[512];
static int nwarned;
static void on_warn(const char *msg)
{
    snprintf(warned, sizeof(warned), "%s", msg);
    nwarned++;
}

/* Options from kv strings (NULL-terminated), checked in env; the message ("" if accepted). */
static const char *check_with(const struct qt_opts_env *env, const char *const *kvs)
{
    struct qt_opts o;
    qt_opts_init(&o);
    for (int i = 0; kvs[i]; i++)
        if (set(&o, kvs[i]) < 0)
            printf("#   bad test option %s: %s\n", kvs[i], err);
    nwarned = 0;
    warned[0] = 0;
    static char msg[1024];
    int r = qt_opts_check(&o, env, msg, sizeof(msg));
    if (r == 0)
        msg[0] = 0;
    else if (r != -EINVAL)
        snprintf(msg, sizeof(msg), "unexpected return %d", r);
    qt_opts_free(&o);
    return msg;
}

#define KV(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void test_check(void)
{
    const struct qt_arch_desc *x64 = qt_arch_by_id(QT_ARCH_X86_64), *i386 = qt_arch_by_id(QT_ARCH_I386),
                              *a64 = qt_arch_by_id(QT_ARCH_AARCH64);
    struct qt_opts_env user = { .system = false, .arch = x64, .warn = on_warn };
    struct qt_opts_env sys = { .system = true, .arch = x64, .warn = on_warn };
    struct qt_opts_env sys32 = { .system = true, .arch = i386, .warn = on_warn };
    struct qt_opts_env sysa64 = { .system = true, .arch = a64, .warn = on_warn };
    struct qt_opts_env cli = { .system = true, .arch = x64, .cli = true, .warn = on_warn };
    struct qt_opts_env cli32 = { .system = true, .arch = i386, .cli = true, .warn = on_warn };
    struct qt_opts_env noarch = { .system = true, .arch = NULL, .warn = on_warn };

    /* user mode */
    is_str(check_with(&user, KV("func=main", "syscalls=on")), "", "user mode: ordinary options pass");
    is_str(check_with(&user, KV("kernel=/k")),
           "kernel= is for system mode (qtrace system): a user-mode run traces one process already", "user: kernel=");
    is_str(check_with(&user, KV("comm=sh")),
           "comm= is for system mode (qtrace system): a user-mode run traces one process already", "user: comm=");
    is_str(check_with(&user, KV("pid=3")),
           "pid= is for system mode (qtrace system): a user-mode run traces one process already", "user: pid=");
    is_str(check_with(&user, KV("follow=on")),
           "follow=on is for system mode (qtrace system): a user-mode run traces one process already", "user: follow=");
    user.cli = true;
    is_str(check_with(&user, KV("comm=sh")),
           "--comm is for system mode (qtrace system): a user-mode run traces one process already", "user, CLI: --comm");
    is_str(check_with(&user, KV("processes=on")),
           "--processes is for system mode (qtrace system, replay); in user mode qtrace ps shows the processes of a "
           "trace made with --syscalls", "user, CLI: --processes");
    is_str(check_with(&cli, KV("processes=on")), "--processes needs the guest's kernel (--kernel PATH)",
           "CLI: --processes without --kernel");
    is_str(check_with(&cli32, KV("kernel=/k", "processes=on")),
           "--processes needs the kernel's task structures, which qtrace reads in x86-64 kernels only (/k is an i386 "
           "kernel)", "CLI: --processes on an i386 kernel");
    is_str(check_with(&cli, KV("kernel=/k", "processes=on")), "", "CLI: --processes with the kernel");

    /* the disk views: system mode, the kernel read, task structures */
    const char *views = " needs qtrace system with the guest's kernel read (kernel=PATH, without "
                        "kernel_introspection=off) and an x86_64 guest: it reads the kernel's block requests and files";
    char want[512];
    snprintf(want, sizeof(want), "disk_trace=on%s", views);
    is_str(check_with(&(struct qt_opts_env){ .system = false, .arch = x64 }, KV("disk_trace=on")),
           "disk_trace=on needs qtrace system: it reads a guest kernel's block requests and files", "user: disk_trace=on");
    is_str(check_with(&sys, KV("disk_trace=on")), want, "disk_trace=on without kernel=");
    snprintf(want, sizeof(want), "files_written=%s", views);
    is_str(check_with(&sys32, KV("kernel=/k", "files_written=/d")), want, "files_written= on i386");
    is_str(check_with(&sys, KV("kernel=/k", "files_written=/d", "disk_trace=on")), "", "both views on x86_64: accepted");

    /* program_as */
    is_str(check_with(&sys, KV("kernel=/k", "program=/p", "program_as=on", "comm=sh")),
           "program_as=on and comm= both choose the processes to record: give one", "program_as with comm");
    is_str(check_with(&cli, KV("kernel=/k", "program=/p", "program_as=on", "pid=4")),
           "--program-as and --pid both choose the processes to record: give one", "CLI: --program-as with --pid");
    is_str(check_with(&sys, KV("program_as=on")),
           "program_as=on needs program=PATH (the program whose address spaces to record) on an x86_64 or i386 guest",
           "program_as needs program=");
    is_str(check_with(&sysa64, KV("program_as=on", "program=/p")),
           "program_as=on needs program=PATH (the program whose address spaces to record) on an x86_64 or i386 guest",
           "program_as on aarch64 (no kernel introspection)");
    is_str(check_with(&sys32, KV("program_as=on", "program=/p")), "", "program_as with program= on i386: accepted");
    is_str(check_with(&sys, KV("program_as=on", "program=/p", "kernel=/k")), "", "program_as on x86_64: accepted");

    /* without the kernel, or without introspection */
    is_str(check_with(&sys, KV("comm=sh")), "comm= needs the guest's kernel (kernel=PATH, given by qtrace system)",
           "comm= without kernel=");
    is_str(check_with(&sys, KV("pid=7")), "pid= needs the guest's kernel (kernel=PATH, given by qtrace system)",
           "pid= without kernel=");
    is_str(check_with(&sys, KV("kernel_symbols=/m")),
           "kernel_symbols= needs the guest's kernel (kernel=PATH, given by qtrace system)", "kernel_symbols= without kernel=");
    is_str(check_with(&sys, KV("follow=on")), "follow=on needs the guest's kernel (kernel=PATH, given by qtrace system)",
           "follow= without kernel=");
    is_str(check_with(&sys, KV("kernel=/k", "kernel_introspection=off", "pid=7")),
           "pid= needs the kernel introspection that kernel_introspection=off turns off", "pid= with introspection off");
    is_str(check_with(&cli, KV("kernel=/k", "kernel_introspection=off", "comm=sh")),
           "--comm needs the kernel introspection that --no-kernel-introspection turns off", "CLI: --comm, no introspection");
    is_str(check_with(&cli, KV("kernel=/k", "kernel_introspection=off", "follow=on")),
           "--follow needs the kernel introspection that --no-kernel-introspection turns off",
           "CLI: --follow, no introspection");
    is_str(check_with(&cli, KV("kernel=/k", "kernel_introspection=off", "layout=/l")),
           "--layout needs the kernel introspection that --no-kernel-introspection turns off",
           "CLI: --layout, no introspection");
    is_str(check_with(&cli, KV("kernel=/k", "kernel_introspection=off", "kernel_symbols=/m")),
           "--kernel-symbols needs the kernel introspection that --no-kernel-introspection turns off",
           "CLI: --kernel-symbols, no introspection");
    is_str(check_with(&cli, KV("kernel=/k", "kernel_introspection=off", "syscalls=on")),
           "--syscalls needs the kernel introspection that --no-kernel-introspection turns off",
           "CLI: --syscalls without introspection is refused");
    is_str(check_with(&sys, KV("syscalls=on")), "", "plugin: syscalls=on without kernel= is accepted...");
    is_str(warned, "syscalls=on records nothing in system mode without kernel=PATH", "... with a warning");
    is_str(check_with(&sys, KV("kernel=/k", "kernel_introspection=off", "syscalls=on")), "",
           "plugin: syscalls=on with introspection off is accepted...");
    is_str(warned, "syscalls=on records nothing in system mode without kernel introspection", "... with a warning");
    is_str(check_with(&sys, KV("func=main")), "", "system mode without kernel=: accepted");
    is_int(nwarned, 0, "... without a warning");

    /* with the kernel */
    is_str(check_with(&sys, KV("kernel=/k", "follow=on")),
           "follow=on needs comm=NAME or pid=N: the processes whose children to follow", "follow= alone");
    is_str(check_with(&cli, KV("kernel=/k", "follow=on")),
           "--follow needs --comm NAME or --pid N: the processes whose children to follow", "CLI: --follow alone");
    is_str(check_with(&sys, KV("kernel=/k", "follow=on", "comm=sh", "syscalls=on")), "", "x86_64: comm, follow, syscalls");
    is_int(nwarned, 0, "... without a warning");
    is_str(check_with(&sys32, KV("kernel=/k/vmlinuz", "comm=sh")),
           "comm= needs the kernel's task structures, which qtrace reads in x86-64 kernels only: /k/vmlinuz is an i386 "
           "kernel; program_as=on (with program=) records the program's address spaces instead", "i386: comm=");
    is_str(check_with(&cli32, KV("kernel=/k/vmlinuz", "pid=5")),
           "--pid needs the kernel's task structures, which qtrace reads in x86-64 kernels only: /k/vmlinuz is an i386 "
           "kernel; --program-as (with --program) records the program's address spaces instead", "CLI, i386: --pid");
    is_str(check_with(&sys32, KV("kernel=/k", "syscalls=on")), "", "i386: syscalls=on accepted...");
    is_str(warned, "syscalls=on records nothing in an i386 guest (system calls are decoded from the kernel's task "
           "structures, read in x86-64 kernels only)", "... with a warning");
    is_str(check_with(&sysa64, KV("kernel=/k")),
           "kernel=: guest kernel introspection supports x86_64 and i386 guests only (this is aarch64)", "aarch64: kernel=");
    is_str(check_with(&noarch, KV("kernel=/k", "comm=sh")), "", "architecture unknown: its rules are skipped");
    struct qt_opts_env quiet = { .system = true, .arch = i386 };
    is_str(check_with(&quiet, KV("kernel=/k", "syscalls=on")), "", "no warn function: warnings dropped");
}

/* vmmap=: on, off, pages; system mode with task structures only */
/* guest_clock= and start_ns=: a replay's clock */
static void test_clock(void)
{
    struct qt_opts o;
    qt_opts_init(&o);
    is_int(o.guest_clock, -1, "guest_clock: host time by default");
    is_u64(o.start_ns, 0, "start_ns: none by default");
    set(&o, "guest_clock=5");
    is_int(o.guest_clock, 5, "guest_clock=5");
    set(&o, "start_ns=0x188e8b0c2a3f0000");
    is_u64(o.start_ns, UINT64_C(0x188e8b0c2a3f0000), "start_ns=0x...");
    set_err(&o, "guest_clock=fast", "plugin args: guest_clock: expected an icount shift (0 to 10), got 'fast'");
    set_err(&o, "start_ns=yesterday", "plugin args: start_ns: expected a hex number of nanoseconds since 1970, got 'yesterday'");
    qt_opts_free(&o);
    struct qt_opts_env sys = { .system = true, .arch = qt_arch_by_id(QT_ARCH_X86_64) };
    is_str(check_with(&sys, KV("guest_clock=10")), "", "guest_clock=10: accepted");
    is_str(check_with(&sys, KV("guest_clock=11")), "guest_clock=11: expected an icount shift from 0 to 10 (or -1: host time)",
           "guest_clock=11: refused");
}

static void test_vmmap(void)
{
    struct qt_opts o;
    qt_opts_init(&o);
    is_int(o.vmmap, QT_VMMAP_OFF, "vmmap: off by default");
    set(&o, "vmmap=pages");
    is_int(o.vmmap, QT_VMMAP_PAGES, "vmmap=pages");
    set(&o, "vmmap=on");
    is_int(o.vmmap, QT_VMMAP_MAPS, "vmmap=on");
    set(&o, "vmmap=off");
    is_int(o.vmmap, QT_VMMAP_OFF, "vmmap=off");
    set_err(&o, "vmmap=frames", "plugin args: vmmap: expected on, off or pages, got 'frames'");
    qt_opts_free(&o);
    struct qt_opts_env user = { .system = false, .arch = qt_arch_by_id(QT_ARCH_X86_64), .cli = true, .warn = on_warn };
    struct qt_opts_env sys32 = { .system = true, .arch = qt_arch_by_id(QT_ARCH_I386), .warn = on_warn };
    struct qt_opts_env sys = { .system = true, .arch = qt_arch_by_id(QT_ARCH_X86_64), .warn = on_warn };
    is_str(check_with(&user, KV("vmmap=on")),
           "--vmmap is for system mode (qtrace system, qtrace replay): it reads the maps from the guest kernel's memory; "
           "a user-mode program can print its own /proc/self/maps", "user, CLI: --vmmap");
    is_str(check_with(&sys, KV("vmmap=pages")), "vmmap= needs the guest's kernel (kernel=PATH, given by qtrace system)",
           "system: vmmap= without kernel=");
    is_str(check_with(&sys32, KV("kernel=/k", "vmmap=on")),
           "vmmap= needs the kernel's task and memory structures, which qtrace reads in x86-64 kernels only "
           "(/k is an i386 kernel)", "i386: vmmap=");
    is_str(check_with(&sys, KV("kernel=/k", "vmmap=pages", "comm=vmmap")), "", "x86-64: vmmap=pages with comm=");
}

int main(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/qtrace-opts-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        ok(0, "mkdtemp");
        return done_testing();
    }
    test_defaults();
    test_keys();
    test_errors();
    test_conf();
    test_select();
    test_limits();
    test_kernel_keys();
    test_check();
    test_vmmap();
    test_clock();
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        printf("# could not remove %s\n", tmpdir);
    return done_testing();
}
