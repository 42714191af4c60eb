/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz harness: configs.txt of qtrace compat (common/qtcompat.c), and the lookups on what it parsed. */
#include "fuzz.h"
#include "qtcompat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct qt_compat_cfg c;
    char err[512];
    if (qt_compat_parse(&c, (const char *)data, size, "configs.txt", err, sizeof(err)) == 0) {
        for (size_t i = 0; i < c.nfuncs; i++)
            if (qt_compat_func_at(&c, c.funcs[i].addr) == NULL)
                abort();
        qt_compat_in(&c.kernel, 0xffffffff81000000ull);
        qt_compat_in(&c.user, 0x401000);
        qt_compat_mode_name(c.mode);
    } else if (memchr(err, '\n', strnlen(err, sizeof(err)))) {
        abort(); /* messages are one line */
    }
    qt_compat_free(&c);
    return 0;
}
