/* QEMU-TRACER compatibility: configs.txt and configs/reg_map.txt as seed 000 writes them, and
 * one test per kind of malformed line (the message names file and line, says what was
 * expected and what was there). */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "arch.h"
#include "argtype.h"
#include "cli.h"
#include "options.h"
#include "qtcompat.h"
#include "reader.h"
#include "tap.h"
#include "tracebuild.h"
#include "writer.h"

static char err[2048];

#define HDR(mode) "helloWorld\nffffffffffffffff~ffffffffffffffff\n0~0\nfuncstack:0\nlinkmap:610000\ntrace_type:" mode "\n"

static int parse(struct qt_compat_cfg *c, const char *text)
{
    err[0] = 0;
    return qt_compat_parse(c, text, strlen(text), "configs.txt", err, sizeof(err));
}

/* Expect -EINVAL and a message that starts with prefix and contains want (if not NULL). */
static void bad(const char *name, const char *text, const char *prefix, const char *want)
{
    struct qt_compat_cfg c;
    int r = parse(&c, text);
    bool good = r == -EINVAL && strncmp(err, prefix, strlen(prefix)) == 0 && (!want || strstr(err, want)) &&
                !strchr(err, '\n') && c.funcs == NULL && c.nfuncs == 0;
    if (!ok(good, "configs.txt %s: %s...", name, prefix))
        printf("#   got %d \"%s\"\n", r, err);
    qt_compat_free(&c);
}

static void test_seed_example(void)
{
    struct qt_compat_cfg c;
    int r = parse(&c, HDR("spec_func_with_param") "ffffffff12345678,0,int,1,string\n");
    if (!ok(r == 0, "the seed's example configs.txt parses"))
        printf("#   %s\n", err);
    is_str(c.program, "helloWorld", "line 1: program");
    is_int(c.kernel.n, 1, "line 2: one kernel range");
    is_u64(c.kernel.r[0].lo, UINT64_MAX, "kernel range start");
    is_u64(c.kernel.r[0].hi, UINT64_MAX, "kernel range end");
    ok(c.user.n == 1 && c.user.r[0].lo == 0 && c.user.r[0].hi == 0, "line 3: user range 0~0");
    ok(!c.funcstack, "line 4: funcstack:0");
    is_u64(c.linkmap, 0x610000, "line 5: linkmap");
    is_int(c.mode, QT_CM_SPEC_FUNC_WITH_PARAM, "line 6: spec_func_with_param");
    is_int(c.nfuncs, 1, "one function");
    is_u64(c.funcs[0].addr, 0xffffffff12345678ull, "its address");
    is_int(c.funcs[0].line, 7, "its line");
    ok(c.funcs[0].nparams == 2 && c.funcs[0].params[0].pos == 0 && !strcmp(c.funcs[0].params[0].type->name, "int") &&
       c.funcs[0].params[1].pos == 1 && !strcmp(c.funcs[0].params[1].type->qtype, "s"),
       "0,int,1,string: return value int (i32), argument 1 string (s)");
    qt_compat_free(&c);
}

static void test_variants(void)
{
    struct qt_compat_cfg c;
    /* unions, CRLF, blank lines and comments among the functions, unsorted functions, 0x */
    const char *t = "sshd\r\n00~ff,1f,5d, 0x100 ~ 0x1ff\r\n400000~4fffff,601000\r\nfuncstack:1\r\nlinkmap:0\r\n"
                    "trace_type:nomal\r\n\r\n# a comment\r\nffffffff81002000,1,cred,2,inode\r\n401000\r\n"
                    "ffffffff81001000,0,dentry,3,socket,1,string\r\n";
    int r = parse(&c, t);
    if (!ok(r == 0, "unions, CRLF, comments, unsorted functions parse"))
        printf("#   %s\n", err);
    is_int(c.kernel.n, 4, "kernel union: 4 items");
    ok(c.kernel.r[0].lo == 0 && c.kernel.r[0].hi == 0xff && c.kernel.r[1].lo == 0x1f && c.kernel.r[1].hi == 0x1f &&
       c.kernel.r[2].lo == 0x5d && c.kernel.r[3].lo == 0x100 && c.kernel.r[3].hi == 0x1ff,
       "00~ff,1f,5d,0x100~0x1ff: ranges and single addresses");
    ok(qt_compat_in(&c.kernel, 0x80) && qt_compat_in(&c.kernel, 0x1ff) && !qt_compat_in(&c.kernel, 0x200),
       "qt_compat_in: ends included");
    ok(c.user.n == 2 && c.user.r[1].lo == 0x601000 && c.user.r[1].hi == 0x601000, "user union");
    ok(c.funcstack && c.linkmap == 0 && c.mode == QT_CM_NOMAL, "funcstack:1, linkmap:0, nomal");
    is_int(c.nfuncs, 3, "three functions");
    ok(c.nfuncs == 3 && c.funcs[0].addr == 0x401000 && c.funcs[1].addr == 0xffffffff81001000ull &&
       c.funcs[2].addr == 0xffffffff81002000ull, "sorted by address");
    ok(c.nfuncs == 3 && c.funcs[0].nparams == 0 && c.funcs[0].line == 10, "an address alone: no parameters, line 10");
    const struct qt_compat_func *f = qt_compat_func_at(&c, 0xffffffff81001000ull);
    ok(f && f->nparams == 3 && f->params[0].pos == 0 && f->params[1].pos == 1 && f->params[2].pos == 3 &&
       !strcmp(f->params[2].type->name, "socket"), "0,dentry,3,socket,1,string: sorted by position");
    ok(!qt_compat_func_at(&c, 0x401001), "qt_compat_func_at: no function there");
    qt_compat_free(&c);

    r = parse(&c, HDR("normal"));
    ok(r == 0 && c.mode == QT_CM_NOMAL && c.nfuncs == 0, "'normal' is accepted for 'nomal'; no function lines");
    qt_compat_free(&c);
    r = parse(&c, "p\n0\n0\nfuncstack:0\nlinkmap:no\ntrace_type:all_func_without_param");
    ok(r == 0 && c.mode == QT_CM_ALL_FUNC_WITHOUT_PARAM && c.kernel.n == 1, "no final newline; linkmap:no");
    qt_compat_free(&c);
    for (int m = 0; m < QT_CM_NMODES; m++) {
        char buf[512];
        snprintf(buf, sizeof(buf), HDR("%s"), qt_compat_mode_name((enum qt_compat_mode)m));
        r = parse(&c, buf);
        ok(r == 0 && (int)c.mode == m, "trace_type:%s", qt_compat_mode_name((enum qt_compat_mode)m));
        qt_compat_free(&c);
    }
    ok(qt_compat_mode_raw_params(QT_CM_ALL_FUNC_WITH_PARAM) && qt_compat_mode_raw_params(QT_CM_PROCESS_FUNC_WITH_PARAM) &&
       !qt_compat_mode_raw_params(QT_CM_SPEC_FUNC_WITH_PARAM), "raw-parameter modes");
    ok(qt_compat_mode_process(QT_CM_PROCESS_FUNC_WITHOUT_PARAM) && !qt_compat_mode_process(QT_CM_ALL_FUNC_WITH_PARAM),
       "process modes");
    ok(qt_compat_mode_every_func(QT_CM_ALL_FUNC_WITHOUT_PARAM) && !qt_compat_mode_every_func(QT_CM_NOMAL),
       "every-function modes");
}

static void test_types(void)
{
    const char *seed[] = { "int", "string", "socket", "cred", "inode", "dentry" };
    for (size_t i = 0; i < 6; i++) {
        const struct qt_compat_type *t = qt_compat_type_by_name(seed[i]);
        ok(t && t->seed && qt_argtype_by_name(t->qtype), "seed type %s maps to qtrace's %s", seed[i], t ? t->qtype : "?");
    }
    const struct qt_compat_type *all;
    size_t n = qt_compat_types(&all);
    size_t good = 0;
    for (size_t i = 0; i < n; i++)
        good += qt_argtype_by_name(all[i].qtype) != NULL;
    is_int(good, n, "every configs.txt type maps to a qtrace argument type");
    is_str(qt_compat_type_name_for(QT_T_INT, 32), "int", "i32 is shown as int");
    is_str(qt_compat_type_name_for(QT_T_STR, 64), "string", "s is shown as string");
    is_str(qt_compat_type_name_for(QT_T_CRED, 64), "cred", "cred");
    ok(qt_compat_type_name_for(200, 64) == NULL, "an unknown type has no name");
}

/* Every kind of malformed configs.txt line. */
static void test_errors(void)
{
    bad("empty file", "", "configs.txt:1: expected the name of the program to trace", "got end of file");
    bad("missing lines (end of file)", "helloWorld\n0~0\n0~0\nfuncstack:0\n",
        "configs.txt:5: expected linkmap:ADDRESS", "got end of file (configs.txt has six lines before the functions");
    bad("missing line (funcstack)", "helloWorld\n0~0\n0~0\nlinkmap:0\ntrace_type:nomal\n",
        "configs.txt:4: expected funcstack:0 or funcstack:1, got 'linkmap:0' (which looks like the linkmap line: is a "
        "line missing?", NULL);
    bad("missing line (user range)", "helloWorld\n0~0\nfuncstack:0\nlinkmap:0\ntrace_type:nomal\n",
        "configs.txt:3: expected the user address range", "is a line missing?");
    bad("missing program line", "0~ff\n0~0\nfuncstack:0\nlinkmap:0\ntrace_type:nomal\n",
        "configs.txt:1: expected the name of the program to trace (e.g. helloWorld), got '0~ff'", "is a line missing?");
    bad("missing trace_type line", "helloWorld\n0~0\n0~0\nfuncstack:0\nlinkmap:0\nffffffff81000000,0,int\n",
        "configs.txt:6: expected trace_type:MODE", "(which looks like a function line: is a line missing?");
    bad("bad hex", "helloWorld\nffffffff8100000g~ffffffff81ffffff\n0~0\nfuncstack:0\nlinkmap:0\ntrace_type:nomal\n",
        "configs.txt:2: expected a hexadecimal start address (at most 16 digits) in the kernel range, got "
        "'ffffffff8100000g'", NULL);
    bad("bad hex end", "helloWorld\n0~0\n400000~40zz00\nfuncstack:0\nlinkmap:0\ntrace_type:nomal\n",
        "configs.txt:3: expected a hexadecimal end address (at most 16 digits) after '~' in the user range, got "
        "'40zz00'", NULL);
    bad("too many digits", "helloWorld\n0~0\n0~10000000000000000\nfuncstack:0\nlinkmap:0\ntrace_type:nomal\n",
        "configs.txt:3: expected a hexadecimal end address (at most 16 digits)", NULL);
    bad("missing ~", "helloWorld\nffffffff81000000-ffffffff81ffffff\n0~0\nfuncstack:0\nlinkmap:0\ntrace_type:nomal\n",
        "configs.txt:2: expected START~END (with '~') or one address in the kernel range, got "
        "'ffffffff81000000-ffffffff81ffffff'", NULL);
    bad("inverted range", "helloWorld\n0~0\n4fffff~400000\nfuncstack:0\nlinkmap:0\ntrace_type:nomal\n",
        "configs.txt:3: expected START <= END in the user range, got '4fffff~400000' (the start is above the end)", NULL);
    bad("empty union item", "helloWorld\n00~ff,,5d\n0~0\nfuncstack:0\nlinkmap:0\ntrace_type:nomal\n",
        "configs.txt:2: expected an address or START~END in the kernel range after ',', got '00~ff,,5d'", NULL);
    bad("empty range line", "helloWorld\n\n0~0\nfuncstack:0\nlinkmap:0\ntrace_type:nomal\n",
        "configs.txt:2: expected the kernel address range START~END", "got ''");
    bad("bad funcstack", "helloWorld\n0~0\n0~0\nfuncstack:2\nlinkmap:0\ntrace_type:nomal\n",
        "configs.txt:4: expected funcstack:0 or funcstack:1, got 'funcstack:2'", NULL);
    bad("bad linkmap", "helloWorld\n0~0\n0~0\nfuncstack:0\nlinkmap:0x61q000\ntrace_type:nomal\n",
        "configs.txt:5: expected linkmap:ADDRESS (hex", "got 'linkmap:0x61q000'");
    bad("unknown trace type", HDR("spec_func"),
        "configs.txt:6: expected trace_type: spec_func_with_param, all_func_without_param, all_func_with_param, "
        "process_func_without_param, process_func_with_param or nomal, got 'spec_func'", NULL);
    bad("0,int after an argument", HDR("spec_func_with_param") "ffffffff12345678,1,string,0,int\n",
        "configs.txt:7: expected the return value (0,TYPE) right after the address, got '0,int' after argument 1 "
        "(QEMU-TRACER's rule: \"0,int\xe5\xbf\x85\xe9\xa1\xbb\xe6\x94\xbe\xe5\x9c\xa8\xe6\x9c\x80\xe5\x89\x8d\xe9\x9d\xa2\" "
        "(0,int must come first)", "ffffffff12345678,1,string,0,int is not");
    bad("unknown type", HDR("spec_func_with_param") "401000,0,int\n401100,1,str\n",
        "configs.txt:8: expected a type for position 1, one of int string socket cred inode dentry (QEMU-TRACER's) or "
        "long ", "(qtrace's), got 'str'");
    bad("odd pos/type pairs", HDR("spec_func_with_param") "401000,0,int,1\n",
        "configs.txt:7: expected pos,type pairs after the address, got an odd number of fields (the last, '1', has no "
        "type)", NULL);
    bad("odd pairs, type without position", HDR("spec_func_with_param") "401000,int\n",
        "configs.txt:7: expected pos,type pairs after the address", "has no position");
    bad("position out of range", HDR("spec_func_with_param") "401000,0,int,17,int\n",
        "configs.txt:7: expected a position from 0 (return value) to 16, got 17", NULL);
    bad("position not a number", HDR("spec_func_with_param") "401000,a,int\n",
        "configs.txt:7: expected a position (0 = return value, 1..16 = argument), got 'a'", NULL);
    bad("position twice", HDR("spec_func_with_param") "401000,1,int,1,string\n",
        "configs.txt:7: expected each position once, got argument 1 twice", NULL);
    bad("duplicate function", HDR("spec_func_with_param") "401000,0,int\n402000\n401000,1,int\n",
        "configs.txt:9: expected each function once, got 0x401000 again (first on line 7)", NULL);
    bad("bad function address", HDR("spec_func_with_param") "40x000,0,int\n",
        "configs.txt:7: expected the hexadecimal address of a function (at most 16 digits), got '40x000'", NULL);
    bad("header line among the functions", HDR("spec_func_with_param") "funcstack:1\n",
        "configs.txt:7: expected a function line ADDR,pos,type,... got 'funcstack:1'", NULL);
    bad("program name with a space", "hello world\n0~0\n0~0\nfuncstack:0\nlinkmap:0\ntrace_type:nomal\n",
        "configs.txt:1: expected the name of the program to trace (one word, e.g. helloWorld), got 'hello world'", NULL);
    /* a NUL inside: strlen stops there, so give the length */
    struct qt_compat_cfg c;
    const char nul[] = "hello\n0~0\n\0\n";
    int r = qt_compat_parse(&c, nul, sizeof(nul) - 1, "configs.txt", err, sizeof(err));
    ok(r == -EINVAL && !strcmp(err, "configs.txt:3: expected text, got a NUL byte"), "NUL byte named by line (%s)", err);
    qt_compat_free(&c);
    bad("control bytes are shown escaped", "helloWorld\n0~0\n0~0\nfuncstack:\x1b[2J\nlinkmap:0\ntrace_type:nomal\n",
        "configs.txt:4: expected funcstack:0 or funcstack:1, got 'funcstack:\\x1b[2J'", NULL);
}

static void test_load(void)
{
    char dir[] = "/tmp/qtc-test.XXXXXX";
    ok(mkdtemp(dir) != NULL, "temporary directory");
    char path[600];
    snprintf(path, sizeof(path), "%s/configs.txt", dir);
    struct qt_compat_cfg c;
    int r = qt_compat_load(&c, path, err, sizeof(err));
    ok(r == -ENOENT && strstr(err, "configs.txt: No such file or directory"), "a missing file is named (%s)", err);
    FILE *f = fopen(path, "w");
    fputs(HDR("nomal") "401000,0,int,9\n", f);
    fclose(f);
    r = qt_compat_load(&c, path, err, sizeof(err));
    char want[700];
    snprintf(want, sizeof(want), "%s:7: expected pos,type pairs", path);
    ok(r == -EINVAL && !strncmp(err, want, strlen(want)), "errors name the file as given (%s)", err);
    qt_compat_free(&c);
    f = fopen(path, "w");
    fputs(HDR("nomal") "401000,0,int\n", f);
    fclose(f);
    r = qt_compat_load(&c, path, err, sizeof(err));
    ok(r == 0 && c.nfuncs == 1, "load a good file");
    qt_compat_free(&c);
    unlink(path);
    rmdir(dir);
}

/* ---- reg_map ---------------------------------------------------------------------------------- */

static int rparse(struct qt_regmap *m, const char *text)
{
    err[0] = 0;
    return qt_regmap_parse(m, text, strlen(text), "configs/reg_map.txt", err, sizeof(err));
}

static void rbad(const char *name, const char *text, const char *msg)
{
    struct qt_regmap m;
    int r = rparse(&m, text);
    if (!ok(r == -EINVAL && strncmp(err, msg, strlen(msg)) == 0 && !strchr(err, '\n'), "reg_map %s: %s", name, msg))
        printf("#   got %d \"%s\"\n", r, err);
}

static void test_regmap(void)
{
    struct qt_regmap m;
    /* the seed's file, with its trailing blanks */
    const char *seed = " 32 R_EAX 0 --> 0\n 32 R_EAX 1 --> 0\n 32 R_ECX 2 --> 1\n 32 R_EDX 3 --> 2 \n"
                       " 64 R_EAX 0 --> 0\n 64 R_EDI 1 --> 7\n 64 R_ESI 2 --> 6 \n 64 R_EDX 3 --> 2\n"
                       " 64 R_ECX 4 --> 1\n 64 R_8 5 --> 8\n 64 R_9 6 --> 9\n";
    int r = rparse(&m, seed);
    if (!ok(r == 0, "the seed's reg_map.txt parses"))
        printf("#   %s\n", err);
    is_int(m.nlines, 11, "11 lines");
    is_int(qt_regmap_nargs(&m, 64), 6, "64-bit: arguments 1..6");
    is_int(qt_regmap_nargs(&m, 32), 3, "32-bit: arguments 1..3");
    const struct qt_regmap_ent *e = qt_regmap_of(&m, 64);
    ok(e && e[0].set && e[0].index == 0 && e[1].index == 7 && e[5].index == 8 && e[6].index == 9 && e[6].line == 11,
       "64-bit: return in R_EAX, argument 1 R_EDI (7), 5 R_8, 6 R_9 on line 11");
    is_str(qt_regmap_plugin_reg(e[1].index, 64), "rdi", "index 7 is rdi in 64-bit");
    is_str(qt_regmap_plugin_reg(7, 32), "edi", "index 7 is edi in 32-bit");
    is_str(qt_regmap_plugin_reg(9, 64), "r9", "index 9 is r9");
    ok(qt_regmap_plugin_reg(9, 32) == NULL, "no r9 in 32-bit");
    is_int(qt_regmap_reg_index("R_R10", 64), 10, "R_R10 is 10 (QEMU's own spelling)");
    is_int(qt_regmap_reg_index("R_15", 64), 15, "R_15 is 15");
    is_int(qt_regmap_reg_index("R_8", 32), -1, "R_8 is not a 32-bit register");
    is_int(qt_regmap_reg_index("R_16", 64), -1, "R_16 does not exist");
    ok(qt_regmap_of(&m, 16) == NULL, "only 32 and 64");

    /* the built-in copy is the seed's file */
    struct qt_regmap s;
    r = qt_regmap_parse(&s, qt_regmap_seed, strlen(qt_regmap_seed), "built-in", err, sizeof(err));
    ok(r == 0 && s.nlines == 11 && qt_regmap_nargs(&s, 64) == 6, "the built-in seed reg_map parses");

    /* compared with qtrace's calling conventions (common/arch.c) */
    const struct qt_arch_desc *x64 = qt_arch_by_id(QT_ARCH_X86_64), *x32 = qt_arch_by_id(QT_ARCH_I386);
    char msgs[8][256];
    size_t n = qt_regmap_compare(&m, 64, "configs/reg_map.txt", x64->kernel_cc->arg_regs, x64->kernel_cc->n_arg_regs,
                                 x64->kernel_cc->ret_reg, x64->kernel_cc->name, msgs, 8);
    is_int(n, 0, "the seed's 64-bit lines are x86-64's System V registers");
    n = qt_regmap_compare(&m, 32, "configs/reg_map.txt", x32->kernel_cc->arg_regs, x32->kernel_cc->n_arg_regs,
                          x32->kernel_cc->ret_reg, x32->kernel_cc->name, msgs, 8);
    is_int(n, 2, "the seed's 32-bit lines swap ecx and edx of the i386 kernel's regparm(3)");
    is_str(msgs[0], "configs/reg_map.txt:3: 32-bit argument 2 in ecx, but the regparm3 convention passes it in edx",
           "the message names the line");
    n = qt_regmap_compare(&m, 32, "configs/reg_map.txt", x32->user_cc->arg_regs, x32->user_cc->n_arg_regs,
                          x32->user_cc->ret_reg, x32->user_cc->name, msgs, 8);
    ok(n == 3 && strstr(msgs[0], "argument 1 in eax, but the cdecl convention passes it on the stack"),
       "i386 user code passes arguments on the stack (%s)", n ? msgs[0] : "");

    rparse(&m, "# comment\n\n64 R_EAX 0 --> 0\n");
    ok(m.nlines == 1 && qt_regmap_nargs(&m, 64) == 0, "comments, blank lines; no argument lines");

    rbad("bad bits", "16 R_EAX 0 --> 0\n", "configs/reg_map.txt:1: expected the word size 32 or 64 first, got '16'");
    rbad("bad register", "64 R_EAX 0 --> 0\n64 EDI 1 --> 7\n",
         "configs/reg_map.txt:2: expected a register (R_EAX R_ECX R_EDX R_EBX R_ESP R_EBP R_ESI R_EDI R_8..R_15), got 'EDI'");
    rbad("64-bit register in a 32-bit line", "32 R_8 1 --> 8\n",
         "configs/reg_map.txt:1: expected a 32-bit register (R_EAX R_ECX R_EDX R_EBX R_ESP R_EBP R_ESI R_EDI), got 'R_8' "
         "(64-bit only)");
    rbad("bad arrow", "64 R_EDI 1 -> 7\n",
         "configs/reg_map.txt:1: expected '-->' between the position and QEMU's register index, got '->'");
    rbad("arrow glued", "64 R_EDI 1-->7\n",
         "configs/reg_map.txt:1: expected '-->' between the position and QEMU's register index, separated by blanks");
    rbad("wrong index", "64 R_EDI 1 --> 6\n", "configs/reg_map.txt:1: expected 7 (QEMU's index of R_EDI), got '6'");
    rbad("position out of range", "64 R_EDI 17 --> 7\n",
         "configs/reg_map.txt:1: expected a position from 0 (return value) to 16, got '17'");
    rbad("return value after arguments", "64 R_EDI 1 --> 7\n64 R_EAX 0 --> 0\n",
         "configs/reg_map.txt:2: expected the 64-bit return value line before the 64-bit argument lines (QEMU-TRACER's "
         "rule: the return value must come before the arguments), got it after line 1");
    rbad("position twice", "64 R_EDI 1 --> 7\n64 R_ESI 1 --> 6\n",
         "configs/reg_map.txt:2: expected each 64-bit position once, got argument 1 again (first on line 1)");
    rbad("too few fields", "64 R_EDI 1\n",
         "configs/reg_map.txt:1: expected BITS REG POS --> INDEX (e.g. 64 R_EDI 1 --> 7), got '64 R_EDI 1' (3 fields)");
    ok(rparse(&m, "32 R_EDI 1 --> 7\n64 R_EAX 0 --> 0\n") == 0, "the rule is per word size: 64-bit return after a 32-bit "
       "argument is fine");
}

/* ---- range= (plugin option for address-range selection) --------------------------------------- */

static void test_range_option(void)
{
    struct qt_opts o;
    qt_opts_init(&o);
    ok(qt_opts_set(&o, "range=401000-402000", "t", err, sizeof(err)) == 0, "range=401000-402000");
    ok(qt_opts_set(&o, "range=0xffffffff81000000-0xffffffff81000010", "t", err, sizeof(err)) == 0, "range= with 0x");
    ok(o.nrange == 2 && o.range[0].lo == 0x401000 && o.range[0].end == 0x402000, "stored");
    ok(qt_opts_in_range(&o, 0x401000) && qt_opts_in_range(&o, 0x401fff) && !qt_opts_in_range(&o, 0x402000) &&
       qt_opts_in_range(&o, 0xffffffff8100000full), "qt_opts_in_range: end excluded");
    ok(qt_opts_set(&o, "range=402000-401000", "t", err, sizeof(err)) == -EINVAL &&
       !strcmp(err, "t: range: expected LO below END, got '402000-401000'"), "an empty or inverted range (%s)", err);
    ok(qt_opts_set(&o, "range=40100g-402000", "t", err, sizeof(err)) == -EINVAL &&
       !strcmp(err, "t: range: expected an address range LO-END (hex, END excluded), got '40100g-402000'"),
       "bad hex (%s)", err);
    ok(qt_opts_set(&o, "range=401000", "t", err, sizeof(err)) == -EINVAL, "no END");
    for (int i = 2; i < QT_MAX_RANGES; i++)
        qt_opts_set(&o, "range=1-2", "t", err, sizeof(err));
    ok(qt_opts_set(&o, "range=1-2", "t", err, sizeof(err)) == -EINVAL && strstr(err, "too many values (limit 64)"),
       "at most %d ranges", QT_MAX_RANGES);
    qt_opts_free(&o);
    ok(!qt_opts_in_range(&o, 0x401000), "freed: no range");
}

/* ---- the log and stack writers, on a trace built in memory -------------------------------------- */

static uint64_t ts;

/* a call of thread 74 (pid 70, address space 0x1000) on vCPU 0, at the next ts */
static void qb_call70(struct qb *b, uint16_t type, uint16_t depth, uint16_t flags, uint64_t func, int nargs,
                      const struct targ *args)
{
    size_t start = b->len;
    qb_call(b, type, 0, 74, 0x1000, depth, flags, ++ts, 0, func, 0, nargs, args);
    ((struct qt_rec_call *)(b->buf + start))->pid = 70;
}

static char *write_out(const struct qtr *r, const char *fmt)
{
    char *text = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&text, &n);
    char e[512];
    if (qtc_write_trace(r, qtc_writer_find(fmt), f, e, sizeof(e)) < 0)
        printf("#   %s\n", e);
    fclose(f);
    return text;
}

static void test_writers(void)
{
    struct qb b;
    qb_init(&b, QT_MODE_SYSTEM, 0);
    qb_chunk(&b, 0);
    const uint64_t slide = 0x2000000, kw = 0xffffffff81367680ull + slide;
    qb_map(&b, 0, 0x10, "/progs/calls");
    qb_kmap(&b, slide, 0x10, "/boot/vmlinuz");
    qb_sym(&b, 0x401819, 0x10, "main", QB_NOPARAMS);
    qb_sym(&b, 0x4017c9, 0x10, "greet", QB_NOPARAMS);
    qb_sym(&b, 0x40179e, 0x10, "fact", QB_NOPARAMS);
    qb_ksym(&b, kw, 0x10, "ksys_write", QB_NOPARAMS);
    struct qt_rec_thread th;
    memset(&th, 0, sizeof(th));
    th.h.type = QT_REC_THREAD;
    th.h.size = sizeof(th);
    th.tid = 74;
    th.pid = 70;
    th.asid = 0x1000;
    memcpy(th.comm, "calls", 6);
    qb_put(&b, &th, sizeof(th));
    b.nrec++;
    struct targ s1 = { 1, QT_T_STR, 64, 0, 0x4a0000, "world", 5 }, r0 = I32(0, 5), r6 = I32(0, 6);
    struct targ w[3] = { I32(1, 1), { 2, QT_T_STR, 64, 0, 0x7ffc0000, "hello\n", 6 }, I32(3, 6) };
    /* the guest's link map, walked at main's call: two objects (one name unreadable), the end */
    struct targ lm1[4] = { { 1, QT_T_UINT, 32, 0, 0, NULL, 0 }, HEX(2, 0x555555554000),
                           { 3, QT_T_STR, 64, 0, 0x7f00000001a0, "", 0 }, HEX(4, 0x7f0000002000) };
    struct targ lm2[4] = { { 1, QT_T_UINT, 32, 0, 0, NULL, 0 }, HEX(2, 0x7f0000100000),
                           { 3, QT_T_STR, 64, QT_ARG_UNREADABLE, 0x7f00dead0000, NULL, 0 }, HEX(4, 0x7f0000002100) };
    struct targ lme[4] = { { 1, QT_T_UINT, 32, 0, 1, NULL, 0 }, HEX(2, 0), { 3, QT_T_UINT, 32, 0, 1, NULL, 0 },
                           { 4, QT_T_UINT, 32, 0, 2, NULL, 0 } };
    qb_call70(&b, QT_REC_PROC, 0, 0, QT_PROC_LINKMAP, 4, lm1);
    qb_call70(&b, QT_REC_PROC, 0, 0, QT_PROC_LINKMAP, 4, lm2);
    qb_call70(&b, QT_REC_PROC, 0, 0, QT_PROC_LINKMAP, 4, lme);
    qb_call70(&b, QT_REC_ENTRY, 0, 0, 0x401819, 0, NULL);                 /* main { */
    qb_call70(&b, QT_REC_ENTRY, 1, 0, 0x4017c9, 1, &s1);                  /*   greet("world") { */
    qb_call70(&b, QT_REC_EXIT, 1, 0, 0x4017c9, 1, &r0);                   /*   } = 5 */
    qb_call70(&b, QT_REC_ENTRY, 1, 0, 0x40179e, 0, NULL);                 /*   fact { */
    qb_call70(&b, QT_REC_ENTRY, 0, 0, kw, 3, w);                          /*     (kernel stack) ksys_write */
    qb_call70(&b, QT_REC_EXIT, 0, 0, kw, 1, &r6);
    qb_call70(&b, QT_REC_EXIT, 1, QT_CALL_UNWOUND, 0x40179e, 0, NULL);   /*   } unwound */
    qb_call70(&b, QT_REC_EXIT, 0, QT_CALL_UNFINISHED, 0x401819, 0, NULL); /* } unfinished */
    const uint64_t end_ts = ++ts;
    qb_end(&b, end_ts, 8, 0);
    qb_close_chunk(&b);
    struct qtr r;
    char e[512];
    ok(qtr_open_mem(&r, b.buf, b.len, "mem.qtr", e, sizeof(e)) == 0, "the trace opens (%s)", e);

    const char *listed[] = { "greet", "ksys_write", NULL };
    struct qtc_compat_out co = { "configs.txt", "calls", "spec_func_with_param", true, true, listed, 0x610000 };
    qtc_compat_set_output(&co);
    char *stack = write_out(&r, "compat-stack"), *log = write_out(&r, "compat-log");
    is_str(stack,
           "# qtrace compat stack: configs.txt program=calls trace_type=spec_func_with_param funcstack=1; x86_64 system "
           "mode; kernel addresses at link time (KASLR slide 0x2000000)\n"
           "# linkmap:610000: the guest's link map (l_addr and l_name of each object, in list order), read at the "
           "program's first call\n"
           "linkmap 0x0000555555554000  \"\" pid=70 tid=74 comm=calls\n"
           "linkmap 0x00007f0000100000  <unreadable 0x7f00dead0000> pid=70 tid=74 comm=calls\n"
           "# linkmap: end of the list: 2 objects from GOT[1] pid=70 tid=74 comm=calls\n"
           "stack main@0x401819 > greet@0x4017c9 pid=70 tid=74 comm=calls\n"
           "call 0x4017c9 greet(1:string=\"world\") pid=70 tid=74 comm=calls\n"
           "ret 0x4017c9 greet = 0:int=5 pid=70 tid=74 comm=calls\n"
           "stack main@0x401819 > fact@0x40179e > ksys_write@0xffffffff81367680 pid=70 tid=74 comm=calls\n"
           "call 0xffffffff81367680 ksys_write(1:int=1, 2:string=\"hello\\n\", 3:int=6) pid=70 tid=74 comm=calls\n"
           "ret 0xffffffff81367680 ksys_write = 0:int=6 pid=70 tid=74 comm=calls\n",
           "stack: listed calls decoded, stacks user then kernel, link-time kernel addresses, linkmap");
    is_str(log,
           "# qtrace compat log: configs.txt program=calls trace_type=spec_func_with_param funcstack=1; x86_64 system "
           "mode; kernel addresses at link time (KASLR slide 0x2000000)\n"
           "linkmap 0 0x555555554000 \"\" 0x7f0000002000 pid=70 tid=74 comm=calls\n"
           "linkmap 0 0x7f0000100000 <unreadable 0x7f00dead0000> 0x7f0000002100 pid=70 tid=74 comm=calls\n"
           "linkmap 1 0x0 1 2 pid=70 tid=74 comm=calls\n"
           "call 0x401819 main() depth=0 pid=70 tid=74 comm=calls\n"
           "call 0x4017c9 greet(1=\"world\") depth=1 pid=70 tid=74 comm=calls\n"
           "ret 0x4017c9 greet = 5 depth=1 pid=70 tid=74 comm=calls\n"
           "call 0x40179e fact() depth=1 pid=70 tid=74 comm=calls\n"
           "call 0xffffffff81367680 ksys_write(1=1, 2=\"hello\\n\", 3=6) depth=0 pid=70 tid=74 comm=calls\n"
           "ret 0xffffffff81367680 ksys_write = 6 depth=0 pid=70 tid=74 comm=calls\n"
           "unwind 0x40179e fact depth=1 pid=70 tid=74 comm=calls\n"
           "unfinished 0x401819 main depth=0 pid=70 tid=74 comm=calls\n",
           "log: every call and return, unwound and unfinished ones");
    free(stack);
    free(log);
    /* nomal-like: not spec, funcstack: a stack line for every call, no call lines */
    struct qtc_compat_out co2 = { "configs.txt", "calls", "nomal", false, true, NULL, 0 };
    qtc_compat_set_output(&co2);
    stack = write_out(&r, "compat-stack");
    ok(stack && strstr(stack, "\nstack main@0x401819 pid=70 tid=74 comm=calls\n") &&
       strstr(stack, "\nstack main@0x401819 > fact@0x40179e pid=70") && !strstr(stack, "\ncall "),
       "nomal, funcstack:1: a stack line per call, no call lines");
    free(stack);
    /* qtrace dump -f compat-stack: no configuration, every call as a listed one */
    qtc_compat_set_output(NULL);
    stack = write_out(&r, "compat-stack");
    ok(stack && !strncmp(stack, "# qtrace compat stack: x86_64 system mode;", 41) &&
       strstr(stack, "\ncall 0x401819 main() pid=70") && strstr(stack, "\nunwind 0x40179e fact pid=70") &&
       !strstr(stack, "\nstack "), "without a configuration: every call, no stacks");
    free(stack);
    qtr_close(&r);
    free(b.buf);

    /* a 100-deep recursion: stack lines keep the outermost 8 and the innermost 56 frames */
    qb_init(&b, QT_MODE_SYSTEM, 0);
    qb_chunk(&b, 0);
    qb_sym(&b, 0x40179e, 0x10, "fact", QB_NOPARAMS);
    for (int d = 0; d < 100; d++)
        qb_call70(&b, QT_REC_ENTRY, (uint16_t)d, 0, 0x40179e, 0, NULL);
    for (int d = 99; d >= 0; d--)
        qb_call70(&b, QT_REC_EXIT, (uint16_t)d, 0, 0x40179e, 0, NULL);
    qb_end(&b, end_ts, 8, 0);
    qb_close_chunk(&b);
    ok(qtr_open_mem(&r, b.buf, b.len, "deep.qtr", e, sizeof(e)) == 0, "a deep trace opens (%s)", e);
    qtc_compat_set_output(&co2);
    stack = write_out(&r, "compat-stack");
    qtc_compat_set_output(NULL);
    const char *last = stack ? strrchr(stack, '\n') : NULL;
    while (last && last > stack && last[-1] != '\n')
        last--;
    int frames = 0;
    for (const char *p = last; p && *p; p++)
        frames += *p == '@';
    ok(last && !strncmp(last, "stack fact@0x40179e > ", 22) && strstr(last, " > fact@0x40179e > ... 36 frames ... > fact@") &&
       frames == 64, "the 100th stack line: 8 + 56 frames, 36 left out (%d frames)", frames);
    free(stack);
    qtr_close(&r);
    free(b.buf);
}

int main(void)
{
    test_seed_example();
    test_variants();
    test_types();
    test_errors();
    test_load();
    test_regmap();
    test_range_option();
    test_writers();
    return done_testing();
}
