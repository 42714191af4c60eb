/* Argument types: decode (through a fake guest memory), format, spec parsing and merging. */
#include <errno.h>
#include <stdlib.h>

#include "argspec.h"
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
    const struct qt_argtype *t = qt_argtype_by_name("s");
    struct {
        struct qt_arg a;
        uint8_t data[QT_STR_MAX + 8];
    } rec;
    memset(&rec, 0xa5, sizeof(rec));
    rec.a.pos = 1;
    rec.a.type = t->id;
    rec.a.bits = t->bits;
    rec.a.value = addr;
    rec.a.flags = 0;
    rec.a.len = 0;
    qt_arg_decode(m, &rec.a, rec.data, QT_STR_MAX);
    if (flags)
        *flags = rec.a.flags;
    if (len)
        *len = rec.a.len;
    struct qt_sb sb;
    qt_sb_init(&sb);
    qt_arg_format(&rec.a, rec.data, &sb);
    snprintf(out_buf, sizeof(out_buf), "%s", sb.buf ? sb.buf : "");
    qt_sb_free(&sb);
    return out_buf;
}

static int parse(const char *text, struct qt_argspec *s, char *err, size_t errlen)
{
    err[0] = '\0';
    return qt_argspec_parse(text, s, err, errlen);
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

    /* ---- specs ---- */
    struct qt_argspec sp;
    char err[512];

    is_int(parse("add@arg1", &sp, err, sizeof(err)), 0, "add@arg1 parses");
    is_str(sp.pattern, "add", "pattern");
    ok(sp.nslots == 1 && sp.slots[0].pos == 1 && sp.slots[0].type == QT_T_INT && sp.slots[0].bits == 64,
       "default type is i (64-bit signed)");

    is_int(parse("greet@arg1/s,arg2/i32,retval/x", &sp, err, sizeof(err)), 0, "three items");
    ok(sp.nslots == 3, "three slots");
    ok(sp.slots[0].pos == 0 && sp.slots[0].type == QT_T_HEX, "retval sorted first, hex");
    ok(sp.slots[1].pos == 1 && sp.slots[1].type == QT_T_STR, "arg1 string");
    ok(sp.slots[2].pos == 2 && sp.slots[2].type == QT_T_INT && sp.slots[2].bits == 32, "arg2 i32");

    is_int(parse("fact@retval", &sp, err, sizeof(err)), 0, "PATTERN@retval alone");
    ok(sp.nslots == 1 && sp.slots[0].pos == 0 && sp.slots[0].type == QT_T_INT, "retval, default i");

    is_int(parse("f@arg16/u8", &sp, err, sizeof(err)), 0, "arg16 is the last valid");
    ok(sp.slots[0].pos == 16 && sp.slots[0].type == QT_T_UINT && sp.slots[0].bits == 8, "arg16/u8");

    is_int(parse("str*@arg2, arg1/c", &sp, err, sizeof(err)), 0, "glob pattern, space after comma");
    ok(strcmp(sp.pattern, "str*") == 0 && sp.nslots == 2 && sp.slots[0].pos == 1 && sp.slots[0].type == QT_T_CHAR,
       "sorted by position, glob kept");

    is_int(parse("f@arg1/s,arg1/x", &sp, err, sizeof(err)), 0, "repeated item");
    ok(sp.nslots == 1 && sp.slots[0].type == QT_T_HEX, "the later item of the same position wins");

    is_int(parse("memcpy@plt@arg3/u", &sp, err, sizeof(err)), 0, "pattern containing '@'");
    is_str(sp.pattern, "memcpy@plt", "split at the last '@'");

    {
        char all_items[512] = "f@";
        for (int i = 1; i <= 16; i++)
            snprintf(all_items + strlen(all_items), sizeof(all_items) - strlen(all_items), "arg%d/x,", i);
        strcat(all_items, "retval/b");
        is_int(parse(all_items, &sp, err, sizeof(err)), 0, "16 arguments and a return value");
        is_int(sp.nslots, 17, "17 slots");
    }

    /* errors: every one names the spec and says what was expected */
    is_int(parse("add@arg1/q", &sp, err, sizeof(err)), -EINVAL, "unknown type fails");
    is_str(err, "bad argument spec 'add@arg1/q': unknown type 'q' (known: i i8 i16 i32 i64 u u8 u16 u32 u64 x x8 x16 x32 x64 p c b s "
                "task cred inode dentry path file sockaddr socket sock module argv exit)",
           "unknown type message lists the known types");
    is_int(parse("add@foo", &sp, err, sizeof(err)), -EINVAL, "unknown item fails");
    is_str(err, "bad argument spec 'add@foo': expected 'argN' or 'retval' at 'foo'", "unknown item message");
    is_int(parse("add", &sp, err, sizeof(err)), 0, "a bare pattern parses (DWARF arguments)");
    ok(sp.dwarf && sp.nslots == 0 && strcmp(sp.pattern, "add") == 0, "bare pattern: dwarf, no slots, pattern kept");
    is_int(parse("add,arg1", &sp, err, sizeof(err)), -EINVAL, "missing @ fails");
    ok(strstr(err, "bad argument spec 'add,arg1': missing '@'") == err, "missing @ message: %s", err);
    is_int(parse("add@arg0", &sp, err, sizeof(err)), -EINVAL, "arg0 fails");
    is_str(err, "bad argument spec 'add@arg0': argument number 0 out of range 1..16", "arg0 message");
    is_int(parse("add@arg17", &sp, err, sizeof(err)), -EINVAL, "arg17 fails");
    is_str(err, "bad argument spec 'add@arg17': argument number 17 out of range 1..16", "arg17 message");
    is_int(parse("add@arg99999999999999999999", &sp, err, sizeof(err)), -EINVAL, "huge number fails");
    ok(strstr(err, "out of range 1..16") != NULL, "huge number is out of range, no overflow");
    is_int(parse("@arg1", &sp, err, sizeof(err)), -EINVAL, "empty pattern fails");
    ok(strstr(err, "bad argument spec '@arg1': empty function pattern") == err, "empty pattern message: %s", err);
    is_int(parse("add@", &sp, err, sizeof(err)), -EINVAL, "nothing after @ fails");
    ok(strstr(err, "expected 'argN' or 'retval'") != NULL, "nothing after @ message: %s", err);
    is_int(parse("add@arg1,", &sp, err, sizeof(err)), -EINVAL, "trailing comma fails");
    ok(strstr(err, "expected 'argN' or 'retval'") != NULL, "trailing comma message: %s", err);
    is_int(parse("add@arg1,,arg2", &sp, err, sizeof(err)), -EINVAL, "empty item fails");
    is_int(parse("add@arg1/", &sp, err, sizeof(err)), -EINVAL, "missing type after / fails");
    ok(strstr(err, "missing type after '/'") != NULL, "missing type message: %s", err);
    is_int(parse("add@arg1x", &sp, err, sizeof(err)), -EINVAL, "arg1x fails");
    is_str(err, "bad argument spec 'add@arg1x': expected 'argN' or 'retval' at 'arg1x'", "arg1x message");
    is_int(parse("add@arg", &sp, err, sizeof(err)), -EINVAL, "arg without number fails");
    is_int(parse("add@retval/s/x", &sp, err, sizeof(err)), -EINVAL, "two types fail");
    is_int(parse("", &sp, err, sizeof(err)), -EINVAL, "empty spec fails");
    {
        char longp[300];
        memset(longp, 'f', 200);
        strcpy(longp + 200, "@arg1");
        is_int(parse(longp, &sp, err, sizeof(err)), -EINVAL, "over-long pattern fails");
        ok(strstr(err, "longer than 127") != NULL, "over-long pattern message");
    }
    {
        char tiny[16];
        is_int(qt_argspec_parse("add@arg1/q", &sp, tiny, sizeof(tiny)), -EINVAL, "tiny error buffer is safe");
        is_int((int)strlen(tiny), 15, "message cut to the buffer");
    }
    ok(sp.nslots == 0 && sp.pattern[0] == 0, "failed parse leaves an empty spec");

    /* ---- merge ---- */
    {
        struct qt_argspec a, b;
        parse("f@arg2/x,arg1/s", &a, err, sizeof(err));
        parse("f@retval/i32,arg2/u", &b, err, sizeof(err));
        qt_argspec_merge(&a, &b);
        ok(a.nslots == 3, "merge: three slots");
        ok(a.slots[0].pos == 0 && a.slots[0].bits == 32, "merge: retval added, first");
        ok(a.slots[1].pos == 1 && a.slots[1].type == QT_T_STR, "merge: arg1 kept");
        ok(a.slots[2].pos == 2 && a.slots[2].type == QT_T_UINT, "merge: later arg2 replaces earlier");
        is_str(a.pattern, "f", "merge keeps the pattern");
        struct qt_argspec big;
        char many[512] = "g@";
        for (int i = 1; i <= 16; i++)
            snprintf(many + strlen(many), sizeof(many) - strlen(many), "%sarg%d", i > 1 ? "," : "", i);
        parse(many, &big, err, sizeof(err));
        qt_argspec_merge(&big, &b);
        is_int(big.nslots, 17, "merge never exceeds 16 arguments + retval");
    }

    return done_testing();
}
