/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "out.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define vbuf qt_vbuf

struct qt_out {
    int fd;
    int err;                        /* first write error, -errno */
    char *path;
    uint64_t t0;
    pthread_mutex_t lock;           /* serialises file writes (one per full buffer) */
    struct vbuf *bufs[QT_OUT_MAX_VCPUS];
};

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t qt_out_now(const struct qt_out *o) { return mono_ns() - o->t0; }
const char *qt_out_path(const struct qt_out *o) { return o->path; }

static int write_all(int fd, struct iovec *iov, int n)
{
    while (n > 0) {
        ssize_t w = writev(fd, iov, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        while (n > 0 && (size_t)w >= iov->iov_len) {
            w -= (ssize_t)iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (uint8_t *)iov->iov_base + w;
            iov->iov_len -= (size_t)w;
        }
    }
    return 0;
}

struct qt_out *qt_out_open(const char *path, enum qt_arch arch, enum qt_mode mode, char *err, size_t errlen)
{
    struct qt_out *o = calloc(1, sizeof(*o));
    if (!o) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    o->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (o->fd < 0) {
        snprintf(err, errlen, "cannot create trace file %s: %s", path, strerror(errno));
        free(o);
        return NULL;
    }
    o->path = strdup(path);
    pthread_mutex_init(&o->lock, NULL);
    o->t0 = mono_ns();
    struct qt_file_hdr h;
    memset(&h, 0, sizeof(h));
    memcpy(h.magic, QT_FILE_MAGIC, 8);
    h.version = QT_FILE_VERSION;
    h.hdr_size = sizeof(h);
    h.arch = arch;
    h.mode = mode;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    h.start_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    o->t0 = mono_ns();
    struct iovec iov = { &h, sizeof(h) };
    int r = write_all(o->fd, &iov, 1);
    if (r < 0) {
        snprintf(err, errlen, "cannot write trace file %s: %s", path, strerror(-r));
        close(o->fd);
        free(o->path);
        free(o);
        return NULL;
    }
    return o;
}

static struct vbuf *vbuf_get(struct qt_out *o, unsigned vcpu)
{
    if (vcpu >= QT_OUT_MAX_VCPUS)
        vcpu = QT_OUT_MAX_VCPUS - 1; /* shares the last buffer: only beyond 255 vCPUs */
    struct vbuf *b = __atomic_load_n(&o->bufs[vcpu], __ATOMIC_ACQUIRE);
    if (!b) {
        /* first record of this vCPU: allocate once (not a hot path) */
        struct vbuf *nb = calloc(1, sizeof(*nb));
        if (nb)
            nb->data = malloc(QT_OUT_BUF_SIZE);
        if (nb) {
            nb->vcpu = vcpu;
            nb->out = o;
        }
        if (!nb || !nb->data) {
            fputs("qtrace: out of memory for trace buffers\n", stderr);
            abort();
        }
        struct vbuf *expect = NULL;
        if (!__atomic_compare_exchange_n(&o->bufs[vcpu], &expect, nb, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
            free(nb->data);
            free(nb);
            b = expect;
        } else {
            b = nb;
        }
    }
    return b;
}

static void flush_buf(struct qt_out *o, unsigned vcpu, struct vbuf *b)
{
    if (b->used == 0)
        return;
    struct qt_chunk_hdr ch = { QT_CHUNK_MAGIC, vcpu, (uint32_t)b->used, b->nrec };
    struct iovec iov[2] = { { &ch, sizeof(ch) }, { b->data, b->used } };
    pthread_mutex_lock(&o->lock);
    if (o->err == 0) {
        int r = write_all(o->fd, iov, 2);
        if (r < 0)
            o->err = r;
    }
    pthread_mutex_unlock(&o->lock);
    b->used = 0;
    b->nrec = 0;
    b->gen++;
}

struct qt_vbuf *qt_out_vbuf(struct qt_out *o, unsigned vcpu)
{
    return vbuf_get(o, vcpu);
}

void qt_vbuf_flush(struct qt_vbuf *b)
{
    flush_buf(b->out, b->vcpu, b);
}

void *qt_out_reserve(struct qt_out *o, unsigned vcpu, size_t size)
{
    struct vbuf *b = vbuf_get(o, vcpu);
    if (b->used + size > QT_OUT_BUF_SIZE)
        flush_buf(o, vcpu, b);
    return b->data + b->used;
}

void qt_out_commit(struct qt_out *o, unsigned vcpu, size_t size)
{
    struct vbuf *b = vbuf_get(o, vcpu);
    b->used += size;
    b->nrec++;
}

void qt_out_write_direct(struct qt_out *o, const void *rec, size_t size)
{
    struct qt_chunk_hdr ch = { QT_CHUNK_MAGIC, QT_VCPU_NONE, (uint32_t)size, 1 };
    struct iovec iov[2] = { { &ch, sizeof(ch) }, { (void *)rec, size } };
    pthread_mutex_lock(&o->lock);
    if (o->err == 0) {
        int r = write_all(o->fd, iov, 2);
        if (r < 0)
            o->err = r;
    }
    pthread_mutex_unlock(&o->lock);
}

void qt_out_flush(struct qt_out *o, unsigned vcpu)
{
    flush_buf(o, vcpu, vbuf_get(o, vcpu));
}

int qt_out_close(struct qt_out *o, uint64_t events, uint64_t lost)
{
    for (unsigned i = 0; i < QT_OUT_MAX_VCPUS; i++)
        if (o->bufs[i])
            flush_buf(o, i, o->bufs[i]);
    struct qt_rec_end *e = qt_out_reserve(o, 0, sizeof(*e));
    memset(e, 0, sizeof(*e));
    e->h.type = QT_REC_END;
    e->h.size = sizeof(*e);
    e->ts_ns = qt_out_now(o);
    e->events = events;
    e->lost = lost;
    qt_out_commit(o, 0, sizeof(*e));
    flush_buf(o, 0, o->bufs[0]);
    int err = o->err;
    if (close(o->fd) < 0 && err == 0)
        err = -errno;
    for (unsigned i = 0; i < QT_OUT_MAX_VCPUS; i++) {
        if (o->bufs[i]) {
            free(o->bufs[i]->data);
            free(o->bufs[i]);
        }
    }
    pthread_mutex_destroy(&o->lock);
    free(o->path);
    free(o);
    return err;
}
