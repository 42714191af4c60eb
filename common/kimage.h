/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A Linux kernel image: a bzImage (x86 boot protocol, payload compressed with xz, gzip or zstd)
 * or an already-decompressed vmlinux ELF. Gives the decompressed ELF's sections and segments,
 * its bytes by kernel virtual address (link-time, unrandomized), the "Linux version" banner,
 * and for a bzImage the relocation table the boot decompressor applies for KASLR.
 *
 * The image is untrusted input: every offset is bounded; a malformed file gives a negative
 * errno and a one-line message naming the file and what is wrong. Nothing here prints.
 * See docs/kernel.md.
 */
#ifndef QTRACE_KIMAGE_H
#define QTRACE_KIMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* x86-64: the kernel image mapping (__START_KERNEL_map) and KASLR's virtual slide. */
#define QT_KERNEL_MAP_BASE 0xffffffff80000000ull
#define QT_KASLR_ALIGN     0x200000ull          /* CONFIG_PHYSICAL_ALIGN, 2 MiB */
#define QT_KASLR_RANGE     0x40000000ull        /* KERNEL_IMAGE_SIZE, 1 GiB */
/* i386: the lowest kernel address (PAGE_OFFSET with VMSPLIT_3G; the image's segments say) and
 * KERNEL_IMAGE_SIZE, the bound of the KASLR slide (512 MiB). */
#define QT_KERNEL_MAP_BASE32 0xc0000000ull
#define QT_KASLR_RANGE32     0x20000000ull
/* The lowest PAGE_OFFSET an i386 kernel can have (VMSPLIT_1G); x86-64 per-cpu offsets stay far below. */
#define QT_KERNEL_LOW32      0x40000000ull
/* Largest decompressed payload accepted (a stripped vmlinux is ~60 MiB). */
#define QT_KIMAGE_MAX_PAYLOAD (1ull << 30)

enum qt_kcomp {
    QT_KCOMP_NONE = 0,      /* a vmlinux ELF given directly, or an uncompressed bzImage payload */
    QT_KCOMP_GZIP,
    QT_KCOMP_XZ,
    QT_KCOMP_ZSTD,
    QT_KCOMP_LZ4,           /* recognised, not supported */
    QT_KCOMP_LZMA,          /* recognised, not supported */
    QT_KCOMP_BZIP2,         /* recognised, not supported */
    QT_KCOMP_LZO,           /* recognised, not supported */
    QT_KCOMP_UNKNOWN,
};
/* "none", "gzip", "xz", "zstd", "lz4", "lzma", "bzip2", "lzo", "unknown" */
const char *qt_kcomp_name(enum qt_kcomp c);

struct qt_ksection {
    const char *name;       /* points into the image's .shstrtab; "" if it has no valid name */
    uint64_t addr;          /* link-time virtual address */
    uint64_t size;
    uint64_t offset;        /* in qt_kimage.elf; [offset, offset+size) is in bounds unless nobits */
    uint64_t flags;         /* SHF_* */
    uint64_t entsize;       /* sh_entsize */
    uint32_t type;          /* SHT_* */
    uint32_t link;          /* sh_link */
    bool nobits;            /* SHT_NOBITS (.bss): no bytes in the file */
};

struct qt_kseg {            /* a PT_LOAD segment */
    uint64_t vaddr, paddr, memsz, filesz, offset;
    uint32_t flags;         /* PF_R | PF_W | PF_X */
};

/* Sections are stored in ELF order: sec[i] is ELF section i (st_shndx indexes it). */
struct qt_kimage {
    char *path;
    bool bzimage;           /* the file was a bzImage (else a vmlinux ELF) */
    enum qt_kcomp comp;     /* payload compression (QT_KCOMP_NONE for an ELF file) */
    uint16_t boot_protocol; /* bzImage setup header version, e.g. 0x020f; 0 for an ELF */
    char setup_version[128];/* bzImage: the setup header's kernel_version string, else "" */
    uint64_t file_size;
    uint64_t payload_size;  /* bzImage: compressed payload bytes */

    const uint8_t *elf;     /* the vmlinux ELF (decompressed payload) */
    size_t elf_size;        /* bytes of ELF proper (up to the last header/section/segment) */
    size_t data_size;       /* bytes available at elf (ELF plus, for a bzImage, relocations) */
    uint16_t machine;       /* e_machine (EM_X86_64 = 62, EM_386 = 3) */
    uint8_t bits;           /* 64 (ELFCLASS64) or 32 (ELFCLASS32: an i386 kernel) */
    uint32_t kernel_alignment; /* bzImage setup header (CONFIG_PHYSICAL_ALIGN), 0 if none */
    /* The kernel image mapping and KASLR: link-time addresses at or above map_base are moved by
     * the slide, a multiple of kaslr_align below kaslr_range. x86-64: QT_KERNEL_MAP_BASE, 2 MiB,
     * 1 GiB; i386: PAGE_OFFSET, CONFIG_PHYSICAL_ALIGN, 512 MiB. */
    uint64_t map_base, kaslr_align, kaslr_range;
    uint64_t entry;         /* e_entry (a physical address for x86 vmlinux) */
    uint64_t text_addr;     /* link-time address of .text (0xffffffff81000000 on x86-64) */

    struct qt_ksection *sec;
    size_t nsec;
    struct qt_kseg *seg;
    size_t nseg;

    char *banner;           /* "Linux version 6.1.0-... #1 SMP ..." (no newline), or NULL */
    uint64_t banner_addr;   /* its link-time address (linux_banner), 0 if not found */

    /* bzImage only: the relocations the decompressor applies for a KASLR slide S, as the
     * link-time addresses of the fields: 32-bit fields get +S, "inverse" 32-bit fields -S,
     * 64-bit fields +S. Sorted. Empty for a vmlinux ELF. */
    uint64_t *reloc32, *reloc32inv, *reloc64;
    size_t nreloc32, nreloc32inv, nreloc64;

    /* private */
    void *map_;
    size_t map_len_;
    uint8_t *buf_;
};

/* Load a bzImage or a vmlinux ELF. Returns 0, or a negative errno with a one-line message
 * in err that names the file: -ENOEXEC not a kernel image (no bzImage header and not an
 * ELF), -EOPNOTSUPP unsupported compression or ELF class, -EINVAL malformed or truncated,
 * -EFBIG payload larger than QT_KIMAGE_MAX_PAYLOAD, -ENOMEM, or open/read errors.
 * On error *k is left empty (qt_kimage_free is still safe to call). */
int qt_kimage_load(struct qt_kimage *k, const char *path, char *err, size_t errlen);
void qt_kimage_free(struct qt_kimage *k);

/* Section by exact name (the first one), or NULL. */
const struct qt_ksection *qt_kimage_section(const struct qt_kimage *k, const char *name);
/* The section's bytes, or NULL for a NOBITS or empty section. */
const uint8_t *qt_kimage_section_data(const struct qt_kimage *k, const struct qt_ksection *s);
/* The section containing link-time address addr (SHF_ALLOC sections only), or NULL. */
const struct qt_ksection *qt_kimage_section_at(const struct qt_kimage *k, uint64_t addr);

/* Pointer to the len file bytes at link-time virtual address vaddr, or NULL unless all of
 * [vaddr, vaddr+len) lies in one segment's file part. (The x86-64 per-cpu segment is
 * linked at 0, so small addresses give the per-cpu area's initial contents.) */
const uint8_t *qt_kimage_ptr(const struct qt_kimage *k, uint64_t vaddr, size_t len);
/* Copy len bytes at vaddr; false if not entirely in a segment's file part. */
bool qt_kimage_read(const struct qt_kimage *k, uint64_t vaddr, void *buf, size_t len);

/* KASLR (x86-64 and i386). Given the n instruction bytes seen at run-time kernel address vaddr,
 * find the slide S (a multiple of img->kaslr_align, 0 <= S < img->kaslr_range) such that the image's
 * bytes at vaddr - S equal them. For a bzImage, bytes covered by a relocation are compared
 * after applying S to them, as the boot decompressor does. Returns 0 and sets *slide on a
 * unique match; -ENOENT if no slide matches (bytes patched at run time: alternatives, static
 * keys, ftrace; or not this kernel); -ENOTUNIQ if several do (give a longer block);
 * -EINVAL for bad arguments or an address outside the kernel image mapping. */
int kaslr_slide_from_bytes(const struct qt_kimage *img, uint64_t vaddr, const uint8_t *bytes,
                           size_t n, uint64_t *slide);

#endif
