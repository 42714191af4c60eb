/* Recording directories (cli/rr.c): SHA-256, the manifest, the log's header, the checks a
 * replay makes, the QEMU arguments of record and replay. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rr.h"
#include "tap.h"

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
    is_int(qtc_sha256_file(p, NULL, hex, err, sizeof(err)), 0, "sha256 of a file");
    is_str(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "sha256(\"abc\")");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    write_file(p, two, strlen(two));
    char *copy = qtc_rec_path(dir, "copy");
    is_int(qtc_sha256_file(p, copy, hex, err, sizeof(err)), 0, "sha256 while copying");
    is_str(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1", "sha256 of two blocks' worth");
    ok(qtc_file_size(copy) == (long long)strlen(two), "the copy has every byte");
    write_file(p, "", 0);
    qtc_sha256_file(p, NULL, hex, err, sizeof(err));
    is_str(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "sha256 of nothing");
    ok(qtc_sha256_file("/nonexistent/x", NULL, hex, err, sizeof(err)) < 0 && strstr(err, "/nonexistent/x"),
       "unreadable file: the error names it");

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
    qtc_rr_qemu_args(&v, &n, "replay", "/r,1/replay.bin", "/t/s.qcow2", "/t/q.sock", false, NULL);
    char line[2048] = "";
    for (int i = 0; i < n; i++) {
        strcat(line, i ? " " : "");
        strcat(line, v[i]);
    }
    is_str(line, "-net none -icount shift=auto,rr=replay,rrfile=/r,,1/replay.bin,rrsnapshot=init "
                 "-drive file=/t/s.qcow2,if=none,id=rr-snapshot,format=qcow2 -qmp unix:/t/q.sock,server=on,wait=off "
                 "-action shutdown=pause", "replay: no NIC, commas doubled, snapshot, QMP, pause at shutdown");
    for (int i = 0; i < n; i++)
        free(v[i]);
    free(v);
    v = NULL;
    n = 0;
    qtc_rr_qemu_args(&v, &n, "record", "/r/replay.bin", NULL, NULL, true, "/r/net.pcap");
    line[0] = '\0';
    for (int i = 0; i < n; i++) {
        strcat(line, i ? " " : "");
        strcat(line, v[i]);
    }
    is_str(line, "-netdev user,id=net0 -device e1000,netdev=net0 -object filter-replay,id=rr-net0,netdev=net0 "
                 "-object filter-dump,id=rr-dump0,netdev=net0,file=/r/net.pcap "
                 "-icount shift=auto,rr=record,rrfile=/r/replay.bin -action shutdown=pause",
           "record --net: user network, filter-replay, capture, no snapshot");
    for (int i = 0; i < n; i++)
        free(v[i]);
    free(v);

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
