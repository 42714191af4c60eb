/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Binary seeds for make fuzz (fuzz/seeds.sh runs it): mkseeds OUT [KERNEL]
 *   OUT/qtr/        traces built as the unit tests build them (tests/unit/tracebuild.h): calls with
 *                   arguments, packed words, syscalls, process events, lost events, an execution log
 *   OUT/execlog/    execution-log record streams (fuzz_execlog's input: an options byte, records)
 *   OUT/btf/        a small BTF with the structures qtrace reads, written by libbpf
 *   OUT/argdecode/  kernel objects laid out as fuzz_argdecode's fixed layout expects
 *   OUT/kimage/, OUT/symtab/  a small synthetic vmlinux ELF (64- and 32-bit, with .symtab and
 *                   the BTF) and a bzImage of each
 * and from KERNEL (the bundled guest's bzImage), when given:
 *   OUT/kallsyms/   its kallsyms tables cut down to the first symbols (fuzz_kallsyms's input)
 *   OUT/kimage/     a small vmlinux ELF holding those tables and the BTF, and bzImages of it
 *                   (uncompressed, gzip, xz, zstd)
 *   OUT/sysmap/     a System.map and a /proc/kallsyms of its first symbols
 *   OUT/layout/     a layout file of the offsets its BTF gives
 */
#include <bpf/btf.h>
#include <elf.h>
#include <errno.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include "execlog_format.h"
#include "execlog_text.h"
#include "kallsyms.h"
#include "kargtype.h"
#include "kimage.h"
#include "klayout.h"
#include "tracebuild.h"

static const char *out_dir;

static void put_file(const char *sub, const char *name, const void *data, size_t len)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", out_dir, sub);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/%s/%s", out_dir, sub, name);
    write_file(path, data, len, 0644);
}

/* ---- execution log ------------------------------------------------------------------------ */

struct recs {
    uint8_t buf[1 << 16];
    size_t len;
};

static void rec_put(struct recs *r, uint16_t type, uint32_t vcpu, void *rec, size_t size)
{
    struct qt_rec_hdr *h = rec;
    h->type = type;
    h->size = (uint16_t)size;
    h->vcpu = vcpu;
    if (r->len + size <= sizeof(r->buf)) {
        memcpy(r->buf + r->len, rec, size);
        r->len += size;
    }
}

/* A run of two blocks on vcpu: config flags, a watched register, memory accesses with values
 * (and physical addresses in system mode), a device, a block cut short, a start record. */
static void execlog_run(struct recs *r, uint32_t flags, uint32_t vcpu)
{
    uint64_t rec[64];
    memset(rec, 0, sizeof(rec));
    struct qt_rec_el_config *c = (void *)rec;
    c->flags = flags;
    c->stop = 0;
    rec_put(r, QT_REC_EL_CONFIG, VCPU_NONE, rec, sizeof(*c));

    static const uint8_t nop[] = { 0x90 }, store[] = { 0x89, 0x07 }, load[] = { 0x8b, 0x07 };
    struct qt_el_isrc src[3] = {
        { .vaddr = 0x401000, .kind = QT_EL_K_LOG | QT_EL_K_CHECK, .len = 1, .bytes = nop, .disas = "nop", .dlen = 3 },
        { .vaddr = 0x401001, .kind = QT_EL_K_LOG | QT_EL_K_CHECK, .len = 2, .bytes = store, .disas = "movl %eax, (%rdi)", .dlen = 17 },
        { .vaddr = 0x401003, .kind = QT_EL_K_CHECK, .len = 2, .bytes = load, .disas = "movl (%rdi), %eax", .dlen = 17 },
    };
    for (uint32_t id = 1; id <= 2; id++) {
        struct qt_el_tb *tb = qt_el_tb_new(id, 0, src, id == 1 ? 3 : 1);
        uint8_t enc[QT_EL_MAX_REC];
        size_t n = tb ? qt_el_tbdef_encode(tb, vcpu, enc, sizeof(enc)) : 0;
        if (n && r->len + n <= sizeof(r->buf)) {
            memcpy(r->buf + r->len, enc, n);
            r->len += n;
        }
        free(tb);
    }
    if (flags & QT_EL_SYSTEM) {
        memset(rec, 0, sizeof(rec));
        struct qt_rec_el_device *d = (void *)rec;
        d->id = 1;
        d->len = 4;
        memcpy(d->name, "ram", 4);
        rec_put(r, QT_REC_EL_DEVICE, VCPU_NONE, rec, QT_ALIGN8(sizeof(*d) + 4));
    }
    memset(rec, 0, sizeof(rec));
    struct qt_rec_el_vcpu *v = (void *)rec;
    struct qt_el_rdef rd = { .size = 8, .nlen = 3 };
    v->nregs = 1;
    memcpy((uint8_t *)rec + sizeof(*v), &rd, sizeof(rd));
    memcpy((uint8_t *)rec + sizeof(*v) + sizeof(rd), "rax", 3);
    rec_put(r, QT_REC_EL_VCPU, vcpu, rec, sizeof(*v) + QT_ALIGN8(sizeof(rd) + 3 + 8));

    struct qt_rec_el_exec e = { .tb = 1, .prev_n = QT_EL_FULL };
    rec_put(r, QT_REC_EL_EXEC, vcpu, &e, sizeof(e));
    memset(rec, 0, sizeof(rec));
    struct qt_rec_el_regs *rg = (void *)rec;
    struct qt_el_rval rv = { .reg = 0, .size = 8 };
    rg->insn = 1;
    rg->count = 1;
    memcpy((uint8_t *)rec + sizeof(*rg), &rv, sizeof(rv));
    memcpy((uint8_t *)rec + sizeof(*rg) + sizeof(rv), "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
    rec_put(r, QT_REC_EL_REGS, vcpu, rec, sizeof(*rg) + QT_ALIGN8(sizeof(rv) + 8));
    memset(rec, 0, sizeof(rec));
    struct qt_rec_el_mem *m = (void *)rec;
    m->insn = 1;
    m->info = 2 | QT_EL_M_STORE;
    m->vaddr = 0x7ffd000;
    size_t ms = sizeof(*m), k = 0;
    if (flags & QT_EL_MEMVALUES) {
        m->flags |= QT_EL_MF_VALUE;
        m->x[k++] = 0x2a;
    }
    if (flags & QT_EL_SYSTEM) {
        m->flags |= QT_EL_MF_HW;
        m->dev = 1;
        m->x[k++] = 0x1234000;
    }
    rec_put(r, QT_REC_EL_MEM, vcpu, rec, ms + 8 * k);
    struct qt_rec_el_exec e2 = { .tb = 2, .prev_n = 2 };
    rec_put(r, QT_REC_EL_EXEC, vcpu, &e2, sizeof(e2));
    struct qt_rec_el_start st = { .tb = 1, .first = 1 };
    rec_put(r, QT_REC_EL_START, vcpu, &st, sizeof(st));
    struct qt_rec_el_end en = { .prev_n = QT_EL_FULL };
    rec_put(r, QT_REC_EL_END, vcpu, &en, sizeof(en));
}

static void seeds_execlog(void)
{
    static const uint32_t cfg[] = { 0, QT_EL_MEMVALUES | QT_EL_REGS, QT_EL_SYSTEM | QT_EL_MEMVALUES | QT_EL_RDISAS,
                                    QT_EL_NOMEM | QT_EL_START, QT_EL_BIGENDIAN | QT_EL_REGS };
    static struct recs r;
    for (size_t i = 0; i < sizeof(cfg) / sizeof(cfg[0]); i++) {
        r.buf[0] = (uint8_t)i; /* options byte: text/JSON, big-endian, line limit */
        r.len = 1;
        execlog_run(&r, cfg[i], (uint32_t)i & 1);
        char name[32];
        snprintf(name, sizeof(name), "run_%zu", i);
        put_file("execlog", name, r.buf, r.len);
    }
}

/* ---- traces ------------------------------------------------------------------------------- */

#define F_MAIN 0x401100
#define F_ADD 0x401200
#define F_GREET 0x401300

static void seeds_qtr(void)
{
    struct qb b;
    /* user mode: symbols with parameters, full records with arguments, packed words, syscalls */
    qb_init(&b, QT_MODE_USER, 1000);
    qb_chunk(&b, VCPU_NONE);
    qb_map(&b, 0, 0x2000, "/bin/calls");
    qb_sym_id(&b, F_MAIN, 0x100, "main", QB_NOPARAMS, 1);
    qb_sym_id(&b, F_ADD, 0x20, "add", (const char *const[]){ "a", "b", NULL }, 2);
    qb_sym(&b, F_GREET, 0x40, "greet", (const char *const[]){ "who", NULL });
    qb_chunk(&b, 0);
    struct qt_rec_thread th = { { QT_REC_THREAD, sizeof(th), 0 }, 100, 100, 0, 0x7f00, "calls" };
    qb_put(&b, &th, sizeof(th));
    b.nrec++;
    qb_base(&b, 0, 100, 0, 10, 1000);
    qb_fast(&b, QT_PACKED_ENTRY, 1, 0, 0);
    qb_fast(&b, QT_PACKED_ENTRY, 2, 1, 5);
    qb_fast(&b, QT_PACKED_EXIT, 2, 1, 9);
    qb_call(&b, QT_REC_ENTRY, 0, 100, 0, 1, 0, 20, 1020, F_GREET, 0x401150, 2,
            (const struct targ[]){ STR(1, "wor\x1b[31mld\n"), NULLSTR(2) });
    qb_call(&b, QT_REC_EXIT, 0, 100, 0, 1, 0, 30, 1040, F_GREET, 1020, 1, (const struct targ[]){ I32(0, 5) });
    qb_call(&b, QT_REC_SYSCALL, 0, 100, 0, 1, 0, 31, 1041, 257, 0, 3,
            (const struct targ[]){ I32(1, -100), STR(2, "/etc/passwd"), HEX(3, 0x80000) });
    qb_call(&b, QT_REC_SYSRET, 0, 100, 0, 1, 0, 32, 1042, 257, 0, 1, (const struct targ[]){ I64(0, -2) });
    qb_fast(&b, QT_PACKED_UNWOUND, 1, 0, 50);
    qb_lost(&b, 0, 3);
    qb_chunk(&b, 1);
    qb_call(&b, QT_REC_ENTRY, 1, 101, 0, 0, 0, 15, 500, F_ADD, 0, 2, (const struct targ[]){ I32(1, 2), CHR(2, 'x') });
    qb_call(&b, QT_REC_EXIT, 1, 101, 0, 0, QT_CALL_UNFINISHED, 40, 600, F_ADD, 500, 0, NULL);
    qb_chunk(&b, 0);
    qb_end(&b, 50, 12, 3);
    qb_close_chunk(&b);
    put_file("qtr", "user.qtr", b.buf, b.len);
    /* the same, cut inside its last chunk (a killed QEMU) */
    put_file("qtr", "user_cut.qtr", b.buf, b.len - 13);
    free(b.buf);

    /* system mode: kernel symbols, process events with kernel objects, two address spaces */
    qb_init(&b, QT_MODE_SYSTEM, 0);
    qb_chunk(&b, VCPU_NONE);
    qb_kmap(&b, 0x1e000000, 0x2000000, "vmlinux");
    qb_ksym(&b, 0xffffffff81300000ull, 0x100, "do_sys_openat2", (const char *const[]){ "dfd", "filename", "how", NULL });
    qb_sym(&b, F_MAIN, 0x100, "main", NULL);
    qb_chunk(&b, 0);
    static const char argv[] = "/bin/sh\0-c\0echo hi\0";
    struct qt_kd_task task = { QT_KD_IDS | QT_KD_PPID | QT_KD_COMM, 84, 84, 1, 0, 0, "sh" };
    qb_call(&b, QT_REC_PROC, 0, 84, 0x1000, 0, 0, 5, 100, QT_PROC_FORK, 0, 1,
            (const struct targ[]){ { 1, QT_T_TASK, 64, 0, 0xffff888000010000ull, (const char *)&task, sizeof(task) } });
    qb_call(&b, QT_REC_PROC, 0, 84, 0x1000, 0, 0, 6, 110, QT_PROC_EXEC, 0, 3,
            (const struct targ[]){ STR(1, "/bin/sh"), { 2, QT_T_STRV, 64, 0, 0x7ffd0000, argv, sizeof(argv) - 1 },
                                   STR(3, "sh") });
    qb_call(&b, QT_REC_ENTRY, 0, 84, 0x2000, 0, 0, 7, 120, 0xffffffff81300000ull, 0, 2,
            (const struct targ[]){ I32(1, -100), STR(2, "/etc/passwd") });
    qb_call(&b, QT_REC_EXIT, 0, 84, 0x2000, 0, 0, 8, 130, 0xffffffff81300000ull, 120, 1, (const struct targ[]){ I64(0, 3) });
    qb_call(&b, QT_REC_SYSCALL, 0, 84, 0x2000, 0, 0, 9, 140, 5 | QT_SYSCALL_I386, 0, 1, (const struct targ[]){ STR(1, "/x") });
    qb_call(&b, QT_REC_PROC, 0, 84, 0x2000, 0, 0, 10, 150, QT_PROC_EXIT, 0, 1,
            (const struct targ[]){ { 1, QT_T_EXITCODE, 32, 0, 0x100, NULL, 0 } });
    qb_end(&b, 20, 6, 0);
    qb_close_chunk(&b);
    put_file("qtr", "system.qtr", b.buf, b.len);
    free(b.buf);

    /* an execution log in a trace */
    static struct recs r;
    r.len = 0;
    execlog_run(&r, QT_EL_MEMVALUES | QT_EL_REGS, 0);
    qb_init(&b, QT_MODE_USER, 0);
    qb_chunk(&b, 0);
    for (size_t off = 0; off < r.len;) {
        const struct qt_rec_hdr *h = (const void *)(r.buf + off);
        qb_put(&b, h, h->size);
        b.nrec++;
        off += h->size;
    }
    qb_close_chunk(&b);
    put_file("qtr", "execlog.qtr", b.buf, b.len);
    free(b.buf);
}

/* ---- BTF ---------------------------------------------------------------------------------- */

/* The structures qtrace reads, small, with the nesting it resolves (anonymous unions, typedef,
 * const, arrays). Returns the raw BTF (malloc'ed) and its size. */
static void *small_btf(uint32_t *size)
{
    struct btf *b = btf__new_empty();
    if (!b)
        return NULL;
    int u16 = btf__add_int(b, "unsigned short", 2, 0);
    int u32 = btf__add_int(b, "unsigned int", 4, 0);
    int u64 = btf__add_int(b, "unsigned long", 8, 0);
    int chr = btf__add_int(b, "char", 1, BTF_INT_SIGNED);
    int vptr = btf__add_ptr(b, 0);
    int comm = btf__add_array(b, u32, chr, 16);
    btf__add_struct(b, "task_struct", 0xc00);
    btf__add_field(b, "pid", u32, 0x990 * 8, 0);
    btf__add_field(b, "tgid", u32, 0x994 * 8, 0);
    btf__add_field(b, "real_parent", vptr, 0x9a0 * 8, 0);
    btf__add_field(b, "cred", vptr, 0xb80 * 8, 0);
    btf__add_field(b, "comm", comm, 0xba0 * 8, 0);
    int pair = btf__add_struct(b, NULL, 8);
    btf__add_field(b, "skc_daddr", u32, 0, 0);
    btf__add_field(b, "skc_rcv_saddr", u32, 32, 0);
    int un = btf__add_union(b, NULL, 8);
    btf__add_field(b, "skc_addrpair", u64, 0, 0);
    btf__add_field(b, NULL, pair, 0, 0);
    int sc = btf__add_struct(b, "sock_common", 24);
    btf__add_field(b, NULL, un, 0, 0);
    btf__add_field(b, "skc_family", u16, 128, 0);
    int td = btf__add_typedef(b, "sock_common_t", sc);
    btf__add_struct(b, "sock", 32);
    btf__add_field(b, "__sk_common", btf__add_const(b, td), 0, 0);
    btf__add_struct(b, "cred", 64);
    btf__add_field(b, "uid", u32, 32, 0);
    btf__add_field(b, "gid", u32, 64, 0);
    btf__add_field(b, "cap_effective", u64, 256, 0);
    const void *raw = btf__raw_data(b, size);
    void *copy = raw ? malloc(*size) : NULL;
    if (copy)
        memcpy(copy, raw, *size);
    btf__free(b);
    return copy;
}

/* ---- kernel objects for fuzz_argdecode ------------------------------------------------------ */

static void seeds_argdecode(void)
{
    /* type index (task, cred... are after the scalar types: try several), width, fixed layout,
     * value = offset 0x40 into the memory, then memory whose words point back into it */
    uint8_t in[5 + 1024];
    for (int t = 0; t < 24; t++) {
        memset(in, 0, sizeof(in));
        in[0] = (uint8_t)t;
        in[1] = 64;
        in[2] = 0;
        in[3] = 0x40;
        for (size_t i = 0; i + 8 <= 1024; i += 8) {
            uint64_t v = i % 24 == 0 ? 0xffff888000100000ull + (i * 7 % 1024) : 0x2f6574632f00 + i;
            memcpy(in + 5 + i, &v, 8);
        }
        memcpy(in + 5 + 0x200, "passwd\0", 7);
        char name[32];
        snprintf(name, sizeof(name), "type_%d", t);
        put_file("argdecode", name, in, sizeof(in));
    }
}

/* ---- kernel: kallsyms tables, a small image, System.map, layout ---------------------------- */

struct blob {
    uint8_t *d;
    size_t n, cap;
};

static void blob_put(struct blob *b, const void *p, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 4096;
        b->d = realloc(b->d, b->cap);
        if (!b->d)
            exit(1);
    }
    if (p)
        memcpy(b->d + b->n, p, n);
    else
        memset(b->d + b->n, 0, n);
    b->n += n;
}

static void blob_align(struct blob *b, size_t a)
{
    while (b->n % a)
        blob_put(b, NULL, 1);
}

/* The kallsyms tables of k cut down to its first nsyms symbols, laid out in the image's order,
 * each table aligned to the kernel's word, as scripts/kallsyms.c emits them. Returns the bytes of a .rodata
 * that starts at an 8-aligned address. */
static bool cut_kallsyms(const struct qt_kimage *k, const struct qt_kallsyms_loc *L, uint64_t nsyms, struct blob *out)
{
    const uint8_t *names = qt_kimage_ptr(k, L->names, 1);
    if (!names || nsyms > 1024)
        return false;
    size_t nlen = 0; /* bytes of the first nsyms entries */
    uint64_t markers[4];
    unsigned nmarkers = 0;
    for (uint64_t i = 0; i < nsyms; i++) {
        if (i % 256 == 0)
            markers[nmarkers++] = nlen;
        const uint8_t *p = qt_kimage_ptr(k, L->names + nlen, 2);
        if (!p)
            return false;
        size_t len = p[0], hdr = 1;
        if (len & 0x80) {
            len = (len & 0x7f) | (size_t)p[1] << 7;
            hdr = 2;
        }
        nlen += hdr + len;
    }
    size_t tlen = (size_t)(L->token_index - L->token_table);
    unsigned w = k->bits == 32 ? 4 : 8;
    struct part {
        uint64_t at;
        const void *src;
        size_t len;
        uint64_t value;     /* for num_syms, written from its value */
    } parts[6];
    uint8_t mk[4 * 8];
    for (unsigned i = 0; i < nmarkers; i++) {
        if (L->marker_size == 8)
            memcpy(mk + 8 * i, &markers[i], 8);
        else
            memcpy(mk + 4 * i, &(uint32_t){ (uint32_t)markers[i] }, 4);
    }
    int np = 0;
    if (L->base_relative) {
        parts[np++] = (struct part){ L->offsets, qt_kimage_ptr(k, L->offsets, 4 * nsyms), 4 * nsyms, 0 };
        parts[np++] = (struct part){ L->relative_base, qt_kimage_ptr(k, L->relative_base, w), w, 0 };
    } else {
        parts[np++] = (struct part){ L->addresses, qt_kimage_ptr(k, L->addresses, w * nsyms), w * nsyms, 0 };
    }
    parts[np++] = (struct part){ L->num_syms, NULL, w, nsyms };
    parts[np++] = (struct part){ L->names, names, nlen, 0 };
    parts[np++] = (struct part){ L->markers, mk, (size_t)L->marker_size * nmarkers, 0 };
    parts[np++] = (struct part){ L->token_table, qt_kimage_ptr(k, L->token_table, tlen + 512), tlen + 512, 0 };
    for (int i = 0; i < np; i++)
        for (int j = i + 1; j < np; j++)
            if (parts[j].at < parts[i].at) {
                struct part t = parts[i];
                parts[i] = parts[j];
                parts[j] = t;
            }
    blob_put(out, NULL, 4096); /* the tables are not at the section's start */
    for (int i = 0; i < np; i++) {
        blob_align(out, w);
        if (parts[i].src) {
            blob_put(out, parts[i].src, parts[i].len);
        } else if (parts[i].at) {
            uint64_t v = parts[i].value;
            blob_put(out, &v, parts[i].len);
        } else {
            return false;
        }
    }
    blob_align(out, 8);
    blob_put(out, NULL, 4096);
    return true;
}

/* kallsyms tables made up from scratch, laid out as a 6.1 x86-64 kernel has them (offsets,
 * relative base, num_syms, names, markers, token table, token index, each 8-byte aligned):
 * nsyms functions "func_NNN" 16 bytes apart from _text; every printable character is its own
 * token, the others are two-letter tokens. */
static void synthetic_kallsyms(struct blob *out, unsigned nsyms)
{
    struct blob names = { 0 };
    uint32_t markers[8];
    unsigned nmarkers = 0;
    for (unsigned i = 0; i < nsyms; i++) {
        if (i % 256 == 0 && nmarkers < 8)
            markers[nmarkers++] = (uint32_t)names.n;
        char name[32];
        int n = snprintf(name, sizeof(name), "%cfunc_%03u", i % 3 ? 't' : 'T', i);
        uint8_t len = (uint8_t)n;
        blob_put(&names, &len, 1);
        blob_put(&names, name, (size_t)n); /* printable: token index = the character */
    }
    blob_put(out, NULL, 4096);
    for (unsigned i = 0; i < nsyms; i++) {
        int32_t off = (int32_t)(16 * i);
        blob_put(out, &off, 4);
    }
    blob_align(out, 8);
    uint64_t base = 0xffffffff81000000ull, n64 = nsyms;
    blob_put(out, &base, 8);
    blob_put(out, &n64, 8);
    blob_put(out, names.d, names.n);
    blob_align(out, 8);
    blob_put(out, markers, 4 * nmarkers);
    blob_align(out, 8);
    uint16_t idx[256];
    size_t t0 = out->n;
    for (unsigned i = 0; i < 256; i++) {
        idx[i] = (uint16_t)(out->n - t0);
        char tok[3] = { (char)i, 0, 0 };
        if (i < 0x20 || i >= 0x7f) {
            tok[0] = (char)('a' + i % 26);
            tok[1] = (char)('a' + i / 26);
        }
        blob_put(out, tok, strlen(tok) + 1);
    }
    blob_align(out, 8);
    blob_put(out, idx, sizeof(idx));
    blob_put(out, NULL, 4096);
    free(names.d);
}

/* A vmlinux ELF (64- or 32-bit): .text (a few bytes), .rodata (a banner, then ro), .BTF,
 * .symtab/.strtab with three functions in .text, one PT_LOAD for .text and .rodata. */
static void small_vmlinux(struct blob *e, const struct blob *ro, const void *btf, size_t btf_len, bool bits32)
{
    static const char banner[] = "Linux version 6.1.0-fuzz (seed@qtrace) #1 SMP PREEMPT_DYNAMIC\n";
    static const char shstr[] = "\0.text\0.rodata\0.BTF\0.shstrtab\0.symtab\0.strtab\0";
    static const char strtab[] = "\0_text\0start_kernel\0do_sys_openat2\0";
    static const struct { uint32_t name; uint64_t off, size; bool global; } fsyms[] = {
        { 1, 0, 0, true }, { 7, 0x10, 0x40, true }, { 20, 0x50, 0x30, false },
    };
    uint64_t text_addr = bits32 ? 0xc1000000ull : 0xffffffff81000000ull;
    uint64_t ro_addr = bits32 ? 0xc1200000ull : 0xffffffff82000000ull;
    size_t ehs = bits32 ? sizeof(Elf32_Ehdr) : sizeof(Elf64_Ehdr);
    size_t phs = bits32 ? sizeof(Elf32_Phdr) : sizeof(Elf64_Phdr);
    size_t shs = bits32 ? sizeof(Elf32_Shdr) : sizeof(Elf64_Shdr);
    size_t syms = bits32 ? sizeof(Elf32_Sym) : sizeof(Elf64_Sym);
    blob_put(e, NULL, ehs + phs);
    blob_align(e, 4096);
    size_t text_off = e->n;
    uint8_t text[256];
    for (size_t i = 0; i < sizeof(text); i++)
        text[i] = (uint8_t)(i % 7 ? 0x90 : 0xc3);
    blob_put(e, text, sizeof(text));
    blob_align(e, 4096);
    size_t ro_off = e->n;
    blob_put(e, banner, sizeof(banner));
    blob_align(e, 8);
    if (ro)
        blob_put(e, ro->d, ro->n);
    size_t ro_len = e->n - ro_off;
    size_t btf_off = e->n;
    blob_put(e, btf, btf_len);
    size_t shstr_off = e->n;
    blob_put(e, shstr, sizeof(shstr));
    size_t str_off = e->n;
    blob_put(e, strtab, sizeof(strtab));
    blob_align(e, 8);
    size_t sym_off = e->n;
    blob_put(e, NULL, syms); /* symbol 0 */
    for (size_t i = 0; i < sizeof(fsyms) / sizeof(fsyms[0]); i++) {
        unsigned char info = (unsigned char)((fsyms[i].global ? STB_GLOBAL : STB_LOCAL) << 4 | STT_FUNC);
        if (bits32) {
            Elf32_Sym y = { fsyms[i].name, (Elf32_Addr)(text_addr + fsyms[i].off), (Elf32_Word)fsyms[i].size, info, 0, 1 };
            blob_put(e, &y, sizeof(y));
        } else {
            Elf64_Sym y = { fsyms[i].name, info, 0, 1, text_addr + fsyms[i].off, fsyms[i].size };
            blob_put(e, &y, sizeof(y));
        }
    }
    size_t sym_len = e->n - sym_off;
    blob_align(e, 8);
    size_t sh_off = e->n;
    struct { uint32_t name, type; uint64_t flags, addr, off, size; uint32_t link, info; uint64_t entsize; } secs[7] = {
        { 0, 0, 0, 0, 0, 0, 0, 0, 0 },
        { 1, SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, text_addr, text_off, sizeof(text), 0, 0, 0 },
        { 7, SHT_PROGBITS, SHF_ALLOC, ro_addr, ro_off, ro_len, 0, 0, 0 },
        { 15, SHT_PROGBITS, 0, 0, btf_off, btf_len, 0, 0, 0 },
        { 20, SHT_STRTAB, 0, 0, shstr_off, sizeof(shstr), 0, 0, 0 },
        { 30, SHT_SYMTAB, 0, 0, sym_off, sym_len, 6, 3, syms },
        { 38, SHT_STRTAB, 0, 0, str_off, sizeof(strtab), 0, 0, 0 },
    };
    for (int i = 0; i < 7; i++) {
        if (bits32) {
            Elf32_Shdr s = { secs[i].name, secs[i].type, (Elf32_Word)secs[i].flags, (Elf32_Addr)secs[i].addr,
                             (Elf32_Off)secs[i].off, (Elf32_Word)secs[i].size, secs[i].link, secs[i].info,
                             i ? 8 : 0, (Elf32_Word)secs[i].entsize };
            blob_put(e, &s, sizeof(s));
        } else {
            Elf64_Shdr s = { secs[i].name, secs[i].type, secs[i].flags, secs[i].addr, secs[i].off, secs[i].size,
                             secs[i].link, secs[i].info, i ? 8 : 0, secs[i].entsize };
            blob_put(e, &s, sizeof(s));
        }
    }
    uint64_t seg_len = ro_off + ro_len - text_off;
    if (bits32) {
        Elf32_Ehdr h = { .e_type = ET_EXEC, .e_machine = EM_386, .e_version = EV_CURRENT,
                         .e_entry = 0x1000000, .e_phoff = (Elf32_Off)ehs, .e_shoff = (Elf32_Off)sh_off,
                         .e_ehsize = (Elf32_Half)ehs, .e_phentsize = (Elf32_Half)phs, .e_phnum = 1,
                         .e_shentsize = (Elf32_Half)shs, .e_shnum = 7, .e_shstrndx = 4 };
        memcpy(h.e_ident, ELFMAG, SELFMAG);
        h.e_ident[EI_CLASS] = ELFCLASS32;
        h.e_ident[EI_DATA] = ELFDATA2LSB;
        h.e_ident[EI_VERSION] = EV_CURRENT;
        Elf32_Phdr p = { PT_LOAD, (Elf32_Off)text_off, (Elf32_Addr)text_addr, 0x1000000, (Elf32_Word)seg_len,
                         (Elf32_Word)(ro_addr - text_addr + ro_len), PF_R | PF_X, 4096 };
        memcpy(e->d, &h, sizeof(h));
        memcpy(e->d + ehs, &p, sizeof(p));
    } else {
        Elf64_Ehdr h = { .e_type = ET_EXEC, .e_machine = EM_X86_64, .e_version = EV_CURRENT,
                         .e_entry = 0x1000000, .e_phoff = ehs, .e_shoff = sh_off, .e_ehsize = (Elf64_Half)ehs,
                         .e_phentsize = (Elf64_Half)phs, .e_phnum = 1, .e_shentsize = (Elf64_Half)shs,
                         .e_shnum = 7, .e_shstrndx = 4 };
        memcpy(h.e_ident, ELFMAG, SELFMAG);
        h.e_ident[EI_CLASS] = ELFCLASS64;
        h.e_ident[EI_DATA] = ELFDATA2LSB;
        h.e_ident[EI_VERSION] = EV_CURRENT;
        Elf64_Phdr p = { PT_LOAD, PF_R | PF_X, text_off, text_addr, 0x1000000, seg_len,
                         ro_addr - text_addr + ro_len, 4096 };
        memcpy(e->d, &h, sizeof(h));
        memcpy(e->d + ehs, &p, sizeof(p));
    }
}

/* A bzImage around payload (compressed with kind, or not), with the 4-byte decompressed size
 * the kernel's build appends. */
static void bzimage(struct blob *out, const struct blob *elf, int kind)
{
    size_t cap = elf->n + elf->n / 2 + 65536, len = 0;
    uint8_t *c = malloc(cap);
    if (!c)
        exit(1);
    if (kind == QT_KCOMP_GZIP) {
        z_stream z;
        memset(&z, 0, sizeof(z));
        if (deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
            exit(1);
        z.next_in = elf->d;
        z.avail_in = (uInt)elf->n;
        z.next_out = c;
        z.avail_out = (uInt)cap;
        if (deflate(&z, Z_FINISH) != Z_STREAM_END)
            exit(1);
        len = z.total_out;
        deflateEnd(&z);
    } else if (kind == QT_KCOMP_XZ) {
        if (lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32, NULL, elf->d, elf->n, c, &len, cap) != LZMA_OK)
            exit(1);
    } else if (kind == QT_KCOMP_ZSTD) {
        len = ZSTD_compress(c, cap, elf->d, elf->n, 19);
        if (ZSTD_isError(len))
            exit(1);
    } else {
        memcpy(c, elf->d, elf->n);
        len = elf->n;
    }
    uint32_t sz = (uint32_t)elf->n;
    memcpy(c + len, &sz, 4);
    len += 4;
    uint8_t setup[0x410];
    memset(setup, 0, sizeof(setup));
    setup[0x1f1] = 1;
    memcpy(setup + 0x202, "HdrS", 4);
    uint16_t ver = 0x020f, kv = 0x100;
    memcpy(setup + 0x206, &ver, 2);
    memcpy(setup + 0x20e, &kv, 2);
    uint32_t align = 0x200000, po = 0x10, pl = (uint32_t)len;
    memcpy(setup + 0x230, &align, 4);
    strcpy((char *)setup + 0x300, "6.1.0-fuzz (seed@qtrace) #1");
    memcpy(setup + 0x248, &po, 4);
    memcpy(setup + 0x24c, &pl, 4);
    out->n = 0;
    blob_put(out, setup, sizeof(setup));
    blob_put(out, c, len);
    free(c);
}

static void seeds_kernel(const char *path, const char *tag, const void *btf, uint32_t btf_len)
{
    struct qt_kimage k;
    char err[1024];
    if (qt_kimage_load(&k, path, err, sizeof(err)) != 0) {
        fprintf(stderr, "mkseeds: %s (kernel seeds skipped)\n", err);
        qt_kimage_free(&k);
        return;
    }
    struct qt_ksyms ks;
    if (qt_ksyms_from_kallsyms(&ks, &k, err, sizeof(err)) == 0 && ks.source == QT_KSYMS_KALLSYMS) {
        struct blob ro = { 0 };
        if (cut_kallsyms(&k, &ks.loc, 300, &ro)) {
            char name[64];
            /* fuzz_kallsyms: byte 0 says 32-bit (1) or 64-bit (0); the rest is the section */
            uint8_t b32 = k.bits == 32;
            struct blob in = { 0 };
            blob_put(&in, &b32, 1);
            blob_put(&in, ro.d, ro.n);
            snprintf(name, sizeof(name), "%s_300syms", tag);
            put_file("kallsyms", name, in.d, in.n);
            free(in.d);
            struct blob elf = { 0 }, bz = { 0 };
            small_vmlinux(&elf, &ro, btf, btf_len, k.bits == 32);
            snprintf(name, sizeof(name), "%s_vmlinux", tag);
            put_file("kimage", name, elf.d, elf.n);
            static const int kinds[] = { QT_KCOMP_NONE, QT_KCOMP_GZIP, QT_KCOMP_XZ, QT_KCOMP_ZSTD };
            for (size_t i = 0; i < 4; i++) {
                bzimage(&bz, &elf, kinds[i]);
                snprintf(name, sizeof(name), "%s_bzimage_%s", tag, qt_kcomp_name(kinds[i]));
                put_file("kimage", name, bz.d, bz.n);
            }
            free(elf.d);
            free(bz.d);
        }
        free(ro.d);
        /* System.map and /proc/kallsyms of the first symbols, and the per-cpu ones */
        struct blob map = { 0 }, kall = { 0 };
        char line[1200];
        for (size_t i = 0; i < ks.n; i++) {
            const struct qt_ksym *s = &ks.syms[i];
            if (i >= 150 && !s->percpu && (i % 997))
                continue;
            int n = snprintf(line, sizeof(line), "%016llx %c %s\n", (unsigned long long)s->addr, s->type, s->name);
            blob_put(&map, line, (size_t)n);
            n = snprintf(line, sizeof(line), "%016llx %c %s%s\n",
                         (unsigned long long)(s->percpu ? s->addr : s->addr + 0x1e000000), s->type, s->name,
                         i % 50 == 49 ? "\t[ext4]" : "");
            blob_put(&kall, line, (size_t)n);
            if (map.n > 16384)
                break;
        }
        char name[64];
        snprintf(name, sizeof(name), "%s_System.map", tag);
        put_file("sysmap", name, map.d, map.n);
        snprintf(name, sizeof(name), "%s_kallsyms", tag);
        put_file("sysmap", name, kall.d, kall.n);
        free(map.d);
        free(kall.d);
    }
    qt_ksyms_free(&ks);
    struct qt_klayout L;
    qt_klayout_init(&L);
    if (qt_klayout_from_kimage(&L, &k, err, sizeof(err)) == 0) {
        struct blob lay = { 0 };
        char line[256];
        for (size_t i = 0; i < qt_kfield_count; i++) {
            const struct qt_kfield *f = qt_klayout_at(&L, i);
            if (!f->found)
                continue;
            int n = snprintf(line, sizeof(line), i % 2 ? "%s = 0x%x %u\n" : "%s = %u %u   # from BTF\n",
                             qt_kfield_descs[i].name, f->off, f->size);
            blob_put(&lay, line, (size_t)n);
        }
        char name[64];
        snprintf(name, sizeof(name), "%s_layout.txt", tag);
        put_file("layout", name, lay.d, lay.n);
        free(lay.d);
    }
    qt_kimage_free(&k);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: mkseeds OUT-DIR [KERNEL [KERNEL32]]\n");
        return 2;
    }
    out_dir = argv[1];
    mkdir(out_dir, 0755);
    seeds_execlog();
    seeds_qtr();
    seeds_argdecode();
    uint32_t btf_len = 0;
    void *btf = small_btf(&btf_len);
    if (btf)
        put_file("btf", "small.btf", btf, btf_len);
    struct blob syn = { 0 }, in = { 0 };
    synthetic_kallsyms(&syn, 300);
    blob_put(&in, NULL, 1); /* fuzz_kallsyms: x86-64 */
    blob_put(&in, syn.d, syn.n);
    put_file("kallsyms", "synthetic_300syms", in.d, in.n);
    free(in.d);
    for (int b32 = 0; b32 < 2; b32++) {
        struct blob elf = { 0 }, bz = { 0 };
        small_vmlinux(&elf, b32 ? NULL : &syn, btf, btf_len, b32);
        put_file("kimage", b32 ? "synthetic32_vmlinux" : "synthetic_vmlinux", elf.d, elf.n);
        put_file("symtab", b32 ? "synthetic32_elf" : "synthetic_elf", elf.d, elf.n);
        bzimage(&bz, &elf, b32 ? QT_KCOMP_XZ : QT_KCOMP_GZIP);
        put_file("kimage", b32 ? "synthetic32_bzimage_xz" : "synthetic_bzimage_gzip", bz.d, bz.n);
        free(elf.d);
        free(bz.d);
    }
    if (argc > 2 && argv[2][0])
        seeds_kernel(argv[2], "guest", btf, btf_len);
    if (argc > 3 && argv[3][0])
        seeds_kernel(argv[3], "guest32", btf, btf_len);
    free(syn.d);
    free(btf);
    return 0;
}
