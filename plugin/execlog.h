/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The execution log (execlog=on): every executed instruction, its memory accesses and the
 * watched registers that changed, as QEMU's contrib/plugins/execlog.c prints them.
 * docs/execlog.md has the design.
 */
#ifndef QTRACE_EXECLOG_H
#define QTRACE_EXECLOG_H

#include "plugin.h"

int qt_execlog_init(const qemu_info_t *info, char *err, size_t errlen);
void qt_execlog_vcpu_init(unsigned vcpu);
void qt_execlog_tb_trans(struct qemu_plugin_tb *tb);
void qt_execlog_exit(void);
/* The kernel layer says whether the task now running on vcpu is recorded (comm=, pid=). */
void qt_execlog_select(unsigned vcpu, bool selected);

#endif
