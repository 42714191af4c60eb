/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <pthread.h>

#include "kernel_image.h"

struct qt_kintro qt_kernel;
uint64_t qt_kernel_space;
static int loaded;              /* published with a release store */
static int pending;             /* a background load runs */
static pthread_t load_thread;
static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t load_cond = PTHREAD_COND_INITIALIZER;
static void (*load_fn)(void);

bool qt_kernel_loaded(void)
{
    return __atomic_load_n(&loaded, __ATOMIC_ACQUIRE) != 0;
}

void qt_kernel_publish(void)
{
    __atomic_store_n(&loaded, 1, __ATOMIC_RELEASE);
}

static void *load_main(void *arg)
{
    (void)arg;
    load_fn();
    pthread_mutex_lock(&load_lock);
    __atomic_store_n(&pending, 0, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&load_cond);
    pthread_mutex_unlock(&load_lock);
    return NULL;
}

bool qt_kernel_load_async(void (*load)(void))
{
    load_fn = load;
    pending = 1;
    if (pthread_create(&load_thread, NULL, load_main, NULL) != 0) {
        pending = 0;
        return false;
    }
    pthread_detach(load_thread); /* qt_kernel_wait waits on the condition, not by joining */
    return true;
}

bool qt_kernel_pending(void)
{
    return __atomic_load_n(&pending, __ATOMIC_ACQUIRE) != 0;
}

void qt_kernel_wait(void)
{
    pthread_mutex_lock(&load_lock);
    while (__atomic_load_n(&pending, __ATOMIC_ACQUIRE))
        pthread_cond_wait(&load_cond, &load_lock);
    pthread_mutex_unlock(&load_lock);
}

uint64_t qt_kernel_sym(const char *name)
{
    const struct qt_ksym *s = qt_ksyms_find(&qt_kernel.ks, name);
    return s ? s->addr : 0;
}
