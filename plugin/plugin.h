/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The plugin's context: what QEMU told it at install and what the options say, set once by
 * qtrace.c before any vCPU runs and only read afterwards. The bottom of the plugin's layers
 * (docs/architecture.md draws them): every file includes it, it includes no plugin file but
 * the trace output's.
 */
#ifndef QTRACE_PLUGIN_H
#define QTRACE_PLUGIN_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include <qemu-plugin.h>

#include "arch.h"
#include "options.h"
#include "out.h"

/* Globals the callbacks read, linked inside libqtrace.so only: addressed directly, not through
 * the GOT (-fvisibility=hidden covers definitions, not extern declarations). */
#define QT_HIDDEN __attribute__((visibility("hidden")))

struct qt_plugin {
    qemu_plugin_id_t id;
    struct qt_opts opts;
    struct qt_out *out;                 /* the binary trace (opts.out) */
    const struct qt_arch_desc *arch;    /* the guest's */
    const struct qt_callconv *cc;       /* user code's calling convention */
    bool system;                        /* system emulation (false: user mode) */
    bool call_sites;                    /* calls push the return address (calls.c records entries there) */
    /* per-vCPU scoreboard words (struct qt_vsb in vcpu.h), for inline operations */
    qemu_plugin_u64 icount;             /* guest instructions executed in traced code */
    qemu_plugin_u64 switched;           /* system mode: something other than the program ran */
    qemu_plugin_u64 entered;            /* a call site recorded this function's entry (or marked it) */
    qemu_plugin_u64 caller;             /* the function of the marking call site */
    qemu_plugin_u64 insns;              /* guest_clock=: guest instructions executed, all code */
};

extern struct qt_plugin qt QT_HIDDEN;

#endif
