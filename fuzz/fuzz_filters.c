/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz harness: the -F/-N/-D filters (filter=, notrace=, depth= and the globs they hold:
 * common/options.c, qt_glob_match) and the recording decisions made from them on a shadow
 * stack (common/callrules.c, common/shadow.c), as the plugin's calls make them.
 * Input: option lines (key=value), a line "--", then one call event per line:
 *   NAME     entry of function NAME, one frame deeper than the top (stack pointer - 16)
 *   <        ret of the top frame;   <HEX   a ret at stack pointer HEX (unwinds what is below)
 * At the end every frame is popped; the per-thread counts must then be back to zero.
 */
#include "callrules.h"
#include "fuzz.h"
#include "options.h"
#include "shadow.h"

#define STACK_TOP 0x7fff0000ull

struct state {
    struct qt_call_state cs;
};

static void on_pop(void *ctx, const struct qt_frame *f, uint32_t depth, enum qt_pop_how how)
{
    struct state *s = ctx;
    (void)depth;
    (void)how;
    qt_call_rules_pop(&s->cs, f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_str(data, size);
    if (!text)
        return 0;
    struct qt_opts o;
    qt_opts_init(&o);
    char err[1024];
    char *line = text, *next;
    bool bad = false;
    for (; line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = 0;
        if (strcmp(line, "--") == 0) {
            line = next;
            break;
        }
        if (memmem(line, strlen(line), "conf", 4))
            continue; /* conf= opens a file the input would name */
        if (qt_opts_set(&o, line, "fuzz", err, sizeof(err)) != 0)
            bad = true;
    }
    if (!bad) {
        struct qt_call_rules rules;
        qt_call_rules_init(&rules, &o, false);
        static struct qt_frame frames[48];
        struct qt_stack st;
        qt_stack_init(&st, frames, 48);
        struct state s;
        memset(&s, 0, sizeof(s));
        uint64_t sp = STACK_TOP;
        for (; line; line = next) {
            next = strchr(line, '\n');
            if (next)
                *next++ = 0;
            if (line[0] == '<') {
                uint64_t at = line[1] ? strtoull(line + 1, NULL, 16) : sp;
                qt_stack_ret(&st, at, on_pop, &s);
                const struct qt_frame *top = qt_stack_top(&st);
                sp = top ? top->sp : STACK_TOP;
                continue;
            }
            sp -= 16;
            bool filter = qt_opts_match(o.filter, o.nfilter, line);
            bool notrace = qt_opts_match(o.notrace, o.nnotrace, line);
            qt_opts_wants(&o, line);
            struct qt_frame *f = qt_stack_enter(&st, (uint64_t)(uintptr_t)line, sp, 0, NULL, on_pop, &s);
            if (f) {
                qt_call_rules_enter(&rules, &s.cs, f, filter, notrace);
                qt_call_rules_packed(&rules, 1, f->vdepth);
            }
        }
        qt_stack_unwind_all(&st, on_pop, &s);
        if (s.cs.nfilter || s.cs.nhide || s.cs.vis)
            abort(); /* every frame popped: nothing may be left counted */
    }
    qt_opts_free(&o);
    free(text);
    return 0;
}
