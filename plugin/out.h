/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Trace output: per-vCPU record buffers written to one file as chunks (common/format.h).
 * A vCPU only touches its own buffer; the lock is taken only when a full buffer is handed
 * to the writer thread (out.c), never per record. A QEMU that is killed leaves every written
 * chunk readable.
 */
#ifndef QTRACE_OUT_H
#define QTRACE_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format.h"

#define QT_OUT_MAX_VCPUS 256
#define QT_OUT_BUF_SIZE (256 * 1024)

struct qt_out;

/* One vCPU's buffer. The inline functions below are the per-event path: no call, no lock. */
struct qt_vbuf {
    uint8_t *data;
    size_t used;
    uint32_t nrec;
    size_t fast_lim;        /* calls.c's packed words may be appended while used < fast_lim (set
                             * after a base record; a flush sets it to 0: the next needs a base) */
    unsigned vcpu;
    struct qt_out *out;
};

/* vcpu's buffer (allocated on first use; the pointer stays valid until qt_out_close). */
struct qt_vbuf *qt_out_vbuf(struct qt_out *o, unsigned vcpu);
void qt_vbuf_flush(struct qt_vbuf *b);

static inline void *qt_vbuf_reserve(struct qt_vbuf *b, size_t size)
{
    if (b->used + size > QT_OUT_BUF_SIZE)
        qt_vbuf_flush(b);
    return b->data + b->used;
}

static inline void qt_vbuf_commit(struct qt_vbuf *b, size_t size)
{
    b->used += size;
    b->nrec++;
}

/* The trace's clock (qt_out_open's clock; NULL: host time, started now). */
struct qt_out_clock {
    uint64_t (*guest_ns)(void);     /* guest time in ns (QT_CLOCK_GUEST), or NULL: host time */
    uint32_t shift;                 /* guest time: 2^shift ns per instruction, for the header */
    uint64_t start_ns;              /* the header's start time (CLOCK_REALTIME ns), or 0: now */
};

/* Create path (truncating) and write the file header. NULL + message in err on failure. */
struct qt_out *qt_out_open(const char *path, enum qt_arch arch, enum qt_mode mode, const struct qt_out_clock *clock,
                           char *err, size_t errlen);
/* Space for one record of size bytes (multiple of 8, <= QT_OUT_BUF_SIZE/2) in vcpu's buffer,
 * flushing it first if needed. The record header is filled by the caller. Never NULL. */
void *qt_out_reserve(struct qt_out *o, unsigned vcpu, size_t size);
/* Publish the record just reserved. */
void qt_out_commit(struct qt_out *o, unsigned vcpu, size_t size);
/* Write one record as its own chunk (vcpu QT_VCPU_NONE), queued after every chunk already
 * handed to the writer (a copy is queued): for rare events raised outside a vCPU's own
 * context (modules, symbols, the execution log's instruction texts). */
#define QT_VCPU_NONE 0xffffffffu
void qt_out_write_direct(struct qt_out *o, const void *rec, size_t size);
/* Write vcpu's buffered records, and every chunk queued before them, to the file now. */
void qt_out_flush(struct qt_out *o, unsigned vcpu);
/* In a forked child (user mode), right after the fork: vcpu is the thread that forked. */
void qt_out_forked(struct qt_out *o, unsigned vcpu);
/* Flush everything, append an END record (after a STOP record if a write failed: that failure was
 * reported on stderr when it happened), close. Returns a write error not yet reported (-errno) or 0. */
int qt_out_close(struct qt_out *o, uint64_t events, uint64_t lost);
/* The trace's time in ns: host monotonic time since the trace was opened, or guest time. */
uint64_t qt_out_now(const struct qt_out *o);
const char *qt_out_path(const struct qt_out *o);

#endif
