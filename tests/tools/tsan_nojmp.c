/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tsan_nojmp.so, preloaded before libtsan into an uninstrumented qemu-system-x86_64 (case 155):
 * QEMU's sigsetjmp and siglongjmp go straight to glibc, unseen by ThreadSanitizer.
 * QEMU's coroutines (the QMP dispatcher, the block layer) start on a stack of their own with
 * swapcontext and then switch with sigsetjmp/siglongjmp between stacks; TSan's interceptors keep
 * a list of jump buffers per thread and cannot follow a jump to another stack ("ThreadSanitizer:
 * can't find longjmp buf", then a failed CHECK ends QEMU before the guest starts). Hiding the
 * jumps is safe for what the case checks: they happen in QEMU's own code, never inside a plugin
 * callback, so TSan's view of the plugin's calls and memory accesses is unchanged.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

__attribute__((visibility("hidden"))) void *qt_real_sigsetjmp; /* glibc's __sigsetjmp, jumped to by the stub below */
static void (*real_siglongjmp)(void *env, int val);

__attribute__((constructor)) static void find_glibc(void)
{
    void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
    qt_real_sigsetjmp = libc ? dlsym(libc, "__sigsetjmp") : NULL;
    real_siglongjmp = libc ? (void (*)(void *, int))dlsym(libc, "siglongjmp") : NULL;
    if (!qt_real_sigsetjmp || !real_siglongjmp) {
        fputs("tsan_nojmp: glibc's __sigsetjmp or siglongjmp not found\n", stderr);
        abort();
    }
}

/* A setjmp cannot be wrapped by a function (its frame would be gone when the jump comes back):
 * the stub jumps to glibc's with the caller's frame and arguments as they are. */
__asm__(".text\n"
        ".globl __sigsetjmp\n"
        ".type __sigsetjmp, @function\n"
        "__sigsetjmp:\n"
        "    jmp *qt_real_sigsetjmp(%rip)\n"
        ".size __sigsetjmp, .-__sigsetjmp\n");

__attribute__((noreturn)) void siglongjmp(void *env, int val);
void siglongjmp(void *env, int val)
{
    real_siglongjmp(env, val);
    abort(); /* glibc's does not return */
}
