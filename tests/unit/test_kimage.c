/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Kernel images (common/kimage.c) and kernel symbols (common/kallsyms.c):
 *  - synthetic vmlinux ELFs and bzImages (gzip, xz, zstd payloads; lz4 refused), malformed
 *    and mutated files (must fail cleanly, never crash), random and empty files;
 *  - System.map / /proc/kallsyms files;
 *  - the real Debian kernel at $QTRACE_CACHE/guest/vmlinuz: decompression, banner, kallsyms
 *    recovered from the image checked against the kernel's own __ksymtab and against the
 *    code (the __fentry__ call at do_sys_openat2), per-cpu symbols, KASLR slide recovery.
 */
#include "kallsyms.h"
#include "kimage.h"
#include "kintro.h"
#include "klayout.h"
#include "kguest.h"
#include "tap.h"
#include "tmpfiles.h"

#include <ctype.h>
#include <elf.h>
#include <errno.h>
#include <lzma.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

static char err[1024];

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void)
{
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return (uint32_t)(rng >> 11);
}

/* ---- synthetic vmlinux ------------------------------------------------------------------ */

#define SYN_BASE 0xffffffff81000000ull
#define SYN_DATA 0x1000u        /* file offset of the first section; maps to SYN_BASE */

struct synsec { const char *name; uint32_t type; uint64_t flags; const void *data; size_t size; };

/* An x86-64 ELF: alloc sections laid out from SYN_DATA, one PT_LOAD over them. */
static size_t build_elf(uint8_t *out, size_t cap, const struct synsec *s, int n)
{
    memset(out, 0, cap);
    size_t off = SYN_DATA, shdr_off;
    Elf64_Shdr sh[16];
    char shstr[512] = "";
    size_t shlen = 1;
    memset(sh, 0, sizeof(sh));
    uint64_t load_end = SYN_DATA;
    for (int i = 0; i < n; i++) {
        Elf64_Shdr *h = &sh[i + 1];
        off = (off + 15) & ~(size_t)15;
        h->sh_name = (uint32_t)shlen;
        strcpy(shstr + shlen, s[i].name);
        shlen += strlen(s[i].name) + 1;
        h->sh_type = s[i].type;
        h->sh_flags = s[i].flags;
        h->sh_offset = off;
        h->sh_size = s[i].size;
        h->sh_addralign = 16;
        if (s[i].flags & SHF_ALLOC) h->sh_addr = SYN_BASE + (off - SYN_DATA);
        memcpy(out + off, s[i].data, s[i].size);
        off += s[i].size;
        if (s[i].flags & SHF_ALLOC) load_end = off;
    }
    Elf64_Shdr *h = &sh[n + 1];
    h->sh_name = (uint32_t)shlen;
    strcpy(shstr + shlen, ".shstrtab");
    shlen += 10;
    h->sh_type = SHT_STRTAB;
    h->sh_offset = off;
    h->sh_size = shlen;
    memcpy(out + off, shstr, shlen);
    off += shlen;
    shdr_off = (off + 7) & ~(size_t)7;
    memcpy(out + shdr_off, sh, (size_t)(n + 2) * sizeof(Elf64_Shdr));
    Elf64_Ehdr eh;
    memset(&eh, 0, sizeof(eh));
    memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_type = ET_EXEC;
    eh.e_machine = EM_X86_64;
    eh.e_version = EV_CURRENT;
    eh.e_entry = 0x1000000;
    eh.e_phoff = sizeof(eh);
    eh.e_shoff = shdr_off;
    eh.e_ehsize = sizeof(eh);
    eh.e_phentsize = sizeof(Elf64_Phdr);
    eh.e_phnum = 1;
    eh.e_shentsize = sizeof(Elf64_Shdr);
    eh.e_shnum = (uint16_t)(n + 2);
    eh.e_shstrndx = (uint16_t)(n + 1);
    memcpy(out, &eh, sizeof(eh));
    Elf64_Phdr ph = { .p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = SYN_DATA, .p_vaddr = SYN_BASE,
                      .p_paddr = 0x1000000, .p_filesz = load_end - SYN_DATA, .p_memsz = load_end - SYN_DATA,
                      .p_align = 0x1000 };
    memcpy(out + sizeof(eh), &ph, sizeof(ph));
    return shdr_off + (size_t)(n + 2) * sizeof(Elf64_Shdr);
}

static uint8_t syn_text[256];
static const char syn_rodata[] = "\0\0\0\0Linux version 9.9.9-qtrace (test@example) #1 SMP Thu Jan 1 00:00:00 UTC 1970\n";

static size_t build_test_elf(uint8_t *out, size_t cap)
{
    for (size_t i = 0; i < sizeof(syn_text); i++) syn_text[i] = (uint8_t)(i * 7 + 3);
    const struct synsec s[] = {
        { ".text", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, syn_text, sizeof(syn_text) },
        { ".rodata", SHT_PROGBITS, SHF_ALLOC, syn_rodata, sizeof(syn_rodata) },
    };
    return build_elf(out, cap, s, 2);
}

/* A bzImage around payload (already compressed): setup_sects = 1, payload at 0x400 + 0x10. */
static size_t build_bzimage(uint8_t *out, const uint8_t *payload, size_t plen)
{
    memset(out, 0, 0x410);
    out[0x1f1] = 1;
    memcpy(out + 0x202, "HdrS", 4);
    uint16_t ver = 0x020f, kv = 0x100;
    memcpy(out + 0x206, &ver, 2);
    memcpy(out + 0x20e, &kv, 2);
    strcpy((char *)out + 0x300, "9.9.9-qtrace (test@example) #1");
    uint32_t po = 0x10, pl = (uint32_t)plen;
    memcpy(out + 0x248, &po, 4);
    memcpy(out + 0x24c, &pl, 4);
    memcpy(out + 0x410, payload, plen);
    return 0x410 + plen;
}

/* compress + the 4-byte decompressed size the kernel build appends */
static size_t compress_to(int kind, const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
    size_t len = 0;
    if (kind == QT_KCOMP_GZIP) {
        z_stream z;
        memset(&z, 0, sizeof(z));
        if (deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) exit(1);
        z.next_in = (Bytef *)(uintptr_t)in;
        z.avail_in = (uInt)n;
        z.next_out = out;
        z.avail_out = (uInt)cap;
        if (deflate(&z, Z_FINISH) != Z_STREAM_END) exit(1);
        len = z.total_out;
        deflateEnd(&z);
    } else if (kind == QT_KCOMP_XZ) {
        if (lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32, NULL, in, n, out, &len, cap) != LZMA_OK) exit(1);
    } else if (kind == QT_KCOMP_ZSTD) {
        len = ZSTD_compress(out, cap, in, n, 19);
        if (ZSTD_isError(len)) exit(1);
    } else {                                  /* lz4 legacy magic, then junk */
        memcpy(out, "\x02\x21\x4c\x18", 4);
        memset(out + 4, 0x55, 60);
        len = 64;
    }
    uint32_t sz = (uint32_t)n;
    memcpy(out + len, &sz, 4);
    return len + 4;
}

static void test_synthetic(void)
{
    static uint8_t elf[0x3000], pay[0x4000], bz[0x5000];
    char p[128];
    struct qt_kimage k;
    size_t elen = build_test_elf(elf, sizeof(elf));

    /* a vmlinux ELF */
    snprintf(p, sizeof(p), "%s", tpath("vmlinux"));
    write_file(p, elf, elen, 0644);
    int rc = qt_kimage_load(&k, p, err, sizeof(err));
    is_int(rc, 0, "synthetic vmlinux ELF loads");
    ok(!k.bzimage && k.comp == QT_KCOMP_NONE, "  not a bzImage, not compressed");
    is_str(k.banner, "Linux version 9.9.9-qtrace (test@example) #1 SMP Thu Jan 1 00:00:00 UTC 1970", "  banner");
    is_u64(k.banner_addr, qt_kimage_section(&k, ".rodata")->addr + 4, "  banner address");
    is_u64(k.text_addr, SYN_BASE, "  .text address");
    uint8_t b[4];
    ok(qt_kimage_read(&k, SYN_BASE + 10, b, 4) && b[0] == syn_text[10] && b[3] == syn_text[13], "  bytes by virtual address");
    ok(!qt_kimage_ptr(&k, SYN_BASE - 1, 2) && !qt_kimage_ptr(&k, SYN_BASE + 0x10000, 1), "  no bytes outside the segments");
    ok(qt_kimage_section(&k, ".BTF") == NULL, "  no .BTF");
    struct qt_klayout L;
    qt_klayout_init(&L);
    rc = qt_klayout_from_kimage(&L, &k, err, sizeof(err));
    is_int(rc, -ENOENT, "ELF without .BTF: no layout");
    ok(strstr(err, p) && strstr(err, "has no BTF (.BTF section)"), "  message names the file: %s", err);
    struct qt_ksyms ks;
    rc = qt_ksyms_from_kimage(&ks, &k, err, sizeof(err));
    is_int(rc, -ENOENT, "ELF without any symbol table: no symbols");
    ok(strstr(err, "--kernel-symbols") != NULL, "  message says what to supply: %s", err);
    qt_kimage_free(&k);

    /* bzImages with each supported compression */
    static const struct { int kind; const char *name; } comps[] = {
        { QT_KCOMP_GZIP, "gzip" }, { QT_KCOMP_XZ, "xz" }, { QT_KCOMP_ZSTD, "zstd" } };
    for (size_t c = 0; c < 3; c++) {
        size_t plen = compress_to(comps[c].kind, elf, elen, pay, sizeof(pay));
        size_t blen = build_bzimage(bz, pay, plen);
        snprintf(p, sizeof(p), "%s", tpath("bzImage"));
        write_file(p, bz, blen, 0644);
        rc = qt_kimage_load(&k, p, err, sizeof(err));
        if (!ok(rc == 0, "%s bzImage loads", comps[c].name)) printf("#   %s\n", err);
        ok(k.bzimage && k.comp == (enum qt_kcomp)comps[c].kind, "  compression is %s", qt_kcomp_name(k.comp));
        ok(k.data_size == elen && memcmp(k.elf, elf, elen) == 0, "  payload decompressed exactly");
        ok(k.banner && strncmp(k.banner, "Linux version 9.9.9", 19) == 0, "  banner");
        is_str(k.setup_version, "9.9.9-qtrace (test@example) #1", "  setup header version");
        is_int(k.boot_protocol, 0x020f, "  boot protocol");
        qt_kimage_free(&k);

        /* the stream cut short inside a file that is otherwise consistent */
        blen = build_bzimage(bz, pay, plen / 2);
        write_file(p, bz, blen, 0644);
        rc = qt_kimage_load(&k, p, err, sizeof(err));
        ok(rc == -EINVAL && strstr(err, "cannot be decompressed") && strstr(err, p), "%s payload cut short: %s", comps[c].name, err);
        qt_kimage_free(&k);
    }

    /* lz4: recognised, refused clearly */
    size_t plen = compress_to(QT_KCOMP_LZ4, elf, elen, pay, sizeof(pay));
    size_t blen = build_bzimage(bz, pay, plen);
    write_file(p, bz, blen, 0644);
    rc = qt_kimage_load(&k, p, err, sizeof(err));
    is_int(rc, -EOPNOTSUPP, "lz4 bzImage is refused");
    ok(strstr(err, "lz4-compressed") && strstr(err, "does not support") && strstr(err, "xz, gzip, zstd"), "  says why: %s", err);

    /* payload beyond the end of the file */
    plen = compress_to(QT_KCOMP_GZIP, elf, elen, pay, sizeof(pay));
    blen = build_bzimage(bz, pay, plen);
    write_file(p, bz, blen - 100, 0644);
    rc = qt_kimage_load(&k, p, err, sizeof(err));
    ok(rc == -EINVAL && strstr(err, "truncated bzImage"), "bzImage shorter than its payload: %s", err);

    /* random bytes, an empty file, a missing file */
    static uint8_t rnd_buf[1 << 16];
    for (size_t i = 0; i < sizeof(rnd_buf); i++) rnd_buf[i] = (uint8_t)rnd();
    snprintf(p, sizeof(p), "%s", tpath("random.bin"));
    write_file(p, rnd_buf, sizeof(rnd_buf), 0644);
    rc = qt_kimage_load(&k, p, err, sizeof(err));
    is_int(rc, -ENOEXEC, "random file is refused");
    char want[256];
    snprintf(want, sizeof(want), "%s is not a Linux kernel image (no bzImage header and not an ELF)", p);
    is_str(err, want, "  message");
    snprintf(p, sizeof(p), "%s", tpath("empty"));
    write_file(p, "", 0, 0644);
    is_int(qt_kimage_load(&k, p, err, sizeof(err)), -ENOEXEC, "empty file is refused");
    snprintf(p, sizeof(p), "%s", tpath("does-not-exist"));
    rc = qt_kimage_load(&k, p, err, sizeof(err));
    ok(rc == -ENOENT && strstr(err, p), "missing file: %s", err);

    /* malformed ELFs */
    static uint8_t bad[0x3000];
    memcpy(bad, elf, elen);
    Elf64_Ehdr eh;
    memcpy(&eh, bad, sizeof(eh));
    eh.e_shoff = elen + 4096;
    memcpy(bad, &eh, sizeof(eh));
    snprintf(p, sizeof(p), "%s", tpath("bad.elf"));
    write_file(p, bad, elen, 0644);
    rc = qt_kimage_load(&k, p, err, sizeof(err));
    ok(rc == -EINVAL && strstr(err, "section headers"), "section headers past the end: %s", err);
    memcpy(bad, elf, elen);
    bad[EI_CLASS] = ELFCLASS32;                /* read as ELF32 (i386 kernels are): malformed, refused */
    write_file(p, bad, elen, 0644);
    rc = qt_kimage_load(&k, p, err, sizeof(err));
    ok(rc == -EINVAL && strstr(err, "bad ELF"), "a 64-bit ELF marked ELFCLASS32 is malformed as ELF32: %s", err);
    bad[EI_CLASS] = 7;
    write_file(p, bad, elen, 0644);
    rc = qt_kimage_load(&k, p, err, sizeof(err));
    ok(rc == -EOPNOTSUPP && strstr(err, "unknown ELF class 7"), "an unknown ELF class is refused: %s", err);
    memcpy(bad, elf, elen);
    Elf64_Shdr sh;
    memcpy(&eh, elf, sizeof(eh));
    memcpy(&sh, elf + eh.e_shoff + 2 * sizeof(sh), sizeof(sh));   /* .rodata */
    sh.sh_size = 1u << 30;
    memcpy(bad + eh.e_shoff + 2 * sizeof(sh), &sh, sizeof(sh));
    write_file(p, bad, elen, 0644);
    rc = qt_kimage_load(&k, p, err, sizeof(err));
    ok(rc == -EINVAL && strstr(err, ".rodata"), "section past the end, named: %s", err);

    /* mutations of a valid ELF and bzImage: load and use whatever loads; never crash */
    int loaded = 0, tries = 600, badmsg = 0;
    plen = compress_to(QT_KCOMP_GZIP, elf, elen, pay, sizeof(pay));
    size_t bzlen = build_bzimage(bz, pay, plen);
    for (int t = 0; t < tries; t++) {
        bool is_bz = t % 3 == 2;
        static uint8_t m[0x5000];
        size_t mlen = is_bz ? bzlen : elen;
        memcpy(m, is_bz ? bz : elf, mlen);
        int flips = 1 + (int)(rnd() % 8);
        for (int f = 0; f < flips; f++) {
            size_t at = is_bz ? 0x1f0 + rnd() % 0x60 : rnd() % 2 ? rnd() % 0x100 : eh.e_shoff + rnd() % (elen - eh.e_shoff);
            m[at % mlen] = (uint8_t)rnd();
        }
        if (rnd() % 4 == 0) mlen = rnd() % mlen;
        write_file(p, m, mlen, 0644);
        err[0] = 0;
        if (qt_kimage_load(&k, p, err, sizeof(err)) == 0) {
            loaded++;
            struct qt_ksyms ks2;
            if (qt_ksyms_from_kimage(&ks2, &k, err, sizeof(err)) == 0) qt_ksyms_free(&ks2);
            qt_klayout_init(&L);
            qt_klayout_from_kimage(&L, &k, err, sizeof(err));
            uint64_t s;
            kaslr_slide_from_bytes(&k, SYN_BASE + 0x200000, syn_text, 16, &s);
            for (size_t i = 0; i < k.nsec; i++) (void)strlen(k.sec[i].name);
            qt_kimage_free(&k);
        } else if (!err[0] || strchr(err, '\n') || !strstr(err, p)) {
            if (badmsg++ < 3) printf("#   mutation %d: bad message '%s'\n", t, err);
        }
    }
    is_int(badmsg, 0, "every refused mutation has a one-line message naming the file");
    ok(1, "%d mutated images handled without a crash (%d loaded)", tries, loaded);
}

/* ---- symbols files ---------------------------------------------------------------------- */

static void test_symbol_files(void)
{
    char p[128];
    struct qt_ksyms ks;
    snprintf(p, sizeof(p), "%s", tpath("System.map"));
    const char *map =
        "0000000000000000 A __per_cpu_start\n"
        "0000000000000000 A fixed_percpu_data\n"
        "000000000001fb80 A current_task\n"
        "0000000000035000 A __per_cpu_end\n"
        "ffffffff81000000 T _text\n"
        "ffffffff81000000 T startup_64\n"
        "ffffffff81363fa0 t do_sys_openat2\n"
        "ffffffff81364110 T do_sys_open\n"
        "ffffffff81364110 T __x64_sys_open\n"
        "ffffffff82161900 D linux_banner\n";
    write_file(p, map, strlen(map), 0644);
    int rc = qt_ksyms_load_file(&ks, p, err, sizeof(err));
    is_int(rc, 0, "System.map loads");
    is_int(ks.n, 10, "  10 symbols");
    const struct qt_ksym *s = qt_ksyms_find(&ks, "do_sys_openat2");
    ok(s && s->addr == 0xffffffff81363fa0ull && s->type == 't' && !s->percpu, "  find do_sys_openat2");
    s = qt_ksyms_find(&ks, "current_task");
    ok(s && s->percpu && s->addr == 0x1fb80, "  current_task is per-cpu");
    is_str(qt_ksyms_lookup(&ks, 0xffffffff81363fa0ull + 0x20)->name, "do_sys_openat2", "  lookup inside a function");
    is_str(qt_ksyms_lookup(&ks, 0xffffffff81364110ull)->name, "do_sys_open", "  lookup prefers the plain name");
    is_str(qt_ksyms_lookup(&ks, 0xffffffff81000000ull)->name, "startup_64", "  lookup at _text");
    ok(qt_ksyms_lookup(&ks, 0xffffffff80000000ull) == NULL, "  nothing below the first symbol");
    is_u64(qt_ksym_runtime_addr(qt_ksyms_find(&ks, "linux_banner"), 0x1e00000), 0xffffffff83f61900ull, "  run-time address adds the slide");
    is_u64(qt_ksym_runtime_addr(qt_ksyms_find(&ks, "current_task"), 0x1e00000), 0x1fb80, "  ... not to a per-cpu offset");
    qt_ksyms_free(&ks);

    /* /proc/kallsyms of a KASLR boot: module symbols skipped, slide removed */
    const char *kall =
        "0000000000000000 A fixed_percpu_data\n"
        "000000000001fb80 A current_task\n"
        "ffffffff9a000000 T _text\n"
        "ffffffff9a363fa0 t do_sys_openat2\n"
        "ffffffffc0a01000 t e1000_probe\t[e1000]\n";
    snprintf(p, sizeof(p), "%s", tpath("kallsyms"));
    write_file(p, kall, strlen(kall), 0644);
    rc = qt_ksyms_load_file(&ks, p, err, sizeof(err));
    ok(rc == 0 && ks.n == 4 && ks.skipped_module_syms == 1, "/proc/kallsyms loads, module symbol skipped");
    is_int(qt_ksyms_unslide(&ks, 0xffffffff81000000ull), 0, "  unslide");
    is_u64(ks.slide, 0x19000000, "  slide");
    is_u64(qt_ksyms_find(&ks, "do_sys_openat2")->addr, 0xffffffff81363fa0ull, "  link-time address");
    is_u64(qt_ksyms_find(&ks, "current_task")->addr, 0x1fb80, "  per-cpu offset unchanged");
    qt_ksyms_free(&ks);

    const char *placeholder = "ffffffffffffffff B The real System.map is in the linux-image-<version>-dbg package\n";
    write_file(p, placeholder, strlen(placeholder), 0644);
    rc = qt_ksyms_load_file(&ks, p, err, sizeof(err));
    ok(rc == -EINVAL && strstr(err, "placeholder") && strstr(err, p), "Debian's placeholder System.map: %s", err);
    const char *zeros = "0000000000000000 T _text\n0000000000000000 T start_kernel\n";
    write_file(p, zeros, strlen(zeros), 0644);
    rc = qt_ksyms_load_file(&ks, p, err, sizeof(err));
    ok(rc == -EINVAL && strstr(err, "kptr_restrict"), "all-zero /proc/kallsyms: %s", err);
    const char *bad = "ffffffff81000000 T _text\nthis is not a symbol\n";
    write_file(p, bad, strlen(bad), 0644);
    rc = qt_ksyms_load_file(&ks, p, err, sizeof(err));
    char want[200];
    snprintf(want, sizeof(want), "%s:2:", p);
    ok(rc == -EINVAL && strncmp(err, want, strlen(want)) == 0, "malformed line named: %s", err);
}

/* ---- the real kernel ------------------------------------------------------------------------ */

static void test_real_kernel(const char *path)
{
    struct qt_kimage k;
    if (!guest_kernel_load(&k, path, "Debian kernel loads"))
        return;
    ok(k.bzimage && k.comp == QT_KCOMP_XZ, "  xz bzImage");
    ok(k.banner && strncmp(k.banner, "Linux version 6.1.0", 19) == 0, "  banner: %s", k.banner ? k.banner : "(none)");
    ok(k.machine == EM_X86_64 && k.text_addr == 0xffffffff81000000ull, "  x86-64, .text at 0xffffffff81000000");
    const char *need[] = { ".text", ".rodata", ".BTF", ".data..percpu", "__ksymtab", "__ksymtab_gpl", "__ksymtab_strings" };
    for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
        ok(qt_kimage_section_data(&k, qt_kimage_section(&k, need[i])) != NULL, "  section %s", need[i]);
    ok(qt_kimage_section(&k, ".data..percpu")->addr == 0, "  per-cpu section linked at 0");
    ok(k.nreloc32 > 1000 && k.nreloc64 > 1000, "  relocation table (%zu/%zu/%zu)", k.nreloc32, k.nreloc32inv, k.nreloc64);

    struct qt_ksyms ks;
    int rc = qt_ksyms_from_kimage(&ks, &k, err, sizeof(err));
    if (!ok(rc == 0, "kallsyms recovered from the image")) {
        printf("#   %s\n", err);
        qt_kimage_free(&k);
        return;
    }
    ok(ks.source == QT_KSYMS_KALLSYMS && ks.n > 50000, "  %zu symbols: %s", ks.n, ks.how);
    bool sorted = true;
    for (size_t i = 1; i < ks.n; i++) sorted &= ks.syms[i - 1].addr <= ks.syms[i].addr;
    ok(sorted, "  sorted by address");
    const struct qt_ksym *sk = qt_ksyms_find(&ks, "start_kernel"), *op = qt_ksyms_find(&ks, "do_sys_openat2"),
                         *ct = qt_ksyms_find(&ks, "current_task"), *ff = qt_ksyms_find(&ks, "__fentry__"),
                         *lb = qt_ksyms_find(&ks, "linux_banner"), *tx = qt_ksyms_find(&ks, "_text");
    const struct qt_ksection *init = qt_kimage_section(&k, ".init.text"), *text = qt_kimage_section(&k, ".text");
    ok(sk && sk->type == 'T' && init && sk->addr >= init->addr && sk->addr < init->addr + init->size,
       "  start_kernel in .init.text (0x%llx)", sk ? (unsigned long long)sk->addr : 0ull);
    ok(op && tolower(op->type) == 't' && op->addr >= text->addr && op->addr < text->addr + text->size,
       "  do_sys_openat2 in .text (0x%llx)", op ? (unsigned long long)op->addr : 0ull);
    ok(ct && ct->percpu && ct->type == 'A' && ct->addr < 0x40000 && ct->addr < qt_kimage_section(&k, ".data..percpu")->size,
       "  current_task is a per-cpu offset (0x%llx)", ct ? (unsigned long long)ct->addr : 0ull);
    ok(tx && tx->addr == 0xffffffff81000000ull && ks.text_addr == tx->addr, "  _text at the link address");
    ok(lb && lb->addr == k.banner_addr, "  linux_banner is where the banner was found");

    /* the kallsyms search on damaged copies of .rodata: fails or succeeds, never crashes */
    const struct qt_ksection *ro = qt_kimage_section(&k, ".rodata");
    size_t ron = (size_t)ro->size, lo = (size_t)(ks.loc.offsets - ro->addr), hi = (size_t)(ks.loc.token_index - ro->addr) + 512;
    uint8_t *copy = malloc(ron);
    int found = 0, runs = 8;
    for (int t = 0; t < runs && copy; t++) {
        memcpy(copy, qt_kimage_section_data(&k, ro), ron);
        struct qt_ksection fsec = { .name = ".rodata", .addr = ro->addr, .size = ron, .offset = 0, .flags = SHF_ALLOC,
                                    .type = SHT_PROGBITS };
        if (t % 4 == 3) {
            fsec.size = lo + rnd() % (hi - lo);                      /* cut inside the tables */
        } else {
            for (int f = 0, nf = 1 + (int)(rnd() % 64); f < nf; f++) copy[lo + rnd() % (hi - lo)] = (uint8_t)rnd();
        }
        struct qt_kimage fk;
        memset(&fk, 0, sizeof(fk));
        fk.path = (char *)"damaged";
        fk.elf = copy;
        fk.data_size = fk.elf_size = ron;
        fk.sec = &fsec;
        fk.nsec = 1;
        struct qt_ksyms fks;
        if (qt_ksyms_from_kallsyms(&fks, &fk, err, sizeof(err)) == 0) {
            found++;
            (void)qt_ksyms_find(&fks, "start_kernel");
            (void)qt_ksyms_lookup(&fks, 0xffffffff81000000ull);
            qt_ksyms_free(&fks);
        }
    }
    free(copy);
    ok(1, "kallsyms search on %d damaged copies of .rodata: no crash (%d still decoded)", runs, found);

    /* independent check 1: every exported symbol (__ksymtab entries: the kernel's own
     * relative references) has the same address in the recovered kallsyms */
    struct qt_ksyms ex;
    rc = qt_ksyms_from_ksymtab(&ex, &k, err, sizeof(err));
    ok(rc == 0 && ex.n > 5000, "__ksymtab decoded: %zu exported symbols", ex.n);
    size_t bad = 0, pc = 0;
    for (size_t i = 0; i < ex.n; i++) {
        const struct qt_ksym *all[16];
        size_t c = qt_ksyms_find_all(&ks, ex.syms[i].name, all, 16);
        bool match = false;
        for (size_t j = 0; j < c && j < 16; j++) match |= all[j]->addr == ex.syms[i].addr;
        if (!match && bad++ < 5) printf("#   %s: ksymtab 0x%llx\n", ex.syms[i].name, (unsigned long long)ex.syms[i].addr);
        pc += ex.syms[i].addr < 0x40000;
    }
    is_int(bad, 0, "  every exported symbol agrees with kallsyms");
    ok(pc > 10, "  including %zu exported per-cpu variables", pc);
    const struct qt_ksym *ect = qt_ksyms_find(&ex, "current_task");
    ok(ect && ct && ect->addr == ct->addr, "  current_task (EXPORT_PER_CPU_SYMBOL) agrees");
    qt_ksyms_free(&ex);

    /* independent check 2: the code. do_sys_openat2 begins with "call __fentry__" (ftrace) or
     * endbr64; the call's target must be kallsyms' __fentry__ */
    uint8_t code[32];
    ok(op && qt_kimage_read(&k, op->addr, code, sizeof(code)), "bytes at do_sys_openat2");
    if (code[0] == 0xf3 && code[1] == 0x0f && code[2] == 0x1e && code[3] == 0xfa) {
        ok(1, "  starts with endbr64");
    } else {
        int32_t rel;
        memcpy(&rel, code + 1, 4);
        ok(code[0] == 0xe8 && ff && op->addr + 5 + (uint64_t)(int64_t)rel == ff->addr, "  starts with call __fentry__");
    }
    const struct qt_ksym *l = op ? qt_ksyms_lookup(&ks, op->addr + 7) : NULL;
    ok(l && l == op, "  address lookup inside do_sys_openat2");

    /* KASLR */
    uint64_t slide = 0, want = 0x1e00000;
    rc = kaslr_slide_from_bytes(&k, op->addr + want, code, sizeof(code), &slide);
    ok(rc == 0 && slide == want, "KASLR slide recovered from do_sys_openat2's bytes (rc %d, 0x%llx)", rc, (unsigned long long)slide);
    rc = kaslr_slide_from_bytes(&k, op->addr, code, sizeof(code), &slide);
    ok(rc == 0 && slide == 0, "  slide 0 (nokaslr)");
    want = 0x3a600000;
    uint64_t r = 0;                            /* a block containing a relocated 32-bit field */
    for (size_t i = 1; i + 1 < k.nreloc32 && !r; i++) {
        uint64_t c = k.reloc32[i];             /* the only relocated field in [c - 16, c + 32) */
        bool alone = c > op->addr + 0x10000 && c < text->addr + text->size - 64 && k.reloc32[i - 1] < c - 16 &&
                     k.reloc32[i + 1] >= c + 32;
        for (size_t j = 0; alone && j < k.nreloc32inv; j++) alone = k.reloc32inv[j] < c - 16 || k.reloc32inv[j] >= c + 32;
        for (size_t j = 0; alone && j < k.nreloc64; j++) alone = k.reloc64[j] < c - 16 || k.reloc64[j] >= c + 32;
        if (alone) r = c;
    }
    uint8_t blk[32];
    ok(r && qt_kimage_read(&k, r - 8, blk, sizeof(blk)), "  a .text block with a 32-bit relocation at 0x%llx", (unsigned long long)r);
    uint32_t field;
    memcpy(&field, blk + 8, 4);
    field += (uint32_t)want;                   /* what the decompressor does at boot */
    memcpy(blk + 8, &field, 4);
    rc = kaslr_slide_from_bytes(&k, r - 8 + want, blk, sizeof(blk), &slide);
    ok(rc == 0 && slide == want, "  slide recovered through the relocated field (rc %d)", rc);
    uint8_t junk[32];
    for (size_t i = 0; i < sizeof(junk); i++) junk[i] = (uint8_t)rnd();
    is_int(kaslr_slide_from_bytes(&k, op->addr + want, junk, sizeof(junk), &slide), -ENOENT, "  bytes of no slide: -ENOENT");
    uint64_t amb = 0;                          /* int3 padding at X and X + 2 MiB: one byte is ambiguous */
    for (uint64_t a = text->addr; a + QT_KASLR_ALIGN < text->addr + text->size && !amb; a++) {
        const uint8_t *x = qt_kimage_ptr(&k, a, 1), *y = qt_kimage_ptr(&k, a + QT_KASLR_ALIGN, 1);
        if (x && y && *x == 0xcc && *y == 0xcc) amb = a;
    }
    uint8_t cc = 0xcc;
    is_int(kaslr_slide_from_bytes(&k, amb + QT_KASLR_ALIGN, &cc, 1, &slide), -ENOTUNIQ, "  an ambiguous byte: -ENOTUNIQ");
    is_int(kaslr_slide_from_bytes(&k, 0x1000, code, 4, &slide), -EINVAL, "  a user address: -EINVAL");

    /* truncated copy of the real file */
    FILE *f = fopen(path, "rb");
    static uint8_t head[1 << 20];
    size_t n = f ? fread(head, 1, sizeof(head), f) : 0;
    if (f) fclose(f);
    char p[128];
    snprintf(p, sizeof(p), "%s", tpath("vmlinuz.truncated"));
    write_file(p, head, n, 0644);
    struct qt_kimage t;
    rc = qt_kimage_load(&t, p, err, sizeof(err));
    ok(rc == -EINVAL && strstr(err, "truncated bzImage") && strstr(err, p), "truncated Debian bzImage: %s", err);

    qt_ksyms_free(&ks);
    qt_kimage_free(&k);
}

/* The 32-bit test guest's kernel (Debian's linux-image-686: i386, xz, KASLR on, no BTF,
 * CONFIG_PHYSICAL_ALIGN 16 MiB, kallsyms base-relative with a u32 base) */
static void test_real_kernel32(const char *path)
{
    struct qt_kimage k;
    if (!guest_kernel_load(&k, path, "i386 Debian kernel loads (ELFCLASS32 payload)"))
        return;
    ok(k.bzimage && k.comp == QT_KCOMP_XZ && k.bits == 32 && k.machine == EM_386, "  i386 xz bzImage, 32-bit ELF");
    ok(k.banner && strstr(k.banner, "-686 "), "  banner: %s", k.banner ? k.banner : "(none)");
    ok(k.text_addr == 0xc1000000ull && k.map_base == 0xc0000000ull, "  .text at 0xc1000000, PAGE_OFFSET 0xc0000000 (0x%llx)",
       (unsigned long long)k.map_base);
    ok(k.kaslr_align == 0x1000000 && k.kaslr_range == QT_KASLR_RANGE32, "  KASLR: CONFIG_PHYSICAL_ALIGN 16 MiB from the "
       "setup header (0x%llx), below 512 MiB", (unsigned long long)k.kaslr_align);
    ok(k.nreloc32 > 1000 && k.nreloc32inv == 0 && k.nreloc64 == 0 && k.reloc32[0] >= 0xc0000000ull &&
       k.reloc32[k.nreloc32 - 1] <= UINT32_MAX, "  i386 relocation table: 32-bit fields only (%zu)", k.nreloc32);

    struct qt_ksyms ks;
    int rc = qt_ksyms_from_kallsyms(&ks, &k, err, sizeof(err));
    if (!ok(rc == 0, "kallsyms recovered from the i386 image")) {
        printf("#   %s\n", err);
        qt_kimage_free(&k);
        return;
    }
    ok(ks.n > 30000 && ks.loc.base_relative && !ks.loc.absolute_percpu && ks.loc.relative_base_value == 0xc1000000ull,
       "  %zu symbols: %s", ks.n, ks.how);
    bool sorted = true, k32 = true;
    for (size_t i = 0; i < ks.n; i++) {
        sorted &= i == 0 || ks.syms[i - 1].addr <= ks.syms[i].addr;
        k32 &= ks.syms[i].addr >= 0xc0000000ull && ks.syms[i].addr <= UINT32_MAX;
    }
    ok(sorted && k32, "  sorted, every address a 32-bit kernel address");
    const struct qt_ksym *op = qt_ksyms_find(&ks, "do_sys_openat2"), *kw = qt_ksyms_find(&ks, "ksys_write"),
                         *tx = qt_ksyms_find(&ks, "_text");
    const struct qt_ksection *text = qt_kimage_section(&k, ".text");
    ok(op && kw && tolower(kw->type) == 't' && kw->addr >= text->addr && kw->addr < text->addr + text->size,
       "  ksys_write in .text (0x%llx)", kw ? (unsigned long long)kw->addr : 0ull);
    ok(tx && tx->addr == 0xc1000000ull, "  _text at the link address");

    /* independent check: the exported functions (__ksymtab's relative references) agree */
    struct qt_ksyms ex;
    rc = qt_ksyms_from_ksymtab(&ex, &k, err, sizeof(err));
    ok(rc == 0 && ex.n > 5000, "__ksymtab decoded: %zu exported symbols", ex.n);
    size_t bad = 0, nfn = 0;
    for (size_t i = 0; i < ex.n; i++) {
        if (ex.syms[i].addr < text->addr || ex.syms[i].addr >= text->addr + text->size) continue;
        nfn++;                                 /* functions: kallsyms without KALLSYMS_ALL has no data */
        const struct qt_ksym *all[16];
        size_t c = qt_ksyms_find_all(&ks, ex.syms[i].name, all, 16);
        bool match = false;
        for (size_t j = 0; j < c && j < 16; j++) match |= all[j]->addr == ex.syms[i].addr;
        if (!match && bad++ < 5) printf("#   %s: ksymtab 0x%llx\n", ex.syms[i].name, (unsigned long long)ex.syms[i].addr);
    }
    ok(nfn > 3000, "  %zu exported functions", nfn);
    is_int(bad, 0, "  every exported function agrees with kallsyms");
    qt_ksyms_free(&ex);

    /* KASLR: the slide is a multiple of 16 MiB; every kernel symbol moves, per-cpu ones too */
    uint8_t code[32];
    ok(qt_kimage_read(&k, kw->addr, code, sizeof(code)), "bytes at ksys_write");
    uint64_t slide = 0, want = 0x3000000;
    rc = kaslr_slide_from_bytes(&k, kw->addr + want, code, 16, &slide);   /* a relocated field at +0x16 */
    ok(rc == 0 && slide == want, "KASLR slide 0x3000000 recovered from ksys_write's bytes (rc %d, 0x%llx)", rc,
       (unsigned long long)slide);
    uint64_t r = 0;                            /* a .text block with a relocated field */
    for (size_t i = 1; i + 1 < k.nreloc32 && !r; i++) {
        uint64_t c = k.reloc32[i];
        if (c > kw->addr && c < text->addr + text->size - 64 && k.reloc32[i - 1] < c - 16 && k.reloc32[i + 1] >= c + 32)
            r = c;
    }
    uint8_t blk[32];
    ok(r && qt_kimage_read(&k, r - 8, blk, sizeof(blk)), "  a .text block with a 32-bit relocation at 0x%llx",
       (unsigned long long)r);
    uint32_t field;
    memcpy(&field, blk + 8, 4);
    field += (uint32_t)want;
    memcpy(blk + 8, &field, 4);
    rc = kaslr_slide_from_bytes(&k, r - 8 + want, blk, sizeof(blk), &slide);
    ok(rc == 0 && slide == want, "  slide recovered through the relocated field (rc %d)", rc);
    is_int(kaslr_slide_from_bytes(&k, kw->addr + 0x800000, code, sizeof(code), &slide), -ENOENT,
           "  half a 16 MiB step is no slide: -ENOENT");
    is_int(kaslr_slide_from_bytes(&k, 0x8049000, code, 4, &slide), -EINVAL, "  a user address: -EINVAL");
    ok(qt_ksym_runtime_addr(kw, want) == kw->addr + want, "  run-time address of ksys_write = link + slide");
    struct qt_ksym pc = { .addr = 0xc1e6a6e8ull, .type = 'D', .percpu = true, .name = "current_task" };
    ok(qt_ksym_runtime_addr(&pc, want) == pc.addr + want, "  i386 per-cpu symbols (linked in the image) move too");
    struct qt_ksym pc64 = { .addr = 0x1fb80, .type = 'A', .percpu = true, .name = "current_task" };
    ok(qt_ksym_runtime_addr(&pc64, 0x1e00000) == 0x1fb80, "  x86-64 per-cpu offsets do not");
    qt_ksyms_free(&ks);
    qt_kimage_free(&k);

    /* the plugin's loader: symbols only, no BTF or layout file needed */
    struct qt_kintro ki;
    rc = qt_kintro_load(&ki, path, NULL, NULL, err, sizeof(err));
    ok(rc == 0 && ki.symbols_only && ki.ks.n > 30000 && !ki.has_btf, "qt_kintro_load: an i386 kernel loads symbols only (rc %d%s%s)",
       rc, rc ? ": " : "", rc ? err : "");
    qt_kintro_free(&ki);
}

int main(void)
{
    if (tmpdir_make("kimage") < 0)
        return 1;
    test_synthetic();
    test_symbol_files();

    char kpath[4096];
    if (guest_kernel(kpath, sizeof(kpath), "guest", "scripts/build-guest.sh downloads the Debian kernel"))
        test_real_kernel(kpath);
    if (guest_kernel(kpath, sizeof(kpath), "guest32", "tests/compat/build-guest32.sh builds the 32-bit guest"))
        test_real_kernel32(kpath);

    tmpdir_remove();
    return done_testing();
}
