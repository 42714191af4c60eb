/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Kernel structure layouts (common/klayout.c) and `qtrace kernel-info` (cli/cmd_kernel_info.c):
 *  - synthetic BTF written with libbpf: members inside anonymous unions/structs, typedef and
 *    const in the way, arrays (module.mem[0].base), bitfields refused, malformed BTF;
 *  - layout files: override, alternative names, errors naming file and line;
 *  - the real Debian kernel: every field found; offsets checked against a second, independent
 *    BTF parser written here, and against the kernel's statically initialised data (init_task:
 *    comm "swapper", parent pointers and list heads pointing at itself; init_cred's full
 *    capability set; init_mm.pgd = init_top_pgt), read from the image with kallsyms addresses;
 *  - the CLI: output and the errors for a non-kernel file and a kernel without BTF.
 */
#include "kallsyms.h"
#include "kimage.h"
#include "klayout.h"
#include "kguest.h"
#include "tap.h"
#include "tmpfiles.h"

#include <bpf/btf.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

int cmd_kernel_info(int argc, char **argv);

static char err[1024];

/* ---- an independent BTF reader (no libbpf): member offsets by walking the raw types ------- */

struct minibtf {
    const uint8_t *types, *strs;
    uint32_t types_len, strs_len;
    const uint8_t **by_id;      /* type id -> its record */
    uint32_t n;
};

static uint32_t u32at(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

static int mini_open(struct minibtf *m, const uint8_t *d, size_t size)
{
    memset(m, 0, sizeof(*m));
    if (size < 24 || d[0] != 0x9f || d[1] != 0xeb) return -1;
    uint32_t hl = u32at(d + 4), to = u32at(d + 8), tl = u32at(d + 12), so = u32at(d + 16), sl = u32at(d + 20);
    if ((uint64_t)hl + to + tl > size || (uint64_t)hl + so + sl > size) return -1;
    m->types = d + hl + to;
    m->types_len = tl;
    m->strs = d + hl + so;
    m->strs_len = sl;
    size_t cap = 1024;
    m->by_id = calloc(cap, sizeof(*m->by_id));
    m->n = 1;                                   /* id 0 is void */
    for (uint32_t off = 0; off + 12 <= tl;) {
        const uint8_t *t = m->types + off;
        uint32_t info = u32at(t + 4), vlen = info & 0xffff, kind = (info >> 24) & 0x1f;
        uint32_t extra;
        switch (kind) {
        case 1: case 14: case 17: extra = 4; break;                 /* INT, VAR, DECL_TAG */
        case 3: extra = 12; break;                                  /* ARRAY */
        case 4: case 5: case 15: case 19: extra = 12 * vlen; break; /* STRUCT, UNION, DATASEC, ENUM64 */
        case 6: case 13: extra = 8 * vlen; break;                   /* ENUM, FUNC_PROTO */
        default: extra = 0;
        }
        if (m->n == cap) {
            cap *= 2;
            m->by_id = realloc(m->by_id, cap * sizeof(*m->by_id));
        }
        m->by_id[m->n++] = t;
        off += 12 + extra;
    }
    return 0;
}

static const char *mini_str(const struct minibtf *m, uint32_t off) { return off < m->strs_len ? (const char *)m->strs + off : ""; }

/* bit offset of member name in struct/union record t (anonymous members searched), or -1 */
static long mini_member(const struct minibtf *m, const uint8_t *t, const char *name)
{
    uint32_t info = u32at(t + 4), vlen = info & 0xffff, kind = (info >> 24) & 0x1f, kflag = info >> 31;
    if (kind != 4 && kind != 5) return -1;
    for (uint32_t i = 0; i < vlen; i++) {
        const uint8_t *mb = t + 12 + 12 * i;
        uint32_t no = u32at(mb), type = u32at(mb + 4), off = u32at(mb + 8);
        long bits = kflag ? (long)(off & 0xffffff) : (long)off;
        if (no && strcmp(mini_str(m, no), name) == 0) return bits;
        if (!no && type < m->n) {
            long sub = mini_member(m, m->by_id[type], name);
            if (sub >= 0) return bits + sub;
        }
    }
    return -1;
}

static long mini_offset(const struct minibtf *m, const char *sname, const char *member)
{
    for (uint32_t id = 1; id < m->n; id++) {
        const uint8_t *t = m->by_id[id];
        if (((u32at(t + 4) >> 24) & 0x1f) == 4 && strcmp(mini_str(m, u32at(t)), sname) == 0) {
            long b = mini_member(m, t, member);
            return b < 0 ? -1 : b / 8;
        }
    }
    return -1;
}

/* ---- synthetic BTF (libbpf's writer) ------------------------------------------------------ */

static struct btf *synthetic_btf(void)
{
    struct btf *b = btf__new_empty();
    int u16 = btf__add_int(b, "short unsigned int", 2, 0);
    int u32 = btf__add_int(b, "unsigned int", 4, 0);
    int u64 = btf__add_int(b, "long long unsigned int", 8, 0);
    int chr = btf__add_int(b, "char", 1, BTF_INT_SIGNED);
    int vptr = btf__add_ptr(b, 0);
    /* struct sock_common { union { u64 skc_addrpair; struct { u32 skc_daddr, skc_rcv_saddr; }; };
     *   u32 skc_hash; union { u32 skc_portpair; struct { u16 skc_dport, skc_num; }; }; u16 skc_family; } */
    int s1 = btf__add_struct(b, NULL, 8);
    btf__add_field(b, "skc_daddr", u32, 0, 0);
    btf__add_field(b, "skc_rcv_saddr", u32, 32, 0);
    int u1 = btf__add_union(b, NULL, 8);
    btf__add_field(b, "skc_addrpair", u64, 0, 0);
    btf__add_field(b, NULL, s1, 0, 0);
    int s2 = btf__add_struct(b, NULL, 4);
    btf__add_field(b, "skc_dport", u16, 0, 0);
    btf__add_field(b, "skc_num", u16, 16, 0);
    int u2 = btf__add_union(b, NULL, 4);
    btf__add_field(b, "skc_portpair", u32, 0, 0);
    btf__add_field(b, NULL, s2, 0, 0);
    int sc = btf__add_struct(b, "sock_common", 24);
    btf__add_field(b, NULL, u1, 0, 0);
    btf__add_field(b, "skc_hash", u32, 64, 0);
    btf__add_field(b, NULL, u2, 96, 0);
    btf__add_field(b, "skc_family", u16, 128, 0);
    int td = btf__add_typedef(b, "sock_common_t", sc);
    int cst = btf__add_const(b, td);
    btf__add_struct(b, "sock", 64);                 /* struct sock { char pad[8]; const sock_common_t __sk_common; } */
    btf__add_field(b, "__sk_common", cst, 64, 0);
    /* struct module_memory { void *base; unsigned int size; }; struct module { int state; ...; mem[7] } */
    int mm = btf__add_struct(b, "module_memory", 16);
    btf__add_field(b, "base", vptr, 0, 0);
    btf__add_field(b, "size", u32, 64, 0);
    int mma = btf__add_array(b, u32, mm, 7);
    int name = btf__add_array(b, u32, chr, 56);
    btf__add_struct(b, "module", 1024);
    btf__add_field(b, "state", u32, 0, 0);
    btf__add_field(b, "name", name, 24 * 8, 0);
    btf__add_field(b, "mem", mma, 512 * 8, 0);
    /* struct task_struct { ... int pid @0x970; bitfield exit_code; char comm[16] @0xba0 } */
    int comm = btf__add_array(b, u32, chr, 16);
    btf__add_struct(b, "task_struct", 4096);
    btf__add_field(b, "pid", u32, 0x970 * 8, 0);
    btf__add_field(b, "exit_code", u32, 0x974 * 8, 3);
    btf__add_field(b, "comm", comm, 0xba0 * 8, 0);
    return b;
}

static void test_synthetic_btf(void)
{
    struct btf *b = synthetic_btf();
    uint32_t size;
    const void *raw = btf__raw_data(b, &size);
    struct qt_klayout L;
    qt_klayout_init(&L);
    int rc = qt_klayout_from_btf(&L, raw, size, "synthetic", err, sizeof(err));
    is_int(rc, 0, "synthetic BTF parsed");
    ok(L.sock_daddr.found && L.sock_daddr.off == 8 && L.sock_daddr.size == 4, "  skc_daddr: anonymous struct in anonymous union, behind const typedef");
    ok(L.sock_rcv_saddr.found && L.sock_rcv_saddr.off == 12, "  skc_rcv_saddr");
    ok(L.sock_dport.found && L.sock_dport.off == 20 && L.sock_dport.size == 2, "  skc_dport");
    ok(L.sock_num.found && L.sock_num.off == 22, "  skc_num");
    ok(L.sock_family.found && L.sock_family.off == 24, "  skc_family");
    ok(L.module_base.found && L.module_base.off == 512 && L.module_base.size == 8 && L.module_mem, "  module base from mem[0].base");
    ok(L.module_size.found && L.module_size.off == 520 && L.module_size.size == 4, "  module size from mem[0].size");
    ok(L.module_name.found && L.module_name.off == 24 && L.module_name.size == 56, "  module.name");
    ok(L.task_pid.found && L.task_pid.off == 0x970 && L.task_pid.src == QT_KL_BTF, "  task_struct.pid");
    ok(L.task_comm.found && L.task_comm.off == 0xba0 && L.task_comm.size == 16, "  task_struct.comm");
    ok(!L.task_exit_code.found, "  a bitfield is not taken");
    ok(!L.cred_uid.found && !L.task_tgid.found, "  absent structs and members are not found");
    btf__free(b);

    /* malformed: a BTF header over random bytes; libbpf must not print */
    uint8_t junk[4096];
    for (size_t i = 0; i < sizeof(junk); i++) junk[i] = (uint8_t)(i * 131 + 7);
    uint32_t hdr[6] = { 0x0001eb9f, 24, 0, 2000, 2000, 2000 };
    memcpy(junk, hdr, sizeof(hdr));
    char p[128];
    snprintf(p, sizeof(p), "%s", tpath("stderr.txt"));
    fflush(stderr);
    int saved = dup(2), fd = open(p, O_CREAT | O_TRUNC | O_WRONLY, 0600);
    dup2(fd, 2);
    close(fd);
    rc = qt_klayout_from_btf(&L, junk, sizeof(junk), "junk.bin: .BTF section", err, sizeof(err));
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    ok(rc == -EINVAL && strstr(err, "junk.bin: .BTF section: BTF is malformed"), "malformed BTF refused: %s", err);
    FILE *f = fopen(p, "r");
    ok(f && fgetc(f) == EOF, "  and nothing printed");
    if (f) fclose(f);
}

/* ---- layout files ------------------------------------------------------------------------- */

static void test_layout_file(void)
{
    struct qt_klayout L;
    qt_klayout_init(&L);
    L.task_pid = (struct qt_kfield){ .off = 2416, .size = 4, .found = true, .src = QT_KL_BTF };
    L.task_tgid = (struct qt_kfield){ .off = 2420, .size = 4, .found = true, .src = QT_KL_BTF };
    char p[128];
    snprintf(p, sizeof(p), "%s", tpath("layout.txt"));
    const char *good =
        "# layout of a kernel without BTF\n"
        "\n"
        "task_struct.pid = 0x1234      # overrides BTF\n"
        "   task_struct.comm=100 16\n"
        "cred.uid = 8\n"
        "module.mem[0].base = 40\n";
    write_file(p, good, strlen(good), 0644);
    int rc = qt_klayout_load_file(&L, p, err, sizeof(err));
    is_int(rc, 0, "layout file applied");
    ok(L.task_pid.found && L.task_pid.off == 0x1234 && L.task_pid.size == 4 && L.task_pid.src == QT_KL_FILE, "  overrides a BTF field");
    ok(L.task_tgid.off == 2420 && L.task_tgid.src == QT_KL_BTF, "  leaves the others");
    ok(L.task_comm.found && L.task_comm.off == 100 && L.task_comm.size == 16, "  offset and size");
    ok(L.cred_uid.found && L.cred_uid.off == 8 && L.cred_uid.size == 4, "  usual size when none is given");
    ok(L.module_base.found && L.module_base.off == 40, "  alternative name module.mem[0].base");
    is_u64(qt_klayout_get(&L, "task_struct.pid")->off, 0x1234, "  lookup by name");
    ok(qt_klayout_get(&L, "no.such") == NULL, "  unknown name: NULL");

    static const struct { const char *text, *want; } bad[] = {
        { "task_struct.pid = 1\ntask_struct.nosuch = 4\n", ":2: unknown field 'task_struct.nosuch'" },
        { "task_struct.pid 12\n", ":1: expected 'struct.field = OFFSET [SIZE]'" },
        { "task_struct.pid =\n", ":1: expected" },
        { "# x\ntask_struct.pid = -1\n", ":2: bad number for 'task_struct.pid'" },
        { "task_struct.pid = 0x99999999\n", ":1: bad number" },
        { "task_struct.pid = 12abc\n", ":1: bad number" },
        { "task_struct.pid = 1 4 9\n", ":1: unexpected '9'" },
        { "task_struct.pid = 1 0\n", ":1: bad number" },
    };
    struct qt_klayout before = L;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        write_file(p, bad[i].text, strlen(bad[i].text), 0644);
        rc = qt_klayout_load_file(&L, p, err, sizeof(err));
        char want[256];
        snprintf(want, sizeof(want), "%s%s", p, bad[i].want);
        ok(rc == -EINVAL && strncmp(err, want, strlen(want)) == 0, "bad layout file %zu: %s", i + 1, err);
    }
    ok(memcmp(&before, &L, sizeof(L)) == 0, "  a bad file changes nothing");
    snprintf(p, sizeof(p), "%s", tpath("no-such-layout"));
    rc = qt_klayout_load_file(&L, p, err, sizeof(err));
    ok(rc == -ENOENT && strstr(err, p), "missing layout file: %s", err);
}

/* ---- a synthetic vmlinux, with or without .BTF --------------------------------------------- */

static size_t build_elf(uint8_t *out, size_t cap, const void *btf, size_t btf_len)
{
    static const char rodata[] = "\0Linux version 9.9.9-qtrace (test@example) #1 SMP\n";
    memset(out, 0, cap);
    const char shstr[] = "\0.text\0.rodata\0.BTF\0.shstrtab";
    size_t off_text = 0x1000, off_ro = 0x1100, off_btf = 0x1200, off_str = off_btf + btf_len;
    size_t off_sh = (off_str + sizeof(shstr) + 7) & ~(size_t)7;
    int nsec = btf ? 5 : 4;
    Elf64_Shdr sh[5];
    memset(sh, 0, sizeof(sh));
    sh[1] = (Elf64_Shdr){ .sh_name = 1, .sh_type = SHT_PROGBITS, .sh_flags = SHF_ALLOC | SHF_EXECINSTR,
                          .sh_addr = 0xffffffff81000000ull, .sh_offset = off_text, .sh_size = 0x100 };
    sh[2] = (Elf64_Shdr){ .sh_name = 7, .sh_type = SHT_PROGBITS, .sh_flags = SHF_ALLOC,
                          .sh_addr = 0xffffffff81000100ull, .sh_offset = off_ro, .sh_size = sizeof(rodata) };
    sh[3] = (Elf64_Shdr){ .sh_name = 20, .sh_type = SHT_STRTAB, .sh_offset = off_str, .sh_size = sizeof(shstr) };
    if (btf)
        sh[4] = (Elf64_Shdr){ .sh_name = 15, .sh_type = SHT_PROGBITS, .sh_flags = SHF_ALLOC,
                              .sh_addr = 0xffffffff81000200ull, .sh_offset = off_btf, .sh_size = btf_len };
    memset(out + off_text, 0xcc, 0x100);
    memcpy(out + off_ro, rodata, sizeof(rodata));
    if (btf) memcpy(out + off_btf, btf, btf_len);
    memcpy(out + off_str, shstr, sizeof(shstr));
    memcpy(out + off_sh, sh, (size_t)nsec * sizeof(Elf64_Shdr));
    Elf64_Ehdr eh = { .e_type = ET_EXEC, .e_machine = EM_X86_64, .e_version = EV_CURRENT, .e_phoff = sizeof(Elf64_Ehdr),
                      .e_shoff = off_sh, .e_ehsize = sizeof(Elf64_Ehdr), .e_phentsize = sizeof(Elf64_Phdr), .e_phnum = 1,
                      .e_shentsize = sizeof(Elf64_Shdr), .e_shnum = (uint16_t)nsec, .e_shstrndx = 3 };
    memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    memcpy(out, &eh, sizeof(eh));
    Elf64_Phdr ph = { .p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = 0x1000, .p_vaddr = 0xffffffff81000000ull,
                      .p_filesz = off_btf + btf_len - 0x1000, .p_memsz = off_btf + btf_len - 0x1000 };
    memcpy(out + sizeof(eh), &ph, sizeof(ph));
    return off_sh + (size_t)nsec * sizeof(Elf64_Shdr);
}

/* ---- the CLI ------------------------------------------------------------------------------ */

static char cli_out[1 << 16], cli_err[4096], cli_err_line[512];

static int run_cli(int argc, char **argv)
{
    char po[128], pe[128];
    snprintf(po, sizeof(po), "%s", tpath("cli.out"));
    snprintf(pe, sizeof(pe), "%s", tpath("cli.err"));
    fflush(stdout);
    fflush(stderr);
    int so = dup(1), se = dup(2);
    int fo = open(po, O_CREAT | O_TRUNC | O_WRONLY, 0600), fe = open(pe, O_CREAT | O_TRUNC | O_WRONLY, 0600);
    dup2(fo, 1);
    dup2(fe, 2);
    close(fo);
    close(fe);
    int rc = cmd_kernel_info(argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(so, 1);
    dup2(se, 2);
    close(so);
    close(se);
    FILE *f = fopen(po, "r");
    size_t n = f ? fread(cli_out, 1, sizeof(cli_out) - 1, f) : 0;
    cli_out[n] = 0;
    if (f) fclose(f);
    f = fopen(pe, "r");
    n = f ? fread(cli_err, 1, sizeof(cli_err) - 1, f) : 0;
    cli_err[n] = 0;
    if (f) fclose(f);
    cli_err_line[0] = 0;                       /* first line of stderr, for test names */
    sscanf(cli_err, "%511[^\n]", cli_err_line);
    return rc;
}

static void test_cli_synthetic(void)
{
    static uint8_t elf[0x4000];
    char pk[128], pl[128], pr[128], want[512];
    snprintf(pr, sizeof(pr), "%s", tpath("random.bin"));
    uint8_t rnd[4096];
    for (size_t i = 0; i < sizeof(rnd); i++) rnd[i] = (uint8_t)(i * 97 + 13);
    write_file(pr, rnd, sizeof(rnd), 0644);
    char *a1[] = { "kernel-info", "--kernel", pr, NULL };
    int rc = run_cli(3, a1);
    snprintf(want, sizeof(want), "qtrace: error: %s is not a Linux kernel image (no bzImage header and not an ELF)\n", pr);
    ok(rc == 2 && strcmp(cli_err, want) == 0 && !cli_out[0], "kernel-info on a random file: exit 2, %s", cli_err_line);

    snprintf(pk, sizeof(pk), "%s", tpath("vmlinux-nobtf"));
    write_file(pk, elf, build_elf(elf, sizeof(elf), NULL, 0), 0644);
    char *a2[] = { "kernel-info", "--kernel", pk, NULL };
    rc = run_cli(3, a2);
    snprintf(want, sizeof(want), "qtrace: error: %s has no BTF (.BTF section) and no --layout file was given: "
             "supply one (see docs/kernel.md)\n", pk);
    ok(rc == 2 && strcmp(cli_err, want) == 0, "kernel-info on a kernel without BTF: exit 2, %s", cli_err_line);

    snprintf(pl, sizeof(pl), "%s", tpath("layout.txt"));
    const char *lay = "task_struct.pid = 0x1234\ntask_struct.comm = 100\n";
    write_file(pl, lay, strlen(lay), 0644);
    char *a3[] = { "kernel-info", "--kernel", pk, "--layout", pl, "--json", NULL };
    rc = run_cli(6, a3);
    ok(rc == 0 && cli_out[0] == '{' && strstr(cli_out, "\"task_struct.pid\":{\"offset\":4660,\"size\":4,\"source\":\"file\"}") &&
       strstr(cli_out, "\"task_struct.tgid\":null") && strstr(cli_out, "\"version\":\"Linux version 9.9.9-qtrace"),
       "  with --layout: exit 0, JSON with the file's fields");

    struct btf *b = synthetic_btf();
    uint32_t size;
    const void *raw = btf__raw_data(b, &size);
    snprintf(pk, sizeof(pk), "%s", tpath("vmlinux-btf"));
    write_file(pk, elf, build_elf(elf, sizeof(elf), raw, size), 0644);
    btf__free(b);
    char *a4[] = { "kernel-info", "--kernel", pk, NULL };
    rc = run_cli(3, a4);
    ok(rc == 0 && strstr(cli_out, "btf          yes") && strstr(cli_out, "module.core_layout.base            offset   512") &&
       strstr(cli_out, "cred.uid                           not found"), "synthetic kernel with .BTF: layout printed");

    /* --system-map: the symbol table as System.map lines, by address; read back identically */
    char pm[128], pm2[128];
    snprintf(pm, sizeof(pm), "%s", tpath("in.map"));
    const char *map = "ffffffff81000000 T _text\n0000000000000000 A __per_cpu_start\nffffffff81000100 t do_thing\n"
                      "000000000001fb80 A current_task\n0000000000035000 A __per_cpu_end\nffffffff81000040 T start_kernel\n";
    write_file(pm, map, strlen(map), 0644);
    char *a8[] = { "kernel-info", "--kernel", pk, "--kernel-symbols", pm, "--system-map", "-", NULL };
    rc = run_cli(7, a8);
    const char *sorted = "0000000000000000 A __per_cpu_start\n000000000001fb80 A current_task\n0000000000035000 A __per_cpu_end\n"
                         "ffffffff81000000 T _text\nffffffff81000040 T start_kernel\nffffffff81000100 t do_thing\n";
    ok(rc == 0 && strcmp(cli_out, sorted) == 0, "--system-map -: the table by address on standard output, nothing else");
    snprintf(pm2, sizeof(pm2), "%s", tpath("out.map"));
    char *a9[] = { "kernel-info", "--kernel", pk, "--kernel-symbols", pm, "--system-map", pm2, NULL };
    rc = run_cli(7, a9);
    FILE *mf = fopen(pm2, "r");
    char got[512] = "";
    size_t gn = mf ? fread(got, 1, sizeof(got) - 1, mf) : 0;
    got[gn] = 0;
    if (mf) fclose(mf);
    ok(rc == 0 && strcmp(got, sorted) == 0 && strstr(cli_out, "written to ") && strstr(cli_out, "btf          yes"),
       "--system-map FILE: the same lines in FILE, and the summary on standard output");
    char *a10[] = { "kernel-info", "--kernel", pk, "--kernel-symbols", pm, "--json", "--system-map", "-", NULL };
    rc = run_cli(8, a10);
    ok(rc == 2 && strstr(cli_err, "cannot go with --json"), "--system-map - with --json: exit 2, %s", cli_err_line);
    char *a11[] = { "kernel-info", "--kernel", pk, "--system-map", pm2, NULL };
    rc = run_cli(5, a11);
    ok(rc == 2 && strstr(cli_err, "--system-map ") && strstr(cli_err, "no kernel symbols"),
       "--system-map of a kernel without symbols: exit 2, %s", cli_err_line);

    char *a5[] = { "kernel-info", NULL };
    rc = run_cli(1, a5);
    ok(rc == 2 && strstr(cli_err, "needs --kernel FILE"), "no --kernel: exit 2, %s", cli_err_line);
    char *a6[] = { "kernel-info", "--kernel", pk, "--bogus", NULL };
    rc = run_cli(4, a6);
    ok(rc == 2 && strstr(cli_err, "--bogus"), "unknown option: exit 2, %s", cli_err_line);
    char *a7[] = { "kernel-info", "--help", NULL };
    rc = run_cli(2, a7);
    ok(rc == 0 && strstr(cli_out, "usage: qtrace kernel-info --kernel FILE"), "--help");
}

/* ---- the real kernel ---------------------------------------------------------------------- */

static uint64_t rd_ptr(const struct qt_kimage *k, uint64_t addr)
{
    uint64_t v = 0xdeadbeef;
    qt_kimage_read(k, addr, &v, 8);
    return v;
}

static void test_real_kernel(const char *path)
{
    struct qt_kimage k;
    if (!guest_kernel_load(&k, path, "Debian kernel loads"))
        return;
    struct qt_klayout L;
    qt_klayout_init(&L);
    int rc = qt_klayout_from_kimage(&L, &k, err, sizeof(err));
    ok(rc == 0 && L.btf && L.btf_types > 50000, "BTF parsed by libbpf: %u types", L.btf_types);
    size_t missing = 0;
    for (size_t i = 0; i < qt_kfield_count; i++)
        if (!qt_klayout_at(&L, i)->found && missing++ < 5) printf("#   missing %s\n", qt_kfield_descs[i].name);
    is_int(missing, 0, "  every field found");
    ok(!L.module_mem, "  6.1: module.core_layout (not mem[])");

    /* the same offsets from an independent reading of the raw .BTF bytes */
    const struct qt_ksection *bs = qt_kimage_section(&k, ".BTF");
    struct minibtf m;
    int mo_rc = mini_open(&m, qt_kimage_section_data(&k, bs), bs->size);
    ok(mo_rc == 0 && m.n > 50000, "independent BTF reader: %u types", m.n);
    static const struct { const char *s, *f; size_t member; } chk[] = {
        { "task_struct", "pid", offsetof(struct qt_klayout, task_pid) },
        { "task_struct", "tgid", offsetof(struct qt_klayout, task_tgid) },
        { "task_struct", "comm", offsetof(struct qt_klayout, task_comm) },
        { "task_struct", "real_parent", offsetof(struct qt_klayout, task_real_parent) },
        { "task_struct", "cred", offsetof(struct qt_klayout, task_cred) },
        { "task_struct", "mm", offsetof(struct qt_klayout, task_mm) },
        { "task_struct", "tasks", offsetof(struct qt_klayout, task_tasks) },
        { "cred", "uid", offsetof(struct qt_klayout, cred_uid) },
        { "cred", "cap_effective", offsetof(struct qt_klayout, cred_cap_effective) },
        { "sock_common", "skc_daddr", offsetof(struct qt_klayout, sock_daddr) },
        { "inode", "i_ino", offsetof(struct qt_klayout, inode_i_ino) },
        { "mm_struct", "pgd", offsetof(struct qt_klayout, mm_pgd) },
    };
    for (size_t i = 0; i < sizeof(chk) / sizeof(chk[0]); i++) {
        const struct qt_kfield *f = (const struct qt_kfield *)(const void *)((const char *)&L + chk[i].member);
        long mo = mini_offset(&m, chk[i].s, chk[i].f);
        ok(mo >= 0 && (uint32_t)mo == f->off, "  %s.%s = %u (independent: %ld)", chk[i].s, chk[i].f, f->off, mo);
    }
    free(m.by_id);
    ok(L.task_comm.size == 16 && L.task_pid.size == 4 && L.task_tgid.off == L.task_pid.off + 4, "  comm is 16 bytes, tgid follows pid");

    /* the kernel's own statically initialised objects, read from the image at kallsyms addresses */
    struct qt_ksyms ks;
    rc = qt_ksyms_from_kimage(&ks, &k, err, sizeof(err));
    ok(rc == 0, "kallsyms for the data checks");
    const struct qt_ksym *it = qt_ksyms_find(&ks, "init_task"), *ic = qt_ksyms_find(&ks, "init_cred"),
                         *im = qt_ksyms_find(&ks, "init_mm"), *pg = qt_ksyms_find(&ks, "init_top_pgt");
    if (ok(it && ic && im && pg, "  init_task, init_cred, init_mm, init_top_pgt found")) {
        char comm[16] = "";
        ok(qt_kimage_read(&k, it->addr + L.task_comm.off, comm, 16) && strcmp(comm, "swapper") == 0,
           "init_task.comm is \"swapper\" at task_struct.comm");
        is_u64(rd_ptr(&k, it->addr + L.task_real_parent.off), it->addr, "init_task.real_parent = &init_task");
        is_u64(rd_ptr(&k, it->addr + L.task_parent.off), it->addr, "init_task.parent = &init_task");
        is_u64(rd_ptr(&k, it->addr + L.task_group_leader.off), it->addr, "init_task.group_leader = &init_task");
        is_u64(rd_ptr(&k, it->addr + L.task_tasks.off), it->addr + L.task_tasks.off, "init_task.tasks is an empty list head");
        is_u64(rd_ptr(&k, it->addr + L.task_thread_group.off), it->addr + L.task_thread_group.off,
               "init_task.thread_group is an empty list head");
        is_u64(rd_ptr(&k, it->addr + L.task_cred.off), ic->addr, "init_task.cred = &init_cred");
        is_u64(rd_ptr(&k, it->addr + L.task_real_cred.off), ic->addr, "init_task.real_cred = &init_cred");
        is_u64(rd_ptr(&k, it->addr + L.task_mm.off), 0, "init_task.mm = NULL");
        uint64_t caps = rd_ptr(&k, ic->addr + L.cred_cap_effective.off);
        ok((uint32_t)caps == 0xffffffffu && (caps >> 32) > 0 && (caps >> 32) < 0x10000,
           "init_cred.cap_effective is the full set (0x%llx)", (unsigned long long)caps);
        is_u64(rd_ptr(&k, im->addr + L.mm_pgd.off), pg->addr, "init_mm.pgd = init_top_pgt (swapper_pg_dir)");
    }

    /* the CLI on the real kernel */
    char *av[] = { "kernel-info", "--kernel", (char *)path, NULL };
    rc = run_cli(3, av);
    char line[128];
    snprintf(line, sizeof(line), "task_struct.pid                    offset %5u", L.task_pid.off);
    ok(rc == 0 && strstr(cli_out, "version      Linux version 6.1.0") && strstr(cli_out, "  start_kernel ") &&
       strstr(cli_out, "(per-cpu offset)") && strstr(cli_out, "from kallsyms tables") && strstr(cli_out, line) &&
       strstr(cli_out, "xz payload"), "kernel-info on the Debian kernel");
    if (rc != 0) printf("#   %s\n", cli_err_line);

    qt_ksyms_free(&ks);
    qt_kimage_free(&k);
}

int main(void)
{
    if (tmpdir_make("klayout") < 0)
        return 1;
    test_synthetic_btf();
    test_layout_file();
    test_cli_synthetic();

    char kpath[4096];
    if (guest_kernel(kpath, sizeof(kpath), "guest", "scripts/build-guest.sh downloads the Debian kernel"))
        test_real_kernel(kpath);

    tmpdir_remove();
    return done_testing();
}
