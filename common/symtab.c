/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Function symbols of one ELF module, read with elfutils (libelf, libdw for DWARF).
 *
 * The file is untrusted: it is read into memory (at most 1 GiB), every table libelf hands
 * back is used through its bounds-checked accessors, and every offset/size used directly
 * (segments, PLT bytes) is checked against the image. Errors come back as a negative errno
 * with one line "PATH: what is wrong" in err; nothing is printed.
 *
 * Building: symbols and PLT entries are collected with names as offsets into a growable
 * string pool, sorted and de-duplicated; DWARF (when present) adds parameters; then one
 * block is allocated that holds a small header (name index for qt_symtab_find), the
 * parameter array and the strings. st->strpool points at that block and is its only owner.
 */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format.h"
#include "symtab.h"

#define QT_SYMTAB_MAX_FILE (1ull << 30)
#define QT_MAX_PARAMS 64        /* formal parameters kept per function */
#define QT_DWARF_MAX_NEST 8     /* namespaces/classes walked for subprograms */
#define QT_TYPE_MAX_CHAIN 16    /* typedef/cv chain followed */

/* ---- errors ----------------------------------------------------------------------------- */

static int fail(char *err, size_t errlen, int code, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int fail(char *err, size_t errlen, int code, const char *path, const char *fmt, ...)
{
    if (err && errlen) {
        int n = snprintf(err, errlen, "%s: ", path ? path : "(null)");
        if (n >= 0 && (size_t)n < errlen) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return code;
}

/* ---- string pool (offsets while building) ---------------------------------------------- */

struct pool {
    char *buf;
    size_t len, cap;
};

#define POOL_NONE ((size_t)-1)

static size_t pool_addn(struct pool *p, const char *s, size_t n)
{
    if (n > ((size_t)1 << 20))
        n = (size_t)1 << 20; /* a 1 MiB symbol name is corrupt anyway */
    if (p->len + n + 1 > p->cap) {
        size_t cap = p->cap ? p->cap : 4096;
        while (cap < p->len + n + 1)
            cap *= 2;
        char *nb = realloc(p->buf, cap);
        if (!nb)
            return POOL_NONE;
        p->buf = nb;
        p->cap = cap;
    }
    size_t off = p->len;
    memcpy(p->buf + off, s, n);
    p->buf[off + n] = 0;
    p->len += n + 1;
    return off;
}

static size_t pool_add(struct pool *p, const char *s)
{
    return pool_addn(p, s, strlen(s));
}

/* ---- symbols while building -------------------------------------------------------------- */

struct tsym {
    uint64_t addr, size;    /* run-time address */
    size_t name;            /* pool offset */
    uint8_t bind;           /* 2 global, 1 weak, 0 local */
    bool plt;
    bool ifunc;             /* STT_GNU_IFUNC: the address is the resolver's */
    bool dwarf;             /* params filled */
    uint16_t nparams;
    uint8_t ret_type, ret_bits;
    size_t param0;          /* index into tparams */
};

struct tparam {
    size_t name;            /* pool offset */
    uint8_t type, bits;
};

struct talias {
    size_t name;            /* pool offset */
    size_t sym;             /* index of the kept symbol */
};

struct build {
    const char *path;
    Elf *elf;
    GElf_Ehdr eh;
    const uint8_t *image;
    size_t size;
    uint64_t bias;
    struct pool pool;
    struct tsym *s;
    size_t n, cap;
    struct tparam *p;
    size_t np, pcap;
    struct talias *al;      /* other names of a kept symbol's address, in the order of the kept ones */
    size_t nal;
    unsigned word_bits;
    char *err;
    size_t errlen;
};

static int add_sym(struct build *b, uint64_t addr, uint64_t size, const char *name, size_t namelen, uint8_t bind,
                   bool plt)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 1024;
        struct tsym *ns = realloc(b->s, cap * sizeof(*ns));
        if (!ns)
            return -ENOMEM;
        b->s = ns;
        b->cap = cap;
    }
    size_t off = pool_addn(&b->pool, name, namelen);
    if (off == POOL_NONE)
        return -ENOMEM;
    struct tsym *t = &b->s[b->n++];
    memset(t, 0, sizeof(*t));
    t->addr = addr;
    t->size = size;
    t->name = off;
    t->bind = bind;
    t->plt = plt;
    return 0;
}

/* Sort by address, best name first: no leading underscore, global over weak over local,
 * real symbol over PLT entry, shorter, then alphabetical (deterministic). */
static int tsym_cmp(const void *pa, const void *pb, void *ctx)
{
    const struct tsym *a = pa, *b = pb;
    const char *pool = ctx;
    if (a->addr != b->addr)
        return a->addr < b->addr ? -1 : 1;
    const char *na = pool + a->name, *nb = pool + b->name;
    int ua = na[0] == '_', ub = nb[0] == '_';
    if (ua != ub)
        return ua - ub;
    if (a->bind != b->bind)
        return b->bind - a->bind;
    if (a->plt != b->plt)
        return a->plt - b->plt;
    size_t la = strlen(na), lb = strlen(nb);
    if (la != lb)
        return la < lb ? -1 : 1;
    return strcmp(na, nb);
}

/* ---- reading the file ------------------------------------------------------------------- */

static int read_file(const char *path, uint8_t **out, size_t *outlen, char *err, size_t errlen)
{
    *out = NULL;
    *outlen = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        return fail(err, errlen, -e, path, "%s", strerror(e));
    }
    struct stat stb;
    if (fstat(fd, &stb) < 0) {
        int e = errno;
        close(fd);
        return fail(err, errlen, -e, path, "%s", strerror(e));
    }
    if (S_ISDIR(stb.st_mode)) {
        close(fd);
        return fail(err, errlen, -EISDIR, path, "%s", strerror(EISDIR));
    }
    if (S_ISREG(stb.st_mode) && (uint64_t)stb.st_size > QT_SYMTAB_MAX_FILE) {
        close(fd);
        return fail(err, errlen, -EFBIG, path, "file too large (%llu bytes, limit 1 GiB)",
                    (unsigned long long)stb.st_size);
    }
    size_t cap = S_ISREG(stb.st_mode) && stb.st_size > 0 ? (size_t)stb.st_size : 65536;
    size_t len = 0;
    uint8_t *buf = malloc(cap);
    if (!buf) {
        close(fd);
        return fail(err, errlen, -ENOMEM, path, "out of memory reading %zu bytes", cap);
    }
    for (;;) {
        if (len == cap) {
            if (cap >= QT_SYMTAB_MAX_FILE + 1) {
                free(buf);
                close(fd);
                return fail(err, errlen, -EFBIG, path, "file too large (limit 1 GiB)");
            }
            size_t ncap = cap * 2 > QT_SYMTAB_MAX_FILE + 1 ? QT_SYMTAB_MAX_FILE + 1 : cap * 2;
            uint8_t *nb = realloc(buf, ncap);
            if (!nb) {
                free(buf);
                close(fd);
                return fail(err, errlen, -ENOMEM, path, "out of memory");
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t r = read(fd, buf + len, cap - len);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            free(buf);
            close(fd);
            return fail(err, errlen, -e, path, "%s", strerror(e));
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    close(fd);
    if (len > QT_SYMTAB_MAX_FILE) {
        free(buf);
        return fail(err, errlen, -EFBIG, path, "file too large (limit 1 GiB)");
    }
    *out = buf;
    *outlen = len;
    return 0;
}

/* ---- ELF tables -------------------------------------------------------------------------- */

static const char *scn_name(struct build *b, size_t shstrndx, const GElf_Shdr *sh)
{
    const char *n = elf_strptr(b->elf, shstrndx, sh->sh_name);
    return n ? n : "";
}

static int load_segments(struct build *b, struct qt_symtab *st)
{
    size_t phnum;
    if (elf_getphdrnum(b->elf, &phnum) < 0)
        return fail(b->err, b->errlen, -EINVAL, b->path, "cannot read program header count: %s", elf_errmsg(-1));
    /* libelf quietly reports 0 entries for a table outside the file: check the raw header */
    if (b->eh.e_phnum != PN_XNUM && b->eh.e_phnum > phnum)
        phnum = b->eh.e_phnum;
    if (phnum) {
        size_t ent = gelf_fsize(b->elf, ELF_T_PHDR, 1, EV_CURRENT);
        if (b->eh.e_phentsize != ent)
            return fail(b->err, b->errlen, -EINVAL, b->path, "bad program header entry size %u (expected %zu)",
                        b->eh.e_phentsize, ent);
        if (b->eh.e_phoff > b->size || phnum > (b->size - b->eh.e_phoff) / ent)
            return fail(b->err, b->errlen, -EINVAL, b->path,
                        "truncated: program headers (offset %llu, %zu entries) extend past the end of the file "
                        "(%zu bytes)", (unsigned long long)b->eh.e_phoff, phnum, b->size);
    }
    bool have_text = false;
    for (size_t i = 0; i < phnum; i++) {
        GElf_Phdr ph;
        if (!gelf_getphdr(b->elf, (int)i, &ph))
            return fail(b->err, b->errlen, -EINVAL, b->path, "cannot read program header %zu: %s", i, elf_errmsg(-1));
        if (ph.p_type != PT_LOAD)
            continue;
        if (ph.p_filesz > ph.p_memsz)
            return fail(b->err, b->errlen, -EINVAL, b->path, "PT_LOAD segment %zu: file size 0x%llx > memory size 0x%llx",
                        i, (unsigned long long)ph.p_filesz, (unsigned long long)ph.p_memsz);
        if (ph.p_offset > b->size || ph.p_filesz > b->size - ph.p_offset)
            return fail(b->err, b->errlen, -EINVAL, b->path,
                        "truncated: PT_LOAD segment %zu (offset 0x%llx, size 0x%llx) extends past the end of the file "
                        "(%zu bytes)", i, (unsigned long long)ph.p_offset, (unsigned long long)ph.p_filesz, b->size);
        if (ph.p_vaddr + ph.p_memsz < ph.p_vaddr)
            return fail(b->err, b->errlen, -EINVAL, b->path, "PT_LOAD segment %zu wraps around the address space", i);
        bool exec = (ph.p_flags & PF_X) != 0;
        if (st->nseg < (int)(sizeof(st->seg) / sizeof(st->seg[0]))) {
            struct qt_segment *s = &st->seg[st->nseg++];
            s->vaddr = ph.p_vaddr + b->bias;
            s->memsz = ph.p_memsz;
            s->filesz = ph.p_filesz;
            s->offset = ph.p_offset;
            s->exec = exec;
        }
        if (exec && ph.p_memsz) {
            uint64_t lo = ph.p_vaddr + b->bias, hi = lo + ph.p_memsz;
            if (!have_text || lo < st->text_lo)
                st->text_lo = lo;
            if (!have_text || hi > st->text_hi)
                st->text_hi = hi;
            have_text = true;
        }
    }
    return 0;
}

static bool sym_is_func(const GElf_Sym *s)
{
    int t = GELF_ST_TYPE(s->st_info);
    return (t == STT_FUNC || t == STT_GNU_IFUNC) && s->st_value != 0 && s->st_shndx != SHN_UNDEF;
}

static int load_symbols(struct build *b, Elf_Scn *scn, const GElf_Shdr *sh, const char *what)
{
    Elf_Data *d = elf_getdata(scn, NULL);
    if (!d)
        return fail(b->err, b->errlen, -EINVAL, b->path, "cannot read %s: %s", what, elf_errmsg(-1));
    size_t ent = gelf_fsize(b->elf, ELF_T_SYM, 1, EV_CURRENT);
    if (!d->d_buf || !ent)
        return 0;
    size_t count = d->d_size / ent;
    for (size_t i = 1; i < count; i++) {
        GElf_Sym sym;
        if (!gelf_getsym(d, (int)i, &sym))
            return fail(b->err, b->errlen, -EINVAL, b->path, "cannot read %s entry %zu: %s", what, i, elf_errmsg(-1));
        if (!sym_is_func(&sym))
            continue;
        const char *name = elf_strptr(b->elf, sh->sh_link, sym.st_name);
        if (!name || !name[0])
            continue;
        int bind = GELF_ST_BIND(sym.st_info);
        uint8_t rank = bind == STB_GLOBAL ? 2 : bind == STB_WEAK ? 1 : 0;
        if (add_sym(b, sym.st_value + b->bias, sym.st_size, name, strlen(name), rank, false) < 0)
            return fail(b->err, b->errlen, -ENOMEM, b->path, "out of memory");
        b->s[b->n - 1].ifunc = GELF_ST_TYPE(sym.st_info) == STT_GNU_IFUNC;
    }
    return 0;
}

/* ---- PLT ----------------------------------------------------------------------------------- */

struct gotref {
    uint64_t got;           /* file address of the GOT slot */
    size_t name;            /* pool offset */
};

static int gotref_cmp(const void *pa, const void *pb)
{
    const struct gotref *a = pa, *b = pb;
    return a->got < b->got ? -1 : a->got > b->got;
}

static const struct gotref *gotref_find(const struct gotref *g, size_t n, uint64_t got)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (g[mid].got < got)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && g[lo].got == got ? &g[lo] : NULL;
}

static bool reloc_is_slot(int machine, unsigned type)
{
    switch (machine) {
    case EM_X86_64:
        return type == R_X86_64_JUMP_SLOT || type == R_X86_64_GLOB_DAT;
    case EM_386:
        return type == R_386_JMP_SLOT || type == R_386_GLOB_DAT;
    case EM_AARCH64:
        return type == R_AARCH64_JUMP_SLOT || type == R_AARCH64_GLOB_DAT;
    default:
        return false;
    }
}

/* GOT slot -> symbol name, from every JUMP_SLOT/GLOB_DAT relocation. */
static int collect_gotrefs(struct build *b, struct gotref **out, size_t *nout)
{
    struct gotref *g = NULL;
    size_t n = 0, cap = 0;
    size_t shnum;
    *out = NULL;
    *nout = 0;
    if (elf_getshdrnum(b->elf, &shnum) < 0)
        return 0;
    for (Elf_Scn *scn = elf_nextscn(b->elf, NULL); scn; scn = elf_nextscn(b->elf, scn)) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_RELA && sh.sh_type != SHT_REL))
            continue;
        if (sh.sh_link == 0 || sh.sh_link >= shnum)
            continue;
        Elf_Scn *symscn = elf_getscn(b->elf, sh.sh_link);
        GElf_Shdr symsh;
        if (!symscn || !gelf_getshdr(symscn, &symsh) || (symsh.sh_type != SHT_DYNSYM && symsh.sh_type != SHT_SYMTAB))
            continue;
        Elf_Data *rd = elf_getdata(scn, NULL), *sd = elf_getdata(symscn, NULL);
        if (!rd || !sd || !rd->d_buf || !sd->d_buf)
            continue;
        bool rela = sh.sh_type == SHT_RELA;
        size_t ent = gelf_fsize(b->elf, rela ? ELF_T_RELA : ELF_T_REL, 1, EV_CURRENT);
        size_t count = ent ? rd->d_size / ent : 0;
        for (size_t i = 0; i < count; i++) {
            uint64_t off, info;
            if (rela) {
                GElf_Rela r;
                if (!gelf_getrela(rd, (int)i, &r))
                    break;
                off = r.r_offset;
                info = r.r_info;
            } else {
                GElf_Rel r;
                if (!gelf_getrel(rd, (int)i, &r))
                    break;
                off = r.r_offset;
                info = r.r_info;
            }
            size_t symi = GELF_R_SYM(info);
            if (!symi || !reloc_is_slot(b->eh.e_machine, (unsigned)GELF_R_TYPE(info)))
                continue;
            GElf_Sym sym;
            if (!gelf_getsym(sd, (int)symi, &sym))
                continue;
            const char *name = elf_strptr(b->elf, symsh.sh_link, sym.st_name);
            if (!name || !name[0])
                continue;
            if (n == cap) {
                size_t ncap = cap ? cap * 2 : 64;
                struct gotref *ng = realloc(g, ncap * sizeof(*ng));
                if (!ng)
                    goto oom;
                g = ng;
                cap = ncap;
            }
            char buf[512];
            int l = snprintf(buf, sizeof(buf), "%s@plt", name);
            if (l < 0 || (size_t)l >= sizeof(buf))
                continue;
            size_t po = pool_addn(&b->pool, buf, (size_t)l);
            if (po == POOL_NONE)
                goto oom;
            g[n].got = off;
            g[n].name = po;
            n++;
        }
    }
    if (n)
        qsort(g, n, sizeof(*g), gotref_cmp);
    *out = g;
    *nout = n;
    return 0;
oom:
    free(g);
    return fail(b->err, b->errlen, -ENOMEM, b->path, "out of memory");
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int add_plt(struct build *b, uint64_t addr, uint64_t size, size_t name)
{
    /* the name is already in the pool: add_sym copies it again, which keeps add_sym simple;
     * copy to a stack buffer first because the pool may move */
    char buf[512];
    snprintf(buf, sizeof(buf), "%s", b->pool.buf + name);
    return add_sym(b, addr + b->bias, size, buf, strlen(buf), 0, true);
}

/* x86: each entry of E bytes holds one indirect jump through its GOT slot:
 *   x86-64  ff 25 rel32        (jmp *slot(%rip), maybe after f2 / endbr64)
 *   i386    ff 25 abs32        (non-PIC)   or   ff a3 disp32   (PIC: jmp *disp(%ebx), ebx = .got.plt) */
static int scan_plt_x86(struct build *b, const uint8_t *bytes, uint64_t vaddr, uint64_t size, unsigned E,
                        uint64_t gotbase, const struct gotref *g, size_t ng)
{
    for (uint64_t e = 0; e + E <= size; e += E) {
        const uint8_t *p = bytes + e;
        for (unsigned k = 0; k + 6 <= E; k++) {
            if (p[k] != 0xff)
                continue;
            uint64_t slot;
            if (p[k + 1] == 0x25 && b->eh.e_machine == EM_X86_64)
                slot = vaddr + e + k + 6 + (uint64_t)(int64_t)(int32_t)rd32(p + k + 2);
            else if (p[k + 1] == 0x25 && b->eh.e_machine == EM_386)
                slot = rd32(p + k + 2);
            else if (p[k + 1] == 0xa3 && b->eh.e_machine == EM_386 && gotbase)
                slot = (gotbase + (uint64_t)(int64_t)(int32_t)rd32(p + k + 2)) & 0xffffffffu;
            else
                continue;
            const struct gotref *r = gotref_find(g, ng, slot);
            if (r && add_plt(b, vaddr + e, E, r->name) < 0)
                return -ENOMEM;
            break;
        }
    }
    return 0;
}

/* aarch64: [bti c] adrp x16, page(slot); ldr x17, [x16, #lo12(slot)]; add x16, ...; br x17 */
static int scan_plt_aarch64(struct build *b, const uint8_t *bytes, uint64_t vaddr, uint64_t size,
                            const struct gotref *g, size_t ng)
{
    for (uint64_t o = 0; o + 8 <= size; o += 4) {
        uint32_t w0 = rd32(bytes + o), w1 = rd32(bytes + o + 4);
        if ((w0 & 0x9f00001fu) != 0x90000010u || (w1 & 0xffc003ffu) != 0xf9400211u)
            continue;
        uint64_t pc = vaddr + o;
        uint64_t imm = ((uint64_t)((w0 >> 5) & 0x7ffff) << 2 | ((w0 >> 29) & 3)) << 12;
        if (imm & (1ull << 32))
            imm |= ~((1ull << 33) - 1); /* sign-extend 33 bits */
        uint64_t slot = (pc & ~(uint64_t)0xfff) + imm + (uint64_t)((w1 >> 10) & 0xfff) * 8;
        const struct gotref *r = gotref_find(g, ng, slot);
        if (!r)
            continue;
        uint64_t start = o;
        if (o >= 4 && (rd32(bytes + o - 4) & 0xffffff3fu) == 0xd503241fu) /* bti [c|j|jc] */
            start = o - 4;
        uint64_t end = o + 16;
        for (uint64_t q = o + 8; q + 4 <= size && q < o + 24; q += 4) {
            uint32_t w = rd32(bytes + q);
            if (w == 0xd61f0220u || (w & 0xfffffbffu) == 0xd61f0a3fu || (w & 0xfffffbe0u) == 0xd71f0a20u) {
                end = q + 4; /* br x17 (braaz/braa x17 with pointer authentication) */
                break;
            }
        }
        if (add_plt(b, vaddr + start, end - start, r->name) < 0)
            return -ENOMEM;
        o = end - 4;
    }
    return 0;
}

static int load_plt(struct build *b, size_t shstrndx)
{
    int m = b->eh.e_machine;
    if (m != EM_X86_64 && m != EM_386 && m != EM_AARCH64)
        return 0;
    struct gotref *g;
    size_t ng;
    int r = collect_gotrefs(b, &g, &ng);
    if (r < 0 || ng == 0)
        return r;
    uint64_t gotbase = 0;
    for (Elf_Scn *scn = elf_nextscn(b->elf, NULL); scn; scn = elf_nextscn(b->elf, scn)) {
        GElf_Shdr sh;
        if (gelf_getshdr(scn, &sh) && strcmp(scn_name(b, shstrndx, &sh), ".got.plt") == 0)
            gotbase = sh.sh_addr;
    }
    for (Elf_Scn *scn = elf_nextscn(b->elf, NULL); scn && r == 0; scn = elf_nextscn(b->elf, scn)) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS || !(sh.sh_flags & SHF_EXECINSTR))
            continue;
        const char *name = scn_name(b, shstrndx, &sh);
        if (strcmp(name, ".plt") != 0 && strcmp(name, ".plt.sec") != 0 && strcmp(name, ".plt.got") != 0)
            continue;
        if (sh.sh_offset > b->size || sh.sh_size > b->size - sh.sh_offset)
            continue; /* checked earlier for every section; keep this local guard anyway */
        const uint8_t *bytes = b->image + sh.sh_offset;
        if (m == EM_AARCH64) {
            r = scan_plt_aarch64(b, bytes, sh.sh_addr, sh.sh_size, g, ng);
        } else {
            unsigned E = 16;
            if (strcmp(name, ".plt.got") == 0)
                E = sh.sh_entsize == 16 ? 16 : 8;
            r = scan_plt_x86(b, bytes, sh.sh_addr, sh.sh_size, E, gotbase, g, ng);
        }
    }
    free(g);
    if (r < 0)
        return fail(b->err, b->errlen, -ENOMEM, b->path, "out of memory");
    return 0;
}

/* ---- DWARF ------------------------------------------------------------------------------- */

static Dwarf_Die *die_ref(Dwarf_Die *die, unsigned at, Dwarf_Die *mem)
{
    Dwarf_Attribute a;
    if (!dwarf_attr_integrate(die, at, &a))
        return NULL;
    return dwarf_formref_die(&a, mem);
}

static uint64_t die_udata(Dwarf_Die *die, unsigned at, uint64_t dflt)
{
    Dwarf_Attribute a;
    Dwarf_Word w;
    if (!dwarf_attr_integrate(die, at, &a) || dwarf_formudata(&a, &w) != 0)
        return dflt;
    return w;
}

static const char *die_name(Dwarf_Die *die)
{
    Dwarf_Attribute a;
    if (!dwarf_attr_integrate(die, DW_AT_name, &a))
        return NULL;
    return dwarf_formstring(&a);
}

static bool is_qualifier(int tag)
{
    return tag == DW_TAG_typedef || tag == DW_TAG_const_type || tag == DW_TAG_volatile_type ||
           tag == DW_TAG_restrict_type || tag == DW_TAG_atomic_type || tag == DW_TAG_immutable_type;
}

/* Follow typedefs and qualifiers; false for void (no type) or a too-long chain. */
static bool strip_type(Dwarf_Die *t, Dwarf_Die *mem)
{
    *mem = *t;
    for (int i = 0; i < QT_TYPE_MAX_CHAIN; i++) {
        if (!is_qualifier(dwarf_tag(mem)))
            return true;
        Dwarf_Die next;
        if (!die_ref(mem, DW_AT_type, &next))
            return false;
        *mem = next;
    }
    return false;
}

static bool is_plain_char(Dwarf_Die *base)
{
    uint64_t enc = die_udata(base, DW_AT_encoding, 0);
    const char *n = die_name(base);
    return (enc == DW_ATE_signed_char || enc == DW_ATE_unsigned_char) && die_udata(base, DW_AT_byte_size, 0) == 1 &&
           n && strcmp(n, "char") == 0;
}

static unsigned int_bits(uint64_t bytes)
{
    return bytes == 1 || bytes == 2 || bytes == 4 || bytes == 8 ? (unsigned)bytes * 8 : 0;
}

/* enum qt_arg_type and width of a DWARF type (die = the DW_AT_type target), 0 if unknown. */
static void map_type(struct build *b, Dwarf_Die *die, uint8_t *type, uint8_t *bits)
{
    Dwarf_Die t;
    *type = 0;
    *bits = 0;
    if (!strip_type(die, &t))
        return;
    switch (dwarf_tag(&t)) {
    case DW_TAG_base_type: {
        uint64_t enc = die_udata(&t, DW_AT_encoding, 0);
        unsigned w = int_bits(die_udata(&t, DW_AT_byte_size, 0));
        if (!w)
            return;
        if (enc == DW_ATE_boolean) {
            *type = QT_T_BOOL;
        } else if (is_plain_char(&t)) {
            *type = QT_T_CHAR;
        } else if (enc == DW_ATE_signed || enc == DW_ATE_signed_char) {
            *type = QT_T_INT;
        } else if (enc == DW_ATE_unsigned || enc == DW_ATE_unsigned_char || enc == DW_ATE_UTF) {
            *type = QT_T_UINT;
        } else {
            return; /* float, complex, decimal ... */
        }
        *bits = (uint8_t)w;
        return;
    }
    case DW_TAG_enumeration_type: {
        unsigned w = int_bits(die_udata(&t, DW_AT_byte_size, 4));
        *type = QT_T_INT;
        *bits = (uint8_t)(w ? w : 32);
        return;
    }
    case DW_TAG_pointer_type:
    case DW_TAG_reference_type:
    case DW_TAG_rvalue_reference_type: {
        Dwarf_Die pointee, ps;
        *type = QT_T_PTR;
        *bits = (uint8_t)b->word_bits;
        if (dwarf_tag(&t) == DW_TAG_pointer_type && die_ref(&t, DW_AT_type, &pointee) && strip_type(&pointee, &ps) &&
            dwarf_tag(&ps) == DW_TAG_base_type && is_plain_char(&ps))
            *type = QT_T_STR;
        return;
    }
    default:
        return; /* struct, union, array, function ... */
    }
}

static struct tsym *tsym_at(struct build *b, uint64_t addr)
{
    size_t lo = 0, hi = b->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (b->s[mid].addr < addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < b->n && b->s[lo].addr == addr ? &b->s[lo] : NULL;
}

static int add_param(struct build *b, const char *name, uint8_t type, uint8_t bits)
{
    if (b->np == b->pcap) {
        size_t cap = b->pcap ? b->pcap * 2 : 256;
        struct tparam *np = realloc(b->p, cap * sizeof(*np));
        if (!np)
            return -ENOMEM;
        b->p = np;
        b->pcap = cap;
    }
    size_t off = pool_add(&b->pool, name ? name : "");
    if (off == POOL_NONE)
        return -ENOMEM;
    b->p[b->np].name = off;
    b->p[b->np].type = type;
    b->p[b->np].bits = bits;
    b->np++;
    return 0;
}

/* Formal parameters of die (or, for an out-of-line instance without them, of its origin). */
static int dwarf_params(struct build *b, Dwarf_Die *die, struct tsym *s)
{
    Dwarf_Die cur = *die;
    for (int hop = 0; hop < 4; hop++) {
        Dwarf_Die child;
        size_t first = b->np;
        unsigned n = 0;
        if (dwarf_child(&cur, &child) == 0) {
            do {
                int tag = dwarf_tag(&child);
                if (tag == DW_TAG_unspecified_parameters)
                    break;
                if (tag != DW_TAG_formal_parameter)
                    continue;
                if (n >= QT_MAX_PARAMS)
                    break;
                uint8_t type = 0, bits = 0;
                Dwarf_Die t;
                if (die_ref(&child, DW_AT_type, &t))
                    map_type(b, &t, &type, &bits);
                if (add_param(b, die_name(&child), type, bits) < 0)
                    return -ENOMEM;
                n++;
            } while (dwarf_siblingof(&child, &child) == 0);
        }
        if (n) {
            s->param0 = first;
            s->nparams = (uint16_t)n;
            return 0;
        }
        Dwarf_Attribute a;
        Dwarf_Die next;
        if ((dwarf_attr(&cur, DW_AT_abstract_origin, &a) || dwarf_attr(&cur, DW_AT_specification, &a)) &&
            dwarf_formref_die(&a, &next))
            cur = next;
        else
            break;
    }
    return 0;
}

static int dwarf_subprogram(struct build *b, Dwarf_Die *die)
{
    Dwarf_Addr lo;
    struct tsym *s = NULL;
    if (dwarf_hasattr(die, DW_AT_declaration))
        return 0;
    if (dwarf_lowpc(die, &lo) == 0) {
        s = tsym_at(b, lo + b->bias);
    } else {
        Dwarf_Addr base, start, end;
        ptrdiff_t off = 0;
        int guard = 0;
        while (!s && guard++ < 64 && (off = dwarf_ranges(die, off, &base, &start, &end)) > 0)
            s = tsym_at(b, start + b->bias);
    }
    if (!s || s->dwarf)
        return 0;
    s->dwarf = true;
    Dwarf_Die rt;
    if (die_ref(die, DW_AT_type, &rt))
        map_type(b, &rt, &s->ret_type, &s->ret_bits);
    return dwarf_params(b, die, s);
}

static int dwarf_walk(struct build *b, Dwarf_Die *parent, int nest)
{
    Dwarf_Die child;
    if (nest > QT_DWARF_MAX_NEST || dwarf_child(parent, &child) != 0)
        return 0;
    do {
        int tag = dwarf_tag(&child), r = 0;
        if (tag == DW_TAG_subprogram)
            r = dwarf_subprogram(b, &child);
        else if (tag == DW_TAG_namespace || tag == DW_TAG_class_type || tag == DW_TAG_structure_type ||
                 tag == DW_TAG_module)
            r = dwarf_walk(b, &child, nest + 1);
        if (r < 0)
            return r;
    } while (dwarf_siblingof(&child, &child) == 0);
    return 0;
}

static int load_dwarf(struct build *b)
{
    if (b->eh.e_type == ET_REL || b->n == 0)
        return 0; /* relocatable objects: DWARF addresses are not final */
    Dwarf *dw = dwarf_begin_elf(b->elf, DWARF_C_READ, NULL);
    if (!dw)
        return 0; /* unreadable DWARF: symbols are still good */
    Dwarf_CU *cu = NULL;
    Dwarf_Die cudie;
    uint8_t unit_type;
    int r = 0;
    while (r == 0 && dwarf_get_units(dw, cu, &cu, NULL, &unit_type, &cudie, NULL) == 0) {
        if (unit_type == DW_UT_type || unit_type == DW_UT_split_type)
            continue;
        r = dwarf_walk(b, &cudie, 0);
    }
    dwarf_end(dw);
    if (r < 0)
        return fail(b->err, b->errlen, -ENOMEM, b->path, "out of memory");
    return 0;
}

/* ---- finishing -------------------------------------------------------------------------------- */

#define QT_SYMTAB_MAGIC 0x5854414d59535451ull /* "QTSYMATX" */

/* Header of the block st->strpool points at (see the top of this file). */
struct symtab_priv {
    uint64_t magic;
    size_t n;
    const struct qt_sym *syms;
    uint32_t *by_name;      /* indexes into syms, sorted by (name, addr) */
};

static int name_cmp(const void *pa, const void *pb, void *ctx)
{
    const struct qt_sym *syms = ctx;
    const struct qt_sym *a = &syms[*(const uint32_t *)pa], *b = &syms[*(const uint32_t *)pb];
    int c = strcmp(a->name, b->name);
    if (c)
        return c;
    return a->addr < b->addr ? -1 : a->addr > b->addr;
}

/* Symbols at one address: the first in tsym_cmp's order is kept, the other names (glibc's write
 * and __write, strtol and strtoll) become its aliases, so that a pattern naming any of them selects it. */
static int dedupe_and_size(struct build *b, struct qt_symtab *st)
{
    if (b->n == 0)
        return 0;
    qsort_r(b->s, b->n, sizeof(*b->s), tsym_cmp, b->pool.buf);
    b->al = malloc(b->n * sizeof(*b->al));
    if (!b->al)
        return -ENOMEM;
    size_t w = 0;
    for (size_t i = 0; i < b->n; i++) {
        if (w && b->s[w - 1].addr == b->s[i].addr) {
            if (b->s[i].size > b->s[w - 1].size)
                b->s[w - 1].size = b->s[i].size;
            b->s[w - 1].ifunc |= b->s[i].ifunc;
            const char *name = b->pool.buf + b->s[i].name;
            bool seen = strcmp(name, b->pool.buf + b->s[w - 1].name) == 0;
            for (size_t k = b->nal; !seen && k-- > 0 && b->al[k].sym == w - 1;)
                seen = strcmp(name, b->pool.buf + b->al[k].name) == 0;
            if (!seen && !b->s[i].plt)
                b->al[b->nal++] = (struct talias){ b->s[i].name, w - 1 };
            continue;
        }
        b->s[w++] = b->s[i];
    }
    b->n = w;
    for (size_t i = 0; i < b->n; i++) {
        struct tsym *s = &b->s[i];
        if (s->size)
            continue;
        uint64_t end = 0;
        for (int k = 0; k < st->nseg; k++) {
            const struct qt_segment *g = &st->seg[k];
            if (s->addr >= g->vaddr && s->addr - g->vaddr < g->memsz)
                end = g->vaddr + g->memsz;
        }
        if (i + 1 < b->n && (!end || b->s[i + 1].addr < end))
            end = b->s[i + 1].addr;
        if (end > s->addr)
            s->size = end - s->addr;
    }
    return 0;
}

static int finish(struct build *b, struct qt_symtab *st)
{
    size_t n = b->n, np = b->np;
    if (n > UINT32_MAX)
        return fail(b->err, b->errlen, -E2BIG, b->path, "too many symbols (%zu)", n);
    size_t hdr = (sizeof(struct symtab_priv) + 7) & ~(size_t)7;
    size_t idx = (n * sizeof(uint32_t) + 7) & ~(size_t)7;
    size_t par = np * sizeof(struct qt_param);
    char *block = malloc(hdr + idx + par + b->pool.len + 1);
    struct qt_sym *syms = calloc(n ? n : 1, sizeof(*syms));
    const char **aliases = calloc(b->nal ? b->nal : 1, sizeof(*aliases));
    if (!block || !syms || !aliases) {
        free(block);
        free(syms);
        free(aliases);
        return fail(b->err, b->errlen, -ENOMEM, b->path, "out of memory");
    }
    struct symtab_priv *priv = (struct symtab_priv *)block;
    uint32_t *by_name = (uint32_t *)(block + hdr);
    struct qt_param *params = (struct qt_param *)(block + hdr + idx);
    char *strings = block + hdr + idx + par;
    if (b->pool.len)
        memcpy(strings, b->pool.buf, b->pool.len);
    strings[b->pool.len] = 0;
    for (size_t i = 0; i < np; i++) {
        params[i].name = strings + b->p[i].name;
        params[i].type = b->p[i].type;
        params[i].bits = b->p[i].bits;
    }
    for (size_t i = 0; i < n; i++) {
        const struct tsym *t = &b->s[i];
        syms[i].addr = t->addr;
        syms[i].size = t->size;
        syms[i].name = strings + t->name;
        syms[i].ifunc = t->ifunc;
        syms[i].nparams = t->nparams;
        syms[i].ret_type = t->ret_type;
        syms[i].ret_bits = t->ret_bits;
        syms[i].params = t->nparams ? params + t->param0 : NULL;
        by_name[i] = (uint32_t)i;
    }
    for (size_t k = 0; k < b->nal; k++) {
        struct qt_sym *sym = &syms[b->al[k].sym];
        aliases[k] = strings + b->al[k].name;
        if (!sym->naliases)
            sym->aliases = aliases + k;
        if (sym->naliases < UINT16_MAX)
            sym->naliases++;
    }
    st->aliases = aliases;
    if (n)
        qsort_r(by_name, n, sizeof(*by_name), name_cmp, syms);
    priv->magic = QT_SYMTAB_MAGIC;
    priv->n = n;
    priv->syms = syms;
    priv->by_name = by_name;
    st->syms = syms;
    st->n = n;
    st->strpool = block;
    return 0;
}

/* ---- API ------------------------------------------------------------------------------------ */

int qt_symtab_load(struct qt_symtab *st, const char *path, uint64_t bias, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = 0;
    if (!st)
        return -EINVAL;
    memset(st, 0, sizeof(*st));
    if (!path || !path[0])
        return fail(err, errlen, -EINVAL, path ? path : "", "empty path");

    struct build b = { .path = path, .bias = bias, .err = err, .errlen = errlen };
    uint8_t *image = NULL;
    size_t size = 0;
    int r = read_file(path, &image, &size, err, errlen);
    if (r < 0)
        return r;
    b.image = image;
    b.size = size;

    if (size < SELFMAG || memcmp(image, ELFMAG, SELFMAG) != 0) {
        r = fail(err, errlen, -ENOEXEC, path, "not an ELF file");
        goto out;
    }
    if (size < EI_NIDENT) {
        r = fail(err, errlen, -EINVAL, path, "truncated: %zu bytes, not even an ELF identification", size);
        goto out;
    }
    if (image[EI_CLASS] != ELFCLASS32 && image[EI_CLASS] != ELFCLASS64) {
        r = fail(err, errlen, -EINVAL, path, "bad ELF class %u", image[EI_CLASS]);
        goto out;
    }
    if (image[EI_DATA] != ELFDATA2LSB) {
        /* libelf would convert a big-endian image in place; no supported guest is big-endian */
        r = fail(err, errlen, -EINVAL, path, "not a little-endian ELF file (byte order %u)", image[EI_DATA]);
        goto out;
    }
    size_t ehsize = image[EI_CLASS] == ELFCLASS64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
    if (size < ehsize) {
        r = fail(err, errlen, -EINVAL, path, "truncated: ELF header needs %zu bytes, file has %zu", ehsize, size);
        goto out;
    }
    if (elf_version(EV_CURRENT) == EV_NONE) {
        r = fail(err, errlen, -EINVAL, path, "libelf: %s", elf_errmsg(-1));
        goto out;
    }
    b.elf = elf_memory((char *)image, size);
    if (!b.elf || elf_kind(b.elf) != ELF_K_ELF) {
        r = fail(err, errlen, -EINVAL, path, "corrupt ELF file: %s", elf_errmsg(-1));
        goto out;
    }
    if (!gelf_getehdr(b.elf, &b.eh)) {
        r = fail(err, errlen, -EINVAL, path, "corrupt ELF header: %s", elf_errmsg(-1));
        goto out;
    }
    st->machine = b.eh.e_machine;
    st->elf_class = image[EI_CLASS] == ELFCLASS64 ? 64 : 32;
    b.word_bits = (unsigned)st->elf_class;
    st->pie = b.eh.e_type == ET_DYN;
    st->bias = bias;
    st->entry = b.eh.e_entry ? b.eh.e_entry + bias : 0;

    r = load_segments(&b, st);
    if (r < 0)
        goto out;

    /* sections: bounds first, then symbol tables */
    size_t shnum = 0, shstrndx = 0;
    if (elf_getshdrnum(b.elf, &shnum) < 0) {
        r = fail(err, errlen, -EINVAL, path, "cannot read section count: %s", elf_errmsg(-1));
        goto out;
    }
    if (b.eh.e_shoff != 0 && b.eh.e_shnum > shnum)
        shnum = b.eh.e_shnum; /* libelf says 0 when the table is outside the file */
    if (b.eh.e_shoff != 0 && shnum == 0)
        shnum = 1; /* e_shnum 0: the count is in section 0, which must be there */
    if (shnum) {
        size_t ent = gelf_fsize(b.elf, ELF_T_SHDR, 1, EV_CURRENT);
        if (b.eh.e_shentsize != ent) {
            r = fail(err, errlen, -EINVAL, path, "bad section header entry size %u (expected %zu)", b.eh.e_shentsize,
                     ent);
            goto out;
        }
        if (b.eh.e_shoff > size || shnum > (size - b.eh.e_shoff) / ent) {
            r = fail(err, errlen, -EINVAL, path,
                     "truncated: section headers (offset %llu, %zu entries) extend past the end of the file (%zu bytes)",
                     (unsigned long long)b.eh.e_shoff, shnum, size);
            goto out;
        }
        if (elf_getshdrstrndx(b.elf, &shstrndx) < 0) {
            r = fail(err, errlen, -EINVAL, path, "cannot read section name table index: %s", elf_errmsg(-1));
            goto out;
        }
    }
    bool have_symtab = false;
    size_t idx = 0;
    for (Elf_Scn *scn = elf_nextscn(b.elf, NULL); scn; scn = elf_nextscn(b.elf, scn)) {
        GElf_Shdr sh;
        idx++;
        if (!gelf_getshdr(scn, &sh)) {
            r = fail(err, errlen, -EINVAL, path, "cannot read section header %zu: %s", idx, elf_errmsg(-1));
            goto out;
        }
        const char *name = scn_name(&b, shstrndx, &sh);
        if (sh.sh_type != SHT_NOBITS && sh.sh_type != SHT_NULL &&
            (sh.sh_offset > size || sh.sh_size > size - sh.sh_offset)) {
            r = fail(err, errlen, -EINVAL, path,
                     "truncated: section %zu '%s' (offset 0x%llx, size 0x%llx) extends past the end of the file "
                     "(%zu bytes)", idx, name, (unsigned long long)sh.sh_offset, (unsigned long long)sh.sh_size, size);
            goto out;
        }
        if (strcmp(name, ".debug_info") == 0 || strcmp(name, ".zdebug_info") == 0)
            st->has_debug = true;
        if (sh.sh_type == SHT_SYMTAB || sh.sh_type == SHT_DYNSYM) {
            if (sh.sh_link >= shnum) {
                r = fail(err, errlen, -EINVAL, path, "section %zu '%s': bad string table index %u", idx, name,
                         sh.sh_link);
                goto out;
            }
            r = load_symbols(&b, scn, &sh, sh.sh_type == SHT_SYMTAB ? ".symtab" : ".dynsym");
            if (r < 0)
                goto out;
            have_symtab = true;
        }
    }
    (void)have_symtab;
    r = load_plt(&b, shstrndx);
    if (r < 0)
        goto out;
    if (dedupe_and_size(&b, st) < 0) {
        r = fail(err, errlen, -ENOMEM, path, "out of memory");
        goto out;
    }
    if (st->has_debug) {
        r = load_dwarf(&b);
        if (r < 0)
            goto out;
    }
    r = finish(&b, st);
    if (r < 0)
        goto out;
    st->path = strdup(path);
    if (!st->path) {
        r = fail(err, errlen, -ENOMEM, path, "out of memory");
        goto out;
    }
    st->image = image;
    st->image_size = size;
    image = NULL;
    r = 0;
out:
    if (b.elf)
        elf_end(b.elf);
    free(b.pool.buf);
    free(b.s);
    free(b.p);
    free(b.al);
    if (r < 0) {
        free(st->syms);
        free(st->strpool);
        free(st->path);
        memset(st, 0, sizeof(*st));
    }
    free(image);
    return r;
}

void qt_symtab_free(struct qt_symtab *st)
{
    if (!st)
        return;
    free(st->syms);
    free(st->aliases);
    free(st->strpool);
    free(st->path);
    free(st->image);
    memset(st, 0, sizeof(*st));
}

/* The index of the first symbol starting above addr (st->n if none). */
static size_t first_above(const struct qt_symtab *st, uint64_t addr)
{
    size_t lo = 0, hi = st->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (st->syms[mid].addr <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

const struct qt_sym *qt_symtab_next(const struct qt_symtab *st, uint64_t addr)
{
    if (!st || !st->syms)
        return NULL;
    size_t i = first_above(st, addr);
    return i < st->n ? &st->syms[i] : NULL;
}

const struct qt_sym *qt_symtab_lookup(const struct qt_symtab *st, uint64_t addr)
{
    if (!st || !st->syms || st->n == 0)
        return NULL;
    size_t lo = first_above(st, addr);
    /* the nearest start at or below addr usually contains it; a few more cover nesting */
    for (size_t k = 0; k < 8 && lo > 0; k++, lo--) {
        const struct qt_sym *s = &st->syms[lo - 1];
        if (addr - s->addr < (s->size ? s->size : 1))
            return s;
    }
    return NULL;
}

const struct qt_sym *qt_symtab_find(const struct qt_symtab *st, const char *name)
{
    if (!st || !name || !st->syms)
        return NULL;
    const struct symtab_priv *priv = (const struct symtab_priv *)st->strpool;
    if (priv && priv->magic == QT_SYMTAB_MAGIC && priv->n == st->n && priv->syms == st->syms) {
        size_t lo = 0, hi = st->n;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (strcmp(st->syms[priv->by_name[mid]].name, name) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < st->n && strcmp(st->syms[priv->by_name[lo]].name, name) == 0)
            return &st->syms[priv->by_name[lo]];
    } else {
        for (size_t i = 0; i < st->n; i++) /* a table not built by qt_symtab_load */
            if (st->syms[i].name && strcmp(st->syms[i].name, name) == 0)
                return &st->syms[i];
    }
    for (size_t i = 0; i < st->n; i++)
        for (unsigned k = 0; k < st->syms[i].naliases; k++)
            if (strcmp(st->syms[i].aliases[k], name) == 0)
                return &st->syms[i];
    return NULL;
}

bool qt_sym_match(const struct qt_sym *s, const char *glob)
{
    if (!s || !glob)
        return false;
    if (s->name && qt_glob_match(glob, s->name))
        return true;
    for (unsigned k = 0; k < s->naliases; k++)
        if (qt_glob_match(glob, s->aliases[k]))
            return true;
    return false;
}

bool qt_symtab_read(const struct qt_symtab *st, uint64_t addr, void *buf, size_t len)
{
    if (!st || !st->image || (len && !buf))
        return false;
    for (int i = 0; i < st->nseg && i < (int)(sizeof(st->seg) / sizeof(st->seg[0])); i++) {
        const struct qt_segment *s = &st->seg[i];
        if (addr < s->vaddr)
            continue;
        uint64_t off = addr - s->vaddr;
        if (off > s->filesz || len > s->filesz - off)
            continue;
        if (s->offset > st->image_size || off > st->image_size - s->offset ||
            len > st->image_size - s->offset - off)
            return false;
        if (len)
            memcpy(buf, st->image + s->offset + off, len);
        return true;
    }
    return false;
}

/* ---- globs ------------------------------------------------------------------------------------ */

/* Match one bracket expression at p (just after '['). Returns the position after ']' and sets
 * *hit, or NULL if the bracket is not terminated (then '[' is an ordinary character). */
static const char *glob_class(const char *p, unsigned char c, bool *hit)
{
    bool neg = false, match = false;
    if (*p == '!' || *p == '^') {
        neg = true;
        p++;
    }
    bool first = true;
    while (*p && (first || *p != ']')) {
        unsigned char lo = (unsigned char)*p, hi;
        if (lo == '\\' && p[1])
            lo = (unsigned char)*++p;
        p++;
        hi = lo;
        if (*p == '-' && p[1] && p[1] != ']') {
            hi = (unsigned char)p[1];
            if (hi == '\\' && p[2]) {
                hi = (unsigned char)p[2];
                p++;
            }
            p += 2;
        }
        if (c >= lo && c <= hi)
            match = true;
        first = false;
    }
    if (*p != ']')
        return NULL;
    *hit = match != neg;
    return p + 1;
}

bool qt_glob_match(const char *pattern, const char *name)
{
    if (!pattern || !name)
        return false;
    const char *p = pattern, *n = name;
    const char *star_p = NULL, *star_n = NULL; /* backtrack point of the last '*' */
    while (*n) {
        if (*p == '*') {
            while (*p == '*')
                p++;
            if (!*p)
                return true;
            star_p = p;
            star_n = n;
            continue;
        }
        bool ok = false;
        const char *next = NULL;
        if (*p == '?') {
            ok = true;
            next = p + 1;
        } else if (*p == '[') {
            bool hit = false;
            const char *e = glob_class(p + 1, (unsigned char)*n, &hit);
            if (e) {
                ok = hit;
                next = e;
            } else {
                ok = *n == '[';
                next = p + 1;
            }
        } else if (*p == '\\' && p[1]) {
            ok = p[1] == *n;
            next = p + 2;
        } else if (*p) {
            ok = *p == *n;
            next = p + 1;
        }
        if (ok) {
            p = next;
            n++;
        } else if (star_p) {
            p = star_p;
            n = ++star_n;
        } else {
            return false;
        }
    }
    while (*p == '*')
        p++;
    return *p == 0;
}
