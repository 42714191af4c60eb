/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "util.h"
#include <elf.h>
#include <fcntl.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arch.h"

static void vmsg(const char *kind, const char *fmt, va_list ap)
{
    char buf[2048];
    vsnprintf(buf, sizeof(buf), fmt, ap);
    /* one line, always */
    for (char *p = buf; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    fflush(stdout);
    fprintf(stderr, "qtrace: %s: %s\n", kind, buf);
}

void qtc_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg("error", fmt, ap);
    va_end(ap);
}

void qtc_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg("warning", fmt, ap);
    va_end(ap);
}

static void oom(void)
{
    fputs("qtrace: error: out of memory\n", stderr);
    abort();
}

void *qtc_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom();
    return p;
}

void *qtc_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom();
    return p;
}

void *qtc_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom();
    return q;
}

char *qtc_xstrdup(const char *s)
{
    char *p = strdup(s ? s : "");
    if (!p)
        oom();
    return p;
}

/* ---- map ------------------------------------------------------------------------------ */

static size_t hash2(uint64_t a, uint64_t b)
{
    uint64_t h = a * 0x9e3779b97f4a7c15ull ^ (b + 0x632be59bd9b4e019ull) * 0xc2b2ae3d27d4eb4full;
    h ^= h >> 31;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 29;
    return (size_t)h;
}

static void map_grow(struct qtc_map *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 64;
    struct qtc_map_ent *ne = qtc_xcalloc(ncap, sizeof(*ne));
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->e[i].used)
            continue;
        size_t j = hash2(m->e[i].k1, m->e[i].k2) & (ncap - 1);
        while (ne[j].used)
            j = (j + 1) & (ncap - 1);
        ne[j] = m->e[i];
    }
    free(m->e);
    m->e = ne;
    m->cap = ncap;
}

void **qtc_map_slot(struct qtc_map *m, uint64_t k1, uint64_t k2, bool create)
{
    if (m->cap) {
        size_t j = hash2(k1, k2) & (m->cap - 1);
        while (m->e[j].used) {
            if (m->e[j].k1 == k1 && m->e[j].k2 == k2)
                return &m->e[j].v;
            j = (j + 1) & (m->cap - 1);
        }
    }
    if (!create)
        return NULL;
    if ((m->n + 1) * 2 > m->cap)
        map_grow(m);
    size_t j = hash2(k1, k2) & (m->cap - 1);
    while (m->e[j].used)
        j = (j + 1) & (m->cap - 1);
    m->e[j].used = true;
    m->e[j].k1 = k1;
    m->e[j].k2 = k2;
    m->e[j].v = NULL;
    m->n++;
    return &m->e[j].v;
}

void *qtc_map_get(const struct qtc_map *m, uint64_t k1, uint64_t k2)
{
    void **s = qtc_map_slot((struct qtc_map *)m, k1, k2, false);
    return s ? *s : NULL;
}

void qtc_map_free(struct qtc_map *m)
{
    free(m->e);
    m->e = NULL;
    m->cap = m->n = 0;
}

/* ---- strings -------------------------------------------------------------------------- */

char *qtc_sanitize(const char *s, size_t n)
{
    size_t out = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        out += (c < 0x20 || c >= 0x7f) ? 4 : 1;
    }
    char *r = qtc_xmalloc(out + 1), *p = r;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c >= 0x7f) {
            static const char hex[] = "0123456789abcdef";
            *p++ = '\\';
            *p++ = 'x';
            *p++ = hex[c >> 4];
            *p++ = hex[c & 15];
        } else {
            *p++ = (char)c;
        }
    }
    *p = '\0';
    return r;
}

bool qtc_parse_u64(const char *s, int base, uint64_t *out)
{
    if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
        return false;
    if (base == 16 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        s += 2;
        if (!*s)
            return false;
    }
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, base);
    if (errno || *end || end == s)
        return false;
    *out = v;
    return true;
}

/* ---- files ---------------------------------------------------------------------------- */

FILE *qtc_atomic_open(const char *path, char *tmp, size_t tmplen, char *err, size_t errlen)
{
    int n = snprintf(tmp, tmplen, "%s.tmp.%ld", path, (long)getpid());
    if (n < 0 || (size_t)n >= tmplen) {
        snprintf(err, errlen, "%s: path too long", path);
        return NULL;
    }
    FILE *f = fopen(tmp, "w");
    if (!f) {
        snprintf(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
        return NULL;
    }
    return f;
}

int qtc_atomic_close(FILE *f, const char *tmp, const char *path, bool ok, char *err, size_t errlen)
{
    int werr = ferror(f) ? (errno ? errno : EIO) : 0;
    if (fclose(f) != 0 && !werr)
        werr = errno ? errno : EIO;
    if (ok && werr) {
        snprintf(err, errlen, "writing %s: %s", path, strerror(werr));
        ok = false;
    }
    if (!ok) {
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, path) != 0) {
        snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

const char *qtc_exe_dir(void)
{
    static char dir[PATH_MAX];
    static bool done;
    if (!done) {
        done = true;
        ssize_t n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
        if (n <= 0) {
            dir[0] = '\0';
        } else {
            dir[n] = '\0';
            char *slash = strrchr(dir, '/');
            if (slash)
                *slash = '\0';
            else
                dir[0] = '\0';
        }
    }
    return dir;
}

static bool is_exec_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0;
}

char *qtc_which(const char *name)
{
    if (!name || !*name)
        return NULL;
    if (strchr(name, '/'))
        return is_exec_file(name) ? qtc_xstrdup(name) : NULL;
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    size_t nl = strlen(name);
    for (const char *p = path;;) {
        const char *c = strchr(p, ':');
        size_t dl = c ? (size_t)(c - p) : strlen(p);
        char *cand = qtc_xmalloc(dl + nl + 3);
        if (dl == 0)
            snprintf(cand, dl + nl + 3, "./%s", name);
        else
            snprintf(cand, dl + nl + 3, "%.*s/%s", (int)dl, p, name);
        if (is_exec_file(cand))
            return cand;
        free(cand);
        if (!c)
            break;
        p = c + 1;
    }
    return NULL;
}

/* 64 or 32 from a bzImage's setup header (xloadflags XLF_KERNEL_64) or an ELF's class; 0 if unknown. */
const struct qt_arch_desc *qtc_kernel_arch(const char *path)
{
    unsigned char h[0x240];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    ssize_t n = pread(fd, h, sizeof(h), 0);
    close(fd);
    if (n >= (ssize_t)sizeof(Elf32_Ehdr) && memcmp(h, ELFMAG, SELFMAG) == 0)
        return qt_arch_by_elf_machine(h[EI_DATA] == ELFDATA2MSB ? (unsigned)h[18] << 8 | h[19]
                                                                : h[18] | (unsigned)h[19] << 8);
    if (n < (ssize_t)sizeof(h) || memcmp(h + 0x202, "HdrS", 4) != 0)
        return NULL;
    unsigned version = h[0x206] | (unsigned)h[0x207] << 8;
    /* older than xloadflags: no 64-bit entry point */
    bool x86_64 = version >= 0x020c && (h[0x236] & 1);
    return qt_arch_by_elf_machine(x86_64 ? EM_X86_64 : EM_386);
}
