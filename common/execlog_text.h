/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Execution log formatter: execution-log records (common/execlog_format.h) in, QEMU execlog's
 * text (byte for byte) or JSON lines out.
 *
 * Used twice: by `qtrace dump -f execlog|execlog-json` on a binary trace (cli/w_execlog.c),
 * and inside the plugin for execlog_format=text, where each vCPU formats its own buffer when
 * it fills. So both outputs come from the same code.
 *
 * It replays what execlog does at run time: a vCPU has a pending line; a logged instruction
 * that starts writes the pending line out (after appending register changes if the
 * instruction checks registers) and replaces it with its own; memory accesses are appended to
 * the pending line; a check-only instruction writes the pending line out and leaves it empty;
 * at the end every vCPU's pending line is written (execlog's plugin_exit), in vCPU order.
 *
 * Threads: records of one vCPU must be fed by one thread at a time; different vCPUs may be
 * fed concurrently, and qt_eltext_add_tb/qt_eltext_add_device may run concurrently with them.
 */
#ifndef QTRACE_EXECLOG_TEXT_H
#define QTRACE_EXECLOG_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "execlog_format.h"

#define QT_ELTEXT_MAX_VCPUS 1024

/* ---- translation-block descriptors (one allocation each) ---- */
struct qt_el_insn {
    uint64_t vaddr;
    const char *text;       /* execlog's fixed part: 0xVADDR, 0xOPCODE, "DISAS" ("" if kind 0) */
    const char *disas;      /* NUL-terminated ("" if kind 0) */
    uint32_t text_len;
    uint16_t dlen;
    uint8_t kind;           /* enum qt_el_kind */
    uint8_t len;
    uint8_t bytes[16];
};

struct qt_el_tb {
    uint32_t id;
    uint16_t n;
    uint16_t flags;         /* enum qt_el_tbdef_flags */
    uint64_t vaddr;
    struct qt_el_insn insn[];
};

/* What a descriptor is built from (translation time, or a TBDEF record). */
struct qt_el_isrc {
    uint64_t vaddr;
    uint8_t kind, len;
    const uint8_t *bytes;
    const char *disas;      /* need not be NUL-terminated */
    size_t dlen;
};

/* NULL if out of memory. */
struct qt_el_tb *qt_el_tb_new(uint32_t id, uint16_t flags, const struct qt_el_isrc *src, unsigned n);
/* Encode tb as a TBDEF record into buf (cap >= QT_EL_MAX_REC is always enough: disassembly is
 * dropped, flag QT_EL_TB_TRUNCATED, if the record would not fit). Returns its size. */
size_t qt_el_tbdef_encode(const struct qt_el_tb *tb, uint32_t vcpu, void *buf, size_t cap);
/* Decode a TBDEF record; NULL if malformed or out of memory. */
struct qt_el_tb *qt_el_tbdef_decode(const void *rec, size_t size);

/* ---- the formatter ---- */
enum qt_eltext_style { QT_ELTEXT_TEXT, QT_ELTEXT_JSON };

/* Receives formatted output of one vCPU (or QT_VCPU_NONE for the final lines); data[len] is
 * a NUL, so data can be passed on as a C string. */
typedef void (*qt_eltext_sink_fn)(void *ctx, unsigned vcpu, const char *data, size_t len);

struct qt_eltext_opts {
    enum qt_eltext_style style;
    qt_eltext_sink_fn sink;
    void *ctx;
    size_t flush_at;        /* hand a vCPU's text to the sink once it is this long (0: 64 KiB) */
    uint64_t max_lines;     /* execlog_stop=N: at most N instruction lines per vCPU (0: no limit;
                             * a CONFIG record sets it too) */
    bool big_endian;        /* register values are in a big-endian guest's order (a CONFIG record
                             * with QT_EL_BIGENDIAN sets it too) */
};

struct qt_eltext;

struct qt_eltext *qt_eltext_new(const struct qt_eltext_opts *o);
/* Frees the formatter and every descriptor it holds. */
void qt_eltext_free(struct qt_eltext *f);
/* Make the state of a vCPU now (else on its first record): lets the plugin allocate outside
 * its hot path. Returns 0 or -1. */
int qt_eltext_prepare_vcpu(struct qt_eltext *f, unsigned vcpu);
/* Add a descriptor (the formatter owns it from now on). Thread-safe, lock-free. -1 if the id
 * is 0, too large or already used. */
int qt_eltext_add_tb(struct qt_eltext *f, struct qt_el_tb *tb);
const struct qt_el_tb *qt_eltext_tb(const struct qt_eltext *f, uint32_t id);
/* Name of a device id (system mode); name is copied. Thread-safe. */
int qt_eltext_add_device(struct qt_eltext *f, uint32_t id, const char *name);
/* Feed one record (any type; those that are not execution-log records are ignored).
 * Returns 0, or -1 if it is malformed or refers to an unknown block (counted, skipped). */
int qt_eltext_record(struct qt_eltext *f, const void *rec, size_t size);
/* Hand a vCPU's formatted text to the sink now. */
void qt_eltext_flush(struct qt_eltext *f, unsigned vcpu);
/* End of the log: flush every vCPU, then write each vCPU's pending line, in vCPU order
 * (text style: also what execlog prints for a vCPU whose line was already written). */
void qt_eltext_finish(struct qt_eltext *f);
uint64_t qt_eltext_errors(const struct qt_eltext *f);
uint64_t qt_eltext_lines(const struct qt_eltext *f);

#endif
