/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libqtrace-legacy.so: runs plugins written for seed 001's API (the ISP RAS fork's
 * plugin_* / qemulib_* functions, include/plugins.h) on stock QEMU 10. The old plugins are
 * loaded with dlopen; their hooks run from QEMU 10 translation and execution callbacks, and
 * every call into them is serialised by one lock (they are not thread-safe).
 * docs/legacy-api.md documents what a plugin sees.
 */
#ifndef QTRACE_LEGACY_H
#define QTRACE_LEGACY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <glib.h>
#include <qemu-plugin.h>

#define LG_MAX_PLUGINS 32
#define LG_MAX_VCPUS 1024
#define LG_PREFIX "qtrace-legacy: "

/* One old plugin, as loaded. */
struct lg_plugin {
    char *path;                                     /* as given (plugin=PATH) */
    char *args;                                     /* args=STR, "" without one */
    void *handle;                                   /* dlopen handle, NULL once unloaded */
    bool live;                                      /* loaded and initialised: it is called */
    bool (*init)(const char *args);                 /* plugin_init */
    bool (*needs_insn)(uint64_t pc, void *cpu);     /* plugin_needs_before_insn */
    void (*before_insn)(uint64_t pc, void *cpu);    /* plugin_before_insn */
    bool (*needs_tb)(uint64_t pc, void *cpu);       /* plugin_needs_before_tb */
    void (*before_tb)(uint64_t pc, void *cpu);      /* plugin_before_tb */
};

/* What an old plugin's `cpu` points to: one per vCPU. */
struct lg_cpu {
    uint32_t magic;                                 /* LG_CPU_MAGIC: a cpu the adapter gave out */
    unsigned index;                                 /* QEMU's vCPU index */
    GByteArray *buf;                                /* register and memory read buffer */
    struct qemu_plugin_register **regs;             /* per row of the register table, NULL if absent */
    struct qemu_plugin_register *pc;                /* the program counter, NULL if absent */
    uint64_t delta;                                 /* system mode: run-time minus translation-time
                                                       address of the block running (set at its start) */
    uint64_t pc_now;                                /* the pc of the run-time hook being called */
    bool in_hook;                                   /* a run-time hook runs: its pc is the program counter */
};
/* The program counter's value now (0 without one). */
uint64_t lg_cpu_pc(struct lg_cpu *c);
#define LG_CPU_MAGIC 0x51544c47u

/* The adapter's state (main.c). */
struct lg_state {
    const char *target;                             /* QEMU's target name: x86_64, i386, aarch64, arm */
    bool system;                                    /* system emulation (else user mode) */
    struct lg_plugin plugins[LG_MAX_PLUGINS];       /* in load order; called in reverse */
    int nplugins;
    FILE *log;                                      /* qemulib_log's file (stderr without log=) */
    char *log_path;                                 /* log=FILE, or NULL */
    bool exiting;                                   /* QEMU's exit began: every log line is flushed */
};
extern struct lg_state lg;

/* load.c: dlopen p->path, find its functions, run plugin_init. Reports every problem on stderr;
 * p->live says whether the plugin is called. */
void lg_plugin_load(struct lg_plugin *p);

/* hooks.c: the lock around every call into an old plugin */
void lg_lock(void);
void lg_unlock(void);
/* QEMU callbacks */
void lg_on_tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
void lg_on_vcpu_init(qemu_plugin_id_t id, unsigned int vcpu_index);

/* cpu.c: per-vCPU state */
struct lg_cpu *lg_cpu_init(unsigned index);
struct lg_cpu *lg_cpu_at(unsigned index);
/* The vCPU whose thread this is (translation callbacks get no index); never NULL once a vCPU exists. */
struct lg_cpu *lg_cpu_current(void);
/* A plugin's cpu argument, checked; NULL (after one line on stderr) if it is not one of ours. */
struct lg_cpu *lg_cpu_check(void *cpu, const char *fn);

/* regs.c: the register ids of the emulator binary */
struct lg_reg {
    int id;                                         /* the fork's register id (regnum.h) */
    const char *name;                               /* QEMU 10's register name, NULL: fork-only */
    int size;                                       /* bytes the fork wrote */
};
/* Select the table of QEMU's target; false if there is none (ids then all read as unknown). */
bool lg_regs_select(const char *target);
/* QEMU's name of the program counter, NULL if unknown. */
const char *lg_regs_pc_name(void);
/* Rows of the selected table. */
size_t lg_regs_count(void);
const struct lg_reg *lg_reg_row(size_t i);
/* Row index of id, or -1. */
int lg_reg_find(int id);

/* log.c */
/* Open log=FILE (NULL: standard error). 0, or -1 after a line on stderr. */
int lg_log_open(const char *path);
void lg_log_flush(void);

#endif
