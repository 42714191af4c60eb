/* Recording directories (cli/rr.c): SHA-256, the manifest, the log's header, the checks a
 * replay makes, the QEMU arguments of record and replay. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rr.h"
#include "sha256.h"
#include "tap.h"
#include "trace_opts.h"

/* The plugin options qtc_rr_clock_opts gives a replay of a recording with this shift and time,
 * space-separated. */
static char *clock_opts(int shift, const char *created)
{
    struct qtc_rec r;
    memset(&r, 0, sizeof(r));
    r.icount_shift = shift;
    r.created = (char *)created;
    struct qtc_args a;
    memset(&a, 0, sizeof(a));
    qtc_rr_clock_opts(&r, &a);
    static char line[256];
    line[0] = 0;
    for (size_t i = 0; i < a.n; i++)
        snprintf(line + strlen(line), sizeof(line) - strlen(line), "%s%s", i ? " " : "", a.v[i].value);
    qtc_args_free(&a);
    return line;
}

static void write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(data, 1, n, f);
        fclose(f);
    }
}

int main(void)
{
    char dir[] = "/tmp/qtrace-test-rr.XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char err[4096], hex[65];
    char *p = qtc_rec_path(dir, "abc");
    /* FIPS 180-2 test vectors */
    write_file(p, "abc", 3);
    is_int(qtc_sha256_file(p, hex, err, sizeof(err)), 0, "sha256 of a file");
    is_str(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "sha256(\"abc\")");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    write_file(p, two, strlen(two));
    char *copy = qtc_rec_path(dir, "copy");
    is_int(qtc_sha256_file(p, hex, err, sizeof(err)), 0, "sha256 of two blocks' worth");
    is_str(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1", "sha256 of two blocks' worth");
    /* record copies the kernel and initrd with qtc_copy_file, then hashes the copies */
    is_int(qtc_copy_file(p, copy, err, sizeof(err)), 0, "copy a file");
    ok(qtc_file_size(copy) == (long long)strlen(two), "the copy has every byte");
    is_int(qtc_sha256_file(copy, hex, err, sizeof(err)), 0, "sha256 of the copy");
    is_str(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1", "the copy hashes as the original");
    write_file(p, "", 0);
    qtc_sha256_file(p, hex, err, sizeof(err));
    is_str(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "sha256 of nothing");
    ok(qtc_sha256_file("/nonexistent/x", hex, err, sizeof(err)) < 0 && strstr(err, "/nonexistent/x"),
       "unreadable file: the error names it");
    {
        /* a file of many blocks, not a whole number of them (oracle: sha256sum), hashed in the
         * background beside "abc"; then a file that is not there */
        char *big = qtc_rec_path(dir, "big");
        size_t nbig = (1u << 20) + 17;
        unsigned char *data = malloc(nbig);
        uint32_t x = 12345;
        for (size_t i = 0; i < nbig; i++) {
            x = x * 1103515245u + 12345u;
            data[i] = (unsigned char)(x >> 16);
        }
        write_file(big, data, nbig);
        free(data);
        char cmd[1024], want[65] = "";
        snprintf(cmd, sizeof(cmd), "sha256sum '%s'", big);
        FILE *ps = popen(cmd, "r");
        if (ps) {
            if (fscanf(ps, "%64s", want) != 1)
                want[0] = '\0';
            pclose(ps);
        }
        write_file(p, "abc", 3);
        char h1[65] = "", h2[65] = "";
        struct qtc_sha256_bg bg;
        memset(&bg, 0, sizeof(bg));
        qtc_sha256_bg_add(&bg, big, h1);
        qtc_sha256_bg_add(&bg, p, h2);
        is_int(qtc_sha256_bg_start(&bg), 0, "background hashing: the thread starts");
        is_int(qtc_sha256_bg_join(&bg), 0, "background hashing: both files hashed");
        ok(want[0] && strcmp(h1, want) == 0, "1 MiB + 17 bytes: the hash sha256sum gives (%s, want %s)", h1, want);
        is_str(h2, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "and sha256(\"abc\") beside it");
        memset(&bg, 0, sizeof(bg));
        qtc_sha256_bg_add(&bg, "/nonexistent/y", h1);
        ok(qtc_sha256_bg_join(&bg) < 0 && strstr(bg.err, "/nonexistent/y"),
           "not started, a missing file: hashed at the join, the error names it: %s", bg.err);
        unlink(big);
        free(big);
    }

    /* the manifest: written, read back */
    struct qtc_rec r, back;
    memset(&r, 0, sizeof(r));
    r.dir = strdup(dir);
    r.state = strdup("complete");
    r.qemu_version = strdup("QEMU emulator version 10.0.2");
    r.kernel_sha256 = strdup("k");
    r.initrd_sha256 = strdup("i");
    r.append = strdup("qtrace.run=demo");
    r.mem_mb = 1024;
    r.snapshot = true;
    r.icount_known = true;
    r.icount = 6149380960ULL;
    r.icount_shift = 5;
    r.extra[r.nextra++] = strdup("-device");
    r.extra[r.nextra++] = strdup("virtio-rng-pci");
    is_int(qtc_rec_write(&r, err, sizeof(err)), 0, "manifest written");
    is_int(qtc_rec_read(&back, dir, err, sizeof(err)), 0, "manifest read");
    is_str(back.state, "complete", "state");
    is_str(back.qemu_version, "QEMU emulator version 10.0.2", "QEMU version");
    is_str(back.append, "qtrace.run=demo", "append");
    ok(back.mem_mb == 1024 && back.snapshot && !back.net, "memory, snapshot, network");
    ok(back.icount_known && back.icount == 6149380960ULL, "instructions");
    ok(back.nextra == 2 && strcmp(back.extra[1], "virtio-rng-pci") == 0, "extra QEMU arguments, in order");
    is_int(back.icount_shift, 5, "icount shift");
    is_int(back.format, 3, "a fixed icount shift is format 3 (an older qtrace would replay it with shift=auto)");

    /* the format: the lowest that has what the recording needs */
    {
        struct qtc_rec f;
        r.icount_shift = QTC_REC_SHIFT_AUTO;
        qtc_rec_write(&r, err, sizeof(err));
        ok(qtc_rec_read(&f, dir, err, sizeof(err)) == 0 && f.format == 1 && f.icount_shift == QTC_REC_SHIFT_AUTO,
           "shift auto, no disk: format 1");
        qtc_rec_free(&f);
        r.disk_source = strdup("/d/disk.img");
        qtc_rec_write(&r, err, sizeof(err));
        ok(qtc_rec_read(&f, dir, err, sizeof(err)) == 0 && f.format == 2, "shift auto, a disk: format 2");
        qtc_rec_free(&f);
        r.icount_shift = 0;
        qtc_rec_write(&r, err, sizeof(err));
        ok(qtc_rec_read(&f, dir, err, sizeof(err)) == 0 && f.format == 3 && f.icount_shift == 0,
           "shift 0, a disk: format 3, shift 0 kept");
        qtc_rec_free(&f);
        free(r.disk_source);
        r.disk_source = NULL;
        r.icount_shift = 5;
        r.net = true;
        r.nic = strdup(QTC_REC_NIC);
        qtc_rec_write(&r, err, sizeof(err));
        ok(qtc_rec_read(&f, dir, err, sizeof(err)) == 0 && f.format == 4 && f.net && f.nic &&
           strcmp(f.nic, "virtio-net-pci") == 0, "a virtio-net card: format 4 (an older qtrace would give it an e1000), nic kept");
        qtc_rec_free(&f);
        free(r.nic);
        r.nic = strdup(QTC_REC_NIC_OLD);
        qtc_rec_write(&r, err, sizeof(err));
        ok(qtc_rec_read(&f, dir, err, sizeof(err)) == 0 && f.format == 3 && strcmp(f.nic, "e1000") == 0,
           "an e1000 card, shift 5: format 3, as before cards were named");
        qtc_rec_free(&f);
        free(r.nic);
        r.nic = NULL;
        r.net = false;
        qtc_rec_write(&r, err, sizeof(err));
    }

    /* the icount shift: what record takes, and what a manifest may say */
    is_int(qtc_rec_parse_shift("auto"), QTC_REC_SHIFT_AUTO, "shift auto");
    is_int(qtc_rec_parse_shift("0"), 0, "shift 0");
    is_int(qtc_rec_parse_shift("10"), 10, "shift 10");
    ok(qtc_rec_parse_shift("11") == -2 && qtc_rec_parse_shift("-1") == -2 && qtc_rec_parse_shift("") == -2 &&
       qtc_rec_parse_shift("5x") == -2 && qtc_rec_parse_shift(" 5") == -2 && qtc_rec_parse_shift("\t5") == -2 &&
       qtc_rec_parse_shift("+5") == -2 &&
       qtc_rec_parse_shift("99999999999999999999") == -2, "shifts that are not one: 11, -1, empty, 5x, ' 5', tab 5, +5, huge");
    {
        char *mpath = qtc_rec_path(dir, QTC_REC_MANIFEST);
        char *saved = NULL, cmd[512];
        FILE *f = fopen(mpath, "r");
        if (f) {
            saved = calloc(1, 65536);
            size_t got = fread(saved, 1, 65535, f);
            saved[got] = '\0';
            fclose(f);
        }
        snprintf(cmd, sizeof(cmd), "sed -i '/^icount_shift=/d; s/^format=3$/format=1/' '%s'", mpath);
        ok(system(cmd) == 0, "a manifest without icount_shift (made before it was a choice)");
        struct qtc_rec old;
        ok(qtc_rec_read(&old, dir, err, sizeof(err)) == 0 && old.icount_shift == QTC_REC_SHIFT_AUTO,
           "no icount_shift: auto, as such recordings were made");
        qtc_rec_free(&old);
        snprintf(cmd, sizeof(cmd), "echo icount_shift=12 >>'%s'", mpath);
        ok(system(cmd) == 0, "a manifest with icount_shift=12");
        ok(qtc_rec_read(&old, dir, err, sizeof(err)) < 0 && strstr(err, "icount_shift=12: expected 0 to 10, or auto") &&
           strstr(err, "/manifest"), "icount_shift=12 refused, the file named: %s", err);
        snprintf(cmd, sizeof(cmd), "sed -i '/^icount_shift=/d; s/^net=none$/net=user/' '%s'", mpath);
        ok(system(cmd) == 0, "a network recording's manifest without nic= (made before cards were named)");
        ok(qtc_rec_read(&old, dir, err, sizeof(err)) == 0 && old.net && old.nic && strcmp(old.nic, "e1000") == 0,
           "no nic=: an e1000, as such recordings were made");
        qtc_rec_free(&old);
        snprintf(cmd, sizeof(cmd), "echo nic=rtl8139 >>'%s'", mpath);
        ok(system(cmd) == 0, "a manifest with nic=rtl8139");
        ok(qtc_rec_read(&old, dir, err, sizeof(err)) < 0 &&
           strstr(err, "nic=rtl8139: expected virtio-net-pci or e1000") && strstr(err, "/manifest"),
           "nic=rtl8139 refused, the file named: %s", err);
        f = fopen(mpath, "w");
        if (f && saved) {
            fputs(saved, f);
            fclose(f);
        }
        free(saved);
        free(mpath);
    }

    /* what a replay refuses */
    ok(qtc_rec_check(&back, "QEMU emulator version 10.0.2", err, sizeof(err)) < 0 && strstr(err, "replay.bin is missing"),
       "no log: %s", err);
    char *log = qtc_rec_path(dir, QTC_REC_LOG);
    char *snap = qtc_rec_path(dir, QTC_REC_SNAPSHOT);
    write_file(snap, "QFI", 3);
    static const unsigned char unfinished[16] = { 0 };
    write_file(log, unfinished, sizeof(unfinished));
    is_int(qtc_rec_log_final(log), 0, "a log whose header QEMU never wrote");
    ok(qtc_rec_check(&back, "QEMU emulator version 10.0.2", err, sizeof(err)) < 0 && strstr(err, "did not finalize"),
       "unfinalized log: %s", err);
    static const unsigned char finished[16] = { 0x00, 0xe0, 0x20, 0x0c };
    write_file(log, finished, sizeof(finished));
    is_int(qtc_rec_log_final(log), 1, "a finalized log");
    ok(qtc_rec_check(&back, "QEMU emulator version 9.2.0", err, sizeof(err)) < 0 && strstr(err, "was recorded with QEMU"),
       "another QEMU: %s", err);
    ok(qtc_rec_check(&back, "QEMU emulator version 10.0.2", err, sizeof(err)) < 0 && strstr(err, "kernel"),
       "kernel copy missing: %s", err);
    free(back.state);
    back.state = strdup("recording");
    ok(qtc_rec_check(&back, "QEMU emulator version 10.0.2", err, sizeof(err)) < 0 && strstr(err, "incomplete recording"),
       "state=recording: %s", err);
    qtc_rec_free(&back);

    /* not a recording */
    char *sub = qtc_rec_path(dir, "empty");
    mkdir(sub, 0777);
    ok(qtc_rec_read(&back, sub, err, sizeof(err)) < 0 && strstr(err, "is not a qtrace recording"), "empty: %s", err);
    ok(qtc_rec_read(&back, p, err, sizeof(err)) < 0 && strstr(err, "is not a qtrace recording"), "a file: %s", err);

    /* QEMU arguments */
    char **v = NULL;
    int n = 0;
    struct qtc_rec a;
    memset(&a, 0, sizeof(a));
    a.icount_shift = QTC_REC_SHIFT_AUTO;
    a.snapshot = true;
    qtc_rr_qemu_args(&v, &n, &a, "replay", "/r,1/replay.bin", "/t/s.qcow2", "/t/q.sock", NULL, NULL);
    char line[2048] = "";
    for (int i = 0; i < n; i++) {
        strcat(line, i ? " " : "");
        strcat(line, v[i]);
    }
    is_str(line, "-net none -icount shift=auto,rr=replay,rrfile=/r,,1/replay.bin,rrsnapshot=init "
                 "-drive file=/t/s.qcow2,if=none,id=rr-snapshot,format=qcow2,cache=unsafe -qmp unix:/t/q.sock,server=on,wait=off "
                 "-action shutdown=pause", "replay: no NIC, commas doubled, snapshot, QMP, pause at shutdown");
    for (int i = 0; i < n; i++)
        free(v[i]);
    free(v);
    v = NULL;
    n = 0;
    a.net = true;
    a.icount_shift = 5;
    a.snapshot = false;
    qtc_rr_qemu_args(&v, &n, &a, "record", "/r/replay.bin", NULL, NULL, "/r/net.pcap", NULL);
    line[0] = '\0';
    for (int i = 0; i < n; i++) {
        strcat(line, i ? " " : "");
        strcat(line, v[i]);
    }
    is_str(line, "-netdev user,id=net0 -device virtio-net-pci,netdev=net0,guest_announce=off "
                 "-object filter-replay,id=rr-net0,netdev=net0 -object filter-dump,id=rr-dump0,netdev=net0,file=/r/net.pcap "
                 "-icount shift=5,rr=record,rrfile=/r/replay.bin -action shutdown=pause",
           "record --net, shift 5: user network, virtio-net without announcements, filter-replay, capture, no snapshot");
    for (int i = 0; i < n; i++)
        free(v[i]);
    free(v);
    v = NULL;
    n = 0;
    qtc_rr_qemu_args(&v, &n, &a, "replay", "/r/replay.bin", "/t/s.qcow2", NULL, NULL, NULL);
    line[0] = '\0';
    for (int i = 0; i < n; i++) {
        strcat(line, i ? " " : "");
        strcat(line, v[i]);
    }
    ok(strstr(line, "-icount shift=5,rr=replay,rrfile=/r/replay.bin -drive file=/t/s.qcow2,if=none,id=rr-snapshot,"
                    "format=qcow2,cache=unsafe ") != NULL,
       "debug of a recording without a start snapshot: an image for the snapshots, no rrsnapshot: %s", line);
    for (int i = 0; i < n; i++)
        free(v[i]);
    free(v);
    v = NULL;
    n = 0;
    a.nic = (char *)QTC_REC_NIC_OLD;
    qtc_rr_qemu_args(&v, &n, &a, "replay", "/r/replay.bin", NULL, NULL, NULL, NULL);
    line[0] = '\0';
    for (int i = 0; i < n; i++) {
        strcat(line, i ? " " : "");
        strcat(line, v[i]);
    }
    is_str(line, "-netdev user,id=net0 -device e1000,netdev=net0 -object filter-replay,id=rr-net0,netdev=net0 "
                 "-icount shift=5,rr=replay,rrfile=/r/replay.bin -action shutdown=pause",
           "replay of an e1000 recording: its card, no snapshot");
    for (int i = 0; i < n; i++)
        free(v[i]);
    free(v);

    /* a replay's clock: guest time at the recording's shift, from the recording's time */
    is_str(clock_opts(5, "2026-12-06T19:23:16Z"), "guest_clock=5 start_ns=0x18eec088ff606800",
           "replay clock: shift 5, the recording's time in ns");
    is_str(clock_opts(QTC_REC_SHIFT_AUTO, NULL), "guest_clock=3", "replay clock: auto is QEMU's first shift; no time");
    is_str(clock_opts(0, "yesterday"), "guest_clock=0", "replay clock: an unreadable time is left out");

    qtc_rec_free(&r);
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        printf("# could not remove %s\n", dir);
    free(p);
    free(copy);
    free(log);
    free(snap);
    free(sub);
    return done_testing();
}
