/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "out.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define vbuf qt_vbuf

/*
 * A full buffer is not written by its vCPU: it goes to a writer thread, and the vCPU goes on
 * with a free buffer from a small pool (copying the records into the page cache cost
 * a quarter of a vCPU's time when every call is traced). Chunks are written in the order
 * they were queued, as they were written before: a record written directly (symbols, the
 * execution log's instruction texts) still precedes the chunks that refer to it. The vCPU
 * waits only when QUEUE_MAX buffers are already waiting (the disk is slower than the guest).
 * A forked child (user mode) has no writer thread: it starts its own at its first chunk.
 */
#define QUEUE_MAX 8

/*
 * A full disk must not leave a chunk cut in the middle, nor a trace without its end: before a
 * chunk is written, the file's blocks for it plus RESERVE more bytes are allocated (fallocate,
 * keeping the file's size). When that fails, the chunk is not written and recording stops: the
 * reserve, allocated with the previous chunk, still holds the STOP and END records written at
 * close. A write that fails anyway (a file system without fallocate) is cut back to the last
 * whole chunk.
 */
#define RESERVE 4096

struct job {
    uint8_t *data;                  /* a pool buffer (pooled) or a copy of a direct record */
    uint32_t len, nrec, vcpu;
    bool pooled;
};

struct qt_out {
    int fd;
    int err;                        /* first write error, -errno */
    uint64_t err_ts;                /* when it happened (ns since the start) */
    off_t err_off;                  /* bytes of the file kept when it happened */
    bool no_falloc;                 /* the file system has no fallocate: writes are not reserved */
    char *path;
    uint64_t t0;                    /* host monotonic time at open */
    uint64_t (*guest_ns)(void);     /* guest time, or NULL: host time since t0 */
    pthread_mutex_t lock;           /* the queue, the pool, and synchronous writes */
    pthread_cond_t work, space;     /* a job was queued / a job was written */
    struct job queue[QUEUE_MAX];
    unsigned qhead, qlen;
    bool writing, stop;
    pid_t writer_pid;               /* the process whose writer thread runs (0: none) */
    pthread_t writer;
    uint8_t *pool[QUEUE_MAX + 1];   /* free buffers */
    unsigned npool;
    struct vbuf *bufs[QT_OUT_MAX_VCPUS];
};

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t qt_out_now(const struct qt_out *o) { return o->guest_ns ? o->guest_ns() : mono_ns() - o->t0; }
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

struct qt_out *qt_out_open(const char *path, enum qt_arch arch, enum qt_mode mode, const struct qt_out_clock *clock,
                           char *err, size_t errlen)
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
    pthread_cond_init(&o->work, NULL);
    pthread_cond_init(&o->space, NULL);
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
    if (clock && clock->start_ns)
        h.start_ns = clock->start_ns;
    if (clock && clock->guest_ns) {
        o->guest_ns = clock->guest_ns;
        h.clock = QT_CLOCK_GUEST;
        h.clock_shift = clock->shift;
    }
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

/* Returns 0 or -errno (the caller records it with write_failed, under o->lock). Only the writer
 * thread, or a caller holding o->lock while none runs, writes. */
static int write_chunk(struct qt_out *o, uint32_t vcpu, const void *data, uint32_t len, uint32_t nrec)
{
    struct qt_chunk_hdr ch = { QT_CHUNK_MAGIC, vcpu, len, nrec };
    struct iovec iov[2] = { { &ch, sizeof(ch) }, { (void *)data, len } };
    off_t at = lseek(o->fd, 0, SEEK_CUR);
    if (at >= 0 && !o->no_falloc &&
        fallocate(o->fd, FALLOC_FL_KEEP_SIZE, at, (off_t)(sizeof(ch) + len + RESERVE)) < 0) {
        if (errno == ENOSPC || errno == EDQUOT || errno == EFBIG)
            return -errno;
        o->no_falloc = true; /* EOPNOTSUPP and the like: write unreserved */
    }
    int r = write_all(o->fd, iov, 2);
    if (r < 0 && at >= 0 && ftruncate(o->fd, at) == 0)
        lseek(o->fd, at, SEEK_SET); /* no half chunk: the file ends after the last whole one */
    return r;
}

/* Under o->lock: the first failed write stops recording, said once. */
static void write_failed(struct qt_out *o, int r)
{
    if (o->err != 0)
        return;
    o->err = r;
    o->err_ts = qt_out_now(o);
    o->err_off = lseek(o->fd, 0, SEEK_CUR);
    fprintf(stderr,
            "qtrace: error: cannot write %s: %s: recording stopped %" PRIu64 ".%03u s into the run; the trace up to "
            "there (%lld bytes) stays readable, later events are lost\n",
            o->path, strerror(-r), o->err_ts / 1000000000u, (unsigned)(o->err_ts / 1000000u % 1000u),
            (long long)o->err_off);
}

/* Under o->lock: wait until every queued job is written. */
static void drain(struct qt_out *o)
{
    while (o->qlen > 0 || o->writing)
        pthread_cond_wait(&o->space, &o->lock);
}

/* Under o->lock, without the writer thread (none, or no memory for the queue): once every
 * queued chunk is written, write this one now. */
static void write_now(struct qt_out *o, uint32_t vcpu, const void *data, uint32_t len, uint32_t nrec)
{
    drain(o);
    if (o->err == 0) {
        int r = write_chunk(o, vcpu, data, len, nrec);
        if (r < 0)
            write_failed(o, r);
    }
}

static void *writer_main(void *arg)
{
    struct qt_out *o = arg;
    pthread_mutex_lock(&o->lock);
    for (;;) {
        while (o->qlen == 0 && !o->stop)
            pthread_cond_wait(&o->work, &o->lock);
        if (o->qlen == 0)
            break;
        struct job j = o->queue[o->qhead];
        o->qhead = (o->qhead + 1) % QUEUE_MAX;
        o->qlen--;
        o->writing = true;
        bool ok = o->err == 0;
        pthread_mutex_unlock(&o->lock);
        int r = ok ? write_chunk(o, j.vcpu, j.data, j.len, j.nrec) : 0;
        pthread_mutex_lock(&o->lock);
        if (r < 0)
            write_failed(o, r);
        o->writing = false;
        if (j.pooled && o->npool < QUEUE_MAX + 1)
            o->pool[o->npool++] = j.data;
        else
            free(j.data);
        pthread_cond_broadcast(&o->space);
    }
    pthread_mutex_unlock(&o->lock);
    return NULL;
}

/* Under o->lock: is there a writer thread in this process (starting it if not)? */
static bool writer_ready(struct qt_out *o)
{
    pid_t me = getpid();
    if (o->writer_pid == me)
        return true;
    if (o->writer_pid == -me)
        return false; /* could not start one: write synchronously */
    o->stop = false;
    /* The writer blocks every signal: a signal meant for the guest must reach one of QEMU's
     * own threads (qemu-user's host signal handler needs the vCPU of the thread it runs on). */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    o->writer_pid = pthread_create(&o->writer, NULL, writer_main, o) == 0 ? me : -me;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return o->writer_pid == me;
}

/* Under o->lock: queue a job, waiting for room. */
static void enqueue(struct qt_out *o, struct job j)
{
    while (o->qlen == QUEUE_MAX)
        pthread_cond_wait(&o->space, &o->lock);
    o->queue[(o->qhead + o->qlen) % QUEUE_MAX] = j;
    o->qlen++;
    pthread_cond_signal(&o->work);
}

static void flush_buf(struct qt_out *o, unsigned vcpu, struct vbuf *b)
{
    if (b->used == 0)
        return;
    pthread_mutex_lock(&o->lock);
    uint8_t *fresh = NULL;
    if (writer_ready(o)) {
        /* a free buffer to go on with: from the pool, a new one while few exist, else wait */
        while (!fresh) {
            if (o->npool > 0)
                fresh = o->pool[--o->npool];
            else if (o->qlen < QUEUE_MAX && (fresh = malloc(QT_OUT_BUF_SIZE)) != NULL)
                break;
            else if (o->qlen == 0 && !o->writing)
                break; /* no memory and nothing to wait for */
            else
                pthread_cond_wait(&o->space, &o->lock);
        }
    }
    if (fresh) {
        enqueue(o, (struct job){ b->data, (uint32_t)b->used, b->nrec, vcpu, true });
        b->data = fresh;
    } else {
        write_now(o, vcpu, b->data, (uint32_t)b->used, b->nrec);
    }
    pthread_mutex_unlock(&o->lock);
    b->used = 0;
    b->nrec = 0;
    b->fast_lim = 0;
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
    pthread_mutex_lock(&o->lock);
    uint8_t *copy = writer_ready(o) ? malloc(size) : NULL;
    if (copy) {
        memcpy(copy, rec, size);
        enqueue(o, (struct job){ copy, (uint32_t)size, 1, QT_VCPU_NONE, false });
    } else {
        write_now(o, QT_VCPU_NONE, rec, (uint32_t)size, 1);
    }
    pthread_mutex_unlock(&o->lock);
}

void qt_out_flush(struct qt_out *o, unsigned vcpu)
{
    flush_buf(o, vcpu, vbuf_get(o, vcpu));
    pthread_mutex_lock(&o->lock);
    drain(o);
    pthread_mutex_unlock(&o->lock);
}

void qt_out_forked(struct qt_out *o, unsigned vcpu)
{
    /* Only this thread exists in the child. The queued jobs are the parent's to write, and so
     * are the records buffered by the parent's other threads. */
    pthread_mutex_init(&o->lock, NULL);
    pthread_cond_init(&o->work, NULL);
    pthread_cond_init(&o->space, NULL);
    o->qlen = 0;
    o->qhead = 0;
    o->writing = false;
    o->writer_pid = 0;
    for (unsigned i = 0; i < QT_OUT_MAX_VCPUS; i++)
        if (o->bufs[i] && i != vcpu) {
            o->bufs[i]->used = 0;
            o->bufs[i]->nrec = 0;
            o->bufs[i]->fast_lim = 0;
        }
}

int qt_out_close(struct qt_out *o, uint64_t events, uint64_t lost)
{
    for (unsigned i = 0; i < QT_OUT_MAX_VCPUS; i++)
        if (o->bufs[i])
            flush_buf(o, i, o->bufs[i]);
    pthread_mutex_lock(&o->lock);
    bool joined = o->writer_pid == getpid();
    drain(o);
    o->stop = true;
    pthread_cond_broadcast(&o->work);
    o->writer_pid = -getpid(); /* the END record below is written synchronously */
    pthread_mutex_unlock(&o->lock);
    if (joined)
        pthread_join(o->writer, NULL);
    int stopped = o->err;
    if (stopped) {
        /* the last chunk, into the reserve: why recording stopped, then the END record */
        o->err = 0;
        o->no_falloc = true;
        struct qt_rec_stop *st = qt_out_reserve(o, 0, sizeof(*st));
        memset(st, 0, sizeof(*st));
        st->h.type = QT_REC_STOP;
        st->h.size = sizeof(*st);
        st->err = -stopped;
        st->ts_ns = o->err_ts;
        st->bytes = (uint64_t)o->err_off;
        qt_out_commit(o, 0, sizeof(*st));
    }
    struct qt_rec_end *e = qt_out_reserve(o, 0, sizeof(*e));
    memset(e, 0, sizeof(*e));
    e->h.type = QT_REC_END;
    e->h.size = sizeof(*e);
    e->ts_ns = qt_out_now(o);
    e->events = events;
    e->lost = lost;
    qt_out_commit(o, 0, sizeof(*e));
    flush_buf(o, 0, o->bufs[0]);
    int err = stopped ? 0 : o->err; /* a stop was said when it happened */
    if (close(o->fd) < 0 && err == 0)
        err = -errno;
    for (unsigned i = 0; i < QT_OUT_MAX_VCPUS; i++) {
        if (o->bufs[i]) {
            free(o->bufs[i]->data);
            free(o->bufs[i]);
        }
    }
    for (unsigned i = 0; i < o->npool; i++)
        free(o->pool[i]);
    pthread_cond_destroy(&o->work);
    pthread_cond_destroy(&o->space);
    pthread_mutex_destroy(&o->lock);
    free(o->path);
    free(o);
    return err;
}
