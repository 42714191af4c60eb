/*
 * What identifies a guest's ELF file (common/elfid.c), checked against readelf on this
 * machine's files and programs built here (with and without a build-id, PIE and not); the
 * guest root's library scan (common/sysroot.c) on a folder built here; kernel module files and
 * patterns (common/kmodule.c). Truncated and mutated images must not crash (run under ASan).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elfid.h"
#include "kmodule.h"
#include "sysroot.h"
#include "tap.h"
#include "tmpfiles.h"

static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = sz > 0 ? malloc((size_t)sz) : NULL;
    *n = b && fread(b, 1, (size_t)sz, f) == (size_t)sz ? (size_t)sz : 0;
    fclose(f);
    return b;
}

/* The first line of a shell command's output, "" if none. */
static void first_line(const char *cmd, char *out, size_t cap)
{
    FILE *p = popen(cmd, "r");
    out[0] = '\0';
    if (p && fgets(out, (int)cap, p))
        out[strcspn(out, "\n")] = '\0';
    if (p)
        pclose(p);
}

/* path against readelf: build-id, interpreter, ELF type; the id's bytes where its address says */
static void check_file(const char *path)
{
    size_t n;
    uint8_t *img = slurp(path, &n);
    struct qt_elfid id;
    ok(img && qt_elfid_read(img, n, &id), "%s: read", path);
    if (!img)
        return;
    char cmd[1200], want[256], got[2 * QT_BUILD_ID_MAX + 1];
    snprintf(cmd, sizeof(cmd), "readelf -n '%s' 2>/dev/null | awk '/Build ID:/ { print $3 }'", path);
    first_line(cmd, want, sizeof(want));
    qt_elfid_hex(id.build_id, id.build_id_len, got, sizeof(got));
    is_str(got, want, "build-id as readelf shows it");
    snprintf(cmd, sizeof(cmd), "readelf -lW '%s' 2>/dev/null | grep -c '^ *INTERP'", path);
    first_line(cmd, want, sizeof(want));
    ok(id.program == (strcmp(want, "0") != 0), "%s: names an interpreter: %d (readelf: %s)", path, id.program, want);
    snprintf(cmd, sizeof(cmd), "readelf -hW '%s' 2>/dev/null | grep -c 'Type: *DYN'", path);
    first_line(cmd, want, sizeof(want));
    ok(id.dyn == (strcmp(want, "1") == 0), "%s: ET_DYN %d (readelf: %s)", path, id.dyn, want);
    /* the id's bytes at its file address: notes lie in the first PT_LOAD, mapped from offset 0 */
    uint64_t off = id.build_id_vaddr - id.load_vaddr;
    ok(id.build_id_len == 0 || (off + id.build_id_len <= n && memcmp(img + off, id.build_id, id.build_id_len) == 0),
       "%s: the build-id's bytes are at its address", path);
    /* every prefix and a mutation fuzz: bounded, never a crash */
    for (size_t cut = 0; cut < n && cut < 8192; cut += 7)
        qt_elfid_read(img, cut, &id);
    srand(7);
    for (int r = 0; r < 300; r++) {
        size_t m = n < 4096 ? n : 4096;
        uint8_t *c = malloc(m);
        memcpy(c, img, m);
        for (int k = 0; k < 8; k++)
            c[(size_t)rand() % m] = (uint8_t)rand();
        qt_elfid_read(c, m, &id);
        free(c);
    }
    ok(1, "%s: prefixes and mutations read without a crash", path);
    free(img);
}

int main(void)
{
    if (tmpdir_make("elfid") < 0)
        return 1;
    char src[300], p1[300], p2[300];
    snprintf(src, sizeof(src), "%s/p.c", tmpdir);
    FILE *f = fopen(src, "w");
    fputs("int main(void) { return 0; }\n", f);
    fclose(f);
    snprintf(p1, sizeof(p1), "%s/pie", tmpdir);
    snprintf(p2, sizeof(p2), "%s/noid", tmpdir);
    char cmd[8192];
    snprintf(cmd, sizeof(cmd), "gcc -pie -fPIE -Wl,--build-id=sha1 -o %s %s && gcc -no-pie -Wl,--build-id=none -o %s %s",
             p1, src, p2, src);
    ok(system(cmd) == 0, "test programs built");
    check_file(p1);
    check_file(p2);
    char libc[512];
    first_line("readlink -f /lib/x86_64-linux-gnu/libc.so.6 2>/dev/null || readlink -f /lib64/libc.so.6", libc,
               sizeof(libc));
    if (libc[0] && access(libc, R_OK) == 0)
        check_file(libc); /* a library that also names an interpreter (it runs) */
    uint8_t junk[64] = "not an ELF file";
    struct qt_elfid id;
    ok(!qt_elfid_read(junk, sizeof(junk), &id), "a non-ELF file is not read");

    /* a guest root: lib/x86_64-linux-gnu/libc.so.6 (a copy of this machine's), nothing else */
    char root[300];
    snprintf(root, sizeof(root), "%s/root", tmpdir);
    snprintf(cmd, sizeof(cmd), "mkdir -p %s/lib/x86_64-linux-gnu && cp %s %s/lib/x86_64-linux-gnu/libc.so.6", root,
             libc[0] ? libc : "/nonexistent", root);
    if (libc[0] && system(cmd) == 0) {
        const char *pats[] = { "malloc", "lib:libc.so*", "no_such_function_here", "lib:libnothere*", "qsort" };
        bool found[5] = { false, false, false, false, true };
        qt_sysroot_scan(root, pats, 5, found);
        ok(found[0] && found[1] && found[4], "scan: malloc and lib:libc.so* are in ROOT's libc");
        ok(!found[2] && !found[3], "scan: a function and a library ROOT lacks are not");
    } else {
        ok(1, "# SKIP no libc.so.6 here");
    }

    /* kernel modules: patterns, the version in a banner, finding the .ko */
    char mod[64];
    const char *fn = NULL;
    ok(qt_kmodule_pattern("e1000:e1000_open", mod, sizeof(mod), &fn) && strcmp(mod, "e1000") == 0 &&
       strcmp(fn, "e1000_open") == 0, "MODULE:GLOB");
    ok(qt_kmodule_pattern("module:ext4", mod, sizeof(mod), &fn) && strcmp(mod, "ext4") == 0 && strcmp(fn, "*") == 0,
       "module:NAME is every function of NAME");
    ok(!qt_kmodule_pattern("lib:libc.so.6", mod, sizeof(mod), &fn) && !qt_kmodule_pattern("kernel:vfs_*", mod, sizeof(mod), &fn) &&
       !qt_kmodule_pattern("malloc", mod, sizeof(mod), &fn) && !qt_kmodule_pattern(":x", mod, sizeof(mod), &fn) &&
       !qt_kmodule_pattern("m:", mod, sizeof(mod), &fn), "lib:, kernel:, plain names and empty parts are not module patterns");
    char ver[64];
    ok(qt_kmodule_version("Linux version 6.1.0-57-amd64 (debian-kernel@lists.debian.org) #1 SMP", ver, sizeof(ver)) &&
       strcmp(ver, "6.1.0-57-amd64") == 0, "the version in a kernel banner");
    ok(!qt_kmodule_version(NULL, ver, sizeof(ver)) && !qt_kmodule_version("no banner", ver, sizeof(ver)),
       "no version without a banner");
    snprintf(cmd, sizeof(cmd), "mkdir -p %s/lib/modules/6.1.0-9/kernel/net/x %s/lib/modules/6.1.0-9/kernel/fs && "
             "touch %s/lib/modules/6.1.0-9/kernel/net/x/nf-tab.ko %s/lib/modules/6.1.0-9/kernel/fs/ext4.ko && "
             "printf 'kernel/fs/ext4.ko: kernel/lib/crc16.ko\\n' >%s/lib/modules/6.1.0-9/modules.dep",
             root, root, root, root, root);
    ok(system(cmd) == 0, "a module tree made");
    char *p = qt_kmodule_find(root, "6.1.0-9", "ext4");
    ok(p && strstr(p, "/lib/modules/6.1.0-9/kernel/fs/ext4.ko"), "ext4 found through modules.dep: %s", p ? p : "(none)");
    free(p);
    p = qt_kmodule_find(root, "6.1.0-9", "nf_tab");
    ok(p && strstr(p, "/kernel/net/x/nf-tab.ko"), "nf_tab found by walking the tree ('-' and '_' alike): %s",
       p ? p : "(none)");
    free(p);
    p = qt_kmodule_find(root, "6.1.0-9", "crc16");
    ok(!p, "a module modules.dep names but ROOT lacks is not found");
    free(p);
    ok(qt_kmodule_btf("/nonexistent.ko", NULL) == NULL, "no BTF without a file or a base");
    tmpdir_remove();
    return done_testing();
}
