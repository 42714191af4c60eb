/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz harness: a program's ELF (common/symtab.c: .symtab, .dynsym, PLT stubs, segments, DWARF
 * parameter names and types through elfutils), and the lookups made on what it gives. */
#include "fuzz.h"
#include "symtab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_tmpfile(data, size);
    if (!path)
        return 0;
    struct qt_symtab st;
    char err[1024];
    if (qt_symtab_load(&st, path, 0x1000, err, sizeof(err)) == 0) {
        for (size_t i = 0; i < st.n && i < 64; i++) {
            if (!qt_symtab_find(&st, st.syms[i].name))
                abort(); /* every symbol is found by its name */
            qt_symtab_lookup(&st, st.syms[i].addr);
        }
        uint8_t buf[16];
        qt_symtab_read(&st, st.entry, buf, sizeof(buf));
    }
    qt_symtab_free(&st);
    return 0;
}
