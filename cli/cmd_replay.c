/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qtrace replay: a recording (qtrace record) replayed with the plugin and any trace options of
 * qtrace system. Nothing in the recording is written: the snapshot image is replayed from a
 * private copy, the disk from a private overlay (rr_disk.h). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cpupin.h"
#include "guest.h"
#include "launch.h"
#include "rr.h"
#include "rr_disk.h"
#include "util.h"

/* Between the guest's shutdown request and the pause, the vCPU runs on for a number of
 * instructions that depends on the host's timing: the recording's count and a complete
 * replay's may differ by that much (in the guest's power-off code; over 100 000 instructions
 * for the Debian guest on a loaded host). */
#define QTC_RR_END_SLACK 1000000

static const struct qtc_opt replay_opts[] = {
    { "output", 'o', NULL, QTC_PATH, "DIR",
      "directory for the trace, its conversions, qtrace.conf and the replay's console output (console.txt); "
      "created if needed. Default: qtrace-out.", NULL },
    { "pcap", 0, NULL, QTC_PATH, "FILE",
      "also write the guest's network traffic, as replayed, to FILE (pcap; a recording made with --net).", NULL },
    { "qemu", 0, NULL, QTC_PATH, "PATH",
      "the QEMU system emulator: the version that recorded (qtrace info REC shows it). Default: "
      "$QTRACE_QEMU_SYSTEM, else qemu-system-x86_64 from PATH.", NULL },
    { "timeout", 0, NULL, QTC_SECONDS, "SEC", "stop the replay after SEC seconds; the trace so far is kept; exit "
      "status 124.", NULL },
    { "host-cpu", 0, NULL, QTC_STR, "CPU",
      "the host CPU QEMU runs on: a number, 'auto' (one that no other qtrace replay holds), 'idle' ('auto' while "
      "fewer other tasks are runnable than there are CPUs) or 'none' (any, as the kernel schedules it). The "
      "replay's two QEMU threads hand over at every recorded event: on one CPU of an otherwise idle machine a "
      "replay runs up to twice as fast; on a CPU other work keeps busy, slower. "
      "Default: none.", NULL },
    { "quiet", 'q', NULL, QTC_FLAG, NULL, "do not print the summary lines at the end.", NULL },
};

static const struct qtc_opt_table *replay_tables(void)
{
    static struct qtc_opt_table t[2];
    t[0] = (struct qtc_opt_table){ "Options", replay_opts, sizeof(replay_opts) / sizeof(replay_opts[0]) };
    t[1] = (struct qtc_opt_table){ "Trace options (as qtrace system's)", qtc_trace_opts, qtc_ntrace_opts };
    return t;
}

void qtc_help_replay(FILE *f)
{
    fputs("Usage: qtrace replay REC [TRACE OPTIONS] [-o DIR] [--pcap FILE]\n\n", f);
    qtc_print_wrapped(f,
                      "Replay the recording REC (made by qtrace record) with the qtrace plugin and the trace options "
                      "given, as qtrace system would trace a live run: functions, arguments, --syscalls, --comm, "
                      "--exec-log, kernel functions. The replay executes exactly the recorded instructions: two "
                      "replays with the same options give the same events, instruction counts and times (a replay's "
                      "times are guest time: instructions executed x 2^shift ns, the recording's icount shift), and "
                      "the guest prints what it printed while recording (DIR/console.txt; qtrace warns if it differs).\n\n"
                      "Nothing in REC is written (a disk is replayed from a private overlay over its image), so "
                      "any number of replays of one recording can run at the same time, each with its own -o DIR. "
                      "Before QEMU starts, qtrace checks that REC is a "
                      "complete recording, that its kernel and initrd still have the recorded SHA-256, that its "
                      "disk image is unchanged (hashed again only if its size, time or inode changed), and that "
                      "QEMU is the version that recorded. A recording of a bundled guest (--guest) has its disk "
                      "image as --sysroot.",
                      0, 0, 100);
    fputc('\n', f);
    const struct qtc_opt_table *t = replay_tables();
    qtc_print_table(f, &t[0]);
    fputc('\n', f);
    qtc_print_table(f, &t[1]);
    qtc_help_argtypes(f);
    fputs("\nExit status:\n"
          "  0 when the replay ran to the recording's end; 124 if --timeout stopped it;\n"
          "  2 on bad input (REC not a complete recording, changed files, another QEMU) or if the replay diverged.\n"
          "\nExamples:\n"
          "  qtrace replay rec -p guest/progs/demo -o t1\n"
          "  qtrace replay rec --comm demo --syscalls -o t2 & qtrace replay rec -P 'kernel:vfs_*' -o t3 & wait\n"
          "      two analyses of one recording at the same time\n"
          "  qtrace replay rec-debian --disk-trace --files-written files --processes -p /usr/local/bin/diskio -o t4\n"
          "      the disk views, processes and a PIE read from the disk image, on a recording of --guest debian\n", f);
}

static int same_file(const char *a, const char *b)
{
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    int same = fa && fb;
    while (same) {
        int ca = getc(fa), cb = getc(fb);
        if (ca != cb)
            same = 0;
        if (ca == EOF || cb == EOF)
            break;
    }
    if (fa)
        fclose(fa);
    if (fb)
        fclose(fb);
    return same;
}

int qtc_cmd_replay(int argc, char **argv)
{
    char err[2048];
    struct qtc_cfg cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.system = true;
    if (qtc_parse_args("replay", replay_tables(), 2, argc, argv, false, &cfg.args, err, sizeof(err)) < 0) {
        qtc_error("%s", err);
        return QTC_EXIT_ERROR;
    }
    if (cfg.args.help) {
        qtc_help_replay(stdout);
        qtc_cfg_free(&cfg);
        return 0;
    }
    int rc = QTC_EXIT_ERROR;
    struct qtc_rec rec;
    memset(&rec, 0, sizeof(rec));
    struct qtc_launch l;
    memset(&l, 0, sizeof(l));
    char *qemu = NULL, *version = NULL, *tmp = NULL, *snap = NULL, *log = NULL, *console = NULL, *qmp = NULL;
    char *kernel = NULL, *initrd = NULL, *qemu_img = NULL, *disk = NULL, *tmp_pcap = NULL;
    char **extra = NULL;
    int nextra = 0;
    bool checked = false;
    struct qtc_cpupin pin = { -1, -1 };
    if (qtc_cfg_common(&cfg, err, sizeof(err)) < 0 ||
        qtc_cpupin_claim(&pin, qtc_args_get(&cfg.args, "host-cpu"), err, sizeof(err)) < 0) {
        qtc_error("%s", err);
        goto out;
    }
    cfg.pin = &pin;
    if (cfg.args.nrest != 1) {
        qtc_error(cfg.args.nrest ? "replay: one recording at a time, got '%s' and '%s'"
                                 : "replay: which recording? (qtrace replay REC [TRACE OPTIONS])",
                  cfg.args.nrest ? cfg.args.rest[0] : "", cfg.args.nrest > 1 ? cfg.args.rest[1] : "");
        goto out;
    }
    const char *dir = cfg.args.rest[0];
    if (qtc_rec_read(&rec, dir, err, sizeof(err)) < 0) {
        qtc_error("%s", err);
        goto out;
    }
    const char *q = cfg.qemu && *cfg.qemu ? cfg.qemu : getenv("QTRACE_QEMU_SYSTEM");
    qemu = qtc_which(q && *q ? q : "qemu-system-x86_64");
    if (!qemu) {
        qtc_error("%s not found (give the QEMU that recorded with --qemu PATH)", q && *q ? q : "qemu-system-x86_64");
        goto out;
    }
    version = qtc_qemu_version(qemu);
    if (qtc_rec_check(&rec, version, err, sizeof(err)) < 0 || qtc_rr_disk_check(&rec, err, sizeof(err)) < 0) {
        qtc_error("%s", err);
        goto out;
    }
    const char *pcap = qtc_args_get(&cfg.args, "pcap");
    if (pcap && !rec.net) {
        qtc_error("--pcap: %s was recorded without a network (record with --net to capture traffic)", dir);
        goto out;
    }
    kernel = qtc_rec_path(dir, QTC_REC_KERNEL);
    cfg.kernel = kernel;
    if (rec.initrd_sha256) {
        initrd = qtc_rec_path(dir, QTC_REC_INITRD);
        cfg.initrd = initrd;
    }
    {
        /* the plugin reads the kernel image, as qtrace system's --kernel tells it */
        size_t n = strlen(kernel) + 8;
        char *kv = qtc_xmalloc(n);
        snprintf(kv, n, "kernel=%s", kernel);
        qtc_args_add_kv(&cfg.args, kv);
        free(kv);
    }
    qtc_rr_clock_opts(&rec, &cfg.args);
    if (rec.disk_source && !rec.snapshot && !(qemu_img = qtc_find_qemu_img(qemu))) {
        qtc_error("qemu-img not found (it makes the replay's disk overlay; install qemu-utils from "
                  "bookworm-backports: apt-get install -t bookworm-backports qemu-utils)");
        goto out;
    }
    /* a bundled guest's disk image is its --sysroot, as with qtrace system --guest */
    if (rec.guest) {
        cfg.guest_root = rec.disk_source;
        qtc_guest_sysroot(&cfg);
    }
    cfg.append = rec.append;
    cfg.mem_mb = rec.mem_mb;
    cfg.smp = 1;
    if (!cfg.qemu)
        cfg.qemu = qemu;
    if (qtc_check(&cfg, &l, err, sizeof(err)) < 0) {
        qtc_error("%s", err);
        goto out;
    }
    checked = true;
    if (qtc_system_prepare(&cfg, &l, err, sizeof(err)) < 0) {
        qtc_error("%s", err);
        goto out;
    }
    if (qtc_rr_private_dir(dir, &rec, &tmp, &snap, err, sizeof(err)) < 0 ||
        (rec.disk_source && qtc_rr_disk_private(&rec, tmp, qemu_img, &disk, err, sizeof(err)) < 0)) {
        qtc_error("%s", err);
        goto out;
    }
    log = qtc_rec_path(dir, QTC_REC_LOG);
    console = qtc_rec_path(cfg.outdir, QTC_REC_CONSOLE);
    qmp = qtc_rec_path(tmp, "qmp.sock");
    /* a replay's network filters must be the recording's, which had a capture (filter-dump): without
     * it QEMU 10.0's replay stalls near its start. Without --pcap it goes to the private folder. */
    if (rec.net && !pcap)
        pcap = tmp_pcap = qtc_rec_path(tmp, QTC_REC_PCAP);
    qtc_rr_qemu_args(&extra, &nextra, &rec, "replay", log, snap, qmp, pcap, disk);
    cfg.qemu_extra = extra;
    cfg.nqemu_extra = nextra;
    cfg.operands = rec.extra;
    cfg.noperands = rec.nextra;
    cfg.console_log = console;
    cfg.qmp = qmp;
    rc = qtc_launch_run(&cfg, &l);
    if (rc == QTC_TIMEOUT_STATUS)
        goto out;
    if (rec.icount_known && l.icount_known && l.icount + QTC_RR_END_SLACK < rec.icount) {
        qtc_error("the replay stopped short: it ended after %" PRIu64 " instructions, the recording has %" PRIu64
                  " (see QEMU's messages above)", l.icount, rec.icount);
        rc = QTC_EXIT_ERROR;
    } else if (rec.icount_known && !l.icount_known && rc == 0) {
        qtc_warn("the replay's instruction count could not be read: not checked against the recording's");
    }
    char *rcons = qtc_rec_path(dir, QTC_REC_CONSOLE);
    if (access(rcons, R_OK) == 0 && !same_file(rcons, console))
        qtc_warn("the replay's console output %s differs from the recording's %s", console, rcons);
    free(rcons);
    if (!cfg.quiet && l.icount_known)
        fprintf(stderr, "qtrace: replayed %s to its end (%" PRIu64 " instructions)\n", dir, l.icount);
out:
    qtc_cpupin_release(&pin);
    if (checked)
        qtc_launch_free(&l);
    qtc_argv_free(extra);
    qtc_rr_rmtmp(tmp);
    free(qemu);
    free(version);
    free(snap);
    free(log);
    free(console);
    free(qmp);
    free(kernel);
    free(initrd);
    free(qemu_img);
    free(disk);
    free(tmp_pcap);
    qtc_rec_free(&rec);
    qtc_cfg_free(&cfg);
    return rc;
}
