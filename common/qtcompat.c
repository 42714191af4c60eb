/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QEMU-TRACER's configs.txt and configs/reg_map.txt (see qtcompat.h and docs/compat.md).
 * Every malformed line gives one message "FILE:LINE: expected WHAT, got 'TEXT'".
 */
#include "qtcompat.h"
#include "qtutil.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "argtype.h"

/* ---- tables ------------------------------------------------------------------------------ */

static const char *const mode_names[QT_CM_NMODES] = {
    [QT_CM_SPEC_FUNC_WITH_PARAM] = "spec_func_with_param",
    [QT_CM_ALL_FUNC_WITHOUT_PARAM] = "all_func_without_param",
    [QT_CM_ALL_FUNC_WITH_PARAM] = "all_func_with_param",
    [QT_CM_PROCESS_FUNC_WITHOUT_PARAM] = "process_func_without_param",
    [QT_CM_PROCESS_FUNC_WITH_PARAM] = "process_func_with_param",
    [QT_CM_NOMAL] = "nomal",
};

/* configs.txt types: QEMU-TRACER's six first (MachineBit.h: PARA_INT ... PARA_DENTRY), then
 * qtrace's other types under the names a configs.txt user would guess. A new type is one row. */
static const struct qt_compat_type types[] = {
    { "int", "i32", true },         /* printIntParameter: a C int */
    { "string", "s", true },        /* printStrParameter: NUL-terminated, read from guest memory */
    { "socket", "socket", true },   /* mySocket: struct socket * */
    { "cred", "cred", true },       /* print_cred_by_task_struct: struct cred * */
    { "inode", "inode", true },     /* print_inode: struct inode * */
    { "dentry", "dentry", true },   /* print_file_inode_by_dentry: struct dentry * */
    { "long", "i64", false },
    { "uint", "u32", false },
    { "ulong", "u64", false },
    { "hex", "x", false },
    { "pointer", "p", false },
    { "char", "c", false },
    { "bool", "b", false },
    { "task", "task", false },
    { "file", "file", false },
    { "path", "path", false },
    { "sock", "sock", false },
    { "sockaddr", "sockaddr", false },
    { "module", "module", false },
    { "argv", "argv", false },
};
#define NTYPES (sizeof(types) / sizeof(types[0]))

const char *qt_compat_mode_name(enum qt_compat_mode m)
{
    return (unsigned)m < QT_CM_NMODES ? mode_names[m] : "?";
}

bool qt_compat_mode_raw_params(enum qt_compat_mode m)
{
    return m == QT_CM_ALL_FUNC_WITH_PARAM || m == QT_CM_PROCESS_FUNC_WITH_PARAM;
}

bool qt_compat_mode_process(enum qt_compat_mode m)
{
    return m == QT_CM_PROCESS_FUNC_WITHOUT_PARAM || m == QT_CM_PROCESS_FUNC_WITH_PARAM;
}

bool qt_compat_mode_every_func(enum qt_compat_mode m)
{
    return m == QT_CM_ALL_FUNC_WITHOUT_PARAM || m == QT_CM_ALL_FUNC_WITH_PARAM || qt_compat_mode_process(m);
}

size_t qt_compat_types(const struct qt_compat_type **out)
{
    if (out)
        *out = types;
    return NTYPES;
}

const struct qt_compat_type *qt_compat_type_by_name(const char *name)
{
    for (size_t i = 0; name && i < NTYPES; i++)
        if (strcmp(types[i].name, name) == 0)
            return &types[i];
    return NULL;
}

const char *qt_compat_type_name_for(unsigned qt_type_id, unsigned bits)
{
    for (size_t i = 0; i < NTYPES; i++) {
        const struct qt_argtype *t = qt_argtype_by_name(types[i].qtype);
        if (t && t->id == qt_type_id && (t->bits == bits || t->decode))
            return types[i].name;
    }
    return NULL;
}

/* ---- messages ------------------------------------------------------------------------------ */


/* What was read, for "got '...'": printable ASCII, the rest as \xNN, at most 80 bytes shown. */
static const char *shown(const char *s, size_t n, char *buf, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 8 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (i == 80) {
            o += (size_t)snprintf(buf + o, cap - o, "...");
            break;
        }
        if (c >= 0x20 && c < 0x7f && c != '\\')
            buf[o++] = (char)c;
        else
            o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", c);
    }
    buf[o] = 0;
    return buf;
}

/* ---- lexing ------------------------------------------------------------------------------ */

struct line {
    const char *s;  /* trimmed, not NUL-terminated */
    size_t n;
    int no;         /* 1-based */
    bool eof;       /* past the last line */
};

struct lines {
    const char *text;
    size_t len, pos;
    int no;
};

static bool is_sp(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static void trim(const char **s, size_t *n)
{
    while (*n && is_sp(**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && is_sp((*s)[*n - 1]))
        (*n)--;
}

static struct line next_line(struct lines *L)
{
    struct line l = { "", 0, ++L->no, false };
    if (L->pos >= L->len) {
        l.eof = true;
        return l;
    }
    const char *p = L->text + L->pos;
    const char *nl = memchr(p, '\n', L->len - L->pos);
    size_t n = nl ? (size_t)(nl - p) : L->len - L->pos;
    L->pos += n + (nl ? 1 : 0);
    l.s = p;
    l.n = n;
    trim(&l.s, &l.n);
    return l;
}

static bool starts(const struct line *l, const char *prefix)
{
    size_t k = strlen(prefix);
    return l->n >= k && memcmp(l->s, prefix, k) == 0;
}

/* Hex number, 0x optional, 1..16 digits, the whole of s[0..n). */
static bool hex_n(const char *s, size_t n, uint64_t *out)
{
    if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        s += 2;
        n -= 2;
    }
    if (n == 0 || n > 16)
        return false;
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        unsigned d;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else
            return false;
        x = x << 4 | d;
    }
    *out = x;
    return true;
}

/* Decimal 0..max, the whole of s[0..n). */
static bool dec_n(const char *s, size_t n, unsigned max, unsigned *out)
{
    if (n == 0 || n > 6)
        return false;
    unsigned x = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        x = x * 10 + (unsigned)(s[i] - '0');
    }
    if (x > max)
        return false;
    *out = x;
    return true;
}

/* ---- configs.txt ---------------------------------------------------------------------------- */

enum hkind { H_PROGRAM = 1, H_KRANGE, H_URANGE, H_FUNCSTACK, H_LINKMAP, H_TRACETYPE, H_FUNC };

static const char *const hwhat[] = {
    [H_PROGRAM] = "the program line",
    [H_KRANGE] = "the kernel range line",
    [H_URANGE] = "the user range line",
    [H_FUNCSTACK] = "the funcstack line",
    [H_LINKMAP] = "the linkmap line",
    [H_TRACETYPE] = "the trace_type line",
    [H_FUNC] = "a function line",
};

static const char *const hexpect[] = {
    [H_PROGRAM] = "the name of the program to trace (e.g. helloWorld)",
    [H_KRANGE] = "the kernel address range START~END (hex; a union like 00~ff,1f,5d)",
    [H_URANGE] = "the user address range START~END (hex; a union like 400000~4fffff,601000)",
    [H_FUNCSTACK] = "funcstack:0 or funcstack:1",
    [H_LINKMAP] = "linkmap:ADDRESS (hex: the program's .got.plt, 0 for none)",
    [H_TRACETYPE] = "trace_type:MODE (spec_func_with_param, all_func_without_param, all_func_with_param, "
                    "process_func_without_param, process_func_with_param or nomal)",
};

#define LAYOUT_HINT "configs.txt has six lines before the functions: program, kernel range, user range, " \
                    "funcstack:, linkmap:, trace_type:"

/* What a line looks like, to say which line is missing when one is out of place. */
static enum hkind guess(const struct line *l)
{
    if (starts(l, "funcstack:"))
        return H_FUNCSTACK;
    if (starts(l, "linkmap:"))
        return H_LINKMAP;
    if (starts(l, "trace_type:"))
        return H_TRACETYPE;
    if (memchr(l->s, '~', l->n))
        return H_KRANGE; /* or the user range */
    const char *comma = memchr(l->s, ',', l->n);
    uint64_t a;
    if (comma && hex_n(l->s, (size_t)(comma - l->s), &a)) {
        /* ADDR,DIGITS,... : a function line (a range union has no decimal-then-type pairs) */
        const char *p = comma + 1, *e = l->s + l->n;
        const char *c2 = memchr(p, ',', (size_t)(e - p));
        unsigned pos;
        if (c2 && dec_n(p, (size_t)(c2 - p), 999, &pos) && c2 + 1 < e && ((c2[1] >= 'a' && c2[1] <= 'z')))
            return H_FUNC;
    }
    return 0;
}

/* The common message for a header line that is not what was expected. */
static int header_fail(const char *name, const struct line *l, enum hkind want, char *err, size_t errlen)
{
    char b[400];
    if (l->eof)
        return qt_fail(err, errlen, -EINVAL, "%s:%d: expected %s, got end of file (" LAYOUT_HINT ")", name, l->no,
                    hexpect[want]);
    enum hkind g = guess(l);
    bool range_pair = (g == H_KRANGE && (want == H_KRANGE || want == H_URANGE));
    if (g && g != want && !range_pair) {
        const char *missing = g > want ? "is a line missing?" : "are two lines swapped or one doubled?";
        return qt_fail(err, errlen, -EINVAL, "%s:%d: expected %s, got '%s' (which looks like %s: %s " LAYOUT_HINT ")",
                    name, l->no, hexpect[want], shown(l->s, l->n, b, sizeof(b)),
                    g == H_KRANGE ? "an address range line" : hwhat[g], missing);
    }
    return qt_fail(err, errlen, -EINVAL, "%s:%d: expected %s, got '%s'", name, l->no, hexpect[want],
                shown(l->s, l->n, b, sizeof(b)));
}

static int parse_ranges(struct qt_compat_ranges *r, const struct line *l, enum hkind which, const char *name,
                        char *err, size_t errlen)
{
    char b[400], b2[400];
    const char *what = which == H_KRANGE ? "kernel" : "user";
    if (l->eof || l->n == 0 || guess(l) == H_FUNCSTACK || guess(l) == H_LINKMAP || guess(l) == H_TRACETYPE ||
        guess(l) == H_FUNC)
        return header_fail(name, l, which, err, errlen);
    const char *p = l->s, *end = l->s + l->n;
    r->n = 0;
    for (;;) {
        const char *c = memchr(p, ',', (size_t)(end - p));
        const char *ie = c ? c : end;
        const char *is = p;
        size_t in = (size_t)(ie - is);
        trim(&is, &in);
        if (in == 0)
            return qt_fail(err, errlen, -EINVAL, "%s:%d: expected an address or START~END in the %s range%s, got '%s'",
                        name, l->no, what, p == l->s ? "" : " after ','", shown(l->s, l->n, b, sizeof(b)));
        if (r->n >= QT_COMPAT_MAX_RANGES)
            return qt_fail(err, errlen, -EINVAL, "%s:%d: expected at most %d addresses or ranges in the %s range, got more",
                        name, l->no, QT_COMPAT_MAX_RANGES, what);
        const char *tilde = memchr(is, '~', in);
        uint64_t lo, hi;
        if (tilde) {
            const char *a = is, *bb = tilde + 1;
            size_t an = (size_t)(tilde - is), bn = (size_t)(is + in - bb);
            trim(&a, &an);
            trim(&bb, &bn);
            if (!hex_n(a, an, &lo))
                return qt_fail(err, errlen, -EINVAL, "%s:%d: expected a hexadecimal start address (at most 16 digits) in "
                            "the %s range, got '%s'", name, l->no, what, shown(a, an, b, sizeof(b)));
            if (!hex_n(bb, bn, &hi))
                return qt_fail(err, errlen, -EINVAL, "%s:%d: expected a hexadecimal end address (at most 16 digits) after "
                            "'~' in the %s range, got '%s'", name, l->no, what, shown(bb, bn, b, sizeof(b)));
            if (lo > hi)
                return qt_fail(err, errlen, -EINVAL, "%s:%d: expected START <= END in the %s range, got '%s' (the start is "
                            "above the end)", name, l->no, what, shown(is, in, b, sizeof(b)));
        } else if (hex_n(is, in, &lo)) {
            hi = lo;
        } else {
            const char *sep = NULL;
            for (size_t i = 0; i < in && !sep; i++)
                if (strchr("-:_ ", is[i]))
                    sep = is + i;
            if (sep)
                return qt_fail(err, errlen, -EINVAL, "%s:%d: expected START~END (with '~') or one address in the %s range, "
                            "got '%s'", name, l->no, what, shown(is, in, b, sizeof(b)));
            return qt_fail(err, errlen, -EINVAL, "%s:%d: expected a hexadecimal address (at most 16 digits) in the %s range, "
                        "got '%s'", name, l->no, what, shown(is, in, b2, sizeof(b2)));
        }
        r->r[r->n++] = (struct qt_compat_range){ lo, hi };
        if (!c)
            break;
        p = c + 1;
    }
    return 0;
}

static int cmp_func(const void *a, const void *b)
{
    const struct qt_compat_func *x = a, *y = b;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Known type names, for messages: "int string ... (QEMU-TRACER's) or long uint ... (qtrace's)" */
static void known_types(char *buf, size_t cap)
{
    size_t o = 0;
    buf[0] = 0;
    for (int pass = 0; pass < 2 && o < cap; pass++) {
        bool first = true;
        for (size_t i = 0; i < NTYPES && o < cap; i++) {
            if (types[i].seed != (pass == 0))
                continue;
            o += (size_t)snprintf(buf + o, cap - o, "%s%s", first ? (pass ? " or " : "") : " ", types[i].name);
            first = false;
        }
        if (o < cap)
            o += (size_t)snprintf(buf + o, cap - o, pass ? " (qtrace's)" : " (QEMU-TRACER's)");
    }
}

static const char SEED_RULE[] = "QEMU-TRACER's rule: \"0,int\u5fc5\u987b\u653e\u5728\u6700\u524d\u9762\" (0,int must come first): "
                                "ffffffff12345678,1,string is allowed, ffffffff12345678,1,string,0,int is not";

static int parse_func(struct qt_compat_func *f, const struct line *l, const char *name, char *err, size_t errlen)
{
    char b[400], kt[400];
    memset(f, 0, sizeof(*f));
    f->line = l->no;
    const char *p = l->s, *end = l->s + l->n;
    const char *fields[2 * (QT_COMPAT_MAX_POS + 1) + 2];
    size_t flen[2 * (QT_COMPAT_MAX_POS + 1) + 2];
    int nf = 0;
    for (;;) {
        const char *c = memchr(p, ',', (size_t)(end - p));
        const char *fe = c ? c : end;
        if (nf == (int)(sizeof(fields) / sizeof(fields[0])))
            return qt_fail(err, errlen, -EINVAL, "%s:%d: expected at most %d pos,type pairs (return value and arguments "
                        "1..%d), got more", name, l->no, QT_COMPAT_MAX_POS + 1, QT_COMPAT_MAX_POS);
        fields[nf] = p;
        flen[nf] = (size_t)(fe - p);
        trim(&fields[nf], &flen[nf]);
        nf++;
        if (!c)
            break;
        p = c + 1;
    }
    if (!hex_n(fields[0], flen[0], &f->addr)) {
        if (guess(l) && guess(l) != H_FUNC)
            return qt_fail(err, errlen, -EINVAL, "%s:%d: expected a function line ADDR,pos,type,... got '%s' (which looks "
                        "like %s: " LAYOUT_HINT ", then the functions)", name, l->no, shown(l->s, l->n, b, sizeof(b)),
                        guess(l) == H_KRANGE ? "an address range line" : hwhat[guess(l)]);
        return qt_fail(err, errlen, -EINVAL, "%s:%d: expected the hexadecimal address of a function (at most 16 digits), "
                    "got '%s'", name, l->no, shown(fields[0], flen[0], b, sizeof(b)));
    }
    if ((nf - 1) % 2 != 0)
        return qt_fail(err, errlen, -EINVAL, "%s:%d: expected pos,type pairs after the address, got an odd number of fields "
                    "(the last, '%s', has no %s)", name, l->no, shown(fields[nf - 1], flen[nf - 1], b, sizeof(b)),
                    (nf - 1) % 2 == 1 && dec_n(fields[nf - 1], flen[nf - 1], 999, &(unsigned){ 0 }) ? "type" : "position");
    bool seen[QT_COMPAT_MAX_POS + 1] = { false };
    int last_arg = 0;
    for (int i = 1; i + 1 < nf; i += 2) {
        unsigned pos;
        if (!dec_n(fields[i], flen[i], 999999, &pos))
            return qt_fail(err, errlen, -EINVAL, "%s:%d: expected a position (0 = return value, 1..%d = argument), got '%s'",
                        name, l->no, QT_COMPAT_MAX_POS, shown(fields[i], flen[i], b, sizeof(b)));
        if (pos > QT_COMPAT_MAX_POS)
            return qt_fail(err, errlen, -EINVAL, "%s:%d: expected a position from 0 (return value) to %d, got %u", name,
                        l->no, QT_COMPAT_MAX_POS, pos);
        char tn[32];
        if (flen[i + 1] == 0 || flen[i + 1] >= sizeof(tn)) {
            known_types(kt, sizeof(kt));
            return qt_fail(err, errlen, -EINVAL, "%s:%d: expected a type for position %u (%s), got '%s'", name, l->no, pos,
                        kt, shown(fields[i + 1], flen[i + 1], b, sizeof(b)));
        }
        memcpy(tn, fields[i + 1], flen[i + 1]);
        tn[flen[i + 1]] = 0;
        const struct qt_compat_type *t = qt_compat_type_by_name(tn);
        if (!t) {
            known_types(kt, sizeof(kt));
            return qt_fail(err, errlen, -EINVAL, "%s:%d: expected a type for position %u, one of %s, got '%s'", name,
                        l->no, pos, kt, shown(tn, strlen(tn), b, sizeof(b)));
        }
        if (pos == 0 && last_arg)
            return qt_fail(err, errlen, -EINVAL, "%s:%d: expected the return value (0,TYPE) right after the address, got "
                        "'0,%s' after argument %d (%s)", name, l->no, tn, last_arg, SEED_RULE);
        if (seen[pos])
            return qt_fail(err, errlen, -EINVAL, "%s:%d: expected each position once, got %s %u twice", name, l->no,
                        pos ? "argument" : "return value", pos);
        seen[pos] = true;
        if (pos)
            last_arg = (int)pos;
        f->params[f->nparams++] = (struct qt_compat_param){ (uint8_t)pos, t };
    }
    /* return value first, then the arguments by position */
    for (int i = 1; i < f->nparams; i++) {
        struct qt_compat_param x = f->params[i];
        int j = i - 1;
        while (j >= 0 && f->params[j].pos > x.pos) {
            f->params[j + 1] = f->params[j];
            j--;
        }
        f->params[j + 1] = x;
    }
    return 0;
}

void qt_compat_free(struct qt_compat_cfg *c)
{
    if (!c)
        return;
    free(c->funcs);
    memset(c, 0, sizeof(*c));
}

/* The lines of text (NULL: none) into L; -EINVAL "NAME:LINE: expected text" if it has a NUL byte. */
static int text_lines(struct lines *L, const char *text, size_t len, const char *name, char *err, size_t errlen)
{
    if (!text)
        len = 0;
    if (len && memchr(text, 0, len)) {
        int no = 1;
        for (const char *p = text; *p; p++)
            no += *p == '\n';
        return qt_fail(err, errlen, -EINVAL, "%s:%d: expected text, got a NUL byte", name, no);
    }
    *L = (struct lines){ text ? text : "", len, 0, 0 };
    return 0;
}

int qt_compat_parse(struct qt_compat_cfg *c, const char *text, size_t len, const char *name, char *err, size_t errlen)
{
    char b[400];
    struct lines L;
    memset(c, 0, sizeof(*c));
    if (!name)
        name = "configs.txt";
    if (text_lines(&L, text, len, name, err, errlen) < 0)
        return -EINVAL;
    struct line l;
    int r;

    /* 1: the program */
    l = next_line(&L);
    enum hkind g = l.eof ? 0 : guess(&l);
    if (l.eof || l.n == 0 || g)
        return header_fail(name, &l, H_PROGRAM, err, errlen);
    if (l.n >= QT_COMPAT_NAME_MAX)
        return qt_fail(err, errlen, -EINVAL, "%s:%d: expected a program name of at most %d characters, got %zu", name, l.no,
                    QT_COMPAT_NAME_MAX - 1, l.n);
    for (size_t i = 0; i < l.n; i++)
        if ((unsigned char)l.s[i] < 0x20 || l.s[i] == 0x7f || l.s[i] == ' ' || l.s[i] == '\t')
            return qt_fail(err, errlen, -EINVAL, "%s:%d: expected the name of the program to trace (one word, e.g. "
                        "helloWorld), got '%s'", name, l.no, shown(l.s, l.n, b, sizeof(b)));
    memcpy(c->program, l.s, l.n);
    c->program[l.n] = 0;

    /* 2, 3: address ranges */
    l = next_line(&L);
    if ((r = parse_ranges(&c->kernel, &l, H_KRANGE, name, err, errlen)) < 0)
        goto bad;
    l = next_line(&L);
    if ((r = parse_ranges(&c->user, &l, H_URANGE, name, err, errlen)) < 0)
        goto bad;

    /* 4: funcstack:0|1 */
    l = next_line(&L);
    if (!starts(&l, "funcstack:")) {
        r = header_fail(name, &l, H_FUNCSTACK, err, errlen);
        goto bad;
    }
    {
        const char *v = l.s + 10;
        size_t vn = l.n - 10;
        trim(&v, &vn);
        if (vn != 1 || (v[0] != '0' && v[0] != '1')) {
            r = qt_fail(err, errlen, -EINVAL, "%s:%d: expected funcstack:0 or funcstack:1, got '%s'", name, l.no,
                     shown(l.s, l.n, b, sizeof(b)));
            goto bad;
        }
        c->funcstack = v[0] == '1';
    }

    /* 5: linkmap:ADDR */
    l = next_line(&L);
    if (!starts(&l, "linkmap:")) {
        r = header_fail(name, &l, H_LINKMAP, err, errlen);
        goto bad;
    }
    {
        const char *v = l.s + 8;
        size_t vn = l.n - 8;
        trim(&v, &vn);
        if (vn == 2 && memcmp(v, "no", 2) == 0) {
            c->linkmap = 0; /* vl.c: "it should be linkMap if link map is needed, else no" */
        } else if (!hex_n(v, vn, &c->linkmap)) {
            r = qt_fail(err, errlen, -EINVAL, "%s:%d: expected linkmap:ADDRESS (hex, at most 16 digits: the program's "
                     ".got.plt; 0 for none), got '%s'", name, l.no, shown(l.s, l.n, b, sizeof(b)));
            goto bad;
        }
    }

    /* 6: trace_type:MODE */
    l = next_line(&L);
    if (!starts(&l, "trace_type:")) {
        r = header_fail(name, &l, H_TRACETYPE, err, errlen);
        goto bad;
    }
    {
        const char *v = l.s + 11;
        size_t vn = l.n - 11;
        trim(&v, &vn);
        int m = -1;
        for (int i = 0; i < QT_CM_NMODES; i++)
            if (strlen(mode_names[i]) == vn && memcmp(mode_names[i], v, vn) == 0)
                m = i;
        if (vn == 6 && memcmp(v, "normal", 6) == 0)
            m = QT_CM_NOMAL; /* the spelling QEMU-TRACER's "nomal" meant */
        if (m < 0) {
            r = qt_fail(err, errlen, -EINVAL, "%s:%d: expected trace_type: spec_func_with_param, all_func_without_param, "
                     "all_func_with_param, process_func_without_param, process_func_with_param or nomal, got '%s'",
                     name, l.no, shown(v, vn, b, sizeof(b)));
            goto bad;
        }
        c->mode = (enum qt_compat_mode)m;
    }

    /* 7+: functions (blank lines and '#' comments skipped) */
    size_t cap = 0;
    for (;;) {
        l = next_line(&L);
        if (l.eof)
            break;
        if (l.n == 0 || l.s[0] == '#')
            continue;
        if (c->nfuncs >= QT_COMPAT_MAX_FUNCS) {
            r = qt_fail(err, errlen, -EINVAL, "%s:%d: expected at most %d function lines, got more", name, l.no,
                     QT_COMPAT_MAX_FUNCS);
            goto bad;
        }
        if (c->nfuncs == cap) {
            cap = cap ? cap * 2 : 16;
            struct qt_compat_func *nf = realloc(c->funcs, cap * sizeof(*nf));
            if (!nf) {
                r = qt_fail(err, errlen, -ENOMEM, "%s: out of memory", name);
                goto bad;
            }
            c->funcs = nf;
        }
        struct qt_compat_func *f = &c->funcs[c->nfuncs];
        if ((r = parse_func(f, &l, name, err, errlen)) < 0)
            goto bad;
        for (size_t i = 0; i < c->nfuncs; i++) {
            if (c->funcs[i].addr == f->addr) {
                r = qt_fail(err, errlen, -EINVAL, "%s:%d: expected each function once, got 0x%llx again (first on line %d)",
                         name, l.no, (unsigned long long)f->addr, c->funcs[i].line);
                goto bad;
            }
        }
        c->nfuncs++;
    }
    /* QEMU-TRACER binary-searched the addresses, so they had to be sorted; here any order works */
    if (c->nfuncs > 1)
        qsort(c->funcs, c->nfuncs, sizeof(*c->funcs), cmp_func);
    return 0;
bad:
    qt_compat_free(c);
    return r;
}

/* Read a whole (small) file. */
static int slurp(const char *path, char **out, size_t *len, char *err, size_t errlen)
{
    *out = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return qt_fail(err, errlen, -errno, "%s: %s", path, strerror(errno));
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    int r = 0;
    while (buf) {
        if (n == cap) {
            if (cap >= (64u << 20)) {
                r = qt_fail(err, errlen, -EFBIG, "%s: expected a configuration file, got more than 64 MiB", path);
                break;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb)
                break;
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (!buf && r == 0)
        r = qt_fail(err, errlen, -ENOMEM, "%s: out of memory", path);
    if (r == 0 && ferror(f))
        r = qt_fail(err, errlen, -EIO, "%s: read error", path);
    fclose(f);
    if (r < 0) {
        free(buf);
        return r;
    }
    *out = buf;
    *len = n;
    return 0;
}

int qt_compat_load(struct qt_compat_cfg *c, const char *path, char *err, size_t errlen)
{
    memset(c, 0, sizeof(*c));
    char *text;
    size_t len;
    int r = slurp(path, &text, &len, err, errlen);
    if (r < 0)
        return r;
    r = qt_compat_parse(c, text, len, path, err, errlen);
    free(text);
    return r;
}

bool qt_compat_in(const struct qt_compat_ranges *r, uint64_t addr)
{
    for (int i = 0; r && i < r->n; i++)
        if (addr >= r->r[i].lo && addr <= r->r[i].hi)
            return true;
    return false;
}

const struct qt_compat_func *qt_compat_func_at(const struct qt_compat_cfg *c, uint64_t addr)
{
    size_t lo = 0, hi = c ? c->nfuncs : 0;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (c->funcs[mid].addr == addr)
            return &c->funcs[mid];
        if (c->funcs[mid].addr < addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* ---- configs/reg_map.txt --------------------------------------------------------------------- */

const char qt_regmap_seed[] = "32 R_EAX 0 --> 0\n"
                              "32 R_EAX 1 --> 0\n"
                              "32 R_ECX 2 --> 1\n"
                              "32 R_EDX 3 --> 2\n"
                              "64 R_EAX 0 --> 0\n"
                              "64 R_EDI 1 --> 7\n"
                              "64 R_ESI 2 --> 6\n"
                              "64 R_EDX 3 --> 2\n"
                              "64 R_ECX 4 --> 1\n"
                              "64 R_8 5 --> 8\n"
                              "64 R_9 6 --> 9\n";

/* QEMU's target/i386/cpu.h register numbers, and the plugin API's names for them. */
static const char *const reg_names[8] = { "R_EAX", "R_ECX", "R_EDX", "R_EBX", "R_ESP", "R_EBP", "R_ESI", "R_EDI" };
static const char *const plugin64[16] = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                          "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15" };
static const char *const plugin32[8] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi" };

int qt_regmap_reg_index(const char *reg, int bits)
{
    if (!reg)
        return -1;
    for (int i = 0; i < 8; i++)
        if (strcmp(reg, reg_names[i]) == 0)
            return i;
    if (bits != 64)
        return -1;
    const char *d = NULL;
    if (strncmp(reg, "R_R", 3) == 0)
        d = reg + 3;
    else if (strncmp(reg, "R_", 2) == 0)
        d = reg + 2;
    unsigned n;
    if (d && d[0] != '0' && dec_n(d, strlen(d), 15, &n) && n >= 8)
        return (int)n;
    return -1;
}

const char *qt_regmap_plugin_reg(unsigned idx, int bits)
{
    if (bits == 64 && idx < 16)
        return plugin64[idx];
    if (bits == 32 && idx < 8)
        return plugin32[idx];
    return NULL;
}

const struct qt_regmap_ent *qt_regmap_of(const struct qt_regmap *m, int bits)
{
    if (!m || (bits != 32 && bits != 64))
        return NULL;
    return m->m[bits == 64];
}

int qt_regmap_nargs(const struct qt_regmap *m, int bits)
{
    const struct qt_regmap_ent *e = qt_regmap_of(m, bits);
    int n = 0;
    while (e && n < QT_COMPAT_MAX_POS && e[n + 1].set)
        n++;
    return n;
}

#define REGMAP_FORM "BITS REG POS --> INDEX (e.g. 64 R_EDI 1 --> 7)"

int qt_regmap_parse(struct qt_regmap *m, const char *text, size_t len, const char *name, char *err, size_t errlen)
{
    char b[400];
    struct lines L;
    memset(m, 0, sizeof(*m));
    if (!name)
        name = "configs/reg_map.txt";
    if (text_lines(&L, text, len, name, err, errlen) < 0)
        return -EINVAL;
    int first_arg_line[2] = { 0, 0 };
    for (;;) {
        struct line l = next_line(&L);
        if (l.eof)
            break;
        if (l.n == 0 || l.s[0] == '#')
            continue;
        /* split on blanks */
        const char *tok[6];
        size_t tl[6];
        int nt = 0;
        const char *p = l.s, *e = l.s + l.n;
        while (p < e) {
            while (p < e && is_sp(*p))
                p++;
            if (p == e)
                break;
            const char *s = p;
            while (p < e && !is_sp(*p))
                p++;
            if (nt < 6) {
                tok[nt] = s;
                tl[nt] = (size_t)(p - s);
            }
            nt++;
        }
        shown(l.s, l.n, b, sizeof(b));
        if (nt == 3 || nt == 4) {
            /* "1-->7", "1 -->7", "1 ->  7": say what is wrong with the arrow */
            for (int i = 2; i < nt && i < 6; i++)
                if (memchr(tok[i], '-', tl[i]) || memchr(tok[i], '>', tl[i]))
                    return qt_fail(err, errlen, -EINVAL, "%s:%d: expected '-->' between the position and QEMU's register "
                                "index, separated by blanks (" REGMAP_FORM "), got '%s'", name, l.no, b);
        }
        if (nt != 5)
            return qt_fail(err, errlen, -EINVAL, "%s:%d: expected " REGMAP_FORM ", got '%s' (%d field%s)", name, l.no, b,
                        nt, nt == 1 ? "" : "s");
        unsigned bits;
        if (!dec_n(tok[0], tl[0], 999, &bits) || (bits != 32 && bits != 64)) {
            char t[64];
            return qt_fail(err, errlen, -EINVAL, "%s:%d: expected the word size 32 or 64 first, got '%s'", name, l.no,
                        shown(tok[0], tl[0], t, sizeof(t)));
        }
        char reg[16];
        if (tl[1] >= sizeof(reg))
            tl[1] = sizeof(reg) - 1;
        memcpy(reg, tok[1], tl[1]);
        reg[tl[1]] = 0;
        int idx = qt_regmap_reg_index(reg, (int)bits);
        if (idx < 0) {
            char t[64];
            if (bits == 32 && qt_regmap_reg_index(reg, 64) >= 0)
                return qt_fail(err, errlen, -EINVAL, "%s:%d: expected a 32-bit register (R_EAX R_ECX R_EDX R_EBX R_ESP "
                            "R_EBP R_ESI R_EDI), got '%s' (64-bit only)", name, l.no, shown(reg, strlen(reg), t, sizeof(t)));
            return qt_fail(err, errlen, -EINVAL, "%s:%d: expected a register (R_EAX R_ECX R_EDX R_EBX R_ESP R_EBP R_ESI "
                        "R_EDI%s), got '%s'", name, l.no, bits == 64 ? " R_8..R_15" : "",
                        shown(reg, strlen(reg), t, sizeof(t)));
        }
        unsigned pos;
        if (!dec_n(tok[2], tl[2], 999999, &pos) || pos > QT_COMPAT_MAX_POS) {
            char t[64];
            return qt_fail(err, errlen, -EINVAL, "%s:%d: expected a position from 0 (return value) to %d, got '%s'", name,
                        l.no, QT_COMPAT_MAX_POS, shown(tok[2], tl[2], t, sizeof(t)));
        }
        if (tl[3] != 3 || memcmp(tok[3], "-->", 3) != 0) {
            char t[64];
            return qt_fail(err, errlen, -EINVAL, "%s:%d: expected '-->' between the position and QEMU's register index, "
                        "got '%s'", name, l.no, shown(tok[3], tl[3], t, sizeof(t)));
        }
        unsigned qidx;
        if (!dec_n(tok[4], tl[4], 999, &qidx) || qidx != (unsigned)idx) {
            char t[64];
            return qt_fail(err, errlen, -EINVAL, "%s:%d: expected %d (QEMU's index of %s), got '%s'", name, l.no, idx, reg,
                        shown(tok[4], tl[4], t, sizeof(t)));
        }
        int w = bits == 64;
        struct qt_regmap_ent *ent = &m->m[w][pos];
        if (ent->set)
            return qt_fail(err, errlen, -EINVAL, "%s:%d: expected each %u-bit position once, got %s %u again (first on "
                        "line %d)", name, l.no, bits, pos ? "argument" : "return value", pos, ent->line);
        if (pos == 0 && first_arg_line[w])
            return qt_fail(err, errlen, -EINVAL, "%s:%d: expected the %u-bit return value line before the %u-bit argument "
                        "lines (QEMU-TRACER's rule: the return value must come before the arguments), got it after "
                        "line %d", name, l.no, bits, bits, first_arg_line[w]);
        if (pos && !first_arg_line[w])
            first_arg_line[w] = l.no;
        ent->set = true;
        ent->index = (uint8_t)idx;
        ent->line = l.no;
        snprintf(ent->reg, sizeof(ent->reg), "%s", reg);
        m->nlines++;
    }
    return 0;
}

int qt_regmap_load(struct qt_regmap *m, const char *path, char *err, size_t errlen)
{
    memset(m, 0, sizeof(*m));
    char *text;
    size_t len;
    int r = slurp(path, &text, &len, err, errlen);
    if (r < 0)
        return r;
    r = qt_regmap_parse(m, text, len, path, err, errlen);
    free(text);
    return r;
}

size_t qt_regmap_compare(const struct qt_regmap *m, int bits, const char *name, const char *const *arg_regs,
                         int nregs, const char *ret_reg, const char *conv, char (*msgs)[256], size_t max)
{
    const struct qt_regmap_ent *e = qt_regmap_of(m, bits);
    size_t n = 0;
    if (!e)
        return 0;
    for (int pos = 0; pos <= QT_COMPAT_MAX_POS; pos++) {
        if (!e[pos].set)
            continue;
        const char *have = qt_regmap_plugin_reg(e[pos].index, bits);
        const char *want = pos == 0 ? ret_reg : pos <= nregs ? arg_regs[pos - 1] : NULL;
        if (have && want && strcmp(have, want) == 0)
            continue;
        if (n < max && msgs) {
            if (pos == 0)
                snprintf(msgs[n], sizeof(msgs[n]), "%s:%d: %d-bit return value in %s, but the %s convention returns "
                         "it in %s", name, e[pos].line, bits, have ? have : "?", conv, want ? want : "?");
            else if (want)
                snprintf(msgs[n], sizeof(msgs[n]), "%s:%d: %d-bit argument %d in %s, but the %s convention passes it "
                         "in %s", name, e[pos].line, bits, pos, have ? have : "?", conv, want);
            else
                snprintf(msgs[n], sizeof(msgs[n]), "%s:%d: %d-bit argument %d in %s, but the %s convention passes it "
                         "on the stack", name, e[pos].line, bits, pos, have ? have : "?", conv);
        }
        n++;
    }
    return n;
}
