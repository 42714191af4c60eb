/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <elf.h>
#include <stdio.h>
#include <string.h>

#include "elfid.h"

/* A little-endian integer of n bytes at p. */
static uint64_t le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* The notes of one PT_NOTE segment at image[off..off+len) (file address vaddr): its GNU build-id. */
static void scan_notes(const uint8_t *image, size_t size, uint64_t off, uint64_t len, uint64_t vaddr, struct qt_elfid *id)
{
    if (off > size || len > size - off)
        return;
    uint64_t p = 0;
    while (p + 12 <= len) {
        const uint8_t *n = image + off + p;
        uint64_t namesz = le(n, 4), descsz = le(n + 4, 4), type = le(n + 8, 4);
        uint64_t name_end = 12 + ((namesz + 3) & ~(uint64_t)3);
        uint64_t desc_end = name_end + ((descsz + 3) & ~(uint64_t)3);
        if (namesz > len || descsz > len || p + desc_end > len)
            return;
        if (type == NT_GNU_BUILD_ID && namesz == 4 && memcmp(n + 12, "GNU", 4) == 0 && descsz > 0 &&
            descsz <= QT_BUILD_ID_MAX) {
            memcpy(id->build_id, n + name_end, descsz);
            id->build_id_len = (uint32_t)descsz;
            id->build_id_vaddr = vaddr + p + name_end;
            return;
        }
        p += desc_end;
    }
}

bool qt_elfid_read(const uint8_t *image, size_t size, struct qt_elfid *id)
{
    memset(id, 0, sizeof(*id));
    if (size < EI_NIDENT || memcmp(image, ELFMAG, SELFMAG) != 0 || image[EI_DATA] != ELFDATA2LSB)
        return false;
    bool is64 = image[EI_CLASS] == ELFCLASS64;
    if (!is64 && image[EI_CLASS] != ELFCLASS32)
        return false;
    size_t ehsize = is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
    if (size < ehsize)
        return false;
    uint64_t phoff = is64 ? le(image + 32, 8) : le(image + 28, 4);
    uint64_t phentsize = le(image + (is64 ? 54 : 42), 2), phnum = le(image + (is64 ? 56 : 44), 2);
    id->dyn = le(image + 16, 2) == ET_DYN;
    uint64_t want = is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
    if (phentsize < want || phoff > size || phnum > (size - phoff) / phentsize)
        return phnum == 0;
    bool load_seen = false;
    for (uint64_t i = 0; i < phnum; i++) {
        const uint8_t *ph = image + phoff + i * phentsize;
        uint64_t type = le(ph, 4);
        uint64_t off = is64 ? le(ph + 8, 8) : le(ph + 4, 4);
        uint64_t vaddr = is64 ? le(ph + 16, 8) : le(ph + 8, 4);
        uint64_t filesz = is64 ? le(ph + 32, 8) : le(ph + 16, 4);
        if (type == PT_LOAD && !load_seen) {
            load_seen = true;
            id->load_vaddr = vaddr - off;
        }
        if (type == PT_INTERP)
            id->program = true;
        else if (type == PT_NOTE && id->build_id_len == 0)
            scan_notes(image, size, off, filesz, vaddr, id);
    }
    return true;
}

void qt_elfid_hex(const uint8_t *id, size_t len, char *buf, size_t cap)
{
    size_t o = 0;
    if (cap == 0)
        return;
    buf[0] = '\0';
    for (size_t i = 0; i < len && o + 3 <= cap; i++)
        o += (size_t)snprintf(buf + o, cap - o, "%02x", id[i]);
}
