/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Syscall tables, errno names and the strace-style rendering of argument values. The expected
 * strings were taken from strace 6.1 on x86-64, run on small programs making these calls. */
#include <limits.h>

#include "syscalls.h"
#include "tap.h"

/* Not in syscalls.h yet (see syscalls.c). */
void qt_sa_format_arch(enum qt_arch arch, enum qt_sa sa, uint64_t value, struct qt_sb *out);

static struct qt_sb sb;

static const char *fmt(enum qt_sa sa, uint64_t v)
{
    qt_sb_reset(&sb);
    qt_sa_format(sa, v, &sb);
    return sb.buf ? sb.buf : "";
}

static const char *fmta(enum qt_arch arch, enum qt_sa sa, uint64_t v)
{
    qt_sb_reset(&sb);
    qt_sa_format_arch(arch, sa, v, &sb);
    return sb.buf ? sb.buf : "";
}

#define F(sa, v, want) is_str(fmt(sa, v), want, #sa " " #v " -> " want)
#define FA(arch, sa, v, want) is_str(fmta(arch, sa, v), want, #arch " " #sa " " #v " -> " want)

/* Check a row: name, number of arguments and the kinds of the first ones. */
static void check_row(enum qt_arch arch, long nr, const char *name, int nargs, const uint8_t *kinds)
{
    const struct qt_syscall_desc *d = qt_syscall_desc(arch, nr);
    char what[96];
    snprintf(what, sizeof(what), "arch %d nr %ld is %s/%d", (int)arch, nr, name, nargs);
    if (!ok(d && strcmp(d->name, name) == 0 && d->nargs == nargs, "%s", what)) {
        if (d)
            printf("#   got %s/%d\n", d->name, d->nargs);
        return;
    }
    int same = 1;
    for (int i = 0; i < nargs; i++)
        same &= d->arg[i] == kinds[i];
    ok(same, "%s: argument kinds", what);
}

#define ROW(arch, nr, name, n, ...) check_row(arch, nr, name, n, (const uint8_t[]){ __VA_ARGS__ })
#define ROW0(arch, nr, name) check_row(arch, nr, name, 0, NULL)

static void test_tables(void)
{
    /* x86-64 */
    ROW(QT_ARCH_X86_64, 0, "read", 3, QT_SA_FD, QT_SA_BUF_OUT, QT_SA_UINT);
    ROW(QT_ARCH_X86_64, 1, "write", 3, QT_SA_FD, QT_SA_BUF_IN, QT_SA_UINT);
    ROW(QT_ARCH_X86_64, 2, "open", 3, QT_SA_PATH, QT_SA_OFLAGS, QT_SA_MODE);
    ROW(QT_ARCH_X86_64, 3, "close", 1, QT_SA_FD);
    ROW(QT_ARCH_X86_64, 8, "lseek", 3, QT_SA_FD, QT_SA_INT, QT_SA_WHENCE);
    ROW(QT_ARCH_X86_64, 9, "mmap", 6, QT_SA_PTR, QT_SA_UINT, QT_SA_PROT, QT_SA_MMAP_FLAGS, QT_SA_FD,
        QT_SA_HEX);
    ROW(QT_ARCH_X86_64, 10, "mprotect", 3, QT_SA_PTR, QT_SA_UINT, QT_SA_PROT);
    ROW(QT_ARCH_X86_64, 13, "rt_sigaction", 4, QT_SA_SIGNAL, QT_SA_PTR, QT_SA_PTR, QT_SA_UINT);
    ROW(QT_ARCH_X86_64, 17, "pread64", 4, QT_SA_FD, QT_SA_BUF_OUT, QT_SA_UINT, QT_SA_INT);
    ROW(QT_ARCH_X86_64, 18, "pwrite64", 4, QT_SA_FD, QT_SA_BUF_IN, QT_SA_UINT, QT_SA_INT);
    ROW(QT_ARCH_X86_64, 21, "access", 2, QT_SA_PATH, QT_SA_INT);
    ROW(QT_ARCH_X86_64, 33, "dup2", 2, QT_SA_FD, QT_SA_FD);
    ROW(QT_ARCH_X86_64, 39, "getpid", 0, 0);
    ROW(QT_ARCH_X86_64, 44, "sendto", 6, QT_SA_FD, QT_SA_BUF_IN, QT_SA_UINT, QT_SA_HEX, QT_SA_PTR,
        QT_SA_UINT);
    ROW(QT_ARCH_X86_64, 45, "recvfrom", 6, QT_SA_FD, QT_SA_BUF_OUT, QT_SA_UINT, QT_SA_HEX, QT_SA_PTR,
        QT_SA_PTR);
    ROW(QT_ARCH_X86_64, 56, "clone", 5, QT_SA_CLONE_FLAGS, QT_SA_PTR, QT_SA_PTR, QT_SA_PTR, QT_SA_PTR);
    ROW0(QT_ARCH_X86_64, 57, "fork");
    ROW0(QT_ARCH_X86_64, 58, "vfork");
    ROW(QT_ARCH_X86_64, 59, "execve", 3, QT_SA_PATH, QT_SA_PTR, QT_SA_PTR);
    ROW(QT_ARCH_X86_64, 60, "exit", 1, QT_SA_INT);
    ROW(QT_ARCH_X86_64, 62, "kill", 2, QT_SA_INT, QT_SA_SIGNAL);
    ROW(QT_ARCH_X86_64, 89, "readlink", 3, QT_SA_PATH, QT_SA_BUF_OUT, QT_SA_UINT);
    ROW(QT_ARCH_X86_64, 158, "arch_prctl", 2, QT_SA_HEX, QT_SA_HEX);
    ROW(QT_ARCH_X86_64, 202, "futex", 6, QT_SA_PTR, QT_SA_INT, QT_SA_INT, QT_SA_PTR, QT_SA_PTR, QT_SA_INT);
    ROW(QT_ARCH_X86_64, 231, "exit_group", 1, QT_SA_INT);
    ROW(QT_ARCH_X86_64, 234, "tgkill", 3, QT_SA_INT, QT_SA_INT, QT_SA_SIGNAL);
    ROW(QT_ARCH_X86_64, 257, "openat", 4, QT_SA_FD, QT_SA_PATH, QT_SA_OFLAGS, QT_SA_MODE);
    ROW(QT_ARCH_X86_64, 262, "newfstatat", 4, QT_SA_FD, QT_SA_PATH, QT_SA_PTR, QT_SA_ATFLAGS);
    ROW(QT_ARCH_X86_64, 263, "unlinkat", 3, QT_SA_FD, QT_SA_PATH, QT_SA_ATFLAGS);
    ROW(QT_ARCH_X86_64, 318, "getrandom", 3, QT_SA_BUF_OUT, QT_SA_UINT, QT_SA_HEX);
    ROW(QT_ARCH_X86_64, 322, "execveat", 5, QT_SA_FD, QT_SA_PATH, QT_SA_PTR, QT_SA_PTR, QT_SA_ATFLAGS);
    ROW(QT_ARCH_X86_64, 332, "statx", 5, QT_SA_FD, QT_SA_PATH, QT_SA_ATFLAGS, QT_SA_HEX, QT_SA_PTR);
    ROW(QT_ARCH_X86_64, 334, "rseq", 4, QT_SA_PTR, QT_SA_UINT, QT_SA_HEX, QT_SA_HEX);
    ROW(QT_ARCH_X86_64, 435, "clone3", 2, QT_SA_PTR, QT_SA_UINT);
    ROW(QT_ARCH_X86_64, 450, "set_mempolicy_home_node", 4, QT_SA_PTR, QT_SA_UINT, QT_SA_UINT, QT_SA_HEX);
    ROW(QT_ARCH_X86_64, 452, "fchmodat2", 4, QT_SA_FD, QT_SA_PATH, QT_SA_MODE, QT_SA_ATFLAGS);

    /* i386 (int 0x80 numbering), 64-bit arguments in two registers */
    ROW(QT_ARCH_I386, 1, "exit", 1, QT_SA_INT);
    ROW(QT_ARCH_I386, 3, "read", 3, QT_SA_FD, QT_SA_BUF_OUT, QT_SA_UINT);
    ROW(QT_ARCH_I386, 4, "write", 3, QT_SA_FD, QT_SA_BUF_IN, QT_SA_UINT);
    ROW(QT_ARCH_I386, 5, "open", 3, QT_SA_PATH, QT_SA_OFLAGS, QT_SA_MODE);
    ROW(QT_ARCH_I386, 6, "close", 1, QT_SA_FD);
    ROW(QT_ARCH_I386, 11, "execve", 3, QT_SA_PATH, QT_SA_PTR, QT_SA_PTR);
    ROW(QT_ARCH_I386, 90, "mmap", 1, QT_SA_PTR);
    ROW(QT_ARCH_I386, 120, "clone", 5, QT_SA_CLONE_FLAGS, QT_SA_PTR, QT_SA_PTR, QT_SA_PTR, QT_SA_PTR);
    ROW(QT_ARCH_I386, 140, "_llseek", 5, QT_SA_FD, QT_SA_UINT, QT_SA_UINT, QT_SA_PTR, QT_SA_WHENCE);
    ROW(QT_ARCH_I386, 180, "pread64", 5, QT_SA_FD, QT_SA_BUF_OUT, QT_SA_UINT, QT_SA_UINT, QT_SA_UINT);
    ROW(QT_ARCH_I386, 192, "mmap2", 6, QT_SA_PTR, QT_SA_UINT, QT_SA_PROT, QT_SA_MMAP_FLAGS, QT_SA_FD,
        QT_SA_HEX);
    ROW(QT_ARCH_I386, 252, "exit_group", 1, QT_SA_INT);
    ROW(QT_ARCH_I386, 295, "openat", 4, QT_SA_FD, QT_SA_PATH, QT_SA_OFLAGS, QT_SA_MODE);
    ROW(QT_ARCH_I386, 384, "arch_prctl", 2, QT_SA_HEX, QT_SA_HEX);
    ROW(QT_ARCH_I386, 403, "clock_gettime64", 2, QT_SA_INT, QT_SA_PTR);
    ROW(QT_ARCH_I386, 435, "clone3", 2, QT_SA_PTR, QT_SA_UINT);

    /* aarch64 (generic numbering) */
    ROW(QT_ARCH_AARCH64, 25, "fcntl", 3, QT_SA_FD, QT_SA_INT, QT_SA_HEX);
    ROW(QT_ARCH_AARCH64, 56, "openat", 4, QT_SA_FD, QT_SA_PATH, QT_SA_OFLAGS, QT_SA_MODE);
    ROW(QT_ARCH_AARCH64, 57, "close", 1, QT_SA_FD);
    ROW(QT_ARCH_AARCH64, 63, "read", 3, QT_SA_FD, QT_SA_BUF_OUT, QT_SA_UINT);
    ROW(QT_ARCH_AARCH64, 64, "write", 3, QT_SA_FD, QT_SA_BUF_IN, QT_SA_UINT);
    ROW(QT_ARCH_AARCH64, 79, "newfstatat", 4, QT_SA_FD, QT_SA_PATH, QT_SA_PTR, QT_SA_ATFLAGS);
    ROW(QT_ARCH_AARCH64, 80, "fstat", 2, QT_SA_FD, QT_SA_PTR);
    ROW(QT_ARCH_AARCH64, 93, "exit", 1, QT_SA_INT);
    ROW(QT_ARCH_AARCH64, 94, "exit_group", 1, QT_SA_INT);
    ROW(QT_ARCH_AARCH64, 220, "clone", 5, QT_SA_CLONE_FLAGS, QT_SA_PTR, QT_SA_PTR, QT_SA_PTR, QT_SA_PTR);
    ROW(QT_ARCH_AARCH64, 221, "execve", 3, QT_SA_PATH, QT_SA_PTR, QT_SA_PTR);
    ROW(QT_ARCH_AARCH64, 222, "mmap", 6, QT_SA_PTR, QT_SA_UINT, QT_SA_PROT, QT_SA_MMAP_FLAGS, QT_SA_FD,
        QT_SA_HEX);
    ROW(QT_ARCH_AARCH64, 435, "clone3", 2, QT_SA_PTR, QT_SA_UINT);

    /* unknown numbers */
    ok(qt_syscall_desc(QT_ARCH_X86_64, -1) == NULL, "x86-64 -1 unknown");
    ok(qt_syscall_desc(QT_ARCH_X86_64, 400) == NULL, "x86-64 400 unknown (reserved gap)");
    ok(qt_syscall_desc(QT_ARCH_X86_64, 512) == NULL, "x86-64 512 (x32) unknown");
    ok(qt_syscall_desc(QT_ARCH_X86_64, 100000) == NULL, "x86-64 100000 unknown");
    ok(qt_syscall_desc(QT_ARCH_X86_64, LONG_MAX) == NULL, "x86-64 LONG_MAX unknown");
    ok(qt_syscall_desc(QT_ARCH_X86_64, LONG_MIN) == NULL, "x86-64 LONG_MIN unknown");
    ok(qt_syscall_desc(QT_ARCH_I386, 222) == NULL, "i386 222 unknown (unused)");
    ok(qt_syscall_desc(QT_ARCH_AARCH64, 244) == NULL, "aarch64 244 unknown (arch specific range)");
    ok(qt_syscall_desc(QT_ARCH_AARCH64, 1024) == NULL, "aarch64 1024 unknown");
    ok(qt_syscall_desc((enum qt_arch)0, 0) == NULL, "unknown arch: no table");
}

static void test_by_name(void)
{
    is_int(qt_syscall_nr(QT_ARCH_X86_64, "openat"), 257, "x86-64 openat = 257");
    is_int(qt_syscall_nr(QT_ARCH_X86_64, "read"), 0, "x86-64 read = 0");
    is_int(qt_syscall_nr(QT_ARCH_X86_64, "mmap"), 9, "x86-64 mmap = 9");
    is_int(qt_syscall_nr(QT_ARCH_X86_64, "clone3"), 435, "x86-64 clone3 = 435");
    is_int(qt_syscall_nr(QT_ARCH_X86_64, "mmap2"), -1, "x86-64 has no mmap2");
    is_int(qt_syscall_nr(QT_ARCH_I386, "open"), 5, "i386 open = 5");
    is_int(qt_syscall_nr(QT_ARCH_I386, "mmap2"), 192, "i386 mmap2 = 192");
    is_int(qt_syscall_nr(QT_ARCH_I386, "socketcall"), 102, "i386 socketcall = 102");
    is_int(qt_syscall_nr(QT_ARCH_AARCH64, "openat"), 56, "aarch64 openat = 56");
    is_int(qt_syscall_nr(QT_ARCH_AARCH64, "execveat"), 281, "aarch64 execveat = 281");
    is_int(qt_syscall_nr(QT_ARCH_AARCH64, "open"), -1, "aarch64 has no open");
    is_int(qt_syscall_nr(QT_ARCH_AARCH64, "fork"), -1, "aarch64 has no fork");
    is_int(qt_syscall_nr(QT_ARCH_AARCH64, "vfork"), -1, "aarch64 has no vfork");
    is_int(qt_syscall_nr(QT_ARCH_X86_64, "nosuchcall"), -1, "unknown name");
    is_int(qt_syscall_nr(QT_ARCH_X86_64, ""), -1, "empty name");
    is_int(qt_syscall_nr(QT_ARCH_X86_64, NULL), -1, "NULL name");
    is_int(qt_syscall_nr((enum qt_arch)0, "read"), -1, "unknown arch");
}

/* Every row of every table: sane, and its name maps back to its number. */
static void test_consistency(void)
{
    static const struct { enum qt_arch arch; const char *name; long min_rows; } arches[] = {
        { QT_ARCH_X86_64, "x86-64", 360 },
        { QT_ARCH_I386, "i386", 430 },
        { QT_ARCH_AARCH64, "aarch64", 300 },
    };
    for (size_t a = 0; a < sizeof(arches) / sizeof(arches[0]); a++) {
        long rows = 0, bad = 0, roundtrip = 0;
        for (long nr = 0; nr < 1000; nr++) {
            const struct qt_syscall_desc *d = qt_syscall_desc(arches[a].arch, nr);
            if (!d)
                continue;
            rows++;
            if (qt_syscall_nr(arches[a].arch, d->name) != nr)
                roundtrip++;
            if (!d->name[0] || d->nargs > QT_SYS_MAXARGS)
                bad++;
            for (int i = 0; i < QT_SYS_MAXARGS; i++) {
                if (d->arg[i] > QT_SA_WHENCE || (i >= d->nargs && d->arg[i] != 0))
                    bad++;
                if (d->arg[i] == QT_SA_BUF_IN && i + 1 >= d->nargs)
                    bad++; /* the plugin reads the length from the next argument */
            }
        }
        ok(rows >= arches[a].min_rows, "%s: %ld syscalls (>= %ld)", arches[a].name, rows,
           arches[a].min_rows);
        is_int(bad, 0, "rows are well formed");
        is_int(roundtrip, 0, "names are unique and map back to their numbers");
    }
}

static void test_errno(void)
{
    is_str(qt_errno_name(1), "EPERM", "errno 1");
    is_str(qt_errno_name(2), "ENOENT", "errno 2");
    is_str(qt_errno_name(9), "EBADF", "errno 9");
    is_str(qt_errno_name(11), "EAGAIN", "errno 11 (not EWOULDBLOCK)");
    is_str(qt_errno_name(13), "EACCES", "errno 13");
    is_str(qt_errno_name(22), "EINVAL", "errno 22");
    is_str(qt_errno_name(35), "EDEADLK", "errno 35 (not EDEADLOCK)");
    is_str(qt_errno_name(38), "ENOSYS", "errno 38");
    is_str(qt_errno_name(95), "EOPNOTSUPP", "errno 95");
    is_str(qt_errno_name(110), "ETIMEDOUT", "errno 110");
    is_str(qt_errno_name(133), "EHWPOISON", "errno 133");
    is_str(qt_errno_name(512), "ERESTARTSYS", "errno 512 (kernel internal)");
    is_str(qt_errno_name(516), "ERESTART_RESTARTBLOCK", "errno 516");
    ok(qt_errno_name(0) == NULL, "errno 0 has no name");
    ok(qt_errno_name(-2) == NULL, "negative errno has no name");
    ok(qt_errno_name(41) == NULL && qt_errno_name(58) == NULL, "41 and 58 are unused");
    ok(qt_errno_name(134) == NULL, "errno 134 unknown");
    ok(qt_errno_name(520) == NULL, "errno 520 unknown");
    ok(qt_errno_name(532) == NULL && qt_errno_name(INT_MAX) == NULL, "errno 532, INT_MAX unknown");
    int named = 0;
    for (int e = 1; e <= 133; e++)
        named += qt_errno_name(e) && qt_errno_name(e)[0] == 'E';
    is_int(named, 131, "1..133 all named but 41 and 58");
}

static void test_format_scalars(void)
{
    F(QT_SA_INT, 0, "0");
    F(QT_SA_INT, 4096, "4096");
    F(QT_SA_INT, UINT64_MAX, "-1");
    F(QT_SA_INT, (uint64_t)-4095, "-4095");
    F(QT_SA_UINT, 832, "832");
    F(QT_SA_UINT, 0xffffffffu, "4294967295");
    F(QT_SA_UINT, UINT64_MAX, "18446744073709551615");
    F(QT_SA_HEX, 0, "0");
    F(QT_SA_HEX, 0x26000, "0x26000");
    F(QT_SA_HEX, UINT64_MAX, "0xffffffffffffffff");
    F(QT_SA_PTR, 0, "NULL");
    F(QT_SA_PTR, 0x7feecc1ee000, "0x7feecc1ee000");
    F(QT_SA_PATH, 0, "NULL");
    F(QT_SA_BUF_IN, 0x1000, "0x1000");
    F(QT_SA_BUF_OUT, 0, "NULL");
    F(QT_SA_FD, 3, "3");
    F(QT_SA_FD, 0, "0");
    F(QT_SA_FD, UINT64_MAX, "-1");
    F(QT_SA_FD, 0xffffffff, "-1");
    F(QT_SA_FD, (uint64_t)-100, "AT_FDCWD");
    F(QT_SA_FD, 0xffffff9c, "AT_FDCWD");
    F(QT_SA_FD, 0x1ffffff9c, "AT_FDCWD");
    F(QT_SA_FD, (uint64_t)-101, "-101");
    F(QT_SA_WHENCE, 0, "SEEK_SET");
    F(QT_SA_WHENCE, 1, "SEEK_CUR");
    F(QT_SA_WHENCE, 2, "SEEK_END");
    F(QT_SA_WHENCE, 3, "SEEK_DATA");
    F(QT_SA_WHENCE, 4, "SEEK_HOLE");
    F(QT_SA_WHENCE, 5, "0x5 /* SEEK_??? */");
    F(QT_SA_WHENCE, 0x100000000, "SEEK_SET");
    F(QT_SA_WHENCE, UINT64_MAX, "0xffffffff /* SEEK_??? */");
    F(QT_SA_MODE, 0, "000");
    F(QT_SA_MODE, 022, "022");
    F(QT_SA_MODE, 0644, "0644");
    F(QT_SA_MODE, 04755, "04755");
    F(QT_SA_MODE, 07777, "07777");
    F(QT_SA_MODE, 0100644, "0100644");
    F(QT_SA_MODE, 0777777, "0177777");
    F(QT_SA_MODE, 0xffffffff0644, "03104");
}

static void test_format_oflags(void)
{
    F(QT_SA_OFLAGS, 0, "O_RDONLY");
    F(QT_SA_OFLAGS, 1, "O_WRONLY");
    F(QT_SA_OFLAGS, 2, "O_RDWR");
    F(QT_SA_OFLAGS, 3, "O_ACCMODE");
    F(QT_SA_OFLAGS, 0100, "O_RDONLY|O_CREAT");
    F(QT_SA_OFLAGS, 02000000, "O_RDONLY|O_CLOEXEC");
    F(QT_SA_OFLAGS, 01 | 0100 | 01000 | 02000000, "O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC");
    F(QT_SA_OFLAGS, 02 | 0100 | 0200 | 04000 | 02000, "O_RDWR|O_CREAT|O_EXCL|O_APPEND|O_NONBLOCK");
    F(QT_SA_OFLAGS, 02 | 04000 | 02000000, "O_RDWR|O_NONBLOCK|O_CLOEXEC");
    F(QT_SA_OFLAGS, 0200000 | 04000 | 02000000, "O_RDONLY|O_NONBLOCK|O_CLOEXEC|O_DIRECTORY");
    F(QT_SA_OFLAGS, 0100000 | 02000000, "O_RDONLY|O_LARGEFILE|O_CLOEXEC");
    F(QT_SA_OFLAGS, 010000, "O_RDONLY|O_DSYNC");
    F(QT_SA_OFLAGS, 04000000, "O_RDONLY|__O_SYNC");
    F(QT_SA_OFLAGS, 04010000, "O_RDONLY|O_SYNC");
    F(QT_SA_OFLAGS, 020000, "O_RDONLY|FASYNC");
    F(QT_SA_OFLAGS, 040000, "O_RDONLY|O_DIRECT");
    F(QT_SA_OFLAGS, 0400000, "O_RDONLY|O_NOFOLLOW");
    F(QT_SA_OFLAGS, 01000000, "O_RDONLY|O_NOATIME");
    F(QT_SA_OFLAGS, 010000000, "O_RDONLY|O_PATH");
    F(QT_SA_OFLAGS, 020000000, "O_RDONLY|__O_TMPFILE");
    F(QT_SA_OFLAGS, 020200000, "O_RDONLY|O_TMPFILE");
    F(QT_SA_OFLAGS, 020200002, "O_RDWR|O_TMPFILE");
    F(QT_SA_OFLAGS, 04010000 | 0200000 | 020200000, "O_RDONLY|O_SYNC|O_TMPFILE");
    F(QT_SA_OFLAGS, 0x40000000, "O_RDONLY|0x40000000");
    F(QT_SA_OFLAGS, 02000000 | 0x40000000, "O_RDONLY|O_CLOEXEC|0x40000000");
    F(QT_SA_OFLAGS, 0x80000000, "O_RDONLY|0x80000000");
    F(QT_SA_OFLAGS, 2 | 0xc0000000, "O_RDWR|0xc0000000");
    F(QT_SA_OFLAGS, 0x7fffffff,
      "O_ACCMODE|O_CREAT|O_EXCL|O_NOCTTY|O_TRUNC|O_APPEND|O_NONBLOCK|O_SYNC|O_DIRECT|O_LARGEFILE|"
      "O_NOFOLLOW|O_NOATIME|O_CLOEXEC|O_PATH|O_TMPFILE|FASYNC|0x7f80003c");
    F(QT_SA_OFLAGS, 0x7fffffff & ~020000000,
      "O_ACCMODE|O_CREAT|O_EXCL|O_NOCTTY|O_TRUNC|O_APPEND|O_NONBLOCK|O_SYNC|O_DIRECT|O_LARGEFILE|"
      "O_NOFOLLOW|O_NOATIME|O_CLOEXEC|O_PATH|O_DIRECTORY|FASYNC|0x7f80003c");
    F(QT_SA_OFLAGS, UINT64_MAX,
      "O_ACCMODE|O_CREAT|O_EXCL|O_NOCTTY|O_TRUNC|O_APPEND|O_NONBLOCK|O_SYNC|O_DIRECT|O_LARGEFILE|"
      "O_NOFOLLOW|O_NOATIME|O_CLOEXEC|O_PATH|O_TMPFILE|FASYNC|0xff80003c");
    /* arm64 numbers O_DIRECTORY, O_NOFOLLOW, O_DIRECT and O_LARGEFILE differently */
    FA(QT_ARCH_AARCH64, QT_SA_OFLAGS, 040000 | 02000000, "O_RDONLY|O_CLOEXEC|O_DIRECTORY");
    FA(QT_ARCH_AARCH64, QT_SA_OFLAGS, 0100000, "O_RDONLY|O_NOFOLLOW");
    FA(QT_ARCH_AARCH64, QT_SA_OFLAGS, 0200000, "O_RDONLY|O_DIRECT");
    FA(QT_ARCH_AARCH64, QT_SA_OFLAGS, 0400000, "O_RDONLY|O_LARGEFILE");
    FA(QT_ARCH_AARCH64, QT_SA_OFLAGS, 020040002, "O_RDWR|O_TMPFILE");
    FA(QT_ARCH_I386, QT_SA_OFLAGS, 0100000 | 02000000, "O_RDONLY|O_LARGEFILE|O_CLOEXEC");
    FA(QT_ARCH_X86_64, QT_SA_OFLAGS, 040000, "O_RDONLY|O_DIRECT");
}

static void test_format_mm(void)
{
    F(QT_SA_PROT, 0, "PROT_NONE");
    F(QT_SA_PROT, 1, "PROT_READ");
    F(QT_SA_PROT, 2, "PROT_WRITE");
    F(QT_SA_PROT, 4, "PROT_EXEC");
    F(QT_SA_PROT, 3, "PROT_READ|PROT_WRITE");
    F(QT_SA_PROT, 5, "PROT_READ|PROT_EXEC");
    F(QT_SA_PROT, 7, "PROT_READ|PROT_WRITE|PROT_EXEC");
    F(QT_SA_PROT, 8, "PROT_SEM");
    F(QT_SA_PROT, 0x01000000, "PROT_GROWSDOWN");
    F(QT_SA_PROT, 0x03000007, "PROT_READ|PROT_WRITE|PROT_EXEC|PROT_GROWSDOWN|PROT_GROWSUP");
    F(QT_SA_PROT, 0x10, "0x10 /* PROT_??? */");
    F(QT_SA_PROT, 0x80000000, "0x80000000 /* PROT_??? */");
    F(QT_SA_PROT, 0x13, "PROT_READ|PROT_WRITE|0x10");
    F(QT_SA_PROT, 0x100000001, "PROT_READ|0x100000000");

    F(QT_SA_MMAP_FLAGS, 0, "MAP_FILE");
    F(QT_SA_MMAP_FLAGS, 1, "MAP_SHARED");
    F(QT_SA_MMAP_FLAGS, 2, "MAP_PRIVATE");
    F(QT_SA_MMAP_FLAGS, 3, "MAP_SHARED_VALIDATE");
    F(QT_SA_MMAP_FLAGS, 4, "0x4 /* MAP_??? */");
    F(QT_SA_MMAP_FLAGS, 0x8, "0x8 /* MAP_??? */");
    F(QT_SA_MMAP_FLAGS, 0x22, "MAP_PRIVATE|MAP_ANONYMOUS");
    F(QT_SA_MMAP_FLAGS, 0x20, "MAP_FILE|MAP_ANONYMOUS");
    F(QT_SA_MMAP_FLAGS, 0x11, "MAP_SHARED|MAP_FIXED");
    F(QT_SA_MMAP_FLAGS, 0x802, "MAP_PRIVATE|MAP_DENYWRITE");
    F(QT_SA_MMAP_FLAGS, 0x812, "MAP_PRIVATE|MAP_FIXED|MAP_DENYWRITE");
    F(QT_SA_MMAP_FLAGS, 0x32, "MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS");
    F(QT_SA_MMAP_FLAGS, 0x20022, "MAP_PRIVATE|MAP_ANONYMOUS|MAP_STACK");
    F(QT_SA_MMAP_FLAGS, 0x1822, "MAP_PRIVATE|MAP_ANONYMOUS|MAP_DENYWRITE|MAP_EXECUTABLE");
    F(QT_SA_MMAP_FLAGS, 0x80023, "MAP_SHARED_VALIDATE|MAP_ANONYMOUS|MAP_SYNC");
    F(QT_SA_MMAP_FLAGS, 0x42, "MAP_PRIVATE|MAP_32BIT");
    F(QT_SA_MMAP_FLAGS, 0x82, "MAP_PRIVATE|0x80");
    F(QT_SA_MMAP_FLAGS, 0x100002, "MAP_PRIVATE|MAP_FIXED_NOREPLACE");
    F(QT_SA_MMAP_FLAGS, 0x4000000, "MAP_FILE|1<<MAP_HUGE_SHIFT");
    F(QT_SA_MMAP_FLAGS, 0x4000004, "0x4 /* MAP_??? */|1<<MAP_HUGE_SHIFT");
    F(QT_SA_MMAP_FLAGS, 2 | 0x40000 | (21u << 26), "MAP_PRIVATE|MAP_HUGETLB|21<<MAP_HUGE_SHIFT");
    F(QT_SA_MMAP_FLAGS, 2 | 0x800 | 0xfc000000, "MAP_PRIVATE|MAP_DENYWRITE|63<<MAP_HUGE_SHIFT");
    F(QT_SA_MMAP_FLAGS, 2 | 0x100000000, "MAP_PRIVATE");
    F(QT_SA_MMAP_FLAGS, 0x0fffffff,
      "0xf /* MAP_??? */|MAP_FIXED|MAP_ANONYMOUS|MAP_32BIT|MAP_NORESERVE|MAP_POPULATE|MAP_NONBLOCK|"
      "MAP_GROWSDOWN|MAP_DENYWRITE|MAP_EXECUTABLE|MAP_LOCKED|MAP_STACK|MAP_HUGETLB|MAP_SYNC|"
      "MAP_FIXED_NOREPLACE|0x3e00680|3<<MAP_HUGE_SHIFT");
    FA(QT_ARCH_AARCH64, QT_SA_MMAP_FLAGS, 0x42, "MAP_PRIVATE|0x40");
    FA(QT_ARCH_I386, QT_SA_MMAP_FLAGS, 0x42, "MAP_PRIVATE|MAP_32BIT");
}

static void test_format_signals(void)
{
    F(QT_SA_SIGNAL, 0, "0");
    F(QT_SA_SIGNAL, 1, "SIGHUP");
    F(QT_SA_SIGNAL, 2, "SIGINT");
    F(QT_SA_SIGNAL, 6, "SIGABRT");
    F(QT_SA_SIGNAL, 7, "SIGBUS");
    F(QT_SA_SIGNAL, 9, "SIGKILL");
    F(QT_SA_SIGNAL, 11, "SIGSEGV");
    F(QT_SA_SIGNAL, 15, "SIGTERM");
    F(QT_SA_SIGNAL, 16, "SIGSTKFLT");
    F(QT_SA_SIGNAL, 17, "SIGCHLD");
    F(QT_SA_SIGNAL, 29, "SIGIO");
    F(QT_SA_SIGNAL, 30, "SIGPWR");
    F(QT_SA_SIGNAL, 31, "SIGSYS");
    F(QT_SA_SIGNAL, 32, "SIGRTMIN");
    F(QT_SA_SIGNAL, 33, "SIGRT_1");
    F(QT_SA_SIGNAL, 34, "SIGRT_2");
    F(QT_SA_SIGNAL, 64, "SIGRT_32");
    F(QT_SA_SIGNAL, 65, "65");
    F(QT_SA_SIGNAL, 1000, "1000");
    F(QT_SA_SIGNAL, UINT64_MAX, "-1");
    F(QT_SA_SIGNAL, (uint64_t)-3, "-3");
    F(QT_SA_SIGNAL, 0x100000001, "SIGHUP");
}

static void test_format_clone_at(void)
{
    F(QT_SA_CLONE_FLAGS, 0, "0");
    F(QT_SA_CLONE_FLAGS, 17, "SIGCHLD");
    F(QT_SA_CLONE_FLAGS, 0x800, "CLONE_SIGHAND");
    F(QT_SA_CLONE_FLAGS, 0x800 | 17, "CLONE_SIGHAND|SIGCHLD");
    F(QT_SA_CLONE_FLAGS, 0x01200011, "CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD");
    F(QT_SA_CLONE_FLAGS, 0x4111, "CLONE_VM|CLONE_VFORK|SIGCHLD");
    F(QT_SA_CLONE_FLAGS, 0x3d0f00,
      "CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|"
      "CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID");
    F(QT_SA_CLONE_FLAGS, 0x800 | 0x1000, "CLONE_SIGHAND|CLONE_PIDFD");
    F(QT_SA_CLONE_FLAGS, 0x800 | 0x2000 | 0x4000 | 0x8000 | 0x20000 | 0x40000,
      "CLONE_SIGHAND|CLONE_PTRACE|CLONE_VFORK|CLONE_PARENT|CLONE_NEWNS|CLONE_SYSVSEM");
    F(QT_SA_CLONE_FLAGS, 0x800 | 0xfe000000,
      "CLONE_SIGHAND|CLONE_NEWCGROUP|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWUSER|CLONE_NEWPID|"
      "CLONE_NEWNET|CLONE_IO");
    F(QT_SA_CLONE_FLAGS, 0x800 | 0x400000 | 0x800000, "CLONE_SIGHAND|CLONE_UNTRACED|0x400000");
    F(QT_SA_CLONE_FLAGS, 0x800 | 0x80, "CLONE_SIGHAND|128");
    F(QT_SA_CLONE_FLAGS, 0x800 | 9, "CLONE_SIGHAND|SIGKILL");
    F(QT_SA_CLONE_FLAGS, 0x800 | 0xff, "CLONE_SIGHAND|255");
    F(QT_SA_CLONE_FLAGS, 0x800 | 65, "CLONE_SIGHAND|65");
    F(QT_SA_CLONE_FLAGS, 0x800 | 64, "CLONE_SIGHAND|SIGRT_32");
    F(QT_SA_CLONE_FLAGS, 0x800 | 0x100000000, "CLONE_SIGHAND|0x100000000");
    F(QT_SA_CLONE_FLAGS, 0x400000, "0x400000 /* CLONE_??? */");
    F(QT_SA_CLONE_FLAGS, 0x400000 | 17, "0x400000 /* CLONE_??? */|SIGCHLD");
    F(QT_SA_CLONE_FLAGS, 0x100000000 | 17, "0x100000000 /* CLONE_??? */|SIGCHLD");

    F(QT_SA_ATFLAGS, 0, "0");
    F(QT_SA_ATFLAGS, 0x100, "AT_SYMLINK_NOFOLLOW");
    F(QT_SA_ATFLAGS, 0x200, "AT_REMOVEDIR");
    F(QT_SA_ATFLAGS, 0x400, "AT_SYMLINK_FOLLOW");
    F(QT_SA_ATFLAGS, 0x800, "AT_NO_AUTOMOUNT");
    F(QT_SA_ATFLAGS, 0x1000, "AT_EMPTY_PATH");
    F(QT_SA_ATFLAGS, 0x8000, "AT_RECURSIVE");
    F(QT_SA_ATFLAGS, 0x1100, "AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH");
    F(QT_SA_ATFLAGS, 0x2000, "0x2000 /* AT_??? */");
    F(QT_SA_ATFLAGS, 0x6000, "0x6000 /* AT_??? */");
    F(QT_SA_ATFLAGS, 0x1, "0x1 /* AT_??? */");
    F(QT_SA_ATFLAGS, 0x80000000, "0x80000000 /* AT_??? */");
    F(QT_SA_ATFLAGS, 0x10100, "AT_SYMLINK_NOFOLLOW|0x10000");
    F(QT_SA_ATFLAGS, 0x100000100, "AT_SYMLINK_NOFOLLOW");
}

/* i386 guests: QEMU passes 32-bit values sign-extended; they print as 32-bit values. */
static void test_format_i386(void)
{
    FA(QT_ARCH_I386, QT_SA_INT, 0xffffffff, "-1");
    FA(QT_ARCH_I386, QT_SA_INT, UINT64_MAX, "-1");
    FA(QT_ARCH_I386, QT_SA_INT, 4096, "4096");
    FA(QT_ARCH_I386, QT_SA_UINT, UINT64_MAX, "4294967295");
    FA(QT_ARCH_I386, QT_SA_HEX, 0xffffffffffffd000, "0xffffd000");
    FA(QT_ARCH_I386, QT_SA_PTR, 0xffffffffbfff0000, "0xbfff0000");
    FA(QT_ARCH_I386, QT_SA_PTR, 0, "NULL");
    FA(QT_ARCH_I386, QT_SA_FD, (uint64_t)-100, "AT_FDCWD");
    FA(QT_ARCH_I386, QT_SA_CLONE_FLAGS, 0xffffffff80000011, "CLONE_IO|SIGCHLD");
    FA(QT_ARCH_I386, QT_SA_PROT, 0xffffffff80000001, "PROT_READ|0x80000000");
    FA(QT_ARCH_X86_64, QT_SA_HEX, 0xffffffffffffd000, "0xffffffffffffd000");

    /* qt_sa_format appends to what is already there */
    qt_sb_reset(&sb);
    qt_sb_puts(&sb, "x=");
    qt_sa_format(QT_SA_PROT, 3, &sb);
    is_str(sb.buf, "x=PROT_READ|PROT_WRITE", "qt_sa_format appends");
}

int main(void)
{
    qt_sb_init(&sb);
    test_tables();
    test_by_name();
    test_consistency();
    test_errno();
    test_format_scalars();
    test_format_oflags();
    test_format_mm();
    test_format_signals();
    test_format_clone_at();
    test_format_i386();
    qt_sb_free(&sb);
    return done_testing();
}
