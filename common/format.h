/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qtrace binary trace format (the "event model").
 *
 * The plugin appends fixed-layout records to per-vCPU buffers and writes them to
 * one file as chunks; the CLI (`qtrace dump`) reads them back and hands every
 * record to a writer (text, Chrome JSON, folded stacks, ...). See docs/trace-format.md.
 *
 *   file   := file_hdr chunk*
 *   chunk  := chunk_hdr record*           (one vCPU's buffer at one flush)
 *   record := rec_hdr payload             (size is a multiple of 8, header included)
 *           | packed event word           (8 bytes, type bit 15 set, size 8: see below)
 *
 * All integers are little-endian (host order of the x86-64/aarch64 hosts we support).
 * A reader must skip record types it does not know (use rec_hdr.size).
 */
#ifndef QTRACE_FORMAT_H
#define QTRACE_FORMAT_H

#include <stdint.h>

#define QT_FILE_MAGIC "QTRACE\0\1"
#define QT_FILE_VERSION 3
#define QT_CHUNK_MAGIC 0x4b435451u /* "QTCK" */

enum qt_arch { QT_ARCH_X86_64 = 1, QT_ARCH_I386 = 2, QT_ARCH_AARCH64 = 3 };
enum qt_mode { QT_MODE_USER = 1, QT_MODE_SYSTEM = 2 };

struct qt_file_hdr {
    char magic[8];          /* QT_FILE_MAGIC */
    uint32_t version;       /* QT_FILE_VERSION */
    uint32_t hdr_size;      /* sizeof(struct qt_file_hdr) */
    uint32_t arch;          /* enum qt_arch */
    uint32_t mode;          /* enum qt_mode */
    uint64_t start_ns;      /* host CLOCK_REALTIME at start, ns (a replay: the recording's time) */
    uint32_t clock;         /* enum qt_clock: what every record's ts_ns counts */
    uint32_t clock_shift;   /* QT_CLOCK_GUEST: 2^clock_shift ns per guest instruction */
    uint64_t reserved[3];
};

/* The records' clock. A replay uses guest time so that two replays give the same times: the
 * instructions executed on all vCPUs so far (counted per translation block), scaled by the
 * recording's icount shift. Old traces have 0 here: host time. */
enum qt_clock {
    QT_CLOCK_HOST = 0,      /* host monotonic time since the trace was opened */
    QT_CLOCK_GUEST = 1,     /* guest instructions << clock_shift */
};

struct qt_chunk_hdr {
    uint32_t magic;         /* QT_CHUNK_MAGIC */
    uint32_t vcpu;
    uint32_t size;          /* bytes of records following this header */
    uint32_t nrec;
};

enum qt_rec_type {
    QT_REC_SYM = 1,         /* struct qt_rec_sym: a function symbol */
    QT_REC_ENTRY = 2,       /* struct qt_rec_call: function entry, args follow */
    QT_REC_EXIT = 3,        /* struct qt_rec_call: function exit, retval as arg pos 0 */
    QT_REC_LOST = 4,        /* struct qt_rec_lost: events dropped (buffer/stack overflow) */
    QT_REC_MAP = 5,         /* struct qt_rec_sym with QT_SYM_MODULE: a loaded module */
    QT_REC_THREAD = 6,      /* struct qt_rec_thread: a new thread/address space seen */
    QT_REC_SYSCALL = 7,     /* struct qt_rec_call: syscall entry (func = nr) */
    QT_REC_SYSRET = 8,      /* struct qt_rec_call: syscall return */
    QT_REC_END = 9,         /* struct qt_rec_end: trace closed cleanly */
    QT_REC_BASE = 10,       /* struct qt_rec_base: context and time base of the compact records after it */
    /* 11..13: not used (a reader skips a type it does not know by its size) */
    QT_REC_PROC = 14,       /* struct qt_rec_call: a process or module event of the guest kernel
                             * (func = enum qt_proc_kind, tid/pid = the task doing it), args follow */
    QT_REC_STOP = 15,       /* struct qt_rec_stop: recording stopped early (the trace could not be written) */
    QT_REC_DISK = 19,       /* struct qt_rec_call: a block request (--disk-trace): func = enum qt_disk_kind,
                             * tid/pid = the task running when it happened, args follow (below) */
    QT_REC_FILEW = 20,      /* struct qt_rec_call: a file event (--files-written): func = enum qt_filew_kind,
                             * tid/pid = the task doing it, args follow (below) */
    QT_REC_VMA = 16,        /* struct qt_rec_call + struct qt_vma[aux]: a process's memory map after a change */
    QT_REC_PAGE = 17,       /* struct qt_rec_call: a virtual page first seen on a physical frame */
    /* 32..47 are reserved for the execution log (plugin/execlog.c) */
    QT_REC_EXECLOG_FIRST = 32,
    QT_REC_EXECLOG_LAST = 47,
};

struct qt_rec_hdr {
    uint16_t type;          /* enum qt_rec_type */
    uint16_t size;          /* total record size in bytes, multiple of 8 */
    uint32_t vcpu;
};

enum qt_sym_flags { QT_SYM_FUNC = 1, QT_SYM_MODULE = 2, QT_SYM_KERNEL = 4 };

/* Function or module: name is NUL-terminated, record padded to 8 bytes. */
struct qt_rec_sym {
    struct qt_rec_hdr h;
    uint32_t flags;         /* enum qt_sym_flags */
    uint32_t name_len;      /* strlen(name) */
    uint64_t addr;          /* start (run-time address) */
    uint64_t size;
    uint32_t id;            /* functions: the id compact records use (0: none) */
    uint32_t reserved;
    char name[];            /* NUL-terminated; functions: then parameter names, each NUL-terminated,
                             * ended by an empty string */
};

enum qt_call_flags {
    QT_CALL_UNWOUND = 1,    /* exit without a ret (longjmp, exception, tail call cleanup) */
    QT_CALL_UNFINISHED = 2, /* still on the stack when the trace ended */
};

/* Function entry/exit and syscall entry/return. */
struct qt_rec_call {
    struct qt_rec_hdr h;
    uint16_t flags;         /* enum qt_call_flags */
    uint16_t depth;         /* nesting depth of this thread's traced calls, 0 = outermost */
    uint16_t nargs;         /* struct qt_arg records that follow */
    uint16_t reserved;
    uint32_t tid;           /* guest thread id (user mode) or thread slot (system mode) */
    uint32_t pid;           /* guest process id if known, else 0 */
    uint64_t ts_ns;         /* host CLOCK_MONOTONIC ns since trace start */
    uint64_t icount;        /* guest instructions executed on this vCPU so far */
    uint64_t asid;          /* address space: cr3 (system mode) or 0 (user mode) */
    uint64_t func;          /* function address (syscalls: number) */
    uint64_t aux;           /* entry: return address; exit: entry icount */
};

/* QT_REC_PROC (system mode with kernel introspection), in the order the kernel did them:
 *   FORK, THREAD  arg1 = the new task (QT_T_TASK), recorded by its parent
 *   EXEC          arg1 = the file executed (QT_T_STR), arg2 = argv (QT_T_STRV), arg3 = the new comm
 *   EXIT          arg1 = the code passed to do_exit (QT_T_EXITCODE)
 *   MODULE        arg1 = the module being initialised (QT_T_MODULE): name, base, size
 *   PANIC         arg1 = the message panic() was called with (its format string, QT_T_STR), whatever
 *                 task runs
 * and with processes=on (qtrace ps):
 *   CRED          arg1 = the credentials the task takes (QT_T_CRED): setuid, su, exec of a setuid file
 *   RUN           the task leaves its vCPU: arg1, arg2 = the user and kernel instructions it ran there
 *                 since the vCPU's previous RUN record (QT_T_UINT), arg3 = its comm (QT_T_STR)
 *   VCPU          at the end: arg1, arg2 = the user and kernel instructions this vCPU ran in all,
 *                 which its RUN records add up to (tid/pid: the task running then)
 * and with sysroot= (the processes' shared libraries):
 *   MAP           arg1 = an ELF file the process mapped (QT_T_STR, the guest's path), arg2 = its
 *                 load bias (QT_T_HEX)
 * and with linkmap=ADDR (the guest's own link map, at the process's first call in the program):
 *   LINKMAP       arg1 = 0 for an entry, else how the walk ended (enum qt_lmwalk_end, the last
 *                 record); an entry: arg2 = l_addr (QT_T_HEX), arg3 = l_name (QT_T_STR), arg4 =
 *                 the struct link_map's address; the end: arg2 = the address it is about, arg3 =
 *                 where the list's head came from (enum qt_lmwalk_src), arg4 = entries walked */
enum qt_proc_kind { QT_PROC_FORK = 1, QT_PROC_EXEC = 2, QT_PROC_EXIT = 3, QT_PROC_MODULE = 4, QT_PROC_THREAD = 5,
                    QT_PROC_CRED = 6, QT_PROC_RUN = 7, QT_PROC_VCPU = 8, QT_PROC_PANIC = 9, QT_PROC_MAP = 10,
                    QT_PROC_LINKMAP = 11 };

/* QT_REC_DISK: a block request the driver started (ISSUE) or ended (DONE), in the kernel's words:
 *   ISSUE  arg1 = the request (QT_T_HEX: its address pairs it with its DONE), arg2 = cmd_flags
 *          (QT_T_HEX: the operation in the low 8 bits, enum qt_disk_op), arg3 = first sector (512
 *          bytes), arg4 = bytes, arg5 = the disk's name (QT_T_STR, "vda"), arg6 = the inode whose
 *          page the request's first segment holds (QT_T_UINT: its number, 0 if none) and arg7 its
 *          mode (QT_T_UINT), arg8 = that inode's path in its file system (QT_T_DENTRY, regular
 *          files only), arg9 = the running task's comm (QT_T_STR)
 *   DONE   arg1 = the request, arg2 = the status (QT_T_INT: 0, or the blk_status_t error) */
enum qt_disk_kind { QT_DISK_ISSUE = 1, QT_DISK_DONE = 2 };
enum qt_disk_op { QT_DISK_READ = 0, QT_DISK_WRITE = 1, QT_DISK_FLUSH = 2, QT_DISK_DISCARD = 3 };

/* QT_REC_FILEW, events of the files the selected processes write:
 *   WRITE   bytes written to a regular file by write, pwrite, writev, pwritev (at the call), a
 *           record per piece of at most QT_FILEW_CHUNK bytes: arg1 = the file (QT_T_FILE), arg2 = the
 *           file offset of the piece (QT_T_INT), arg3 = the bytes (QT_T_STR, value = their number;
 *           QT_ARG_UNREADABLE and no data when guest memory could not be read)
 *   RENAME  arg1 = old name, arg2 = new name (QT_T_STR, as the process gave them), arg3 = its
 *           working directory (QT_T_PATH) when a name is relative
 *   UNLINK  arg1 = the name (QT_T_STR), arg2 = the working directory when it is relative
 *   MMAP    a shared writable mapping of a regular file, whose writes are not seen: arg1 = the
 *           file (QT_T_FILE), arg2 = file offset, arg3 = length (QT_T_UINT)
 * and each arg9 = the comm of the task (QT_T_STR). */
enum qt_filew_kind { QT_FILEW_WRITE = 1, QT_FILEW_RENAME = 2, QT_FILEW_UNLINK = 3, QT_FILEW_MMAP = 4 };
#define QT_FILEW_CHUNK 16384

/* QT_REC_VMA (vmmap=on): the whole map of the process whose system call (or exec) changed it,
 * as /proc/PID/maps shows it, read from the kernel's VMA tree when the call returns. The record
 * is a struct qt_rec_call with nargs = 0 and
 *   func  = the system call's number (| QT_SYSCALL_I386), or QT_VMA_CAUSE_START
 *   aux   = the mm_struct: processes (threads) with the same one share the map
 *   depth = enum qt_vma_rec_flags
 * followed by struct qt_vma entries in address order, each followed by its name. */
#define QT_VMA_CAUSE_START UINT64_MAX /* the first return to user mode of a process the kernel started */
enum qt_vma_rec_flags { QT_VMA_INCOMPLETE = 1 /* the tree could not be read whole: areas are missing */ };
enum qt_vma_flags {
    QT_VMA_READ = 1, QT_VMA_WRITE = 2, QT_VMA_EXEC = 4,
    QT_VMA_SHARED = 8,      /* VM_MAYSHARE: 's' in /proc/PID/maps, else 'p' */
    QT_VMA_FILE = 16,       /* file-backed: name is the file's path */
    QT_VMA_NAME_TRUNC = 32, /* name cut short (starts with "...") */
    QT_VMA_NAME_UNREADABLE = 64, /* a file whose path could not be read */
};
struct qt_vma {
    uint64_t start, end;    /* [start, end) */
    uint64_t off;           /* file offset in bytes (0 for anonymous memory, as /proc shows) */
    uint64_t ino;           /* the file's inode number (0: anonymous) */
    uint32_t dev;           /* its file system's device, the kernel's encoding: major << 20 | minor */
    uint16_t flags;         /* enum qt_vma_flags */
    uint16_t name_len;      /* bytes of name after this struct (no NUL), padded to 8 */
};
/* QT_REC_PAGE (vmmap=pages): a struct qt_rec_call, nargs = 0, func = the virtual page's address,
 * aux = the physical frame's address (both page-aligned), depth = 1 when a store saw it first.
 * Written when a selected process's user code first touches the page, or finds it on another
 * frame than the last time (copy on write, reclaim). */

/* QT_REC_SYSCALL/SYSRET func of a 32-bit system call (int 0x80, sysenter) in an x86-64 guest:
 * the i386 number | QT_SYSCALL_I386 (the i386 table names it). */
#define QT_SYSCALL_I386 (UINT64_C(1) << 32)

enum qt_arg_type {
    QT_T_INT = 1,           /* signed, width in bits in qt_arg.bits */
    QT_T_UINT = 2,
    QT_T_HEX = 3,
    QT_T_PTR = 4,
    QT_T_CHAR = 5,
    QT_T_BOOL = 6,
    QT_T_STR = 7,           /* data = bytes read (no NUL) */
    /* kernel object types (introspection) start at 32; their data layouts are in
     * common/argtype.h (struct qt_kd_*), decoded in the plugin, formatted by the CLI */
    QT_T_TASK = 32,         /* struct task_struct *: pid, tgid, ppid, uid, comm */
    QT_T_CRED = 33,         /* struct cred *: uid, gid, euid, egid, effective capabilities */
    QT_T_INODE = 34,        /* struct inode *: ino, mode, size, uid */
    QT_T_DENTRY = 35,       /* struct dentry *: data = path in its file system (walking d_parent) */
    QT_T_FILE = 36,         /* struct file *: flags, pos, full path */
    QT_T_SOCKADDR = 37,     /* struct sockaddr *: data = its bytes (family, address, port) */
    QT_T_SOCKET = 38,       /* struct socket *: its sock's family, local and remote address */
    QT_T_SOCK = 39,         /* struct sock *: the same */
    QT_T_MODULE = 40,       /* struct module *: name, base, size */
    QT_T_PATH = 41,         /* struct path *: data = full path (across mounts) */
    QT_T_STRV = 42,         /* char **: data = the strings, each followed by a NUL (argv) */
    QT_T_EXITCODE = 43,     /* a wait status / do_exit() code: exit status or signal */
};

enum qt_arg_flags {
    QT_ARG_UNREADABLE = 1,  /* memory at value could not be read */
    QT_ARG_TRUNCATED = 2,   /* string/data longer than the limit */
    QT_ARG_NULL = 4,        /* pointer was NULL */
};

/* One argument or return value (pos 0). data follows, padded to 8 bytes. */
struct qt_arg {
    uint8_t pos;            /* 0 = return value, 1.. = argument number */
    uint8_t type;           /* enum qt_arg_type */
    uint8_t bits;           /* integer width: 8, 16, 32, 64 */
    uint8_t flags;          /* enum qt_arg_flags */
    uint16_t len;           /* bytes of data following */
    uint16_t name_idx;      /* reserved (0) */
    uint64_t value;         /* raw register/stack value */
};

struct qt_rec_lost {
    struct qt_rec_hdr h;
    uint64_t count;
};

struct qt_rec_thread {
    struct qt_rec_hdr h;
    uint32_t tid;
    uint32_t pid;
    uint64_t asid;
    uint64_t key;           /* what identifies the thread (fs_base in system mode) */
    char comm[16];
};

/* Written once, just before the END record, when a write failed (disk full): the records
 * of the failed chunk and every later one are not in the file. */
struct qt_rec_stop {
    struct qt_rec_hdr h;
    int32_t err;            /* the host errno of the failed write (ENOSPC) */
    uint32_t reserved;
    uint64_t ts_ns;         /* when recording stopped */
    uint64_t bytes;         /* size of the trace file kept up to there */
};

struct qt_rec_end {
    struct qt_rec_hdr h;
    uint64_t ts_ns;
    uint64_t events;
    uint64_t lost;
};

/*
 * Compact records. Most function events carry no argument; writing each as a full
 * qt_rec_call (64 bytes) made the trace's volume the main cost of tracing every function,
 * and reading a clock per event the second. A vCPU's buffer instead holds a QT_REC_BASE
 * (thread, time, instruction count) whenever its thread changes, at the start of every chunk,
 * every QT_FAST_PER_BASE compact records and when a delta would overflow; the packed event
 * words after it (8 bytes each) carry only an instruction-count delta:
 *   icount = base.icount + dicount
 *   ts_ns  = base.ts_ns + dicount * (ns per instruction between this base and the next one
 *            of the same chunk), never beyond the next base's time
 */
struct qt_rec_base {
    struct qt_rec_hdr h;
    uint32_t tid, pid;
    uint64_t asid;
    uint64_t ts_ns;         /* ns since the trace began */
    uint64_t icount;
};

#define QT_FAST_PER_BASE 256

/*
 * A packed event word: a function entry without arguments, a return without return value,
 * or a frame left without a ret. One little-endian uint64_t; read as a struct qt_rec_hdr it is
 * a record of size 8 whose type has bit 15 (QT_REC_PACKED) set, so every record walker steps
 * over it by its size like over any record:
 *   bits  0..14  dicount: icount - base.icount (QT_PACKED_DICOUNT_BITS)
 *   bit  15      1 (QT_REC_PACKED)
 *   bits 16..31  8 (the record size)
 *   bits 32..51  function id (QT_FAST_ID_BITS), as announced by the id's QT_REC_SYM
 *   bits 52..61  visible depth (at most QT_FAST_DEPTH_MAX)
 *   bits 62..63  enum qt_packed_kind
 * Events that do not fit (a deeper frame, a larger delta, an id of 0) are written as full
 * records or after a new base.
 */
#define QT_REC_PACKED 0x8000u
#define QT_PACKED_DICOUNT_BITS 15
#define QT_PACKED_DICOUNT_MAX ((1u << QT_PACKED_DICOUNT_BITS) - 1)
#define QT_FAST_ID_BITS 20
#define QT_FAST_ID_MAX ((1u << QT_FAST_ID_BITS) - 1)
#define QT_FAST_DEPTH_MAX 1023u

enum qt_packed_kind {
    QT_PACKED_ENTRY = 0,    /* function entry without arguments */
    QT_PACKED_EXIT = 1,     /* function return without return value */
    QT_PACKED_UNWOUND = 2,  /* function left without a ret (QT_CALL_UNWOUND) */
};

/* Everything of a packed word but its dicount (id <= QT_FAST_ID_MAX, depth <= QT_FAST_DEPTH_MAX). */
static inline uint64_t qt_packed_word(enum qt_packed_kind kind, uint32_t id, uint32_t depth)
{
    return (uint64_t)QT_REC_PACKED | (uint64_t)8 << 16 | (uint64_t)id << 32 | (uint64_t)depth << 52 |
           (uint64_t)kind << 62;
}

static inline uint32_t qt_packed_dicount(uint64_t w) { return (uint32_t)(w & QT_PACKED_DICOUNT_MAX); }
static inline uint32_t qt_packed_id(uint64_t w) { return (uint32_t)(w >> 32) & QT_FAST_ID_MAX; }
static inline uint32_t qt_packed_depth(uint64_t w) { return (uint32_t)(w >> 52) & 0x3ffu; }
static inline enum qt_packed_kind qt_packed_kind(uint64_t w) { return (enum qt_packed_kind)(w >> 62); }

#define QT_ALIGN8(x) (((x) + 7u) & ~(uint64_t)7u)
#define QT_STR_MAX 256      /* longest string argument copied from the guest */

#endif
