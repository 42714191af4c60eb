/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz harness: configs/reg_map.txt of qtrace compat (common/qtcompat.c), and the comparison of
 * what it parsed with the x86 calling conventions. */
#include "fuzz.h"
#include "qtcompat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const regs64[] = { "rdi", "rsi", "rdx", "rcx", "r8", "r9" };
    struct qt_regmap m;
    char err[512];
    if (qt_regmap_parse(&m, (const char *)data, size, "reg_map.txt", err, sizeof(err)) == 0) {
        char msgs[8][256];
        for (int bits = 32; bits <= 64; bits += 32) {
            qt_regmap_of(&m, bits);
            qt_regmap_nargs(&m, bits);
            qt_regmap_compare(&m, bits, "reg_map.txt", regs64, 6, "rax", "the x86-64 System V ABI", msgs, 8);
        }
    } else if (memchr(err, '\n', strnlen(err, sizeof(err)))) {
        abort();
    }
    return 0;
}
