/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Kernel-object argument types (QT_T_TASK...; qtrace system): see argtype.h for types in
 * general. */
#ifndef QTRACE_KARGTYPE_H
#define QTRACE_KARGTYPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "argtype.h"
#include "klayout.h"

/* The decoders read kernel structures at the offsets below (byte offsets from the start of
 * the structure), set once by the plugin from the kernel's BTF or a layout file before any
 * vCPU runs (unit tests set their own). QT_KOFF_NONE: unknown, the field is not shown. What a
 * decoder found is stored in the argument's data in the fixed layouts struct qt_kd_*, so the
 * CLI formats them without knowing the kernel. */
#define QT_KOFF_NONE 0xffffffffu

/* Every field of the layout table (klayout.h) and the fields read only from BTF. */
#define QT_KOFF_MEMBER_(f, ...) uint32_t f;
struct qt_koffsets {
    QT_KLAYOUT_FIELDS(QT_KOFF_MEMBER_)
    QT_KBTF_FIELDS(QT_KOFF_MEMBER_)
};
#undef QT_KOFF_MEMBER_

/* Every offset QT_KOFF_NONE. */
void qt_koffsets_init(struct qt_koffsets *o);
/* Offsets the kernel types decode with (copied); NULL: every kernel object is unreadable. */
void qt_argtype_set_koffsets(const struct qt_koffsets *o);

#define QT_KD_IDS 1u        /* task: pid and tgid */
#define QT_KD_PPID 2u
#define QT_KD_COMM 4u
#define QT_KD_UID 8u
struct qt_kd_task {         /* QT_T_TASK */
    uint32_t have;          /* QT_KD_* */
    uint32_t pid, tgid, ppid, uid, reserved;
    char comm[16];          /* NUL-terminated */
};

#define QT_KD_CRED_IDS 1u
#define QT_KD_CRED_CAPS 2u
struct qt_kd_cred {         /* QT_T_CRED */
    uint32_t have;
    uint32_t uid, gid, euid, egid, reserved;
    uint64_t cap_effective;
};

#define QT_KD_INO 1u
#define QT_KD_MODE 2u
#define QT_KD_SIZE 4u
#define QT_KD_IUID 8u
struct qt_kd_inode {        /* QT_T_INODE */
    uint32_t have;
    uint32_t mode, uid, reserved;
    uint64_t ino;
    int64_t size;
};

#define QT_KD_FFLAGS 1u
#define QT_KD_FPOS 2u
#define QT_KD_FPATH 4u
struct qt_kd_file {         /* QT_T_FILE: followed by the path (no NUL) */
    uint32_t have;
    uint32_t flags;
    int64_t pos;
};

#define QT_KD_FAMILY 1u
#define QT_KD_LOCAL 2u
#define QT_KD_REMOTE 4u
struct qt_kd_sock {         /* QT_T_SOCKET, QT_T_SOCK */
    uint32_t have;
    uint16_t family;
    uint16_t lport, rport;  /* host order */
    uint16_t reserved;
    uint8_t laddr[4], raddr[4]; /* IPv4, network order */
};

#define QT_KD_MNAME 1u
#define QT_KD_MBASE 2u
#define QT_KD_MSIZE 4u
struct qt_kd_module {       /* QT_T_MODULE */
    uint32_t have;
    uint32_t size;
    uint64_t base;
    char name[56];          /* NUL-terminated (MODULE_NAME_LEN) */
};

#define QT_KPATH_DEPTH 64   /* path components followed at most (dentry, path, file) */
#define QT_STRV_MAX 32      /* strings of a char ** read at most (argv) */
/* The path of the file at struct file *file (across mount points) into buf[0..cap), without
 * a NUL: its length, or -1 if not even its dentry is readable; *trunc as the path types set
 * QT_ARG_TRUNCATED (then it starts with "..."). */
int qt_kfile_path(const struct qt_mem *m, uint64_t file, char *buf, size_t cap, bool *trunc);

/* The table rows of these types (argtype.c's lookups find them). */
extern const struct qt_argtype qt_kargtypes[];
extern const size_t qt_nkargtypes;

#endif
