/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Per-architecture knowledge, as tables: instruction classes found from the instruction
 * bytes at translation time, and calling conventions (where arguments and return values are).
 * A new guest architecture is one struct qt_arch_desc and one entry in the table in arch.c.
 */
#ifndef QTRACE_ARCH_H
#define QTRACE_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format.h"

enum qt_insn_class {
    QT_INSN_OTHER = 0,
    QT_INSN_CALL,           /* direct call: target known from the bytes */
    QT_INSN_CALL_INDIRECT,  /* call through register or memory */
    QT_INSN_RET,            /* ret, ret imm16, repz ret, bnd ret; aarch64 ret */
    QT_INSN_SYSCALL,        /* syscall, sysenter, int 0x80; aarch64 svc */
    QT_INSN_SYSRET,         /* sysret, sysexit, iret */
};

struct qt_insn_info {
    enum qt_insn_class cls;
    bool has_target;        /* direct call: target is valid */
    uint64_t target;
    uint16_t ret_pop;       /* ret imm16: extra bytes popped */
    uint8_t len;            /* instruction length when the classifier knows it */
};

#define QT_MAX_REG_ARGS 8

struct qt_callconv {
    const char *name;                        /* "sysv", "cdecl", "regparm3", "aapcs64" */
    const char *arg_regs[QT_MAX_REG_ARGS];   /* register names as QEMU's plugin API spells them */
    int n_arg_regs;
    const char *ret_reg;
    unsigned slot_bytes;                     /* size of a stack argument slot */
    unsigned stack_args_off;                 /* offset from sp at entry of the first stack arg */
};

/* How much of a Linux guest kernel qtrace can read (qtrace system with kernel=) */
enum qt_kintro_level {
    QT_KINTRO_NONE = 0,     /* nothing: no kernel symbols, no processes */
    QT_KINTRO_SYMBOLS,      /* kallsyms and the KASLR slide: kernel functions by name, no task structures */
    QT_KINTRO_TASKS,        /* also task structures (BTF layouts): processes, system calls, the timeline */
};

/* The user registers a kernel saves at entry (struct pt_regs, an ABI: uapi/asm/ptrace.h), as
 * word indices into it. */
struct qt_ptregs {
    unsigned nregs;         /* words in the structure */
    int ip, sp, cs, orig_ax, ax;
    int args[6];            /* system call arguments, native ABI */
    int compat_args[6];     /* the 32-bit ABI's (int 0x80, sysenter) */
    uint16_t compat_cs;     /* cs of a 32-bit process */
    enum qt_arch compat_abi;/* the 32-bit ABI's system call numbering */
};

struct qt_arch_desc {
    enum qt_arch id;
    const char *name;                /* "x86_64", "i386", "aarch64" (QEMU's target names) */
    unsigned word_bytes;             /* 8 or 4 */
    const char *sp_reg;              /* "rsp", "esp", "sp" */
    const char *pc_reg;
    const char *lr_reg;              /* aarch64 "x30"; NULL where the return address is on the stack */
    const char *tls_reg;             /* per-thread register: "fs_base" (x86-64), "gs_base" (i386), "TPIDR_EL0" (upper case in QEMU) */
    const char *asid_reg;            /* "cr3" in system mode, NULL if none */
    bool big_endian;                 /* byte order of registers and memory (all three: false) */
    const struct qt_callconv *user_cc;
    const struct qt_callconv *kernel_cc;
    uint16_t elf_machine;            /* e_machine of its ELF files */
    const char *qemu_user;           /* QEMU's user-mode emulator: "qemu-x86_64" */
    const char *qemu_system;         /* QEMU's system emulator: "qemu-system-x86_64" */
    const char *cross_root;          /* Debian's library root for this architecture on another host
                                      * (libc6-ARCH-cross): "/usr/aarch64-linux-gnu" */
    /* the guest kernel */
    enum qt_kintro_level kintro;     /* what qtrace reads of it */
    uint64_t kernel_base;            /* lowest kernel address (before an image says better) */
    unsigned kstack_shift;           /* kernel and IRQ stacks lie in aligned regions of 1 << this */
    const struct qt_ptregs *ptregs;  /* NULL where task structures are not read */
    const char *mode_reg;            /* its low bits are the privilege level ("cs"), NULL if none */
    uint64_t asid_mask;              /* the bits of asid_reg that name an address space */
    const char *percpu_reg;          /* per-CPU area's base in kernel mode ("gs_base") */
    const char *percpu_user_reg;     /* ... while user code runs (after swapgs: "k_gs_base") */
    /* Classify the instruction at pc from its bytes (len bytes available). */
    void (*classify)(const uint8_t *bytes, size_t len, uint64_t pc, struct qt_insn_info *out);
    /* Does the code at pc (len bytes available) run straight to a ret, with no branch, call or
     * other control transfer before it, so that QEMU translates it as one block? The number of
     * instructions through the ret, or 0 (no, or not known). NULL: never known. */
    unsigned (*run_to_ret)(const uint8_t *bytes, size_t len, uint64_t pc);
    /* Is the code at pc a direct unconditional jump? Then true and its target. */
    bool (*jump_target)(const uint8_t *bytes, size_t len, uint64_t pc, uint64_t *target);
};

/* Is addr in the kernel's half of the address space? */
static inline bool qt_arch_kernel_addr(const struct qt_arch_desc *a, uint64_t addr)
{
    return addr >= a->kernel_base;
}

#define QT_RUN_MAX_INSNS 64 /* longest straight run run_to_ret looks at */

const struct qt_arch_desc *qt_arch_by_id(enum qt_arch id);
const struct qt_arch_desc *qt_arch_by_name(const char *name); /* NULL if unknown */
const struct qt_arch_desc *qt_arch_by_elf_machine(unsigned machine); /* NULL if unknown */
/* The names of the architectures whose kernels qtrace reads at least at level (QT_KINTRO_NONE:
 * all), joined by ", " and last (" and "): "x86_64 and i386"; hyphen: '-' for '_', the way
 * kernels are named ("x86-64 kernels"). */
void qt_arch_names(enum qt_kintro_level level, const char *last, bool hyphen, char *buf, size_t len);

/* Where argument n (1-based) lives: in a register (*reg set) or on the stack at
 * sp_at_entry + *stack_off. Returns false if n is out of range (n > 16). */
bool qt_callconv_arg(const struct qt_callconv *cc, int n, const char **reg, uint64_t *stack_off);

#endif
