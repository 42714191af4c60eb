/* Command line: option parsing (defaults, every kind of error), checks before QEMU starts,
 * qtrace.conf, the QEMU command line, help texts, and a whole `qtrace run` with a fake QEMU
 * (a shell script that writes a prepared trace): conversion, summary, exit status, --timeout. */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "launch.h"
#include "tap.h"
#include "tracebuild.h"
#include "trace_opts.h"
#include "util.h"

static char err[1024];

#define ARGV(...) ((char *[]){ __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *)))

static int run_parse(struct qtc_cfg *cfg, int argc, char **argv)
{
    err[0] = '\0';
    return qtc_run_parse(argc, argv, cfg, err, sizeof(err));
}

static int sys_parse(struct qtc_cfg *cfg, int argc, char **argv)
{
    err[0] = '\0';
    return qtc_system_parse(argc, argv, cfg, err, sizeof(err));
}

#define RUN_PARSE(cfg, ...) run_parse(cfg, ARGC(__VA_ARGS__), ARGV(__VA_ARGS__))
#define SYS_PARSE(cfg, ...) sys_parse(cfg, ARGC(__VA_ARGS__), ARGV(__VA_ARGS__))

/* Parse must fail with a message starting with want. */
#define RUN_FAILS(want, ...) do { \
        struct qtc_cfg c_; \
        int r_ = RUN_PARSE(&c_, __VA_ARGS__); \
        if (!ok(r_ == -1 && strncmp(err, want, strlen(want)) == 0, "run fails: %s", want)) \
            printf("#   got %d: %s\n", r_, err); \
        if (r_ == 0) qtc_cfg_free(&c_); \
    } while (0)

#define SYS_FAILS(want, ...) do { \
        struct qtc_cfg c_; \
        int r_ = SYS_PARSE(&c_, __VA_ARGS__); \
        if (!ok(r_ == -1 && strncmp(err, want, strlen(want)) == 0, "system fails: %s", want)) \
            printf("#   got %d: %s\n", r_, err); \
        if (r_ == 0) qtc_cfg_free(&c_); \
    } while (0)

static void test_run_parse(void)
{
    struct qtc_cfg c;
    is_int(RUN_PARSE(&c, "run", "./prog"), 0, "run ./prog parses");
    is_str(c.outdir, "qtrace-out", "default output directory");
    ok(c.nformats == 2 && strcmp(c.formats[0]->name, "text") == 0 && strcmp(c.formats[1]->name, "json") == 0,
       "default formats text,json");
    ok(c.timeout == 0 && !c.quiet && !c.qemu && !c.program && !c.system, "other defaults");
    ok(c.noperands == 1 && strcmp(c.operands[0], "./prog") == 0, "PROGRAM is the operand");
    qtc_cfg_free(&c);

    is_int(RUN_PARSE(&c, "run", "-F", "main", "./prog", "-F", "x", "--", "y"), 0, "options end at PROGRAM");
    ok(c.noperands == 5 && strcmp(c.operands[1], "-F") == 0 && strcmp(c.operands[3], "--") == 0,
       "PROGRAM's own options are left alone");
    is_int(qtc_args_count(&c.args, "filter"), 1, "one -F for qtrace");
    qtc_cfg_free(&c);

    is_int(RUN_PARSE(&c, "run", "-o", "out", "--format", "folded,text", "--timeout", "2.5", "-q", "--qemu", "/q",
                     "-p", "/bin/prog", "--", "./prog", "a"),
           0, "every launch option");
    ok(strcmp(c.outdir, "out") == 0 && c.nformats == 2 && strcmp(c.formats[0]->name, "folded") == 0 &&
           c.timeout == 2.5 && c.quiet && strcmp(c.qemu, "/q") == 0 && strcmp(c.program, "/bin/prog") == 0,
       "values reach the configuration");
    ok(c.noperands == 2 && c.args.dashdash, "operands after --");
    qtc_cfg_free(&c);

    is_int(RUN_PARSE(&c, "run", "-R", "fact", "-R", "g@retval/x32", "--addr", "401000", "--bias", "0X10", "-D", "007",
                     "-A", "f@arg1/s,arg2", "--plugin-opt", "execlog=on", "--no-icount", "--syscalls", "--no-libs",
                     "-N", "_*", "./p"),
           0, "trace options");
    is_str(qtc_args_get(&c.args, "retval"), "g@retval/x32", "last -R");
    is_str(c.args.v[0].value, "fact@retval", "-R NAME means NAME@retval");
    is_str(qtc_args_get(&c.args, "addr"), "0x401000", "--addr normalised to 0x hex");
    is_str(qtc_args_get(&c.args, "bias"), "0x10", "--bias accepts 0X");
    is_str(qtc_args_get(&c.args, "depth"), "7", "-D normalised");
    {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        qtc_args_write_conf(&c.args, f);
        fclose(f);
        is_str(buf,
               "ret=fact@retval\nret=g@retval/x32\naddr=0x401000\nbias=0x10\ndepth=7\narg=f@arg1/s,arg2\nexeclog=on\n"
               "icount=off\nsyscalls=on\nlibs=off\nnotrace=_*\n",
               "conf lines: plugin keys, flag values, --plugin-opt as is");
        free(buf);
    }
    qtc_cfg_free(&c);

    is_int(RUN_PARSE(&c, "run", "--help"), 0, "--help without a program");
    ok(c.args.help, "help flag");
    qtc_cfg_free(&c);
    is_int(RUN_PARSE(&c, "run", "-h", "--bogus"), -1, "an unknown option still fails next to -h");

    RUN_FAILS("run: no program given (usage: qtrace run [OPTIONS] [--] PROGRAM [ARGS...])", "run");
    RUN_FAILS("run: no program given", "run", "-F", "main");
    RUN_FAILS("run: no program given", "run", "--", "");
    RUN_FAILS("unknown option '--foo' for 'qtrace run' (see 'qtrace help run')", "run", "--foo", "./p");
    RUN_FAILS("unknown option '--foo' for 'qtrace run'", "run", "--foo=3", "./p");
    RUN_FAILS("unknown option '-x' for 'qtrace run' (see 'qtrace help run')", "run", "-x", "./p");
    RUN_FAILS("-F/--filter needs a value (GLOB); see 'qtrace help run'", "run", "-F");
    RUN_FAILS("--addr needs a value (HEX)", "run", "--addr");
    RUN_FAILS("--syscalls takes no value", "run", "--syscalls=yes", "./p");
    RUN_FAILS("-D/--depth: expected a number >= 0, got 'x'", "run", "-D", "x", "./p");
    RUN_FAILS("-D/--depth: expected a number >= 0, got '-1'", "run", "-D", "-1", "./p");
    RUN_FAILS("-D/--depth: expected a number >= 0, got '3k'", "run", "-D", "3k", "./p");
    RUN_FAILS("--addr: expected a hexadecimal address (401000 or 0x401000), got 'main'", "run", "--addr", "main", "./p");
    RUN_FAILS("--bias: expected a hexadecimal address", "run", "--bias", "0x", "./p");
    RUN_FAILS("--timeout: expected a positive number of seconds (30, 2.5), got '0'", "run", "--timeout", "0", "./p");
    RUN_FAILS("--timeout: expected a positive number of seconds", "run", "--timeout", "-3", "./p");
    RUN_FAILS("--timeout: expected a positive number of seconds", "run", "--timeout", "nan", "./p");
    RUN_FAILS("-A/--argument: bad argument spec 'add@arg1/q': unknown type 'q' (known: i i8", "run", "-A", "add@arg1/q",
              "./p");
    RUN_FAILS("-A/--argument: bad argument spec 'add,arg1': missing '@'", "run", "-A", "add,arg1", "./p");
    RUN_FAILS("-A/--argument: bad argument spec 'add@arg0': argument number 0 out of range 1..16", "run", "-A",
              "add@arg0", "./p");
    RUN_FAILS("-R/--retval: bad argument spec 'f@retval/zz': unknown type 'zz'", "run", "-R", "f@retval/zz", "./p");
    RUN_FAILS("-R/--retval: 'f@arg1' is not a return value spec", "run", "-R", "f@arg1", "./p");
    RUN_FAILS("--format: unknown format 'yaml' (known: text, json, folded", "run", "--format", "text,yaml", "./p");
    RUN_FAILS("--plugin-opt: expected KEY=VALUE with a lower-case KEY (e.g. depth=3), got 'novalue'", "run",
              "--plugin-opt", "novalue", "./p");
    RUN_FAILS("--plugin-opt: expected KEY=VALUE", "run", "--plugin-opt", "=x", "./p");
    RUN_FAILS("-F/--filter: the value must be one line", "run", "-F", "a\nfunc=*", "./p");
    RUN_FAILS("-F/--filter: empty GLOB", "run", "-F", "", "./p");
    RUN_FAILS("-o/--output: empty DIR", "run", "-o", "", "./p");
}

static void test_system_parse(void)
{
    struct qtc_cfg c;
    is_int(SYS_PARSE(&c, "system", "--kernel", "k"), 0, "system --kernel k parses");
    ok(c.system && strcmp(c.kernel, "k") == 0 && !c.initrd && !c.append, "kernel only");
    ok(c.smp == 1 && c.mem_mb == 512, "defaults: 1 CPU, 512 MB");
    is_str(c.outdir, "qtrace-out", "default output directory");
    is_int(c.noperands, 0, "no extra QEMU arguments");
    qtc_cfg_free(&c);

    is_int(SYS_PARSE(&c, "system", "--kernel", "k", "--initrd", "i", "--append", "init=/x", "--smp", "4", "-m", "1G",
                     "-p", "prog", "-F", "main", "--", "-s", "-S"),
           0, "system with everything");
    ok(strcmp(c.initrd, "i") == 0 && strcmp(c.append, "init=/x") == 0 && c.smp == 4 && c.mem_mb == 1024,
       "initrd, append, smp, 1G = 1024 MB");
    ok(c.noperands == 2 && strcmp(c.operands[0], "-s") == 0, "extra QEMU arguments after --");
    qtc_cfg_free(&c);
    is_int(SYS_PARSE(&c, "system", "-m", "256M", "--kernel", "k"), 0, "-m 256M");
    is_int(c.mem_mb, 256, "256 MB");
    qtc_cfg_free(&c);

    SYS_FAILS("system: --kernel FILE is required", "system", "--initrd", "i");
    SYS_FAILS("system: unexpected argument 'foo' (extra QEMU arguments go after --", "system", "--kernel", "k", "foo");
    SYS_FAILS("--smp: expected a number >= 1, got '0'", "system", "--kernel", "k", "--smp", "0");
    SYS_FAILS("--smp: at most 255 CPUs", "system", "--kernel", "k", "--smp", "1000");
    SYS_FAILS("-m/--memory: expected a memory size in megabytes (512, 512M, 2G), got '12x'", "system", "--kernel", "k",
              "-m", "12x");
    SYS_FAILS("-m/--memory: a Linux guest needs at least 16 MB", "system", "--kernel", "k", "-m", "8");
    SYS_FAILS("unknown option '--program2' for 'qtrace system'", "system", "--program2", "x");
    SYS_FAILS("-A/--argument: bad argument spec 'main@retval/q'", "system", "--kernel", "k", "-A", "main@retval/q");
    SYS_FAILS("--kernel needs a value (FILE)", "system", "--kernel");
}

/* A minimal ELF header: an x86-64 executable with no sections, hence no symbols. */
static void write_nosym_elf(const char *path)
{
    unsigned char eh[64];
    memset(eh, 0, sizeof(eh));
    memcpy(eh, "\177ELF\2\1\1", 7);
    eh[16] = 2;  /* ET_EXEC */
    eh[18] = 62; /* EM_X86_64 */
    eh[20] = 1;  /* EV_CURRENT */
    eh[52] = 64; /* e_ehsize */
    eh[54] = 56; /* e_phentsize */
    eh[58] = 64; /* e_shentsize */
    write_file(path, eh, sizeof(eh), 0755);
}

static int check(struct qtc_cfg *c, struct qtc_launch *l)
{
    err[0] = '\0';
    return qtc_check(c, l, err, sizeof(err));
}

#define CHECK_FAILS(parse, want, ...) do { \
        struct qtc_cfg c_; \
        struct qtc_launch l_; \
        int p_ = parse(&c_, __VA_ARGS__); \
        int r_ = p_ == 0 ? check(&c_, &l_) : -2; \
        if (!ok(r_ == -1 && strcmp(err, want) == 0, "check fails: %s", want)) \
            printf("#   got %d: %s\n", r_, err); \
        if (r_ == 0) qtc_launch_free(&l_); \
        if (p_ == 0) qtc_cfg_free(&c_); \
    } while (0)

static void test_checks(void)
{
    char *nosym = strdup(tpath("nosym")), *txt = strdup(tpath("x.txt")), *plugin = strdup(tpath("libqtrace.so")),
         *kernel = strdup(tpath("bzImage")), *out = strdup(tpath("out"));
    write_nosym_elf(nosym);
    write_file(txt, "hello\n", 6, 0755);
    write_file(plugin, "not really a plugin", 19, 0644);
    write_file(kernel, "kernel", 6, 0644);
    setenv("QTRACE_PLUGIN", plugin, 1);
    unsetenv("QTRACE_QEMU_USER");
    unsetenv("QTRACE_QEMU_SYSTEM");

    CHECK_FAILS(SYS_PARSE, "kernel /nonexistent/bzImage: No such file or directory", "system", "--kernel",
                "/nonexistent/bzImage");
    CHECK_FAILS(SYS_PARSE, "initrd /nonexistent/initrd: No such file or directory", "system", "--kernel", kernel,
                "--initrd", "/nonexistent/initrd");
    CHECK_FAILS(SYS_PARSE, "kernel /tmp is a directory, not a file", "system", "--kernel", "/tmp");
    char want[600];
    snprintf(want, sizeof(want), "%s has no function symbols (was it stripped? trace by --addr instead)", nosym);
    CHECK_FAILS(SYS_PARSE, want, "system", "--kernel", kernel, "-p", nosym);
    snprintf(want, sizeof(want), "--program %s is not an ELF executable", txt);
    CHECK_FAILS(SYS_PARSE, want, "system", "--kernel", kernel, "-p", txt);
    CHECK_FAILS(SYS_PARSE, "--program /nonexistent/prog: No such file or directory", "system", "--kernel", kernel, "-p",
                "/nonexistent/prog");
    /* system mode: -F may name kernel functions; only --addr needs the program */
    CHECK_FAILS(SYS_PARSE, "--addr needs --program PATH: the ELF file (as run in the guest) whose functions to trace",
                "system", "--kernel", kernel, "--addr", "0x401000");
    CHECK_FAILS(SYS_PARSE, "QEMU /nonexistent/qemu (from --qemu): No such file or directory", "system", "--kernel",
                kernel, "--qemu", "/nonexistent/qemu");

    CHECK_FAILS(RUN_PARSE, "./nope: No such file or directory", "run", "./nope");
    CHECK_FAILS(RUN_PARSE, "qtrace-no-such-command: command not found in PATH", "run", "qtrace-no-such-command");
    snprintf(want, sizeof(want), "%s is not an ELF executable", txt);
    CHECK_FAILS(RUN_PARSE, want, "run", txt);
    CHECK_FAILS(RUN_PARSE, "/tmp is a directory, not a program", "run", "/tmp");
    char *script = strdup(tpath("x.sh"));
    write_file(script, "#!/bin/sh\necho hi\n", 18, 0755);
    snprintf(want, sizeof(want), "%s is a script, not an ELF executable (trace its interpreter: qtrace run -- /bin/sh %s)",
             script, script);
    CHECK_FAILS(RUN_PARSE, want, "run", script);
    free(script);
    char *arm = strdup(tpath("arm.elf"));
    {
        unsigned char eh[64];
        memset(eh, 0, sizeof(eh));
        memcpy(eh, "\177ELF\2\1\1", 7);
        eh[16] = 2;
        eh[18] = 183; /* EM_AARCH64 */
        eh[20] = 1;
        write_file(arm, eh, sizeof(eh), 0755);
    }
    snprintf(want, sizeof(want), "--program %s is an ELF file for machine 183; the guests qtrace system boots run "
             "x86_64 and i386 programs", arm);
    CHECK_FAILS(SYS_PARSE, want, "system", "--kernel", kernel, "-p", arm);
    free(arm);
    snprintf(want, sizeof(want), "%s has no function symbols (was it stripped? trace by --addr instead)", nosym);
    CHECK_FAILS(RUN_PARSE, want, "run", nosym);
    CHECK_FAILS(RUN_PARSE, "QEMU /nonexistent/qemu (from --qemu): No such file or directory", "run", "--qemu",
                "/nonexistent/qemu", "--syscalls", nosym);
    setenv("QTRACE_QEMU_USER", "qtrace-no-such-qemu", 1);
    CHECK_FAILS(RUN_PARSE, "QEMU qtrace-no-such-qemu (from QTRACE_QEMU_USER): not found in PATH", "run", "--syscalls",
                nosym);
    unsetenv("QTRACE_QEMU_USER");
    setenv("QTRACE_PLUGIN", "/nonexistent/libqtrace.so", 1);
    CHECK_FAILS(RUN_PARSE, "plugin /nonexistent/libqtrace.so (from QTRACE_PLUGIN): No such file or directory", "run",
                "--qemu", "/bin/true", "--syscalls", nosym);
    setenv("QTRACE_PLUGIN", plugin, 1);
    snprintf(want, sizeof(want), "output directory %s exists and is not a directory (choose another with -o DIR)", txt);
    CHECK_FAILS(RUN_PARSE, want, "run", "--qemu", "/bin/true", "-o", txt, "--syscalls", nosym);

    /* a program without symbols is fine when something else can be traced */
    struct qtc_cfg c;
    struct qtc_launch l;
    is_int(RUN_PARSE(&c, "run", "--qemu", "/bin/true", "-o", out, "--syscalls", nosym, "arg1"), 0, "parse");
    is_int(check(&c, &l), 0, "stripped program with --syscalls passes the checks");
    if (err[0])
        printf("#   %s\n", err);
    ok(l.qemu && strcmp(l.qemu, "/bin/true") == 0, "QEMU from --qemu");
    ok(l.plugin && strcmp(l.plugin, plugin) == 0, "plugin from QTRACE_PLUGIN");
    ok(l.target && strcmp(l.target, nosym) == 0 && !l.argv0, "target as given (it has a '/')");
    struct stat st;
    ok(stat(out, &st) == 0 && S_ISDIR(st.st_mode), "output directory created");
    char **av = qtc_qemu_argv(&c, &l);
    int n = 0;
    while (av[n])
        n++;
    char want_plugin[1200];
    snprintf(want_plugin, sizeof(want_plugin), "%s,conf=%s/qtrace.conf", plugin, out);
    ok(n == 5 && strcmp(av[0], "/bin/true") == 0 && strcmp(av[1], "-plugin") == 0 && strcmp(av[2], want_plugin) == 0 &&
           strcmp(av[3], nosym) == 0 && strcmp(av[4], "arg1") == 0,
       "qemu-user command line: QEMU -plugin PLUGIN,conf=DIR/qtrace.conf PROGRAM ARGS");
    qtc_argv_free(av);
    is_int(qtc_write_conf(&c, &l, err, sizeof(err)), 0, "conf written");
    char *conf = read_all(l.conf, NULL);
    char wconf[2048];
    snprintf(wconf, sizeof(wconf),
             "# qtrace 0.1.0: options of the qtrace plugin (common/options.h), for qtrace run\n"
             "out=%s/trace.qtr\nprogram=%s\nsyscalls=on\n",
             out, nosym);
    is_str(conf, wconf, "qtrace.conf: out, program (defaults to PROGRAM), trace options");
    free(conf);
    qtc_launch_free(&l);
    qtc_cfg_free(&c);

    /* a command name is looked up in PATH, and keeps its name as argv[0] */
    is_int(RUN_PARSE(&c, "run", "--qemu", "/bin/true", "-o", out, "-P", "main", "true"), 0, "parse run true");
    is_int(check(&c, &l), 0, "a dynamic stripped program with -P (library functions) passes");
    ok(l.target && strchr(l.target, '/') && l.argv0 && strcmp(l.argv0, "true") == 0, "found in PATH: %s",
       l.target ? l.target : "");
    av = qtc_qemu_argv(&c, &l);
    ok(av[3] && strcmp(av[3], "-0") == 0 && strcmp(av[4], "true") == 0 && strcmp(av[5], l.target) == 0,
       "-0 NAME keeps argv[0] as typed");
    qtc_argv_free(av);
    qtc_launch_free(&l);
    qtc_cfg_free(&c);

    /* system: the QEMU command line, commas in paths doubled */
    char *ckernel = strdup(tpath("a,b"));
    write_file(ckernel, "k", 1, 0644);
    is_int(SYS_PARSE(&c, "system", "--kernel", ckernel, "--qemu", "/bin/true", "-o", out, "--append", "init=/bin/x",
                     "--smp", "2", "-m", "1G", "-p", "/proc/self/exe", "-P", "main", "--", "-s"),
           0, "parse system");
    is_int(check(&c, &l), 0, "system checks pass");
    if (err[0])
        printf("#   %s\n", err);
    av = qtc_qemu_argv(&c, &l);
    struct qt_sb sb;
    qt_sb_init(&sb);
    for (int i = 0; av[i]; i++)
        qt_sb_printf(&sb, "%s%s", i ? " | " : "", av[i]);
    char wsys[2048];
    snprintf(wsys, sizeof(wsys),
             "/bin/true | -accel | tcg | -display | none | -serial | mon:stdio | -no-reboot | -m | 1024 | -smp | 2 | -kernel | %s | -append | "
             "console=ttyS0 quiet panic=-1 init=/bin/x | -plugin | %s,conf=%s/qtrace.conf | -d | cpu_reset | -D | "
             "%s/qemu-resets.log | -s",
             ckernel, plugin, out, out);
    is_str(sb.buf, wsys, "qemu-system command line");
    qt_sb_free(&sb);
    qtc_argv_free(av);
    is_int(qtc_write_conf(&c, &l, err, sizeof(err)), 0, "conf written");
    conf = read_all(l.conf, NULL);
    snprintf(wconf, sizeof(wconf),
             "# qtrace 0.1.0: options of the qtrace plugin (common/options.h), for qtrace system\n"
             "out=%s/trace.qtr\nicount=off\nkernel=%s\nprogram=/proc/self/exe\nfunc=main\n",
             out, ckernel);
    is_str(conf, wconf, "system qtrace.conf (kernel= from --kernel: the plugin follows the guest from it)");
    free(conf);
    qtc_launch_free(&l);
    qtc_cfg_free(&c);

    char path_with_comma[600];
    snprintf(path_with_comma, sizeof(path_with_comma), "%s/p,lug.so", tmpdir);
    write_file(path_with_comma, "x", 1, 0644);
    setenv("QTRACE_PLUGIN", path_with_comma, 1);
    is_int(SYS_PARSE(&c, "system", "--kernel", kernel, "--qemu", "/bin/true", "-o", out), 0, "parse");
    is_int(check(&c, &l), 0, "check");
    av = qtc_qemu_argv(&c, &l);
    char wp[1200];
    snprintf(wp, sizeof(wp), "%s/p,,lug.so,conf=%s/qtrace.conf", tmpdir, out);
    int k = 0;
    while (av[k] && strcmp(av[k], "-plugin") != 0)
        k++;
    is_str(av[k] ? av[k + 1] : NULL, wp, "a ',' in the plugin path is doubled for QEMU");
    qtc_argv_free(av);
    qtc_launch_free(&l);
    qtc_cfg_free(&c);
    setenv("QTRACE_PLUGIN", plugin, 1);

    free(ckernel);
    free(nosym);
    free(txt);
    free(plugin);
    free(kernel);
    free(out);
}

/* ---- a whole run, with a fake QEMU ------------------------------------------------------------ */

static const char fake_qemu[] =
    "#!/bin/sh\n"
    "# fake QEMU: find conf= in the -plugin argument, copy the prepared trace to its out=\n"
    "for a in \"$@\"; do case $a in *,conf=*) conf=${a##*,conf=};; esac; done\n"
    "out=$(sed -n 's/^out=//p' \"$conf\")\n"
    "printf '%s\\n' \"$@\" > \"$FAKE_ARGS\"\n"
    "[ -n \"$FAKE_TRACE\" ] && cp \"$FAKE_TRACE\" \"$out\"\n"
    "[ -n \"$FAKE_SLEEP\" ] && sleep \"$FAKE_SLEEP\"\n"
    "[ -n \"$FAKE_KILL\" ] && kill -\"$FAKE_KILL\" $$\n"
    "exit ${FAKE_EXIT:-0}\n";

/* a trace: main() { add() } with symbols and an END record */
static void write_small_trace(const char *path)
{
    struct qb b;
    qb_init(&b, QT_MODE_USER, 0);
    qb_chunk(&b, 0);
    qb_sym(&b, 0x1000, 0x100, "main", NULL);
    qb_sym(&b, 0x1100, 0x100, "add", NULL);
    qb_call(&b, QT_REC_ENTRY, 0, 42, 0, 0, 0, 10, 100, 0x1000, 0, 0, NULL);
    qb_call(&b, QT_REC_ENTRY, 0, 42, 0, 1, 0, 20, 110, 0x1100, 0, 0, NULL);
    qb_call(&b, QT_REC_EXIT, 0, 42, 0, 1, 0, 30, 117, 0x1100, 110, 0, NULL);
    qb_call(&b, QT_REC_EXIT, 0, 42, 0, 0, 0, 40, 150, 0x1000, 100, 0, NULL);
    qb_end(&b, 50, 4, 0);
    qb_close_chunk(&b);
    write_file(path, b.buf, b.len, 0644);
    free(b.buf);
}

static int run_main(int argc, char **argv)
{
    fflush(stdout);
    return qtc_main(argc, argv);
}

static void test_fake_run(void)
{
    char *qemu = strdup(tpath("fake-qemu")), *trace = strdup(tpath("prepared.qtr")), *out = strdup(tpath("run-out")),
         *args = strdup(tpath("fake-args"));
    write_file(qemu, fake_qemu, strlen(fake_qemu), 0755);
    write_small_trace(trace);
    setenv("FAKE_TRACE", trace, 1);
    setenv("FAKE_ARGS", args, 1);
    setenv("FAKE_EXIT", "3", 1);
    unsetenv("FAKE_SLEEP");
    unsetenv("FAKE_KILL");

    char *av[] = { "qtrace", "run", "--qemu", qemu, "-o", out, "-q", "--format", "text,folded,json", "--",
                   "/proc/self/exe", "x y", NULL };
    is_int(run_main(12, av), 3, "qtrace run exits with the program's status");
    char *t = read_all(tpath("run-out/trace.txt"), NULL);
    ok(t && strstr(t, "[cpu0 as:0 tid:42] main() {\n         7 insn [cpu0 as:0 tid:42]   add();\n        50 insn "
                      "[cpu0 as:0 tid:42] } /* main */\n"),
       "trace.txt written");
    free(t);
    char *f = read_all(tpath("run-out/trace.folded"), NULL);
    is_str(f, "main 43\nmain;add 7\n", "trace.folded written");
    free(f);
    char *j = read_all(tpath("run-out/trace.json"), NULL);
    ok(j && strstr(j, "\"traceEvents\""), "trace.json written");
    free(j);
    char *a = read_all(args, NULL);
    ok(a && strstr(a, "-plugin\n") && strstr(a, "/proc/self/exe\nx y\n"), "QEMU got the program and its arguments");
    free(a);
    struct stat st;
    char tmpname[600];
    snprintf(tmpname, sizeof(tmpname), "%s/trace.txt.tmp.%ld", out, (long)getpid());
    ok(stat(tmpname, &st) < 0, "no temporary file left");

    /* the program killed by a signal: 128 + N, and the trace is still converted */
    unsetenv("FAKE_EXIT");
    setenv("FAKE_KILL", "USR1", 1);
    unlink(tpath("run-out/trace.txt"));
    is_int(run_main(12, av), 128 + 10, "killed by SIGUSR1: exit status 138");
    ok(stat(tpath("run-out/trace.txt"), &st) == 0, "trace converted after the signal");
    unsetenv("FAKE_KILL");

    /* --timeout: QEMU stopped, exit status 124, trace kept */
    setenv("FAKE_SLEEP", "30", 1);
    unlink(tpath("run-out/trace.txt"));
    char *avt[] = { "qtrace", "run", "--qemu", qemu, "-o", out, "-q", "--timeout", "0.3", "/proc/self/exe", NULL };
    time_t t0 = time(NULL);
    is_int(run_main(10, avt), 124, "--timeout: exit status 124");
    ok(time(NULL) - t0 < 10, "QEMU stopped quickly");
    ok(stat(tpath("run-out/trace.txt"), &st) == 0, "trace converted after the timeout");
    unsetenv("FAKE_SLEEP");

    /* QEMU that writes no trace (plugin failed to load) */
    unsetenv("FAKE_TRACE");
    setenv("FAKE_EXIT", "1", 1);
    is_int(run_main(12, av), 2, "no trace written: qtrace error, status 2");
    ok(stat(tpath("run-out/trace.qtr"), &st) < 0, "an old trace was not taken for the new one");
    unsetenv("FAKE_EXIT");

    /* QEMU that cannot be executed */
    char *noexec = strdup(tpath("noexec-qemu"));
    write_file(noexec, "#!/bin/sh\n", 10, 0644);
    char *ave[] = { "qtrace", "run", "--qemu", noexec, "-o", out, "/proc/self/exe", NULL };
    is_int(run_main(7, ave), 2, "QEMU not executable: status 2");
    free(noexec);
    free(qemu);
    free(trace);
    free(out);
    free(args);
}

/* ---- help ------------------------------------------------------------------------------------- */

static char *capture(void (*fn)(FILE *))
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    fn(f);
    fclose(f);
    return buf;
}

static void test_help(void)
{
    char *h = capture(qtc_help_run);
    int missing = 0;
    for (size_t i = 0; i < qtc_ntrace_opts; i++) {
        char n[80];
        snprintf(n, sizeof(n), "--%s", qtc_trace_opts[i].name);
        if (!strstr(h, n)) {
            printf("#   %s not in qtrace help run\n", n);
            missing++;
        }
        missing += !qtc_trace_opts[i].help || !qtc_trace_opts[i].help[0];
    }
    const struct qtc_opt_table *rt = qtc_run_tables();
    for (size_t i = 0; i < rt[0].n; i++) {
        char n[80];
        snprintf(n, sizeof(n), "--%s", rt[0].rows[i].name);
        missing += strstr(h, n) == NULL;
    }
    is_int(missing, 0, "qtrace help run documents every option");
    ok(strstr(h, "Usage: qtrace run [OPTIONS] [--] PROGRAM [ARGS...]") && strstr(h, "Examples:") &&
           strstr(h, "Exit status:") && strstr(h, "Environment:") && strstr(h, "QTRACE_QEMU_USER"),
       "run help: usage, examples, exit status, environment");
    ok(strstr(h, "  i32  signed decimal, low 32 bits"), "run help lists the argument types");
    int long_lines = 0;
    for (char *p = h; p && *p;) {
        char *nl = strchr(p, '\n');
        size_t l = nl ? (size_t)(nl - p) : strlen(p);
        long_lines += l > 100;
        p = nl ? nl + 1 : NULL;
    }
    is_int(long_lines, 0, "no help line wider than 100 columns");
    free(h);

    h = capture(qtc_help_system);
    missing = 0;
    const struct qtc_opt_table *st = qtc_system_tables();
    for (int t = 0; t < 2; t++)
        for (size_t i = 0; i < st[t].n; i++) {
            char n[80];
            snprintf(n, sizeof(n), "--%s", st[t].rows[i].name);
            missing += strstr(h, n) == NULL;
        }
    is_int(missing, 0, "qtrace help system documents every option");
    ok(strstr(h, "Usage: qtrace system --kernel FILE") && strstr(h, "Examples:") && strstr(h, "QTRACE_QEMU_SYSTEM"),
       "system help");
    free(h);
    h = capture(qtc_help_dump);
    ok(strstr(h, "Usage: qtrace dump [-f FORMAT] [-o FILE] [TRACE.qtr]") && strstr(h, "--format") &&
           strstr(h, "--output") && strstr(h, "folded"),
       "dump help");
    free(h);

    /* exit statuses of the dispatcher */
    is_int(run_main(1, (char *[]){ "qtrace", NULL }), 2, "no command: status 2");
    is_int(run_main(2, (char *[]){ "qtrace", "bogus", NULL }), 2, "unknown command: status 2");
    is_int(run_main(2, (char *[]){ "qtrace", "--bogus", NULL }), 2, "unknown option before the command: status 2");
    is_int(run_main(3, (char *[]){ "qtrace", "help", "bogus", NULL }), 2, "help of an unknown command: status 2");
    is_int(run_main(3, (char *[]){ "qtrace", "run", "--bogus", NULL }), 2, "bad option: status 2");
    ok(qtc_find_cmd("run") && qtc_find_cmd("system") && qtc_find_cmd("dump") && qtc_find_cmd("help"),
       "every command in the table");
}

int main(void)
{
    if (tmpdir_make("cli") < 0)
        return 1;
    test_run_parse();
    test_system_parse();
    test_checks();
    test_fake_run();
    test_help();
    tmpdir_remove();
    return done_testing();
}
