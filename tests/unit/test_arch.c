/* Per-architecture tables: instruction classification from bytes, calling conventions. */
#include <elf.h>
#include <stdlib.h>

#include "arch.h"
#include "tap.h"

static const char *cls_name[] = { "OTHER", "CALL", "CALL_INDIRECT", "RET", "SYSCALL", "SYSRET" };

/* Classify a copy of exactly n bytes in its own heap block, so that ASan catches any read past
 * the end; the caller's buffer is also poisoned after n. */
static struct qt_insn_info classify(const struct qt_arch_desc *a, const uint8_t *bytes, size_t n, uint64_t pc)
{
    struct qt_insn_info ii;
    uint8_t *copy = malloc(n ? n : 1);
    if (n)
        memcpy(copy, bytes, n);
    memset(&ii, 0xa5, sizeof(ii));
    a->classify(n ? copy : NULL, n, pc, &ii);
    free(copy);
    return ii;
}

#define B(...) ((const uint8_t[]){ __VA_ARGS__ }), sizeof((const uint8_t[]){ __VA_ARGS__ })

static void check(const struct qt_arch_desc *a, const char *what, const uint8_t *bytes, size_t n, uint64_t pc,
                  enum qt_insn_class cls, unsigned len)
{
    struct qt_insn_info ii = classify(a, bytes, n, pc);
    if (!ok(ii.cls == cls && (cls == QT_INSN_OTHER || ii.len == len), "%s %s: %s len %u", a->name, what,
            cls_name[cls], len))
        printf("#   got %s len %u\n", ii.cls <= 5 ? cls_name[ii.cls] : "?", ii.len);
}

static void check_call(const struct qt_arch_desc *a, const char *what, const uint8_t *bytes, size_t n, uint64_t pc,
                       uint64_t target, unsigned len)
{
    struct qt_insn_info ii = classify(a, bytes, n, pc);
    if (!ok(ii.cls == QT_INSN_CALL && ii.has_target && ii.target == target && ii.len == len,
            "%s %s: call to 0x%" PRIx64 " len %u", a->name, what, target, len))
        printf("#   got %s has_target %d target 0x%" PRIx64 " len %u\n", ii.cls <= 5 ? cls_name[ii.cls] : "?",
               ii.has_target, ii.target, ii.len);
}

static void check_ret_pop(const struct qt_arch_desc *a, const char *what, const uint8_t *bytes, size_t n,
                          unsigned pop, unsigned len)
{
    struct qt_insn_info ii = classify(a, bytes, n, 0x1000);
    if (!ok(ii.cls == QT_INSN_RET && ii.ret_pop == pop && ii.len == len, "%s %s: ret pops %u, len %u", a->name,
            what, pop, len))
        printf("#   got %s pop %u len %u\n", ii.cls <= 5 ? cls_name[ii.cls] : "?", ii.ret_pop, ii.len);
}

static void test_x86_64(void)
{
    const struct qt_arch_desc *a = qt_arch_by_id(QT_ARCH_X86_64);
    /* direct calls */
    check_call(a, "e8 rel32 forward", B(0xe8, 0x10, 0x00, 0x00, 0x00), 0x401000, 0x401015, 5);
    check_call(a, "e8 rel32 backward", B(0xe8, 0xf0, 0xff, 0xff, 0xff), 0x401000, 0x400ff5, 5);
    check_call(a, "e8 rel32 to itself", B(0xe8, 0xfb, 0xff, 0xff, 0xff), 0x7fff00001000ull, 0x7fff00001000ull, 5);
    check_call(a, "e8 high addresses", B(0xe8, 0x00, 0x00, 0x00, 0x80), 0xffffffff81000000ull,
               0xffffffff81000005ull - 0x80000000ull, 5);
    check_call(a, "66 e8: operand size ignored in 64-bit mode", B(0x66, 0xe8, 0x01, 0x00, 0x00, 0x00), 0x1000, 0x1007, 6);
    check_call(a, "REX.W e8", B(0x48, 0xe8, 0x00, 0x00, 0x00, 0x00), 0x2000, 0x2006, 6);
    /* indirect calls: every ModRM form */
    check(a, "ff d0 call *rax", B(0xff, 0xd0), 0, QT_INSN_CALL_INDIRECT, 2);
    check(a, "41 ff d3 call *r11 (REX)", B(0x41, 0xff, 0xd3), 0, QT_INSN_CALL_INDIRECT, 3);
    check(a, "ff 15 rip-relative", B(0xff, 0x15, 0x10, 0x00, 0x00, 0x00), 0, QT_INSN_CALL_INDIRECT, 6);
    check(a, "ff 14 24 SIB (rsp)", B(0xff, 0x14, 0x24), 0, QT_INSN_CALL_INDIRECT, 3);
    check(a, "ff 50 08 disp8", B(0xff, 0x50, 0x08), 0, QT_INSN_CALL_INDIRECT, 3);
    check(a, "ff 90 disp32", B(0xff, 0x90, 0x00, 0x01, 0x00, 0x00), 0, QT_INSN_CALL_INDIRECT, 6);
    check(a, "ff 54 24 08 SIB+disp8", B(0xff, 0x54, 0x24, 0x08), 0, QT_INSN_CALL_INDIRECT, 4);
    check(a, "ff 94 24 SIB+disp32", B(0xff, 0x94, 0x24, 0x00, 0x01, 0x00, 0x00), 0, QT_INSN_CALL_INDIRECT, 7);
    check(a, "ff 14 25 SIB no base disp32", B(0xff, 0x14, 0x25, 0x00, 0x10, 0x00, 0x00), 0, QT_INSN_CALL_INDIRECT, 7);
    check(a, "ff 14 c5 SIB index*8 disp32", B(0xff, 0x14, 0xc5, 0x00, 0x10, 0x00, 0x00), 0, QT_INSN_CALL_INDIRECT, 7);
    check(a, "ff 10 call *(rax)", B(0xff, 0x10), 0, QT_INSN_CALL_INDIRECT, 2);
    check(a, "41 ff 54 c5 08 REX+SIB+disp8", B(0x41, 0xff, 0x54, 0xc5, 0x08), 0, QT_INSN_CALL_INDIRECT, 5);
    check(a, "3e ff d0 notrack call", B(0x3e, 0xff, 0xd0), 0, QT_INSN_CALL_INDIRECT, 3);
    check(a, "67 ff 10 32-bit address", B(0x67, 0xff, 0x10), 0, QT_INSN_CALL_INDIRECT, 3);
    check(a, "ff 1d far call through rip-relative memory", B(0xff, 0x1d, 0x00, 0x00, 0x00, 0x00), 0,
          QT_INSN_CALL_INDIRECT, 6);
    check(a, "48 ff 18 far call (REX.W)", B(0x48, 0xff, 0x18), 0, QT_INSN_CALL_INDIRECT, 3);
    check(a, "ff d8: ff /3 with a register is invalid", B(0xff, 0xd8), 0, QT_INSN_OTHER, 0);
    check(a, "ff 25 jmp is not a call", B(0xff, 0x25, 0, 0, 0, 0), 0, QT_INSN_OTHER, 0);
    check(a, "ff e0 jmp *rax", B(0xff, 0xe0), 0, QT_INSN_OTHER, 0);
    check(a, "ff 30 push", B(0xff, 0x30), 0, QT_INSN_OTHER, 0);
    check(a, "ff c0 inc", B(0xff, 0xc0), 0, QT_INSN_OTHER, 0);
    check(a, "9a is invalid in 64-bit mode", B(0x9a, 1, 2, 3, 4, 5, 6), 0, QT_INSN_OTHER, 0);
    /* returns */
    check(a, "c3 ret", B(0xc3), 0, QT_INSN_RET, 1);
    check(a, "f3 c3 repz ret", B(0xf3, 0xc3), 0, QT_INSN_RET, 2);
    check(a, "f2 c3 bnd ret", B(0xf2, 0xc3), 0, QT_INSN_RET, 2);
    check(a, "40 c3 REX ret", B(0x40, 0xc3), 0, QT_INSN_RET, 2);
    check(a, "cb far ret", B(0xcb), 0, QT_INSN_RET, 1);
    check(a, "48 cb lretq", B(0x48, 0xcb), 0, QT_INSN_RET, 2);
    check_ret_pop(a, "c2 10 00", B(0xc2, 0x10, 0x00), 16, 3);
    check_ret_pop(a, "c2 ff ff", B(0xc2, 0xff, 0xff), 0xffff, 3);
    check_ret_pop(a, "ca 08 00 far", B(0xca, 0x08, 0x00), 8, 3);
    check_ret_pop(a, "c3 pops nothing", B(0xc3), 0, 1);
    /* system calls and returns */
    check(a, "0f 05 syscall", B(0x0f, 0x05), 0, QT_INSN_SYSCALL, 2);
    check(a, "0f 34 sysenter", B(0x0f, 0x34), 0, QT_INSN_SYSCALL, 2);
    check(a, "cd 80 int 0x80", B(0xcd, 0x80), 0, QT_INSN_SYSCALL, 2);
    check(a, "cd 03 is not a syscall", B(0xcd, 0x03), 0, QT_INSN_OTHER, 0);
    check(a, "0f 07 sysret", B(0x0f, 0x07), 0, QT_INSN_SYSRET, 2);
    check(a, "48 0f 07 sysretq", B(0x48, 0x0f, 0x07), 0, QT_INSN_SYSRET, 3);
    check(a, "0f 35 sysexit", B(0x0f, 0x35), 0, QT_INSN_SYSRET, 2);
    check(a, "cf iret", B(0xcf), 0, QT_INSN_SYSRET, 1);
    check(a, "48 cf iretq", B(0x48, 0xcf), 0, QT_INSN_SYSRET, 2);
    /* everything else */
    check(a, "90 nop", B(0x90), 0, QT_INSN_OTHER, 0);
    check(a, "e9 jmp", B(0xe9, 0, 0, 0, 0), 0, QT_INSN_OTHER, 0);
    check(a, "0f 1f 44 00 00 nopl", B(0x0f, 0x1f, 0x44, 0x00, 0x00), 0, QT_INSN_OTHER, 0);
    check(a, "55 push rbp", B(0x55), 0, QT_INSN_OTHER, 0);
    check(a, "c3 with trailing bytes", B(0xc3, 0xcc, 0xcc, 0xcc), 0, QT_INSN_RET, 1);
    /* truncated input: OTHER, and (under ASan) no read past the end */
    check(a, "00 (truncated add)", B(0x00), 0, QT_INSN_OTHER, 0);
    {
        struct qt_insn_info ii = classify(a, NULL, 0, 0);
        is_int(ii.cls, QT_INSN_OTHER, "x86_64 zero bytes: OTHER");
    }
    check(a, "truncated e8 rel32", B(0xe8, 0x00, 0x00), 0, QT_INSN_OTHER, 0);
    check(a, "truncated e8 (opcode only)", B(0xe8), 0, QT_INSN_OTHER, 0);
    check(a, "truncated ff (no modrm)", B(0xff), 0, QT_INSN_OTHER, 0);
    check(a, "truncated ff 15 disp32", B(0xff, 0x15, 0x00, 0x00), 0, QT_INSN_OTHER, 0);
    check(a, "truncated ff 14 (no SIB)", B(0xff, 0x14), 0, QT_INSN_OTHER, 0);
    check(a, "truncated ff 94 24 disp32", B(0xff, 0x94, 0x24, 0x00), 0, QT_INSN_OTHER, 0);
    check(a, "truncated ff 50 (no disp8)", B(0xff, 0x50), 0, QT_INSN_OTHER, 0);
    check(a, "truncated c2 imm16", B(0xc2, 0x10), 0, QT_INSN_OTHER, 0);
    check(a, "truncated 0f", B(0x0f), 0, QT_INSN_OTHER, 0);
    check(a, "truncated cd", B(0xcd), 0, QT_INSN_OTHER, 0);
    check(a, "prefixes only", B(0x66, 0xf3), 0, QT_INSN_OTHER, 0);
    check(a, "REX only", B(0x48), 0, QT_INSN_OTHER, 0);
    /* 15 bytes is the architectural limit */
    check(a, "14 prefixes + c3 (15 bytes)",
          B(0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0xc3), 0, QT_INSN_RET,
          15);
    check(a, "15 prefixes + c3 (16 bytes) is invalid",
          B(0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0xc3), 0,
          QT_INSN_OTHER, 0);
    {
        struct qt_insn_info ii = classify(a, B(0x90), 0x1000);
        ok(!ii.has_target && ii.target == 0 && ii.ret_pop == 0 && ii.len == 0, "x86_64 OTHER clears every field");
    }
}

static void test_i386(void)
{
    const struct qt_arch_desc *a = qt_arch_by_id(QT_ARCH_I386);
    check_call(a, "e8 rel32 forward", B(0xe8, 0x10, 0x00, 0x00, 0x00), 0x8048000, 0x8048015, 5);
    check_call(a, "e8 rel32 backward", B(0xe8, 0xf0, 0xff, 0xff, 0xff), 0x8048000, 0x8047ff5, 5);
    check_call(a, "e8 wraps at 4 GiB", B(0xe8, 0x20, 0x00, 0x00, 0x00), 0xfffffff0, 0x15, 5);
    check_call(a, "66 e8 rel16", B(0x66, 0xe8, 0x10, 0x00), 0x1000, 0x1014, 4);
    check_call(a, "66 e8 rel16 backward, IP wraps at 64 KiB", B(0x66, 0xe8, 0xf0, 0xff), 0x0004, 0xfff8, 4);
    check(a, "66 e8 truncated rel16", B(0x66, 0xe8, 0x10), 0, QT_INSN_OTHER, 0);
    check(a, "40 is inc eax, not REX", B(0x40, 0xc3), 0, QT_INSN_OTHER, 0);
    check(a, "ff d0 call *eax", B(0xff, 0xd0), 0, QT_INSN_CALL_INDIRECT, 2);
    check(a, "ff 15 abs32", B(0xff, 0x15, 0x00, 0x10, 0x00, 0x00), 0, QT_INSN_CALL_INDIRECT, 6);
    check(a, "ff 14 24 SIB", B(0xff, 0x14, 0x24), 0, QT_INSN_CALL_INDIRECT, 3);
    check(a, "ff 50 08 disp8", B(0xff, 0x50, 0x08), 0, QT_INSN_CALL_INDIRECT, 3);
    check(a, "ff 93 disp32(ebx) (PLT-style)", B(0xff, 0x93, 0x0c, 0x00, 0x00, 0x00), 0, QT_INSN_CALL_INDIRECT, 6);
    check(a, "67 ff 16 disp16 (16-bit addressing)", B(0x67, 0xff, 0x16, 0x34, 0x12), 0, QT_INSN_CALL_INDIRECT, 5);
    check(a, "67 ff 50 08 (16-bit, disp8)", B(0x67, 0xff, 0x50, 0x08), 0, QT_INSN_CALL_INDIRECT, 4);
    check(a, "67 ff 90 disp16 (16-bit, mod 2)", B(0x67, 0xff, 0x90, 0x34, 0x12), 0, QT_INSN_CALL_INDIRECT, 5);
    check(a, "67 ff 14 (16-bit: rm 4 has no SIB)", B(0x67, 0xff, 0x14), 0, QT_INSN_CALL_INDIRECT, 3);
    check(a, "ff 1d far call m16:32", B(0xff, 0x1d, 0x00, 0x10, 0x00, 0x00), 0, QT_INSN_CALL_INDIRECT, 6);
    check(a, "9a far call ptr16:32", B(0x9a, 0x78, 0x56, 0x34, 0x12, 0x10, 0x00), 0, QT_INSN_CALL_INDIRECT, 7);
    check(a, "66 9a far call ptr16:16", B(0x66, 0x9a, 0x34, 0x12, 0x10, 0x00), 0, QT_INSN_CALL_INDIRECT, 6);
    check(a, "9a truncated", B(0x9a, 0x78, 0x56, 0x34, 0x12, 0x10), 0, QT_INSN_OTHER, 0);
    check(a, "c3 ret", B(0xc3), 0, QT_INSN_RET, 1);
    check(a, "f3 c3 repz ret", B(0xf3, 0xc3), 0, QT_INSN_RET, 2);
    check_ret_pop(a, "c2 04 00 (stdcall)", B(0xc2, 0x04, 0x00), 4, 3);
    check(a, "cb far ret", B(0xcb), 0, QT_INSN_RET, 1);
    check(a, "cd 80 int 0x80", B(0xcd, 0x80), 0, QT_INSN_SYSCALL, 2);
    check(a, "0f 34 sysenter", B(0x0f, 0x34), 0, QT_INSN_SYSCALL, 2);
    check(a, "0f 05 syscall", B(0x0f, 0x05), 0, QT_INSN_SYSCALL, 2);
    check(a, "0f 35 sysexit", B(0x0f, 0x35), 0, QT_INSN_SYSRET, 2);
    check(a, "0f 07 sysret", B(0x0f, 0x07), 0, QT_INSN_SYSRET, 2);
    check(a, "cf iret", B(0xcf), 0, QT_INSN_SYSRET, 1);
    check(a, "truncated ff 15", B(0xff, 0x15, 0x00), 0, QT_INSN_OTHER, 0);
    check(a, "truncated 67 ff 16", B(0x67, 0xff, 0x16, 0x34), 0, QT_INSN_OTHER, 0);
}

static void check_a64(const struct qt_arch_desc *a, const char *what, uint32_t w, enum qt_insn_class cls)
{
    uint8_t b[4] = { (uint8_t)w, (uint8_t)(w >> 8), (uint8_t)(w >> 16), (uint8_t)(w >> 24) };
    check(a, what, b, 4, 0x400000, cls, 4);
}

static void check_a64_bl(const struct qt_arch_desc *a, const char *what, uint32_t w, uint64_t pc, uint64_t target)
{
    uint8_t b[4] = { (uint8_t)w, (uint8_t)(w >> 8), (uint8_t)(w >> 16), (uint8_t)(w >> 24) };
    check_call(a, what, b, 4, pc, target, 4);
}

static void test_aarch64(void)
{
    const struct qt_arch_desc *a = qt_arch_by_id(QT_ARCH_AARCH64);
    check_a64_bl(a, "bl forward", 0x94000004, 0x400000, 0x400010);
    check_a64_bl(a, "bl backward", 0x97fffffc, 0x400010, 0x400000);
    check_a64_bl(a, "bl to itself", 0x94000000, 0x400000, 0x400000);
    check_a64_bl(a, "bl furthest back (-128 MiB)", 0x96000000, 0x10000000, 0x8000000);
    check_a64_bl(a, "bl furthest forward", 0x95ffffff, 0x400000, 0x400000 + 0x7fffffc);
    check_a64(a, "blr x1", 0xd63f0020, QT_INSN_CALL_INDIRECT);
    check_a64(a, "blr x30", 0xd63f03c0, QT_INSN_CALL_INDIRECT);
    check_a64(a, "blraa x1, x2", 0xd73f0822, QT_INSN_CALL_INDIRECT);
    check_a64(a, "blraaz x3", 0xd63f087f, QT_INSN_CALL_INDIRECT);
    check_a64(a, "ret (x30)", 0xd65f03c0, QT_INSN_RET);
    check_a64(a, "ret x1", 0xd65f0020, QT_INSN_RET);
    check_a64(a, "retaa", 0xd65f0bff, QT_INSN_RET);
    check_a64(a, "retab", 0xd65f0fff, QT_INSN_RET);
    check_a64(a, "svc #0", 0xd4000001, QT_INSN_SYSCALL);
    check_a64(a, "svc #0x80", 0xd4001001, QT_INSN_SYSCALL);
    check_a64(a, "eret", 0xd69f03e0, QT_INSN_SYSRET);
    check_a64(a, "br x17 is not a call", 0xd61f0220, QT_INSN_OTHER);
    check_a64(a, "b is not a call", 0x14000004, QT_INSN_OTHER);
    check_a64(a, "nop", 0xd503201f, QT_INSN_OTHER);
    check_a64(a, "hvc #0 is not svc", 0xd4000002, QT_INSN_OTHER);
    check_a64(a, "brk #0", 0xd4200000, QT_INSN_OTHER);
    check(a, "3 bytes of a bl", B(0x04, 0x00, 0x00), 0x400000, QT_INSN_OTHER, 0);
    check(a, "ret with 4 extra bytes", B(0xc0, 0x03, 0x5f, 0xd6, 0x1f, 0x20, 0x03, 0xd5), 0x400000, QT_INSN_RET, 4);
}

static void check_arg(const struct qt_callconv *cc, int n, const char *reg, uint64_t off)
{
    const char *r = (const char *)1;
    uint64_t o = 12345;
    bool res = qt_callconv_arg(cc, n, &r, &o);
    if (reg) {
        if (!ok(res && r && strcmp(r, reg) == 0 && o == 0, "%s arg%d in %s", cc->name, n, reg))
            printf("#   got %d %s +%" PRIu64 "\n", res, r ? r : "(stack)", o);
    } else {
        if (!ok(res && r == NULL && o == off, "%s arg%d at sp+%" PRIu64, cc->name, n, off))
            printf("#   got %d %s +%" PRIu64 "\n", res, r ? r : "(stack)", o);
    }
}

static void test_callconv(void)
{
    const struct qt_arch_desc *x = qt_arch_by_id(QT_ARCH_X86_64), *i = qt_arch_by_id(QT_ARCH_I386),
                              *a = qt_arch_by_id(QT_ARCH_AARCH64);
    const struct qt_callconv *sysv = x->user_cc, *cdecl = i->user_cc, *rp3 = i->kernel_cc, *aa = a->user_cc;
    is_str(sysv->name, "sysv", "x86_64 user convention");
    ok(x->kernel_cc == sysv, "x86_64 kernel uses sysv too");
    is_str(cdecl->name, "cdecl", "i386 user convention");
    is_str(rp3->name, "regparm3", "i386 kernel convention");
    is_str(aa->name, "aapcs64", "aarch64 convention");
    ok(a->kernel_cc == aa, "aarch64 kernel uses aapcs64 too");

    static const char *const sysv_regs[] = { "rdi", "rsi", "rdx", "rcx", "r8", "r9" };
    for (int n = 1; n <= 6; n++)
        check_arg(sysv, n, sysv_regs[n - 1], 0);
    check_arg(sysv, 7, NULL, 8);
    check_arg(sysv, 8, NULL, 16);
    check_arg(sysv, 16, NULL, 80);
    is_str(sysv->ret_reg, "rax", "sysv returns in rax");

    for (int n = 1; n <= 8; n++)
        check_arg(cdecl, n, NULL, 4u * (unsigned)n);
    is_str(cdecl->ret_reg, "eax", "cdecl returns in eax");

    static const char *const rp3_regs[] = { "eax", "edx", "ecx" };
    for (int n = 1; n <= 3; n++)
        check_arg(rp3, n, rp3_regs[n - 1], 0);
    for (int n = 4; n <= 8; n++)
        check_arg(rp3, n, NULL, 4u + 4u * (unsigned)(n - 4));
    is_str(rp3->ret_reg, "eax", "regparm3 returns in eax");

    static const char *const aa_regs[] = { "x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7" };
    for (int n = 1; n <= 8; n++)
        check_arg(aa, n, aa_regs[n - 1], 0);
    check_arg(aa, 9, NULL, 0);
    check_arg(aa, 10, NULL, 8);
    is_str(aa->ret_reg, "x0", "aapcs64 returns in x0");

    const char *r = "x";
    uint64_t o = 7;
    ok(!qt_callconv_arg(sysv, 0, &r, &o) && r == NULL && o == 0, "arg0 is out of range");
    ok(!qt_callconv_arg(sysv, 17, &r, &o), "arg17 is out of range");
    ok(!qt_callconv_arg(sysv, -1, &r, &o), "negative arg is out of range");
    ok(!qt_callconv_arg(NULL, 1, &r, &o), "no convention");
    ok(qt_callconv_arg(aa, 16, NULL, NULL), "NULL outputs are allowed");
}

/* run_to_ret on a copy of exactly n bytes (ASan catches a read past them). */
static void check_run(const struct qt_arch_desc *a, const char *what, const uint8_t *bytes, size_t n, uint64_t pc,
                      unsigned want)
{
    uint8_t *copy = malloc(n);
    memcpy(copy, bytes, n);
    unsigned got = a->run_to_ret(copy, n, pc);
    free(copy);
    if (!ok(got == want, "%s run to ret, %s: %u", a->name, what, want))
        printf("#   got %u\n", got);
}

/* Straight runs to a ret: one translation block, known from the bytes (gcc -O1 output). */
static void test_run_to_ret(void)
{
    const struct qt_arch_desc *a = qt_arch_by_id(QT_ARCH_X86_64), *i = qt_arch_by_id(QT_ARCH_I386);
    static const uint8_t mix[] = { /* guest/progs/bench.c bench_mix */
        0x48, 0x89, 0xfa, 0x48, 0xc1, 0xea, 0x1f, 0x48, 0x31, 0xfa, 0x48, 0xb8, 0x85, 0xa1, 0x8e, 0x72, 0x29,
        0xd3, 0xb5, 0x7f, 0x48, 0x0f, 0xaf, 0xd0, 0x48, 0x89, 0xd0, 0x48, 0xc1, 0xe8, 0x1b, 0x48, 0x31, 0xd0,
        0x48, 0xba, 0x15, 0x7c, 0x4a, 0x7f, 0xb9, 0x79, 0x37, 0x9e, 0x48, 0x01, 0xd0, 0xc3, 0x55, 0x48
    };
    check_run(a, "shifts, movabs, imul (and bytes after the ret)", mix, sizeof(mix), 0x401655, 11);
    check_run(a, "truncated before the ret", mix, 47, 0x401655, 0);
    check_run(a, "crossing a page", mix, sizeof(mix), 0x401ff0, 0);
    check_run(a, "lea, shr, xor, ret", B(0x48, 0x8d, 0x04, 0x7f, 0x48, 0xc1, 0xef, 0x02, 0x48, 0x31, 0xf8, 0xc3),
              0x4016aa, 4);
    check_run(a, "rip-relative load and store",
              B(0x48, 0x8b, 0x05, 0xf4, 0x6b, 0x0a, 0x00, 0x48, 0x83, 0xc0, 0x01, 0x48, 0x89, 0x05, 0xe9, 0x6b, 0x0a,
                0x00, 0x48, 0x31, 0xf8, 0xc3), 0x4016d5, 5);
    check_run(a, "endbr64, movzx, cmov, setcc, SSE, ret 8",
              B(0xf3, 0x0f, 0x1e, 0xfa, 0x0f, 0xb6, 0x07, 0x48, 0x0f, 0x44, 0xc2, 0x0f, 0x94, 0xc0, 0x66, 0x0f, 0xef,
                0xc0, 0xf2, 0x0f, 0x10, 0x44, 0x24, 0x08, 0xc2, 0x08, 0x00), 0x1000, 7);
    check_run(a, "push, sib + disp32, imm32, test imm8, pop",
              B(0x55, 0x8b, 0x84, 0x8e, 0x00, 0x01, 0x00, 0x00, 0x81, 0xc1, 0x10, 0x27, 0x00, 0x00, 0xf6, 0xc1,
                0x01, 0x5d, 0xc3), 0x1000, 6);
    check_run(a, "a bare ret", B(0xc3), 0x1000, 1);
    check_run(a, "a call before the ret", B(0x55, 0xe8, 0xbb, 0xff, 0xff, 0xff, 0x5d, 0xc3), 0x1000, 0);
    check_run(a, "a conditional branch", B(0x85, 0xff, 0x74, 0x01, 0x90, 0xc3), 0x1000, 0);
    check_run(a, "a jump", B(0xeb, 0x00, 0xc3), 0x1000, 0);
    check_run(a, "jmp *rax", B(0xff, 0xe0), 0x1000, 0);
    check_run(a, "rep movsb", B(0xf3, 0xa4, 0xc3), 0x1000, 0);
    check_run(a, "syscall", B(0x0f, 0x05, 0xc3), 0x1000, 0);
    check_run(a, "ud2", B(0x0f, 0x0b), 0x1000, 0);
    check_run(a, "VEX (not decoded)", B(0xc5, 0xf8, 0x77, 0xc3), 0x1000, 0);
    check_run(a, "no ret in reach", B(0x90, 0x90, 0x90), 0x1000, 0);
    check_run(i, "i386: inc, mov moffs32, ret",
              B(0x40, 0xa1, 0x00, 0x10, 0x00, 0x00, 0x8b, 0x44, 0x24, 0x04, 0xc3), 0x8049000, 4);
    check_run(i, "i386: call", B(0xe8, 0x00, 0x00, 0x00, 0x00, 0xc3), 0x8049000, 0);
    const struct qt_arch_desc *a64 = qt_arch_by_id(QT_ARCH_AARCH64);
    /* little-endian words: add x0, x0, x0, lsl #1; add x0, x0, #1; ret */
    check_run(a64, "add, add, ret", B(0x00, 0x04, 0x00, 0x8b, 0x00, 0x04, 0x00, 0x91, 0xc0, 0x03, 0x5f, 0xd6), 0x4007e0, 3);
    check_run(a64, "paciasp, mrs tpidr_el0, dmb ish, retaa",
              B(0x3f, 0x23, 0x03, 0xd5, 0x40, 0xd0, 0x3b, 0xd5, 0xbf, 0x3b, 0x03, 0xd5, 0xff, 0x0b, 0x5f, 0xd6), 0x1000, 4);
    check_run(a64, "a bare ret", B(0xc0, 0x03, 0x5f, 0xd6), 0x1000, 1);
    check_run(a64, "b (a tail call)", B(0x00, 0x04, 0x00, 0x91, 0xf7, 0xff, 0xff, 0x17), 0x400810, 0);
    check_run(a64, "bl", B(0x00, 0x00, 0x00, 0x94, 0xc0, 0x03, 0x5f, 0xd6), 0x1000, 0);
    check_run(a64, "cbz", B(0x40, 0x00, 0x00, 0xb4, 0xc0, 0x03, 0x5f, 0xd6), 0x1000, 0);
    check_run(a64, "b.eq", B(0x40, 0x00, 0x00, 0x54, 0xc0, 0x03, 0x5f, 0xd6), 0x1000, 0);
    check_run(a64, "svc", B(0x01, 0x00, 0x00, 0xd4, 0xc0, 0x03, 0x5f, 0xd6), 0x1000, 0);
    check_run(a64, "isb", B(0xdf, 0x3f, 0x03, 0xd5, 0xc0, 0x03, 0x5f, 0xd6), 0x1000, 0);
    check_run(a64, "crossing a page", B(0x00, 0x04, 0x00, 0x91, 0xc0, 0x03, 0x5f, 0xd6), 0x1ffc, 0);
    check_run(a64, "3 bytes", B(0xc0, 0x03, 0x5f), 0x1000, 0);
}

static void test_table(void)
{
    const struct qt_arch_desc *x = qt_arch_by_name("x86_64"), *i = qt_arch_by_name("i386"),
                              *a = qt_arch_by_name("aarch64");
    ok(x && x->id == QT_ARCH_X86_64 && x == qt_arch_by_id(QT_ARCH_X86_64), "x86_64 by name and id");
    ok(i && i->id == QT_ARCH_I386 && i == qt_arch_by_id(QT_ARCH_I386), "i386 by name and id");
    ok(a && a->id == QT_ARCH_AARCH64 && a == qt_arch_by_id(QT_ARCH_AARCH64), "aarch64 by name and id");
    ok(qt_arch_by_name("riscv64") == NULL, "unknown architecture");
    ok(qt_arch_by_name(NULL) == NULL, "NULL name");
    ok(qt_arch_by_id((enum qt_arch)99) == NULL, "unknown id");
    ok(qt_arch_by_name("arm64") == a && qt_arch_by_name("amd64") == x, "aliases");
    /* QEMU 10 register names (gdb-xml/i386-64bit.xml, i386-32bit.xml, aarch64-core.xml, cp_regs) */
    ok(x->word_bytes == 8 && !strcmp(x->sp_reg, "rsp") && !strcmp(x->pc_reg, "rip") && !x->lr_reg &&
           !strcmp(x->tls_reg, "fs_base") && !strcmp(x->asid_reg, "cr3"), "x86_64 registers");
    ok(i->word_bytes == 4 && !strcmp(i->sp_reg, "esp") && !strcmp(i->pc_reg, "eip") && !i->lr_reg &&
           !strcmp(i->tls_reg, "gs_base") && !strcmp(i->asid_reg, "cr3"), "i386 registers");
    ok(a->word_bytes == 8 && !strcmp(a->sp_reg, "sp") && !strcmp(a->pc_reg, "pc") && !strcmp(a->lr_reg, "x30") &&
           !strcmp(a->tls_reg, "TPIDR_EL0") && !strcmp(a->asid_reg, "TTBR0_EL1"), "aarch64 registers");
    ok(x->classify && i->classify && a->classify, "every architecture has a classifier");
}

/* The kernel's and the host's facts: ELF machine, QEMU binaries, kernel introspection level,
 * kernel address space, pt_regs, per-CPU registers. */
static void test_descriptor(void)
{
    const struct qt_arch_desc *x = qt_arch_by_id(QT_ARCH_X86_64), *i = qt_arch_by_id(QT_ARCH_I386),
                              *a = qt_arch_by_id(QT_ARCH_AARCH64);
    ok(x->elf_machine == EM_X86_64 && i->elf_machine == EM_386 && a->elf_machine == EM_AARCH64, "ELF machines");
    ok(qt_arch_by_elf_machine(EM_X86_64) == x && qt_arch_by_elf_machine(EM_386) == i &&
           qt_arch_by_elf_machine(EM_AARCH64) == a, "by ELF machine");
    ok(qt_arch_by_elf_machine(EM_RISCV) == NULL && qt_arch_by_elf_machine(0) == NULL, "unknown ELF machine");
    is_str(x->qemu_user, "qemu-x86_64", "x86_64 user-mode QEMU");
    is_str(i->qemu_user, "qemu-i386", "i386 user-mode QEMU");
    is_str(a->qemu_user, "qemu-aarch64", "aarch64 user-mode QEMU");
    is_str(x->qemu_system, "qemu-system-x86_64", "x86_64 system QEMU");
    is_str(i->qemu_system, "qemu-system-i386", "i386 system QEMU");
    is_str(a->qemu_system, "qemu-system-aarch64", "aarch64 system QEMU");
    ok(x->kintro == QT_KINTRO_TASKS && i->kintro == QT_KINTRO_SYMBOLS && a->kintro == QT_KINTRO_NONE,
       "kernel introspection: tasks (x86_64), symbols (i386), none (aarch64)");
    ok(x->kernel_base == 0xffff800000000000ull && i->kernel_base == 0xc0000000ull &&
           a->kernel_base == 0xffff000000000000ull, "kernel bases");
    ok(qt_arch_kernel_addr(x, 0xffffffff81000000ull) && !qt_arch_kernel_addr(x, 0x401000) &&
           qt_arch_kernel_addr(i, 0xc1000000ull) && !qt_arch_kernel_addr(i, 0xbfffffffull),
       "kernel addresses: the kernel's half of the address space");
    ok(x->kstack_shift == 14 && i->kstack_shift == 14 && a->kstack_shift == 14, "kernel stacks in 16 KiB regions");
    ok(x->ptregs && !i->ptregs && !a->ptregs, "pt_regs only where task structures are read");
    const struct qt_ptregs *p = x->ptregs;
    ok(p->nregs == 21 && p->ip == 16 && p->sp == 19 && p->cs == 17 && p->orig_ax == 15 && p->ax == 10,
       "x86_64 pt_regs: ip, sp, cs, orig_ax, ax");
    ok(p->args[0] == 14 && p->args[3] == 7 && p->args[5] == 8 && p->compat_args[0] == 5 && p->compat_args[5] == 4 &&
           p->compat_cs == 0x23, "x86_64 pt_regs: system call arguments, native (rdi..r9) and 32-bit (ebx..ebp)");
    ok(!strcmp(x->mode_reg, "cs") && !strcmp(i->mode_reg, "cs") && !a->mode_reg, "privilege level register");
    ok(x->asid_mask == ~(uint64_t)0xfff && (a->asid_mask & 1) == 0 && (a->asid_mask >> 48) == 0,
       "address-space masks: no PCID (x86_64), no ASID or CnP (aarch64)");
    ok(!strcmp(x->percpu_reg, "gs_base") && !strcmp(x->percpu_user_reg, "k_gs_base") && !i->percpu_reg &&
           !a->percpu_reg, "per-CPU registers (x86_64 only)");
    ok(x->jump_target && i->jump_target && a->jump_target, "every architecture decodes direct jumps");
    char names[128];
    qt_arch_names(QT_KINTRO_NONE, " and ", false, names, sizeof(names));
    is_str(names, "x86_64, i386 and aarch64", "names: all");
    qt_arch_names(QT_KINTRO_SYMBOLS, " or ", false, names, sizeof(names));
    is_str(names, "x86_64 or i386", "names: kernels read");
    qt_arch_names(QT_KINTRO_TASKS, " and ", true, names, sizeof(names));
    is_str(names, "x86-64", "names: task structures read, as kernels are named");
    qt_arch_names(QT_KINTRO_NONE, " and ", false, names, 8);
    is_str(names, "x86_64,", "names: cut to the buffer");
}

static void check_jump(const struct qt_arch_desc *a, const char *what, const uint8_t *bytes, size_t n, uint64_t pc,
                       bool is_jump, uint64_t target)
{
    uint8_t *copy = malloc(n ? n : 1);
    if (n)
        memcpy(copy, bytes, n);
    uint64_t t = 0xdeadbeef;
    bool j = a->jump_target(copy, n, pc, &t);
    free(copy);
    if (is_jump) {
        if (!ok(j && t == target, "%s %s: jump to 0x%" PRIx64, a->name, what, target))
            printf("#   got %d 0x%" PRIx64 "\n", j, t);
    } else {
        ok(!j, "%s %s: not a direct jump", a->name, what);
    }
}

static void test_jump_target(void)
{
    const struct qt_arch_desc *x = qt_arch_by_id(QT_ARCH_X86_64), *i = qt_arch_by_id(QT_ARCH_I386),
                              *a = qt_arch_by_id(QT_ARCH_AARCH64);
    check_jump(x, "jmp rel32 forward", B(0xe9, 0x10, 0x00, 0x00, 0x00), 0x401000, true, 0x401015);
    check_jump(x, "jmp rel32 backward", B(0xe9, 0xf0, 0xff, 0xff, 0xff), 0x401000, true, 0x400ff5);
    check_jump(x, "jmp rel32 in the kernel", B(0xe9, 0x00, 0x00, 0x00, 0x80), 0xffffffff81000000ull, true,
               0xffffffff01000005ull);
    check_jump(x, "jmp rel8 forward", B(0xeb, 0x10), 0x401000, true, 0x401012);
    check_jump(x, "jmp rel8 backward", B(0xeb, 0xfe), 0x401000, true, 0x401000);
    check_jump(x, "jmp rel8 -128", B(0xeb, 0x80), 0x401000, true, 0x400f82);
    check_jump(i, "jmp rel32 forward", B(0xe9, 0x00, 0x01, 0x00, 0x00), 0x8048000, true, 0x8048105);
    check_jump(i, "jmp rel8 backward", B(0xeb, 0xf0), 0x8048000, true, 0x8047ff2);
    check_jump(x, "jmp rel32, 4 bytes", B(0xe9, 0x10, 0x00, 0x00), 0x401000, false, 0);
    check_jump(x, "jmp rel8, 1 byte", B(0xeb), 0x401000, false, 0);
    check_jump(x, "call rel32", B(0xe8, 0x10, 0x00, 0x00, 0x00), 0x401000, false, 0);
    check_jump(x, "jmp *rax", B(0xff, 0xe0), 0x401000, false, 0);
    check_jump(x, "je rel8", B(0x74, 0x10), 0x401000, false, 0);
    check_jump(x, "ret", B(0xc3), 0x401000, false, 0);
    check_jump(x, "nop", B(0x90), 0x401000, false, 0);
    /* aarch64 b imm26: 0x14000000 | (offset / 4) */
    check_jump(a, "b forward", B(0x04, 0x00, 0x00, 0x14), 0x400000, true, 0x400010);
    check_jump(a, "b backward", B(0xfc, 0xff, 0xff, 0x17), 0x400000, true, 0x3ffff0);
    check_jump(a, "b to itself", B(0x00, 0x00, 0x00, 0x14), 0x400000, true, 0x400000);
    check_jump(a, "b -128 MiB", B(0x00, 0x00, 0x00, 0x16), 0x10000000, true, 0x8000000);
    check_jump(a, "bl", B(0x04, 0x00, 0x00, 0x94), 0x400000, false, 0);
    check_jump(a, "b.eq", B(0x80, 0x00, 0x00, 0x54), 0x400000, false, 0);
    check_jump(a, "br x16", B(0x00, 0x02, 0x1f, 0xd6), 0x400000, false, 0);
    check_jump(a, "ret", B(0xc0, 0x03, 0x5f, 0xd6), 0x400000, false, 0);
    check_jump(a, "3 bytes of b", B(0x04, 0x00, 0x00), 0x400000, false, 0);
}

int main(void)
{
    test_x86_64();
    test_i386();
    test_aarch64();
    test_callconv();
    test_run_to_ret();
    test_table();
    test_descriptor();
    test_jump_target();
    return done_testing();
}
