/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Kernel image loading: bzImage decompression, vmlinux ELF sections/segments, KASLR slide. */
#include "kimage.h"
#include "qtutil.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <lzma.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>


/* [off, off+len) within [0, size), overflow-safe */
static bool in_bounds(uint64_t off, uint64_t len, uint64_t size)
{
    return off <= size && len <= size - off;
}

const char *qt_kcomp_name(enum qt_kcomp c)
{
    switch (c) {
    case QT_KCOMP_NONE: return "none";
    case QT_KCOMP_GZIP: return "gzip";
    case QT_KCOMP_XZ: return "xz";
    case QT_KCOMP_ZSTD: return "zstd";
    case QT_KCOMP_LZ4: return "lz4";
    case QT_KCOMP_LZMA: return "lzma";
    case QT_KCOMP_BZIP2: return "bzip2";
    case QT_KCOMP_LZO: return "lzo";
    default: return "unknown";
    }
}

static enum qt_kcomp detect_comp(const uint8_t *p, size_t n)
{
    if (n >= 4 && memcmp(p, ELFMAG, 4) == 0) return QT_KCOMP_NONE;
    if (n >= 2 && p[0] == 0x1f && (p[1] == 0x8b || p[1] == 0x9e)) return QT_KCOMP_GZIP;
    if (n >= 6 && memcmp(p, "\xfd" "7zXZ\0", 6) == 0) return QT_KCOMP_XZ;
    if (n >= 4 && memcmp(p, "\x28\xb5\x2f\xfd", 4) == 0) return QT_KCOMP_ZSTD;
    if (n >= 4 && (memcmp(p, "\x02\x21\x4c\x18", 4) == 0 || memcmp(p, "\x04\x22\x4d\x18", 4) == 0))
        return QT_KCOMP_LZ4;
    if (n >= 3 && memcmp(p, "BZh", 3) == 0) return QT_KCOMP_BZIP2;
    if (n >= 4 && memcmp(p, "\x89LZO", 4) == 0) return QT_KCOMP_LZO;
    if (n >= 3 && p[0] == 0x5d && p[1] == 0 && p[2] == 0) return QT_KCOMP_LZMA;
    return QT_KCOMP_UNKNOWN;
}

/* ---- decompression into a growing buffer -------------------------------------------- */

struct obuf {
    uint8_t *p;
    size_t len, cap;
};

/* Kernel payloads shrink 3 to 8 times (xz, gzip, zstd at the levels the kernel build uses). The
 * decompressed size appended to the payload is trusted up to this ratio, and the buffer starts
 * at most this much larger than the payload: a small file cannot make qtrace reserve a large
 * buffer before its data proves it decompresses that far (the buffer still doubles as needed,
 * up to QT_KIMAGE_MAX_PAYLOAD). */
#define KIMAGE_MAX_RATIO 64u

static int obuf_grow(struct obuf *o, size_t first)
{
    size_t ncap = o->cap ? o->cap * 2 : first;
    if (o->cap >= QT_KIMAGE_MAX_PAYLOAD) return -EFBIG;
    if (ncap > QT_KIMAGE_MAX_PAYLOAD) ncap = QT_KIMAGE_MAX_PAYLOAD;
    uint8_t *np = realloc(o->p, ncap);
    if (!np) return -ENOMEM;
    o->p = np;
    o->cap = ncap;
    return 0;
}

static int obuf_init(struct obuf *o, uint64_t hint, size_t inlen)
{
    o->p = NULL;
    o->len = o->cap = 0;
    uint64_t plausible = (uint64_t)inlen * KIMAGE_MAX_RATIO;
    /* the size the kernel build appends to the payload: a hint only, +1 so that the end of
     * the stream is seen without growing */
    if (hint >= 4096 && hint < QT_KIMAGE_MAX_PAYLOAD && hint <= plausible) {
        o->p = malloc(hint + 1);
        if (!o->p) return -ENOMEM;
        o->cap = hint + 1;
        return 0;
    }
    size_t first = (size_t)16 << 20;
    if (plausible < first) first = plausible < 4096 ? 4096 : (size_t)plausible;
    return obuf_grow(o, first);
}

static int decomp_xz(const uint8_t *in, size_t inlen, struct obuf *o, const char **why)
{
    lzma_stream s = LZMA_STREAM_INIT;
    if (lzma_stream_decoder(&s, UINT64_MAX, 0) != LZMA_OK) return -ENOMEM;
    s.next_in = in;
    s.avail_in = inlen;
    int rc = 0;
    for (;;) {
        if (o->len == o->cap && (rc = obuf_grow(o, 0)) < 0) break;
        s.next_out = o->p + o->len;
        s.avail_out = o->cap - o->len;
        lzma_ret r = lzma_code(&s, LZMA_FINISH);
        o->len = o->cap - s.avail_out;
        if (r == LZMA_STREAM_END) break;
        if (r == LZMA_OK) continue;
        if (r == LZMA_MEM_ERROR) { rc = -ENOMEM; break; }
        if (r == LZMA_BUF_ERROR && s.avail_out == 0) continue;
        *why = r == LZMA_BUF_ERROR ? "truncated" : r == LZMA_DATA_ERROR ? "corrupt data"
             : r == LZMA_FORMAT_ERROR ? "not an xz stream" : r == LZMA_OPTIONS_ERROR ? "unsupported xz options"
             : "decoder error";
        rc = -EINVAL;
        break;
    }
    lzma_end(&s);
    return rc;
}

static int decomp_gzip(const uint8_t *in, size_t inlen, struct obuf *o, const char **why)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return -ENOMEM;
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)inlen;
    int rc = 0;
    for (;;) {
        if (o->len == o->cap && (rc = obuf_grow(o, 0)) < 0) break;
        z.next_out = o->p + o->len;
        z.avail_out = (uInt)(o->cap - o->len);
        int r = inflate(&z, Z_NO_FLUSH);
        o->len = o->cap - z.avail_out;
        if (r == Z_STREAM_END) break;
        if (r == Z_OK) continue;
        if (r == Z_BUF_ERROR && z.avail_out == 0) continue;
        if (r == Z_MEM_ERROR) { rc = -ENOMEM; break; }
        *why = r == Z_BUF_ERROR ? "truncated" : "corrupt data";
        rc = -EINVAL;
        break;
    }
    inflateEnd(&z);
    return rc;
}

static int decomp_zstd(const uint8_t *in, size_t inlen, struct obuf *o, const char **why)
{
    ZSTD_DCtx *d = ZSTD_createDCtx();
    if (!d) return -ENOMEM;
    ZSTD_DCtx_setParameter(d, ZSTD_d_windowLogMax, 30);
    ZSTD_inBuffer ib = { in, inlen, 0 };
    int rc = 0;
    for (;;) {
        if (o->len == o->cap && (rc = obuf_grow(o, 0)) < 0) break;
        ZSTD_outBuffer ob = { o->p, o->cap, o->len };
        size_t r = ZSTD_decompressStream(d, &ob, &ib);
        o->len = ob.pos;
        if (ZSTD_isError(r)) {
            *why = ZSTD_getErrorName(r);
            rc = -EINVAL;
            break;
        }
        if (r == 0) break;                      /* frame complete and flushed */
        if (ib.pos == ib.size && ob.pos < ob.size) {
            *why = "truncated";
            rc = -EINVAL;
            break;
        }
    }
    ZSTD_freeDCtx(d);
    return rc;
}

/* ---- ELF ------------------------------------------------------------------------------ */

/* A name from the image for a message: printable ASCII only, bounded. */
static const char *safe_name(const char *s, char *buf, size_t len)
{
    size_t i = 0;
    for (; s[i] && i + 1 < len; i++) buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
    buf[i] = 0;
    return buf;
}

/* ELF32 headers widened to the ELF64 structures (an i386 vmlinux is ELFCLASS32). */
static void rd_ehdr(const uint8_t *d, bool is64, Elf64_Ehdr *eh)
{
    if (is64) { memcpy(eh, d, sizeof(*eh)); return; }
    Elf32_Ehdr e;
    memcpy(&e, d, sizeof(e));
    memcpy(eh->e_ident, e.e_ident, EI_NIDENT);
    eh->e_type = e.e_type; eh->e_machine = e.e_machine; eh->e_version = e.e_version;
    eh->e_entry = e.e_entry; eh->e_phoff = e.e_phoff; eh->e_shoff = e.e_shoff; eh->e_flags = e.e_flags;
    eh->e_ehsize = e.e_ehsize; eh->e_phnum = e.e_phnum; eh->e_shnum = e.e_shnum; eh->e_shstrndx = e.e_shstrndx;
    eh->e_phentsize = e.e_phentsize;       /* checked against the class's own structures */
    eh->e_shentsize = e.e_shentsize;
}
static void rd_phdr(const uint8_t *p, bool is64, Elf64_Phdr *ph)
{
    if (is64) { memcpy(ph, p, sizeof(*ph)); return; }
    Elf32_Phdr e;
    memcpy(&e, p, sizeof(e));
    ph->p_type = e.p_type; ph->p_flags = e.p_flags; ph->p_offset = e.p_offset; ph->p_vaddr = e.p_vaddr;
    ph->p_paddr = e.p_paddr; ph->p_filesz = e.p_filesz; ph->p_memsz = e.p_memsz; ph->p_align = e.p_align;
}
static void rd_shdr(const uint8_t *p, bool is64, Elf64_Shdr *sh)
{
    if (is64) { memcpy(sh, p, sizeof(*sh)); return; }
    Elf32_Shdr e;
    memcpy(&e, p, sizeof(e));
    sh->sh_name = e.sh_name; sh->sh_type = e.sh_type; sh->sh_flags = e.sh_flags; sh->sh_addr = e.sh_addr;
    sh->sh_offset = e.sh_offset; sh->sh_size = e.sh_size; sh->sh_link = e.sh_link; sh->sh_info = e.sh_info;
    sh->sh_addralign = e.sh_addralign; sh->sh_entsize = e.sh_entsize;
}

static int parse_elf(struct qt_kimage *k, const char *what, char *err, size_t errlen)
{
    const uint8_t *d = k->elf;
    size_t size = k->data_size;
    Elf64_Ehdr eh;

    if (size < EI_NIDENT || memcmp(d, ELFMAG, SELFMAG) != 0)
        return qt_fail(err, errlen, -ENOEXEC, "%s: %s is not an ELF", k->path, what);
    if (d[EI_CLASS] != ELFCLASS64 && d[EI_CLASS] != ELFCLASS32)
        return qt_fail(err, errlen, -EOPNOTSUPP, "%s: %s has an unknown ELF class %u", k->path, what, d[EI_CLASS]);
    bool is64 = d[EI_CLASS] == ELFCLASS64;
    size_t phsz = is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr), shsz = is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
    if (d[EI_DATA] != ELFDATA2LSB)
        return qt_fail(err, errlen, -EOPNOTSUPP, "%s: %s is a big-endian ELF: only little-endian kernels are supported", k->path, what);
    if (size < (is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr)))
        return qt_fail(err, errlen, -EINVAL, "%s: %s is truncated (%zu bytes, no complete ELF header)", k->path, what, size);
    rd_ehdr(d, is64, &eh);
    k->bits = is64 ? 64 : 32;
    k->machine = eh.e_machine;
    k->entry = eh.e_entry;
    uint64_t end = is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);

    /* program headers: PT_LOAD segments */
    if (eh.e_phnum) {
        if (eh.e_phentsize != phsz)
            return qt_fail(err, errlen, -EINVAL, "%s: %s: bad ELF program header size %u", k->path, what, eh.e_phentsize);
        if (!in_bounds(eh.e_phoff, (uint64_t)eh.e_phnum * phsz, size))
            return qt_fail(err, errlen, -EINVAL, "%s: %s: ELF program headers (offset 0x%llx, %u entries) extend past the end (%zu bytes)",
                         k->path, what, (unsigned long long)eh.e_phoff, eh.e_phnum, size);
        end = eh.e_phoff + (uint64_t)eh.e_phnum * phsz > end ? eh.e_phoff + (uint64_t)eh.e_phnum * phsz : end;
        k->seg = calloc(eh.e_phnum, sizeof(*k->seg));
        if (!k->seg) return -ENOMEM;
        for (unsigned i = 0; i < eh.e_phnum; i++) {
            Elf64_Phdr ph;
            rd_phdr(d + eh.e_phoff + (uint64_t)i * phsz, is64, &ph);
            if (ph.p_type != PT_LOAD) continue;
            if (ph.p_filesz > ph.p_memsz || !in_bounds(ph.p_offset, ph.p_filesz, size))
                return qt_fail(err, errlen, -EINVAL, "%s: %s: ELF segment %u (offset 0x%llx, 0x%llx bytes) extends past the end (%zu bytes)",
                             k->path, what, i, (unsigned long long)ph.p_offset, (unsigned long long)ph.p_filesz, size);
            if (ph.p_vaddr + ph.p_memsz < ph.p_vaddr)
                return qt_fail(err, errlen, -EINVAL, "%s: %s: ELF segment %u wraps around the address space", k->path, what, i);
            struct qt_kseg *s = &k->seg[k->nseg++];
            s->vaddr = ph.p_vaddr;
            s->paddr = ph.p_paddr;
            s->memsz = ph.p_memsz;
            s->filesz = ph.p_filesz;
            s->offset = ph.p_offset;
            s->flags = ph.p_flags;
            if (ph.p_offset + ph.p_filesz > end) end = ph.p_offset + ph.p_filesz;
        }
    }

    /* section headers */
    uint64_t shnum = eh.e_shnum, shstrndx = eh.e_shstrndx;
    if (eh.e_shoff) {
        if (eh.e_shentsize != shsz)
            return qt_fail(err, errlen, -EINVAL, "%s: %s: bad ELF section header size %u", k->path, what, eh.e_shentsize);
        if (!in_bounds(eh.e_shoff, shsz, size))
            return qt_fail(err, errlen, -EINVAL, "%s: %s: ELF section headers (offset 0x%llx) are past the end (%zu bytes)",
                         k->path, what, (unsigned long long)eh.e_shoff, size);
        Elf64_Shdr s0;
        rd_shdr(d + eh.e_shoff, is64, &s0);
        if (shnum == 0) shnum = s0.sh_size;             /* extended numbering */
        if (shstrndx == SHN_XINDEX) shstrndx = s0.sh_link;
        if (shnum > 1000000)
            return qt_fail(err, errlen, -EINVAL, "%s: %s: implausible ELF section count %llu", k->path, what, (unsigned long long)shnum);
        if (!in_bounds(eh.e_shoff, shnum * shsz, size))
            return qt_fail(err, errlen, -EINVAL, "%s: %s: ELF section headers (offset 0x%llx, %llu entries) extend past the end (%zu bytes)",
                         k->path, what, (unsigned long long)eh.e_shoff, (unsigned long long)shnum, size);
        if (eh.e_shoff + shnum * shsz > end) end = eh.e_shoff + shnum * shsz;
    } else {
        shnum = 0;
    }
    if (shnum) {
        k->sec = calloc(shnum, sizeof(*k->sec));
        if (!k->sec) return -ENOMEM;
        const char *strtab = NULL;
        uint64_t strsize = 0;
        if (shstrndx < shnum) {
            Elf64_Shdr ss;
            rd_shdr(d + eh.e_shoff + shstrndx * shsz, is64, &ss);
            if (ss.sh_type != SHT_NOBITS && in_bounds(ss.sh_offset, ss.sh_size, size)) {
                strtab = (const char *)d + ss.sh_offset;
                strsize = ss.sh_size;
            }
        }
        for (uint64_t i = 0; i < shnum; i++) {
            Elf64_Shdr sh;
            rd_shdr(d + eh.e_shoff + i * shsz, is64, &sh);
            struct qt_ksection *s = &k->sec[k->nsec++];
            s->name = "";
            if (strtab && sh.sh_name < strsize && memchr(strtab + sh.sh_name, 0, strsize - sh.sh_name)) {
                const char *nm = strtab + sh.sh_name;
                bool printable = true;
                for (const char *c = nm; *c && printable; c++) printable = *c > 0x20 && *c < 0x7f;
                if (printable) s->name = nm;        /* else unnamed: names end up in messages */
            }
            s->addr = sh.sh_addr;
            s->size = sh.sh_size;
            s->offset = sh.sh_offset;
            s->flags = sh.sh_flags;
            s->type = sh.sh_type;
            s->link = sh.sh_link;
            s->entsize = sh.sh_entsize;
            s->nobits = sh.sh_type == SHT_NOBITS || sh.sh_type == SHT_NULL;
            if (!s->nobits && sh.sh_size) {
                char nb[48];
                if (!in_bounds(sh.sh_offset, sh.sh_size, size))
                    return qt_fail(err, errlen, -EINVAL, "%s: %s: ELF section %llu (%s) at offset 0x%llx, 0x%llx bytes, extends past the end (%zu bytes)",
                                 k->path, what, (unsigned long long)i, safe_name(s->name, nb, sizeof(nb)), (unsigned long long)sh.sh_offset,
                                 (unsigned long long)sh.sh_size, size);
                if (sh.sh_offset + sh.sh_size > end) end = sh.sh_offset + sh.sh_size;
            }
        }
    }
    k->elf_size = end;

    const struct qt_ksection *text = qt_kimage_section(k, ".text");
    if (text && !text->nobits) {
        k->text_addr = text->addr;
    } else {
        for (size_t i = 0; i < k->nseg; i++)
            if ((k->seg[i].flags & PF_X) && (!k->text_addr || k->seg[i].vaddr < k->text_addr))
                k->text_addr = k->seg[i].vaddr;
    }
    if (!k->nseg && !k->nsec)
        return qt_fail(err, errlen, -EINVAL, "%s: %s has neither loadable segments nor sections", k->path, what);
    /* where the kernel image mapping starts and how KASLR moves it */
    k->map_base = QT_KERNEL_MAP_BASE;
    k->kaslr_align = QT_KASLR_ALIGN;
    k->kaslr_range = QT_KASLR_RANGE;
    if (!is64) {
        /* i386: virtual = physical + PAGE_OFFSET, which the segments tell (vaddr - paddr); KASLR
         * moves the physical and so the virtual address by a multiple of CONFIG_PHYSICAL_ALIGN
         * (the bzImage's kernel_alignment) below KERNEL_IMAGE_SIZE (512 MiB) */
        k->map_base = QT_KERNEL_MAP_BASE32;
        for (size_t i = 0; i < k->nseg; i++)
            if (k->seg[i].vaddr > k->seg[i].paddr && k->seg[i].vaddr - k->seg[i].paddr < k->map_base) {
                k->map_base = k->seg[i].vaddr - k->seg[i].paddr;
                break;
            }
        k->kaslr_range = QT_KASLR_RANGE32;
        uint32_t a = k->kernel_alignment;
        k->kaslr_align = a >= 0x2000 && (a & (a - 1)) == 0 ? a : 0x2000;   /* 0x2000: the smallest allowed */
    }
    return 0;
}

/* The "Linux version ..." banner. 6.1+ has two: the weak one in init/version.c, whose
 * UTS_VERSION has no build number ("# SMP ..."), and the real linux_banner ("#1 SMP ...");
 * prefer a banner with a build number. */
static bool banner_has_build(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++)
        if (p[i] == '#' && p[i + 1] >= '0' && p[i + 1] <= '9') return true;
    return false;
}

static void find_banner(struct qt_kimage *k)
{
    static const char pat[] = "Linux version ";
    const uint8_t *best = NULL;
    size_t best_len = 0;
    uint64_t best_addr = 0;
    for (int pass = 0; pass < 2 && !best; pass++) {
        for (size_t i = 0; i < k->nsec; i++) {
            const struct qt_ksection *s = &k->sec[i];
            if (s->nobits || !s->size || !(s->flags & SHF_ALLOC)) continue;
            if ((pass == 0) != (strcmp(s->name, ".rodata") == 0)) continue;
            const uint8_t *base = k->elf + s->offset, *p = base, *end = base + s->size;
            while (p < end && (p = memmem(p, (size_t)(end - p), pat, sizeof(pat) - 1)) != NULL) {
                const uint8_t *v = p + sizeof(pat) - 1;
                if (v < end && *v >= '0' && *v <= '9' && (p == base || p[-1] == 0)) {
                    size_t n = 0;
                    while (p + n < end && n < 512 && p[n] != 0 && p[n] != '\n') n++;
                    if (!best || (!banner_has_build(best, best_len) && banner_has_build(p, n))) {
                        best = p;
                        best_len = n;
                        best_addr = s->addr + (uint64_t)(p - base);
                    }
                }
                p++;
            }
        }
    }
    if (!best || !(k->banner = malloc(best_len + 1))) return;
    for (size_t j = 0; j < best_len; j++)
        k->banner[j] = (best[j] >= 0x20 && best[j] < 0x7f) ? (char)best[j] : '?';
    k->banner[best_len] = 0;
    k->banner_addr = best_addr;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The x86 relocation table appended to the ELF in a bzImage payload (arch/x86/tools/relocs):
 *   x86-64: 0, 64-bit relocs..., 0, inverse 32-bit relocs..., 0, 32-bit relocs...
 *   i386:   0, 32-bit relocs...
 * read backwards from the end; each entry is the field's address truncated to 32 bits. */
static void parse_relocs(struct qt_kimage *k)
{
    if ((k->machine != EM_X86_64 && k->machine != EM_386) || k->data_size <= k->elf_size) return;
    int nlists = k->machine == EM_386 ? 1 : 3;
    size_t start = (k->elf_size + 3) & ~(size_t)3;
    if (start >= k->data_size || (k->data_size - start) % 4) return;
    size_t cnt = (k->data_size - start) / 4;
    const uint8_t *base = k->elf + start;
    size_t i = cnt, lists[3][2];          /* [32, inv32, 64] x [first, count] */
    for (int l = 0; l < nlists; l++) {
        size_t hi = i;
        while (i > 0 && qt_rd32(base + (i - 1) * 4) != 0) i--;
        if (i == 0) return;                 /* no separator: not a relocation table */
        lists[l][0] = i;
        lists[l][1] = hi - i;
        i--;                                /* the separator */
    }
    if (i != 0) return;                     /* the table must start right after the ELF */
    uint64_t **dst[3] = { &k->reloc32, &k->reloc32inv, &k->reloc64 };
    size_t *dn[3] = { &k->nreloc32, &k->nreloc32inv, &k->nreloc64 };
    for (int l = 0; l < nlists; l++) {
        size_t n = lists[l][1];
        if (!n) continue;
        uint64_t *a = malloc(n * sizeof(*a));
        if (!a) goto bad;
        for (size_t j = 0; j < n; j++) {
            int32_t v = (int32_t)qt_rd32(base + (lists[l][0] + j) * 4);
            a[j] = nlists == 1 ? (uint64_t)(uint32_t)v : (uint64_t)(int64_t)v;
            if (a[j] < k->map_base) { free(a); goto bad; }
        }
        qsort(a, n, sizeof(*a), cmp_u64);
        *dst[l] = a;
        *dn[l] = n;
    }
    return;
bad:
    for (int l = 0; l < 3; l++) { free(*dst[l]); *dst[l] = NULL; *dn[l] = 0; }
}

/* ---- loading -------------------------------------------------------------------------- */

static int load_bzimage(struct qt_kimage *k, const uint8_t *f, size_t fsize, char *err, size_t errlen)
{
    if (fsize < 0x250)
        return qt_fail(err, errlen, -EINVAL, "%s: truncated bzImage (%zu bytes, setup header incomplete)", k->path, fsize);
    k->bzimage = true;
    k->boot_protocol = qt_rd16(f + 0x206);
    if (k->boot_protocol < 0x0208)
        return qt_fail(err, errlen, -EOPNOTSUPP, "%s: boot protocol %u.%02u is too old (2.08+ has the payload fields)",
                     k->path, k->boot_protocol >> 8, k->boot_protocol & 0xff);
    uint16_t kv = qt_rd16(f + 0x20e);
    if (kv && 0x200u + kv < fsize) {
        size_t o = 0x200u + kv, n = 0;
        while (o + n < fsize && n < sizeof(k->setup_version) - 1 && f[o + n] >= 0x20 && f[o + n] < 0x7f) n++;
        memcpy(k->setup_version, f + o, n);
        k->setup_version[n] = 0;
    }
    if (k->boot_protocol >= 0x0205) k->kernel_alignment = qt_rd32(f + 0x230);
    unsigned setup_sects = f[0x1f1] ? f[0x1f1] : 4;
    uint64_t poff = (uint64_t)(setup_sects + 1) * 512 + qt_rd32(f + 0x248), plen = qt_rd32(f + 0x24c);
    if (plen < 8)
        return qt_fail(err, errlen, -EINVAL, "%s: bzImage payload length %llu is too small", k->path, (unsigned long long)plen);
    if (!in_bounds(poff, plen, fsize))
        return qt_fail(err, errlen, -EINVAL, "%s: truncated bzImage: payload at offset %llu, %llu bytes, extends past the end of the file (%zu bytes)",
                     k->path, (unsigned long long)poff, (unsigned long long)plen, fsize);
    const uint8_t *p = f + poff;
    k->payload_size = plen;
    k->comp = detect_comp(p, plen);
    uint64_t hint = qt_rd32(p + plen - 4);         /* the build appends the decompressed size */
    struct obuf o;
    const char *why = "error";
    int rc;
    switch (k->comp) {
    case QT_KCOMP_NONE:
        k->elf = p;
        k->data_size = plen;
        return 0;
    case QT_KCOMP_XZ:
    case QT_KCOMP_GZIP:
    case QT_KCOMP_ZSTD:
        if ((rc = obuf_init(&o, hint, plen)) < 0) return rc;
        rc = k->comp == QT_KCOMP_XZ ? decomp_xz(p, plen, &o, &why)
           : k->comp == QT_KCOMP_GZIP ? decomp_gzip(p, plen, &o, &why) : decomp_zstd(p, plen, &o, &why);
        if (rc < 0) {
            free(o.p);
            if (rc == -EFBIG)
                return qt_fail(err, errlen, rc, "%s: %s payload decompresses to more than %llu MiB", k->path,
                             qt_kcomp_name(k->comp), QT_KIMAGE_MAX_PAYLOAD >> 20);
            if (rc == -EINVAL)
                return qt_fail(err, errlen, rc, "%s: %s payload cannot be decompressed (%s, after %zu bytes of output)",
                             k->path, qt_kcomp_name(k->comp), why, o.len);
            return qt_fail(err, errlen, rc, "%s: out of memory decompressing the %s payload", k->path, qt_kcomp_name(k->comp));
        }
        k->buf_ = o.p;
        k->elf = o.p;
        k->data_size = o.len;
        return 0;
    case QT_KCOMP_UNKNOWN:
        return qt_fail(err, errlen, -EOPNOTSUPP, "%s: bzImage payload has an unknown format (first bytes %02x %02x %02x %02x)",
                     k->path, p[0], p[1], p[2], p[3]);
    default:
        return qt_fail(err, errlen, -EOPNOTSUPP, "%s: bzImage payload is %s-compressed, which qtrace does not support "
                     "(supported: xz, gzip, zstd); decompress it to a vmlinux (scripts/extract-vmlinux) and pass that",
                     k->path, qt_kcomp_name(k->comp));
    }
}

int qt_kimage_load(struct qt_kimage *k, const char *path, char *err, size_t errlen)
{
    memset(k, 0, sizeof(*k));
    if (err && errlen) err[0] = 0;
    k->path = strdup(path);
    if (!k->path) return -ENOMEM;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        qt_fail(err, errlen, -e, "%s: %s", path, strerror(e));
        qt_kimage_free(k);
        return -e;
    }
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) < 0) {
        rc = -errno;
        qt_fail(err, errlen, rc, "%s: %s", path, strerror(-rc));
    } else if (!S_ISREG(st.st_mode)) {
        rc = qt_fail(err, errlen, -EINVAL, "%s is not a regular file", path);
    } else if (st.st_size == 0) {
        rc = qt_fail(err, errlen, -ENOEXEC, "%s is not a Linux kernel image (the file is empty)", path);
    } else {
        k->file_size = (uint64_t)st.st_size;
        k->map_len_ = (size_t)st.st_size;
        k->map_ = mmap(NULL, k->map_len_, PROT_READ, MAP_PRIVATE, fd, 0);
        if (k->map_ == MAP_FAILED) {
            k->map_ = NULL;
            rc = -errno;
            qt_fail(err, errlen, rc, "%s: cannot map the file: %s", path, strerror(-rc));
        }
    }
    close(fd);
    if (rc < 0) goto out;

    const uint8_t *f = k->map_;
    size_t fsize = k->map_len_;
    if (fsize >= 0x206 && memcmp(f + 0x202, "HdrS", 4) == 0) {
        if ((rc = load_bzimage(k, f, fsize, err, errlen)) < 0) goto out;
        if ((rc = parse_elf(k, "the decompressed payload", err, errlen)) < 0) goto out;
        if (k->buf_) {                      /* the file itself is not needed any more */
            munmap(k->map_, k->map_len_);
            k->map_ = NULL;
        }
    } else if (fsize >= SELFMAG && memcmp(f, ELFMAG, SELFMAG) == 0) {
        k->elf = f;
        k->data_size = fsize;
        if ((rc = parse_elf(k, "the ELF file", err, errlen)) < 0) goto out;
    } else {
        rc = qt_fail(err, errlen, -ENOEXEC, "%s is not a Linux kernel image (no bzImage header and not an ELF)", path);
        goto out;
    }
    find_banner(k);
    if (k->bzimage) parse_relocs(k);
    return 0;
out:
    qt_kimage_free(k);
    return rc;
}

void qt_kimage_free(struct qt_kimage *k)
{
    if (!k) return;
    free(k->path);
    free(k->sec);
    free(k->seg);
    free(k->banner);
    free(k->reloc32);
    free(k->reloc32inv);
    free(k->reloc64);
    free(k->buf_);
    if (k->map_) munmap(k->map_, k->map_len_);
    memset(k, 0, sizeof(*k));
}

const struct qt_ksection *qt_kimage_section(const struct qt_kimage *k, const char *name)
{
    for (size_t i = 0; i < k->nsec; i++)
        if (strcmp(k->sec[i].name, name) == 0) return &k->sec[i];
    return NULL;
}

const uint8_t *qt_kimage_section_data(const struct qt_kimage *k, const struct qt_ksection *s)
{
    if (!s || s->nobits || !s->size) return NULL;
    return k->elf + s->offset;              /* bounds checked at load */
}

const struct qt_ksection *qt_kimage_section_at(const struct qt_kimage *k, uint64_t addr)
{
    for (size_t i = 0; i < k->nsec; i++) {
        const struct qt_ksection *s = &k->sec[i];
        if ((s->flags & SHF_ALLOC) && s->size && addr >= s->addr && addr - s->addr < s->size) return s;
    }
    return NULL;
}

const uint8_t *qt_kimage_ptr(const struct qt_kimage *k, uint64_t vaddr, size_t len)
{
    for (size_t i = 0; i < k->nseg; i++) {
        const struct qt_kseg *s = &k->seg[i];
        if (vaddr >= s->vaddr && in_bounds(vaddr - s->vaddr, len, s->filesz))
            return k->elf + s->offset + (vaddr - s->vaddr);
    }
    return NULL;
}

bool qt_kimage_read(const struct qt_kimage *k, uint64_t vaddr, void *buf, size_t len)
{
    const uint8_t *p = qt_kimage_ptr(k, vaddr, len);
    if (!p) return false;
    memcpy(buf, p, len);
    return true;
}

/* ---- KASLR ---------------------------------------------------------------------------- */

/* First index of a sorted array with a[i] >= x. */
static size_t lower_bound(const uint64_t *a, size_t n, uint64_t x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a[mid] < x) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* Apply the relocations of fields overlapping [a, a+n) for slide s to exp (a copy of the
 * image bytes at a). */
static void apply_relocs(const struct qt_kimage *k, uint64_t a, size_t n, uint64_t s, uint8_t *exp)
{
    const uint64_t *lists[3] = { k->reloc32, k->reloc32inv, k->reloc64 };
    const size_t counts[3] = { k->nreloc32, k->nreloc32inv, k->nreloc64 };
    for (int l = 0; l < 3; l++) {
        unsigned w = l == 2 ? 8 : 4;
        uint64_t from = a >= w - 1 ? a - (w - 1) : 0;
        for (size_t i = lower_bound(lists[l], counts[l], from); i < counts[l] && lists[l][i] < a + n; i++) {
            uint64_t r = lists[l][i];
            uint8_t f[8];
            if (!qt_kimage_read(k, r, f, w)) continue;
            if (w == 8) {
                uint64_t v;
                memcpy(&v, f, 8);
                v += s;
                memcpy(f, &v, 8);
            } else {
                uint32_t v;
                memcpy(&v, f, 4);
                v = l == 0 ? v + (uint32_t)s : v - (uint32_t)s;
                memcpy(f, &v, 4);
            }
            for (unsigned j = 0; j < w; j++)
                if (r + j >= a && r + j < a + n) exp[r + j - a] = f[j];
        }
    }
}

int kaslr_slide_from_bytes(const struct qt_kimage *img, uint64_t vaddr, const uint8_t *bytes,
                           size_t n, uint64_t *slide)
{
    if (!img || !bytes || !slide || n == 0 || n > (1u << 20)) return -EINVAL;
    if (vaddr < img->map_base || vaddr + n < vaddr) return -EINVAL;
    uint8_t stackbuf[512], *exp = n <= sizeof(stackbuf) ? stackbuf : malloc(n);
    if (!exp) return -ENOMEM;
    size_t matches = 0;
    uint64_t found = 0;
    uint64_t align = img->kaslr_align ? img->kaslr_align : QT_KASLR_ALIGN;
    for (uint64_t s = 0; s < img->kaslr_range; s += align) {
        if (vaddr - s < img->map_base) break;
        uint64_t a = vaddr - s;
        const uint8_t *p = qt_kimage_ptr(img, a, n);
        if (!p) continue;
        memcpy(exp, p, n);
        apply_relocs(img, a, n, s, exp);
        if (memcmp(exp, bytes, n) == 0) {
            if (matches++ == 0) found = s;
        }
    }
    if (exp != stackbuf) free(exp);
    if (matches == 0) return -ENOENT;
    if (matches > 1) return -ENOTUNIQ;
    *slide = found;
    return 0;
}
