/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz harness: the argument decoders (common/argtype.c: strings, argv...; common/kargtype.c:
 * task, cred, inode, dentry, file, path, socket, sock, module, exit) reading guest memory the
 * input controls, through a fake reader (common/mem.h), then their formatters.
 * Input: byte 0 picks the type, byte 1 its width, byte 2 chooses the structure offsets (bit 0:
 * from the input, else a fixed plausible layout); then 2 bytes of value (an offset into the
 * memory); with bit 0, two bytes per offset; the rest is guest memory at MEM_BASE. Reads
 * outside it fail, as an unmapped page does.
 */
#include "argtype.h"
#include "fuzz.h"
#include "kargtype.h"

#define MEM_BASE 0xffff888000100000ull

struct fakemem {
    const uint8_t *p;
    size_t n;
};

static bool fake_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
    const struct fakemem *m = ctx;
    if (addr < MEM_BASE || addr - MEM_BASE > m->n || len > m->n - (addr - MEM_BASE))
        return false;
    memcpy(buf, m->p + (addr - MEM_BASE), len);
    return true;
}

/* Every offset at 8 * its index in the table (below 1 KiB), so that random memory holds them. */
static void fixed_layout(struct qt_koffsets *ko)
{
    uint32_t *f = (uint32_t *)ko;
    for (size_t i = 0; i < sizeof(*ko) / sizeof(uint32_t); i++)
        f[i] = (uint32_t)(8 * i) & 0x3ff;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t ntypes = 0;
    while (qt_argtype_at(ntypes))
        ntypes++;
    const struct qt_argtype *t = qt_argtype_at(fuzz_byte(&data, &size) % ntypes);
    uint8_t bits = fuzz_byte(&data, &size);
    uint8_t how = fuzz_byte(&data, &size);
    uint16_t off = (uint16_t)(fuzz_byte(&data, &size) | fuzz_byte(&data, &size) << 8);
    struct qt_koffsets ko;
    if (how & 1) {
        uint32_t *f = (uint32_t *)&ko;
        for (size_t i = 0; i < sizeof(ko) / sizeof(uint32_t); i++) {
            uint16_t v = (uint16_t)(fuzz_byte(&data, &size) | fuzz_byte(&data, &size) << 8);
            f[i] = v == 0xffff ? QT_KOFF_NONE : v;
        }
    } else {
        fixed_layout(&ko);
    }
    qt_argtype_set_koffsets(&ko);
    struct fakemem fm = { data, size };
    struct qt_mem mem = { fake_read, &fm };
    struct qt_arg a;
    memset(&a, 0, sizeof(a));
    a.pos = 1;
    a.type = t->id;
    a.bits = t->bits ? t->bits : bits;
    a.value = how & 2 ? off : MEM_BASE + off; /* bit 1: a small (unmapped or scalar) value */
    uint8_t out[QT_STR_MAX];
    qt_arg_decode(&mem, &a, out, sizeof(out));
    if (a.len > sizeof(out))
        abort(); /* a decoder wrote past its cap */
    struct qt_sb sb;
    qt_sb_init(&sb);
    qt_arg_format(&a, out, &sb);
    qt_sb_free(&sb);
    qt_argtype_set_koffsets(NULL);
    return 0;
}
