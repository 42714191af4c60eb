/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * System calls in user mode (QEMU's syscall callbacks fire only there).
 *
 * Watched always, because function tracing depends on them:
 *   openat/open + close   which file each descriptor is (a small table, under a lock:
 *                         system calls are rare next to calls)
 *   mmap                  a file mapped at offset 0 that is an ELF shared library becomes a
 *                         module: its functions get names and can be traced
 *   clone/fork/vfork      the child continues the parent's shadow stack; buffers are flushed
 *                         before the fork so that the child does not inherit unwritten records
 *   execve                the new program is not run under QEMU: flushed and said on stderr
 * Recorded with syscalls=on: every call with its arguments and its return value.
 */
#ifndef QTRACE_USER_SYSCALLS_H
#define QTRACE_USER_SYSCALLS_H

/* Register the syscall callbacks (user mode; nothing in system mode). */
void qt_user_syscalls_init(void);

#endif
