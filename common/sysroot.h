/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The guest's file system on the host (sysroot=ROOT): which shared libraries it holds, and
 * which functions they define. Looked through only to say that a pattern matches nothing
 * anywhere (the libraries themselves are read when the guest maps them).
 */
#ifndef QTRACE_SYSROOT_H
#define QTRACE_SYSROOT_H

#include <stdbool.h>

/* The library folders searched under ROOT, as the dynamic loader's default paths and Debian's
 * multiarch folders name them (one folder per line is enough for a real guest). */
extern const char *const qt_sysroot_dirs[];

/* Which of the n patterns match a function (*fn_found[i]) or, for "lib:GLOB", a library's file
 * name (*fn_found[i] too) in the ELF libraries (*.so*) of ROOT's library folders. Only entries
 * false on entry are looked for; the scan stops when every one is true. Unreadable files and
 * folders are skipped. */
void qt_sysroot_scan(const char *root, const char *const *globs, int n, bool *found);

#endif
