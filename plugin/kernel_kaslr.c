/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "kernel_image.h"
#include "kernel_kaslr.h"

#define SLIDE_TRIES 100000      /* kernel blocks tried before giving up on the slide */

static pthread_mutex_t slide_lock = PTHREAD_MUTEX_INITIALIZER;
static int slide_ready;         /* the slide is known and everything is relocated */
static int slide_failed;
static unsigned slide_tries;

/* The bytes of a block (contiguous instructions) at vaddr: try them against the image. */
static void find_slide(struct qemu_plugin_tb *tb, void (*relocate)(uint64_t slide))
{
    pthread_mutex_lock(&slide_lock);
    if (slide_ready || slide_failed) {
        pthread_mutex_unlock(&slide_lock);
        return;
    }
    uint8_t bytes[512];
    size_t len = 0, n = qemu_plugin_tb_n_insns(tb);
    uint64_t va0 = qemu_plugin_tb_vaddr(tb);
    for (size_t i = 0; i < n && len < sizeof(bytes); i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        if (qemu_plugin_insn_vaddr(insn) != va0 + len)
            break;
        len += qemu_plugin_insn_data(insn, bytes + len, sizeof(bytes) - len);
    }
    uint64_t s = 0;
    int r = len >= 8 ? kaslr_slide_from_bytes(&qt_kernel.img, va0, bytes, len, &s) : -ENOENT;
    if (r == 0) {
        relocate(s);
        if (getenv("QTRACE_DEBUG"))
            fprintf(stderr, "qtrace: kernel: KASLR slide 0x%" PRIx64 " (from the block at 0x%" PRIx64 ", %zu bytes, "
                    "after %u blocks)\n", s, va0, len, slide_tries);
        __atomic_store_n(&slide_ready, 1, __ATOMIC_RELEASE);
    } else if (++slide_tries >= SLIDE_TRIES) {
        slide_failed = 1;
        fprintf(stderr, "qtrace: warning: the guest's kernel code matches %s at no KASLR slide after %u blocks: is it "
                "the kernel the guest boots? Kernel functions, processes and system calls are not followed\n",
                qt_kernel.img.path, slide_tries);
    }
    pthread_mutex_unlock(&slide_lock);
}

bool qt_kaslr_ready(struct qemu_plugin_tb *tb, void (*relocate)(uint64_t slide))
{
    if (__atomic_load_n(&slide_ready, __ATOMIC_ACQUIRE))
        return true;
    find_slide(tb, relocate);
    return __atomic_load_n(&slide_ready, __ATOMIC_ACQUIRE);
}
