/* The execution-log formatter (common/execlog_text.c) fed with records built here: execlog's line
 * format, memory accesses, register changes in little- and big-endian guests (a CONFIG record
 * with QT_EL_BIGENDIAN, as the plugin writes for a big-endian target), the same through a TBDEF
 * record, JSON lines, and malformed records counted, not crashed on. */
#include <stdlib.h>

#include "execlog_text.h"
#include "tap.h"

#define QT_VCPU_NONE 0xffffffffu /* records written outside a vCPU (plugin/out.h) */

struct out {
    char buf[4096];
    size_t len;
};

static void sink(void *ctx, unsigned vcpu, const char *data, size_t len)
{
    (void)vcpu;
    struct out *o = ctx;
    if (o->len + len < sizeof(o->buf)) {
        memcpy(o->buf + o->len, data, len);
        o->len += len;
        o->buf[o->len] = '\0';
    }
}

static void hdr(struct qt_rec_hdr *h, uint16_t type, size_t size)
{
    h->type = type;
    h->size = (uint16_t)size;
    h->vcpu = 0;
}

/* A vCPU watching one 4-byte register "r0", initially 0. */
static void feed_vcpu(struct qt_eltext *f)
{
    uint64_t rec[8];
    memset(rec, 0, sizeof(rec));
    struct qt_rec_el_vcpu *v = (struct qt_rec_el_vcpu *)rec;
    struct qt_el_rdef d = { .size = 4, .nlen = 2 };
    size_t size = sizeof(*v) + QT_ALIGN8(sizeof(d) + 2 + 4);
    hdr(&v->h, QT_REC_EL_VCPU, size);
    v->nregs = 1;
    memcpy((uint8_t *)rec + sizeof(*v), &d, sizeof(d));
    memcpy((uint8_t *)rec + sizeof(*v) + sizeof(d), "r0", 2);
    ok(qt_eltext_record(f, rec, size) == 0, "VCPU record with one register");
}

static const uint8_t nop[] = { 0x90 }, store[] = { 0x89, 0x07 };

static struct qt_el_tb *two_insns(void)
{
    struct qt_el_isrc src[2] = {
        { .vaddr = 0x1000, .kind = QT_EL_K_LOG | QT_EL_K_CHECK, .len = 1, .bytes = nop, .disas = "nop", .dlen = 3 },
        { .vaddr = 0x1001, .kind = QT_EL_K_LOG | QT_EL_K_CHECK, .len = 2, .bytes = store,
          .disas = "movl %eax, (%rdi)", .dlen = 17 },
    };
    return qt_el_tb_new(1, 0, src, 2);
}

/* Block 1 runs: "nop" (checks registers: nothing changed yet), then the store, which starts by
 * checking registers: r0 became 11 22 33 44 (in the guest's byte order) during the nop; then
 * the store writes to 0x2000. */
static void feed_run(struct qt_eltext *f)
{
    struct qt_rec_el_exec e = { .tb = 1, .prev_n = QT_EL_FULL };
    hdr(&e.h, QT_REC_EL_EXEC, sizeof(e));
    ok(qt_eltext_record(f, &e, sizeof(e)) == 0, "EXEC record");
    uint64_t rec[4];
    memset(rec, 0, sizeof(rec));
    struct qt_rec_el_regs *r = (struct qt_rec_el_regs *)rec;
    struct qt_el_rval rv = { .reg = 0, .size = 4 };
    static const uint8_t val[4] = { 0x11, 0x22, 0x33, 0x44 };
    size_t size = sizeof(*r) + QT_ALIGN8(sizeof(rv) + 4);
    hdr(&r->h, QT_REC_EL_REGS, size);
    r->insn = 1;
    r->count = 1;
    memcpy((uint8_t *)rec + sizeof(*r), &rv, sizeof(rv));
    memcpy((uint8_t *)rec + sizeof(*r) + sizeof(rv), val, 4);
    ok(qt_eltext_record(f, rec, size) == 0, "REGS record");
    struct qt_rec_el_mem m;
    memset(&m, 0, sizeof(m));
    hdr(&m.h, QT_REC_EL_MEM, sizeof(m));
    m.insn = 1;
    m.info = 2 | QT_EL_M_STORE;
    m.vaddr = 0x2000;
    ok(qt_eltext_record(f, &m, sizeof(m)) == 0, "MEM record");
    struct qt_rec_el_end end = { .prev_n = QT_EL_FULL };
    hdr(&end.h, QT_REC_EL_END, sizeof(end));
    ok(qt_eltext_record(f, &end, sizeof(end)) == 0, "END record");
}

static void feed_config(struct qt_eltext *f, uint32_t flags)
{
    struct qt_rec_el_config c;
    memset(&c, 0, sizeof(c));
    hdr(&c.h, QT_REC_EL_CONFIG, sizeof(c));
    c.h.vcpu = QT_VCPU_NONE;
    c.flags = flags;
    ok(qt_eltext_record(f, &c, sizeof(c)) == 0, "CONFIG record (flags 0x%x)", flags);
}

static const char *run_text(enum qt_eltext_style style, bool be_opt, uint32_t config, bool via_tbdef, struct out *o)
{
    memset(o, 0, sizeof(*o));
    struct qt_eltext_opts opts = { .style = style, .sink = sink, .ctx = o, .big_endian = be_opt };
    struct qt_eltext *f = qt_eltext_new(&opts);
    if (!f)
        return "";
    feed_config(f, config);
    struct qt_el_tb *tb = two_insns();
    if (via_tbdef) {
        static uint8_t rec[QT_EL_MAX_REC];
        size_t size = qt_el_tbdef_encode(tb, QT_VCPU_NONE, rec, sizeof(rec));
        free(tb);
        ok(size > 0 && qt_eltext_record(f, rec, size) == 0, "TBDEF record encoded and read back");
    } else {
        ok(tb && qt_eltext_add_tb(f, tb) == 0, "descriptor added");
    }
    feed_vcpu(f);
    feed_run(f);
    qt_eltext_finish(f);
    is_int(qt_eltext_errors(f), 0, "no record rejected");
    qt_eltext_free(f);
    return o->buf;
}

int main(void)
{
    struct out o;
    const char *le = "0, 0x1000, 0x90, \"nop\", r0 -> 0x44332211\n"
                     "0, 0x1001, 0x789, \"movl %eax, (%rdi)\", store, 0x00002000\n";
    const char *be = "0, 0x1000, 0x90, \"nop\", r0 -> 0x11223344\n"
                     "0, 0x1001, 0x789, \"movl %eax, (%rdi)\", store, 0x00002000\n";
    is_str(run_text(QT_ELTEXT_TEXT, false, 0, false, &o), le, "little-endian guest: register bytes last to first (execlog)");
    is_str(run_text(QT_ELTEXT_TEXT, true, 0, false, &o), be, "big-endian guest (option): register bytes in order");
    is_str(run_text(QT_ELTEXT_TEXT, false, QT_EL_BIGENDIAN, true, &o), be,
           "big-endian guest (CONFIG record, as in a binary trace), TBDEF record");
    const char *json = run_text(QT_ELTEXT_JSON, false, QT_EL_BIGENDIAN, false, &o);
    ok(strstr(json, "\"r0\":\"0x11223344\"") != NULL, "JSON lines: big-endian register value");
    ok(strstr(json, "\"nop\"") != NULL && strstr(json, "0x1001") != NULL, "JSON lines: both instructions");

    /* malformed records are counted and skipped */
    struct qt_eltext_opts opts = { .style = QT_ELTEXT_TEXT, .sink = sink, .ctx = &o };
    struct qt_eltext *f = qt_eltext_new(&opts);
    struct qt_rec_el_exec e = { .tb = 77, .prev_n = QT_EL_FULL };
    hdr(&e.h, QT_REC_EL_EXEC, sizeof(e));
    feed_vcpu(f);
    ok(qt_eltext_record(f, &e, sizeof(e)) < 0, "EXEC of an unknown block is rejected");
    ok(qt_eltext_record(f, &e, 4) < 0, "a record shorter than its header is rejected");
    uint8_t junk[64];
    memset(junk, 0xff, sizeof(junk));
    hdr((struct qt_rec_hdr *)junk, QT_REC_EL_TBDEF, sizeof(junk));
    ok(qt_eltext_record(f, junk, sizeof(junk)) < 0, "a garbage TBDEF is rejected");
    ok(qt_eltext_errors(f) >= 3, "errors counted");
    qt_eltext_free(f);
    return done_testing();
}
