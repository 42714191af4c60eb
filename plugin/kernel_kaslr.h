/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The KASLR slide, found from the bytes of the first kernel translation blocks
 * (kaslr_slide_from_bytes in common/kimage.c). Until it is known no kernel code is
 * instrumented (early boot).
 */
#ifndef QTRACE_KERNEL_KASLR_H
#define QTRACE_KERNEL_KASLR_H

#include "plugin.h"

/* Is the slide known? Else try tb's bytes; when they give it, relocate(slide) runs (under a
 * lock, before any vCPU sees the slide as known) and this returns true. */
bool qt_kaslr_ready(struct qemu_plugin_tb *tb, void (*relocate)(uint64_t slide));

#endif
