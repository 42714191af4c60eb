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

/* Where a call is recorded from, which tells where this process loaded the program (system mode:
 * QEMU runs one translation of a page at every address it is mapped at, so tf may carry another
 * process's addresses). */
enum qt_lm_how {
    QT_LM_AT_ENTRY,     /* the callee's first instruction, registers readable: pc is the callee */
    QT_LM_AT_CALL,      /* the call's store of its return address at sp: a direct call's target */
    QT_LM_LATE,         /* neither (a leaf function seen at its ret): tf's own addresses */
};

void qt_linkmap_walk(struct qt_vcpu *v, const struct qt_who *who, const struct qt_tfunc *tf, enum qt_lm_how how,
                     uint64_t sp);

/* A call of tf by the thread who is about to be recorded: the first one of a process walks its
 * link map (one test when linkmap= is not given). */
static inline void qt_linkmap_on_call(struct qt_vcpu *v, const struct qt_who *who, const struct qt_tfunc *tf,
                                      enum qt_lm_how how, uint64_t sp)
{
    if (qt.opts.linkmap)
        qt_linkmap_walk(v, who, tf, how, sp);
}

/* At the end: says so (stderr, one line) when linkmap= was given and nothing was walked. */
void qt_linkmap_finish(void);

#endif
