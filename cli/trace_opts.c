/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "trace_opts.h"

#include <ctype.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arch.h"
#include "argtype.h"
#include "kintro.h"
#include "legacy.h"
#include "options.h"
#include "symtab.h"
#include "util.h"
#include "writer.h"

/* ---- the trace options of `run` and `system`: one row per option ---------------------------
 * name          short  plugin key   kind          metavar      help                        */
const struct qtc_opt qtc_trace_opts[] = {
    { "program", 'p', "program", QTC_PATH, "PATH",
      "the ELF file whose functions are traced: the program as it runs in the guest (a host copy of it). "
      "Its symbols name the functions; its DWARF, when present, names their parameters. "
      "run: defaults to PROGRAM.", NULL },
    { "patch", 'P', "func", QTC_STR, "GLOB",
      "trace only the functions whose name matches GLOB (shell wildcards * ? [...]), like uftrace's -P; "
      "repeatable. Without -P, -A or -R every function of the program is traced, and in user mode the library "
      "functions it calls (its PLT imports: malloc, puts...). In user mode GLOB also matches "
      "shared-library functions (-P malloc), and lib:GLOB selects every function of the matching libraries "
      "(-P 'lib:libm.so*'); with --sysroot the same holds in system mode. An IFUNC (glibc's strlen, memcpy...) is "
      "traced at the implementation the dynamic loader chose for the CPU. In system mode GLOB also names kernel "
      "functions (-P do_sys_openat2) when it names none of the program's, and kernel:GLOB names only kernel "
      "functions (see --kernel-all).", NULL },
    { "filter", 'F', "filter", QTC_STR, "GLOB",
      "record only inside the functions matching GLOB: each of their calls and every traced function it calls, "
      "at any depth (uftrace's -F); repeatable. Depths then count from the outermost recorded call. "
      "-F main shows main's call tree; -F 'lib:libc.so.6' what libc does (callbacks into the program too). "
      "The functions are traced even when -P, -A or -R narrow the rest (same name forms as -P).", NULL },
    { "notrace", 'N', "notrace", QTC_STR, "GLOB",
      "do not record the traced functions matching GLOB, nor anything they call (uftrace's -N); "
      "repeatable (-N '_*'). System calls made inside them are still recorded (--syscalls).", NULL },
    { "argument", 'A', "arg", QTC_ARGSPEC, "SPEC",
      "record arguments of the functions matching PATTERN (and trace them): "
      "SPEC is PATTERN@argN[/TYPE][,argN[/TYPE]...], e.g. 'greet@arg1/s,arg2/i32'. "
      "TYPE: i i8 i16 i32 i64 (signed), u u8 u16 u32 u64 (unsigned), x x8 x16 x32 x64 (hex), p (pointer), "
      "c (char), b (bool), s (string read from guest memory, at most 256 bytes), argv (char **); kernel objects "
      "(system mode): task, cred, inode, dentry, path, file, sockaddr, socket, sock, module, exit; default i. "
      "Repeatable; specs for the same PATTERN add up.", NULL },
    { "retval", 'R', "ret", QTC_RETSPEC, "SPEC",
      "record the return value of the functions matching PATTERN: SPEC is PATTERN@retval[/TYPE], or just "
      "PATTERN for a signed integer, e.g. -R 'fact@retval/i32'. Repeatable.", NULL },
    { "depth", 'D', "depth", QTC_UINT, "N",
      "record calls nested at most N deep (1: only the outermost traced calls). Deeper calls still run, "
      "unrecorded. Default: unlimited.", NULL },
    { "addr", 0, "addr", QTC_HEX, "HEX",
      "trace the function that starts at run-time address HEX (0x optional); repeatable.", NULL },
    { "sysroot", 0, "sysroot", QTC_PATH, "DIR",
      "run: the root of the program's libraries, when it is a dynamically linked program of another "
      "architecture (QEMU's -L). Default: Debian's cross libraries (/usr/aarch64-linux-gnu for aarch64) when "
      "the program's dynamic loader is not on this machine. system: the guest's file system, a directory or an "
      "ext4 disk image (read directly, no mount); an absolute --program is a path inside it, and the shared "
      "libraries the guest's processes map are read from it and traced (-P malloc, -P 'lib:libc.so.6'; from an "
      "image they are extracted under DIR/sysroot first).",
      NULL },
    { "bias", 0, "bias", QTC_HEX, "HEX",
      "load bias of --program: what the guest adds to its file addresses (a PIE in system mode). Default 0; "
      "in user mode a PIE is relocated automatically.", NULL },
    { "icount", 0, "icount", QTC_FLAG, NULL,
      "durations in guest instructions (an inline counter in every block of the program: about 20% slower; "
      "events without arguments are then 8-byte words, written without reading a clock). Default unless "
      "functions are named one by one (-P NAME without a glob or lib:, -A, -R, --addr): durations are then "
      "host time unless --icount is given.", "on" },
    { "no-icount", 0, "icount", QTC_FLAG, NULL,
      "do not count guest instructions; durations are then host time.", "off" },
    { "syscalls", 0, "syscalls", QTC_FLAG, NULL,
      "record system calls with their arguments and return values, like strace. System mode: those of the "
      "processes selected by --comm/--pid (every process without them), 64-bit and 32-bit (int 0x80, sysenter), "
      "seen at the kernel's own entry points.", "on" },
    { "comm", 0, "comm", QTC_STR, "NAME",
      "system mode: record only while a process named NAME (its comm, at most 15 characters; a GLOB) runs: its "
      "program's functions, the kernel functions it runs, its system calls, its fork/exec/exit events and "
      "(--exec-log) its instructions.", NULL },
    { "pid", 0, "pid", QTC_COUNT, "N",
      "system mode: record only while process N (the guest's pid: all its threads) runs.", NULL },
    { "follow", 0, "follow", QTC_FLAG, NULL,
      "with --comm or --pid: also record the children they start, and theirs, whatever they exec.", "on" },
    { "program-as", 0, "program_as", QTC_FLAG, NULL,
      "system mode: record only while an address space the --program's own code runs in is current (its user "
      "code and the kernel code run there). For guests whose task structures qtrace does not read (i386 kernels), "
      "instead of --comm.", "on" },
    { "disk-trace", 0, "disk_trace", QTC_FLAG, NULL,
      "system mode: every block request the guest's disks get: device, read/write/flush/discard, sector, "
      "length, the process running when the driver started it, start and end; a summary per process and per "
      "file in OUTDIR/trace.disk.txt (the disk format). Every process, whatever --comm/--pid say. See "
      "docs/views.md.", "on" },
    { "files-written", 0, "files_written", QTC_PATH, "DIR",
      "system mode: rebuild under DIR every regular file the selected processes (--comm/--pid; all without "
      "them) write, with the bytes at the offsets they wrote them, and list them in DIR/files-written.txt "
      "(with renames, unlinks and files written through mmap, whose bytes are not seen). See docs/views.md.",
      NULL },
    { "processes", 0, "processes", QTC_FLAG, NULL,
      "system mode: the guest's process tree for qtrace ps, written as DIR/trace.ps and DIR/trace.ps.json: pid, "
      "parent, uid (its changes too), argv, start, end, exit status, and the guest instructions each process ran "
      "(an inline counter in every block: see docs/views.md).", "on" },
    { "kernel-symbols", 0, "kernel_symbols", QTC_PATH, "FILE",
      "system mode: the kernel's symbols from a System.map or a copy of the guest's /proc/kallsyms, instead of the "
      "kallsyms tables qtrace recovers from the --kernel image.", NULL },
    { "layout", 0, "layout", QTC_PATH, "FILE",
      "system mode: structure offsets ('task_struct.pid = 2416' lines) for a kernel without BTF, or over its BTF "
      "(see docs/kernel.md).", NULL },
    { "kernel-all", 0, "kernel_all", QTC_FLAG, NULL,
      "system mode: let a pattern select more than 2000 kernel functions (-F '*' over the kernel: slow).", "on" },
    { "no-kernel-introspection", 0, "kernel_introspection", QTC_FLAG, NULL,
      "system mode: do not read the --kernel image: no kernel symbols, processes, --syscalls, --comm or --pid; "
      "threads are then told apart by address space and thread pointer.", "off" },
    { "no-libs", 0, "libs", QTC_FLAG, NULL,
      "patterns (-F, -A, -R) match only the program's own functions, not those of the shared libraries it "
      "loads (user mode).", "off" },
    { "exec-log", 0, "execlog", QTC_FLAG, NULL,
      "execution log: every executed instruction with its memory accesses (and, with --reg, the registers "
      "that changed), in the format of QEMU's execlog plugin. See docs/execlog.md.", "on" },
    { "exec-log-format", 0, "execlog_format", QTC_STR, "text|bin",
      "text (default): the plugin writes execlog's text itself, to --exec-log-out; bin: compact records in "
      "the trace, turned into the same text by 'qtrace dump -f execlog' (or --format execlog), or into JSON "
      "lines by -f execlog-json.", NULL },
    { "exec-log-out", 0, "execlog_out", QTC_PATH, "PATH",
      "file for the text execution log (default: OUTDIR/trace.execlog).", NULL },
    { "ifilter", 0, "ifilter", QTC_STR, "PREFIX",
      "execution log: only instructions whose disassembly starts with PREFIX (execlog's ifilter); repeatable.",
      NULL },
    { "afilter", 0, "afilter", QTC_STR, "ADDR",
      "execution log: only the instruction at ADDR (hex, execlog's afilter), the range ADDR-END (end excluded) "
      "or the instructions of the functions matching sym:GLOB; repeatable.", NULL },
    { "reg", 0, "reg", QTC_STR, "GLOB",
      "execution log: show the registers matching GLOB (rax, 'x*', '*') when they change (execlog's reg); "
      "repeatable.", NULL },
    { "rdisas", 0, "rdisas", QTC_FLAG, NULL,
      "execution log with --reg: compare registers only after instructions whose disassembly names one "
      "(execlog's rdisas); faster.", "on" },
    { "mem-values", 0, "memvalues", QTC_FLAG, NULL,
      "execution log: show the value each memory access loaded or stored (', load, 0xADDR = 0xVALUE').", "on" },
    { "exec-log-flow", 0, "execlog_flow", QTC_FLAG, NULL,
      "execution log of the instruction flow only, without memory accesses (fastest).", "on" },
    { "exec-log-start", 0, "execlog_start", QTC_STR, "FUNC|ADDR",
      "execution log: log nothing until the function FUNC (of the traced program or its libraries) or the "
      "instruction at ADDR (0x...) first runs, then log every vCPU.", NULL },
    { "exec-log-stop", 0, "execlog_stop", QTC_COUNT, "N",
      "execution log: each vCPU logs at most N instructions.", NULL },
    { "vmmap", 0, "vmmap", QTC_OPTWORD, "pages",
      "system mode: the memory map of the processes selected by --comm/--pid (every process without them) as it "
      "changes: after each mmap, munmap, mprotect, brk, mremap, shmat/shmdt and exec, the whole map as "
      "/proc/PID/maps shows it, read from the kernel's VMA tree ('qtrace dump --maps-at' prints it at a point). "
      "--vmmap=pages also records virtual page -> physical frame pairs as their user code first touches a page or "
      "finds it on another frame. See docs/views.md.", "on" },
    { "format", 0, NULL, QTC_FORMATS, "LIST",
      "formats written next to the trace, comma-separated, from those below. Default: text,json.", NULL },
    { "plugin-opt", 0, NULL, QTC_KV, "KEY=VALUE",
      "pass an option to the plugin as is (the keys are listed in docs/cli.md), for plugin options qtrace "
      "has no flag for; repeatable.", NULL },
    QTC_LEGACY_OPTS,
};
const size_t qtc_ntrace_opts = sizeof(qtc_trace_opts) / sizeof(qtc_trace_opts[0]);

/* ---- parsing ---------------------------------------------------------------------------- */

#define MAX_ROWS 128
#define HELP_VAL 1
#define ROW_VAL 1000

static void optname(const struct qtc_opt *o, char *buf, size_t len)
{
    if (o->shortopt)
        snprintf(buf, len, "-%c/--%s", o->shortopt, o->name);
    else
        snprintf(buf, len, "--%s", o->name);
}

static bool parse_size_mb(const char *s, uint64_t *mb)
{
    char num[32];
    size_t l = strlen(s);
    if (l == 0 || l >= sizeof(num))
        return false;
    memcpy(num, s, l + 1);
    uint64_t mul = 1;
    char last = num[l - 1];
    if (last == 'M' || last == 'm') {
        num[--l] = '\0';
    } else if (last == 'G' || last == 'g') {
        num[--l] = '\0';
        mul = 1024;
    }
    uint64_t v;
    if (!qtc_parse_u64(num, 10, &v) || v == 0 || v > (UINT64_C(1) << 30) / mul)
        return false;
    *mb = v * mul;
    return true;
}

static bool parse_seconds(const char *s, double *out)
{
    if (!s || !*s || !(isdigit((unsigned char)s[0]) || s[0] == '.'))
        return false;
    char *end;
    double d = strtod(s, &end);
    if (*end || !(d > 0) || d > 1e9)
        return false;
    *out = d;
    return true;
}

/* Check and normalise one value. Returns a malloc'ed value or NULL with err set. */
static char *check_value(const struct qtc_opt *o, const char *v, char *err, size_t errlen)
{
    char on[64];
    optname(o, on, sizeof(on));
    if (v && strpbrk(v, "\n\r")) {
        snprintf(err, errlen, "%s: the value must be one line", on);
        return NULL;
    }
    uint64_t u;
    char buf[64];
    switch (o->kind) {
    case QTC_FLAG:
        return NULL;
    case QTC_OPTWORD:
        if (strcmp(v, o->metavar) != 0) {
            snprintf(err, errlen, "%s: expected no value or =%s, got '%.100s'", on, o->metavar, v);
            return NULL;
        }
        return qtc_xstrdup(v);
    case QTC_STR:
    case QTC_PATH:
        if (!*v) {
            snprintf(err, errlen, "%s: empty %s", on, o->metavar ? o->metavar : "value");
            return NULL;
        }
        return qtc_xstrdup(v);
    case QTC_UINT:
    case QTC_COUNT:
        if (!qtc_parse_u64(v, 10, &u) || u > 1000000000 || (o->kind == QTC_COUNT && u == 0)) {
            snprintf(err, errlen, "%s: expected a number%s, got '%.100s'", on, o->kind == QTC_COUNT ? " >= 1" : " >= 0",
                     v);
            return NULL;
        }
        snprintf(buf, sizeof(buf), "%" PRIu64, u);
        return qtc_xstrdup(buf);
    case QTC_SIZE_MB:
        if (!parse_size_mb(v, &u)) {
            snprintf(err, errlen, "%s: expected a memory size in megabytes (512, 512M, 2G), got '%.100s'", on, v);
            return NULL;
        }
        snprintf(buf, sizeof(buf), "%" PRIu64, u);
        return qtc_xstrdup(buf);
    case QTC_SECONDS: {
        double d;
        if (!parse_seconds(v, &d)) {
            snprintf(err, errlen, "%s: expected a positive number of seconds (30, 2.5), got '%.100s'", on, v);
            return NULL;
        }
        return qtc_xstrdup(v);
    }
    case QTC_HEX:
        if (!qtc_parse_u64(v, 16, &u)) {
            snprintf(err, errlen, "%s: expected a hexadecimal address (401000 or 0x401000), got '%.100s'", on, v);
            return NULL;
        }
        snprintf(buf, sizeof(buf), "0x%" PRIx64, u);
        return qtc_xstrdup(buf);
    case QTC_ARGSPEC:
    case QTC_RETSPEC: {
        char *spec;
        if (o->kind == QTC_RETSPEC && *v && !strchr(v, '@')) {
            spec = qtc_xmalloc(strlen(v) + 8);
            sprintf(spec, "%s@retval", v);
        } else {
            spec = qtc_xstrdup(v);
        }
        struct qt_argspec as;
        char e[400];
        if (qt_argspec_parse(spec, &as, e, sizeof(e)) < 0) {
            snprintf(err, errlen, "%s: %s", on, e);
            free(spec);
            return NULL;
        }
        if (o->kind == QTC_RETSPEC && (as.nslots != 1 || as.slots[0].pos != 0)) {
            snprintf(err, errlen, "%s: '%.100s' is not a return value spec (expected PATTERN@retval[/TYPE]; use -A for "
                     "arguments)", on, v);
            free(spec);
            return NULL;
        }
        return spec;
    }
    case QTC_KV: {
        const char *eq = strchr(v, '=');
        bool good = eq && eq != v;
        for (const char *p = v; good && p < eq; p++)
            good = islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_';
        if (!good) {
            snprintf(err, errlen, "%s: expected KEY=VALUE with a lower-case KEY (e.g. depth=3), got '%.100s'", on, v);
            return NULL;
        }
        return qtc_xstrdup(v);
    }
    case QTC_FORMATS: {
        const struct qtc_writer *ws[16];
        char e[400];
        if (qtc_writer_parse_list(v, ws, 16, e, sizeof(e)) < 0) {
            snprintf(err, errlen, "%s: %s", on, e);
            return NULL;
        }
        return qtc_xstrdup(v);
    }
    }
    return NULL;
}

static void add_val(struct qtc_args *a, const struct qtc_opt *o, char *value)
{
    a->v = qtc_xrealloc(a->v, (a->n + 1) * sizeof(*a->v));
    a->v[a->n].opt = o;
    a->v[a->n].value = value;
    a->n++;
}

int qtc_parse_args(const char *cmd, const struct qtc_opt_table *tables, size_t ntables, int argc, char **argv,
                   bool stop_at_operand, struct qtc_args *out, char *err, size_t errlen)
{
    const struct qtc_opt *rows[MAX_ROWS];
    struct option longopts[MAX_ROWS + 2];
    char shorts[3 * MAX_ROWS + 8];
    size_t nrows = 0, ns = 0;
    memset(out, 0, sizeof(*out));
    if (stop_at_operand)
        shorts[ns++] = '+'; /* else GNU permutation: options and operands in any order */
    shorts[ns++] = ':';
    shorts[ns++] = 'h';
    for (size_t t = 0; t < ntables; t++) {
        for (size_t i = 0; i < tables[t].n && nrows < MAX_ROWS; i++) {
            const struct qtc_opt *o = &tables[t].rows[i];
            rows[nrows] = o;
            longopts[nrows] = (struct option){ o->name, o->kind == QTC_FLAG ? no_argument
                                                        : o->kind == QTC_OPTWORD ? optional_argument : required_argument, NULL,
                                               ROW_VAL + (int)nrows };
            if (o->shortopt) {
                shorts[ns++] = (char)o->shortopt;
                if (o->kind != QTC_FLAG)
                    shorts[ns++] = ':';
            }
            nrows++;
        }
    }
    longopts[nrows] = (struct option){ "help", no_argument, NULL, HELP_VAL };
    longopts[nrows + 1] = (struct option){ NULL, 0, NULL, 0 };
    shorts[ns] = '\0';

    /* getopt permutes: work on a copy of the pointers */
    char **av = qtc_xcalloc((size_t)argc + 1, sizeof(char *));
    for (int i = 0; i < argc; i++)
        av[i] = argv[i];
    optind = 0; /* full re-initialisation (GNU) */
    opterr = 0;
    int rc = 0;
    for (;;) {
        int c = getopt_long(argc, av, shorts, longopts, NULL);
        if (c == -1)
            break;
        const struct qtc_opt *o = NULL;
        if (c == HELP_VAL || c == 'h') {
            out->help = true;
            continue;
        }
        if (c == '?' || c == ':') {
            const char *arg = optind > 0 && optind <= argc ? av[optind - 1] : "";
            if (c == ':' || (optopt >= ROW_VAL && optopt < ROW_VAL + (int)nrows)) {
                const struct qtc_opt *m = NULL;
                if (optopt >= ROW_VAL && optopt < ROW_VAL + (int)nrows)
                    m = rows[optopt - ROW_VAL];
                for (size_t i = 0; !m && i < nrows; i++)
                    if (rows[i]->shortopt == optopt)
                        m = rows[i];
                char on[64];
                if (m)
                    optname(m, on, sizeof(on));
                else
                    snprintf(on, sizeof(on), "-%c", optopt);
                if (c == ':')
                    snprintf(err, errlen, "%s needs a value (%s); see 'qtrace help %s'", on, m && m->metavar ? m->metavar : "",
                             cmd);
                else
                    snprintf(err, errlen, "%s takes no value (got '%.100s'); see 'qtrace help %s'", on, arg, cmd);
            } else if (optopt) {
                snprintf(err, errlen, "unknown option '-%c' for 'qtrace %s' (see 'qtrace help %s')", optopt, cmd, cmd);
            } else {
                char name[128];
                snprintf(name, sizeof(name), "%s", arg);
                char *eq = strchr(name, '=');
                if (eq)
                    *eq = '\0';
                snprintf(err, errlen, "unknown option '%s' for 'qtrace %s' (see 'qtrace help %s')", name, cmd, cmd);
            }
            rc = -1;
            break;
        }
        if (c >= ROW_VAL && c < ROW_VAL + (int)nrows) {
            o = rows[c - ROW_VAL];
        } else {
            for (size_t i = 0; !o && i < nrows; i++)
                if (rows[i]->shortopt == c)
                    o = rows[i];
        }
        if (!o)
            continue;
        char *val = NULL;
        if (o->kind != QTC_FLAG && !(o->kind == QTC_OPTWORD && !optarg)) {
            val = check_value(o, optarg, err, errlen);
            if (!val) {
                rc = -1;
                break;
            }
        }
        add_val(out, o, val);
    }
    if (rc == 0) {
        out->dashdash = optind > 1 && optind <= argc && strcmp(av[optind - 1], "--") == 0;
        out->nrest = argc - optind;
        out->rest = qtc_xcalloc((size_t)out->nrest + 1, sizeof(char *));
        for (int i = 0; i < out->nrest; i++)
            out->rest[i] = av[optind + i];
    } else {
        qtc_args_free(out);
    }
    free(av);
    return rc;
}

void qtc_args_free(struct qtc_args *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->v[i].value);
    free(a->v);
    free(a->rest);
    memset(a, 0, sizeof(*a));
}

const char *qtc_args_get(const struct qtc_args *a, const char *name)
{
    const char *r = NULL;
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->v[i].opt->name, name) == 0)
            r = a->v[i].value ? a->v[i].value : "";
    return r;
}

bool qtc_args_has(const struct qtc_args *a, const char *name)
{
    return qtc_args_count(a, name) > 0;
}

size_t qtc_args_count(const struct qtc_args *a, const char *name)
{
    size_t n = 0;
    for (size_t i = 0; i < a->n; i++)
        n += strcmp(a->v[i].opt->name, name) == 0;
    return n;
}

/* The plugin option a value stands for (KEY=VALUE), or NULL if qtrace itself uses it. */
static char *plugin_kv(const struct qtc_val *v)
{
    const struct qtc_opt *o = v->opt;
    if (o->kind == QTC_KV)
        return qtc_xstrdup(v->value);
    if (!o->key)
        return NULL;
    const char *val = o->kind == QTC_FLAG || (o->kind == QTC_OPTWORD && !v->value) ? (o->flag_value ? o->flag_value : "on") : v->value;
    size_t n = strlen(o->key) + strlen(val) + 2;
    char *kv = qtc_xmalloc(n);
    snprintf(kv, n, "%s=%s", o->key, val);
    return kv;
}

int qtc_args_write_conf(const struct qtc_args *a, FILE *f)
{
    for (size_t i = 0; i < a->n; i++) {
        char *kv = plugin_kv(&a->v[i]);
        if (kv)
            fprintf(f, "%s\n", kv);
        free(kv);
    }
    return ferror(f) ? -1 : 0;
}

/* The plugin's options from a, as it will read them from qtrace.conf. 0, or -1 with err. */
static int plugin_opts(const struct qtc_args *a, struct qt_opts *o, char *err, size_t errlen)
{
    qt_opts_init(o);
    for (size_t i = 0; i < a->n; i++) {
        char *kv = plugin_kv(&a->v[i]);
        int r = kv ? qt_opts_set(o, kv, "options", err, errlen) : 0;
        free(kv);
        if (r < 0) {
            qt_opts_free(o);
            return -1;
        }
    }
    return 0;
}

int qtc_check_user_opts(const struct qtc_args *a, char *err, size_t errlen)
{
    struct qt_opts o;
    if (plugin_opts(a, &o, err, errlen) < 0)
        return -1;
    struct qt_opts_env env = { .system = false, .arch = NULL, .cli = true };
    int r = qt_opts_check(&o, &env, err, errlen);
    qt_opts_free(&o);
    return r < 0 ? -1 : 0;
}

/* ---- system mode: the guest kernel ---------------------------------------------------------- */

/* What the kernel check depends on: the files (by name, size, time, inode) and the options. */
static void check_key(const struct qtc_args *a, const char *kernel, struct qt_sb *sb)
{
    const char *files[] = { kernel, qtc_args_get(a, "kernel-symbols"), qtc_args_get(a, "layout"),
                            qtc_args_get(a, "program") };
    qt_sb_printf(sb, "qtrace %s kernel check\n", QTRACE_VERSION);
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        struct stat st;
        if (files[i] && stat(files[i], &st) == 0)
            qt_sb_printf(sb, "%s %lld %lld.%09ld %llu\n", files[i], (long long)st.st_size, (long long)st.st_mtim.tv_sec,
                         st.st_mtim.tv_nsec, (unsigned long long)st.st_ino);
        else
            qt_sb_printf(sb, "%s -\n", files[i] ? files[i] : "");
    }
    for (size_t i = 0; i < a->n; i++)
        if (a->v[i].opt->key || a->v[i].opt->kind == QTC_KV)
            qt_sb_printf(sb, "%s=%s\n", a->v[i].opt->name, a->v[i].value ? a->v[i].value : "");
}

int qtc_check_kernel(const struct qtc_args *a, const char *kernel, const char *outdir, char *err, size_t errlen)
{
    const char *comm = qtc_args_get(a, "comm"), *pid = qtc_args_get(a, "pid");
    uint64_t pidn;
    if (pid && (!qtc_parse_u64(pid, 10, &pidn) || pidn > 4194304)) {
        snprintf(err, errlen, "--pid: expected a process id (1..4194304), got '%.100s'", pid);
        return -1;
    }
    if (comm && strlen(comm) > 15 && !strpbrk(comm, "*?[")) {
        snprintf(err, errlen, "--comm '%.100s': the kernel keeps only the first 15 characters of a process name "
                 "(--comm '%.15s' or a glob matches it)", comm, comm);
        return -1;
    }
    /* what the plugin will do at install: the same options, the same rules, loading and selection */
    struct qt_opts o;
    if (plugin_opts(a, &o, err, errlen) < 0)
        return -1;
    struct qt_opts_env env = { .system = true, .arch = qtc_kernel_arch(kernel), .cli = true };
    int r = qt_opts_check(&o, &env, err, errlen);
    if (r < 0 || !o.kernel_introspection) {
        qt_opts_free(&o);
        return r < 0 ? -1 : 0;
    }
    /* checked already, into this output directory, with the same files and options? */
    struct qt_sb key;
    qt_sb_init(&key);
    check_key(a, kernel, &key);
    char stamp[4200];
    snprintf(stamp, sizeof(stamp), "%s/.kernel-checked", outdir ? outdir : ".");
    FILE *f = outdir ? fopen(stamp, "r") : NULL;
    if (f) {
        char *old = qtc_xmalloc(key.len + 2);
        size_t n = fread(old, 1, key.len + 1, f);
        fclose(f);
        bool same = n == key.len && memcmp(old, key.buf, key.len) == 0;
        free(old);
        if (same) {
            qt_sb_free(&key);
            qt_opts_free(&o);
            return 0;
        }
    }
    struct qt_kintro ki;
    r = qt_kintro_load(&ki, kernel, o.kernel_symbols, o.layout, err, errlen);
    if (r == 0) {
        struct qt_symtab prog;
        char e[512];
        bool have = o.program && qt_symtab_load(&prog, o.program, o.bias, e, sizeof(e)) == 0;
        size_t *sel = NULL, n = 0;
        const struct qt_argspec **specs = NULL;
        r = qt_kintro_select(&ki, &o, have ? &prog : NULL, &sel, &specs, &n, err, errlen);
        if (r == 0 && o.vmmap && !ki.symbols_only)
            r = qt_kintro_check_vmmap(&ki, err, errlen);
        free(sel);
        free(specs);
        if (have)
            qt_symtab_free(&prog);
    }
    qt_kintro_free(&ki);
    qt_opts_free(&o);
    if (r == 0 && outdir && (f = fopen(stamp, "w")) != NULL) {
        fwrite(key.buf, 1, key.len, f);
        if (fclose(f) != 0)
            unlink(stamp);
    } else if (outdir) {
        unlink(stamp);
    }
    qt_sb_free(&key);
    return r < 0 ? -1 : 0;
}

void qtc_args_add(struct qtc_args *a, const char *name, const char *value)
{
    for (size_t i = 0; i < qtc_ntrace_opts; i++)
        if (strcmp(qtc_trace_opts[i].name, name) == 0) {
            add_val(a, &qtc_trace_opts[i], qtc_xstrdup(value));
            return;
        }
}

void qtc_args_add_kv(struct qtc_args *a, const char *kv)
{
    for (size_t i = 0; i < qtc_ntrace_opts; i++)
        if (qtc_trace_opts[i].kind == QTC_KV)
            add_val(a, &qtc_trace_opts[i], qtc_xstrdup(kv));
}

/* ---- help ------------------------------------------------------------------------------- */

void qtc_print_wrapped(FILE *f, const char *text, int indent, int first_col, int width)
{
    int col = first_col;
    const char *p = text;
    bool line_empty = true;
    if (col > indent) {
        fputc('\n', f);
        col = 0;
    }
    while (*p) {
        if (*p == '\n') {
            fputc('\n', f);
            col = 0;
            line_empty = true;
            p++;
            continue;
        }
        if (*p == ' ') {
            p++;
            continue;
        }
        size_t wl = strcspn(p, " \n");
        if (col < indent) {
            fprintf(f, "%*s", indent - col, "");
            col = indent;
        } else if (!line_empty && col + 1 + (int)wl > width) {
            fprintf(f, "\n%*s", indent, "");
            col = indent;
            line_empty = true;
        }
        if (!line_empty) {
            fputc(' ', f);
            col++;
        }
        fwrite(p, 1, wl, f);
        col += (int)wl;
        line_empty = false;
        p += wl;
    }
    if (!line_empty || col)
        fputc('\n', f);
}

void qtc_print_table(FILE *f, const struct qtc_opt_table *t)
{
    fprintf(f, "%s:\n", t->title);
    for (size_t i = 0; i < t->n; i++) {
        const struct qtc_opt *o = &t->rows[i];
        char head[96];
        int n;
        if (o->shortopt)
            n = snprintf(head, sizeof(head), "  -%c, --%s%s%s", o->shortopt, o->name, o->metavar ? " " : "",
                         o->metavar ? o->metavar : "");
        else if (o->kind == QTC_OPTWORD)
            n = snprintf(head, sizeof(head), "      --%s[=%s]", o->name, o->metavar);
        else
            n = snprintf(head, sizeof(head), "      --%s%s%s", o->name, o->metavar ? " " : "",
                         o->metavar ? o->metavar : "");
        fputs(head, f);
        qtc_print_wrapped(f, o->help, 28, n + 2 > 28 ? n + 2 : n, 100);
        if (o->kind == QTC_FORMATS)
            qtc_writer_print_list(f, 30, true);
    }
}
