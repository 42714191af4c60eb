/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Syscall tables and the strace-style rendering of syscall argument values.
 *
 * The tables (name and argument kinds per number, and errno names) are generated into
 * syscalls_tables.h by scripts/gen-syscalls.sh; this file looks them up and formats values.
 * Formatting follows strace 6.1 for the kinds we have (checked against strace 6.1 on x86-64):
 * flag sets print the known names in strace's order and the unknown bits as "|0x..."; when no
 * bit is known, the value is followed by a C comment naming the prefix, PROT_??? for instance,
 * and an unknown enumeration value prints the same way.
 *
 * Linked into the plugin (runs inside QEMU): no output, no exit, no allocation except
 * through the caller's qt_sb.
 */
#include "syscalls.h"

#include <inttypes.h>
#include <string.h>

#include "syscalls_tables.h"

struct table {
    const struct qt_syscall_desc *rows;
    size_t n;
};

#define TABLE(t) ((struct table){ (t), sizeof(t) / sizeof((t)[0]) })

static struct table table_for(enum qt_arch arch)
{
    switch (arch) {
    case QT_ARCH_X86_64: return TABLE(qt_sys_x86_64);
    case QT_ARCH_I386: return TABLE(qt_sys_i386);
    case QT_ARCH_AARCH64: return TABLE(qt_sys_aarch64);
    }
    return (struct table){ NULL, 0 };
}

const struct qt_syscall_desc *qt_syscall_desc(enum qt_arch arch, long nr)
{
    struct table t = table_for(arch);
    if (nr < 0 || (unsigned long)nr >= t.n || !t.rows[nr].name)
        return NULL;
    return &t.rows[nr];
}

long qt_syscall_nr(enum qt_arch arch, const char *name)
{
    struct table t = table_for(arch);
    if (!name)
        return -1;
    for (size_t i = 0; i < t.n; i++)
        if (t.rows[i].name && strcmp(t.rows[i].name, name) == 0)
            return (long)i;
    return -1;
}

const char *qt_errno_name(int err)
{
    size_t n = sizeof(qt_errnos) / sizeof(qt_errnos[0]);
    size_t ni = sizeof(qt_errnos_internal) / sizeof(qt_errnos_internal[0]);
    if (err > 0 && (size_t)err < n)
        return qt_errnos[err];
    if (err >= 512 && (size_t)(err - 512) < ni)
        return qt_errnos_internal[err - 512];
    return NULL;
}

/* ---- formatting ------------------------------------------------------------------------ */

struct flag {
    uint64_t val;
    const char *name;
};

/* Open flags in strace's order (xlat/open_mode_flags.in): combined values (O_SYNC, O_TMPFILE)
 * come before their parts so that they win. x86 (same as the generic layout) ... */
static const struct flag oflags_x86[] = {
    { 0100, "O_CREAT" },
    { 0200, "O_EXCL" },
    { 0400, "O_NOCTTY" },
    { 01000, "O_TRUNC" },
    { 02000, "O_APPEND" },
    { 04000, "O_NONBLOCK" },
    { 04010000, "O_SYNC" },
    { 04000000, "__O_SYNC" },
    { 010000, "O_DSYNC" },
    { 040000, "O_DIRECT" },
    { 0100000, "O_LARGEFILE" },
    { 0400000, "O_NOFOLLOW" },
    { 01000000, "O_NOATIME" },
    { 02000000, "O_CLOEXEC" },
    { 010000000, "O_PATH" },
    { 020200000, "O_TMPFILE" },
    { 020000000, "__O_TMPFILE" },
    { 0200000, "O_DIRECTORY" },
    { 020000, "FASYNC" },
    { 0, NULL },
};

/* ... and arm64, where O_DIRECTORY, O_NOFOLLOW, O_DIRECT and O_LARGEFILE differ. */
static const struct flag oflags_arm64[] = {
    { 0100, "O_CREAT" },
    { 0200, "O_EXCL" },
    { 0400, "O_NOCTTY" },
    { 01000, "O_TRUNC" },
    { 02000, "O_APPEND" },
    { 04000, "O_NONBLOCK" },
    { 04010000, "O_SYNC" },
    { 04000000, "__O_SYNC" },
    { 010000, "O_DSYNC" },
    { 0200000, "O_DIRECT" },
    { 0400000, "O_LARGEFILE" },
    { 0100000, "O_NOFOLLOW" },
    { 01000000, "O_NOATIME" },
    { 02000000, "O_CLOEXEC" },
    { 010000000, "O_PATH" },
    { 020040000, "O_TMPFILE" },
    { 020000000, "__O_TMPFILE" },
    { 040000, "O_DIRECTORY" },
    { 020000, "FASYNC" },
    { 0, NULL },
};

static const char *const accmodes[] = { "O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE" };

static const struct flag prot_flags[] = {
    { 0x1, "PROT_READ" },
    { 0x2, "PROT_WRITE" },
    { 0x4, "PROT_EXEC" },
    { 0x8, "PROT_SEM" },
    { 0x01000000, "PROT_GROWSDOWN" },
    { 0x02000000, "PROT_GROWSUP" },
    { 0, NULL },
};

#define MAP_TYPE_MASK 0xfu
#define MAP_HUGE_SHIFT_ 26
#define MAP_HUGE_BITS (0x3fu << MAP_HUGE_SHIFT_)

static const char *const map_types[] = { "MAP_FILE", "MAP_SHARED", "MAP_PRIVATE", "MAP_SHARED_VALIDATE" };

/* strace's xlat/mmap_flags.in order (not by value); MAP_32BIT exists on x86 only. */
static const struct flag map_flags_x86[] = {
    { 0x10, "MAP_FIXED" },
    { 0x20, "MAP_ANONYMOUS" },
    { 0x40, "MAP_32BIT" },
    { 0x4000, "MAP_NORESERVE" },
    { 0x8000, "MAP_POPULATE" },
    { 0x10000, "MAP_NONBLOCK" },
    { 0x100, "MAP_GROWSDOWN" },
    { 0x800, "MAP_DENYWRITE" },
    { 0x1000, "MAP_EXECUTABLE" },
    { 0x2000, "MAP_LOCKED" },
    { 0x20000, "MAP_STACK" },
    { 0x40000, "MAP_HUGETLB" },
    { 0x80000, "MAP_SYNC" },
    { 0x100000, "MAP_FIXED_NOREPLACE" },
    { 0, NULL },
};

static const struct flag clone_flags[] = {
    { 0x00000100, "CLONE_VM" },
    { 0x00000200, "CLONE_FS" },
    { 0x00000400, "CLONE_FILES" },
    { 0x00000800, "CLONE_SIGHAND" },
    { 0x00001000, "CLONE_PIDFD" },
    { 0x00002000, "CLONE_PTRACE" },
    { 0x00004000, "CLONE_VFORK" },
    { 0x00008000, "CLONE_PARENT" },
    { 0x00010000, "CLONE_THREAD" },
    { 0x00020000, "CLONE_NEWNS" },
    { 0x00040000, "CLONE_SYSVSEM" },
    { 0x00080000, "CLONE_SETTLS" },
    { 0x00100000, "CLONE_PARENT_SETTID" },
    { 0x00200000, "CLONE_CHILD_CLEARTID" },
    { 0x00800000, "CLONE_UNTRACED" },
    { 0x01000000, "CLONE_CHILD_SETTID" },
    { 0x02000000, "CLONE_NEWCGROUP" },
    { 0x04000000, "CLONE_NEWUTS" },
    { 0x08000000, "CLONE_NEWIPC" },
    { 0x10000000, "CLONE_NEWUSER" },
    { 0x20000000, "CLONE_NEWPID" },
    { 0x40000000, "CLONE_NEWNET" },
    { 0x80000000, "CLONE_IO" },
    { 0, NULL },
};
#define CSIGNAL_MASK 0xffu

static const struct flag at_flags[] = {
    { 0x100, "AT_SYMLINK_NOFOLLOW" },
    { 0x200, "AT_REMOVEDIR" },
    { 0x400, "AT_SYMLINK_FOLLOW" },
    { 0x800, "AT_NO_AUTOMOUNT" },
    { 0x1000, "AT_EMPTY_PATH" },
    { 0x8000, "AT_RECURSIVE" },
    { 0, NULL },
};

static const char *const whences[] = { "SEEK_SET", "SEEK_CUR", "SEEK_END", "SEEK_DATA", "SEEK_HOLE" };

/* Signal names, the same numbers on x86 and the generic (arm64) layout. */
static const char *const signames[] = {
    NULL, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE",
    "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT",
    "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU",
    "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS", "SIGRTMIN",
};
#define SIGRTMIN_ 32
#define SIGRTMAX_ 64

/* Print the names of the known flags in v, in table order; a name is printed when all of its
 * bits are set, and its bits are then cleared. Returns the bits left over; *n counts names. */
static uint64_t put_flag_names(const struct flag *t, uint64_t v, struct qt_sb *out, int *n)
{
    for (; t->name; t++) {
        if (t->val && (v & t->val) == t->val) {
            if ((*n)++)
                qt_sb_putc(out, '|');
            qt_sb_puts(out, t->name);
            v &= ~t->val;
        }
    }
    return v;
}

/* strace's printflags: "A|B|0x40" when some names are known, the value and a comment naming
 * the unknown prefix when none is, zero_name (or "0") for zero. */
static void put_flags(const struct flag *t, uint64_t v, const char *zero_name, const char *unknown,
                      struct qt_sb *out)
{
    int n = 0;
    if (v == 0) {
        qt_sb_puts(out, zero_name ? zero_name : "0");
        return;
    }
    uint64_t rest = put_flag_names(t, v, out, &n);
    if (rest && n)
        qt_sb_printf(out, "|%#" PRIx64, rest);
    else if (rest)
        qt_sb_printf(out, "%#" PRIx64 " /* %s */", rest, unknown);
}

static void put_signal(int sig, struct qt_sb *out)
{
    if (sig > 0 && sig <= SIGRTMIN_)
        qt_sb_puts(out, signames[sig]);
    else if (sig > SIGRTMIN_ && sig <= SIGRTMAX_)
        qt_sb_printf(out, "SIGRT_%d", sig - SIGRTMIN_);
    else
        qt_sb_printf(out, "%d", sig);
}

static void put_oflags(enum qt_arch arch, uint32_t v, struct qt_sb *out)
{
    const struct flag *t = arch == QT_ARCH_AARCH64 ? oflags_arm64 : oflags_x86;
    int n = 1;
    qt_sb_puts(out, accmodes[v & 3]);
    uint32_t rest = (uint32_t)put_flag_names(t, v & ~3u, out, &n);
    if (rest)
        qt_sb_printf(out, "|%#" PRIx32, rest);
}

static void put_mmap_flags(enum qt_arch arch, uint32_t v, struct qt_sb *out)
{
    uint32_t type = v & MAP_TYPE_MASK;
    uint32_t huge = v & MAP_HUGE_BITS;
    uint32_t flags = v & ~MAP_TYPE_MASK & ~MAP_HUGE_BITS;
    if (type < sizeof(map_types) / sizeof(map_types[0]))
        qt_sb_puts(out, map_types[type]);
    else
        qt_sb_printf(out, "%#" PRIx32 " /* MAP_??? */", type);
    for (const struct flag *t = map_flags_x86; t->name; t++) {
        if (t->val == 0x40 && arch == QT_ARCH_AARCH64)
            continue; /* MAP_32BIT is x86 only */
        if ((flags & t->val) == t->val) {
            qt_sb_putc(out, '|');
            qt_sb_puts(out, t->name);
            flags &= ~(uint32_t)t->val;
        }
    }
    if (flags)
        qt_sb_printf(out, "|%#" PRIx32, flags);
    if (huge)
        qt_sb_printf(out, "|%" PRIu32 "<<MAP_HUGE_SHIFT", huge >> MAP_HUGE_SHIFT_);
}

static void put_clone_flags(uint64_t v, struct qt_sb *out)
{
    unsigned sig = (unsigned)(v & CSIGNAL_MASK);
    uint64_t flags = v & ~(uint64_t)CSIGNAL_MASK;
    int n = 0;
    if (v == 0) {
        qt_sb_putc(out, '0');
        return;
    }
    if (flags) {
        uint64_t rest = put_flag_names(clone_flags, flags, out, &n);
        if (rest && n)
            qt_sb_printf(out, "|%#" PRIx64, rest);
        else if (rest)
            qt_sb_printf(out, "%#" PRIx64 " /* CLONE_??? */", rest);
    }
    if (sig) {
        if (flags)
            qt_sb_putc(out, '|');
        put_signal((int)sig, out);
    }
}

static void put_mode(uint32_t mode, struct qt_sb *out)
{
    qt_sb_printf(out, "%#03" PRIo32, mode & 0xffffu); /* umode_t: 000, 022, 0644, 04755 */
}

static void put_ptr(uint64_t v, struct qt_sb *out)
{
    if (v)
        qt_sb_printf(out, "%#" PRIx64, v);
    else
        qt_sb_puts(out, "NULL");
}

/* Like qt_sa_format, for a value of a guest of architecture arch: i386 values are 32 bits
 * (QEMU hands them over sign-extended), and arm64 numbers a few open flags differently. */
void qt_sa_format_arch(enum qt_arch arch, enum qt_sa sa, uint64_t value, struct qt_sb *out)
{
    if (arch == QT_ARCH_I386)
        value = sa == QT_SA_INT ? (uint64_t)(int64_t)(int32_t)(uint32_t)value : (uint32_t)value;
    switch (sa) {
    case QT_SA_INT:
        qt_sb_printf(out, "%" PRId64, (int64_t)value);
        return;
    case QT_SA_UINT:
        qt_sb_printf(out, "%" PRIu64, value);
        return;
    case QT_SA_HEX:
        qt_sb_printf(out, "%#" PRIx64, value);  /* 0 prints as "0", like strace */
        return;
    case QT_SA_FD: {
        int fd = (int)(uint32_t)value;        /* the kernel takes an int */
        if (fd == -100)
            qt_sb_puts(out, "AT_FDCWD");
        else
            qt_sb_printf(out, "%d", fd);
        return;
    }
    case QT_SA_OFLAGS:
        put_oflags(arch, (uint32_t)value, out);
        return;
    case QT_SA_MODE:
        put_mode((uint32_t)value, out);
        return;
    case QT_SA_PROT:
        put_flags(prot_flags, value, "PROT_NONE", "PROT_???", out);
        return;
    case QT_SA_MMAP_FLAGS:
        put_mmap_flags(arch, (uint32_t)value, out);
        return;
    case QT_SA_SIGNAL:
        put_signal((int)(uint32_t)value, out);
        return;
    case QT_SA_CLONE_FLAGS:
        put_clone_flags(value, out);
        return;
    case QT_SA_ATFLAGS:
        put_flags(at_flags, (uint32_t)value, NULL, "AT_???", out);
        return;
    case QT_SA_WHENCE: {
        uint32_t w = (uint32_t)value;
        if (w < sizeof(whences) / sizeof(whences[0]))
            qt_sb_puts(out, whences[w]);
        else
            qt_sb_printf(out, "%#" PRIx32 " /* SEEK_??? */", w);
        return;
    }
    case QT_SA_PTR:
    case QT_SA_PATH:    /* memory kinds: the address, when the contents are not at hand */
    case QT_SA_BUF_IN:
    case QT_SA_BUF_OUT:
        put_ptr(value, out);
        return;
    }
    qt_sb_printf(out, "%#" PRIx64, value); /* a kind this file does not know yet */
}

void qt_sa_format(enum qt_sa sa, uint64_t value, struct qt_sb *out)
{
    qt_sa_format_arch(QT_ARCH_X86_64, sa, value, out);
}
