/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hand-overs QEMU makes through its own atomics, told to ThreadSanitizer in the TSan build of
 * the plugin (make unit-tsan, cases 154 and 155); nothing in any other build. QEMU is not
 * instrumented, so TSan sees neither side of its synchronisation: a translated block published
 * to the other vCPUs (QEMU's block cache, lock-free) carries the sites its callbacks receive, so
 * a site is released once written at translation and acquired by each callback that reads it.
 */
#ifndef QTRACE_PLUGIN_TSAN_H
#define QTRACE_PLUGIN_TSAN_H

#if defined(__SANITIZE_THREAD__)
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
#define QT_TSAN_RELEASE(p) __tsan_release((void *)(p))
#define QT_TSAN_ACQUIRE(p) __tsan_acquire((void *)(p))
#else
#define QT_TSAN_RELEASE(p) ((void)(p))
#define QT_TSAN_ACQUIRE(p) ((void)(p))
#endif

#endif
