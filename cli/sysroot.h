/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qtrace system --sysroot ROOT: the guest's file system on the host, a directory or an ext4 disk
 * image (common/rootfs.h). An absolute --program names a file in ROOT; from an image it is
 * extracted under DIR/sysroot/ (the output directory) for the ELF readers.
 */
#ifndef QTRACE_CLI_SYSROOT_H
#define QTRACE_CLI_SYSROOT_H

#include <stddef.h>

#include "launch.h"

/* Open ROOT (--sysroot, else the --guest's) and find --program in it: l->sysroot_program is the
 * host path the ELF readers and the plugin read. 0 (also without a ROOT), or -1 with one line in
 * err: ROOT missing or neither a directory nor an ext4 image, the program not in ROOT. */
int qtc_sysroot_check(const struct qtc_cfg *cfg, struct qtc_launch *l, char *err, size_t errlen);

#endif
