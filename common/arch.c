/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Per-architecture tables: instruction classifiers and calling conventions.
 *
 * A classifier looks only at the bytes it is given (never past len) and only recognises the
 * forms qtrace cares about (calls, returns, system calls and their returns); everything else
 * is QT_INSN_OTHER. Register names are spelled exactly as QEMU 10's gdbstub (and therefore
 * qemu_plugin_get_registers()) spells them: gdb-xml/i386-64bit.xml, i386-32bit.xml,
 * aarch64-core.xml, and the dynamically generated aarch64 system-register feature, which
 * uses the upper-case names of target/arm/helper.c ("TPIDR_EL0", "TTBR0_EL1").
 * See docs/architecture-arch.md for adding an architecture.
 */
#include <stdio.h>
#include <string.h>

#include "arch.h"

/* ---- x86 (x86-64 and i386) ------------------------------------------------------------ */

#define X86_MAX_INSN 15 /* longer instructions fault on real hardware */

static bool x86_is_legacy_prefix(uint8_t b)
{
    switch (b) {
    case 0x66: case 0x67: case 0xf2: case 0xf3:
    case 0x2e: case 0x36: case 0x3e: case 0x26: case 0x64: case 0x65:
    case 0xf0:
        return true;
    default:
        return false;
    }
}

static uint32_t rd_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int32_t rd_le32s(const uint8_t *p)
{
    return (int32_t)rd_le32(p);
}

static uint16_t rd_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

/* Length of a ModRM operand (ModRM byte, SIB, displacement) starting at b[i], or 0 if it does
 * not fit in len bytes. addr16: 16-bit addressing (i386 with a 67 prefix). */
static size_t x86_modrm_len(const uint8_t *b, size_t len, size_t i, bool addr16)
{
    if (i >= len)
        return 0;
    uint8_t modrm = b[i];
    unsigned mod = modrm >> 6, rm = modrm & 7;
    size_t n = 1;
    if (mod == 3)
        return n;
    if (addr16) {
        if (mod == 0 && rm == 6)
            n += 2;
        else if (mod == 1)
            n += 1;
        else if (mod == 2)
            n += 2;
    } else {
        if (rm == 4) { /* SIB */
            if (i + n >= len)
                return 0;
            uint8_t sib = b[i + n];
            n += 1;
            if (mod == 0 && (sib & 7) == 5)
                n += 4;
        }
        if (mod == 0 && rm == 5) /* disp32, or rip-relative in 64-bit mode */
            n += 4;
        else if (mod == 1)
            n += 1;
        else if (mod == 2)
            n += 4;
    }
    return i + n <= len ? n : 0;
}

static void x86_classify(const uint8_t *b, size_t len, uint64_t pc, struct qt_insn_info *out, bool is64)
{
    memset(out, 0, sizeof(*out));
    out->cls = QT_INSN_OTHER;
    if (!b)
        return;
    if (len > X86_MAX_INSN)
        len = X86_MAX_INSN;

    bool opsize16 = false, addr16 = false;
    size_t i = 0;
    for (;;) {
        if (i >= len)
            return;
        uint8_t p = b[i];
        if (x86_is_legacy_prefix(p)) {
            if (p == 0x66)
                opsize16 = true;
            else if (p == 0x67)
                addr16 = !is64; /* 64-bit mode: 32-bit addressing, same ModRM layout */
            i++;
            continue;
        }
        break;
    }
    /* REX (x86-64 only): 40-4f right before the opcode; a legacy prefix after a REX would
     * cancel it, which the loop above does not need to care about (REX.W changes no length
     * of the forms we decode). */
    if (is64) {
        while (i < len && (b[i] & 0xf0) == 0x40)
            i++;
        if (i < len && x86_is_legacy_prefix(b[i]))
            return; /* prefix after REX: unusual enough to leave alone */
    }
    if (i >= len)
        return;

    uint8_t op = b[i++];
    struct qt_insn_info r = { .cls = QT_INSN_OTHER };
    size_t n = 0; /* total length once known */

    switch (op) {
    case 0xe8: /* call rel32 (rel16 with 66 outside 64-bit mode) */
        if (!is64 && opsize16) {
            if (i + 2 > len)
                return;
            int16_t rel = (int16_t)rd_le16(b + i);
            n = i + 2;
            r.target = (pc + n + (uint64_t)(int64_t)rel) & 0xffff;
        } else {
            if (i + 4 > len)
                return;
            int32_t rel = rd_le32s(b + i);
            n = i + 4;
            r.target = pc + n + (uint64_t)(int64_t)rel;
            if (!is64)
                r.target &= 0xffffffffu;
        }
        r.cls = QT_INSN_CALL;
        r.has_target = true;
        break;
    case 0xff: { /* ff /2 call near indirect, ff /3 call far indirect (memory only) */
        if (i >= len)
            return;
        unsigned reg = (b[i] >> 3) & 7, mod = b[i] >> 6;
        if (reg != 2 && !(reg == 3 && mod != 3))
            return;
        size_t m = x86_modrm_len(b, len, i, addr16);
        if (m == 0)
            return;
        n = i + m;
        r.cls = QT_INSN_CALL_INDIRECT;
        break;
    }
    case 0x9a: /* call ptr16:32 / ptr16:16: invalid in 64-bit mode */
        if (is64)
            return;
        n = i + (opsize16 ? 4 : 6);
        if (n > len)
            return;
        r.cls = QT_INSN_CALL_INDIRECT;
        break;
    case 0xc3: /* ret (also repz ret, bnd ret: prefixes already skipped) */
    case 0xcb: /* far ret */
        n = i;
        r.cls = QT_INSN_RET;
        break;
    case 0xc2: /* ret imm16 */
    case 0xca: /* far ret imm16 */
        if (i + 2 > len)
            return;
        r.ret_pop = rd_le16(b + i);
        n = i + 2;
        r.cls = QT_INSN_RET;
        break;
    case 0xcd: /* int imm8: only int 0x80 is a system call */
        if (i >= len || b[i] != 0x80)
            return;
        n = i + 1;
        r.cls = QT_INSN_SYSCALL;
        break;
    case 0xcf: /* iret / iretd / iretq (REX.W) */
        n = i;
        r.cls = QT_INSN_SYSRET;
        break;
    case 0x0f:
        if (i >= len)
            return;
        switch (b[i]) {
        case 0x05: /* syscall */
        case 0x34: /* sysenter */
            r.cls = QT_INSN_SYSCALL;
            break;
        case 0x07: /* sysret */
        case 0x35: /* sysexit */
            r.cls = QT_INSN_SYSRET;
            break;
        default:
            return;
        }
        n = i + 1;
        break;
    default:
        return;
    }
    if (n == 0 || n > len)
        return;
    r.len = (uint8_t)n;
    *out = r;
}

/*
 * Length of the x86 instruction at b (len bytes available), for the instructions compilers put
 * in straight-line code: arithmetic, moves, lea, shifts, cmov, setcc, x87, SSE. 0 for anything
 * else: every branch, call, interrupt and system instruction, string and I/O instructions,
 * VEX/EVEX, an unknown opcode, or bytes that run out. *ret: the instruction is a near ret.
 * Conservative by design: a 0 only costs the caller an optimisation.
 */
static size_t x86_straight_len(const uint8_t *b, size_t len, bool is64, bool *ret)
{
    *ret = false;
    if (len > X86_MAX_INSN)
        len = X86_MAX_INSN;
    bool o16 = false, a16 = false, rexw = false;
    size_t i = 0;
    while (i < len && x86_is_legacy_prefix(b[i])) {
        if (b[i] == 0x66)
            o16 = true;
        else if (b[i] == 0x67)
            a16 = true;
        i++;
    }
    if (is64)
        while (i < len && (b[i] & 0xf0) == 0x40)
            rexw = (b[i++] & 8) != 0;
    if (i >= len)
        return 0;
    uint8_t op = b[i++];
    size_t z = o16 ? 2 : 4; /* imm16/imm32 */
    size_t imm = 0;
    bool modrm = false;
    unsigned reg = i < len ? (b[i] >> 3) & 7 : 8; /* ModRM.reg, if a ModRM byte follows */
    if (op == 0x0f) {
        if (i >= len)
            return 0;
        uint8_t op2 = b[i++];
        reg = i < len ? (b[i] >> 3) & 7 : 8;
        modrm = true;
        switch (op2) {
        case 0x38: /* three-byte opcodes: ModRM */
            i++;
            break;
        case 0x3a: /* three-byte opcodes: ModRM, imm8 */
            i++;
            imm = 1;
            break;
        case 0x0d:
        case 0x10 ... 0x1f: /* SSE moves, prefetch, hint nops (endbr64 is f3 0f 1e fa) */
        case 0x28 ... 0x2f:
        case 0x40 ... 0x4f: /* cmovcc */
        case 0x50 ... 0x6f:
        case 0x74 ... 0x76:
        case 0x7e ... 0x7f:
        case 0x90 ... 0x9f: /* setcc */
        case 0xa3: case 0xa5: case 0xab: case 0xad: case 0xae: case 0xaf:
        case 0xb0 ... 0xb1: case 0xb3: case 0xb6 ... 0xb8: case 0xbb ... 0xbf:
        case 0xc0 ... 0xc1: case 0xc3: case 0xc7:
        case 0xd0 ... 0xfe:
            break;
        case 0x70 ... 0x73: case 0xa4: case 0xac: case 0xba: case 0xc2: case 0xc4 ... 0xc6:
            imm = 1;
            break;
        case 0xc8 ... 0xcf: /* bswap */
            modrm = false;
            break;
        default: /* jcc rel32, syscall, ud2, cpuid, rdtsc, system instructions... */
            return 0;
        }
    } else if (op < 0x40) {
        unsigned lo = op & 7;
        if (lo <= 3)
            modrm = true; /* add, or, adc, sbb, and, sub, xor, cmp */
        else if (lo == 4)
            imm = 1;
        else if (lo == 5)
            imm = z;
        else
            return 0; /* segment push/pop, BCD adjustments */
    } else if (op < 0x50) {
        if (is64)
            return 0; /* a REX prefix not followed by an opcode */
        /* inc/dec r32: one byte */
    } else if (op < 0x60) {
        /* push/pop r: one byte */
    } else {
        switch (op) {
        case 0x63: modrm = true; break; /* movsxd (arpl on i386) */
        case 0x68: imm = z; break;
        case 0x69: modrm = true; imm = z; break;
        case 0x6a: imm = 1; break;
        case 0x6b: modrm = true; imm = 1; break;
        case 0x80: case 0x83: modrm = true; imm = 1; break;
        case 0x81: modrm = true; imm = z; break;
        case 0x84 ... 0x8d: modrm = true; break; /* test, xchg, mov, lea */
        case 0x8f: modrm = true; break; /* pop r/m */
        case 0x90 ... 0x99: case 0x9b: case 0x9c: case 0x9e: case 0x9f: break;
        case 0xa0 ... 0xa3: imm = is64 ? (a16 ? 4 : 8) : (a16 ? 2 : 4); break; /* mov moffs */
        case 0xa8: imm = 1; break;
        case 0xa9: imm = z; break;
        case 0xb0 ... 0xb7: imm = 1; break;
        case 0xb8 ... 0xbf: imm = rexw ? 8 : z; break;
        case 0xc0: case 0xc1: modrm = true; imm = 1; break;
        case 0xc2: *ret = true; imm = 2; break;
        case 0xc3: *ret = true; break;
        case 0xc6: modrm = true; imm = 1; break;
        case 0xc7:
            if (i < len && b[i] == 0xf8)
                return 0; /* xbegin */
            modrm = true;
            imm = z;
            break;
        case 0xc8: imm = 3; break; /* enter */
        case 0xc9: break; /* leave */
        case 0xd0 ... 0xd3: case 0xd8 ... 0xdf: modrm = true; break; /* shifts, x87 */
        case 0xf5: case 0xf8: case 0xf9: case 0xfc: case 0xfd: break;
        case 0xf6: modrm = true; imm = reg < 2 ? 1 : 0; break;
        case 0xf7: modrm = true; imm = reg < 2 ? z : 0; break;
        case 0xfe:
            if (reg > 1)
                return 0;
            modrm = true;
            break;
        case 0xff: /* inc, dec, push r/m; calls and jumps are not straight */
            if (reg != 0 && reg != 1 && reg != 6)
                return 0;
            modrm = true;
            break;
        default:
            return 0;
        }
    }
    if (modrm) {
        size_t m = x86_modrm_len(b, len, i, a16 && !is64);
        if (m == 0)
            return 0;
        i += m;
    }
    i += imm;
    return i <= len ? i : 0;
}

/* Instructions from pc through the first ret, if the code runs straight to it within one
 * 4 KiB page (one QEMU translation block); 0 otherwise. */
static unsigned x86_run_to_ret(const uint8_t *b, size_t len, uint64_t pc, bool is64)
{
    size_t off = 0;
    for (unsigned n = 1; n <= QT_RUN_MAX_INSNS && off < len; n++) {
        bool ret;
        size_t l = x86_straight_len(b + off, len - off, is64, &ret);
        if (l == 0 || (pc + off + l - 1) >> 12 != pc >> 12)
            return 0;
        off += l;
        if (ret)
            return n;
    }
    return 0;
}

static unsigned x86_64_run_to_ret(const uint8_t *b, size_t len, uint64_t pc)
{
    return x86_run_to_ret(b, len, pc, true);
}

static unsigned i386_run_to_ret(const uint8_t *b, size_t len, uint64_t pc)
{
    return x86_run_to_ret(b, len, pc, false);
}

static void x86_64_classify(const uint8_t *b, size_t len, uint64_t pc, struct qt_insn_info *out)
{
    x86_classify(b, len, pc, out, true);
}

static void i386_classify(const uint8_t *b, size_t len, uint64_t pc, struct qt_insn_info *out)
{
    x86_classify(b, len, pc, out, false);
}

/* ---- aarch64 -------------------------------------------------------------------------- */

static void aarch64_classify(const uint8_t *b, size_t len, uint64_t pc, struct qt_insn_info *out)
{
    memset(out, 0, sizeof(*out));
    out->cls = QT_INSN_OTHER;
    if (!b || len < 4)
        return;
    uint32_t w = rd_le32(b);
    enum qt_insn_class c = QT_INSN_OTHER;

    if ((w & 0xfc000000u) == 0x94000000u) { /* bl imm26 */
        int64_t off = (int64_t)(w & 0x03ffffffu);
        if (off & 0x02000000)
            off -= 0x04000000;
        out->has_target = true;
        out->target = pc + (uint64_t)(off * 4);
        c = QT_INSN_CALL;
    } else if ((w & 0xfffffc1fu) == 0xd63f0000u /* blr xN */
               || (w & 0xfffff81fu) == 0xd63f081fu /* blraaz, blrabz */
               || (w & 0xfffff800u) == 0xd73f0800u) { /* blraa, blrab */
        c = QT_INSN_CALL_INDIRECT;
    } else if ((w & 0xfffffc1fu) == 0xd65f0000u /* ret xN */
               || (w & 0xfffffbffu) == 0xd65f0bffu) { /* retaa, retab */
        c = QT_INSN_RET;
    } else if ((w & 0xffe0001fu) == 0xd4000001u) { /* svc #imm16 */
        c = QT_INSN_SYSCALL;
    } else if (w == 0xd69f03e0u /* eret */
               || (w & 0xfffffbffu) == 0xd69f0bffu) { /* eretaa, eretab */
        c = QT_INSN_SYSRET;
    }
    if (c == QT_INSN_OTHER) {
        out->has_target = false;
        out->target = 0;
        return;
    }
    out->cls = c;
    out->len = 4;
}

/*
 * Instructions from pc through the first ret if the code runs straight to it within one 4 KiB
 * page, else 0. Straight: anything outside the "branches, exception generation and system"
 * encoding group, plus the system instructions that do not end a QEMU block: hints (nop, bti,
 * paciasp, autiasp...), mrs, dmb and dsb.
 */
static unsigned aarch64_run_to_ret(const uint8_t *b, size_t len, uint64_t pc)
{
    for (size_t off = 0; off + 4 <= len && off / 4 < QT_RUN_MAX_INSNS; off += 4) {
        if ((pc + off + 3) >> 12 != pc >> 12)
            return 0;
        uint32_t w = rd_le32(b + off);
        if ((w & 0xfffffc1fu) == 0xd65f0000u || (w & 0xfffffbffu) == 0xd65f0bffu) /* ret, retaa/retab */
            return (unsigned)(off / 4 + 1);
        if ((w & 0x1c000000u) != 0x14000000u)
            continue; /* not a branch, exception or system instruction */
        if ((w & 0xfffff01fu) == 0xd503201fu /* hint */ || (w & 0xfff00000u) == 0xd5300000u /* mrs */ ||
            (w & 0xfffff0dfu) == 0xd503309fu /* dsb, dmb */)
            continue;
        return 0;
    }
    return 0;
}

/* ---- calling conventions -------------------------------------------------------------- */

/* x86-64 System V (user and kernel): 6 integer registers, return address at sp. */
static const struct qt_callconv cc_sysv = {
    .name = "sysv",
    .arg_regs = { "rdi", "rsi", "rdx", "rcx", "r8", "r9" },
    .n_arg_regs = 6,
    .ret_reg = "rax",
    .slot_bytes = 8,
    .stack_args_off = 8,
};

/* i386 cdecl (user): everything on the stack, above the return address. */
static const struct qt_callconv cc_cdecl = {
    .name = "cdecl",
    .n_arg_regs = 0,
    .ret_reg = "eax",
    .slot_bytes = 4,
    .stack_args_off = 4,
};

/* i386 Linux kernel: -mregparm=3. */
static const struct qt_callconv cc_regparm3 = {
    .name = "regparm3",
    .arg_regs = { "eax", "edx", "ecx" },
    .n_arg_regs = 3,
    .ret_reg = "eax",
    .slot_bytes = 4,
    .stack_args_off = 4,
};

/* AAPCS64: x0-x7, return address in x30, stack arguments start at sp. */
static const struct qt_callconv cc_aapcs64 = {
    .name = "aapcs64",
    .arg_regs = { "x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7" },
    .n_arg_regs = 8,
    .ret_reg = "x0",
    .slot_bytes = 8,
    .stack_args_off = 0,
};

bool qt_callconv_arg(const struct qt_callconv *cc, int n, const char **reg, uint64_t *stack_off)
{
    if (reg)
        *reg = NULL;
    if (stack_off)
        *stack_off = 0;
    if (!cc || n < 1 || n > 16)
        return false;
    int nregs = cc->n_arg_regs;
    if (nregs < 0)
        nregs = 0;
    if (nregs > QT_MAX_REG_ARGS)
        nregs = QT_MAX_REG_ARGS;
    if (n <= nregs) {
        if (reg)
            *reg = cc->arg_regs[n - 1];
        return true;
    }
    if (stack_off)
        *stack_off = cc->stack_args_off + (uint64_t)(n - nregs - 1) * cc->slot_bytes;
    return true;
}

/* ---- direct jumps ----------------------------------------------------------------------- */

/* jmp rel32, jmp rel8 */
static bool x86_jump_target(const uint8_t *b, size_t len, uint64_t pc, uint64_t *target)
{
    if (len >= 5 && b[0] == 0xe9) {
        *target = pc + 5 + (uint64_t)(int64_t)(int32_t)rd_le32(b + 1);
        return true;
    }
    if (len >= 2 && b[0] == 0xeb) {
        *target = pc + 2 + (uint64_t)(int64_t)(int8_t)b[1];
        return true;
    }
    return false;
}

/* b imm26 */
static bool aarch64_jump_target(const uint8_t *b, size_t len, uint64_t pc, uint64_t *target)
{
    if (len < 4)
        return false;
    uint32_t w = rd_le32(b);
    if ((w & 0xfc000000u) != 0x14000000u)
        return false;
    int64_t off = (int64_t)((uint64_t)(w & 0x03ffffffu) << 38) >> 36; /* sign-extended imm26 * 4 */
    *target = pc + (uint64_t)off;
    return true;
}

/* ---- the table ------------------------------------------------------------------------ */

static const struct qt_ptregs ptregs_x86_64 = {
    .nregs = 21,
    /* r15 r14 r13 r12 bp bx r11 r10 r9 r8 ax cx dx si di orig_ax ip cs flags sp ss */
    .ip = 16, .sp = 19, .cs = 17, .orig_ax = 15, .ax = 10,
    .args = { 14, 13, 12, 7, 9, 8 },             /* di si dx r10 r8 r9 */
    .compat_args = { 5, 11, 12, 13, 14, 4 },     /* bx cx dx si di bp */
    .compat_cs = 0x23,
    .compat_abi = QT_ARCH_I386,
};

static const struct qt_arch_desc arches[] = {
    {
        .id = QT_ARCH_X86_64,
        .name = "x86_64",
        .word_bytes = 8,
        .sp_reg = "rsp",
        .pc_reg = "rip",
        .lr_reg = NULL,
        .tls_reg = "fs_base",
        .asid_reg = "cr3",
        .user_cc = &cc_sysv,
        .kernel_cc = &cc_sysv,
        .elf_machine = 62,  /* EM_X86_64 */
        .qemu_user = "qemu-x86_64",
        .cross_root = "/usr/x86_64-linux-gnu",
        .qemu_system = "qemu-system-x86_64",
        .kintro = QT_KINTRO_TASKS,
        .kernel_base = 0xffff800000000000ull,
        .kstack_shift = 14, /* THREAD_SIZE 16 KiB */
        .ptregs = &ptregs_x86_64,
        .mode_reg = "cs",
        .asid_mask = ~(uint64_t)0xfff, /* PCID in the low bits */
        .percpu_reg = "gs_base",
        .percpu_user_reg = "k_gs_base",
        .classify = x86_64_classify,
        .run_to_ret = x86_64_run_to_ret,
        .jump_target = x86_jump_target,
    },
    {
        .id = QT_ARCH_I386,
        .name = "i386",
        .word_bytes = 4,
        .sp_reg = "esp",
        .pc_reg = "eip",
        .lr_reg = NULL,
        .tls_reg = "gs_base",
        .asid_reg = "cr3",
        .user_cc = &cc_cdecl,
        .kernel_cc = &cc_regparm3,
        .elf_machine = 3,   /* EM_386 */
        .qemu_user = "qemu-i386",
        .cross_root = "/usr/i686-linux-gnu",
        .qemu_system = "qemu-system-i386",
        .kintro = QT_KINTRO_SYMBOLS,
        .kernel_base = 0xc0000000ull, /* the default PAGE_OFFSET; the image tells the real one */
        .kstack_shift = 14,
        .mode_reg = "cs",
        .asid_mask = ~(uint64_t)0x18, /* PWT and PCD (a PAE cr3 is 32-byte aligned) */
        .classify = i386_classify,
        .run_to_ret = i386_run_to_ret,
        .jump_target = x86_jump_target,
    },
    {
        .id = QT_ARCH_AARCH64,
        .name = "aarch64",
        .word_bytes = 8,
        .sp_reg = "sp",
        .pc_reg = "pc",
        .lr_reg = "x30",
        /* system registers come from QEMU's generated "cp_regs" feature, upper case, and are
         * present in user mode (qemu-aarch64) as well as system mode */
        .tls_reg = "TPIDR_EL0",
        .asid_reg = "TTBR0_EL1", /* ASID in bits 63:48, table base below */
        .user_cc = &cc_aapcs64,
        .kernel_cc = &cc_aapcs64,
        .elf_machine = 183, /* EM_AARCH64 */
        .qemu_user = "qemu-aarch64",
        .cross_root = "/usr/aarch64-linux-gnu",
        .qemu_system = "qemu-system-aarch64",
        .kintro = QT_KINTRO_NONE,
        .kernel_base = 0xffff000000000000ull,
        .kstack_shift = 14,
        .asid_mask = 0x0000fffffffffffeull, /* the table base (ASID above, CnP bit 0) */
        .classify = aarch64_classify,
        .run_to_ret = aarch64_run_to_ret,
        .jump_target = aarch64_jump_target,
    },
};

#define N_ARCHES (sizeof(arches) / sizeof(arches[0]))

const struct qt_arch_desc *qt_arch_by_id(enum qt_arch id)
{
    for (size_t i = 0; i < N_ARCHES; i++)
        if (arches[i].id == id)
            return &arches[i];
    return NULL;
}

void qt_arch_names(enum qt_kintro_level level, const char *last, bool hyphen, char *buf, size_t len)
{
    size_t n = 0, k = 0, at = 0;
    for (size_t i = 0; i < N_ARCHES; i++)
        n += arches[i].kintro >= level;
    if (len)
        buf[0] = 0;
    for (size_t i = 0; i < N_ARCHES && at + 1 < len; i++) {
        if (arches[i].kintro < level)
            continue;
        const char *sep = k == 0 ? "" : k + 1 == n ? last : ", ";
        k++;
        for (const char *c = sep; *c && at + 1 < len; c++)
            buf[at++] = *c;
        for (const char *c = arches[i].name; *c && at + 1 < len; c++)
            buf[at++] = hyphen && *c == '_' ? '-' : *c;
        buf[at] = 0;
    }
}

const struct qt_arch_desc *qt_arch_by_elf_machine(unsigned machine)
{
    for (size_t i = 0; i < N_ARCHES; i++)
        if (arches[i].elf_machine == machine)
            return &arches[i];
    return NULL;
}

const struct qt_arch_desc *qt_arch_by_name(const char *name)
{
    static const struct { const char *alias, *name; } aliases[] = {
        { "x86-64", "x86_64" }, { "amd64", "x86_64" }, { "i686", "i386" }, { "x86", "i386" },
        { "arm64", "aarch64" },
    };
    if (!name)
        return NULL;
    for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
        if (strcmp(name, aliases[i].alias) == 0)
            name = aliases[i].name;
    for (size_t i = 0; i < N_ARCHES; i++)
        if (strcmp(arches[i].name, name) == 0)
            return &arches[i];
    return NULL;
}
