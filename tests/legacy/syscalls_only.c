/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A plugin of seed 001's API whose plugin_needs_before_insn selects only x86-64 syscall
 * instructions (0f 05): the "instrument little" case of bench/legacy.sh. Logs "syscall PC NR".
 */
#include <stdint.h>
#include <stdio.h>
#include "plugins.h"
#include "regnum.h"

bool plugin_needs_before_insn(uint64_t pc, void *cpu)
{
    uint8_t code[2];
    return qemulib_read_memory(cpu, pc, code, 2) == 0 && code[0] == 0x0f && code[1] == 0x05;
}

void plugin_before_insn(uint64_t pc, void *cpu)
{
    uint64_t nr = 0;
    qemulib_read_register(cpu, (uint8_t *)&nr, AMD64_RAX_REGNUM);
    qemulib_log("syscall %lx %lu\n", (unsigned long)pc, (unsigned long)nr);
}
