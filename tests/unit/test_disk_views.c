/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The disk views of a trace: block requests (QT_REC_DISK) in text and the disk summary, and the
 * files of QT_REC_FILEW records rebuilt by --files-written, from traces built in memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "disk_view.h"
#include "files_view.h"
#include "kargtype.h"
#include "tap.h"
#include "tracebuild.h"
#include "writer.h"

/* A QT_T_FILE argument with path: its data is struct qt_kd_file then the path */
static struct targ file_arg(char *buf, const char *path)
{
    struct qt_kd_file d = { QT_KD_FPATH | QT_KD_FFLAGS, 01, 0 };
    memcpy(buf, &d, sizeof(d));
    memcpy(buf + sizeof(d), path, strlen(path));
    return (struct targ){ 1, QT_T_FILE, 64, 0, 0xffff888000001000, buf, sizeof(d) + strlen(path) };
}

static void filew(struct qb *b, uint64_t ts, uint64_t kind, int n, const struct targ *args)
{
    struct targ a[8];
    memcpy(a, args, (size_t)n * sizeof(*a));
    a[n] = (struct targ){ 9, QT_T_STR, 64, 0, 0, "writer", 6 };
    size_t start = b->len;
    qb_call(b, QT_REC_FILEW, 0, 70, 0, 0, 0, ts, 0, kind, 0, n + 1, a);
    ((struct qt_rec_call *)(b->buf + start))->pid = 70;
}

/* a byte string argument (data of a write: value = its length) */
#define BYTES(p, s) { (p), QT_T_STR, 64, 0, sizeof(s) - 1, (s), sizeof(s) - 1 }

static void build(struct qb *b)
{
    char f1[64], f2[64], f3[64], f4[64];
    qb_init(b, QT_MODE_SYSTEM, 0);
    qb_chunk(b, 0);
    struct targ tab = file_arg(f1, "/mnt/a\tb");
    filew(b, 1000000000, QT_FILEW_WRITE, 3, (const struct targ[]){ tab, I64(2, 0), BYTES(3, "hello") });
    filew(b, 1100000000, QT_FILEW_WRITE, 3, (const struct targ[]){ tab, I64(2, 10), BYTES(3, "XY") });
    struct targ unread = { 3, QT_T_STR, 64, QT_ARG_UNREADABLE, 3, NULL, 0 };
    filew(b, 1200000000, QT_FILEW_WRITE, 3, (const struct targ[]){ tab, I64(2, 2), unread });
    struct targ evil = file_arg(f2, "/../../evil");
    filew(b, 1300000000, QT_FILEW_WRITE, 3, (const struct targ[]){ evil, I64(2, 0), BYTES(3, "no") });
    struct targ rel = file_arg(f3, "/mnt/rel.txt");
    filew(b, 1400000000, QT_FILEW_WRITE, 3, (const struct targ[]){ rel, I64(2, 0), BYTES(3, "moved") });
    struct targ cwd = { 3, QT_T_PATH, 64, 0, 0x2000, "/mnt", 4 };
    filew(b, 1500000000, QT_FILEW_RENAME, 3, (const struct targ[]){ STR(1, "rel.txt"), STR(2, "/mnt/r2"), cwd });
    filew(b, 1600000000, QT_FILEW_UNLINK, 1, (const struct targ[]){ STR(1, "/mnt/a\tb") });
    struct targ m = file_arg(f4, "/mnt/m");
    filew(b, 1700000000, QT_FILEW_MMAP, 3, (const struct targ[]){ m, { 2, QT_T_UINT, 64, 0, 0, NULL, 0 },
                                                                   { 3, QT_T_UINT, 64, 0, 4096, NULL, 0 } });
    struct targ issue[] = { HEX(1, 0x100), { 2, QT_T_HEX, 32, 0, 1 | 1u << 11, NULL, 0 },
                            { 3, QT_T_UINT, 64, 0, 8, NULL, 0 }, { 4, QT_T_UINT, 32, 0, 4096, NULL, 0 },
                            STR(5, "vda"), { 6, QT_T_UINT, 64, 0, 12, NULL, 0 },
                            { 7, QT_T_UINT, 32, 0, 0100644, NULL, 0 }, { 8, QT_T_DENTRY, 64, 0, 0x3000, "/f", 2 },
                            STR(9, "kworker/0:1") };
    qb_call(b, QT_REC_DISK, 0, 30, 0, 0, 0, 1800000000, 0, QT_DISK_ISSUE, 0, 9, issue);
    qb_call(b, QT_REC_DISK, 0, 0, 0, 0, 0, 1801000000, 0, QT_DISK_DONE, 0, 2,
            (const struct targ[]){ HEX(1, 0x100), { 2, QT_T_INT, 8, 0, 0, NULL, 0 } });
    qb_call(b, QT_REC_DISK, 0, 0, 0, 0, 0, 1802000000, 0, QT_DISK_DONE, 0, 2,
            (const struct targ[]){ HEX(1, 0x999), { 2, QT_T_INT, 8, 0, 10, NULL, 0 } });
    qb_end(b, 1900000000, 12, 0);
    qb_close_chunk(b);
}

static char *render(const struct qtr *r, const char *format)
{
    char *buf = NULL, err[256];
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    int rc = qtc_write_trace(r, qtc_writer_find(format), f, err, sizeof(err));
    fclose(f);
    if (rc != 0)
        printf("# %s: %s\n", format, err);
    return buf;
}

static void test_text(const struct qtr *r)
{
    char *t = render(r, "text");
    ok(t && strstr(t, "== write /mnt/a\\tb: 5 bytes at offset 0\n"), "text: a write, the tab of its path escaped");
    ok(t && strstr(t, "== write /mnt/a\\tb: 3 bytes at offset 2 (not readable in guest memory: not captured)\n"),
       "text: an unreadable piece says so");
    ok(t && strstr(t, "== rename \"/mnt/rel.txt\" -> \"/mnt/r2\"\n"), "text: a relative name joined to the cwd");
    ok(t && strstr(t, "== unlink \"/mnt/a\\tb\"\n"), "text: an unlink");
    ok(t && strstr(t, "== mmap /mnt/m: shared and writable, 4096 bytes at offset 0 (what is written through it is "
                      "not seen)\n"), "text: a shared writable mapping");
    ok(t && strstr(t, "== disk vda write 4096 bytes at sector 8 [sync] by kworker/0:1 (pid 0): file /f (inode 12)\n"),
       "text: a block request's issue");
    ok(t && strstr(t, "== disk vda write 4096 bytes at sector 8 [sync] done in 1.000 ms\n"), "text: its end");
    ok(t && strstr(t, "== disk request 0x999 ended, never started on the device"), "text: an end without its issue");
    ok(t && strstr(t, ", error (blk_status_t 10)\n"), "text: an error status");
    free(t);
    char *s = render(r, "disk");
    ok(s && strstr(s, "  vda           1      1         1.000  8-15\n"), "summary: the disk's line");
    ok(s && strstr(s, "             0         4096       0       1       0        0        0  kworker/0:1\n"),
       "summary: the process's line");
    ok(s && strstr(s, "  vda    file /f (inode 12)\n"), "summary: the file's line");
    free(s);
}

static void test_files(const struct qtr *r)
{
    char *dir = tpath("fw");
    char err[512];
    size_t n = 0;
    is_int(qtc_files_check_dir(dir, err, sizeof(err)), 0, "an absent directory may be built");
    is_int(qtc_files_build(r, dir, &n, err, sizeof(err)), 0, "built");
    is_int((int)n, 4, "four files listed");
    size_t len;
    char *a = read_all(tpath("fw/mnt/a\tb"), &len);
    ok(a && len == 12 && memcmp(a, "hello\0\0\0\0\0XY", 12) == 0, "the pieces at their offsets, the hole zeros");
    free(a);
    struct stat st;
    ok(stat(tpath("fw/%dot2/%dot2/evil"), &st) == 0, "'..' in a guest path stays inside the directory");
    char *r2 = read_all(tpath("fw/mnt/r2"), &len);
    ok(r2 && len == 5 && memcmp(r2, "moved", 5) == 0, "a renamed file is rebuilt under its new name");
    free(r2);
    ok(stat(tpath("fw/mnt/rel.txt"), &st) != 0, "... and not under its old one");
    char *l = read_all(tpath("fw/files-written.txt"), &len);
    ok(l && strstr(l, "\n/mnt/a\\tb\t12\t10\t70\twriter\t1.000000\t1.600000\tunlinked (the rebuilt copy is kept); 3 bytes "
                      "not readable in guest memory, not captured\n"), "list: the unlinked file's row");
    ok(l && strstr(l, "\n/mnt/r2\t5\t5\t70\twriter\t1.400000\t1.500000\trenamed from /mnt/rel.txt\n"),
       "list: the renamed file's row");
    ok(l && strstr(l, "\n/mnt/m\t0\t0\t70\twriter\t1.700000\t1.700000\twritten through mmap, contents not captured\n"),
       "list: the mapped file's row");
    ok(l && strstr(l, "\n1.500000\trename\t/mnt/rel.txt\t/mnt/r2\t70\twriter\n1.600000\tunlink\t/mnt/a\\tb\t\t70\twriter\n"),
       "list: the events");
    free(l);
    is_int(qtc_files_check_dir(dir, err, sizeof(err)), 0, "an earlier output may be replaced");
    is_int(qtc_files_build(r, dir, &n, err, sizeof(err)), 0, "built again over it");
    write_file(tpath("other/x"), "x", 1, 0644);
    is_int(qtc_files_check_dir(tpath("other"), err, sizeof(err)), -1, "a directory of other files is refused");
    ok(strstr(err, "not replacing it"), "... saying so: %s", err);
}

int main(void)
{
    if (tmpdir_make("disk_views") < 0)
        return 1;
    mkdir(tpath("other"), 0777);
    struct qb b;
    build(&b);
    struct qtr r;
    if (open_built(&r, &b, "views.qtr") == 0) {
        test_text(&r);
        test_files(&r);
        qtr_close(&r);
    } else {
        ok(0, "the built trace opens");
    }
    free(b.buf);
    tmpdir_remove();
    return done_testing();
}
