#!/usr/bin/env python3
"""Writes the uncompressed kernel (vmlinux, an ELF) held in a bzImage, for QEMU's PVH boot.

Usage: scripts/vmlinux.py BZIMAGE OUT

QEMU boots an ELF kernel that carries a PVH entry note (Xen note type 18, CONFIG_PVH) directly,
without the bzImage's decompressor. Under record/replay that matters: the decompressor and its
string copies are most of a small guest's boot, and a replay runs them again, slowly. Such a boot
has no KASLR (the decompressor chooses the slide). The payload is the first xz or gzip stream
whose output is an ELF; OUT is written only if it is one and has the PVH note.
"""
import lzma
import os
import struct
import sys
import zlib

PVH_NOTE = 18  # XEN_ELFNOTE_PHYS32_ENTRY


def payloads(image):
    """The decompressed outputs of the xz and gzip streams in image, in file order."""
    starts = []
    for magic, kind in ((b'\xfd7zXZ\x00', 'xz'), (b'\x1f\x8b\x08', 'gzip')):
        at = image.find(magic)
        while at >= 0:
            starts.append((at, kind))
            at = image.find(magic, at + 1)
    for at, kind in sorted(starts):
        try:
            if kind == 'xz':
                yield lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(image[at:])
            else:
                yield zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(image[at:])
        except (lzma.LZMAError, zlib.error):
            continue


def has_pvh_note(elf):
    """True if the 64-bit little-endian ELF elf has a PT_NOTE with a Xen note of type 18."""
    if elf[:4] != b'\x7fELF' or elf[4] != 2 or elf[5] != 1:
        return False
    phoff, = struct.unpack_from('<Q', elf, 0x20)
    phentsize, phnum = struct.unpack_from('<HH', elf, 0x36)
    for i in range(phnum):
        p_type, _, p_offset, _, _, p_filesz = struct.unpack_from('<IIQQQQ', elf, phoff + i * phentsize)
        if p_type != 4:  # PT_NOTE
            continue
        at, end = p_offset, min(p_offset + p_filesz, len(elf))
        while at + 12 <= end:
            namesz, descsz, ntype = struct.unpack_from('<III', elf, at)
            name = elf[at + 12:at + 12 + namesz].rstrip(b'\0')
            if name == b'Xen' and ntype == PVH_NOTE:
                return True
            at += 12 + (namesz + 3) // 4 * 4 + (descsz + 3) // 4 * 4
    return False


def main():
    if len(sys.argv) != 3:
        sys.exit('usage: vmlinux.py BZIMAGE OUT')
    src, out = sys.argv[1], sys.argv[2]
    with open(src, 'rb') as f:
        image = f.read()
    for elf in payloads(image):
        if elf[:4] != b'\x7fELF':
            continue
        if not has_pvh_note(elf):
            sys.exit('%s: its kernel has no PVH entry note (CONFIG_PVH): QEMU cannot boot it uncompressed' % src)
        with open(out + '.tmp', 'wb') as f:
            f.write(elf)
        os.replace(out + '.tmp', out)
        return
    sys.exit('%s: no xz or gzip payload that decompresses to an ELF kernel' % src)


if __name__ == '__main__':
    main()
