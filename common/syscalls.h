/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * System call descriptions, per architecture: name and how each argument is shown.
 * The plugin uses them to decide what to read from guest memory (paths, buffers) at the
 * syscall; the CLI uses them to print flags symbolically, like strace.
 * A new syscall is one table row; a new argument kind is one enum value, one decode case
 * (plugin side: only if it reads memory) and one format case (syscalls.c).
 */
#ifndef QTRACE_SYSCALLS_H
#define QTRACE_SYSCALLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format.h"
#include "sb.h"

enum qt_sa {
    QT_SA_INT = 0,      /* signed decimal */
    QT_SA_UINT,         /* unsigned decimal */
    QT_SA_HEX,          /* 0x... */
    QT_SA_PTR,          /* pointer: NULL or 0x... */
    QT_SA_FD,           /* file descriptor (AT_FDCWD for dirfd) */
    QT_SA_PATH,         /* NUL-terminated string read at entry */
    QT_SA_BUF_IN,       /* buffer the guest passes in, length in the next argument */
    QT_SA_BUF_OUT,      /* buffer the kernel fills, length = return value (read at return) */
    QT_SA_OFLAGS,       /* open flags O_RDONLY|O_CREAT|... */
    QT_SA_MODE,         /* 0644 */
    QT_SA_PROT,         /* PROT_READ|PROT_WRITE|... */
    QT_SA_MMAP_FLAGS,   /* MAP_PRIVATE|MAP_ANONYMOUS|... */
    QT_SA_SIGNAL,       /* SIGINT */
    QT_SA_CLONE_FLAGS,  /* CLONE_VM|... */
    QT_SA_ATFLAGS,      /* AT_EMPTY_PATH|... */
    QT_SA_WHENCE,       /* SEEK_SET ... */
};

#define QT_SYS_MAXARGS 6

struct qt_syscall_desc {
    const char *name;
    uint8_t nargs;
    uint8_t arg[QT_SYS_MAXARGS];    /* enum qt_sa */
};

/* Description of syscall nr on arch, or NULL when unknown (printed as syscall_NNN). */
const struct qt_syscall_desc *qt_syscall_desc(enum qt_arch arch, long nr);
/* Syscall number by name on arch, or -1. */
long qt_syscall_nr(enum qt_arch arch, const char *name);
/* "ENOENT" for 2, NULL if unknown. */
const char *qt_errno_name(int err);
/* Append the strace-style rendering of a non-memory argument value of kind sa (x86-64). */
void qt_sa_format(enum qt_sa sa, uint64_t value, struct qt_sb *out);
/* The same for a guest architecture: i386 values are 32-bit, aarch64 numbers some O_ flags
 * differently. Writers should call this one. */
void qt_sa_format_arch(enum qt_arch arch, enum qt_sa sa, uint64_t value, struct qt_sb *out);

#endif
