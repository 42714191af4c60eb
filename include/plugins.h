/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The instrumentation API of ISP RAS's QEMU fork (seed 001), as qtrace's legacy adapter
 * (libqtrace-legacy.so) provides it on stock QEMU 10. Old plugins build against this header
 * unchanged; docs/legacy-api.md documents every function and when it runs.
 *
 * A plugin defines any of the plugin_* functions (each optional, looked up by name) and calls
 * the qemulib_* functions, which the adapter provides. Include <stdint.h> first.
 */
#ifndef PLUGINS_H
#define PLUGINS_H

#include <stdbool.h>

/* Functions a plugin may define */
/* Once, before the guest runs, with the args= string ("" without one); false: the plugin is
 * unloaded ("can't init plugin 'LIB.so'") and the guest runs on. */
bool plugin_init(const char *args);
/* At translation, once per instruction, and again at run time before each plugin_before_insn:
 * true to have plugin_before_insn called for the instruction at pc. */
bool plugin_needs_before_insn(uint64_t pc, void *cpu);
/* At run time, before the instruction at pc executes, if plugin_needs_before_insn said yes. */
void plugin_before_insn(uint64_t pc, void *cpu);
/* At translation with the block's first pc, and again at run time before each
 * plugin_before_tb: true to have plugin_before_tb called when the block runs. */
bool plugin_needs_before_tb(uint64_t pc, void *cpu);
/* At run time, each time the block starting at pc runs, before its first plugin_before_insn. */
void plugin_before_tb(uint64_t pc, void *cpu);

/* Functions QEMU (the adapter) provides */
/* printf into the log (log=FILE, else standard error): the bytes as formatted, nothing added. */
void qemulib_log(const char *fmt, ...);
/* Guest virtual memory through cpu: 0 on success, -1 on failure (buf may be partly filled). */
int qemulib_read_memory(void *cpu, uint64_t addr, uint8_t *buf, int len);
/* Register reg (regnum.h) of cpu into mem_buf: the number of bytes written, 0 if unknown. */
int qemulib_read_register(void *cpu, uint8_t *mem_buf, int reg);
/* The emulator's target: "i386", "x86_64", "arm" or "aarch64". */
const char *qemulib_get_arch_name(void);

#endif
