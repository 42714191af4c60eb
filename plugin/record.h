/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Building records (common/format.h) in a vCPU's trace buffer: call-style records and their
 * arguments, packed words after a base record, thread, symbol and module records, and system
 * calls' entries and returns for user and system mode alike. Guest memory is read through the
 * vCPU, bounded; nothing here allocates.
 */
#ifndef QTRACE_RECORD_H
#define QTRACE_RECORD_H

#include "symtab.h"
#include "vcpu.h"

/* Who an event is about: the header fields of its record. */
struct qt_who {
    uint32_t tid;
    uint32_t pid;           /* thread group id, when the kernel is known (0 otherwise) */
    uint64_t asid;
};

#define QT_ARG_MAX_BYTES (sizeof(struct qt_arg) + QT_STR_MAX + 8) /* one decoded argument at most */
#define QT_BUF_BYTES 64     /* bytes of a system call's data buffer kept (strace shows 32) */

/* A call-style record of type (entry, exit, syscall, sysret, proc) with room for max bytes,
 * header fields set; arguments are appended after it and qt_rec_end closes it at size. */
struct qt_rec_call *qt_rec_begin(struct qt_vcpu *v, uint16_t type, size_t max, const struct qt_who *w, uint64_t func,
                                 uint64_t now, uint64_t icount);
void qt_rec_end(struct qt_vcpu *v, struct qt_rec_call *r, size_t size, uint64_t now);

/* Arguments, each written at p; each returns the bytes used. */
size_t qt_arg_put(struct qt_vcpu *v, uint8_t *p, const struct qt_argslot *slot, uint64_t value); /* decoded by type */
size_t qt_arg_scalar(uint8_t *p, int pos, uint8_t type, uint8_t bits, uint64_t value);
size_t qt_arg_buf(struct qt_vcpu *v, uint8_t *p, int pos, uint64_t addr, uint64_t len); /* QT_BUF_BYTES at most */
/* An argument whose len data bytes the caller copies to the returned pointer. */
uint8_t *qt_arg_raw(uint8_t *p, int pos, uint8_t type, uint8_t bits, uint64_t value, uint8_t flags, size_t len,
                    size_t *used);

/*
 * Packed words: an event without arguments is one 8-byte word relative to the vCPU's current
 * base record (same thread, instruction count within QT_PACKED_DICOUNT_MAX, at most
 * QT_FAST_PER_BASE words after it: fast_lim). qt_rec_packed writes a base first when needed.
 */
void qt_rec_packed(struct qt_vcpu *v, const struct qt_who *w, enum qt_packed_kind kind, uint32_t id, uint32_t depth,
                   uint64_t icount);

/* Can n packed words for w at instruction counts ic0..ic go after v's current base now? One test. */
static inline bool qt_rec_packed_room(const struct qt_vcpu *v, const struct qt_who *w, uint64_t ic0, uint64_t ic,
                                      unsigned n)
{
    const struct qt_vbuf *b = v->buf;
    return ((uintptr_t)v->base_who ^ (uintptr_t)w) == 0 &&
           (((ic - v->base_icount) >> QT_PACKED_DICOUNT_BITS) | (uint64_t)(ic0 < v->base_icount) |
            (uint64_t)(b->used + (n - 1) * sizeof(uint64_t) >= b->fast_lim)) == 0;
}

/* Append packed word w (kind, id and depth set) at instruction count ic, after qt_rec_packed_room. */
static inline void qt_rec_packed_put(struct qt_vcpu *v, uint64_t w, uint64_t ic)
{
    struct qt_vbuf *b = v->buf;
    *(uint64_t *)(b->data + b->used) = w | (ic - v->base_icount);
    b->used += sizeof(uint64_t);
    b->nrec++;
    v->events++;
}

/* A thread seen for the first time: its ids, identity key and name. */
void qt_rec_thread(struct qt_vcpu *v, const struct qt_who *w, uint64_t key, const char comm[16]);
/* A traced function's name, parameter names, extent and id (flags: QT_SYM_KERNEL or 0). */
void qt_rec_sym(const struct qt_sym *s, uint64_t addr, uint64_t size, uint32_t id, uint32_t flags);
/* A module (program, library, kernel) mapped at base. */
void qt_rec_map(const char *path, uint64_t base, uint64_t code_size, uint32_t flags);

/* A system call as both modes record it. */
struct qt_sys_call {
    enum qt_arch abi;       /* whose numbering and argument kinds (common/syscalls.h) */
    int64_t nr;
    uint64_t func;          /* the record's func: nr, with QT_SYSCALL_I386 for the 32-bit ABI */
    uint64_t args[6];
    uint8_t bits;           /* width of a scalar argument and of the return value */
    int argv_pos;           /* execve's argv: decoded as a string vector at this position (0: not) */
    uint16_t depth;         /* the calling thread's recorded depth */
};
/* Its entry: arguments by the syscall table's kinds (paths, input buffers, hex). Bit i of
 * *unread is set where the path argument i + 1 could not be read yet. */
void qt_rec_sys_entry(struct qt_vcpu *v, const struct qt_who *w, const struct qt_sys_call *c, uint8_t *unread);
/* Its return: the value, the first output buffer, and the paths unreadable at the entry. */
void qt_rec_sys_return(struct qt_vcpu *v, const struct qt_who *w, const struct qt_sys_call *c, int64_t ret,
                       uint8_t unread);

#endif
