/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Plugin options (see options.h for the keys). One table row per key: its kind (string,
 * bool, number, list, spec, ...) and where it lives in struct qt_opts. Nothing is printed:
 * every error is one line in err, prefixed by where the option came from.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "arch.h"
#include "qtutil.h"
#include "symtab.h"

#define QT_CONF_MAX_NEST 4
#define QT_CONF_MAX_LINE 65536

/* Defaults that need no allocation (qt_opts_init cannot fail); freed only if replaced. */
static char default_out[] = "qtrace.qtr";
static char default_execlog_format[] = "text";

enum kind {
    K_STR,      /* char *, replaced by a repeated key */
    K_BOOL,     /* on|off */
    K_HEX,      /* uint64_t */
    K_DEPTH,    /* int, >= 0 (or -1 = unlimited) */
    K_LIST,     /* char *[max] + int count */
    K_HEXLIST,  /* uint64_t[max] + int count */
    K_SPEC,     /* arg=/ret= into specs[] */
    K_FORMAT,   /* execlog_format: text|bin */
    K_CONF,     /* conf=FILE */
    K_PID,      /* uint32_t, a process id 1..4194304 */
    K_RANGE,    /* struct qt_addr_range[max] + int count: LO-END (hex) */
    K_VMMAP,    /* uint8_t enum qt_vmmap: on, off or pages */
};

struct key {
    const char *name;
    enum kind kind;
    size_t off;         /* field */
    size_t count_off;   /* lists: the count field */
    int max;            /* lists: capacity */
    const char *what;   /* what a value is, for messages */
};

#define F(f) offsetof(struct qt_opts, f)
static const struct key keys[] = {
    { "out", K_STR, F(out), 0, 0, "a path" },
    { "program", K_STR, F(program), 0, 0, "a path" },
    { "sysroot", K_STR, F(sysroot), 0, 0, "a directory" },
    { "bias", K_HEX, F(bias), 0, 0, "a hex number" },
    { "func", K_LIST, F(func), F(nfunc), QT_MAX_PATTERNS, "a pattern" },
    { "filter", K_LIST, F(filter), F(nfilter), QT_MAX_PATTERNS, "a pattern" },
    { "notrace", K_LIST, F(notrace), F(nnotrace), QT_MAX_PATTERNS, "a pattern" },
    { "addr", K_HEXLIST, F(addr), F(naddr), QT_MAX_ADDRS, "a hex address" },
    { "range", K_RANGE, F(range), F(nrange), QT_MAX_RANGES, "an address range LO-END (hex, END excluded)" },
    { "arg", K_SPEC, 0, 0, QT_MAX_SPECS, "an argument spec" },
    { "ret", K_SPEC, 0, 0, QT_MAX_SPECS, "a return value spec" },
    { "depth", K_DEPTH, F(depth), 0, 0, "a number" },
    { "icount", K_BOOL, F(icount), 0, 0, NULL },
    { "syscalls", K_BOOL, F(syscalls), 0, 0, NULL },
    { "libs", K_BOOL, F(libs), 0, 0, NULL },
    { "execlog", K_BOOL, F(execlog), 0, 0, NULL },
    { "execlog_out", K_STR, F(execlog_out), 0, 0, "a path" },
    { "execlog_format", K_FORMAT, F(execlog_format), 0, 0, NULL },
    { "ifilter", K_LIST, F(ifilter), F(nifilter), QT_MAX_FILTERS, "a filter" },
    { "afilter", K_LIST, F(afilter), F(nafilter), QT_MAX_FILTERS, "a filter" },
    { "reg", K_LIST, F(reg), F(nreg), QT_MAX_FILTERS, "a register name" },
    { "rdisas", K_BOOL, F(rdisas), 0, 0, NULL },
    { "memvalues", K_BOOL, F(memvalues), 0, 0, NULL },
    { "execlog_flow", K_BOOL, F(execlog_flow), 0, 0, NULL },
    { "execlog_start", K_STR, F(execlog_start), 0, 0, "a function name or an address" },
    { "execlog_stop", K_STR, F(execlog_stop), 0, 0, "a number of instructions" },
    { "kernel", K_STR, F(kernel), 0, 0, "a path" },
    { "kernel_symbols", K_STR, F(kernel_symbols), 0, 0, "a path" },
    { "layout", K_STR, F(layout), 0, 0, "a path" },
    { "kernel_introspection", K_BOOL, F(kernel_introspection), 0, 0, NULL },
    { "kernel_async", K_BOOL, F(kernel_async), 0, 0, NULL },
    { "kernel_all", K_BOOL, F(kernel_all), 0, 0, NULL },
    { "comm", K_STR, F(comm), 0, 0, "a process name" },
    { "pid", K_PID, F(pid), 0, 0, "a process id (1..4194304)" },
    { "follow", K_BOOL, F(follow), 0, 0, NULL },
    { "program_as", K_BOOL, F(program_as), 0, 0, NULL },
    { "disk_trace", K_BOOL, F(disk_trace), 0, 0, NULL },
    { "files_written", K_STR, F(files_written), 0, 0, "a directory" },
    { "processes", K_BOOL, F(processes), 0, 0, NULL },
    { "vmmap", K_VMMAP, F(vmmap), 0, 0, "on, off or pages" },
    { "linkmap", K_HEX, F(linkmap), 0, 0, "a hex address (the program's .got.plt)" },
    { "guest_clock", K_DEPTH, F(guest_clock), 0, 0, "an icount shift (0 to 10)" },
    { "start_ns", K_HEX, F(start_ns), 0, 0, "a hex number of nanoseconds since 1970" },
    { "conf", K_CONF, 0, 0, 0, "a path" },
};
#undef F
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static int load_file(struct qt_opts *o, const char *path, const char *from, int nest, char *err, size_t errlen);


void qt_opts_init(struct qt_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->out = default_out;
    o->depth = -1;
    o->icount = true;
    o->libs = true;
    o->execlog_format = default_execlog_format;
    o->kernel_introspection = true;
    o->guest_clock = -1;
}

static void free_str(char **p)
{
    if (*p != default_out && *p != default_execlog_format)
        free(*p);
    *p = NULL;
}

void qt_opts_free(struct qt_opts *o)
{
    if (!o)
        return;
    for (size_t k = 0; k < NKEYS; k++) {
        const struct key *ky = &keys[k];
        if (ky->kind == K_STR || ky->kind == K_FORMAT) {
            free_str((char **)((char *)o + ky->off));
        } else if (ky->kind == K_LIST) {
            char **list = (char **)((char *)o + ky->off);
            int *cnt = (int *)((char *)o + ky->count_off);
            for (int i = 0; i < *cnt && i < ky->max; i++)
                free(list[i]);
        }
    }
    qt_opts_init(o);
}

static bool parse_bool(const char *v, bool *out)
{
    static const char *const yes[] = { "on", "true", "yes", "1" }, *const no[] = { "off", "false", "no", "0" };
    for (size_t i = 0; i < 4; i++) {
        if (strcmp(v, yes[i]) == 0) {
            *out = true;
            return true;
        }
        if (strcmp(v, no[i]) == 0) {
            *out = false;
            return true;
        }
    }
    return false;
}

/* Hex number with optional 0x; no sign, no spaces, no overflow. */
static bool parse_hex(const char *v, uint64_t *out)
{
    const char *p = v;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
        p += 2;
    if (!*p)
        return false;
    uint64_t x = 0;
    for (; *p; p++) {
        unsigned d;
        if (*p >= '0' && *p <= '9')
            d = (unsigned)(*p - '0');
        else if (*p >= 'a' && *p <= 'f')
            d = (unsigned)(*p - 'a' + 10);
        else if (*p >= 'A' && *p <= 'F')
            d = (unsigned)(*p - 'A' + 10);
        else
            return false;
        if (x >> 60)
            return false;
        x = x << 4 | d;
    }
    *out = x;
    return true;
}

/* A process id: decimal 1..4194304 (PID_MAX_LIMIT). */
static bool parse_pid(const char *v, uint32_t *out)
{
    if (!*v || *v == '0')
        return false;
    uint64_t x = 0;
    for (const char *p = v; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        x = x * 10 + (uint64_t)(*p - '0');
        if (x > 4194304)
            return false;
    }
    *out = (uint32_t)x;
    return true;
}

/* Decimal int >= 0, or -1 (unlimited). */
static bool parse_depth(const char *v, int *out)
{
    if (strcmp(v, "-1") == 0) {
        *out = -1;
        return true;
    }
    if (!*v)
        return false;
    long long x = 0;
    for (const char *p = v; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        x = x * 10 + (*p - '0');
        if (x > INT_MAX)
            return false;
    }
    *out = (int)x;
    return true;
}

static int known_keys(char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = 0;
    for (size_t k = 0; k < NKEYS && used < len; k++) {
        int n = snprintf(buf + used, len - used, "%s%s", k ? " " : "", keys[k].name);
        if (n < 0)
            break;
        used += (size_t)n;
    }
    return 0;
}

static int add_spec(struct qt_opts *o, const char *v, const struct key *ky, const char *where, char *err,
                    size_t errlen)
{
    struct qt_argspec sp;
    char e[256] = "";
    memset(&sp, 0, sizeof(sp));
    if (qt_argspec_parse(v, &sp, e, sizeof(e)) < 0)
        return qt_fail(err, errlen, -EINVAL, "%s: %s: %s", where, ky->name, e[0] ? e : "invalid spec");
    for (int i = 0; i < o->nspecs; i++) {
        if (strcmp(o->specs[i].pattern, sp.pattern) == 0) {
            qt_argspec_merge(&o->specs[i], &sp);
            return 0;
        }
    }
    if (o->nspecs >= QT_MAX_SPECS)
        return qt_fail(err, errlen, -EINVAL, "%s: %s: too many function patterns in specs (limit %d), got '%.100s'",
                      where, ky->name, QT_MAX_SPECS, v);
    o->specs[o->nspecs++] = sp;
    return 0;
}

static int set_kv(struct qt_opts *o, const char *kv, const char *where, int nest, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = 0;
    if (!where)
        where = "options";
    if (!o || !kv)
        return qt_fail(err, errlen, -EINVAL, "%s: expected key=value, got nothing", where);
    const char *eq = strchr(kv, '=');
    if (!eq || eq == kv)
        return qt_fail(err, errlen, -EINVAL, "%s: expected key=value, got '%.100s'", where, kv);
    size_t klen = (size_t)(eq - kv);
    const char *v = eq + 1;
    const struct key *ky = NULL;
    for (size_t k = 0; k < NKEYS; k++) {
        if (strlen(keys[k].name) == klen && memcmp(keys[k].name, kv, klen) == 0) {
            ky = &keys[k];
            break;
        }
    }
    if (!ky) {
        char known[512];
        known_keys(known, sizeof(known));
        return qt_fail(err, errlen, -EINVAL, "%s: unknown option '%.*s' (known: %s)", where,
                      (int)(klen > 100 ? 100 : klen), kv, known);
    }
    void *field = (char *)o + ky->off;
    switch (ky->kind) {
    case K_STR:
    case K_FORMAT: {
        if (!*v)
            return qt_fail(err, errlen, -EINVAL, "%s: %s: expected %s, got ''", where, ky->name,
                          ky->what ? ky->what : "text or bin");
        if (ky->kind == K_FORMAT && strcmp(v, "text") != 0 && strcmp(v, "bin") != 0)
            return qt_fail(err, errlen, -EINVAL, "%s: %s: expected text or bin, got '%.100s'", where, ky->name, v);
        char *dup = strdup(v);
        if (!dup)
            return qt_fail(err, errlen, -ENOMEM, "%s: %s: out of memory", where, ky->name);
        free_str((char **)field);
        *(char **)field = dup;
        return 0;
    }
    case K_VMMAP: {
        bool on;
        if (strcmp(v, "pages") == 0)
            *(uint8_t *)field = QT_VMMAP_PAGES;
        else if (parse_bool(v, &on))
            *(uint8_t *)field = on ? QT_VMMAP_MAPS : QT_VMMAP_OFF;
        else
            return qt_fail(err, errlen, -EINVAL, "%s: %s: expected %s, got '%.100s'", where, ky->name, ky->what, v);
        return 0;
    }
    case K_BOOL:
        if (!parse_bool(v, (bool *)field))
            return qt_fail(err, errlen, -EINVAL, "%s: %s: expected on or off, got '%.100s'", where, ky->name, v);
        return 0;
    case K_HEX:
        if (!parse_hex(v, (uint64_t *)field))
            return qt_fail(err, errlen, -EINVAL, "%s: %s: expected %s, got '%.100s'", where, ky->name, ky->what, v);
        return 0;
    case K_DEPTH:
        if (!parse_depth(v, (int *)field))
            return qt_fail(err, errlen, -EINVAL, "%s: %s: expected %s, got '%.100s'", where, ky->name, ky->what, v);
        return 0;
    case K_LIST: {
        int *cnt = (int *)((char *)o + ky->count_off);
        if (!*v)
            return qt_fail(err, errlen, -EINVAL, "%s: %s: expected %s, got ''", where, ky->name, ky->what);
        if (*cnt >= ky->max)
            return qt_fail(err, errlen, -EINVAL, "%s: %s: too many values (limit %d), got '%.100s'", where, ky->name,
                          ky->max, v);
        char *dup = strdup(v);
        if (!dup)
            return qt_fail(err, errlen, -ENOMEM, "%s: %s: out of memory", where, ky->name);
        ((char **)field)[(*cnt)++] = dup;
        return 0;
    }
    case K_HEXLIST: {
        int *cnt = (int *)((char *)o + ky->count_off);
        uint64_t x;
        if (!parse_hex(v, &x))
            return qt_fail(err, errlen, -EINVAL, "%s: %s: expected %s, got '%.100s'", where, ky->name, ky->what, v);
        if (*cnt >= ky->max)
            return qt_fail(err, errlen, -EINVAL, "%s: %s: too many values (limit %d), got '%.100s'", where, ky->name,
                          ky->max, v);
        ((uint64_t *)field)[(*cnt)++] = x;
        return 0;
    }
    case K_RANGE: {
        int *cnt = (int *)((char *)o + ky->count_off);
        char lo[32];
        const char *dash = strchr(v, '-');
        struct qt_addr_range r;
        size_t ll = dash ? (size_t)(dash - v) : 0;
        bool good = dash && ll > 0 && ll < sizeof(lo);
        if (good) {
            memcpy(lo, v, ll);
            lo[ll] = 0;
            good = parse_hex(lo, &r.lo) && parse_hex(dash + 1, &r.end);
        }
        if (!good)
            return qt_fail(err, errlen, -EINVAL, "%s: %s: expected %s, got '%.100s'", where, ky->name, ky->what, v);
        if (r.end <= r.lo)
            return qt_fail(err, errlen, -EINVAL, "%s: %s: expected LO below END, got '%.100s'", where, ky->name, v);
        if (*cnt >= ky->max)
            return qt_fail(err, errlen, -EINVAL, "%s: %s: too many values (limit %d), got '%.100s'", where, ky->name,
                          ky->max, v);
        ((struct qt_addr_range *)field)[(*cnt)++] = r;
        return 0;
    }
    case K_PID:
        if (!parse_pid(v, (uint32_t *)field))
            return qt_fail(err, errlen, -EINVAL, "%s: %s: expected %s, got '%.100s'", where, ky->name, ky->what, v);
        return 0;
    case K_SPEC:
        return add_spec(o, v, ky, where, err, errlen);
    case K_CONF: {
        if (!*v)
            return qt_fail(err, errlen, -EINVAL, "%s: conf: expected a path, got ''", where);
        if (nest >= QT_CONF_MAX_NEST)
            return qt_fail(err, errlen, -EINVAL, "%s: conf: files nested deeper than %d, got '%.100s'", where,
                          QT_CONF_MAX_NEST, v);
        return load_file(o, v, where, nest + 1, err, errlen);
    }
    }
    return qt_fail(err, errlen, -EINVAL, "%s: internal error", where);
}

int qt_opts_set(struct qt_opts *o, const char *kv, const char *where, char *err, size_t errlen)
{
    return set_kv(o, kv, where, 0, err, errlen);
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* Apply one line of a conf file: trims, skips blank lines and '#' comments, accepts
 * "key = value". */
static int conf_line(struct qt_opts *o, char *line, size_t len, const char *where, int nest, char *err, size_t errlen)
{
    if (memchr(line, 0, len))
        return qt_fail(err, errlen, -EINVAL, "%s: expected key=value, got a NUL byte", where);
    while (len && is_space(line[len - 1]))
        line[--len] = 0;
    char *s = line;
    while (is_space(*s))
        s++;
    if (!*s || *s == '#')
        return 0;
    char *eq = strchr(s, '=');
    if (eq && eq > s) {
        /* trim around '=': "key = value" */
        char *ke = eq;
        while (ke > s && is_space(ke[-1]))
            ke--;
        char *vs = eq + 1;
        while (is_space(*vs))
            vs++;
        if (ke != eq || vs != eq + 1) {
            size_t kl = (size_t)(ke - s), vl = strlen(vs);
            memmove(s + kl + 1, vs, vl + 1);
            s[kl] = '=';
        }
    }
    return set_kv(o, s, where, nest, err, errlen);
}

/* from: where the conf= came from (NULL for qt_opts_load_file), named when the file cannot be
 * opened; errors inside the file name the file and line. */
static int load_file(struct qt_opts *o, const char *path, const char *from, int nest, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = 0;
    if (!o || !path || !path[0])
        return qt_fail(err, errlen, -EINVAL, "conf: expected a path, got ''");
    FILE *f = fopen(path, "r");
    if (!f) {
        int e = errno;
        if (from)
            return qt_fail(err, errlen, -e, "%s: conf: %s: %s", from, path, strerror(e));
        return qt_fail(err, errlen, -e, "%s: %s", path, strerror(e));
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int lineno = 0, r = 0;
    errno = 0;
    while ((n = getline(&line, &cap, f)) >= 0) {
        lineno++;
        char where[4200];
        snprintf(where, sizeof(where), "%s:%d", path, lineno);
        if ((size_t)n > QT_CONF_MAX_LINE) {
            r = qt_fail(err, errlen, -EINVAL, "%s: line too long (%zd bytes, limit %d)", where, n, QT_CONF_MAX_LINE);
            break;
        }
        r = conf_line(o, line, (size_t)n, where, nest, err, errlen);
        if (r < 0)
            break;
    }
    if (r == 0 && ferror(f)) {
        int e = errno ? errno : EIO;
        r = qt_fail(err, errlen, -e, "%s: %s", path, strerror(e));
    }
    free(line);
    fclose(f);
    return r;
}

int qt_opts_load_file(struct qt_opts *o, const char *path, char *err, size_t errlen)
{
    return load_file(o, path, NULL, 1, err, errlen);
}

const struct qt_argspec *qt_opts_spec_for(const struct qt_opts *o, const char *name)
{
    if (!o || !name)
        return NULL;
    for (int i = 0; i < o->nspecs && i < QT_MAX_SPECS; i++)
        if (strcmp(o->specs[i].pattern, name) == 0)
            return &o->specs[i];
    for (int i = 0; i < o->nspecs && i < QT_MAX_SPECS; i++)
        if (qt_glob_match(o->specs[i].pattern, name))
            return &o->specs[i];
    return NULL;
}

bool qt_opts_in_range(const struct qt_opts *o, uint64_t addr)
{
    for (int i = 0; o && i < o->nrange && i < QT_MAX_RANGES; i++)
        if (addr >= o->range[i].lo && addr < o->range[i].end)
            return true;
    return false;
}

bool qt_opts_match(char *const *patterns, int n, const char *name)
{
    for (int i = 0; i < n && i < QT_MAX_PATTERNS; i++) {
        const char *p = patterns[i];
        if (strncmp(p, "lib:", 4) == 0)
            continue; /* selects libraries, not function names */
        if (qt_glob_match(strncmp(p, "kernel:", 7) == 0 ? p + 7 : p, name))
            return true;
    }
    return false;
}

bool qt_opts_wants(const struct qt_opts *o, const char *name)
{
    if (!o || !name)
        return false;
    if (qt_opts_match(o->func, o->nfunc, name) || qt_opts_match(o->filter, o->nfilter, name))
        return true;
    for (int i = 0; i < o->nspecs && i < QT_MAX_SPECS; i++)
        if (strcmp(o->specs[i].pattern, name) == 0 || qt_glob_match(o->specs[i].pattern, name))
            return true;
    return false;
}

/* ---- rules on combinations ------------------------------------------------------------------ */

/* The options the rules name, as each side spells them. */
enum spelled { S_KERNEL, S_COMM, S_PID, S_FOLLOW, S_PROGRAM_AS, S_PROGRAM, S_KERNEL_SYMBOLS, S_LAYOUT, S_SYSCALLS,
               S_NO_INTROSPECTION, S_PROCESSES, S_VMMAP };
static const struct {
    const char *key;    /* plugin key */
    const char *flag;   /* CLI flag */
    const char *value;  /* what follows the name where a value is shown: "NAME" */
} spellings[] = {
    [S_KERNEL] = { "kernel=", "--kernel", "PATH" },
    [S_COMM] = { "comm=", "--comm", "NAME" },
    [S_PID] = { "pid=", "--pid", "N" },
    [S_FOLLOW] = { "follow=on", "--follow", NULL },
    [S_PROGRAM_AS] = { "program_as=on", "--program-as", NULL },
    [S_PROGRAM] = { "program=", "--program", "PATH" },
    [S_KERNEL_SYMBOLS] = { "kernel_symbols=", "--kernel-symbols", "PATH" },
    [S_LAYOUT] = { "layout=", "--layout", "PATH" },
    [S_SYSCALLS] = { "syscalls=on", "--syscalls", NULL },
    [S_NO_INTROSPECTION] = { "kernel_introspection=off", "--no-kernel-introspection", NULL },
    [S_PROCESSES] = { "processes=on", "--processes", NULL },
    [S_VMMAP] = { "vmmap=", "--vmmap", NULL },
};

/* The option's name ("comm=" / "--comm"); with_value: and its value ("comm=NAME" / "--comm NAME"). */
static const char *spell(const struct qt_opts_env *env, enum spelled s, bool with_value, char buf[64])
{
    const char *name = env->cli ? spellings[s].flag : spellings[s].key;
    if (!with_value || !spellings[s].value)
        return name;
    snprintf(buf, 64, "%s%s%s", name, env->cli ? " " : "", spellings[s].value);
    return buf;
}

static int refuse(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int refuse(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

static void warn(const struct qt_opts_env *env, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(const struct qt_opts_env *env, const char *fmt, ...)
{
    if (!env->warn)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    env->warn(msg);
}

int qt_opts_check(const struct qt_opts *o, const struct qt_opts_env *env, char *err, size_t errlen)
{
    char b1[64], b2[64], b3[64], list[128];
    bool chooses = o->comm || o->pid; /* the processes to record */
    enum spelled chooser = o->comm ? S_COMM : S_PID;
    if (o->guest_clock > QT_GUEST_CLOCK_MAX_SHIFT)
        return refuse(err, errlen, "guest_clock=%d: expected an icount shift from 0 to %d (or -1: host time)",
                      o->guest_clock, QT_GUEST_CLOCK_MAX_SHIFT);
    const char *view = o->disk_trace ? (env->cli ? "--disk-trace" : "disk_trace=on")
                       : o->files_written ? (env->cli ? "--files-written" : "files_written=") : NULL;
    if (view && !env->system)
        return refuse(err, errlen, "%s needs qtrace system: it reads a guest kernel's block requests and files", view);
    if (view && (!o->kernel || !o->kernel_introspection || (env->arch && env->arch->kintro != QT_KINTRO_TASKS)))
        return refuse(err, errlen, "%s needs qtrace system with the guest's kernel read (%s, without %s) and an "
                      "x86_64 guest: it reads the kernel's block requests and files", view,
                      spell(env, S_KERNEL, true, b1), spell(env, S_NO_INTROSPECTION, false, b2));
    if (o->vmmap && !env->system)
        return refuse(err, errlen, "%s is for system mode (qtrace system, qtrace replay): it reads the maps from the "
                      "guest kernel's memory; a user-mode program can print its own /proc/self/maps",
                      spell(env, S_VMMAP, false, b1));
    if (!env->system) {
        int k = o->kernel ? S_KERNEL : o->comm ? S_COMM : o->pid ? S_PID : o->follow ? S_FOLLOW : -1;
        if (k >= 0)
            return refuse(err, errlen, "%s is for system mode (qtrace system): a user-mode run traces one process "
                          "already", spell(env, (enum spelled)k, false, b1));
        if (o->processes)
            return refuse(err, errlen, "%s is for system mode (qtrace system, replay); in user mode qtrace ps shows "
                          "the processes of a trace made with --syscalls", spell(env, S_PROCESSES, false, b1));
        return 0;
    }
    const struct qt_arch_desc *arch = env->arch;
    for (int k = 0; !o->sysroot && k < o->nfunc; k++)
        if (strncmp(o->func[k], "lib:", 4) == 0)
            return refuse(err, errlen, "'%s' names the guest's shared libraries: they are read from the guest's file "
                          "system on this machine, give it with %s", o->func[k], env->cli ? "--sysroot DIR" : "sysroot=DIR");
    if (o->program_as && chooses)
        return refuse(err, errlen, "%s and %s both choose the processes to record: give one",
                      spell(env, S_PROGRAM_AS, false, b1), spell(env, chooser, false, b2));
    if (o->program_as && (!o->program || (arch && arch->kintro == QT_KINTRO_NONE))) {
        qt_arch_names(QT_KINTRO_SYMBOLS, " or ", false, list, sizeof(list));
        return refuse(err, errlen, "%s needs %s (the program whose address spaces to record) on an %s guest",
                      spell(env, S_PROGRAM_AS, false, b1), spell(env, S_PROGRAM, true, b2), list);
    }
    if (!o->kernel || !o->kernel_introspection) {
        int k = o->comm ? S_COMM : o->pid ? S_PID : o->follow ? S_FOLLOW : o->kernel_symbols ? S_KERNEL_SYMBOLS
                : o->layout ? S_LAYOUT : env->cli && o->syscalls ? S_SYSCALLS : o->processes ? S_PROCESSES
                : o->vmmap ? S_VMMAP : -1;
        if (k >= 0 && !o->kernel)
            return refuse(err, errlen, "%s needs the guest's kernel (%s%s)", spell(env, (enum spelled)k, false, b1),
                          spell(env, S_KERNEL, true, b2), env->cli ? "" : ", given by qtrace system");
        if (k >= 0)
            return refuse(err, errlen, "%s needs the kernel introspection that %s turns off",
                          spell(env, (enum spelled)k, false, b1), spell(env, S_NO_INTROSPECTION, false, b2));
        if (o->syscalls)
            warn(env, "%s records nothing in system mode without %s", spell(env, S_SYSCALLS, false, b1),
                 o->kernel ? "kernel introspection" : spell(env, S_KERNEL, true, b2));
        return 0;
    }
    if (o->follow && !chooses)
        return refuse(err, errlen, "%s needs %s or %s: the processes whose children to follow",
                      spell(env, S_FOLLOW, false, b1), spell(env, S_COMM, true, b2), spell(env, S_PID, true, b3));
    if (!arch)
        return 0;
    if (arch->kintro == QT_KINTRO_NONE) {
        qt_arch_names(QT_KINTRO_SYMBOLS, " and ", false, list, sizeof(list));
        return refuse(err, errlen, "%s: guest kernel introspection supports %s guests only (this is %s)",
                      spell(env, S_KERNEL, false, b1), list, arch->name);
    }
    if (arch->kintro < QT_KINTRO_TASKS) {
        qt_arch_names(QT_KINTRO_TASKS, " and ", true, list, sizeof(list));
        if (chooses)
            return refuse(err, errlen, "%s needs the kernel's task structures, which qtrace reads in %s kernels only: "
                          "%s is an %s kernel; %s (with %s) records the program's address spaces instead",
                          spell(env, chooser, false, b1), list, o->kernel, arch->name,
                          spell(env, S_PROGRAM_AS, false, b2), spell(env, S_PROGRAM, false, b3));
        if (o->processes)
            return refuse(err, errlen, "%s needs the kernel's task structures, which qtrace reads in %s kernels only "
                          "(%s is an %s kernel)", spell(env, S_PROCESSES, false, b1), list, o->kernel, arch->name);
        if (o->vmmap)
            return refuse(err, errlen, "%s needs the kernel's task and memory structures, which qtrace reads in %s "
                          "kernels only (%s is an %s kernel)", spell(env, S_VMMAP, false, b1), list, o->kernel,
                          arch->name);
        if (o->syscalls)
            warn(env, "%s records nothing in an %s guest (system calls are decoded from the kernel's task "
                 "structures, read in %s kernels only)", spell(env, S_SYSCALLS, false, b1), arch->name, list);
    }
    return 0;
}
