/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Execution log records (types 32..47 of common/format.h), written by plugin/execlog.c
 * (execlog=on, execlog_format=bin) into the trace file and turned back into execlog's text or
 * JSON lines by cli/execlog_text.c (`qtrace dump -f execlog|execlog-json`). docs/execlog.md.
 *
 * The instruction flow is one EXEC record per executed translation block (TB): what the
 * TB contains is described once, when it is translated, by a TBDEF record (address, bytes,
 * disassembly and what to log for each instruction). Memory accesses and register changes are
 * fixed-layout records that name the instruction (its index in the TB) they belong to.
 *
 * How far a TB really ran (an instruction may fault, ending the TB early): every logged
 * instruction stores its index + 1 into a per-vCPU scoreboard word (an inline store, no
 * callback), the block's last logged one stores QT_EL_FULL. The next block starts with a
 * conditional callback that fires only if the word is not QT_EL_FULL and writes an END record
 * with it: the number of instructions of the previous block that started. A memory or
 * register record for instruction k also proves that instructions 0..k started.
 *
 * Order: a vCPU's records are in execution order. TBDEF and DEVICE records are written
 * straight to the file (their own chunks) before any record that refers to them is flushed.
 * Every record starts with struct qt_rec_hdr; h.vcpu is the vCPU (TBDEF: the translating one).
 */
#ifndef QTRACE_EXECLOG_FORMAT_H
#define QTRACE_EXECLOG_FORMAT_H

#include <stdint.h>

#include "format.h"

enum qt_el_rec_type {
    QT_REC_EL_CONFIG = 32,  /* struct qt_rec_el_config, once, first */
    QT_REC_EL_TBDEF = 33,   /* struct qt_rec_el_tbdef: a translated block */
    QT_REC_EL_VCPU = 34,    /* struct qt_rec_el_vcpu: a vCPU starts; watched registers */
    QT_REC_EL_EXEC = 35,    /* struct qt_rec_el_exec: a TB starts executing */
    QT_REC_EL_MEM = 36,     /* struct qt_rec_el_mem: a memory access */
    QT_REC_EL_REGS = 37,    /* struct qt_rec_el_regs: watched registers that changed */
    QT_REC_EL_END = 38,     /* struct qt_rec_el_end: end of a vCPU's log */
    QT_REC_EL_DEVICE = 39,  /* struct qt_rec_el_device: name of a device (system mode) */
    QT_REC_EL_START = 40,   /* struct qt_rec_el_start: logging starts inside a block */
};

enum qt_el_config_flags {
    QT_EL_SYSTEM = 1,       /* system emulation: memory records carry phys address + device */
    QT_EL_MEMVALUES = 2,    /* memory records carry the value loaded/stored */
    QT_EL_NOMEM = 4,        /* memory accesses are not recorded (instruction flow only) */
    QT_EL_REGS = 8,         /* reg= patterns were given */
    QT_EL_RDISAS = 16,      /* rdisas=on */
    QT_EL_START = 32,       /* execlog_start=: nothing is logged before a START or EXEC record */
    QT_EL_BIGENDIAN = 64,   /* a big-endian guest: register values are stored most significant first */
};

struct qt_rec_el_config {
    struct qt_rec_hdr h;
    uint32_t flags;         /* enum qt_el_config_flags */
    uint32_t reserved;
    uint64_t stop;          /* execlog_stop=N: each vCPU logs at most N instructions (0: no limit);
                             * the plugin stops at a block boundary, the formatter at N exactly */
};

/* What happens when an instruction starts (decided at translation time, as execlog does). */
enum qt_el_kind {
    QT_EL_K_LOG = 1,        /* the instruction is logged (a line; memory accesses recorded) */
    QT_EL_K_CHECK = 2,      /* watched registers are compared when it starts; alone (without
                             * LOG) the pending line is written out and not replaced */
};

/* One instruction in a TBDEF. Followed by bytes[len] then disas[dlen] (no NUL); the entry
 * is padded to a multiple of 8 bytes: its size is QT_ALIGN8(sizeof(struct qt_el_idef)+len+dlen). */
struct qt_el_idef {
    uint64_t vaddr;
    uint8_t kind;           /* enum qt_el_kind; 0 = nothing (len and dlen are then 0) */
    uint8_t len;            /* instruction bytes stored (at most 16) */
    uint16_t dlen;          /* disassembly length */
    uint32_t reserved;
};

enum qt_el_tbdef_flags { QT_EL_TB_TRUNCATED = 1 /* disassembly dropped to fit the record */ };

struct qt_rec_el_tbdef {
    struct qt_rec_hdr h;
    uint32_t tb;            /* TB id, 1.., unique for the run (a retranslation gets a new id) */
    uint16_t n;             /* instructions (all of the TB's: indexes in other records refer to them) */
    uint16_t flags;         /* enum qt_el_tbdef_flags */
    uint64_t vaddr;         /* first instruction */
    /* n struct qt_el_idef entries follow */
};

/* One watched register in a VCPU record: name[nlen] then value[size] follow, entry padded to 8. */
struct qt_el_rdef {
    uint16_t size;          /* bytes, as qemu_plugin_read_register returns them (target order) */
    uint16_t nlen;          /* name length (lower case, as execlog prints it) */
    uint32_t reserved;
};

struct qt_rec_el_vcpu {
    struct qt_rec_hdr h;
    uint16_t nregs;         /* watched registers (index = position here) */
    uint16_t reserved16;
    uint32_t reserved;
    /* nregs struct qt_el_rdef entries follow, each with the register's initial value */
};

/* prev_n (EXEC, END): how many instructions of this vCPU's current block started;
 * QT_EL_FULL: all of them (up to its last logged one). */
#define QT_EL_FULL 0xffffffffu

struct qt_rec_el_exec {
    struct qt_rec_hdr h;
    uint32_t tb;            /* TBDEF id */
    uint32_t prev_n;        /* for the previous block (the plugin writes QT_EL_FULL) */
};

enum qt_el_mem_info {
    QT_EL_M_SHIFT = 7,      /* log2 of the access size (0..4) */
    QT_EL_M_STORE = 8,
    QT_EL_M_SIGNED = 16,    /* sign-extended load */
    QT_EL_M_BE = 32,        /* big-endian access */
};
enum qt_el_mem_flags {
    QT_EL_MF_VALUE = 1,     /* the value loaded/stored follows: 1 word, 2 (low, high) if 16 bytes */
    QT_EL_MF_HW = 2,        /* then the physical address (1 word); dev is valid (system mode) */
};

/* 24 bytes in user mode without values; the optional words follow in the order above. */
struct qt_rec_el_mem {
    struct qt_rec_hdr h;
    uint16_t insn;          /* index of the instruction in the current TB */
    uint8_t info;           /* enum qt_el_mem_info */
    uint8_t flags;          /* enum qt_el_mem_flags */
    uint32_t dev;           /* DEVICE id (QT_EL_MF_HW), else 0 */
    uint64_t vaddr;
    uint64_t x[];           /* [value (, value high)] [paddr] */
};

/* Registers that changed since the previous check on this vCPU. Entries: struct qt_el_rval
 * then value[size], padded to 8. */
struct qt_el_rval {
    uint16_t reg;           /* index in the VCPU record */
    uint16_t size;
};
struct qt_rec_el_regs {
    struct qt_rec_hdr h;
    uint16_t insn;          /* the check happened when this instruction of the current TB started */
    uint16_t count;
    uint32_t reserved;
};

/* The current block ends: it stopped early (written when the next block starts), the vCPU
 * stopped (exit) or a new thread took its index (user mode). */
struct qt_rec_el_end {
    struct qt_rec_hdr h;
    uint32_t prev_n;        /* as in EXEC */
    uint32_t reserved;
};

/* execlog_start=: the start instruction ran (index first of block tb); logging starts there.
 * (When it is a block's first instruction an EXEC record is written instead.) */
struct qt_rec_el_start {
    struct qt_rec_hdr h;
    uint32_t tb;
    uint32_t first;
};

struct qt_rec_el_device {
    struct qt_rec_hdr h;
    uint32_t id;            /* 1.. */
    uint32_t len;
    char name[];            /* NUL-terminated, padded to 8 */
};

#define QT_EL_MAX_REC 65528u /* rec_hdr.size is 16 bits */

#endif
