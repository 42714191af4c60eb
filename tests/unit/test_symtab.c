/*
 * ELF symbols: fixtures from tests/unit/fixtures/ are compiled at test time (static non-PIE
 * with DWARF, PIE, non-PIE, IBT .plt.sec, stripped, i386 and aarch64 when the compilers are
 * there) and checked against nm/objdump; error cases, a mutation fuzz (nothing may crash),
 * globs.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arch.h"
#include "format.h"
#include "symtab.h"
#include "tap.h"

static char tmpdir[1024];
static char fixdir[1100];

static void skip(const char *why)
{
    ok(1, "# SKIP %s", why);
}

/* Run a shell command; output goes to tmpdir/log, shown as TAP comments on failure. */
static bool sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static bool sh(const char *fmt, ...)
{
    char cmd[8192], full[9300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    snprintf(full, sizeof(full), "(%s) >%s/log 2>&1", cmd, tmpdir);
    int rc = system(full);
    if (rc != 0) {
        printf("# command failed (%d): %s\n", rc, cmd);
        char logp[PATH_MAX + 8];
        snprintf(logp, sizeof(logp), "%s/log", tmpdir);
        FILE *f = fopen(logp, "r");
        char line[512];
        for (int i = 0; f && i < 20 && fgets(line, sizeof(line), f); i++)
            printf("#   %s", line);
        if (f)
            fclose(f);
    }
    return rc == 0;
}

static bool have(const char *tool)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", tool);
    return system(cmd) == 0;
}

static void path_in(char *out, size_t len, const char *name)
{
    snprintf(out, len, "%s/%s", tmpdir, name);
}

/* Address of a defined symbol according to nm, 0 if absent. */
static uint64_t nm_addr(const char *nm, const char *path, const char *name)
{
    char cmd[PATH_MAX + 128], line[1024];
    snprintf(cmd, sizeof(cmd), "%s --defined-only '%s' 2>/dev/null", nm, path);
    FILE *p = popen(cmd, "r");
    uint64_t found = 0;
    while (p && fgets(line, sizeof(line), p)) {
        unsigned long long a;
        char type, sym[512];
        if (sscanf(line, "%llx %c %511s", &a, &type, sym) == 3 && strcmp(sym, name) == 0 && !found)
            found = a;
    }
    if (p)
        pclose(p);
    return found;
}

/* Address of "<name>:" in objdump -d, 0 if absent. */
static uint64_t objdump_addr(const char *objdump, const char *path, const char *name)
{
    char cmd[PATH_MAX + 128], line[1024], want[600];
    snprintf(cmd, sizeof(cmd), "%s -d '%s' 2>/dev/null", objdump, path);
    snprintf(want, sizeof(want), "<%s>:", name);
    FILE *p = popen(cmd, "r");
    uint64_t found = 0;
    while (p && fgets(line, sizeof(line), p)) {
        unsigned long long a;
        char rest[600];
        if (!found && sscanf(line, "%llx %599s", &a, rest) == 2 && strcmp(rest, want) == 0)
            found = a;
    }
    if (p)
        pclose(p);
    return found;
}

static void check_param(const struct qt_sym *s, int i, const char *name, int type, int bits, const char *tag)
{
    if (!s || i >= s->nparams) {
        ok(0, "%s: %s has param %d (%s)", tag, s ? s->name : "(null)", i + 1, name);
        return;
    }
    const struct qt_param *p = &s->params[i];
    if (!ok(p->name && strcmp(p->name, name) == 0 && p->type == type && p->bits == bits,
            "%s: %s param %d is %s type %d/%d", tag, s->name, i + 1, name, type, bits))
        printf("#   got %s type %d/%d\n", p->name ? p->name : "(null)", p->type, p->bits);
}

/* Consistency of any loaded table: sorted, every name found, lookups hit their symbol. */
static void check_invariants(const struct qt_symtab *st, const char *tag)
{
    bool sorted = true, found = true, lookup = true;
    for (size_t i = 0; i < st->n; i++) {
        const struct qt_sym *s = &st->syms[i];
        if (i && st->syms[i - 1].addr >= s->addr)
            sorted = false;
        const struct qt_sym *f = qt_symtab_find(st, s->name);
        if (!f || strcmp(f->name, s->name) != 0)
            found = false;
        if (qt_symtab_lookup(st, s->addr) != s)
            lookup = false;
    }
    ok(sorted, "%s: sorted by address, one symbol per address", tag);
    ok(found, "%s: every symbol is found by name", tag);
    ok(lookup, "%s: every symbol's address looks up to itself", tag);
}

static void check_greet_dwarf(const struct qt_symtab *st, unsigned word_bits, const char *tag)
{
    const struct qt_sym *g = qt_symtab_find(st, "greet");
    if (!ok(g && g->nparams == 3, "%s: greet has 3 DWARF params", tag)) {
        printf("#   got %d\n", g ? g->nparams : -1);
        return;
    }
    check_param(g, 0, "who", QT_T_STR, (int)word_bits, tag);
    check_param(g, 1, "n", QT_T_INT, (int)word_bits, tag);
    check_param(g, 2, "c", QT_T_UINT, 8, tag);
    ok(g->ret_type == QT_T_INT && g->ret_bits == 32, "%s: greet returns int 32", tag);
}

static void test_static(void)
{
    char exe[PATH_MAX], err[512];
    path_in(exe, sizeof(exe), "static");
    if (!sh("gcc -O0 -g -static -fno-pie -no-pie -fcf-protection=none -fno-omit-frame-pointer -o '%s' '%s/symtab_prog.c'",
            exe, fixdir)) {
        skip("cannot build a static program (no libc.a?)");
        return;
    }
    struct qt_symtab st;
    int r = qt_symtab_load(&st, exe, 0, err, sizeof(err));
    if (!ok(r == 0, "static: loads")) {
        printf("#   %d %s\n", r, err);
        return;
    }
    ok(st.n > 100, "static: many functions (%zu)", st.n);
    is_int(st.machine, 62, "static: e_machine is EM_X86_64");
    is_int(st.elf_class, 64, "static: ELF class 64");
    ok(!st.pie, "static: not PIE");
    ok(st.has_debug, "static: has DWARF");
    is_str(st.path, exe, "static: path kept");
    ok(st.nseg >= 2, "static: PT_LOAD segments (%d)", st.nseg);
    ok(st.text_lo < st.text_hi && st.entry >= st.text_lo && st.entry < st.text_hi, "static: entry inside text");

    const char *names[] = { "main", "greet", "types", "helper", "no_args", "varargs" };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        uint64_t want = nm_addr("nm", exe, names[i]);
        const struct qt_sym *s = qt_symtab_find(&st, names[i]);
        if (!ok(want && s && s->addr == want && s->size > 0, "static: %s at nm's address 0x%" PRIx64, names[i], want))
            printf("#   got %p 0x%" PRIx64 "\n", (const void *)s, s ? s->addr : 0);
    }
    const struct qt_sym *g = qt_symtab_find(&st, "greet");
    if (g) {
        ok(qt_symtab_lookup(&st, g->addr + 3) == g, "static: address inside greet looks up to greet");
        ok(qt_symtab_lookup(&st, g->addr + g->size - 1) == g, "static: last byte of greet looks up to greet");
        const struct qt_sym *after = qt_symtab_lookup(&st, g->addr + g->size);
        ok(after != g, "static: the byte after greet is not greet");
        uint8_t buf[4096];
        size_t len = g->size < sizeof(buf) ? (size_t)g->size : sizeof(buf);
        ok(qt_symtab_read(&st, g->addr, buf, len), "static: read greet's bytes");
        ok(buf[0] == 0x55 && buf[1] == 0x48 && buf[2] == 0x89 && buf[3] == 0xe5, "static: greet starts with push rbp; mov rbp,rsp");
        struct qt_insn_info ii;
        qt_arch_by_id(QT_ARCH_X86_64)->classify(buf + len - 1, 1, g->addr + len - 1, &ii);
        ok(ii.cls == QT_INSN_RET, "static: greet's last byte is a ret (size is right)");
    }
    ok(qt_symtab_lookup(&st, 0x10) == NULL, "static: lookup below every symbol");
    ok(qt_symtab_lookup(&st, st.text_hi + 0x100000) == NULL, "static: lookup far above text");
    ok(qt_symtab_find(&st, "no_such_function_xyz") == NULL, "static: unknown name");
    ok(qt_symtab_find(&st, "") == NULL, "static: empty name");

    /* aliases at one address: one name, the public one */
    uint64_t puts_a = nm_addr("nm", exe, "puts"), io_puts = nm_addr("nm", exe, "_IO_puts");
    if (puts_a && puts_a == io_puts) {
        const struct qt_sym *p = qt_symtab_lookup(&st, puts_a);
        ok(p && p->addr == puts_a && strcmp(p->name, "puts") == 0, "static: puts preferred over its alias _IO_puts");
        ok(qt_symtab_find(&st, "_IO_puts") == p, "static: the alias is folded into puts, and finds it");
    } else {
        skip("libc.a without the puts/_IO_puts alias");
        skip("libc.a without the puts/_IO_puts alias");
    }

    /* DWARF */
    check_greet_dwarf(&st, 64, "static");
    const struct qt_sym *t = qt_symtab_find(&st, "types");
    if (ok(t && t->nparams == 13, "static: types() has 13 params")) {
        check_param(t, 0, "b", QT_T_BOOL, 8, "static");
        check_param(t, 1, "ch", QT_T_CHAR, 8, "static");
        check_param(t, 2, "s", QT_T_INT, 16, "static");
        check_param(t, 3, "u", QT_T_UINT, 32, "static (typedef)");
        check_param(t, 4, "ull", QT_T_UINT, 64, "static");
        check_param(t, 5, "col", QT_T_INT, 32, "static (enum)");
        check_param(t, 6, "nm", QT_T_STR, 64, "static (typedef to const char *)");
        check_param(t, 7, "pt", QT_T_PTR, 64, "static (struct pointer)");
        check_param(t, 8, "argv", QT_T_PTR, 64, "static (char **)");
        check_param(t, 9, "vc", QT_T_STR, 64, "static (volatile char *)");
        check_param(t, 10, "sz", QT_T_UINT, 64, "static (size_t)");
        check_param(t, 11, "sc", QT_T_INT, 8, "static (signed char)");
        check_param(t, 12, "bytes", QT_T_PTR, 64, "static (unsigned char *)");
        ok(t->ret_type == 0 && t->ret_bits == 0, "static: types() returns void");
    }
    const struct qt_sym *na = qt_symtab_find(&st, "no_args");
    ok(na && na->nparams == 0 && na->ret_type == 0, "static: no_args(void) has no params");
    const struct qt_sym *va = qt_symtab_find(&st, "varargs");
    ok(va && va->nparams == 1 && strcmp(va->params[0].name, "n") == 0, "static: varargs(int n, ...) has 1 param");
    const struct qt_sym *m = qt_symtab_find(&st, "main");
    if (ok(m && m->nparams == 2, "static: main has 2 params")) {
        check_param(m, 0, "argc", QT_T_INT, 32, "static");
        check_param(m, 1, "argv", QT_T_PTR, 64, "static");
    }

    /* reading the file image */
    uint8_t b4[4];
    ok(!qt_symtab_read(&st, st.text_hi + 0x100000, b4, 4), "static: read outside every segment fails");
    ok(!qt_symtab_read(&st, 0, b4, 4), "static: read at 0 fails");
    bool bss_checked = false;
    for (int i = 0; i < st.nseg; i++) {
        const struct qt_segment *sg = &st.seg[i];
        if (sg->memsz > sg->filesz + 8 && sg->filesz > 0) {
            ok(qt_symtab_read(&st, sg->vaddr + sg->filesz - 1, b4, 1), "static: last file-backed byte is readable");
            ok(!qt_symtab_read(&st, sg->vaddr + sg->filesz - 1, b4, 2), "static: read into .bss fails");
            ok(!qt_symtab_read(&st, sg->vaddr + sg->filesz, b4, 1), "static: .bss is not in the file");
            bss_checked = true;
            break;
        }
    }
    if (!bss_checked)
        skip("no segment with .bss");
    ok(!qt_symtab_read(&st, UINT64_MAX - 1, b4, 4), "static: read wrapping around fails");
    check_invariants(&st, "static");
    qt_symtab_free(&st);
    ok(st.syms == NULL && st.n == 0 && st.image == NULL, "static: free clears the table");
    qt_symtab_free(&st); /* twice is fine */
}

/* A dynamically linked x86-64 program: PLT entries where objdump says, main where nm says. */
static void test_dynamic(const char *label, const char *flags, bool pie, const char *const *plt, bool dwarf)
{
    char exe[PATH_MAX], err[512], tag[128];
    snprintf(tag, sizeof(tag), "x86_64 %s", label);
    path_in(exe, sizeof(exe), label);
    if (!sh("gcc -O0 %s -o '%s' '%s/symtab_prog.c'", flags, exe, fixdir)) {
        skip("cannot build");
        return;
    }
    struct qt_symtab st;
    int r = qt_symtab_load(&st, exe, 0, err, sizeof(err));
    if (!ok(r == 0, "%s: loads", tag)) {
        printf("#   %d %s\n", r, err);
        return;
    }
    ok(st.pie == pie, "%s: pie flag %d", tag, pie);
    ok(st.has_debug == dwarf, "%s: has_debug %d", tag, dwarf);
    uint64_t want = nm_addr("nm", exe, "main");
    const struct qt_sym *m = qt_symtab_find(&st, "main");
    ok(want && m && m->addr == want, "%s: main at 0x%" PRIx64, tag, want);
    for (int i = 0; plt[i]; i++) {
        uint64_t a = objdump_addr("objdump", exe, plt[i]);
        const struct qt_sym *s = qt_symtab_find(&st, plt[i]);
        if (!ok(a && s && s->addr == a && s->size > 0, "%s: %s at objdump's 0x%" PRIx64, tag, plt[i], a))
            printf("#   got %p 0x%" PRIx64 "\n", (const void *)s, s ? s->addr : 0);
        if (s)
            ok(qt_symtab_lookup(&st, a + 4) == s, "%s: inside %s looks up to it", tag, plt[i]);
    }
    if (dwarf)
        check_greet_dwarf(&st, 64, tag);
    check_invariants(&st, tag);

    /* a load bias moves every run-time address */
    const uint64_t bias = 0x555555554000ull;
    struct qt_symtab sb;
    r = qt_symtab_load(&sb, exe, bias, err, sizeof(err));
    if (ok(r == 0, "%s: loads with a bias", tag)) {
        const struct qt_sym *mb = qt_symtab_find(&sb, "main");
        ok(m && mb && mb->addr == m->addr + bias && mb->size == m->size, "%s: main moved by the bias", tag);
        ok(sb.entry == st.entry + bias && sb.text_lo == st.text_lo + bias && sb.text_hi == st.text_hi + bias &&
               sb.bias == bias, "%s: entry and text range moved by the bias", tag);
        uint8_t x[16], y[16];
        ok(m && qt_symtab_read(&st, m->addr, x, 16) && qt_symtab_read(&sb, m->addr + bias, y, 16) &&
               memcmp(x, y, 16) == 0, "%s: same bytes at the biased address", tag);
        ok(m && !qt_symtab_read(&sb, m->addr, x, 16), "%s: unbiased address is not readable with a bias", tag);
        qt_symtab_free(&sb);
    }

    if (pie && dwarf) {
        /* stripped: .symtab and DWARF gone; PLT stubs remain (section headers are kept) */
        char stripped[PATH_MAX + 16];
        snprintf(stripped, sizeof(stripped), "%s.stripped", exe);
        if (sh("strip -o '%s' '%s'", stripped, exe)) {
            struct qt_symtab ss;
            r = qt_symtab_load(&ss, stripped, 0, err, sizeof(err));
            if (ok(r == 0, "%s stripped: loads", tag)) {
                ok(!ss.has_debug, "%s stripped: no DWARF", tag);
                ok(qt_symtab_find(&ss, "main") == NULL && qt_symtab_find(&ss, "greet") == NULL,
                   "%s stripped: no local functions", tag);
                const struct qt_sym *p = qt_symtab_find(&ss, plt[0]);
                ok(p && p->addr == objdump_addr("objdump", exe, plt[0]), "%s stripped: %s still named", tag, plt[0]);
                ok(ss.entry == st.entry && ss.text_lo == st.text_lo, "%s stripped: same entry and text", tag);
                check_invariants(&ss, "stripped");
                qt_symtab_free(&ss);
            }
        }
    }
    qt_symtab_free(&st);
}

static void test_i386(void)
{
    char lib[PATH_MAX], exe[PATH_MAX], pie[PATH_MAX], err[512];
    path_in(lib, sizeof(lib), "lib32.so");
    path_in(exe, sizeof(exe), "exe32");
    path_in(pie, sizeof(pie), "exe32pie");
    if (!sh("gcc -m32 -O0 -shared -fPIC -nostdlib -o '%s' '%s/symtab_lib.c'", lib, fixdir)) {
        skip("no gcc -m32");
        return;
    }
    struct { const char *path, *flags; bool pie; } v[] = {
        { exe, "-fno-pie -no-pie", false }, /* PLT: jmp *abs32 */
        { pie, "-fPIE -pie", true },        /* PLT: jmp *disp32(%ebx) */
        { lib, NULL, true },
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        if (v[i].flags && !sh("gcc -m32 -O0 -g -nostdlib %s -Wl,--allow-shlib-undefined -o '%s' '%s/symtab_nolibc.c' '%s'",
                              v[i].flags, v[i].path, fixdir, lib)) {
            skip("cannot link an i386 program");
            continue;
        }
        const char *base = strrchr(v[i].path, '/') + 1, *pltname = v[i].flags ? "lib_hello@plt" : "puts@plt";
        struct qt_symtab st;
        int r = qt_symtab_load(&st, v[i].path, 0, err, sizeof(err));
        if (!ok(r == 0, "i386 %s: loads", base)) {
            printf("#   %d %s\n", r, err);
            continue;
        }
        ok(st.machine == 3 && st.elf_class == 32 && st.pie == v[i].pie, "i386 %s: EM_386, class 32, pie %d", base,
           v[i].pie);
        uint64_t a = objdump_addr("objdump", v[i].path, pltname);
        const struct qt_sym *s = qt_symtab_find(&st, pltname);
        if (!ok(a && s && s->addr == a, "i386 %s: %s at objdump's 0x%" PRIx64, base, pltname, a))
            printf("#   got 0x%" PRIx64 "\n", s ? s->addr : 0);
        if (v[i].flags)
            check_greet_dwarf(&st, 32, base);
        check_invariants(&st, base);
        qt_symtab_free(&st);
    }
}

static void test_aarch64(void)
{
    if (!have("aarch64-linux-gnu-gcc") || !have("aarch64-linux-gnu-objdump")) {
        skip("no aarch64-linux-gnu-gcc");
        return;
    }
    struct { const char *name, *flags, *src; bool pie; } v[] = {
        { "a64pie", "-fPIE -pie", "symtab_prog.c", true },
        { "a64nopie", "-fno-pie -no-pie", "symtab_prog.c", false },
        { "a64bti", "-fPIE -pie -mbranch-protection=standard -Wl,-z,force-bti", "symtab_prog.c", true },
        { "a64pac.so", "-shared -fPIC -nostdlib -mbranch-protection=standard -Wl,-z,force-bti,-z,pac-plt",
          "symtab_lib.c", true },
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        char exe[PATH_MAX], err[512];
        path_in(exe, sizeof(exe), v[i].name);
        if (!sh("aarch64-linux-gnu-gcc -O0 -g %s -o '%s' '%s/%s'", v[i].flags, exe, fixdir, v[i].src)) {
            skip("cannot build for aarch64");
            continue;
        }
        struct qt_symtab st;
        int r = qt_symtab_load(&st, exe, 0, err, sizeof(err));
        if (!ok(r == 0, "aarch64 %s: loads", v[i].name)) {
            printf("#   %d %s\n", r, err);
            continue;
        }
        ok(st.machine == 183 && st.elf_class == 64 && st.pie == v[i].pie, "aarch64 %s: EM_AARCH64, pie %d",
           v[i].name, v[i].pie);
        uint64_t a = objdump_addr("aarch64-linux-gnu-objdump", exe, "puts@plt");
        const struct qt_sym *s = qt_symtab_find(&st, "puts@plt");
        if (!ok(a && s && s->addr == a, "aarch64 %s: puts@plt at objdump's 0x%" PRIx64, v[i].name, a))
            printf("#   got 0x%" PRIx64 "\n", s ? s->addr : 0);
        if (strcmp(v[i].src, "symtab_prog.c") == 0) {
            uint64_t ma = nm_addr("aarch64-linux-gnu-nm", exe, "main");
            const struct qt_sym *m = qt_symtab_find(&st, "main");
            ok(ma && m && m->addr == ma, "aarch64 %s: main at nm's address", v[i].name);
            /* char is unsigned on aarch64: still a string */
            check_greet_dwarf(&st, 64, v[i].name);
            const struct qt_sym *t = qt_symtab_find(&st, "types");
            if (t && t->nparams == 13) {
                check_param(t, 1, "ch", QT_T_CHAR, 8, v[i].name);
                check_param(t, 12, "bytes", QT_T_PTR, 64, v[i].name);
            }
        }
        check_invariants(&st, v[i].name);
        qt_symtab_free(&st);
    }
}

static bool write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return false;
    bool good = fwrite(data, 1, len, f) == len;
    return fclose(f) == 0 && good;
}

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = n > 0 ? malloc((size_t)n) : NULL;
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *len = b ? (size_t)n : 0;
    return b;
}

/* Load path, expect error code and a message "PATH: <contains>". */
static void expect_error(const char *path, int code, const char *contains, const char *what)
{
    struct qt_symtab st;
    char err[512] = "";
    memset(&st, 0x5a, sizeof(st));
    int r = qt_symtab_load(&st, path, 0, err, sizeof(err));
    size_t pl = strlen(path);
    bool msg = strncmp(err, path, pl) == 0 && strncmp(err + pl, ": ", 2) == 0 && strstr(err + pl, contains) &&
               !strchr(err, '\n');
    if (!ok(r == code && msg, "error: %s -> %d '%s'", what, code, contains))
        printf("#   got %d \"%s\"\n", r, err);
    ok(st.syms == NULL && st.n == 0 && st.image == NULL && st.path == NULL, "error: %s leaves an empty table", what);
    qt_symtab_free(&st);
}

static void test_errors(void)
{
    char p[PATH_MAX], err[512];
    path_in(p, sizeof(p), "missing");
    struct qt_symtab st;
    int r = qt_symtab_load(&st, p, 0, err, sizeof(err));
    char want[PATH_MAX + 64];
    snprintf(want, sizeof(want), "%s: No such file or directory", p);
    is_int(r, -ENOENT, "error: missing file is -ENOENT");
    is_str(err, want, "error: missing file message");

    path_in(p, sizeof(p), "text.txt");
    write_file(p, "hello, world\n", 13);
    r = qt_symtab_load(&st, p, 0, err, sizeof(err));
    snprintf(want, sizeof(want), "%s: not an ELF file", p);
    is_int(r, -ENOEXEC, "error: text file is -ENOEXEC");
    is_str(err, want, "error: text file message");

    path_in(p, sizeof(p), "empty");
    write_file(p, "", 0);
    expect_error(p, -ENOEXEC, "not an ELF file", "empty file");
    path_in(p, sizeof(p), "short");
    write_file(p, "\177ELF\2\1", 6);
    expect_error(p, -EINVAL, "truncated", "6-byte ELF");
    expect_error(tmpdir, -EISDIR, "Is a directory", "directory");
    r = qt_symtab_load(&st, "", 0, err, sizeof(err));
    ok(r == -EINVAL, "error: empty path");
    r = qt_symtab_load(&st, p, 0, NULL, 0);
    ok(r == -EINVAL, "error: no message buffer is fine");

    /* corrupt copies of a real ELF */
    char src[PATH_MAX];
    path_in(src, sizeof(src), "pie");
    size_t len;
    uint8_t *img = slurp(src, &len);
    if (!img) {
        skip("no pie fixture to corrupt");
        return;
    }
    Elf64_Ehdr eh;
    memcpy(&eh, img, sizeof(eh));
    uint8_t *c = malloc(len);

    path_in(p, sizeof(p), "trunc100");
    write_file(p, img, 100);
    expect_error(p, -EINVAL, "truncated", "first 100 bytes");
    path_in(p, sizeof(p), "trunc60");
    write_file(p, img, 60);
    expect_error(p, -EINVAL, "truncated", "first 60 bytes (header cut)");
    path_in(p, sizeof(p), "trunchalf");
    write_file(p, img, len / 2);
    expect_error(p, -EINVAL, "truncated", "first half");
    path_in(p, sizeof(p), "truncshdr");
    write_file(p, img, len - 10);
    expect_error(p, -EINVAL, "section headers", "last 10 bytes cut");

    path_in(p, sizeof(p), "bigendian");
    memcpy(c, img, len);
    c[EI_DATA] = ELFDATA2MSB;
    write_file(p, c, len);
    expect_error(p, -EINVAL, "little-endian", "big-endian");

    path_in(p, sizeof(p), "badclass");
    memcpy(c, img, len);
    c[EI_CLASS] = 7;
    write_file(p, c, len);
    expect_error(p, -EINVAL, "class", "bad class");

    path_in(p, sizeof(p), "shoff");
    memcpy(c, img, len);
    Elf64_Ehdr e2 = eh;
    e2.e_shoff = (uint64_t)len * 4;
    memcpy(c, &e2, sizeof(e2));
    write_file(p, c, len);
    expect_error(p, -EINVAL, "section headers", "e_shoff past the end");

    path_in(p, sizeof(p), "phoff");
    memcpy(c, img, len);
    e2 = eh;
    e2.e_phoff = UINT64_MAX - 8;
    memcpy(c, &e2, sizeof(e2));
    write_file(p, c, len);
    expect_error(p, -EINVAL, "", "e_phoff huge");

    path_in(p, sizeof(p), "phentsize");
    memcpy(c, img, len);
    e2 = eh;
    e2.e_phentsize = 12;
    memcpy(c, &e2, sizeof(e2));
    write_file(p, c, len);
    expect_error(p, -EINVAL, "", "bad e_phentsize");

    /* a PT_LOAD whose file part runs past the end */
    memcpy(c, img, len);
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph;
        size_t off = eh.e_phoff + (size_t)i * sizeof(ph);
        memcpy(&ph, c + off, sizeof(ph));
        if (ph.p_type == PT_LOAD) {
            ph.p_filesz = ph.p_memsz = (uint64_t)len * 8;
            memcpy(c + off, &ph, sizeof(ph));
            break;
        }
    }
    path_in(p, sizeof(p), "ptload");
    write_file(p, c, len);
    expect_error(p, -EINVAL, "PT_LOAD", "PT_LOAD past the end");

    /* a section past the end */
    memcpy(c, img, len);
    if (eh.e_shoff && eh.e_shnum > 2) {
        Elf64_Shdr sh;
        size_t off = eh.e_shoff + 1 * sizeof(sh);
        memcpy(&sh, c + off, sizeof(sh));
        sh.sh_type = SHT_PROGBITS;
        sh.sh_offset = (uint64_t)len - 4;
        sh.sh_size = 4096;
        memcpy(c + off, &sh, sizeof(sh));
        path_in(p, sizeof(p), "section");
        write_file(p, c, len);
        expect_error(p, -EINVAL, "section 1", "section past the end");
    }
    free(c);
    free(img);
}

/* Mutations of a real ELF (headers, tables, DWARF): any result but a crash or leak is fine. */
static void test_fuzz(void)
{
    char src[PATH_MAX], p[PATH_MAX], err[512];
    path_in(src, sizeof(src), "pie");
    size_t len;
    uint8_t *img = slurp(src, &len);
    if (!img) {
        skip("no pie fixture to fuzz");
        return;
    }
    Elf64_Ehdr eh;
    memcpy(&eh, img, sizeof(eh));
    uint8_t *c = malloc(len);
    path_in(p, sizeof(p), "fuzz");
    uint64_t x = 0x9e3779b97f4a7c15ull;
#define RND() (x ^= x << 13, x ^= x >> 7, x ^= x << 17, x)
    int loaded = 0, failed = 0, iters = 1500;
    if (getenv("QTRACE_FUZZ_ITERS")) /* longer runs by hand */
        iters = atoi(getenv("QTRACE_FUZZ_ITERS"));
    if (getenv("QTRACE_FUZZ_SEED"))
        x ^= strtoull(getenv("QTRACE_FUZZ_SEED"), NULL, 0);
    size_t hot_lo = eh.e_shoff < len ? (size_t)eh.e_shoff : 0;
    /* the tables the loader parses: symbols, relocations, PLT, DWARF */
    struct { size_t off, size; } tabs[32];
    int ntabs = 0;
    if (eh.e_shoff && eh.e_shstrndx < eh.e_shnum && eh.e_shoff + (size_t)eh.e_shnum * sizeof(Elf64_Shdr) <= len) {
        Elf64_Shdr strsh;
        memcpy(&strsh, img + eh.e_shoff + (size_t)eh.e_shstrndx * sizeof(strsh), sizeof(strsh));
        for (unsigned i = 1; i < eh.e_shnum && ntabs < 32; i++) {
            Elf64_Shdr sh;
            memcpy(&sh, img + eh.e_shoff + (size_t)i * sizeof(sh), sizeof(sh));
            if (sh.sh_type == SHT_NOBITS || !sh.sh_size || sh.sh_offset + sh.sh_size > len ||
                strsh.sh_offset + sh.sh_name >= len)
                continue;
            const char *nm = (const char *)img + strsh.sh_offset + sh.sh_name;
            if (!strncmp(nm, ".debug_", 7) || !strcmp(nm, ".symtab") || !strcmp(nm, ".dynsym") ||
                !strcmp(nm, ".strtab") || !strcmp(nm, ".dynstr") || !strncmp(nm, ".rela", 5) ||
                !strncmp(nm, ".plt", 4)) {
                tabs[ntabs].off = (size_t)sh.sh_offset;
                tabs[ntabs].size = (size_t)sh.sh_size;
                ntabs++;
            }
        }
    }
    ok(ntabs >= 8, "fuzz: found %d symbol/relocation/PLT/DWARF sections to mutate", ntabs);
    for (int it = 0; it < iters; it++) {
        memcpy(c, img, len);
        int nmut = 1 + (int)(RND() % 8);
        for (int k = 0; k < nmut; k++) {
            size_t pos;
            switch (RND() % 6) {
            case 4:
            case 5:
                if (ntabs) {
                    int t = (int)(RND() % (uint64_t)ntabs);
                    pos = tabs[t].off + RND() % tabs[t].size;
                    break;
                }
                /* fall through */
            case 0: pos = RND() % 64; break;                                    /* ELF header */
            case 1: pos = 64 + RND() % (eh.e_phnum * sizeof(Elf64_Phdr)); break; /* program headers */
            case 2: pos = hot_lo + RND() % (len - hot_lo); break;               /* section headers */
            default: pos = RND() % len; break;                                  /* anywhere: symbols, DWARF */
            }
            uint64_t v = RND();
            c[pos] = (v & 0x300) == 0 ? 0xff : (v & 0x300) == 0x100 ? 0 : (uint8_t)v;
        }
        size_t n = len;
        if (RND() % 10 == 0)
            n = RND() % len;
        write_file(p, c, n);
        struct qt_symtab st;
        int r = qt_symtab_load(&st, p, RND() % 2 ? 0 : 0x7f0000000000ull, err, sizeof(err));
        if (r == 0) {
            loaded++;
            for (size_t i = 0; i < st.n; i++) {
                const struct qt_sym *s = &st.syms[i];
                uint8_t b[16];
                (void)qt_symtab_find(&st, s->name);
                (void)qt_symtab_lookup(&st, s->addr + s->size / 2);
                (void)qt_symtab_read(&st, s->addr, b, sizeof(b));
                for (int j = 0; j < s->nparams; j++)
                    (void)strlen(s->params[j].name);
            }
            qt_symtab_free(&st);
        } else {
            failed++;
            if (!err[0] || strchr(err, '\n')) {
                ok(0, "fuzz: error without a one-line message (%d)", r);
                break;
            }
        }
    }
#undef RND
    ok(loaded + failed == iters, "fuzz: %d mutated files, %d loaded, %d refused, no crash", iters, loaded, failed);
    free(c);
    free(img);
}

static void glob(const char *pat, const char *name, bool want)
{
    bool got = qt_glob_match(pat, name);
    ok(got == want, "glob '%s' %s '%s'", pat, want ? "matches" : "does not match", name);
}

static void test_glob(void)
{
    glob("*", "anything", true);
    glob("*", "", true);
    glob("", "", true);
    glob("", "a", false);
    glob("main", "main", true);
    glob("main", "mainx", false);
    glob("main", "mai", false);
    glob("ma?n", "main", true);
    glob("ma?n", "man", false);
    glob("sys_*", "sys_read", true);
    glob("sys_*", "do_sys_read", false);
    glob("*read*", "do_sys_read_x", true);
    glob("*_read", "do_sys_read", true);
    glob("[a-c]x", "bx", true);
    glob("[a-c]x", "dx", false);
    glob("[!a-c]x", "dx", true);
    glob("[!a-c]x", "ax", false);
    glob("[^a]", "b", true);
    glob("[abc]", "c", true);
    glob("[]]", "]", true);
    glob("[!]]", "a", true);
    glob("[!]]", "]", false);
    glob("[a-]", "-", true);
    glob("a[", "a[", true);
    glob("a[b", "ab", false);
    glob("\\*", "*", true);
    glob("\\*", "a", false);
    glob("*a*b*c", "xaybzc", true);
    glob("*a*b*c", "xaybz", false);
    glob("a*", "a", true);
    glob("*.so*", "libc.so.6", true);
    glob("lib*.so.?", "libc.so.6", true);
    glob("*a*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false);
    glob("**x", "abx", true);
    glob("?", "", false);
    ok(!qt_glob_match(NULL, "a") && !qt_glob_match("a", NULL), "glob: NULL never matches");

    /* agree with fnmatch(3) on well-formed patterns */
    static const char *const tok[] = { "a", "b", "*", "?", "[ab]", "[!a]", "[a-b]" };
    uint64_t x = 12345;
    int disagree = 0;
    for (int it = 0; it < 20000; it++) {
        char pat[64] = "", name[16] = "";
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        int np = (int)((x >> 33) % 6);
        for (int i = 0; i < np; i++) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            strcat(pat, tok[(x >> 33) % 7]);
        }
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        int nn = (int)((x >> 33) % 7);
        for (int i = 0; i < nn; i++) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            name[i] = (x >> 40) & 1 ? 'a' : 'b';
        }
        name[nn] = 0;
        if (qt_glob_match(pat, name) != (fnmatch(pat, name, 0) == 0)) {
            if (disagree++ < 5)
                printf("# disagree: '%s' '%s'\n", pat, name);
        }
    }
    ok(disagree == 0, "glob: agrees with fnmatch(3) on 20000 random cases");
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Writes NAME.c with source into the temporary folder and builds it into lib (PATH_MAX bytes) as
 * NAME.so; false (a failed test said) if either fails. */
static bool build_lib(char *lib, const char *name, const char *source)
{
    char src[PATH_MAX], file[64];
    snprintf(file, sizeof(file), "%s.c", name);
    path_in(src, sizeof(src), file);
    snprintf(file, sizeof(file), "%s.so", name);
    path_in(lib, PATH_MAX, file);
    FILE *f = fopen(src, "w");
    bool written = f && fputs(source, f) >= 0;
    if (f && fclose(f) != 0)
        written = false;
    if (!written) {
        ok(0, "%s: write the source", name);
        return false;
    }
    if (!sh("gcc -O0 -shared -fPIC -o '%s' '%s'", lib, src)) {
        ok(0, "%s: gcc builds the library", name);
        return false;
    }
    return true;
}

/* Several names at one address (glibc's write and __write): one symbol, the others its aliases;
 * each name finds it and a glob on any name matches it. The oracle is nm's addresses. */
static void test_aliases(void)
{
    char lib[PATH_MAX];
    if (!build_lib(lib, "alias", "long my_strtol(const char *s) { return s[0]; }\n"
                                 "long my_strtoll(const char *s) __attribute__((alias(\"my_strtol\")));\n"
                                 "long __my_strtol(const char *s) __attribute__((alias(\"my_strtol\")));\n"
                                 "int other(void) { return 1; }\n"))
        return;
    uint64_t a = nm_addr("nm", lib, "my_strtol");
    ok(a && a == nm_addr("nm", lib, "my_strtoll") && a == nm_addr("nm", lib, "__my_strtol"),
       "aliases: nm puts my_strtol, my_strtoll and __my_strtol at one address");
    struct qt_symtab st;
    char err[256];
    if (qt_symtab_load(&st, lib, 0, err, sizeof(err)) != 0) {
        ok(0, "aliases: load: %s", err);
        return;
    }
    const struct qt_sym *s = qt_symtab_find(&st, "my_strtol");
    ok(s && s->addr == a, "aliases: my_strtol found at nm's address");
    ok(qt_symtab_find(&st, "my_strtoll") == s, "aliases: my_strtoll finds the same symbol");
    ok(qt_symtab_find(&st, "__my_strtol") == s, "aliases: __my_strtol finds the same symbol");
    ok(s && s->naliases == 2, "aliases: the kept symbol has two aliases (%u)", s ? s->naliases : 0);
    ok(s && qt_sym_match(s, "my_strtoll") && qt_sym_match(s, "__my_*") && !qt_sym_match(s, "other"),
       "aliases: globs match any of the names, no other");
    const struct qt_sym *o = qt_symtab_find(&st, "other");
    ok(o && o->naliases == 0 && !qt_sym_match(o, "my_strtol"), "aliases: a function with one name has none");
    size_t at = 0;
    for (size_t i = 0; i < st.n; i++)
        at += st.syms[i].addr == a;
    ok(at == 1, "aliases: one symbol at the address (%zu)", at);
    qt_symtab_free(&st);
}

/* IFUNC symbols (nm's type 'i'): a library's own, and every one of the system's libc.so.6, are
 * flagged, and no other; qt_symtab_next steps from each symbol to the next. */
static void test_ifunc(void)
{
    char lib[PATH_MAX];
    if (!build_lib(lib, "ifunc", "static int impl_a(void) { return 1; }\n"
                                 "static int impl_b(void) { return 2; }\n"
                                 "static void *pick(void) { return impl_b; }\n"
                                 "int chosen(void) __attribute__((ifunc(\"pick\")));\n"
                                 "int plain(void) { return impl_a() + chosen(); }\n"))
        return;
    const char *files[] = { lib, "/lib/x86_64-linux-gnu/libc.so.6" };
    for (size_t k = 0; k < 2; k++) {
        struct qt_symtab st;
        char err[256], cmd[PATH_MAX + 64], line[1024];
        if (access(files[k], R_OK) != 0 || qt_symtab_load(&st, files[k], 0, err, sizeof(err)) != 0) {
            skip(k ? "ifunc: no x86-64 libc.so.6 here" : "ifunc: the library did not load");
            skip("ifunc: symbols not stepped through");
            continue;
        }
        size_t want = 0, got = 0, wrong = 0;
        uint64_t seen[512];     /* the IFUNC addresses nm lists (aliases share one) */
        snprintf(cmd, sizeof(cmd), "nm -D --defined-only '%s'", files[k]);
        FILE *p = popen(cmd, "r");
        while (p && fgets(line, sizeof(line), p)) {
            unsigned long long a;
            char type, name[512];
            if (sscanf(line, "%llx %c %511s", &a, &type, name) != 3 || (type != 'i' && type != 'T' && type != 'W'))
                continue;
            char *at = strchr(name, '@');
            if (at)
                *at = 0;
            const struct qt_sym *s = qt_symtab_find(&st, name);
            bool dup = false;
            for (size_t i = 0; type == 'i' && i < want; i++)
                dup |= seen[i] == a;
            if (type == 'i' && !dup && want < sizeof(seen) / sizeof(seen[0]))
                seen[want++] = a;
            wrong += s && s->addr == a && s->ifunc != (type == 'i');
        }
        if (p)
            pclose(p);
        for (size_t i = 0; i < st.n; i++)
            got += st.syms[i].ifunc;
        ok(want > 0 && got == want && wrong == 0, "ifunc: %s: the IFUNC symbols flagged (nm: %zu addresses, flagged %zu, "
           "wrong %zu)", files[k], want, got, wrong);
        size_t bad = 0;
        for (size_t i = 0; i + 1 < st.n; i++)
            bad += qt_symtab_next(&st, st.syms[i].addr) != &st.syms[i + 1];
        ok(bad == 0 && qt_symtab_next(&st, st.syms[st.n - 1].addr) == NULL &&
           qt_symtab_next(&st, 0) == &st.syms[0], "ifunc: %s: qt_symtab_next steps through the %zu symbols", files[k],
           st.n);
        qt_symtab_free(&st);
    }
}

int main(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "%s/qtrace-symtab-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(tmpdir)) {
        ok(0, "mkdtemp");
        return done_testing();
    }
    const char *top = getenv("QTRACE_TOP");
    if (top)
        snprintf(fixdir, sizeof(fixdir), "%s/tests/unit/fixtures", top);
    else {
        /* __FILE__ is tests/unit/test_symtab.c, relative to the top directory */
        char f[1000];
        snprintf(f, sizeof(f), "%s", __FILE__);
        char *slash = strrchr(f, '/');
        if (slash)
            *slash = 0;
        else
            snprintf(f, sizeof(f), ".");
        snprintf(fixdir, sizeof(fixdir), "%s/fixtures", f);
        char *abs = realpath(fixdir, NULL);
        if (abs && strlen(abs) < sizeof(fixdir))
            snprintf(fixdir, sizeof(fixdir), "%s", abs);
        free(abs);
    }

    test_glob();
    if (have("gcc") && have("nm") && have("objdump")) {
        static const char *const plt_pie[] = { "puts@plt", "__cxa_finalize@plt", NULL };
        static const char *const plt_exe[] = { "puts@plt", NULL };
        test_static();
        test_dynamic("pie", "-g -fPIE -pie", true, plt_pie, true);
        test_dynamic("nopie", "-g -fno-pie -no-pie", false, plt_exe, true);
        test_dynamic("ibt", "-g -fPIE -pie -fcf-protection=full -Wl,-z,ibtplt", true, plt_pie, true);
        test_dynamic("now", "-fPIE -pie -Wl,-z,now", true, plt_pie, false);
        test_i386();
        test_aarch64();
        test_aliases();
        test_ifunc();
    } else {
        skip("gcc, nm or objdump missing: fixture tests not run");
    }
    test_errors(); /* corrupt copies of the "pie" fixture when it was built */
    test_fuzz();
    nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return done_testing();
}
