/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The argument types of kernel functions (qtrace system): kernel objects (task, cred, inode,
 * dentry, path, file, sockaddr, socket, sock, module), whose decoders follow kernel structures
 * at the offsets the plugin set, argv (a char ** as execve takes it) and exit (a wait status).
 * See kargtype.h.
 */
#include "kargtype.h"
#include "syscalls.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Offsets of kernel structure fields, set once by the plugin before any vCPU runs. */
static struct qt_koffsets koff;
static bool koff_valid;

void qt_koffsets_init(struct qt_koffsets *o)
{
#define QT_KOFF_NONE_(f, ...) o->f = QT_KOFF_NONE;
    QT_KLAYOUT_FIELDS(QT_KOFF_NONE_)
    QT_KBTF_FIELDS(QT_KOFF_NONE_)
#undef QT_KOFF_NONE_
}

void qt_argtype_set_koffsets(const struct qt_koffsets *o)
{
    if (o)
        koff = *o;
    __atomic_store_n(&koff_valid, o != NULL, __ATOMIC_RELEASE); /* koff complete before decoders see it */
}

/* Read an unsigned field of bytes at base + off (false if the offset is unknown or unreadable). */
static bool kread(const struct qt_mem *m, uint64_t base, uint32_t off, unsigned bytes, uint64_t *out)
{
    if (!koff_valid || off == QT_KOFF_NONE || !m || !m->read)
        return false;
    return qt_mem_read_uint(m, base + off, bytes, out);
}

static bool kread_bytes(const struct qt_mem *m, uint64_t base, uint32_t off, void *buf, size_t len)
{
    if (!koff_valid || off == QT_KOFF_NONE || !m || !m->read)
        return false;
    return m->read(m->ctx, base + off, buf, len);
}

/* Common start of every kernel decoder: NULL, and memory or offsets we cannot use. */
static bool kbegin(const struct qt_mem *m, struct qt_arg *a, size_t cap, size_t need)
{
    a->flags = 0;
    a->len = 0;
    if (a->value == 0) {
        a->flags = QT_ARG_NULL;
        return false;
    }
    if (!m || !m->read || !__atomic_load_n(&koff_valid, __ATOMIC_ACQUIRE) || cap < need) {
        a->flags = QT_ARG_UNREADABLE;
        return false;
    }
    return true;
}

/* Common end of the decoders that fill a struct: d (size bytes) at the start of data, then the
 * extra bytes already written after it; unreadable when nothing of it was read. Returns
 * whether it stored d. */
static bool kend(struct qt_arg *a, uint8_t *data, const void *d, size_t size, size_t extra, bool readable)
{
    if (!readable) {
        a->flags = QT_ARG_UNREADABLE;
        return false;
    }
    memcpy(data, d, size);
    a->len = (uint16_t)(size + extra);
    return true;
}

static void decode_task(const struct qt_mem *m, struct qt_arg *a, uint8_t *data, size_t cap)
{
    struct qt_kd_task d;
    if (!kbegin(m, a, cap, sizeof(d)))
        return;
    memset(&d, 0, sizeof(d));
    uint64_t t = a->value, v, w, p;
    if (kread(m, t, koff.task_pid, 4, &v) && kread(m, t, koff.task_tgid, 4, &w)) {
        d.have |= QT_KD_IDS;
        d.pid = (uint32_t)v;
        d.tgid = (uint32_t)w;
    }
    if (kread(m, t, koff.task_real_parent, 8, &p) && p && kread(m, p, koff.task_tgid, 4, &v)) {
        d.have |= QT_KD_PPID;
        d.ppid = (uint32_t)v;
    }
    if (kread_bytes(m, t, koff.task_comm, d.comm, sizeof(d.comm))) {
        d.have |= QT_KD_COMM;
        d.comm[sizeof(d.comm) - 1] = '\0';
    }
    if (kread(m, t, koff.task_real_cred, 8, &p) && p && kread(m, p, koff.cred_uid, 4, &v)) {
        d.have |= QT_KD_UID;
        d.uid = (uint32_t)v;
    }
    kend(a, data, &d, sizeof(d), 0, (d.have & (QT_KD_IDS | QT_KD_COMM)) != 0);
}

static void decode_cred(const struct qt_mem *m, struct qt_arg *a, uint8_t *data, size_t cap)
{
    struct qt_kd_cred d;
    if (!kbegin(m, a, cap, sizeof(d)))
        return;
    memset(&d, 0, sizeof(d));
    uint64_t c = a->value, u, g, eu, eg, cap_eff;
    if (kread(m, c, koff.cred_uid, 4, &u) && kread(m, c, koff.cred_gid, 4, &g) && kread(m, c, koff.cred_euid, 4, &eu) &&
        kread(m, c, koff.cred_egid, 4, &eg)) {
        d.have |= QT_KD_CRED_IDS;
        d.uid = (uint32_t)u;
        d.gid = (uint32_t)g;
        d.euid = (uint32_t)eu;
        d.egid = (uint32_t)eg;
    }
    if (kread(m, c, koff.cred_cap_effective, 8, &cap_eff)) {
        d.have |= QT_KD_CRED_CAPS;
        d.cap_effective = cap_eff;
    }
    kend(a, data, &d, sizeof(d), 0, d.have != 0);
}

static void decode_inode(const struct qt_mem *m, struct qt_arg *a, uint8_t *data, size_t cap)
{
    struct qt_kd_inode d;
    if (!kbegin(m, a, cap, sizeof(d)))
        return;
    memset(&d, 0, sizeof(d));
    uint64_t i = a->value, v;
    if (kread(m, i, koff.inode_i_ino, 8, &v)) {
        d.have |= QT_KD_INO;
        d.ino = v;
    }
    if (kread(m, i, koff.inode_i_mode, 2, &v)) {
        d.have |= QT_KD_MODE;
        d.mode = (uint32_t)v;
    }
    if (kread(m, i, koff.inode_i_size, 8, &v)) {
        d.have |= QT_KD_SIZE;
        d.size = (int64_t)v;
    }
    if (kread(m, i, koff.inode_i_uid, 4, &v)) {
        d.have |= QT_KD_IUID;
        d.uid = (uint32_t)v;
    }
    kend(a, data, &d, sizeof(d), 0, d.have != 0);
}

/*
 * A path, built right to left in buf[0..cap) by walking d_parent from dentry (and, when mnt
 * is given and the mount offsets are known, from each mount's root to its mount point, as
 * the kernel's d_path does). Returns the length of the path, moved to the start of buf;
 * *trunc is set when it was cut short (too deep, too long, or an unreadable link: then it
 * starts with "..."). -1 if not even the first dentry is readable.
 */
static int kpath(const struct qt_mem *m, uint64_t dentry, uint64_t mnt, char *buf, size_t cap, bool *trunc)
{
    *trunc = false;
    if (cap < 8)
        return -1;
    size_t pos = cap; /* the path occupies buf[pos..cap) */
    bool mounts = mnt && koff.mount_mnt != QT_KOFF_NONE && koff.mount_parent != QT_KOFF_NONE &&
                  koff.mount_mountpoint != QT_KOFF_NONE && koff.vfsmount_root != QT_KOFF_NONE;
    uint64_t mount = mounts ? mnt - koff.mount_mnt : 0, root = 0;
    if (mounts && !kread(m, mnt, koff.vfsmount_root, 8, &root))
        mounts = false;
    bool first = true;
    for (int steps = 0;; steps++) {
        if (steps >= QT_KPATH_DEPTH) {
            *trunc = true;
            break;
        }
        uint64_t parent;
        if (!kread(m, dentry, koff.dentry_d_parent, 8, &parent)) {
            if (first)
                return -1;
            *trunc = true;
            break;
        }
        first = false;
        if (mounts && dentry == root) {
            /* the root of this mount: continue at its mount point in the parent mount */
            uint64_t pm, mp, pmnt_root;
            if (!kread(m, mount, koff.mount_parent, 8, &pm) || pm == mount || pm == 0)
                break; /* the root of everything */
            if (!kread(m, mount, koff.mount_mountpoint, 8, &mp) ||
                !kread(m, pm + koff.mount_mnt, koff.vfsmount_root, 8, &pmnt_root)) {
                *trunc = true;
                break;
            }
            mount = pm;
            root = pmnt_root;
            dentry = mp;
            continue;
        }
        if (parent == dentry || parent == 0)
            break; /* the root of this file system */
        uint64_t name, len;
        if (!kread(m, dentry, koff.dentry_d_name_name, 8, &name) || !kread(m, dentry, koff.dentry_d_name_len, 4, &len)) {
            *trunc = true;
            break;
        }
        char comp[256];
        size_t n = len < sizeof(comp) ? (size_t)len : sizeof(comp) - 1;
        if (n == 0 || !m->read(m->ctx, name, comp, n)) {
            *trunc = true;
            break;
        }
        if (n + 1 > pos) {
            *trunc = true;
            break;
        }
        pos -= n;
        memcpy(buf + pos, comp, n);
        buf[--pos] = '/';
        dentry = parent;
    }
    if (*trunc) {
        /* "..." in front: room is kept by dropping leading bytes if needed */
        if (pos < 3)
            pos = 3;
        memcpy(buf + pos - 3, "...", 3);
        pos -= 3;
    } else if (pos == cap) {
        buf[--pos] = '/'; /* the root itself */
    }
    size_t len = cap - pos;
    memmove(buf, buf + pos, len);
    return (int)len;
}

int qt_kfile_path(const struct qt_mem *m, uint64_t file, char *buf, size_t cap, bool *trunc)
{
    uint64_t dentry, mnt;
    *trunc = false;
    if (!kread(m, file, koff.file_f_path_dentry, 8, &dentry) || dentry == 0)
        return -1;
    if (!kread(m, file, koff.file_f_path_mnt, 8, &mnt))
        mnt = 0;
    return kpath(m, dentry, mnt, buf, cap, trunc);
}

static void decode_dentry(const struct qt_mem *m, struct qt_arg *a, uint8_t *data, size_t cap)
{
    if (!kbegin(m, a, cap, 8))
        return;
    if (cap > QT_STR_MAX)
        cap = QT_STR_MAX;
    bool trunc;
    int n = kpath(m, a->value, 0, (char *)data, cap, &trunc);
    if (n < 0) {
        a->flags = QT_ARG_UNREADABLE;
        return;
    }
    a->len = (uint16_t)n;
    if (trunc)
        a->flags |= QT_ARG_TRUNCATED;
}

static void decode_path(const struct qt_mem *m, struct qt_arg *a, uint8_t *data, size_t cap)
{
    if (!kbegin(m, a, cap, 8))
        return;
    if (cap > QT_STR_MAX)
        cap = QT_STR_MAX;
    uint64_t dentry, mnt = 0;
    if (!kread(m, a->value, koff.path_dentry, 8, &dentry) || dentry == 0) {
        a->flags = QT_ARG_UNREADABLE;
        return;
    }
    if (!kread(m, a->value, koff.path_mnt, 8, &mnt))
        mnt = 0;
    bool trunc;
    int n = kpath(m, dentry, mnt, (char *)data, cap, &trunc);
    if (n < 0) {
        a->flags = QT_ARG_UNREADABLE;
        return;
    }
    a->len = (uint16_t)n;
    if (trunc)
        a->flags |= QT_ARG_TRUNCATED;
}

static void decode_file(const struct qt_mem *m, struct qt_arg *a, uint8_t *data, size_t cap)
{
    struct qt_kd_file d;
    if (!kbegin(m, a, cap, sizeof(d) + 8))
        return;
    if (cap > QT_STR_MAX)
        cap = QT_STR_MAX;
    memset(&d, 0, sizeof(d));
    uint64_t f = a->value, v, dentry, mnt = 0;
    if (kread(m, f, koff.file_f_flags, 4, &v)) {
        d.have |= QT_KD_FFLAGS;
        d.flags = (uint32_t)v;
    }
    if (kread(m, f, koff.file_f_pos, 8, &v)) {
        d.have |= QT_KD_FPOS;
        d.pos = (int64_t)v;
    }
    size_t len = 0;
    bool trunc = false;
    if (kread(m, f, koff.file_f_path_dentry, 8, &dentry) && dentry) {
        if (!kread(m, f, koff.file_f_path_mnt, 8, &mnt))
            mnt = 0;
        int n = kpath(m, dentry, mnt, (char *)data + sizeof(d), cap - sizeof(d), &trunc);
        if (n >= 0) {
            d.have |= QT_KD_FPATH;
            len = (size_t)n;
        }
    }
    if (kend(a, data, &d, sizeof(d), len, d.have != 0) && trunc)
        a->flags |= QT_ARG_TRUNCATED;
}

#define AF_UNIX_ 1
#define AF_INET_ 2
#define AF_INET6_ 10
#define SOCKADDR_MAX 110 /* sizeof(struct sockaddr_un) */

static void decode_sockaddr(const struct qt_mem *m, struct qt_arg *a, uint8_t *data, size_t cap)
{
    a->flags = 0;
    a->len = 0;
    if (a->value == 0) {
        a->flags = QT_ARG_NULL;
        return;
    }
    uint64_t fam;
    if (!m || !m->read || cap < SOCKADDR_MAX || !qt_mem_read_uint(m, a->value, 2, &fam)) {
        a->flags = QT_ARG_UNREADABLE;
        return;
    }
    size_t want = fam == AF_INET_ ? 16 : fam == AF_INET6_ ? 28 : 2;
    if (fam == AF_UNIX_) {
        /* sun_path: up to 108 bytes, usually NUL-terminated well before (abstract: starts with NUL) */
        data[0] = (uint8_t)fam;
        data[1] = 0;
        size_t n = 0;
        for (; n < SOCKADDR_MAX - 2; n++) {
            if (!m->read(m->ctx, a->value + 2 + n, data + 2 + n, 1))
                break;
            if (data[2 + n] == 0 && n > 0)
                break;
        }
        a->len = (uint16_t)(2 + n);
        return;
    }
    if (!m->read(m->ctx, a->value, data, want)) {
        want = 2;
        if (!m->read(m->ctx, a->value, data, want)) {
            a->flags = QT_ARG_UNREADABLE;
            return;
        }
        a->flags = QT_ARG_TRUNCATED;
    }
    a->len = (uint16_t)want;
}

static void decode_sock_at(const struct qt_mem *m, struct qt_arg *a, uint64_t sk, uint8_t *data)
{
    struct qt_kd_sock d;
    memset(&d, 0, sizeof(d));
    uint64_t v, w;
    if (kread(m, sk, koff.sock_family, 2, &v)) {
        d.have |= QT_KD_FAMILY;
        d.family = (uint16_t)v;
    }
    if (d.family == AF_INET_ && kread_bytes(m, sk, koff.sock_rcv_saddr, d.laddr, 4) && kread(m, sk, koff.sock_num, 2, &v)) {
        d.have |= QT_KD_LOCAL;
        d.lport = (uint16_t)v; /* skc_num: host order */
    }
    if (d.family == AF_INET_ && kread_bytes(m, sk, koff.sock_daddr, d.raddr, 4) && kread(m, sk, koff.sock_dport, 2, &w)) {
        d.have |= QT_KD_REMOTE;
        d.rport = (uint16_t)(((w & 0xff) << 8) | ((w >> 8) & 0xff)); /* skc_dport: network order */
    }
    kend(a, data, &d, sizeof(d), 0, d.have != 0);
}

static void decode_sock(const struct qt_mem *m, struct qt_arg *a, uint8_t *data, size_t cap)
{
    if (kbegin(m, a, cap, sizeof(struct qt_kd_sock)))
        decode_sock_at(m, a, a->value, data);
}

static void decode_socket(const struct qt_mem *m, struct qt_arg *a, uint8_t *data, size_t cap)
{
    if (!kbegin(m, a, cap, sizeof(struct qt_kd_sock)))
        return;
    uint64_t sk;
    if (!kread(m, a->value, koff.socket_sk, 8, &sk) || sk == 0) {
        a->flags = QT_ARG_UNREADABLE;
        return;
    }
    decode_sock_at(m, a, sk, data);
}

static void decode_module(const struct qt_mem *m, struct qt_arg *a, uint8_t *data, size_t cap)
{
    struct qt_kd_module d;
    if (!kbegin(m, a, cap, sizeof(d)))
        return;
    memset(&d, 0, sizeof(d));
    uint64_t v;
    if (kread_bytes(m, a->value, koff.module_name, d.name, sizeof(d.name))) {
        d.have |= QT_KD_MNAME;
        d.name[sizeof(d.name) - 1] = '\0';
    }
    if (kread(m, a->value, koff.module_base, 8, &v)) {
        d.have |= QT_KD_MBASE;
        d.base = v;
    }
    if (kread(m, a->value, koff.module_size, 4, &v)) {
        d.have |= QT_KD_MSIZE;
        d.size = (uint32_t)v;
    }
    kend(a, data, &d, sizeof(d), 0, d.have != 0);
}

/* The start of a kernel object's format: its decoded layout into d and "{" to out; or, when the
 * data does not hold one, the pointer alone (0xADDR) and false. */
static bool kd_begin(const struct qt_arg *a, const uint8_t *data, void *d, size_t size, struct qt_sb *out)
{
    if (!data || a->len < size) {
        qt_sb_printf(out, "0x%" PRIx64, a->value);
        return false;
    }
    memcpy(d, data, size);
    qt_sb_putc(out, '{');
    return true;
}

static void fmt_task(const struct qt_arg *a, const uint8_t *data, struct qt_sb *out)
{
    struct qt_kd_task d;
    if (!kd_begin(a, data, &d, sizeof(d), out))
        return;
    const char *sep = "";
    if (d.have & QT_KD_IDS) {
        qt_sb_printf(out, "pid=%" PRIu32 ", tgid=%" PRIu32, d.pid, d.tgid);
        sep = ", ";
    }
    if (d.have & QT_KD_PPID) {
        qt_sb_printf(out, "%sppid=%" PRIu32, sep, d.ppid);
        sep = ", ";
    }
    if (d.have & QT_KD_UID) {
        qt_sb_printf(out, "%suid=%" PRIu32, sep, d.uid);
        sep = ", ";
    }
    if (d.have & QT_KD_COMM) {
        qt_sb_printf(out, "%scomm=", sep);
        qt_sb_put_cquoted(out, d.comm, strnlen(d.comm, sizeof(d.comm)));
    }
    qt_sb_putc(out, '}');
}

static void fmt_cred(const struct qt_arg *a, const uint8_t *data, struct qt_sb *out)
{
    struct qt_kd_cred d;
    if (!kd_begin(a, data, &d, sizeof(d), out))
        return;
    if (d.have & QT_KD_CRED_IDS)
        qt_sb_printf(out, "uid=%" PRIu32 ", gid=%" PRIu32 ", euid=%" PRIu32 ", egid=%" PRIu32, d.uid, d.gid, d.euid,
                     d.egid);
    if (d.have & QT_KD_CRED_CAPS)
        qt_sb_printf(out, "%scap_effective=0x%" PRIx64, d.have & QT_KD_CRED_IDS ? ", " : "", d.cap_effective);
    qt_sb_putc(out, '}');
}

static void put_mode(struct qt_sb *out, uint32_t mode)
{
    static const struct { uint32_t v; const char *n; } types[] = {
        { 0140000, "S_IFSOCK" }, { 0120000, "S_IFLNK" }, { 0100000, "S_IFREG" }, { 0060000, "S_IFBLK" },
        { 0040000, "S_IFDIR" },  { 0020000, "S_IFCHR" }, { 0010000, "S_IFIFO" },
    };
    uint32_t t = mode & 0170000;
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        if (types[i].v == t) {
            qt_sb_printf(out, "%s|%04" PRIo32, types[i].n, mode & 07777);
            return;
        }
    }
    qt_sb_printf(out, "%#" PRIo32, mode);
}

static void fmt_inode(const struct qt_arg *a, const uint8_t *data, struct qt_sb *out)
{
    struct qt_kd_inode d;
    if (!kd_begin(a, data, &d, sizeof(d), out))
        return;
    const char *sep = "";
    if (d.have & QT_KD_INO) {
        qt_sb_printf(out, "ino=%" PRIu64, d.ino);
        sep = ", ";
    }
    if (d.have & QT_KD_MODE) {
        qt_sb_printf(out, "%smode=", sep);
        put_mode(out, d.mode);
        sep = ", ";
    }
    if (d.have & QT_KD_SIZE) {
        qt_sb_printf(out, "%ssize=%" PRId64, sep, d.size);
        sep = ", ";
    }
    if (d.have & QT_KD_IUID)
        qt_sb_printf(out, "%suid=%" PRIu32, sep, d.uid);
    qt_sb_putc(out, '}');
}

static void fmt_file(const struct qt_arg *a, const uint8_t *data, struct qt_sb *out)
{
    struct qt_kd_file d;
    if (!kd_begin(a, data, &d, sizeof(d), out))
        return;
    const char *sep = "";
    if (d.have & QT_KD_FPATH) {
        qt_sb_puts(out, "path=");
        qt_sb_put_cquoted(out, (const char *)data + sizeof(d), a->len - sizeof(d));
        if (a->flags & QT_ARG_TRUNCATED)
            qt_sb_puts(out, "...");
        sep = ", ";
    }
    if (d.have & QT_KD_FFLAGS) {
        qt_sb_printf(out, "%sflags=", sep);
        qt_sa_format_arch(QT_ARCH_X86_64, QT_SA_OFLAGS, d.flags, out);
        sep = ", ";
    }
    if (d.have & QT_KD_FPOS)
        qt_sb_printf(out, "%spos=%" PRId64, sep, d.pos);
    qt_sb_putc(out, '}');
}

static void put_family(struct qt_sb *out, unsigned fam)
{
    switch (fam) {
    case AF_UNIX_: qt_sb_puts(out, "AF_UNIX"); break;
    case AF_INET_: qt_sb_puts(out, "AF_INET"); break;
    case AF_INET6_: qt_sb_puts(out, "AF_INET6"); break;
    case 16: qt_sb_puts(out, "AF_NETLINK"); break;
    case 17: qt_sb_puts(out, "AF_PACKET"); break;
    case 40: qt_sb_puts(out, "AF_VSOCK"); break;
    default: qt_sb_printf(out, "family=%u", fam); break;
    }
}

static void put_ipv4(struct qt_sb *out, const uint8_t *ip, unsigned port)
{
    qt_sb_printf(out, "%u.%u.%u.%u:%u", ip[0], ip[1], ip[2], ip[3], port);
}

static void fmt_sockaddr(const struct qt_arg *a, const uint8_t *data, struct qt_sb *out)
{
    if (!data || a->len < 2) {
        qt_sb_printf(out, "0x%" PRIx64, a->value);
        return;
    }
    unsigned fam = (unsigned)data[0] | (unsigned)data[1] << 8;
    qt_sb_putc(out, '{');
    put_family(out, fam);
    if (fam == AF_INET_ && a->len >= 8) {
        qt_sb_puts(out, ", ");
        put_ipv4(out, data + 4, (unsigned)data[2] << 8 | data[3]);
    } else if (fam == AF_INET6_ && a->len >= 24) {
        /* [a:b:...]:port, the longest run of zero groups as :: */
        uint16_t g[8];
        for (int i = 0; i < 8; i++)
            g[i] = (uint16_t)(data[8 + 2 * i] << 8 | data[9 + 2 * i]);
        int best = -1, bestlen = 0;
        for (int i = 0; i < 8;) {
            int j = i;
            while (j < 8 && g[j] == 0)
                j++;
            if (j - i > bestlen && j - i >= 2) {
                best = i;
                bestlen = j - i;
            }
            i = j > i ? j : i + 1;
        }
        qt_sb_puts(out, ", [");
        for (int i = 0; i < 8; i++) {
            if (i == best) {
                qt_sb_puts(out, "::");
                i += bestlen - 1;
                continue;
            }
            if (i > 0 && i != best + bestlen)
                qt_sb_putc(out, ':');
            qt_sb_printf(out, "%x", g[i]);
        }
        qt_sb_printf(out, "]:%u", (unsigned)data[2] << 8 | data[3]);
    } else if (fam == AF_UNIX_ && a->len > 2) {
        qt_sb_puts(out, ", ");
        if (data[2] == 0) { /* abstract name */
            qt_sb_putc(out, '@');
            qt_sb_put_cquoted(out, (const char *)data + 3, a->len - 3u);
        } else {
            qt_sb_put_cquoted(out, (const char *)data + 2, a->len - 2u);
        }
    }
    if (a->flags & QT_ARG_TRUNCATED)
        qt_sb_puts(out, ", ...");
    qt_sb_putc(out, '}');
}

static void fmt_sock(const struct qt_arg *a, const uint8_t *data, struct qt_sb *out)
{
    struct qt_kd_sock d;
    if (!kd_begin(a, data, &d, sizeof(d), out))
        return;
    if (d.have & QT_KD_FAMILY)
        put_family(out, d.family);
    else
        qt_sb_puts(out, "family=?");
    if (d.have & QT_KD_LOCAL) {
        qt_sb_puts(out, ", ");
        put_ipv4(out, d.laddr, d.lport);
    }
    if ((d.have & QT_KD_REMOTE) && (d.rport || memcmp(d.raddr, "\0\0\0\0", 4))) {
        qt_sb_puts(out, " -> ");
        put_ipv4(out, d.raddr, d.rport);
    }
    qt_sb_putc(out, '}');
}

static void fmt_module(const struct qt_arg *a, const uint8_t *data, struct qt_sb *out)
{
    struct qt_kd_module d;
    if (!kd_begin(a, data, &d, sizeof(d), out))
        return;
    const char *sep = "";
    if (d.have & QT_KD_MNAME) {
        qt_sb_puts(out, "name=");
        qt_sb_put_cquoted(out, d.name, strnlen(d.name, sizeof(d.name)));
        sep = ", ";
    }
    if (d.have & QT_KD_MBASE) {
        qt_sb_printf(out, "%sbase=0x%" PRIx64, sep, d.base);
        sep = ", ";
    }
    if (d.have & QT_KD_MSIZE)
        qt_sb_printf(out, "%ssize=%" PRIu32, sep, d.size);
    qt_sb_putc(out, '}');
}

/* char **v (64-bit pointers), NULL-terminated: the strings, each followed by a NUL. */
static void decode_strv(const struct qt_mem *m, struct qt_arg *a, uint8_t *data, size_t cap)
{
    a->flags = 0;
    a->len = 0;
    if (a->value == 0) {
        a->flags = QT_ARG_NULL;
        return;
    }
    if (!m || !m->read || cap == 0) {
        a->flags = QT_ARG_UNREADABLE;
        return;
    }
    if (cap > QT_STR_MAX)
        cap = QT_STR_MAX;
    size_t used = 0;
    for (int i = 0;; i++) {
        uint64_t p;
        if (!qt_mem_read_uint(m, a->value + 8 * (uint64_t)i, 8, &p)) {
            if (i == 0)
                a->flags = QT_ARG_UNREADABLE;
            else
                a->flags |= QT_ARG_TRUNCATED;
            break;
        }
        if (p == 0)
            break;
        if (i >= QT_STRV_MAX || used + 1 >= cap) {
            a->flags |= QT_ARG_TRUNCATED;
            break;
        }
        bool trunc = false;
        int n = qt_mem_read_str(m, p, (char *)data + used, cap - used - 1, &trunc);
        if (n < 0) {
            a->flags |= QT_ARG_TRUNCATED; /* an unreadable string ends the list, marked */
            break;
        }
        if (trunc) {
            used += (size_t)n; /* keep what fits, marked */
            data[used++] = 0;
            a->flags |= QT_ARG_TRUNCATED;
            break;
        }
        used += (size_t)n;
        data[used++] = 0;
    }
    a->len = (uint16_t)used;
}

static void fmt_strv(const struct qt_arg *a, const uint8_t *data, struct qt_sb *out)
{
    qt_sb_putc(out, '[');
    size_t i = 0, k = 0;
    while (data && i < a->len) {
        const uint8_t *nul = memchr(data + i, 0, a->len - i);
        size_t n = nul ? (size_t)(nul - (data + i)) : a->len - i;
        if (k++)
            qt_sb_puts(out, ", ");
        qt_sb_put_cquoted(out, (const char *)data + i, n);
        i += n + 1;
    }
    if (a->flags & QT_ARG_TRUNCATED)
        qt_sb_puts(out, k ? ", ..." : "...");
    qt_sb_putc(out, ']');
}

static void fmt_exitcode(const struct qt_arg *a, const uint8_t *data, struct qt_sb *out)
{
    (void)data;
    uint64_t c = qt_arg_low_bits(a->value, a->bits);
    unsigned sig = (unsigned)(c & 0x7f);
    if (sig == 0) {
        qt_sb_printf(out, "status %u", (unsigned)((c >> 8) & 0xff));
        return;
    }
    qt_sb_puts(out, "signal ");
    qt_sa_format_arch(QT_ARCH_X86_64, QT_SA_SIGNAL, sig, out);
    if (c & 0x80)
        qt_sb_puts(out, " (core dumped)");
}

/* ---- the table ------------------------------------------------------------------------ */

const struct qt_argtype qt_kargtypes[] = {
    { "task", QT_T_TASK, 64, "struct task_struct *: {pid, tgid, ppid, uid, comm}", decode_task, fmt_task },
    { "cred", QT_T_CRED, 64, "struct cred *: {uid, gid, euid, egid, cap_effective}", decode_cred, fmt_cred },
    { "inode", QT_T_INODE, 64, "struct inode *: {ino, mode, size, uid}", decode_inode, fmt_inode },
    { "dentry", QT_T_DENTRY, 64, "struct dentry *: its path in its file system (walking d_parent)", decode_dentry,
      qt_arg_fmt_str },
    { "path", QT_T_PATH, 64, "struct path *: the full path, across mount points", decode_path, qt_arg_fmt_str },
    { "file", QT_T_FILE, 64, "struct file *: {path, flags, pos}", decode_file, fmt_file },
    { "sockaddr", QT_T_SOCKADDR, 64, "struct sockaddr *: {family, address:port} (AF_INET, AF_INET6, AF_UNIX path)",
      decode_sockaddr, fmt_sockaddr },
    { "socket", QT_T_SOCKET, 64, "struct socket *: {family, local address:port -> remote address:port}",
      decode_socket, fmt_sock },
    { "sock", QT_T_SOCK, 64, "struct sock *: the same as socket", decode_sock, fmt_sock },
    { "module", QT_T_MODULE, 64, "struct module *: {name, base, size}", decode_module, fmt_module },
    { "argv", QT_T_STRV, 64, "char **, NULL-terminated: [\"a\", \"b\"] (at most 32 strings, 256 bytes)", decode_strv,
      fmt_strv },
    { "exit", QT_T_EXITCODE, 32, "wait status / do_exit() code: status N, or signal SIGxxx", NULL, fmt_exitcode },
};
const size_t qt_nkargtypes = sizeof(qt_kargtypes) / sizeof(qt_kargtypes[0]);
