/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz harness: layout files (--layout, "task_struct.pid = 0x998", common/klayout.c). */
#include "fuzz.h"
#include "klayout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_tmpfile(data, size);
    if (!path)
        return 0;
    struct qt_klayout L;
    qt_klayout_init(&L);
    char err[1024];
    if (qt_klayout_load_file(&L, path, err, sizeof(err)) == 0) {
        for (size_t i = 0; i < qt_kfield_count; i++)
            if (qt_klayout_get(&L, qt_kfield_descs[i].name) != qt_klayout_at(&L, i))
                abort();
        qt_klayout_nfound(&L);
    }
    return 0;
}
