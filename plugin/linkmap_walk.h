/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * linkmap=ADDR (compat's linkmap:ADDR): at a process's first recorded call of a function of the
 * program, the guest's own link map is walked (common/lmwalk.h) and written as QT_PROC_LINKMAP
 * records, once per process.
 */
#ifndef QTRACE_LINKMAP_WALK_H
#define QTRACE_LINKMAP_WALK_H

#include "modules.h"
#include "record.h"

/* A call of tf by the thread who is about to be recorded. Cheap when linkmap= is not given or
 * the process was walked already. */
void qt_linkmap_on_call(struct qt_vcpu *v, const struct qt_who *who, const struct qt_tfunc *tf);

#endif
