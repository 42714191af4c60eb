/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz harness: kernel images (common/kimage.c: bzImage header, compressed payload, vmlinux ELF
 * sections and segments, relocations), then everything qtrace reads from one: its symbols
 * (common/kallsyms.c: kallsyms tables, .symtab, __ksymtab), its BTF (common/klayout.c) and the
 * KASLR slide search.
 */
#include "fuzz.h"
#include "kallsyms.h"
#include "kimage.h"
#include "klayout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_tmpfile(data, size);
    if (!path)
        return 0;
    struct qt_kimage k;
    char err[1024];
    if (qt_kimage_load(&k, path, err, sizeof(err)) != 0) {
        qt_kimage_free(&k);
        return 0;
    }
    struct qt_ksyms ks;
    if (qt_ksyms_from_kallsyms(&ks, &k, err, sizeof(err)) == 0)
        qt_ksyms_find(&ks, "_text");
    qt_ksyms_free(&ks);
    if (qt_ksyms_from_symtab(&ks, &k, err, sizeof(err)) == 0)
        qt_ksyms_lookup(&ks, k.text_addr);
    qt_ksyms_free(&ks);
    if (qt_ksyms_from_ksymtab(&ks, &k, err, sizeof(err)) == 0)
        qt_ksyms_lookup(&ks, k.text_addr);
    qt_ksyms_free(&ks);
    struct qt_klayout L;
    qt_klayout_init(&L);
    qt_klayout_from_kimage(&L, &k, err, sizeof(err));
    /* the slide of the image's own first text bytes, seen at a slid address */
    uint8_t bytes[32];
    if (qt_kimage_read(&k, k.text_addr, bytes, sizeof(bytes))) {
        uint64_t slide;
        kaslr_slide_from_bytes(&k, k.text_addr + k.kaslr_align, bytes, sizeof(bytes), &slide);
    }
    for (size_t i = 0; i < k.nsec; i++) {
        qt_kimage_section_data(&k, &k.sec[i]);
        qt_kimage_section_at(&k, k.sec[i].addr);
    }
    qt_kimage_free(&k);
    return 0;
}
