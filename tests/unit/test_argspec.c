/* Argument specs: parsing (-A/-R text), errors, merging. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "argspec.h"
#include "tap.h"

static int parse(const char *text, struct qt_argspec *s, char *err, size_t errlen)
{
    err[0] = '\0';
    return qt_argspec_parse(text, s, err, errlen);
}

int main(void)
{
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
