/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Translation of the traced modules' code (program and libraries), where what runs is
 * decided once per block:
 *   - the first instruction of every traced function gets an entry callback; a direct call to
 *     one records the entry from the return address's store instead (calls.c), or stores the
 *     mark of a one-block function (calls.h), and the entry callback is then skipped;
 *   - every ret inside a traced function gets a return callback;
 *   - the block gets an inline instruction counter (durations);
 *   - nothing else: untraced code runs as in plain QEMU.
 * In system mode an instruction is instrumented only if its bytes are the module's bytes at
 * that address, so another program mapped at the same addresses is left alone.
 */
#ifndef QTRACE_INSTRUMENT_H
#define QTRACE_INSTRUMENT_H

#include "plugin.h"

/* Instrument tb if it is a traced module's code; false if it is not (other code). */
bool qt_instrument_tb(struct qemu_plugin_tb *tb);

#endif
