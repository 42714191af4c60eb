/* The kernel symbol file qtrace debug gives gdb (cli/debug_gdb.c), read back by readelf; which
 * programs need their load bias learned (cli/debug_bias.c). */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "debug_bias.h"
#include "debug_gdb.h"
#include "kallsyms.h"
#include "reader.h"
#include "tap.h"
#include "tracebuild.h"

/* out: readelf -sW's symbol lines reduced to "VALUE SIZE TYPE BIND NAME". */
static bool has_sym(const char *out, const char *want)
{
    return strstr(out, want) != NULL;
}

/* An ELF header alone, of type type, at dir/name; its path. */
static const char *elf_file(const char *dir, const char *name, int type)
{
    static char p[256];
    snprintf(p, sizeof(p), "%s/%s", dir, name);
    Elf64_Ehdr eh;
    memset(&eh, 0, sizeof(eh));
    memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_type = (Elf64_Half)type;
    FILE *f = fopen(p, "wb");
    if (f) {
        fwrite(&eh, sizeof(eh), 1, f);
        fclose(f);
    }
    return p;
}

static void test_needs_bias(const char *dir)
{
    ok(qtc_debug_needs_bias(elf_file(dir, "pie", ET_DYN), false), "a PIE on the host: its bias is learned");
    ok(!qtc_debug_needs_bias(elf_file(dir, "static", ET_EXEC), true), "a static executable: bias 0, no replay");
    char txt[256];
    snprintf(txt, sizeof(txt), "%s/script", dir);
    FILE *f = fopen(txt, "w");
    if (f) {
        fputs("#!/bin/sh\necho this file is longer than an ELF header, and not one\n", f);
        fclose(f);
    }
    ok(!qtc_debug_needs_bias(txt, false), "a file that is not ELF: no bias to learn");
    ok(qtc_debug_needs_bias("/usr/local/bin/nosuch-on-host", true),
       "a path only in the recording's guest image: learned by the replay, which reads the image");
    ok(!qtc_debug_needs_bias("/usr/local/bin/nosuch-on-host", false), "no image to read it from: no replay");
    ok(!qtc_debug_needs_bias("relative/nosuch", true), "a relative path is not a guest path");
}

/* Which module record of a replay's trace is the program: its bias, and the host copy gdb reads. */
static void test_bias_in_trace(void)
{
    struct qb b;
    qb_init(&b, QT_MODE_SYSTEM, 0);
    qb_chunk(&b, VCPU_NONE);
    qb_kmap(&b, 0xffffffff81000000ull, 0x1000000, "/rec/vmlinuz");
    qb_map(&b, 0x7f0000000000ull, 0x1000, "/out/bias/sysroot/usr/lib/x86_64-linux-gnu/libc.so.6");
    qb_map(&b, 0x55c74c909000ull, 0xa71, "/out/bias/sysroot/usr/local/bin/diskio");
    qb_map(&b, 0x560000000000ull, 0xa71, "/out/bias/sysroot/usr/local/bin/diskio");
    qb_close_chunk(&b);
    struct qtr r;
    char e[256];
    ok(qtr_open_mem(&r, b.buf, b.len, "bias.qtr", e, sizeof(e)) == 0, "a replay's trace with module records opens (%s)", e);
    uint64_t bias = 0;
    char *host = NULL;
    is_int(qtc_debug_bias_in_trace(&r, "/usr/local/bin/diskio", &bias, &host), 0, "a guest path: found");
    is_u64(bias, 0x55c74c909000ull, "its bias: the first process's mapping");
    is_str(host, "/out/bias/sysroot/usr/local/bin/diskio", "gdb reads the copy under the replay's sysroot");
    free(host);
    host = NULL;
    is_int(qtc_debug_bias_in_trace(&r, "/tmp/copies/diskio", &bias, &host), 0, "a host copy of the same name: found");
    free(host);
    host = NULL;
    is_int(qtc_debug_bias_in_trace(&r, "/usr/local/bin/calls", &bias, &host), -1, "a program no process mapped: not found");
    ok(host == NULL, "and nothing returned");
    is_int(qtc_debug_bias_in_trace(&r, "/boot/vmlinuz", &bias, &host), -1, "the kernel's record is never the program");
    qtr_close(&r);
    free(b.buf);
}

int main(void)
{
    char dir[] = "/tmp/qtrace-test-dbg.XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    test_needs_bias(dir);
    test_bias_in_trace();
    char path[256], err[1024];
    snprintf(path, sizeof(path), "%s/kernel.sym", dir);
    struct qt_ksym syms[] = {
        { 0x1a000, 0, "fixed_percpu_data", 'A', true },        /* per-cpu offset: left out */
        { 0xffffffff81000000ull, 0x40, "startup_64", 'T', false },
        { 0xffffffff81000040ull, 0x20, "local_helper", 't', false },
        { 0xffffffff81000060ull, 0x10, "weak_fn", 'W', false },
        { 0xffffffff82000000ull, 0x8, "jiffies_64", 'D', false },
        { 0xffffffff82000100ull, 0x4, "local_obj", 'b', false },
    };
    struct qt_ksyms ks;
    memset(&ks, 0, sizeof(ks));
    ks.syms = syms;
    ks.n = sizeof(syms) / sizeof(syms[0]);
    is_int((int)qtc_ksyms_elf_write(&ks, path, err, sizeof(err)), 5, "five symbols written (the per-cpu one is not)");
    char cmd[512], out[8192] = "";
    snprintf(cmd, sizeof(cmd), "readelf -sW %s 2>&1 | awk 'NR > 3 { print $2, $3, $4, $5, $8 }'", path);
    FILE *p = popen(cmd, "r");
    size_t n = p ? fread(out, 1, sizeof(out) - 1, p) : 0;
    out[n] = '\0';
    if (p)
        pclose(p);
    ok(has_sym(out, "ffffffff81000000 64 FUNC GLOBAL startup_64\n"), "a global function, its address and size");
    ok(has_sym(out, "ffffffff81000040 32 FUNC LOCAL local_helper\n"), "a local function");
    ok(has_sym(out, "ffffffff81000060 16 FUNC WEAK weak_fn\n"), "a weak function");
    ok(has_sym(out, "ffffffff82000000 8 OBJECT GLOBAL jiffies_64\n"), "a data object");
    ok(has_sym(out, "ffffffff82000100 4 OBJECT LOCAL local_obj\n"), "a local object");
    ok(!has_sym(out, "fixed_percpu_data"), "no per-cpu offset");
    ok(strstr(out, "local_helper") < strstr(out, "startup_64"), "locals before globals (ELF's rule)");
    snprintf(cmd, sizeof(cmd), "readelf -SW %s 2>&1 | grep -E ' \\.text +NOBITS +ffffffff81000000 ' >/dev/null", path);
    ok(system(cmd) == 0, "a .text section from the lowest symbol (gdb places symbols by it)");
    ks.n = 1;
    is_int((int)qtc_ksyms_elf_write(&ks, path, err, sizeof(err)), -1, "nothing to write: an error");
    ok(strstr(err, "no function or object") != NULL, "which says so");
    unlink(path);
    rmdir(dir);
    return done_testing();
}
