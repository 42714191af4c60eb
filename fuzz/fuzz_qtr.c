/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz harness: the trace reader (cli/reader.c: header, chunks, every record, packed words) and
 * every stream writer fed from it (cli/w_*.c: text, JSON, folded, execlog, compat...), into
 * /dev/null. Directory formats (uftrace) are left out: they write files. The execution-log
 * writers run only on traces with execution-log records: their formatter costs a large
 * allocation each (fuzz_execlog fuzzes it on its own). */
#include "fuzz.h"
#include "reader.h"
#include "writer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *null;
    if (!null)
        null = fopen("/dev/null", "w");
    if (!null)
        return 0;
    struct qtr r;
    char err[1024];
    if (qtr_open_mem(&r, data, size, "fuzz.qtr", err, sizeof(err)) != 0)
        return 0;
    const struct qtc_writer *const *ws;
    size_t n = qtc_writers(&ws);
    for (size_t i = 0; i < n; i++)
        if (!ws[i]->is_dir && (!ws[i]->execlog || r.st.execlog))
            qtc_write_trace(&r, ws[i], null, err, sizeof(err));
    qtr_close(&r);
    return 0;
}
