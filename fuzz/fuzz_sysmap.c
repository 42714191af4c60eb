/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz harness: System.map and /proc/kallsyms text (--kernel-symbols, common/kallsyms.c), and
 * the lookups made on the table it gives. */
#include "fuzz.h"
#include "kallsyms.h"
#include "kimage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_tmpfile(data, size);
    if (!path)
        return 0;
    struct qt_ksyms ks;
    char err[1024];
    if (qt_ksyms_load_file(&ks, path, err, sizeof(err)) == 0) {
        for (size_t i = 0; i < ks.n && i < 64; i++) {
            if (!qt_ksyms_find(&ks, ks.syms[i].name) || !qt_ksyms_lookup(&ks, ks.syms[i].addr))
                abort(); /* every symbol is found by its name and its address */
            qt_ksym_runtime_addr(&ks.syms[i], QT_KASLR_ALIGN);
        }
        const struct qt_ksym *all[4];
        qt_ksyms_find_all(&ks, "_text", all, 4);
        qt_ksyms_lookup(&ks, 0xffffffff81000000ull);
        qt_ksyms_unslide(&ks, 0xffffffff81000000ull);
        qt_ksyms_lookup(&ks, 0xffffffff81000000ull);
    }
    qt_ksyms_free(&ks);
    return 0;
}
