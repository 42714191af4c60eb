/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ending.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "launch.h"
#include "util.h"
#include "writer.h"

/* Does QEMU's reset log say a CPU triple-faulted? (target/i386 logs "Triple fault" under -d cpu_reset) */
static bool triple_fault(const char *log)
{
    FILE *f = log ? fopen(log, "r") : NULL;
    if (!f)
        return false;
    char line[256];
    bool found = false;
    while (!found && fgets(line, sizeof(line), f))
        found = strncmp(line, "Triple fault", 12) == 0;
    fclose(f);
    return found;
}

static void secs(char *buf, size_t n, uint64_t ns)
{
    snprintf(buf, n, "%" PRIu64 ".%03u s", ns / 1000000000u, (unsigned)(ns / 1000000u % 1000u));
}

void qtc_end_judge(const struct qtr *r, const char *path, struct qtc_end *e)
{
    e->code = qtc_exit_code(e->status, e->timed_out);
    e->convert = true;
    char t[64];
    if (r->has_stop) {
        secs(t, sizeof(t), r->stop.ts_ns);
        qtc_error("%s is incomplete: recording stopped %s into the run (%s), at %" PRIu64 " bytes; not converted "
                  "(make room, then: qtrace dump -f text -o FILE %s); exit status %d",
                  path, t, strerror(r->stop.err), r->stop.bytes, path, QTC_EXIT_TRACE_STOPPED);
        e->code = QTC_EXIT_TRACE_STOPPED;
        e->convert = false;
        return;
    }
    bool qemu_ok = WIFEXITED(e->status) && WEXITSTATUS(e->status) == 0 && !e->timed_out;
    if (qemu_ok && r->panic) {
        struct qtr_arg a = { NULL, NULL };
        const struct qt_rec_call *c = r->panic;
        if (c->nargs && c->h.size >= sizeof(*c) + sizeof(struct qt_arg)) {
            a.a = (const struct qt_arg *)(c + 1);
            a.data = (const uint8_t *)(a.a + 1);
            if (sizeof(*c) + sizeof(struct qt_arg) + a.a->len > c->h.size)
                a.a = NULL;
        }
        struct qt_sb msg;
        qt_sb_init(&msg);
        if (a.a)
            qtw_arg_value(&a, &msg);
        secs(t, sizeof(t), c->ts_ns);
        qtc_warn("the guest kernel panicked %s into the run (panic(%s)); the trace ends there: exit status %d", t,
                 msg.buf ? msg.buf : "", QTC_EXIT_GUEST_PANIC);
        qt_sb_free(&msg);
        e->code = QTC_EXIT_GUEST_PANIC;
        return;
    }
    if (qemu_ok && triple_fault(e->reset_log)) {
        qtc_warn("a guest CPU triple-faulted (QEMU's reset log %s says so; -no-reboot turns the reset into QEMU's "
                 "end); the trace ends there: exit status %d", e->reset_log, QTC_EXIT_TRIPLE_FAULT);
        e->code = QTC_EXIT_TRIPLE_FAULT;
    }
}

bool qtc_end_reset_log_ok(char *const *user_args, int nuser)
{
    for (int i = 0; i < nuser; i++)
        if (strcmp(user_args[i], "-d") == 0 || strcmp(user_args[i], "-D") == 0)
            return false;
    return true;
}
