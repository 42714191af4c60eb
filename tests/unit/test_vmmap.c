/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Memory maps in a trace (cli/vmmap.c): /proc/PID/maps lines, the areas of a record (bounded),
 * the changes between two maps, --maps-at's times and the map at a point. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kintro.h"
#include "tap.h"
#include "tracebuild.h"
#include "vmmap.h"

struct area {
    uint64_t start, end, off, ino;
    uint32_t dev;
    uint16_t flags;
    const char *name;
};

/* A QT_REC_VMA record of pid at ts with the areas given; name_len_over: a corrupt length. */
static void qb_vma(struct qb *b, uint32_t pid, uint64_t ts, uint64_t cause, const struct area *a, size_t n,
                   uint16_t name_len_over)
{
    size_t start = b->len;
    struct qt_rec_call c;
    memset(&c, 0, sizeof(c));
    c.h.type = QT_REC_VMA;
    c.tid = c.pid = pid;
    c.ts_ns = ts;
    c.func = cause;
    qb_put(b, &c, sizeof(c));
    for (size_t i = 0; i < n; i++) {
        struct qt_vma e = { a[i].start, a[i].end, a[i].off, a[i].ino, a[i].dev, a[i].flags, 0 };
        size_t nl = a[i].name ? strlen(a[i].name) : 0;
        e.name_len = (uint16_t)(i == n - 1 && name_len_over ? name_len_over : nl);
        qb_put(b, &e, sizeof(e));
        qb_put(b, a[i].name ? a[i].name : "", nl);
        qb_pad8(b);
    }
    ((struct qt_rec_call *)(b->buf + start))->h.size = (uint16_t)(b->len - start);
    b->nrec++;
}

#define RW (QT_VMA_READ | QT_VMA_WRITE)
#define RX (QT_VMA_READ | QT_VMA_EXEC)
static const struct area map1[] = {
    { 0x400000, 0x401000, 0, 68, 2, QT_VMA_READ | QT_VMA_FILE, "/progs/vmmap" },
    { 0x401000, 0x47a000, 0x1000, 68, 2, RX | QT_VMA_FILE, "/progs/vmmap" },
    { 0x7fdea9ea1000, 0x7fdea9ea9000, 0, 0, 0, RW, NULL },
    { 0x7ffd19fdb000, 0x7ffd19ffc000, 0, 0, 0, RW, "[stack]" },
};
/* after mprotect(0x7fdea9ea3000, 2 pages, PROT_READ) */
static const struct area map2[] = {
    { 0x400000, 0x401000, 0, 68, 2, QT_VMA_READ | QT_VMA_FILE, "/progs/vmmap" },
    { 0x401000, 0x47a000, 0x1000, 68, 2, RX | QT_VMA_FILE, "/progs/vmmap" },
    { 0x7fdea9ea1000, 0x7fdea9ea3000, 0, 0, 0, RW, NULL },
    { 0x7fdea9ea3000, 0x7fdea9ea5000, 0, 0, 0, QT_VMA_READ, NULL },
    { 0x7fdea9ea5000, 0x7fdea9ea9000, 0, 0, 0, RW, NULL },
    { 0x7ffd19fdb000, 0x7ffd19ffc000, 0, 0, 0, RW, "[stack]" },
};

static struct qt_sb diff_out;
static void diff_line(void *ctx, char sign, const struct qtv_area *a)
{
    (void)ctx;
    qt_sb_printf(&diff_out, "%c ", sign);
    qtv_area_line(a, &diff_out);
    qt_sb_putc(&diff_out, '\n');
}

/* The output of qtv_maps_at into a string (caller frees); *n its return value. */
static char *maps_at(const struct qtr *r, uint64_t ts, uint32_t pid, long *n)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    *n = qtv_maps_at(r, ts, pid, f);
    fclose(f);
    return buf;
}

int main(void)
{
    if (tmpdir_make("vmmap") != 0)
        return 1;
    /* ---- lines: the kernel's show_map_vma, padding included ---- */
    struct qt_sb sb;
    qt_sb_init(&sb);
    struct qtv_area a = { { 0x400000, 0x401000, 0, 68, 2, QT_VMA_READ | QT_VMA_FILE, 12 }, "/progs/vmmap" };
    qtv_area_line(&a, &sb);
    is_str(sb.buf, "00400000-00401000 r--p 00000000 00:02 68                                 /progs/vmmap",
           "a file's line: the name at column 74, as /proc/PID/maps pads it");
    qt_sb_reset(&sb);
    a = (struct qtv_area){ { 0x7fdea9ea1000, 0x7fdea9ea3000, 0, 0, 0, RW | QT_VMA_SHARED, 0 }, "" };
    qtv_area_line(&a, &sb);
    is_str(sb.buf, "7fdea9ea1000-7fdea9ea3000 rw-s 00000000 00:00 0 ", "an anonymous line ends with a space; shared is s");
    qt_sb_reset(&sb);
    a = (struct qtv_area){ { 0x1000, 0x2000, 0x5000, 12345678, (8u << 20) | 1, RX | QT_VMA_FILE, 7 }, "/a\nb\"c\x01" };
    qtv_area_line(&a, &sb);
    ok(strstr(sb.buf, "00005000 08:01 12345678 ") && !strchr(sb.buf, '\n') && !strchr(sb.buf, '\x01'),
       "major:minor from the kernel's dev_t; a guest name's newline and control bytes are escaped: %s", sb.buf);
    qt_sb_reset(&sb);
    a = (struct qtv_area){ { 0x1000, 0x2000, 0, 1, 0, QT_VMA_READ | QT_VMA_FILE | QT_VMA_NAME_UNREADABLE, 0 }, "" };
    qtv_area_line(&a, &sb);
    ok(strstr(sb.buf, " <unreadable path>") != NULL, "a file whose path could not be read says so: %s", sb.buf);
    qt_sb_free(&sb);

    /* ---- a kernel without the maple tree's layouts: said, naming the field ---- */
    static struct qt_kintro ki;
    char err[512] = "";
    qt_klayout_init(&ki.L);
    ki.img.path = "old-vmlinuz";
    is_int(qt_kintro_check_vmmap(&ki, err, sizeof(err)), -ENOENT, "no layouts: refused");
    is_str(err, "--vmmap: old-vmlinuz has no task_struct.mm in its structure layouts: qtrace reads memory maps from "
                "the maple tree of Linux 6.1 and later (mm_struct.mm_mt), with the kernel's BTF", "the message names the field");
    for (size_t i = 0; i < qt_kfield_count; i++)
        ((struct qt_kfield *)qt_klayout_at(&ki.L, i))->found = true;
    ki.L.mm_mt_root.found = false;
    qt_kintro_check_vmmap(&ki, err, sizeof(err));
    ok(strstr(err, "has no mm_struct.mm_mt.ma_root ") != NULL, "a 5.x kernel (no mm_mt): %s", err);
    for (size_t i = 0; i < qt_kfield_count; i++)
        ((struct qt_kfield *)qt_klayout_at(&ki.L, i))->found = true;
    is_int(qt_kintro_check_vmmap(&ki, err, sizeof(err)), 0, "every field: accepted");

    /* ---- --maps-at times ---- */
    uint64_t t;
    ok(qtv_parse_when("end", &t) && t == UINT64_MAX, "end");
    ok(qtv_parse_when("2.5", &t) && t == 2500000000u, "2.5 = 2.5 s");
    ok(qtv_parse_when("2.5s", &t) && t == 2500000000u, "2.5s");
    ok(qtv_parse_when("2500ms", &t) && t == 2500000000u, "2500ms");
    ok(qtv_parse_when("106469976.665us", &t) && t == 106469976665u, "the JSON's ts in us, to the ns");
    ok(qtv_parse_when("7ns", &t) && t == 7, "7ns");
    ok(!qtv_parse_when("soon", &t) && !qtv_parse_when("-1", &t) && !qtv_parse_when("2h", &t) &&
           !qtv_parse_when("", &t) && !qtv_parse_when("1e99", &t),
       "soon, -1, 2h, an empty time and 1e99 are refused");

    /* ---- a trace: two maps of pid 85, one of pid 90, 85 exits ---- */
    struct qb b;
    qb_init(&b, QT_MODE_SYSTEM, 0);
    qb_chunk(&b, 0);
    qb_vma(&b, 85, 100, 59, map1, 4, 0);
    qb_vma(&b, 90, 150, 9, map1, 1, 0);
    qb_vma(&b, 85, 200, 10, map2, 6, 0);
    qb_vma(&b, 90, 250, 9, map2, 3, 500); /* its last area's name runs past the record */
    qb_call(&b, QT_REC_PROC, 0, 85, 0, 0, 0, 300, 0, QT_PROC_EXIT, 0, 0, NULL);
    ((struct qt_rec_call *)(b.buf + b.len - sizeof(struct qt_rec_call)))->pid = 85;
    qb_close_chunk(&b);
    struct qtr r;
    if (open_built(&r, &b, "vmmap.qtr") != 0)
        return 1;
    ok(r.st.has_vmmap && r.st.unknown == 0 && r.st.events == 0, "the reader knows the maps; they are not call events");

    /* changes between the two maps of 85 */
    const struct qt_rec_call *m1 = (const struct qt_rec_call *)(b.buf + sizeof(struct qt_file_hdr) + sizeof(struct qt_chunk_hdr));
    const struct qt_rec_call *m2 = (const struct qt_rec_call *)((const uint8_t *)m1 + m1->h.size);
    m2 = (const struct qt_rec_call *)((const uint8_t *)m2 + m2->h.size);
    qt_sb_init(&diff_out);
    is_int(qtv_diff(m1, m2, diff_line, NULL), 4, "mprotect of the middle of an area: 4 changes");
    is_str(diff_out.buf,
           "- 7fdea9ea1000-7fdea9ea9000 rw-p 00000000 00:00 0 \n"
           "+ 7fdea9ea1000-7fdea9ea3000 rw-p 00000000 00:00 0 \n"
           "+ 7fdea9ea3000-7fdea9ea5000 r--p 00000000 00:00 0 \n"
           "+ 7fdea9ea5000-7fdea9ea9000 rw-p 00000000 00:00 0 \n",
           "the area that was split goes, its three parts come, in address order");
    qt_sb_reset(&diff_out);
    is_int(qtv_diff(NULL, m1, diff_line, NULL), 4, "a first map: every area is new");
    is_int(qtv_diff(m2, m2, diff_line, NULL), 0, "a map and itself: no change");
    qt_sb_free(&diff_out);

    /* the map at a point */
    long n;
    char *s = maps_at(&r, 150, 85, &n);
    is_int(n, 1, "at 150 ns, pid 85: one process");
    ok(strncmp(s, "# pid 85: map of 0.000000100s, after execve by tid 85\n00400000-00401000 r--p", 75) == 0,
       "its header and first line: %.90s", s);
    ok(strstr(s, "7fdea9ea1000-7fdea9ea9000 rw-p") != NULL, "the map before the mprotect");
    free(s);
    s = maps_at(&r, 200, 0, &n);
    is_int(n, 2, "at 200 ns: pids 85 and 90");
    ok(strstr(s, "7fdea9ea3000-7fdea9ea5000 r--p") != NULL && strstr(s, "# pid 90") > strstr(s, "# pid 85"),
       "85's map after the mprotect (a change at the very time counts), then 90's");
    free(s);
    s = maps_at(&r, 400, 0, &n);
    is_int(n, 1, "at 400 ns: 85 has exited, only 90");
    ok(strstr(s, "# pid 90") && !strstr(s, "/progs/vmmap\n7ffd"), "90's last map, its corrupt area left out: %s", s);
    free(s);
    s = maps_at(&r, UINT64_MAX, 85, &n);
    is_int(n, 1, "at the end: 85's last map, although it exited");
    free(s);
    s = maps_at(&r, 50, 0, &n);
    is_int(n, 0, "before any map: none");
    free(s);
    qtr_close(&r);
    free(b.buf);
    tmpdir_remove();
    return done_testing();
}
