/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz harness: the search and decoding of the kallsyms tables in a kernel image's data
 * (common/kallsyms.c: token table, token index, markers, names, offsets or addresses). The
 * input is one section of an image, without the ELF around it: byte 0 says which kernel
 * (bit 0: i386, else x86-64), the rest is .rodata at its usual address, next to a .text and a
 * per-cpu section without bytes (symbols are typed by where they point).
 */
#include <elf.h>

#include "fuzz.h"
#include "kallsyms.h"
#include "kimage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bool b32 = fuzz_byte(&data, &size) & 1;
    /* the section's bytes at an 8-aligned address, as they are in a mapped image */
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    if (size)
        memcpy(copy, data, size);
    struct qt_ksection sec[4] = {
        { .name = "", .type = SHT_NULL },
        { .name = ".text", .addr = b32 ? 0xc1000000ull : 0xffffffff81000000ull, .size = 0x1000000,
          .flags = SHF_ALLOC | SHF_EXECINSTR, .type = SHT_NOBITS, .nobits = true },
        { .name = ".rodata", .addr = b32 ? 0xc2000000ull : 0xffffffff82000000ull, .size = size, .offset = 0,
          .flags = SHF_ALLOC, .type = SHT_PROGBITS },
        { .name = ".data..percpu", .addr = 0, .size = b32 ? 0 : 0x30000, .flags = SHF_ALLOC | SHF_WRITE,
          .type = SHT_NOBITS, .nobits = true },
    };
    struct qt_kimage k;
    memset(&k, 0, sizeof(k));
    k.path = (char *)"fuzz.vmlinux";
    k.elf = copy;
    k.elf_size = k.data_size = size;
    k.bits = b32 ? 32 : 64;
    k.machine = b32 ? EM_386 : EM_X86_64;
    k.map_base = b32 ? QT_KERNEL_MAP_BASE32 : QT_KERNEL_MAP_BASE;
    k.kaslr_align = QT_KASLR_ALIGN;
    k.kaslr_range = b32 ? QT_KASLR_RANGE32 : QT_KASLR_RANGE;
    k.text_addr = sec[1].addr;
    k.sec = sec;
    k.nsec = 4;
    struct qt_ksyms ks;
    char err[1024];
    if (qt_ksyms_from_kallsyms(&ks, &k, err, sizeof(err)) == 0) {
        for (size_t i = 0; i < ks.n && i < 64; i++)
            if (!qt_ksyms_find(&ks, ks.syms[i].name))
                abort(); /* every symbol is found by its name */
        qt_ksyms_lookup(&ks, k.text_addr + 0x1000);
    }
    qt_ksyms_free(&ks);
    free(copy);
    return 0;
}
