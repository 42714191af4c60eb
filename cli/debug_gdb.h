/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What qtrace debug adds to gdb: the guest kernel's symbols (an ELF file that holds only a
 * symbol table at the kernel's link-time addresses, and the gdb Python that finds the KASLR slide
 * in the stopped guest and loads the file there), and snapshots taken where the user stops, which
 * QEMU's backward commands replay from. See docs/record-replay.md.
 */
#ifndef QTRACE_CLI_DEBUG_GDB_H
#define QTRACE_CLI_DEBUG_GDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct qt_kimage;
struct qt_ksyms;

/* Write the kernel's functions and data objects (per-cpu offsets left out) as an x86-64 ELF
 * symbol file at path. Returns the number of symbols written, or -1 with err. */
long qtc_ksyms_elf_write(const struct qt_ksyms *ks, const char *path, char *err, size_t errlen);

/* Append to a gdb script the Python that, at each stop until it succeeds, finds the slide by
 * reading the kernel's "Linux version" banner at every slide KASLR allows, then loads elf
 * there; and the command qtrace-kernel-symbols that does it on demand. false (nothing written)
 * when the image has no banner to look for. */
bool qtc_ksyms_gdb_script(FILE *f, const struct qt_kimage *img, const char *elf);

/* Append to a gdb script the Python that, at each stop, saves a QEMU snapshot (monitor savevm
 * qtrace-N) unless one was taken less than gap instructions before. */
void qtc_gdb_snapshot_script(FILE *f, unsigned long long gap);

#endif
