/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Kernel structure layouts from BTF (libbpf) and layout files. */
#include "klayout.h"
#include "qtutil.h"
#include "kimage.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QT_KLAYOUT_DESC_(m, name, alt, size) { name, alt, size, offsetof(struct qt_klayout, m) },
const struct qt_kfield_desc qt_kfield_descs[] = { QT_KLAYOUT_FIELDS(QT_KLAYOUT_DESC_) };
#undef QT_KLAYOUT_DESC_
const size_t qt_kfield_count = sizeof(qt_kfield_descs) / sizeof(qt_kfield_descs[0]);

#define MAX_STRUCT_OFFSET (1u << 20)    /* a field offset or size beyond 1 MiB is not plausible */

static struct qt_kfield *field_at(struct qt_klayout *L, size_t i)
{
    return (struct qt_kfield *)(void *)((char *)L + qt_kfield_descs[i].member);
}

const struct qt_kfield *qt_klayout_at(const struct qt_klayout *L, size_t i)
{
    if (i >= qt_kfield_count) return NULL;
    return (const struct qt_kfield *)(const void *)((const char *)L + qt_kfield_descs[i].member);
}

static long desc_index(const char *name)
{
    for (size_t i = 0; i < qt_kfield_count; i++)
        if (strcmp(qt_kfield_descs[i].name, name) == 0 || (qt_kfield_descs[i].alt && strcmp(qt_kfield_descs[i].alt, name) == 0))
            return (long)i;
    return -1;
}

const struct qt_kfield *qt_klayout_get(const struct qt_klayout *L, const char *name)
{
    long i = desc_index(name);
    return i < 0 ? NULL : qt_klayout_at(L, (size_t)i);
}

size_t qt_klayout_nfound(const struct qt_klayout *L)
{
    size_t n = 0;
    for (size_t i = 0; i < qt_kfield_count; i++) n += qt_klayout_at(L, i)->found;
    return n;
}

void qt_klayout_init(struct qt_klayout *L)
{
    memset(L, 0, sizeof(*L));
}

/* ---- BTF ------------------------------------------------------------------------------ */

/* Skip typedefs and qualifiers. */
static const struct btf_type *skip_mods(const struct btf *btf, uint32_t id, uint32_t *out_id)
{
    for (int guard = 0; guard < 64; guard++) {
        const struct btf_type *t = btf__type_by_id(btf, id);
        if (!t) return NULL;
        switch (btf_kind(t)) {
        case BTF_KIND_TYPEDEF:
        case BTF_KIND_VOLATILE:
        case BTF_KIND_CONST:
        case BTF_KIND_RESTRICT:
        case BTF_KIND_TYPE_TAG:
            id = t->type;
            continue;
        default:
            if (out_id) *out_id = id;
            return t;
        }
    }
    return NULL;
}

/* Member name of struct/union t, looking inside anonymous struct/union members. */
static bool find_member(const struct btf *btf, const struct btf_type *t, const char *name, int depth,
                        uint64_t *bitoff, uint32_t *type_id, bool *bitfield)
{
    const struct btf_member *m = btf_members(t);
    unsigned vlen = btf_vlen(t);
    for (unsigned i = 0; i < vlen; i++) {
        const char *mn = btf__name_by_offset(btf, m[i].name_off);
        uint32_t bo = btf_member_bit_offset(t, i);
        if (mn && *mn) {
            if (strcmp(mn, name) == 0) {
                *bitoff = bo;
                *type_id = m[i].type;
                *bitfield = btf_member_bitfield_size(t, i) != 0;
                return true;
            }
        } else if (depth < 16) {
            const struct btf_type *mt = skip_mods(btf, m[i].type, NULL);
            uint64_t sub;
            if (mt && btf_is_composite(mt) && find_member(btf, mt, name, depth + 1, &sub, type_id, bitfield)) {
                *bitoff = bo + sub;
                return true;
            }
        }
    }
    return false;
}

/* "struct.member.member[idx]..." -> byte offset and size. */
static int resolve_path(const struct btf *btf, const char *path, uint32_t *off, uint32_t *size)
{
    char buf[256];
    if (strlen(path) >= sizeof(buf)) return -ENAMETOOLONG;
    strcpy(buf, path);
    char *save = NULL, *comp = strtok_r(buf, ".", &save);
    if (!comp) return -EINVAL;
    int id = btf__find_by_name_kind(btf, comp, BTF_KIND_STRUCT);
    if (id < 0) id = btf__find_by_name_kind(btf, comp, BTF_KIND_UNION);
    if (id < 0) return -ENOENT;
    uint32_t cur = (uint32_t)id;
    uint64_t bits = 0;
    while ((comp = strtok_r(NULL, ".", &save)) != NULL) {
        long idx = -1;
        char *br = strchr(comp, '[');
        if (br) {
            char *e;
            idx = strtol(br + 1, &e, 10);
            if (e == br + 1 || *e != ']' || e[1] || idx < 0) return -EINVAL;
            *br = 0;
        }
        const struct btf_type *t = skip_mods(btf, cur, NULL);
        if (!t || !btf_is_composite(t)) return -ENOENT;
        uint64_t bo;
        uint32_t mid;
        bool bitfield;
        if (!find_member(btf, t, comp, 0, &bo, &mid, &bitfield)) return -ENOENT;
        if (bitfield) return -EOPNOTSUPP;
        bits += bo;
        cur = mid;
        if (idx >= 0) {
            const struct btf_type *at = skip_mods(btf, cur, NULL);
            if (!at || !btf_is_array(at)) return -ENOENT;
            const struct btf_array *a = btf_array(at);
            if ((uint64_t)idx >= a->nelems) return -ERANGE;
            long long esz = btf__resolve_size(btf, a->type);
            if (esz < 0) return (int)esz;
            bits += (uint64_t)idx * (uint64_t)esz * 8;
            cur = a->type;
        }
        if (bits / 8 > MAX_STRUCT_OFFSET) return -ERANGE;
    }
    if (bits % 8) return -EOPNOTSUPP;
    long long sz = btf__resolve_size(btf, cur);
    if (sz < 0) return (int)sz;
    if ((uint64_t)sz > MAX_STRUCT_OFFSET) return -ERANGE;
    *off = (uint32_t)(bits / 8);
    *size = (uint32_t)sz;
    return 0;
}

static int silent_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
    (void)level;
    (void)fmt;
    (void)ap;
    return 0;
}

int qt_klayout_from_btf(struct qt_klayout *L, const void *data, size_t size, const char *what, char *err, size_t errlen)
{
    if (!data || size < 24 || size > UINT32_MAX)
        return qt_fail(err, errlen, -EINVAL, "%s: BTF of %zu bytes is not valid", what, size);
    /* libbpf prints its parse errors by default: library code must not print */
    libbpf_print_fn_t old = libbpf_set_print(silent_print);
    errno = 0;
    struct btf *btf = btf__new(data, (uint32_t)size);
    int e = errno ? errno : EINVAL;
    libbpf_set_print(old);
    if (!btf || (uintptr_t)btf >= (uintptr_t)-4095) {
        if ((uintptr_t)btf >= (uintptr_t)-4095) e = -(int)(intptr_t)btf;
        return qt_fail(err, errlen, -EINVAL, "%s: BTF is malformed (libbpf: %s)", what, strerror(e));
    }
    for (size_t i = 0; i < qt_kfield_count; i++) {
        const struct qt_kfield_desc *d = &qt_kfield_descs[i];
        uint32_t off, sz;
        bool alt = false;
        int rc = resolve_path(btf, d->name, &off, &sz);
        if (rc < 0 && d->alt) {
            rc = resolve_path(btf, d->alt, &off, &sz);
            alt = rc == 0;
        }
        if (rc < 0) continue;
        struct qt_kfield *f = field_at(L, i);
        f->off = off;
        f->size = sz;
        f->found = true;
        f->src = QT_KL_BTF;
        if (alt && strncmp(d->name, "module.", 7) == 0) L->module_mem = true;
    }
    L->btf = true;
    L->btf_types = btf__type_cnt(btf);
    L->btf_size = size;
    btf__free(btf);
    return 0;
}

int qt_klayout_from_kimage(struct qt_klayout *L, const struct qt_kimage *k, char *err, size_t errlen)
{
    const struct qt_ksection *s = qt_kimage_section(k, ".BTF");
    const uint8_t *d = qt_kimage_section_data(k, s);
    if (!d) return qt_fail(err, errlen, -ENOENT, "%s has no BTF (.BTF section)", k->path);
    char what[512];
    snprintf(what, sizeof(what), "%s: .BTF section", k->path);
    return qt_klayout_from_btf(L, d, (size_t)s->size, what, err, errlen);
}

/* ---- layout files --------------------------------------------------------------------- */

static bool parse_num(const char *s, size_t len, uint32_t *out)
{
    char buf[32];
    if (len == 0 || len >= sizeof(buf)) return false;
    memcpy(buf, s, len);
    buf[len] = 0;
    if (!isdigit((unsigned char)buf[0])) return false;
    char *e;
    errno = 0;
    unsigned long long v = strtoull(buf, &e, 0);
    if (errno || *e || v > MAX_STRUCT_OFFSET) return false;
    *out = (uint32_t)v;
    return true;
}

int qt_klayout_load_file(struct qt_klayout *L, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "re");
    if (!f) {
        int e = errno;
        return qt_fail(err, errlen, -e, "%s: %s", path, strerror(e));
    }
    /* parse everything first: a bad file changes nothing */
    struct qt_klayout N = *L;
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    int rc = 0;
    while (rc == 0 && getline(&line, &cap, f) >= 0) {
        lineno++;
        line[strcspn(line, "\r\n")] = 0;
        char *h = strchr(line, '#');
        if (h) *h = 0;
        const char *p = line, *tok[3] = { NULL, NULL, NULL };
        size_t tl[3] = { 0, 0, 0 }, nt = 0;
        bool bad = false;
        while (isspace((unsigned char)*p)) p++;
        if (!*p) continue;                      /* blank or comment */
        tok[0] = p;
        while (*p && !isspace((unsigned char)*p) && *p != '=') p++;
        tl[0] = (size_t)(p - tok[0]);
        while (isspace((unsigned char)*p)) p++;
        if (*p != '=') bad = true;
        else p++;
        for (nt = 1; !bad && nt < 3; nt++) {
            while (isspace((unsigned char)*p)) p++;
            if (!*p) break;
            tok[nt] = p;
            while (*p && !isspace((unsigned char)*p)) p++;
            tl[nt] = (size_t)(p - tok[nt]);
        }
        while (isspace((unsigned char)*p)) p++;
        if (bad || !tok[1] || tl[0] == 0) {
            rc = qt_fail(err, errlen, -EINVAL, "%s:%zu: expected 'struct.field = OFFSET [SIZE]'", path, lineno);
            break;
        }
        if (*p) {
            rc = qt_fail(err, errlen, -EINVAL, "%s:%zu: unexpected '%.20s' after the value (expected 'struct.field = OFFSET [SIZE]')",
                       path, lineno, p);
            break;
        }
        char name[128];
        if (tl[0] >= sizeof(name)) tl[0] = sizeof(name) - 1;
        memcpy(name, tok[0], tl[0]);
        name[tl[0]] = 0;
        long i = desc_index(name);
        if (i < 0) {
            rc = qt_fail(err, errlen, -EINVAL, "%s:%zu: unknown field '%s' (the known ones are listed in docs/kernel.md)", path, lineno, name);
            break;
        }
        uint32_t off, sz = 0;
        if (!parse_num(tok[1], tl[1], &off) || (tok[2] && (!parse_num(tok[2], tl[2], &sz) || sz == 0))) {
            rc = qt_fail(err, errlen, -EINVAL, "%s:%zu: bad number for '%s' (decimal or 0x hex, below 1 MiB; size > 0)", path, lineno, name);
            break;
        }
        struct qt_kfield *fl = field_at(&N, (size_t)i);
        if (!tok[2]) sz = fl->found ? fl->size : qt_kfield_descs[i].default_size;
        fl->off = off;
        fl->size = sz;
        fl->found = true;
        fl->src = QT_KL_FILE;
    }
    if (rc == 0 && ferror(f)) rc = qt_fail(err, errlen, -EIO, "%s: read error", path);
    free(line);
    fclose(f);
    if (rc == 0) *L = N;
    return rc;
}
