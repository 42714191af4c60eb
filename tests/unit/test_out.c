/*
 * The plugin's trace output (plugin/out.c) driven by several threads at once, as vCPUs drive it:
 * each thread appends numbered records to its own vCPU buffer (the buffers fill, go to the
 * writer thread, the pool runs dry and the vCPUs wait), flushes now and then, and one more
 * thread writes direct records meanwhile. Read back with the CLI's reader: every record is
 * there once, each thread's in the order it wrote them. out.c has no QEMU dependency, so this
 * harness also runs under ThreadSanitizer (make unit-tsan): TSan cannot instrument a plugin
 * loaded into a QEMU that was not built with it.
 */
#include <pthread.h>
#include <stdlib.h>

#include "../../plugin/out.c"
#include "reader.h"
#include "tap.h"
#include "tmpfiles.h"

#define NTHREADS 8
#define PER_THREAD 40000 /* records per thread: about 8 full buffers each */
#define NDIRECT 500
#define FUNC 0x401000

static struct qt_out *out;

struct worker {
    unsigned vcpu;
    pthread_t th;
};

static void *vcpu_main(void *arg)
{
    const struct worker *w = arg;
    for (uint64_t seq = 0; seq < PER_THREAD; seq++) {
        struct qt_rec_call *c = qt_out_reserve(out, w->vcpu, sizeof(*c));
        memset(c, 0, sizeof(*c));
        c->h.type = QT_REC_ENTRY;
        c->h.size = sizeof(*c);
        c->h.vcpu = w->vcpu;
        c->tid = 100 + w->vcpu;
        c->ts_ns = qt_out_now(out);
        c->icount = seq;
        c->func = FUNC;
        qt_out_commit(out, w->vcpu, sizeof(*c));
        if (seq % 9973 == 0)
            qt_out_flush(out, w->vcpu);
    }
    return NULL;
}

static void *direct_main(void *arg)
{
    (void)arg;
    for (unsigned i = 0; i < NDIRECT; i++) {
        struct {
            struct qt_rec_sym s;
            char name[8];
        } r;
        memset(&r, 0, sizeof(r));
        r.s.h.type = QT_REC_SYM;
        r.s.h.size = sizeof(r);
        r.s.h.vcpu = QT_VCPU_NONE;
        r.s.flags = QT_SYM_FUNC;
        r.s.name_len = 1;
        r.s.addr = FUNC + 0x100 + i;
        r.s.size = 1;
        r.name[0] = 'f';
        qt_out_write_direct(out, &r, sizeof(r));
    }
    return NULL;
}

static uint64_t next_seq[NTHREADS], bad, events;

static int on_event(const struct qtr_event *ev, void *ctx)
{
    (void)ctx;
    if (ev->type != QT_REC_ENTRY)
        return 0;
    unsigned t = ev->call->tid - 100;
    if (t >= NTHREADS || ev->vcpu != t || ev->call->icount != next_seq[t])
        bad++;
    else
        next_seq[t]++;
    events++;
    return 0;
}

int main(void)
{
    if (tmpdir_make("out") < 0)
        return 1;
    char err[256];
    out = qt_out_open(tpath("t.qtr"), QT_ARCH_X86_64, QT_MODE_USER, NULL, err, sizeof(err));
    ok(out != NULL, "trace opened (%s)", out ? "ok" : err);
    if (!out)
        return done_testing();
    struct worker w[NTHREADS];
    pthread_t direct;
    for (unsigned i = 0; i < NTHREADS; i++) {
        w[i].vcpu = i;
        pthread_create(&w[i].th, NULL, vcpu_main, &w[i]);
    }
    pthread_create(&direct, NULL, direct_main, NULL);
    for (unsigned i = 0; i < NTHREADS; i++)
        pthread_join(w[i].th, NULL);
    pthread_join(direct, NULL);
    is_int(qt_out_close(out, (uint64_t)NTHREADS * PER_THREAD, 0), 0, "closed without a write error");

    struct qtr r;
    ok(qtr_open(&r, tpath("t.qtr"), err, sizeof(err)) == 0, "the trace reads back (%s)", err);
    ok(r.has_end && !r.truncated, "it has its end record and is not cut short");
    struct qtr_handlers h = { on_event, NULL, NULL };
    is_int(qtr_replay(&r, &h), 0, "replayed");
    is_int((long)events, (long)NTHREADS * PER_THREAD, "every record of the 8 threads is there");
    is_int((long)bad, 0, "each thread's records in the order it wrote them, on its own vCPU");
    int syms = 0;
    for (unsigned i = 0; i < NDIRECT; i++)
        syms += qtr_sym_at(&r, FUNC + 0x100 + i) != NULL;
    is_int(syms, NDIRECT, "the 500 records written directly meanwhile are there too");
    qtr_close(&r);
    tmpdir_remove();
    return done_testing();
}
