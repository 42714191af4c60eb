/* Argument types: decode (through a fake guest memory) and format. */
#include <errno.h>
#include <stdlib.h>

#include "argfmt.h"
#include "argtype.h"
#include "tap.h"

/* Fake guest memory: bytes [base, base+len) are readable, everything else is not. */
struct fake {
    uint64_t base;
    const uint8_t *bytes;
    size_t len;
};

static bool fake_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
    const struct fake *f = ctx;
    if (addr < f->base || addr - f->base > f->len || len > f->len - (addr - f->base))
        return false;
    memcpy(buf, f->bytes + (addr - f->base), len);
    return true;
}

static char out_buf[1024];

/* Format a scalar of the named type and value. */
static const char *fmt(const char *type, uint64_t value)
{
    const struct qt_argtype *t = qt_argtype_by_name(type);
    if (!t)
        return "(no such type)";
    struct qt_arg a = { .pos = 1, .type = t->id, .bits = t->bits, .value = value };
    struct qt_sb sb;
    qt_sb_init(&sb);
    qt_arg_format(&a, NULL, &sb);
    snprintf(out_buf, sizeof(out_buf), "%s", sb.buf ? sb.buf : "");
    qt_sb_free(&sb);
    return out_buf;
}

/* Decode then format a string argument at addr in memory m. */
static const char *str_at(const struct qt_mem *m, uint64_t addr, uint8_t *flags, uint16_t *len)
{
    return decode_format(m, "s", addr, QT_STR_MAX, flags, len);
}

int main(void)
{
    /* ---- the table ---- */
    size_t n = 0;
    while (qt_argtype_at(n))
        n++;
    ok(n >= 19, "table has every documented type (%zu)", n);
    const char *names[] = { "i", "i8", "i16", "i32", "i64", "u", "u8", "u16", "u32", "u64",
                            "x", "x8", "x16", "x32", "x64", "p", "c", "b", "s" };
    int found = 0;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        found += qt_argtype_by_name(names[i]) != NULL;
    is_int(found, 19, "every type name is known");
    ok(qt_argtype_by_name("q") == NULL, "unknown name gives NULL");
    ok(qt_argtype_by_name(NULL) == NULL, "NULL name gives NULL");
    ok(qt_argtype_by_id(QT_T_STR) && strcmp(qt_argtype_by_id(QT_T_STR)->name, "s") == 0, "by_id finds s");
    ok(qt_argtype_by_id(200) == NULL, "by_id of an unknown id is NULL");
    int helps = 0;
    for (size_t i = 0; i < n; i++)
        helps += qt_argtype_at(i)->help && qt_argtype_at(i)->help[0] && qt_argtype_at(i)->format;
    is_int(helps, (int)n, "every type has help text and a format");

    /* ---- integer formats honour the width ---- */
    is_str(fmt("i", 5), "5", "i 5");
    is_str(fmt("i", (uint64_t)-7), "-7", "i -7");
    is_str(fmt("i64", UINT64_C(0x8000000000000000)), "-9223372036854775808", "i64 min");
    is_str(fmt("i32", 0xffffffffu), "-1", "i32 of 0xffffffff is -1");
    is_str(fmt("i32", UINT64_C(0x12345678ffffffff)), "-1", "i32 ignores the upper half of the register");
    is_str(fmt("i32", 0x7fffffff), "2147483647", "i32 max");
    is_str(fmt("i16", 0x18000), "-32768", "i16 sign");
    is_str(fmt("i8", 0x1ff), "-1", "i8 of 0x1ff is -1");
    is_str(fmt("i8", 0x7f), "127", "i8 127");
    is_str(fmt("u", (uint64_t)-1), "18446744073709551615", "u max");
    is_str(fmt("u64", 42), "42", "u64");
    is_str(fmt("u32", 0xffffffffffffffffu), "4294967295", "u32 masks");
    is_str(fmt("u16", 0x12345), "9029", "u16 masks");
    is_str(fmt("u8", 0x1ff), "255", "u8 masks");
    is_str(fmt("x", 0xdeadbeef), "0xdeadbeef", "x");
    is_str(fmt("x64", UINT64_C(0xffffffff00000000)), "0xffffffff00000000", "x64");
    is_str(fmt("x32", UINT64_C(0xffffffff00000010)), "0x10", "x32 masks");
    is_str(fmt("x16", 0xabcdef), "0xcdef", "x16 masks");
    is_str(fmt("x8", 0x1ff), "0xff", "x8 masks");
    is_str(fmt("x", 0), "0x0", "x of 0");
    is_str(fmt("p", 0), "NULL", "p of 0 is NULL");
    is_str(fmt("p", 0x7ffd1000), "0x7ffd1000", "p");
    is_str(fmt("c", 'a'), "'a'", "c plain");
    is_str(fmt("c", '\n'), "'\\n'", "c newline");
    is_str(fmt("c", '\''), "'\\''", "c quote");
    is_str(fmt("c", '"'), "'\"'", "c double quote");
    is_str(fmt("c", 0xff), "'\\xff'", "c high byte");
    is_str(fmt("c", 0x4100), "'\\x00'", "c takes the low byte only");
    is_str(fmt("b", 1), "true", "b true");
    is_str(fmt("b", 0), "false", "b false");
    is_str(fmt("b", 0x100), "false", "b looks at the low byte only");
    is_str(fmt("b", 2), "true", "b nonzero is true");

    /* unknown type id in a trace written by a newer plugin */
    {
        struct qt_arg a = { .pos = 1, .type = 99, .bits = 64, .value = 0x1234 };
        struct qt_sb sb;
        qt_sb_init(&sb);
        qt_arg_format(&a, NULL, &sb);
        is_str(sb.buf, "0x1234", "unknown type id prints the raw value");
        qt_sb_free(&sb);
    }

    /* ---- strings ---- */
    static uint8_t mem[8192];
    memset(mem, 'A', sizeof(mem));
    const uint64_t base = 0x10000;
    struct fake f = { base, mem, sizeof(mem) };
    struct qt_mem m = { fake_read, &f };
    uint8_t flags;
    uint16_t len;

    memcpy(mem, "hello", 6);
    is_str(str_at(&m, base, &flags, &len), "\"hello\"", "plain string");
    is_int(flags, 0, "no flags");
    is_int(len, 5, "len excludes the NUL");

    memcpy(mem + 16, "say \"hi\"\n\ttab\\", 15);
    is_str(str_at(&m, base + 16, NULL, NULL), "\"say \\\"hi\\\"\\n\\ttab\\\\\"", "quotes, newline, tab, backslash escaped");

    const uint8_t high[] = { 'c', 0xc3, 0xa9, 0x80, 0xff, 0x01, 0x7f, 0 };
    memcpy(mem + 64, high, sizeof(high));
    is_str(str_at(&m, base + 64, NULL, NULL), "\"c\\xc3\\xa9\\x80\\xff\\x01\\x7f\"", "bytes >= 0x80 and controls as \\xNN");

    mem[128] = 0;
    is_str(str_at(&m, base + 128, &flags, &len), "\"\"", "empty string");
    is_int(len, 0, "empty string has len 0");
    is_int(flags, 0, "empty string has no flags");

    /* no NUL within QT_STR_MAX bytes: truncated */
    memset(mem + 1024, 'x', 1024);
    mem[2048] = 0;
    const char *s = str_at(&m, base + 1024, &flags, &len);
    is_int(len, QT_STR_MAX, "truncated string keeps QT_STR_MAX bytes");
    ok(flags & QT_ARG_TRUNCATED, "truncated flag set");
    ok(strlen(s) == QT_STR_MAX + 5 && strncmp(s, "\"xxx", 4) == 0 && strcmp(s + QT_STR_MAX + 1, "\"...") == 0,
       "truncated string prints \"...\"...");

    /* exactly QT_STR_MAX - 1 bytes then NUL: complete */
    memset(mem + 3000, 'y', QT_STR_MAX - 1);
    mem[3000 + QT_STR_MAX - 1] = 0;
    str_at(&m, base + 3000, &flags, &len);
    is_int(len, QT_STR_MAX - 1, "string of QT_STR_MAX-1 bytes is whole");
    is_int(flags, 0, "and not truncated");

    /* a string running into unreadable memory (end of the mapping) */
    memcpy(mem + sizeof(mem) - 3, "end", 3);
    s = str_at(&m, base + sizeof(mem) - 3, &flags, &len);
    is_str(s, "\"end\"...", "string cut by unreadable memory prints what was read, then ...");
    is_int(len, 3, "three bytes kept");
    ok(flags & QT_ARG_TRUNCATED, "marked truncated");
    ok(!(flags & QT_ARG_UNREADABLE), "not unreadable: some bytes were read");

    /* a string ending with its NUL on the last readable byte is complete */
    memcpy(mem + sizeof(mem) - 4, "end", 4);
    s = str_at(&m, base + sizeof(mem) - 4, &flags, NULL);
    is_str(s, "\"end\"", "NUL on the last readable byte: complete");
    is_int(flags, 0, "no flags");

    /* NULL and unreadable pointers */
    s = str_at(&m, 0, &flags, &len);
    is_str(s, "NULL", "NULL string pointer");
    ok(flags == QT_ARG_NULL && len == 0, "QT_ARG_NULL set, no data");
    s = str_at(&m, 0xdead0000, &flags, &len);
    is_str(s, "<unreadable 0xdead0000>", "unreadable pointer");
    ok(flags == QT_ARG_UNREADABLE && len == 0, "QT_ARG_UNREADABLE set, no data");
    s = str_at(&m, base + sizeof(mem), &flags, NULL);
    is_str(s, "<unreadable 0x12000>", "pointer just past the mapping is unreadable");

    /* decode with a small cap never writes more than cap bytes */
    {
        uint8_t small[10];
        memset(small, 0x5a, sizeof(small));
        struct qt_arg a = { .pos = 1, .type = QT_T_STR, .bits = 64, .value = base + 1024 };
        qt_arg_decode(&m, &a, small, 4);
        ok(a.len == 4 && (a.flags & QT_ARG_TRUNCATED) && small[4] == 0x5a, "cap bounds the copy");
    }
    /* decoding a scalar type reads nothing and clears len/flags */
    {
        struct qt_arg a = { .pos = 1, .type = QT_T_INT, .bits = 32, .flags = 7, .len = 9, .value = 3 };
        qt_arg_decode(&m, &a, NULL, 0);
        ok(a.len == 0 && a.flags == 0, "scalar decode leaves no data");
    }
    /* format honours a->len, not a NUL in data (data comes from a file) */
    {
        struct qt_arg a = { .pos = 1, .type = QT_T_STR, .bits = 64, .len = 3, .value = 1 };
        const uint8_t d[] = { 'a', 0, 'b', 'c' };
        struct qt_sb sb;
        qt_sb_init(&sb);
        qt_arg_format(&a, d, &sb);
        is_str(sb.buf, "\"a\\x00b\"", "embedded NUL escaped, len respected");
        qt_sb_free(&sb);
    }
    /* unreadable flag wins for any type */
    {
        struct qt_arg a = { .pos = 1, .type = QT_T_INT, .bits = 64, .flags = QT_ARG_UNREADABLE, .value = 0x40 };
        struct qt_sb sb;
        qt_sb_init(&sb);
        qt_arg_format(&a, NULL, &sb);
        is_str(sb.buf, "<unreadable 0x40>", "unreadable flag on any type");
        qt_sb_free(&sb);
    }

    return done_testing();
}
