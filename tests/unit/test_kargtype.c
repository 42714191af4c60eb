/* Kernel argument types (task, cred, inode, dentry, path, file, sockaddr, socket, sock, module,
 * argv, exit): decoded from a fake kernel memory through struct qt_mem, then formatted. */
#include <errno.h>
#include <stdlib.h>

#include "argfmt.h"
#include "argspec.h"
#include "argtype.h"
#include "kargtype.h"
#include "tap.h"

/* ---- a sparse fake guest memory: readable regions, everything else unreadable ------------- */

#define MAXREG 64
struct region {
    uint64_t base;
    uint8_t bytes[512];
};
static struct region regs[MAXREG];
static int nregs;

static struct region *region_at(uint64_t addr)
{
    for (int i = 0; i < nregs; i++)
        if (addr >= regs[i].base && addr - regs[i].base < sizeof(regs[i].bytes))
            return &regs[i];
    return NULL;
}

static bool fake_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
    (void)ctx;
    uint8_t *b = buf;
    for (size_t i = 0; i < len; i++) {
        struct region *r = region_at(addr + i);
        if (!r)
            return false;
        b[i] = r->bytes[addr + i - r->base];
    }
    return true;
}

static const struct qt_mem mem = { fake_read, NULL };

static void mem_reset(void)
{
    nregs = 0;
    memset(regs, 0, sizeof(regs));
}

/* A readable object of 512 bytes at base. */
static void obj(uint64_t base)
{
    if (nregs < MAXREG) {
        regs[nregs].base = base;
        memset(regs[nregs].bytes, 0, sizeof(regs[nregs].bytes));
        nregs++;
    }
}

static void put(uint64_t addr, const void *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct region *r = region_at(addr + i);
        if (r)
            r->bytes[addr + i - r->base] = ((const uint8_t *)p)[i];
    }
}

static void put64(uint64_t addr, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    put(addr, b, 8);
}

static void put32(uint64_t addr, uint32_t v)
{
    uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
    put(addr, b, 4);
}

static void put16(uint64_t addr, uint16_t v)
{
    uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
    put(addr, b, 2);
}

static void putstr(uint64_t addr, const char *s)
{
    put(addr, s, strlen(s) + 1);
}

/* ---- the fake kernel's layout -------------------------------------------------------------- */

static struct qt_koffsets ko;

static void set_layout(void)
{
    qt_koffsets_init(&ko);
    ko.task_pid = 0x10;
    ko.task_tgid = 0x14;
    ko.task_real_parent = 0x20;
    ko.task_real_cred = 0x28;
    ko.task_comm = 0x40;
    ko.cred_uid = 0x04;
    ko.cred_gid = 0x08;
    ko.cred_euid = 0x14;
    ko.cred_egid = 0x18;
    ko.cred_cap_effective = 0x48;
    ko.inode_i_mode = 0x00;
    ko.inode_i_uid = 0x04;
    ko.inode_i_ino = 0x40;
    ko.inode_i_size = 0x50;
    ko.dentry_d_parent = 0x18;
    ko.dentry_d_name_len = 0x24;
    ko.dentry_d_name_name = 0x28;
    ko.file_f_path_mnt = 0x10;
    ko.file_f_path_dentry = 0x18;
    ko.file_f_flags = 0x40;
    ko.file_f_pos = 0x48;
    ko.path_mnt = 0x00;
    ko.path_dentry = 0x08;
    ko.mount_parent = 0x10;
    ko.mount_mountpoint = 0x18;
    ko.mount_mnt = 0x20;
    ko.vfsmount_root = 0x00;
    ko.sock_daddr = 0x00;
    ko.sock_rcv_saddr = 0x04;
    ko.sock_dport = 0x0c;
    ko.sock_num = 0x0e;
    ko.sock_family = 0x10;
    ko.socket_sk = 0x18;
    ko.module_name = 0x18;
    ko.module_base = 0x140;
    ko.module_size = 0x148;
    qt_argtype_set_koffsets(&ko);
}

#define K(x) (0xffff888000000000ull + (uint64_t)(x) * 0x1000)

/* A dentry at addr named name (string stored at addr + 0x100), parent p (itself for a root). */
static void dentry(uint64_t addr, const char *name, uint64_t parent)
{
    obj(addr);
    put64(addr + ko.dentry_d_parent, parent);
    put32(addr + ko.dentry_d_name_len, (uint32_t)strlen(name));
    put64(addr + ko.dentry_d_name_name, addr + 0x100);
    putstr(addr + 0x100, name);
}

/* ---- decode + format ------------------------------------------------------------------------ */

static uint8_t last_flags;
static uint16_t last_len;

static const char *show_cap(const char *type, uint64_t value, size_t cap)
{
    return decode_format(&mem, type, value, cap, &last_flags, &last_len);
}

static const char *show(const char *type, uint64_t value)
{
    return show_cap(type, value, QT_STR_MAX);
}

/* ---- tests ---------------------------------------------------------------------------------- */

static void test_table(void)
{
    static const char *const names[] = { "task", "cred", "inode", "dentry", "path", "file", "sockaddr",
                                         "socket", "sock", "module", "argv", "exit" };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        const struct qt_argtype *t = qt_argtype_by_name(names[i]);
        ok(t && t->id >= 32 && qt_argtype_by_id(t->id) == t && t->format && t->help && t->help[0],
           "type %s: id >= 32, one table row, a format and help", names[i]);
    }
    struct qt_argspec sp;
    char err[256];
    int r = qt_argspec_parse("do_sys_openat2@arg1/task,arg2/s,arg3/file", &sp, err, sizeof(err));
    ok(r == 0 && sp.nslots == 3 && sp.slots[0].type == QT_T_TASK && sp.slots[2].type == QT_T_FILE,
       "specs accept kernel types");
    r = qt_argspec_parse("commit_creds@arg1/creds", &sp, err, sizeof(err));
    ok(r == -EINVAL && strstr(err, "unknown type 'creds'") && strstr(err, " cred "), "unknown kernel type: known list has cred");
}

static void test_task(void)
{
    mem_reset();
    uint64_t t = K(1), parent = K(2), cred = K(3);
    obj(t);
    obj(parent);
    obj(cred);
    put32(t + ko.task_pid, 58);
    put32(t + ko.task_tgid, 57);
    put64(t + ko.task_real_parent, parent);
    put64(t + ko.task_real_cred, cred);
    putstr(t + ko.task_comm, "calls");
    put32(parent + ko.task_tgid, 1);
    put32(cred + ko.cred_uid, 1000);
    is_str(show("task", t), "{pid=58, tgid=57, ppid=1, uid=1000, comm=\"calls\"}", "task: ids, parent, uid, comm");
    /* a comm that fills all 16 bytes: cut at 15, as the kernel does */
    put(t + ko.task_comm, "0123456789abcdefXYZ", 16);
    put64(t + ko.task_real_parent, K(40)); /* unreadable parent */
    put64(t + ko.task_real_cred, 0);
    is_str(show("task", t), "{pid=58, tgid=57, comm=\"0123456789abcde\"}", "task: 16-byte comm, unreadable parent, no cred");
    putstr(t + ko.task_comm, "a\"b\n");
    is_str(show("task", t), "{pid=58, tgid=57, comm=\"a\\\"b\\n\"}", "task: comm escaped");
    is_str(show("task", 0), "NULL", "task: NULL");
    is_str(show("task", K(50)), "<unreadable 0xffff888000032000>", "task: unreadable pointer");
    ok(last_flags == QT_ARG_UNREADABLE && last_len == 0, "task: unreadable flag, no data");
    is_str(show_cap("task", t, 8), "<unreadable 0xffff888000001000>", "task: no room for the data: unreadable, nothing written");
    qt_argtype_set_koffsets(NULL);
    is_str(show("task", t), "<unreadable 0xffff888000001000>", "task: no layout: unreadable");
    qt_argtype_set_koffsets(&ko);
}

static void test_cred_inode(void)
{
    mem_reset();
    uint64_t c = K(1), i = K(2);
    obj(c);
    obj(i);
    put32(c + ko.cred_uid, 1000);
    put32(c + ko.cred_gid, 1001);
    put32(c + ko.cred_euid, 0);
    put32(c + ko.cred_egid, 1002);
    put64(c + ko.cred_cap_effective, 0x1ffffffffffull);
    is_str(show("cred", c), "{uid=1000, gid=1001, euid=0, egid=1002, cap_effective=0x1ffffffffff}", "cred: ids and capabilities");
    struct qt_koffsets k2 = ko;
    k2.cred_cap_effective = QT_KOFF_NONE;
    qt_argtype_set_koffsets(&k2);
    is_str(show("cred", c), "{uid=1000, gid=1001, euid=0, egid=1002}", "cred: capabilities unknown: left out");
    qt_argtype_set_koffsets(&ko);
    is_str(show("cred", K(99)), "<unreadable 0xffff888000063000>", "cred: unreadable");

    put16(i + ko.inode_i_mode, 0100644);
    put32(i + ko.inode_i_uid, 0);
    put64(i + ko.inode_i_ino, 1234);
    put64(i + ko.inode_i_size, 1179);
    is_str(show("inode", i), "{ino=1234, mode=S_IFREG|0644, size=1179, uid=0}", "inode: regular file");
    put16(i + ko.inode_i_mode, 041777);
    is_str(show("inode", i), "{ino=1234, mode=S_IFDIR|1777, size=1179, uid=0}", "inode: sticky directory");
    put16(i + ko.inode_i_mode, 0777);
    is_str(show("inode", i), "{ino=1234, mode=0777, size=1179, uid=0}", "inode: mode without a type");
}

static void test_dentry_path_file(void)
{
    mem_reset();
    /* rootfs: / -> etc -> passwd; tmpfs mounted on /tmp: its root -> x */
    uint64_t root = K(1), etc = K(2), passwd = K(3), tmpdir = K(4), troot = K(5), x = K(6);
    dentry(root, "/", root);
    dentry(etc, "etc", root);
    dentry(passwd, "passwd", etc);
    dentry(tmpdir, "tmp", root);
    dentry(troot, "/", troot);
    dentry(x, "x", troot);
    is_str(show("dentry", passwd), "\"/etc/passwd\"", "dentry: full path by d_parent");
    is_str(show("dentry", root), "\"/\"", "dentry: the root");
    is_str(show("dentry", x), "\"/x\"", "dentry: path within its own file system");
    is_str(show("dentry", 0), "NULL", "dentry: NULL");
    is_str(show("dentry", K(77)), "<unreadable 0xffff88800004d000>", "dentry: unreadable");

    /* mounts: rootfs mount R (its own parent), tmpfs mount T on /tmp */
    uint64_t R = K(10), T = K(11);
    obj(R);
    obj(T);
    put64(R + ko.mount_parent, R);
    put64(R + ko.mount_mnt + ko.vfsmount_root, root);
    put64(T + ko.mount_parent, R);
    put64(T + ko.mount_mountpoint, tmpdir);
    put64(T + ko.mount_mnt + ko.vfsmount_root, troot);
    uint64_t p = K(12);
    obj(p);
    put64(p + ko.path_mnt, T + ko.mount_mnt);
    put64(p + ko.path_dentry, x);
    is_str(show("path", p), "\"/tmp/x\"", "path: across a mount point");
    put64(p + ko.path_dentry, troot);
    is_str(show("path", p), "\"/tmp\"", "path: a mount's root is its mount point");
    put64(p + ko.path_mnt, R + ko.mount_mnt);
    put64(p + ko.path_dentry, passwd);
    is_str(show("path", p), "\"/etc/passwd\"", "path: in the root mount");

    uint64_t f = K(13);
    obj(f);
    put64(f + ko.file_f_path_mnt, T + ko.mount_mnt);
    put64(f + ko.file_f_path_dentry, x);
    put32(f + ko.file_f_flags, 0100000 | 02 | 02000000);
    put64(f + ko.file_f_pos, 42);
    is_str(show("file", f), "{path=\"/tmp/x\", flags=O_RDWR|O_LARGEFILE|O_CLOEXEC, pos=42}", "file: path, flags, pos");
    put64(f + ko.file_f_path_dentry, 0);
    put32(f + ko.file_f_flags, 0);
    is_str(show("file", f), "{flags=O_RDONLY, pos=42}", "file: without a dentry");

    /* a d_parent cycle that never reaches a root: cut at the depth limit */
    uint64_t a = K(20), b = K(21);
    dentry(a, "a", b);
    dentry(b, "b", a);
    const char *s = show("dentry", a);
    ok(strncmp(s, "\"...", 4) == 0 && strstr(s, "/b/a\"...") && (last_flags & QT_ARG_TRUNCATED), "dentry: cycle cut at %d levels: %.40s...",
       QT_KPATH_DEPTH, s);
    /* an unreadable name half way: what was read, marked */
    uint64_t c = K(22), d = K(23);
    dentry(c, "c", d);
    obj(d);
    put64(d + ko.dentry_d_parent, root);
    put32(d + ko.dentry_d_name_len, 4);
    put64(d + ko.dentry_d_name_name, K(90));
    is_str(show("dentry", c), "\".../c\"...", "dentry: unreadable parent name: partial path marked");
    /* long names: the path is cut to the room there is, never past cap */
    char longname[200];
    memset(longname, 'n', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    uint64_t l1 = K(24), l2 = K(25);
    dentry(l1, longname, l2);
    dentry(l2, longname, root);
    s = show_cap("dentry", l1, 100);
    ok(strncmp(s, "\"...", 4) == 0 && last_len <= 100, "dentry: path longer than the room: cut (%u bytes)", last_len);
    s = show("dentry", l1);
    ok(strlen(s) > 200 && last_len <= QT_STR_MAX && (last_flags & QT_ARG_TRUNCATED), "dentry: two 199-byte names in 256 bytes");
}

static void test_sockets(void)
{
    mem_reset();
    uint64_t sa = K(1);
    obj(sa);
    uint8_t in4[16] = { 2, 0, 0x1f, 0x90, 127, 0, 0, 1 };
    put(sa, in4, sizeof(in4));
    is_str(show("sockaddr", sa), "{AF_INET, 127.0.0.1:8080}", "sockaddr: AF_INET");
    uint8_t in6[28] = { 10, 0, 0, 80, 0, 0, 0, 0 };
    in6[8 + 15] = 1;
    put(sa, in6, sizeof(in6));
    is_str(show("sockaddr", sa), "{AF_INET6, [::1]:80}", "sockaddr: AF_INET6 loopback");
    uint8_t in6b[28] = { 10, 0, 0x01, 0xbb, 0, 0, 0, 0, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5 };
    in6b[27] = 0;
    in6b[23] = 5;
    put(sa, in6b, sizeof(in6b));
    is_str(show("sockaddr", sa), "{AF_INET6, [2001:db8::5]:443}", "sockaddr: AF_INET6 with ::");
    uint8_t un[16] = { 1, 0, '/', 't', 'm', 'p', '/', 's', 0 };
    put(sa, un, sizeof(un));
    is_str(show("sockaddr", sa), "{AF_UNIX, \"/tmp/s\"}", "sockaddr: AF_UNIX path");
    uint8_t abs[16] = { 1, 0, 0, 'x', 'y', 0 };
    put(sa, abs, sizeof(abs));
    is_str(show("sockaddr", sa), "{AF_UNIX, @\"xy\"}", "sockaddr: AF_UNIX abstract name");
    uint8_t nl[16] = { 16, 0 };
    put(sa, nl, sizeof(nl));
    is_str(show("sockaddr", sa), "{AF_NETLINK}", "sockaddr: other families by name");
    uint8_t odd[16] = { 99, 0 };
    put(sa, odd, sizeof(odd));
    is_str(show("sockaddr", sa), "{family=99}", "sockaddr: unknown family");
    /* an AF_INET sockaddr at the end of readable memory */
    uint64_t edge = sa + 512 - 4;
    uint8_t e4[4] = { 2, 0, 0, 1 };
    put(edge, e4, 4);
    is_str(show("sockaddr", edge), "{AF_INET, ...}", "sockaddr: cut short by unreadable memory");
    is_str(show("sockaddr", K(60)), "<unreadable 0xffff88800003c000>", "sockaddr: unreadable");

    uint64_t sock = K(2), socket = K(3);
    obj(sock);
    obj(socket);
    put16(sock + ko.sock_family, 2);
    uint8_t la[4] = { 10, 0, 2, 15 }, ra[4] = { 10, 0, 2, 2 };
    put(sock + ko.sock_rcv_saddr, la, 4);
    put16(sock + ko.sock_num, 22);
    put(sock + ko.sock_daddr, ra, 4);
    put16(sock + ko.sock_dport, 0x34d2); /* network order 0xd234 = 53812 */
    put64(socket + ko.socket_sk, sock);
    is_str(show("socket", socket), "{AF_INET, 10.0.2.15:22 -> 10.0.2.2:53812}", "socket: local -> remote");
    is_str(show("sock", sock), "{AF_INET, 10.0.2.15:22 -> 10.0.2.2:53812}", "sock: the same from the sock");
    put(sock + ko.sock_daddr, "\0\0\0\0", 4);
    put16(sock + ko.sock_dport, 0);
    is_str(show("sock", sock), "{AF_INET, 10.0.2.15:22}", "sock: unconnected: no remote");
    put16(sock + ko.sock_family, 1);
    is_str(show("sock", sock), "{AF_UNIX}", "sock: AF_UNIX: family only");
    put64(socket + ko.socket_sk, 0);
    is_str(show("socket", socket), "<unreadable 0xffff888000003000>", "socket: without a sock");
}

static void test_module_argv_exit(void)
{
    mem_reset();
    uint64_t m = K(1);
    obj(m);
    putstr(m + ko.module_name, "e1000");
    put64(m + ko.module_base, 0xffffffffc0a00000ull);
    put32(m + ko.module_size, 122880);
    is_str(show("module", m), "{name=\"e1000\", base=0xffffffffc0a00000, size=122880}", "module: name, base, size");

    uint64_t v = K(2), s = K(3);
    obj(v);
    obj(s);
    putstr(s, "cat");
    putstr(s + 8, "/etc/passwd");
    put64(v, s);
    put64(v + 8, s + 8);
    put64(v + 16, 0);
    is_str(show("argv", v), "[\"cat\", \"/etc/passwd\"]", "argv: two strings");
    put64(v + 8, 0);
    is_str(show("argv", v), "[\"cat\"]", "argv: one");
    put64(v, 0);
    is_str(show("argv", v), "[]", "argv: empty");
    is_str(show("argv", 0), "NULL", "argv: NULL");
    put64(v, K(80));
    ok(strcmp(show("argv", v), "[...]") == 0 && (last_flags & QT_ARG_TRUNCATED), "argv: unreadable string: marked");
    for (int i = 0; i < 40; i++)
        put64(v + 8 * (uint64_t)i, s);
    put64(v + 8 * 40, 0);
    const char *o = show("argv", v);
    ok(strstr(o, "\"cat\", ...]") && (last_flags & QT_ARG_TRUNCATED), "argv: more than %d strings: cut", QT_STRV_MAX);

    is_str(show("exit", 0), "status 0", "exit: status 0");
    is_str(show("exit", 3 << 8), "status 3", "exit: status 3");
    is_str(show("exit", 9), "signal SIGKILL", "exit: killed");
    is_str(show("exit", 0x80 | 11), "signal SIGSEGV (core dumped)", "exit: core dump");
}

int main(void)
{
    set_layout();
    test_table();
    test_task();
    test_cred_inode();
    test_dentry_path_file();
    test_sockets();
    test_module_argv_exit();
    return done_testing();
}
