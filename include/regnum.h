/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Register ids for qemulib_read_register (seed 001's API; numbers taken from GDB). An id is
 * the emulator binary's register number: qemu-system-i386 uses the i386 ids, qemu-x86_64 and
 * qemu-system-x86_64 the amd64 ids (a 32-bit guest included), qemu-aarch64 the aarch64 ids,
 * qemu-arm the arm ids. docs/legacy-api.md has the full tables: which register each id reads
 * and how many bytes it writes.
 */
#ifndef REGNUM_H
#define REGNUM_H

enum i386_regnum {
    I386_EAX_REGNUM = 0,
    I386_ECX_REGNUM = 1,
    I386_EDX_REGNUM = 2,
    I386_EBX_REGNUM = 3,
    I386_ESP_REGNUM = 4,
    I386_EBP_REGNUM = 5,
    I386_ESI_REGNUM = 6,
    I386_EDI_REGNUM = 7,
    I386_EIP_REGNUM = 8,
    I386_EFLAGS_REGNUM = 9,
    I386_CS_REGNUM = 10,
    I386_SS_REGNUM = 11,
    I386_DS_REGNUM = 12,
    I386_ES_REGNUM = 13,
    I386_FS_REGNUM = 14,
    I386_GS_REGNUM = 15,
    I386_FS_BASE_REGNUM = 16,
    I386_GS_BASE_REGNUM = 17,
    I386_KERNEL_GS_BASE_REGNUM = 18,
    I386_CR0_REGNUM = 19,
    I386_CR2_REGNUM = 20,
    I386_CR3_REGNUM = 21,
    I386_CR4_REGNUM = 22,
    I386_CR8_REGNUM = 23,
    I386_EFER_REGNUM = 24,
    I386_ST0_REGNUM = 25,
    I386_MXCSR_REGNUM = 40,
    /* the fork's own: read as 0 bytes on stock QEMU */
    I386_CS_BASE_REGNUM = 72,
    I386_SS_BASE_REGNUM = 73,
    I386_TR_BASE_REGNUM = 74
};

enum amd64_regnum {
    AMD64_RAX_REGNUM = 0,
    AMD64_RBX_REGNUM = 1,
    AMD64_RCX_REGNUM = 2,
    AMD64_RDX_REGNUM = 3,
    AMD64_RSI_REGNUM = 4,
    AMD64_RDI_REGNUM = 5,
    AMD64_RBP_REGNUM = 6,
    AMD64_RSP_REGNUM = 7,
    AMD64_R8_REGNUM = 8,
    AMD64_R9_REGNUM = 9,
    AMD64_R10_REGNUM = 10,
    AMD64_R11_REGNUM = 11,
    AMD64_R12_REGNUM = 12,
    AMD64_R13_REGNUM = 13,
    AMD64_R14_REGNUM = 14,
    AMD64_R15_REGNUM = 15,
    AMD64_RIP_REGNUM = 16,
    AMD64_EFLAGS_REGNUM = 17,
    AMD64_CS_REGNUM = 18,
    AMD64_SS_REGNUM = 19,
    AMD64_DS_REGNUM = 20,
    AMD64_ES_REGNUM = 21,
    AMD64_FS_REGNUM = 22,
    AMD64_GS_REGNUM = 23,
    AMD64_ST0_REGNUM = 24,
    AMD64_CTL_REGNUM = 27,
    AMD64_CR3_REGNUM = 29,
    AMD64_FCTRL_REGNUM = 32,
    AMD64_XMM0_REGNUM = 40,
    AMD64_MXCSR_REGNUM = 56,
    AMD64_FSBASE_REGNUM = 152,
    AMD64_GSBASE_REGNUM = 153,
    /* the fork's own: read as 0 bytes on stock QEMU */
    AMD64_TR_BASE_REGNUM = 154
};

enum aarch64_regnum {
    AARCH64_X0_REGNUM = 0,
    AARCH64_FP_REGNUM = 29,
    AARCH64_LR_REGNUM = 30,
    AARCH64_SP_REGNUM = 31,
    AARCH64_PC_REGNUM = 32,
    AARCH64_CPSR_REGNUM = 33,
    AARCH64_V0_REGNUM = 34
};

enum arm_regnum {
    ARM_R0_REGNUM = 0,
    ARM_SP_REGNUM = 13,
    ARM_LR_REGNUM = 14,
    ARM_PC_REGNUM = 15,
    ARM_PS_REGNUM = 25
};

#endif
