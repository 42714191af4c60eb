/* Writers on a deep recursion: the text's indentation and the folded stacks stay bounded
 * (INDENT_MAX levels in w_text.c, MAX_FRAMES frames in w_folded.c), whatever the depth. */
#include <stdlib.h>

#include "tap.h"
#include "tracebuild.h"
#include "writer.h"

enum { F_REC = 0x401000, DEPTH = 3000 };

static char *render(const struct qtr *r, const char *format)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    char err[256];
    const struct qtc_writer *w = qtc_writer_find(format);
    int rc = w ? qtc_write_trace(r, w, f, err, sizeof(err)) : -1;
    fclose(f);
    if (rc != 0) {
        printf("# %s writer failed: %s\n", format, err);
        free(buf);
        return NULL;
    }
    return buf;
}

/* rec() calling itself DEPTH deep; every level costs 2 instructions of its own (3 for the deepest) */
static void build_deep(struct qb *b)
{
    qb_init(b, QT_MODE_USER, 0);
    qb_chunk(b, VCPU_NONE);
    qb_sym(b, F_REC, 0x10, "rec", NULL);
    qb_chunk(b, 0);
    for (int d = 0; d < DEPTH; d++)
        qb_call(b, QT_REC_ENTRY, 0, 7, 0, (uint16_t)d, 0, (uint64_t)d, (uint64_t)d, F_REC, 0, 0, NULL);
    for (int d = DEPTH - 1; d >= 0; d--) {
        uint64_t ic = 2 * DEPTH - (uint64_t)d + 1;
        qb_call(b, QT_REC_EXIT, 0, 7, 0, (uint16_t)d, 0, ic, ic, F_REC, (uint64_t)d, 0, NULL);
    }
    qb_end(b, 2 * DEPTH + 2, 2 * DEPTH, 0);
    qb_close_chunk(b);
}

/* the line of text whose n-th (0-based) occurrence of "rec() {" it is */
static const char *nth_entry(const char *t, int n)
{
    const char *p = t;
    for (int i = 0; p && i <= n; i++) {
        p = strstr(p, "rec() {");
        if (p && i < n)
            p++;
    }
    if (!p)
        return NULL;
    while (p > t && p[-1] != '\n')
        p--;
    return p;
}

int main(void)
{
    if (tmpdir_make("deep") < 0)
        return 1;
    struct qb b;
    struct qtr r;
    build_deep(&b);
    ok(open_built(&r, &b, "deep.qtr") == 0, "a %d-deep recursion reads", DEPTH);

    char *t = render(&r, "text");
    ok(t != NULL, "text written");
    size_t longest = 0, lines = 0;
    for (const char *p = t; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        longest = n > longest ? n : longest;
        lines++;
        p = nl ? nl + 1 : p + n;
    }
    ok(lines > DEPTH && longest < 600, "text: %zu lines, the longest %zu bytes (indentation bounded)", lines, longest);
    const char *l256 = nth_entry(t, 256), *l257 = nth_entry(t, 257), *l2998 = nth_entry(t, DEPTH - 2);
    ok(l256 && strncmp(l256 + 34 + 512, "rec() {", 7) == 0, "depth 256: indented 256 levels, no depth shown");
    ok(l257 && strncmp(l257 + 34 + 512, "[depth 257] rec() {", 19) == 0, "depth 257: 256 levels, then [depth 257]");
    ok(l2998 && strncmp(l2998 + 34 + 512, "[depth 2998] rec() {", 20) == 0, "depth 2998: the same width, [depth 2998]");
    free(t);

    char *f = render(&r, "folded");
    ok(f != NULL, "folded written");
    size_t nlines = 0, deeper = 0;
    for (const char *p = f; p && *p; p = strchr(p, '\n') + 1, nlines++)
        if (strstr(p, ";[deeper];rec ") && strstr(p, ";[deeper];rec ") < strchr(p, '\n'))
            deeper++;
    is_int((long)nlines, 256, "folded: 256 lines (255 stacks of 1..255 frames, and the deeper ones together)");
    is_int((long)deeper, 1, "one line for every stack of 256 frames or more: 255 frames, [deeper], rec");
    /* its self cost: the levels from depth 255 on, 2 each, and the deepest 1 more */
    const char *last = strstr(f, ";[deeper];rec ");
    is_int(last ? atol(last + 14) : -1, 2 * (DEPTH - 255) + 1, "its cost: the levels it stands for, added");
    free(f);
    qtr_close(&r);
    free(b.buf);
    tmpdir_remove();
    return done_testing();
}
