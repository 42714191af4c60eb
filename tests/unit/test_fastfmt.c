/* cli/fastfmt.c against what it replaces: snprintf's conversions and sb.h's JSON escaping, byte for
 * byte, on edge values and on many pseudo-random ones. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "fastfmt.h"
#include "tap.h"

static uint64_t rnd_state = 0x9e3779b97f4a7c15u;

static uint64_t rnd(void)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 7;
    rnd_state ^= rnd_state << 17;
    return rnd_state;
}

/* a value of a random magnitude: every digit count is reached */
static uint64_t rnd_value(void)
{
    unsigned bits = (unsigned)(rnd() % 65);
    return bits == 64 ? rnd() : rnd() & ((UINT64_C(1) << bits) - 1);
}

/* one value through every integer form; the first mismatch is reported by the caller */
static bool same_ints(uint64_t v, char *what, size_t wl)
{
    struct qt_sb sb;
    char want[256];
    qt_sb_init(&sb);
    qt_sb_puts(&sb, "x");
    qtf_u64(&sb, v);
    qtf_hex(&sb, v);
    qtf_us(&sb, v);
    qtf_u64_pad(&sb, v, 10);
    qtf_u64_pad(&sb, v, 0);
    qtf_us_pad(&sb, v, 8);
    qtf_label_u64(&sb, " tid:", v);
    snprintf(want, sizeof(want), "x%" PRIu64 "%" PRIx64 "%" PRIu64 ".%03u%10" PRIu64 "%" PRIu64 "%8" PRIu64 ".%03u tid:%" PRIu64,
             v, v, v / 1000, (unsigned)(v % 1000), v, v, v / 1000, (unsigned)(v % 1000), v);
    bool same = sb.len == strlen(want) && strcmp(sb.buf, want) == 0;
    if (!same)
        snprintf(what, wl, "%" PRIu64 ": got \"%s\", want \"%s\"", v, sb.buf, want);
    qt_sb_free(&sb);
    return same;
}

/* s through qtf_json and through sb.h's escaping, appended after a prefix */
static bool same_escapes(const char *s, size_t n)
{
    struct qt_sb a, b;
    qt_sb_init(&a);
    qt_sb_init(&b);
    qt_sb_puts(&a, "p");
    qt_sb_puts(&b, "p");
    qtf_json(&a, s, n);
    qt_sb_put_jsonescaped(&b, s, n);
    bool same = a.len == b.len && memcmp(a.buf, b.buf, a.len + 1) == 0;
    qt_sb_free(&a);
    qt_sb_free(&b);
    return same;
}

int main(void)
{
    char what[640] = "";
    static const uint64_t edges[] = { 0, 1, 9, 10, 99, 100, 999, 1000, 1001, 9999999999u, 10000000000u,
                                      UINT32_MAX, (uint64_t)INT64_MAX, (uint64_t)INT64_MAX + 1, UINT64_MAX - 1,
                                      UINT64_MAX, 0xdeadbeef, 0x7f0000001000 };
    bool all = true;
    for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]) && all; i++)
        all = same_ints(edges[i], what, sizeof(what));
    ok(all, "integers: %zu edge values as printf writes them %s", sizeof(edges) / sizeof(edges[0]), what);
    all = true;
    for (int i = 0; i < 200000 && all; i++)
        all = same_ints(rnd_value(), what, sizeof(what));
    ok(all, "integers: 200000 random values of every size as printf writes them %s", what);

    struct qt_sb sb;
    qt_sb_init(&sb);
    qtf_u64_pad(&sb, 42, 10);
    qtf_spaces(&sb, 3);
    qtf_u64_pad(&sb, 12345678901ull, 5);
    is_str(sb.buf, "        42   12345678901", "padding: right-aligned, a wider number is not cut");
    qt_sb_reset(&sb);
    qtf_json(&sb, "", 0);
    ok(sb.len == 0, "escaping nothing appends nothing");
    qt_sb_free(&sb);

    char bytes[256];
    for (int i = 0; i < 256; i++)
        bytes[i] = (char)i;
    ok(same_escapes(bytes, sizeof(bytes)), "escaping: all 256 byte values, as sb.h escapes them for JSON");
    ok(same_escapes("plain text, no escape at all", 28), "escaping: a run with nothing to escape, copied as it is");
    ok(same_escapes("\"</script>\x1b[31m&\\", 17), "escaping: quotes, HTML, ESC, backslash, as sb.h escapes them for JSON");
    all = true;
    char s[64];
    for (int i = 0; i < 100000 && all; i++) {
        size_t n = (size_t)(rnd() % sizeof(s));
        for (size_t k = 0; k < n; k++) {
            uint64_t r = rnd();
            /* mostly printable, with escapes in runs of every length */
            s[k] = (char)(r % 4 ? 0x20 + (r >> 8) % 0x5f : (r >> 8) & 0xff);
        }
        all = same_escapes(s, n);
    }
    ok(all, "escaping: 100000 random strings, as sb.h escapes them for JSON");
    return done_testing();
}
