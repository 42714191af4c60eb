/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz harness: a kernel's BTF (the .BTF section of an image, common/klayout.c through libbpf):
 * every structure field qtrace reads is resolved from it. */
#include "fuzz.h"
#include "klayout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct qt_klayout L;
    qt_klayout_init(&L);
    char err[1024];
    /* libbpf reads the header's fields in place: give it aligned memory, as an ELF section is */
    void *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    if (size)
        memcpy(copy, data, size);
    if (qt_klayout_from_btf(&L, copy, size, "fuzz.BTF", err, sizeof(err)) == 0)
        qt_klayout_nfound(&L);
    free(copy);
    return 0;
}
