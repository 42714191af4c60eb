/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The guest kernel's symbols for gdb (qtrace debug): an ELF file that holds only a symbol table
 * at the kernel's link-time addresses, and the gdb script that finds the KASLR slide in the
 * stopped guest and loads the file there (add-symbol-file -o SLIDE). See docs/record-replay.md.
 */
#ifndef QTRACE_CLI_DEBUG_KSYMS_H
#define QTRACE_CLI_DEBUG_KSYMS_H

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

#endif
