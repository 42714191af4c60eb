/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * files_written=DIR: what the selected processes write to regular files, as QT_REC_FILEW records
 * (common/format.h) the CLI turns into the files themselves. Hooked where every write system call
 * of a regular file passes: vfs_write(file, buf, count, pos) (write, pwrite64) and
 * vfs_writev(file, vec, vlen, pos, flags) (writev, pwritev); the bytes are read from the
 * process's buffer at the call, page by page, in records of at most QT_FILEW_CHUNK bytes (a
 * huge write costs trace, not memory). Renames and unlinks are taken at do_renameat2 and
 * do_unlinkat, as the process named the files; a shared writable mapping of a regular file
 * (mmap_region), whose writes no system call shows, is recorded so that the CLI can say so.
 */
#ifndef QTRACE_KERNEL_FILES_H
#define QTRACE_KERNEL_FILES_H

/* Hooks */
void qt_kfiles_on_write(unsigned vcpu_index, void *udata);   /* vfs_write(file, buf, count, pos) */
void qt_kfiles_on_writev(unsigned vcpu_index, void *udata);  /* vfs_writev(file, vec, vlen, pos, flags) */
void qt_kfiles_on_rename(unsigned vcpu_index, void *udata);  /* do_renameat2(olddfd, from, newdfd, to, flags) */
void qt_kfiles_on_unlink(unsigned vcpu_index, void *udata);  /* do_unlinkat(dfd, name) */
void qt_kfiles_on_mmap(unsigned vcpu_index, void *udata);    /* mmap_region(file, addr, len, vm_flags, pgoff, uf) */

#endif
