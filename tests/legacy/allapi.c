/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A plugin of seed 001's API that uses every function, for tests/e2e/legacy_api.sh. Built like
 * any old plugin: gcc -shared -fPIC -I build/include -o liballapi.so allapi.c
 *
 * args (space-separated, each optional):
 *   tb=ADDR      count the runs of the block at ADDR (before_tb), reading the pc register there
 *   str=ADDR len=N   at the first such run, read N bytes of memory at ADDR (a string)
 *   ret=ADDR     at the instruction at ADDR, read the return register (rax, eax, x0)
 *   sys          at every sysenter (0f 34), read cr3 (system mode)
 *   fail         plugin_init returns false
 * Log lines:
 *   init arch=ARCH args=ARGS
 *   needs-tb PC pcreg=HEX size=BYTES   (at translation and before each run)
 *   tb PC n=N pcreg=HEX size=BYTES cpu=POINTER
 *   mem RESULT STRING / mem-unmapped RESULT / reg-unknown BYTES / reg-fork-only BYTES
 *   ret PC val=HEX size=BYTES
 *   cr3 HEX size=BYTES
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "plugins.h"
#include "regnum.h"

static uint64_t tb_at, str_at, ret_at;  /* addresses from args, 0 if not given */
static int str_len;                     /* bytes to read at str_at */
static int sys;                         /* watch sysenter */
static int n_tb;                        /* runs of the block at tb_at */
static int id_pc, id_ret, id_fork_only; /* this binary's register ids */

static uint64_t arg(const char *args, const char *key)
{
    const char *p = strstr(args, key);
    return p ? strtoull(p + strlen(key), NULL, 0) : 0;
}

bool plugin_init(const char *args)
{
    if (strstr(args, "fail"))
        return false;
    tb_at = arg(args, "tb=");
    str_at = arg(args, "str=");
    str_len = (int)arg(args, "len=");
    ret_at = arg(args, "ret=");
    sys = strstr(args, "sys") != NULL;
    const char *a = qemulib_get_arch_name();
    if (strcmp(a, "x86_64") == 0) {
        id_pc = AMD64_RIP_REGNUM, id_ret = AMD64_RAX_REGNUM, id_fork_only = AMD64_TR_BASE_REGNUM;
    } else if (strcmp(a, "i386") == 0) {
        id_pc = I386_EIP_REGNUM, id_ret = I386_EAX_REGNUM, id_fork_only = I386_TR_BASE_REGNUM;
    } else {
        id_pc = AARCH64_PC_REGNUM, id_ret = AARCH64_X0_REGNUM, id_fork_only = -1;
    }
    qemulib_log("init arch=%s args=%s\n", a, args);
    return true;
}

bool plugin_needs_before_tb(uint64_t pc, void *cpu)
{
    if (!tb_at || pc != tb_at)
        return false;
    uint64_t v = 0;
    int n = qemulib_read_register(cpu, (uint8_t *)&v, id_pc);
    qemulib_log("needs-tb %lx pcreg=%lx size=%d\n", (unsigned long)pc, (unsigned long)v, n);
    return true;
}

void plugin_before_tb(uint64_t pc, void *cpu)
{
    uint64_t v = 0;
    int n = qemulib_read_register(cpu, (uint8_t *)&v, id_pc);
    qemulib_log("tb %lx n=%d pcreg=%lx size=%d cpu=%p\n", (unsigned long)pc, ++n_tb, (unsigned long)v, n, cpu);
    if (n_tb == 1 && str_at) {
        char buf[256] = { 0 };
        int r = qemulib_read_memory(cpu, str_at, (uint8_t *)buf, str_len < 255 ? str_len : 255);
        qemulib_log("mem %d %s\n", r, buf);
        qemulib_log("mem-unmapped %d\n", qemulib_read_memory(cpu, 0x10, (uint8_t *)buf, 4));
        uint8_t big[64];
        qemulib_log("reg-unknown %d\n", qemulib_read_register(cpu, big, 9999));
        if (id_fork_only >= 0)
            qemulib_log("reg-fork-only %d\n", qemulib_read_register(cpu, big, id_fork_only));
    }
}

bool plugin_needs_before_insn(uint64_t pc, void *cpu)
{
    if (ret_at && pc == ret_at)
        return true;
    uint8_t code[2];
    return sys && qemulib_read_memory(cpu, pc, code, 2) == 0 && code[0] == 0x0f && code[1] == 0x34;
}

void plugin_before_insn(uint64_t pc, void *cpu)
{
    uint64_t v = 0;
    if (ret_at && pc == ret_at) {
        int n = qemulib_read_register(cpu, (uint8_t *)&v, id_ret);
        qemulib_log("ret %lx val=%lx size=%d\n", (unsigned long)pc, (unsigned long)v, n);
    } else {
        int n = qemulib_read_register(cpu, (uint8_t *)&v, I386_CR3_REGNUM);
        qemulib_log("cr3 %lx size=%d\n", (unsigned long)v, n);
    }
}
