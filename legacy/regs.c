/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Register ids of qemulib_read_register, one table per emulator binary: id (the fork's number,
 * which was the binary's gdb register number), QEMU 10's name for that register (found in
 * qemu_plugin_get_registers at vCPU init), and the bytes the fork wrote (a shorter QEMU value
 * is zero-extended, little-endian). A NULL name is a register only the fork had: 0 bytes.
 * docs/legacy-api.md shows the same tables.
 */
#include <string.h>

#include "legacy.h"

/* qemu-x86_64, qemu-system-x86_64 (a 32-bit guest too): enum amd64_regnum; 152-153 are regnum.h's FSBASE/GSBASE */
static const struct lg_reg regs_x86_64[] = {
    { 0, "rax", 8 },
    { 1, "rbx", 8 },
    { 2, "rcx", 8 },
    { 3, "rdx", 8 },
    { 4, "rsi", 8 },
    { 5, "rdi", 8 },
    { 6, "rbp", 8 },
    { 7, "rsp", 8 },
    { 8, "r8", 8 },
    { 9, "r9", 8 },
    { 10, "r10", 8 },
    { 11, "r11", 8 },
    { 12, "r12", 8 },
    { 13, "r13", 8 },
    { 14, "r14", 8 },
    { 15, "r15", 8 },
    { 16, "rip", 8 },
    { 17, "eflags", 4 },
    { 18, "cs", 4 },
    { 19, "ss", 4 },
    { 20, "ds", 4 },
    { 21, "es", 4 },
    { 22, "fs", 4 },
    { 23, "gs", 4 },
    { 24, "fs_base", 8 },
    { 25, "gs_base", 8 },
    { 26, "k_gs_base", 8 },
    { 27, "cr0", 8 },
    { 28, "cr2", 8 },
    { 29, "cr3", 8 },
    { 30, "cr4", 8 },
    { 31, "cr8", 8 },
    { 32, "efer", 8 },
    { 33, "st0", 10 },
    { 34, "st1", 10 },
    { 35, "st2", 10 },
    { 36, "st3", 10 },
    { 37, "st4", 10 },
    { 38, "st5", 10 },
    { 39, "st6", 10 },
    { 40, "st7", 10 },
    { 41, "fctrl", 4 },
    { 42, "fstat", 4 },
    { 43, "ftag", 4 },
    { 44, "fiseg", 4 },
    { 45, "fioff", 4 },
    { 46, "foseg", 4 },
    { 47, "fooff", 4 },
    { 48, "fop", 4 },
    { 49, "xmm0", 16 },
    { 50, "xmm1", 16 },
    { 51, "xmm2", 16 },
    { 52, "xmm3", 16 },
    { 53, "xmm4", 16 },
    { 54, "xmm5", 16 },
    { 55, "xmm6", 16 },
    { 56, "xmm7", 16 },
    { 57, "xmm8", 16 },
    { 58, "xmm9", 16 },
    { 59, "xmm10", 16 },
    { 60, "xmm11", 16 },
    { 61, "xmm12", 16 },
    { 62, "xmm13", 16 },
    { 63, "xmm14", 16 },
    { 64, "xmm15", 16 },
    { 65, "mxcsr", 4 },
    { 152, "fs_base", 8 },
    { 153, "gs_base", 8 },
    { 154, NULL, 0 },
};

/* qemu-system-i386, qemu-i386: enum i386_regnum; 72-74 are CS_BASE, SS_BASE, TR_BASE */
static const struct lg_reg regs_i386[] = {
    { 0, "eax", 4 },
    { 1, "ecx", 4 },
    { 2, "edx", 4 },
    { 3, "ebx", 4 },
    { 4, "esp", 4 },
    { 5, "ebp", 4 },
    { 6, "esi", 4 },
    { 7, "edi", 4 },
    { 8, "eip", 4 },
    { 9, "eflags", 4 },
    { 10, "cs", 4 },
    { 11, "ss", 4 },
    { 12, "ds", 4 },
    { 13, "es", 4 },
    { 14, "fs", 4 },
    { 15, "gs", 4 },
    { 16, "fs_base", 8 },
    { 17, "gs_base", 8 },
    { 18, "k_gs_base", 8 },
    { 19, "cr0", 8 },
    { 20, "cr2", 8 },
    { 21, "cr3", 8 },
    { 22, "cr4", 8 },
    { 23, "cr8", 8 },
    { 24, "efer", 8 },
    { 25, "st0", 10 },
    { 26, "st1", 10 },
    { 27, "st2", 10 },
    { 28, "st3", 10 },
    { 29, "st4", 10 },
    { 30, "st5", 10 },
    { 31, "st6", 10 },
    { 32, "st7", 10 },
    { 33, "fctrl", 4 },
    { 34, "fstat", 4 },
    { 35, "ftag", 4 },
    { 36, "fiseg", 4 },
    { 37, "fioff", 4 },
    { 38, "foseg", 4 },
    { 39, "fooff", 4 },
    { 40, "fop", 4 },
    { 41, "xmm0", 16 },
    { 42, "xmm1", 16 },
    { 43, "xmm2", 16 },
    { 44, "xmm3", 16 },
    { 45, "xmm4", 16 },
    { 46, "xmm5", 16 },
    { 47, "xmm6", 16 },
    { 48, "xmm7", 16 },
    { 49, "mxcsr", 4 },
    { 72, NULL, 0 },
    { 73, NULL, 0 },
    { 74, NULL, 0 },
};

/* qemu-aarch64: enum aarch64_regnum */
static const struct lg_reg regs_aarch64[] = {
    { 0, "x0", 8 },
    { 1, "x1", 8 },
    { 2, "x2", 8 },
    { 3, "x3", 8 },
    { 4, "x4", 8 },
    { 5, "x5", 8 },
    { 6, "x6", 8 },
    { 7, "x7", 8 },
    { 8, "x8", 8 },
    { 9, "x9", 8 },
    { 10, "x10", 8 },
    { 11, "x11", 8 },
    { 12, "x12", 8 },
    { 13, "x13", 8 },
    { 14, "x14", 8 },
    { 15, "x15", 8 },
    { 16, "x16", 8 },
    { 17, "x17", 8 },
    { 18, "x18", 8 },
    { 19, "x19", 8 },
    { 20, "x20", 8 },
    { 21, "x21", 8 },
    { 22, "x22", 8 },
    { 23, "x23", 8 },
    { 24, "x24", 8 },
    { 25, "x25", 8 },
    { 26, "x26", 8 },
    { 27, "x27", 8 },
    { 28, "x28", 8 },
    { 29, "x29", 8 },
    { 30, "x30", 8 },
    { 31, "sp", 8 },
    { 32, "pc", 8 },
    { 33, "cpsr", 4 },
    { 34, "v0", 16 },
    { 35, "v1", 16 },
    { 36, "v2", 16 },
    { 37, "v3", 16 },
    { 38, "v4", 16 },
    { 39, "v5", 16 },
    { 40, "v6", 16 },
    { 41, "v7", 16 },
    { 42, "v8", 16 },
    { 43, "v9", 16 },
    { 44, "v10", 16 },
    { 45, "v11", 16 },
    { 46, "v12", 16 },
    { 47, "v13", 16 },
    { 48, "v14", 16 },
    { 49, "v15", 16 },
    { 50, "v16", 16 },
    { 51, "v17", 16 },
    { 52, "v18", 16 },
    { 53, "v19", 16 },
    { 54, "v20", 16 },
    { 55, "v21", 16 },
    { 56, "v22", 16 },
    { 57, "v23", 16 },
    { 58, "v24", 16 },
    { 59, "v25", 16 },
    { 60, "v26", 16 },
    { 61, "v27", 16 },
    { 62, "v28", 16 },
    { 63, "v29", 16 },
    { 64, "v30", 16 },
    { 65, "v31", 16 },
    { 66, "fpsr", 4 },
    { 67, "fpcr", 4 },
};

/* qemu-arm: enum arm_regnum */
static const struct lg_reg regs_arm[] = {
    { 0, "r0", 4 },
    { 1, "r1", 4 },
    { 2, "r2", 4 },
    { 3, "r3", 4 },
    { 4, "r4", 4 },
    { 5, "r5", 4 },
    { 6, "r6", 4 },
    { 7, "r7", 4 },
    { 8, "r8", 4 },
    { 9, "r9", 4 },
    { 10, "r10", 4 },
    { 11, "r11", 4 },
    { 12, "r12", 4 },
    { 13, "sp", 4 },
    { 14, "lr", 4 },
    { 15, "pc", 4 },
    { 25, "cpsr", 4 },
};

/* One row per emulator target. */
static const struct {
    const char *target;                 /* qemu_info_t.target_name */
    const char *pc;                     /* QEMU's name of the program counter */
    const struct lg_reg *rows;
    size_t n;
} tables[] = {
    { "x86_64", "rip", regs_x86_64, sizeof(regs_x86_64) / sizeof(regs_x86_64[0]) },
    { "i386", "eip", regs_i386, sizeof(regs_i386) / sizeof(regs_i386[0]) },
    { "aarch64", "pc", regs_aarch64, sizeof(regs_aarch64) / sizeof(regs_aarch64[0]) },
    { "arm", "pc", regs_arm, sizeof(regs_arm) / sizeof(regs_arm[0]) },
};

#define LG_REG_IDS 256
static const struct lg_reg *table;      /* the selected table */
static const char *pc_name;             /* its program counter's name */
static size_t table_n;                  /* its rows */
static int16_t by_id[LG_REG_IDS];       /* id -> row, -1 if none */

bool lg_regs_select(const char *target)
{
    for (size_t i = 0; i < LG_REG_IDS; i++)
        by_id[i] = -1;
    for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
        if (strcmp(tables[t].target, target) != 0)
            continue;
        table = tables[t].rows;
        pc_name = tables[t].pc;
        table_n = tables[t].n;
        for (size_t i = 0; i < table_n; i++)
            by_id[table[i].id] = (int16_t)i;
        return true;
    }
    return false;
}

const char *lg_regs_pc_name(void)
{
    return pc_name;
}

size_t lg_regs_count(void)
{
    return table_n;
}

const struct lg_reg *lg_reg_row(size_t i)
{
    return &table[i];
}

int lg_reg_find(int id)
{
    return id >= 0 && id < LG_REG_IDS ? by_id[id] : -1;
}
