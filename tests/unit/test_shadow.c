/* Shadow call stack: nesting, recursion, longjmp, tail calls, signals, overflow. */
#include <stdlib.h>

#include "shadow.h"
#include "tap.h"

struct log {
    char buf[4096];
    size_t len;
};

static const char *how_name[] = { "ret", "unwound", "unfinished" };

static void rec(void *ctx, const struct qt_frame *f, uint32_t depth, enum qt_pop_how how)
{
    struct log *l = ctx;
    l->len += (size_t)snprintf(l->buf + l->len, sizeof(l->buf) - l->len, "%s%c@%u:%s",
                               l->len ? " " : "", (char)f->func, depth, how_name[how]);
}

#define ENTER(fn, sp) qt_stack_enter(&s, (fn), (sp), 0, NULL, rec, &l)
#define RET(sp) qt_stack_ret(&s, (sp), rec, &l)
#define RESET() do { l.len = 0; l.buf[0] = 0; } while (0)

int main(void)
{
    struct qt_frame fr[8];
    struct qt_stack s;
    struct log l = { "", 0 };

    /* main -> a -> b, b returns, a returns */
    qt_stack_init(&s, fr, 8);
    ENTER('m', 1000);
    ENTER('a', 990);
    ENTER('b', 980);
    is_int(s.depth, 3, "three frames pushed");
    is_int(RET(980), 1, "ret at b's sp pops one frame");
    is_str(l.buf, "b@2:ret", "b returns at depth 2");
    RESET();
    is_int(RET(990), 1, "a returns");
    is_str(l.buf, "a@1:ret", "a returns at depth 1");
    RESET();

    /* a ret that belongs to an untraced function (sp above every frame? no: below top) */
    ENTER('c', 990);
    is_int(RET(970), 0, "ret below the top frame belongs to an untraced callee");
    is_int(s.depth, 2, "nothing popped");
    RET(990);
    RESET();

    /* longjmp: x -> y -> z, then a new entry at main's level pops x, y, z as unwound */
    ENTER('x', 990);
    ENTER('y', 980);
    ENTER('z', 970);
    ENTER('w', 990); /* after longjmp back into main, main calls w at the same sp as x */
    is_str(l.buf, "z@3:unwound y@2:unwound x@1:unwound", "entry after longjmp unwinds x and deeper frames");
    is_int(s.depth, 2, "w pushed at x's level");
    RESET();
    is_int(RET(990), 1, "ret at that sp returns w");
    is_str(l.buf, "w@1:ret", "w returns at depth 1");
    RESET();

    /* tail call: f jumps to g (same sp); g's ret ends g; f was reported ended at g's entry */
    ENTER('f', 990);
    ENTER('g', 990);
    is_str(l.buf, "f@1:unwound", "tail call ends f where g starts");
    RESET();
    is_int(RET(990), 1, "g returns");
    is_str(l.buf, "g@1:ret", "g is f's sibling");
    RESET();

    /* ret after longjmp: frames below the ret's sp are unwound first */
    ENTER('p', 990);
    ENTER('q', 980);
    is_int(RET(1000), 1, "main's ret");
    is_str(l.buf, "q@2:unwound p@1:unwound m@0:ret", "ret unwinds frames above it");
    is_int(s.depth, 0, "stack empty");
    RESET();

    /* signal handler nested on the same stack */
    ENTER('m', 1000);
    ENTER('a', 990);
    ENTER('h', 900); /* handler frame below a's */
    RET(900);
    RET(990);
    RET(1000);
    is_str(l.buf, "h@2:ret a@1:ret m@0:ret", "signal handler frame nests and pops");
    RESET();

    /* overflow: capacity 8, recurse 12 deep, return all */
    for (int i = 0; i < 12; i++)
        ENTER('r', 1000 - 16 * (uint64_t)i);
    is_int(s.depth, 8, "capacity reached");
    is_int(s.overflowed, 4, "4 frames counted as overflow");
    for (int i = 11; i >= 0; i--)
        RET(1000 - 16 * (uint64_t)i);
    is_int(s.depth, 0, "all returned");
    is_int(s.overflow, 0, "overflow drained");
    is_int((int)(l.len > 0 && l.buf[l.len - 1] == 't'), 1, "last pop is a ret");
    RESET();

    /* deep recursion with a big stack: 3000 levels exact */
    struct qt_frame *big = calloc(4096, sizeof(*big));
    qt_stack_init(&s, big, 4096);
    int bad = 0;
    for (int i = 0; i < 3000; i++)
        if (!qt_stack_enter(&s, 'd', 1000000 - 48 * (uint64_t)i, (uint64_t)i, NULL, rec, &l))
            bad++;
    is_int(bad, 0, "3000 frames pushed");
    is_int(s.depth, 3000, "depth 3000");
    int popped = 0;
    for (int i = 2999; i >= 0; i--) {
        l.len = 0;
        popped += qt_stack_ret(&s, 1000000 - 48 * (uint64_t)i, rec, &l);
    }
    is_int(popped, 3000, "3000 returns matched");

    /* unfinished */
    qt_stack_init(&s, fr, 8);
    RESET();
    ENTER('m', 1000);
    ENTER('a', 990);
    qt_stack_unwind_all(&s, rec, &l);
    is_str(l.buf, "a@1:unfinished m@0:unfinished", "unwind_all reports unfinished frames");
    free(big);
    return done_testing();
}
