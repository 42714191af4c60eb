/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What identifies an ELF file mapped in a guest: its GNU build-id note (where it lies once
 * loaded, so that the guest's copy can be compared with a file on the host) and whether it is a
 * program (it names an interpreter) or a shared library.
 */
#ifndef QTRACE_ELFID_H
#define QTRACE_ELFID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QT_BUILD_ID_MAX 64  /* longest build-id compared (GNU ld writes 20 bytes) */

struct qt_elfid {
    uint8_t build_id[QT_BUILD_ID_MAX];
    uint32_t build_id_len;  /* 0: the file has no build-id note */
    uint64_t build_id_vaddr; /* file address of the build-id bytes (in a PT_NOTE segment) */
    bool program;           /* has PT_INTERP: a dynamically linked program, not a library */
    bool dyn;               /* ET_DYN: loaded at a bias chosen at run time */
    uint64_t load_vaddr;    /* file address at file offset 0 (the first PT_LOAD's vaddr - offset) */
};

/* Reads id from the ELF image[0..size) (32- or 64-bit, little-endian); every offset is
 * bounded by size. False if the image is not such an ELF file. */
bool qt_elfid_read(const uint8_t *image, size_t size, struct qt_elfid *id);
/* "0123abcd..." of the build-id into buf (at most cap bytes with the NUL). */
void qt_elfid_hex(const uint8_t *id, size_t len, char *buf, size_t cap);

#endif
