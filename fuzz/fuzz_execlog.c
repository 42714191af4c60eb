/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz harness: the execution log's records (common/execlog_text.c: TBDEF decoding and the
 * formatter behind `qtrace dump -f execlog|execlog-json`). Input: one byte of options (bit 0:
 * JSON lines, bit 1: big-endian, bits 2-3: a line limit), then records as the trace holds them,
 * each starting with struct qt_rec_hdr whose size says how long it is.
 */
#include "execlog_text.h"
#include "fuzz.h"

static void sink(void *ctx, unsigned vcpu, const char *text, size_t len)
{
    (void)vcpu;
    if (text[len] != 0)
        abort(); /* the sink is promised a NUL after the text */
    *(size_t *)ctx += len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t opt = fuzz_byte(&data, &size);
    size_t total = 0;
    struct qt_eltext_opts o = {
        .style = opt & 1 ? QT_ELTEXT_JSON : QT_ELTEXT_TEXT, .sink = sink, .ctx = &total, .flush_at = 4096,
        .max_lines = (opt >> 2) & 3, .big_endian = opt & 2,
    };
    struct qt_eltext *f = qt_eltext_new(&o);
    if (!f)
        return 0;
    uint64_t rec[65536 / 8]; /* any 16-bit size */
    while (size >= sizeof(struct qt_rec_hdr)) {
        struct qt_rec_hdr h;
        memcpy(&h, data, sizeof(h));
        if (h.size < sizeof(h) || h.size > size)
            break;
        /* the reader hands records over 8-byte aligned, as they are in the file */
        memcpy(rec, data, h.size);
        if (h.type == QT_REC_EL_TBDEF) {
            struct qt_el_tb *tb = qt_el_tbdef_decode(rec, h.size);
            if (tb) {
                uint8_t again[QT_EL_MAX_REC];
                qt_el_tbdef_encode(tb, h.vcpu, again, sizeof(again));
                free(tb);
            }
        }
        qt_eltext_record(f, rec, h.size);
        data += h.size;
        size -= h.size;
    }
    qt_eltext_finish(f);
    qt_eltext_free(f);
    return 0;
}
