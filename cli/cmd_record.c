/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qtrace record: boot a guest as qtrace system does, under QEMU's record/replay, into a
 * self-contained recording directory (rr.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "guest.h"
#include "cpupin.h"
#include "launch.h"
#include "rr.h"
#include "rr_disk.h"
#include "sha256.h"
#include "util.h"

static const struct qtc_opt record_opts[] = {
    { "kernel", 0, NULL, QTC_PATH, "FILE", "the guest kernel: a bzImage, or a vmlinux with a PVH entry note, which replays in half the time (no "
      "decompressor to replay; no KASLR); required. With --guest: that guest with this build of its kernel. Copied "
      "into the recording.", NULL },
    { "initrd", 0, NULL, QTC_PATH, "FILE", "the initial RAM disk; copied into the recording.", NULL },
    { "append", 0, NULL, QTC_STR, "STR",
      "more kernel command-line arguments, after \"console=ttyS0 quiet panic=-1\".", NULL },
    { "smp", 0, NULL, QTC_COUNT, "N", "virtual CPUs: record/replay runs exactly one (the default); more is refused.",
      NULL },
    { "memory", 'm', NULL, QTC_SIZE_MB, "MB", "guest memory in megabytes (or with a suffix: 1G). Default: 512.",
      NULL },
    { "disk", 0, NULL, QTC_PATH, "IMG",
      "a raw disk image the guest sees as a virtio-blk disk (/dev/vda). It is never written: the guest's writes go "
      "to a qcow2 overlay in the recording (REC/disk.qcow2), whose backing file is IMG; the manifest keeps IMG's "
      "path, SHA-256 and identity, and a replay needs IMG unchanged.", NULL },
    { "guest", 0, NULL, QTC_STR, "NAME",
      "record a bundled guest instead of --kernel/--initrd/--disk: 'debian' (make guest-debian) with its kernel "
      "(or --kernel's), "
      "initrd, disk (as --disk), network (as --net, its sshd forwarded to a host port while recording) and "
      "entropy device; a replay uses its disk image as --sysroot.", NULL },
    { "ssh-port", 0, NULL, QTC_COUNT, "PORT",
      "with --guest: the port on 127.0.0.1 forwarded to the guest's sshd while recording. Default: a free port.",
      NULL },
    { "net", 0, NULL, QTC_FLAG, NULL,
      "give the guest a network card (virtio-net) on QEMU's user network (the host is 10.0.2.2); its traffic is "
      "recorded and captured to REC/net.pcap.", NULL },
    { "output", 'o', NULL, QTC_PATH, "REC",
      "the recording directory to create; required. It must not exist, or be empty.", NULL },
    { "qemu", 0, NULL, QTC_PATH, "PATH",
      "the QEMU system emulator. Default: $QTRACE_QEMU_SYSTEM, else qemu-system-x86_64 from PATH.", NULL },
    { "icount-shift", 0, NULL, QTC_STR, "N|auto",
      "the guest's clock while recording: each instruction is 2^N ns of guest time (0 to 10), or 'auto' (QEMU "
      "follows the host's clock). Default: 5, 32 ns: the guest's busy-waits (the kernel's delay loops, "
      "calibrations) then take few instructions, which keeps the log small and the replays fast; 'auto' keeps "
      "the guest's time close to the host's, at the cost of a larger log and slower replays on a fast host. "
      "Kept in the manifest: replays use it.", NULL },
    { "timeout", 0, NULL, QTC_SECONDS, "SEC",
      "stop the recording after SEC seconds (through QEMU's QMP: the log stays replayable); exit status 124.", NULL },
    { "host-cpu", 0, NULL, QTC_STR, "CPU",
      "the host CPU QEMU runs on, as for qtrace replay: a number, 'auto', 'none', or 'idle': 'auto' while fewer "
      "other tasks are runnable than there are CPUs, else 'none'. A recording QEMU's two threads hand over at every "
      "recorded event: on one CPU of an otherwise idle machine recording costs less; on a CPU other work keeps "
      "busy, more. Default: idle.", NULL },
    { "quiet", 'q', NULL, QTC_FLAG, NULL, "do not print the summary line at the end.", NULL },
};
#define NRECORD_OPTS (sizeof(record_opts) / sizeof(record_opts[0]))

void qtc_help_record(FILE *f)
{
    fputs("Usage: qtrace record --kernel FILE [--initrd FILE] [--disk IMG] [OPTIONS] -o REC [-- QEMU-ARGS...]\n"
          "       qtrace record --guest debian [OPTIONS] -o REC [-- QEMU-ARGS...]\n\n", f);
    qtc_print_wrapped(f,
                      "Boot a Linux guest as qtrace system does, under QEMU's deterministic record/replay, and "
                      "leave a self-contained recording in the directory REC: the execution log, copies of the "
                      "kernel and initrd with their SHA-256, the QEMU command line and version, the guest's "
                      "console output, the network capture (--net) and a manifest. No trace options: analyse the "
                      "recording afterwards, as often as needed, with "
                      "qtrace replay (tracing), qtrace debug (gdb, reverse execution) and qtrace info.\n\n"
                      "The recording ends when the guest powers off, at --timeout, or when qtrace gets SIGINT or "
                      "SIGTERM: qtrace then stops the guest and quits QEMU through QMP, so that QEMU finalizes "
                      "its log. A recorder killed with SIGKILL leaves a recording marked incomplete, which replay "
                      "refuses. Record/replay runs one vCPU (--smp 2 is refused).",
                      0, 0, 100);
    fputc('\n', f);
    struct qtc_opt_table t = { "Options", record_opts, NRECORD_OPTS };
    qtc_print_table(f, &t);
    fputs("\nFiles in REC:\n"
          "  manifest         what the recording holds (key=value lines); written last\n"
          "  replay.bin       QEMU's execution log        console.txt     the guest's console output\n"
          "  vmlinuz, initrd  copies of the guest         net.pcap        the network capture (--net)\n"
          "  qemu-cmdline     the exact QEMU command line\n"
          "  disk.qcow2       the disk's overlay (--disk, --guest): the guest's writes while recording\n"
          "\nExit status:\n"
          "  0 when the recording is complete; 124 if --timeout ended it (still complete);\n"
          "  2 on bad input (nothing is started) or if QEMU did not finalize the log (REC is marked incomplete).\n"
          "\nExamples:\n"
          "  qtrace record --kernel bzImage --initrd initrd.gz --append qtrace.run=demo -o rec\n"
          "  qtrace replay rec -p guest/progs/demo -o trace-a      # any trace options, as often as needed\n"
          "  qtrace info rec\n"
          "  qtrace record --guest debian --append qtrace.run=diskio,sync,/root/f,65536 -o rec-debian\n"
          "  qtrace replay rec-debian --disk-trace --files-written files -o t-disk\n", f);
}

static char *now_utc(void)
{
    char buf[64];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, sizeof(buf), QTC_REC_TIME_FORMAT, &tm);
    return qtc_xstrdup(buf);
}

/* REC: created, or an existing empty directory. */
static int make_rec_dir(const char *dir, char *err, size_t errlen)
{
    if (mkdir(dir, 0777) == 0)
        return 0;
    if (errno != EEXIST) {
        snprintf(err, errlen, "cannot create the recording directory %s: %s", dir, strerror(errno));
        return -1;
    }
    struct stat st;
    if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s exists and is not a directory (choose another -o REC)", dir);
        return -1;
    }
    if (rmdir(dir) < 0) {
        snprintf(err, errlen, "%s exists and is not empty (remove it, or choose another -o REC)", dir);
        return -1;
    }
    if (mkdir(dir, 0777) < 0) {
        snprintf(err, errlen, "cannot create the recording directory %s: %s", dir, strerror(errno));
        return -1;
    }
    return 0;
}

/* Write the exact command line, shell-quoted. */
static void write_cmdline(const char *dir, char **argv)
{
    char *path = qtc_rec_path(dir, QTC_REC_CMDLINE);
    FILE *f = fopen(path, "w");
    free(path);
    if (!f)
        return;
    for (char **p = argv; *p; p++) {
        fputs(p == argv ? "" : " ", f);
        if (strspn(*p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=.,/:+@") == strlen(*p)) {
            fputs(*p, f);
        } else {
            fputc('\'', f);
            for (const char *c = *p; *c; c++)
                if (*c == '\'')
                    fputs("'\\''", f);
                else
                    fputc(*c, f);
            fputc('\'', f);
        }
    }
    fputc('\n', f);
    fclose(f);
}

/* --guest NAME: its kernel, initrd and disk (guest.c), and its devices as record/replay needs
 * them: the disk and the network card come from rr.c (blkreplay, filter-replay), the sshd port
 * forwarding is kept for the recording only, other devices are kept as QEMU arguments. */
static int record_guest(struct qtc_cfg *cfg, struct qtc_rec *rec, char *err, size_t errlen)
{
    const char *name = qtc_args_get(&cfg->args, "guest");
    if (name && qtc_args_has(&cfg->args, "disk")) {
        snprintf(err, errlen, "--guest %s brings its own disk: give either --guest or --disk", name);
        return -1;
    }
    if (qtc_guest_apply(cfg, err, errlen) < 0 || !name)
        return name ? -1 : 0;
    rec->guest = qtc_xstrdup(name);
    rec->net = true;
    for (int i = 0; i + 1 < cfg->nguest_args; i += 2) {
        const char *opt = cfg->guest_args[i], *val = cfg->guest_args[i + 1];
        const char *fwd = strstr(val, "hostfwd=");
        if (strcmp(opt, "-netdev") == 0 && fwd) {
            rec->ssh_forward = qtc_xstrdup(fwd);
            rec->ssh_forward[strcspn(rec->ssh_forward, ",")] = '\0';
        } else if (strcmp(opt, "-drive") != 0 && strcmp(opt, "-netdev") != 0 && !strstr(val, "netdev=") &&
                   rec->nextra + 2 <= QTC_REC_MAX_EXTRA) {
            rec->extra[rec->nextra++] = qtc_xstrdup(opt);
            rec->extra[rec->nextra++] = qtc_xstrdup(val);
        }
    }
    qtc_argv_free(cfg->guest_args);
    cfg->guest_args = NULL;
    cfg->nguest_args = 0;
    return 0;
}

int qtc_cmd_record(int argc, char **argv)
{
    char err[2048];
    struct qtc_cfg cfg;
    memset(&cfg, 0, sizeof(cfg));
    struct qtc_args *a = &cfg.args;
    struct qtc_opt_table t = { "Options", record_opts, NRECORD_OPTS };
    if (qtc_parse_args("record", &t, 1, argc, argv, true, a, err, sizeof(err)) < 0) {
        qtc_error("%s", err);
        return QTC_EXIT_ERROR;
    }
    if (a->help) {
        qtc_help_record(stdout);
        qtc_cfg_free(&cfg);
        return 0;
    }
    int rc = QTC_EXIT_ERROR;
    struct qtc_rec rec;
    memset(&rec, 0, sizeof(rec));
    struct qtc_launch l;
    memset(&l, 0, sizeof(l));
    char *tmp = NULL, *qemu_img = NULL;
    char *kcopy = NULL, *icopy = NULL, *log = NULL, *console = NULL, *pcap = NULL, *qmp = NULL;
    char *dovl = NULL;
    char **extra = NULL;
    int nextra = 0;
    struct qtc_cpupin pin = { -1, -1 };
    const char *dir = qtc_args_get(a, "output");
    const char *smp = qtc_args_get(a, "smp");
    if (record_guest(&cfg, &rec, err, sizeof(err)) < 0) {
        qtc_error("%s", err);
        goto out;
    }
    const char *kernel = cfg.kernel ? cfg.kernel : qtc_args_get(a, "kernel");
    const char *initrd = cfg.initrd ? cfg.initrd : qtc_args_get(a, "initrd");
    const char *disk = cfg.guest_root ? cfg.guest_root : qtc_args_get(a, "disk");
    /* ---- checks, before anything is created ---- */
    if (a->nrest > 0 && !a->dashdash) {
        qtc_error("record: unexpected argument '%.200s' (extra QEMU arguments go after --: qtrace record [OPTIONS] "
                  "-o REC -- QEMU-ARGS...)", a->rest[0]);
        goto out;
    }
    if (!kernel) {
        qtc_error("record: --kernel FILE is required (the guest kernel, e.g. bzImage)");
        goto out;
    }
    if (!dir) {
        qtc_error("record: -o REC is required (the recording directory to create)");
        goto out;
    }
    if (smp && strcmp(smp, "1") != 0) {
        qtc_error("record: --smp %s: QEMU records and replays exactly one vCPU (icount mode has no multi-threaded "
                  "TCG); drop --smp", smp);
        goto out;
    }
    if (a->nrest + rec.nextra + 2 > QTC_REC_MAX_EXTRA) {
        qtc_error("record: at most %d extra QEMU arguments", QTC_REC_MAX_EXTRA - 2 - rec.nextra);
        goto out;
    }
    for (int i = 0; i < a->nrest; i++) {
        const char *x = a->rest[i];
        if (strchr(x, '\n') || strcmp(x, "-smp") == 0 || strcmp(x, "-snapshot") == 0 || strcmp(x, "-icount") == 0 ||
            strncmp(x, "-accel", 6) == 0) {
            qtc_error("record: QEMU argument '%.100s' cannot be recorded (record/replay needs one vCPU, no -snapshot, "
                      "and sets -icount itself)", x);
            goto out;
        }
    }
    const char *v = qtc_args_get(a, "icount-shift");
    rec.icount_shift = v ? qtc_rec_parse_shift(v) : QTC_REC_SHIFT_DEFAULT;
    if (rec.icount_shift < QTC_REC_SHIFT_AUTO) {
        qtc_error("--icount-shift %.40s: expected a number from 0 to %d, or auto", v, QTC_REC_SHIFT_MAX);
        goto out;
    }
    const char *host_cpu = qtc_args_get(a, "host-cpu");
    if (qtc_cpupin_claim(&pin, host_cpu ? host_cpu : "idle", err, sizeof(err)) < 0) {
        qtc_error("%s", err);
        goto out;
    }
    cfg.pin = &pin;
    cfg.system = true;
    cfg.kernel = kernel;
    cfg.initrd = initrd;
    cfg.qemu = qtc_args_get(a, "qemu");
    v = qtc_args_get(a, "timeout");
    cfg.timeout = v ? strtod(v, NULL) : 0;
    cfg.quiet = qtc_args_has(a, "quiet");
    cfg.outdir = dir;
    cfg.smp = 1;
    v = qtc_args_get(a, "memory");
    cfg.mem_mb = v ? (unsigned)strtoul(v, NULL, 10) : 512;
    if (cfg.mem_mb < 16) {
        qtc_error("-m/--memory: a Linux guest needs at least 16 MB, got %u", cfg.mem_mb);
        goto out;
    }
    cfg.append = qtc_args_get(a, "append");
    if (cfg.append && strchr(cfg.append, '\n')) {
        qtc_error("--append: one line, please");
        goto out;
    }
    /* the kernel, initrd and QEMU as qtrace system checks them (no program, no plugin needed) */
    cfg.no_plugin = true;
    {
        /* qtc_check wants a plugin and an output directory: checked by hand instead */
        const char *files[3] = { kernel, initrd, disk };
        const char *names[3] = { "kernel", "initrd", "--disk" };
        for (int i = 0; i < 3; i++) {
            if (!files[i])
                continue;
            struct stat st;
            if (stat(files[i], &st) < 0 || access(files[i], R_OK) < 0) {
                qtc_error("%s %s: %s", names[i], files[i], strerror(errno));
                goto out;
            }
            if (S_ISDIR(st.st_mode)) {
                qtc_error("%s %s is a directory, not a file", names[i], files[i]);
                goto out;
            }
        }
        if (qtc_check_kernel_boot(kernel, err, sizeof(err)) < 0) {
            qtc_error("%s", err);
            goto out;
        }
    }
    const char *qemu = cfg.qemu && *cfg.qemu ? cfg.qemu : getenv("QTRACE_QEMU_SYSTEM");
    l.qemu = qtc_which(qemu && *qemu ? qemu : "qemu-system-x86_64");
    if (!l.qemu) {
        qtc_error("%s not found (install qemu-system-x86, or give --qemu PATH)", qemu && *qemu ? qemu
                                                                                              : "qemu-system-x86_64");
        goto out;
    }
    rec.qemu_version = qtc_qemu_version(l.qemu);
    if (!rec.qemu_version) {
        qtc_error("%s --version failed: is it QEMU?", l.qemu);
        goto out;
    }
    qemu_img = disk ? qtc_find_qemu_img(l.qemu) : NULL;
    if (disk && !qemu_img) {
        qtc_error("qemu-img not found (it makes the disk's overlay; install qemu-utils from bookworm-backports: "
                  "apt-get install -t bookworm-backports qemu-utils)");
        goto out;
    }
    tmp = qtc_rr_tmpdir(err, sizeof(err));
    if (!tmp) {
        qtc_error("%s", err);
        goto out;
    }
    if (make_rec_dir(dir, err, sizeof(err)) < 0) {
        qtc_error("%s", err);
        goto out;
    }
    /* ---- the directory: manifest first (state=recording), then the copies ---- */
    rec.dir = qtc_xstrdup(dir);
    rec.state = qtc_xstrdup("recording");
    rec.mem_mb = cfg.mem_mb;
    rec.net |= qtc_args_has(a, "net");
    rec.append = cfg.append ? qtc_xstrdup(cfg.append) : NULL;
    char *abs = realpath(kernel, NULL);
    rec.kernel_source = abs ? abs : qtc_xstrdup(kernel);
    if (initrd) {
        abs = realpath(initrd, NULL);
        rec.initrd_source = abs ? abs : qtc_xstrdup(initrd);
    }
    /* no kvmvapic device: with it, QEMU 10.0 deadlocks loading a snapshot during reverse-continue
     * (docs/record-replay.md); stored with the extra arguments, so every replay has the same machine */
    rec.extra[rec.nextra++] = qtc_xstrdup("-global");
    rec.extra[rec.nextra++] = qtc_xstrdup(QTC_REC_NO_VAPIC);
    for (int i = 0; i < a->nrest; i++)
        rec.extra[rec.nextra++] = qtc_xstrdup(a->rest[i]);
    if (qtc_rec_write(&rec, err, sizeof(err)) < 0) {
        qtc_error("%s", err);
        goto out;
    }
    /* the copies are hashed, with the disk image, while QEMU records (from them) */
    char khex[65] = "", ihex[65] = "", dhex[65] = "";
    struct qtc_sha256_bg bg;
    memset(&bg, 0, sizeof(bg));
    kcopy = qtc_rec_path(dir, QTC_REC_KERNEL);
    cfg.kernel = kcopy;
    if (qtc_copy_file(kernel, kcopy, err, sizeof(err)) < 0) {
        qtc_error("copying the kernel: %s", err);
        goto fail;
    }
    qtc_sha256_bg_add(&bg, kcopy, khex);
    if (initrd) {
        icopy = qtc_rec_path(dir, QTC_REC_INITRD);
        cfg.initrd = icopy;
        if (qtc_copy_file(initrd, icopy, err, sizeof(err)) < 0) {
            qtc_error("copying the initrd: %s", err);
            goto fail;
        }
        qtc_sha256_bg_add(&bg, icopy, ihex);
    }
    if (rec.net)
        rec.nic = qtc_xstrdup(QTC_REC_NIC);
    /* no start snapshot: taking one costs QEMU as much as a seventh of a boot's recording, and
     * qtrace debug has QEMU take it when gdb attaches instead; a replay starts from power-on */
    rec.snapshot = false;
    if (disk) {
        if (qtc_rr_disk_record(&rec, disk, qemu_img, err, sizeof(err)) < 0) {
            qtc_error("%s", err);
            goto fail;
        }
        dovl = qtc_rec_path(dir, QTC_REC_DISK);
        qtc_sha256_bg_add(&bg, rec.disk_source, dhex);
    }
    log = qtc_rec_path(dir, QTC_REC_LOG);
    console = qtc_rec_path(dir, QTC_REC_CONSOLE);
    pcap = rec.net ? qtc_rec_path(dir, QTC_REC_PCAP) : NULL;
    qmp = qtc_rec_path(tmp, "qmp.sock");
    qtc_rr_qemu_args(&extra, &nextra, &rec, "record", log, NULL, qmp, pcap, dovl);
    cfg.qemu_extra = extra;
    cfg.nqemu_extra = nextra;
    cfg.operands = rec.extra;
    cfg.noperands = rec.nextra;
    cfg.console_log = console;
    cfg.qmp = qmp;
    {
        char **qargv = qtc_qemu_argv(&cfg, &l);
        write_cmdline(dir, qargv);
        qtc_argv_free(qargv);
    }
    if (qtc_guest_banner(&cfg) && !cfg.quiet)
        fprintf(stderr, "qtrace: %s\n", qtc_guest_banner(&cfg));
    /* ---- record ---- */
    qtc_sha256_bg_start(&bg);
    bool timed_out = false;
    int st = qtc_run_qemu(&cfg, &l, &timed_out, err, sizeof(err));
    int fin = qtc_rec_log_final(log);
    int hashed = qtc_sha256_bg_join(&bg);
    if (hashed == 0) {
        rec.kernel_sha256 = qtc_xstrdup(khex);
        rec.initrd_sha256 = initrd ? qtc_xstrdup(ihex) : NULL;
        rec.disk_sha256 = disk ? qtc_xstrdup(dhex) : NULL;
    }
    free(rec.created);
    rec.created = now_utc();
    if (st == -1 || fin != 1 || !(WIFEXITED(st) && WEXITSTATUS(st) == 0) || hashed < 0) {
        char why[2200];
        if (hashed < 0)
            snprintf(why, sizeof(why), "hashing the recording's files failed: %s", bg.err);
        else if (st == -1)
            snprintf(why, sizeof(why), "%s", err);
        else if (WIFSIGNALED(st))
            snprintf(why, sizeof(why), "QEMU was killed by signal %d before it finalized the log", WTERMSIG(st));
        else if (fin != 1)
            snprintf(why, sizeof(why), "QEMU exited with status %d without finalizing the log",
                     WIFEXITED(st) ? WEXITSTATUS(st) : -1);
        else
            snprintf(why, sizeof(why), "QEMU exited with status %d (see its messages above)", WEXITSTATUS(st));
        free(rec.state);
        rec.state = qtc_xstrdup("incomplete");
        rec.reason = qtc_xstrdup(why);
        qtc_rec_write(&rec, err, sizeof(err));
        qtc_error("recording %s failed: %s; it is marked incomplete and cannot be replayed", dir, why);
        rc = QTC_EXIT_ERROR;
    } else {
        free(rec.state);
        rec.state = qtc_xstrdup("complete");
        rec.icount_known = l.icount_known;
        rec.icount = l.icount;
        if (qtc_rec_write(&rec, err, sizeof(err)) < 0) {
            qtc_error("%s", err);
            rc = QTC_EXIT_ERROR;
        } else {
            rc = qtc_exit_code(st, timed_out);
            if (!cfg.quiet) {
                long long bytes = qtc_file_size(log);
                if (rec.icount_known && rec.icount > 0)
                    fprintf(stderr, "qtrace: recorded %" PRIu64 " instructions, log %lld bytes (%.1f per 1000 "
                            "instructions) -> %s\n", rec.icount, bytes, 1000.0 * (double)bytes / (double)rec.icount,
                            dir);
                else
                    fprintf(stderr, "qtrace: recorded, log %lld bytes (instruction count unknown: QEMU was stopped "
                            "by a signal) -> %s\n", bytes, dir);
            }
        }
    }
    goto out;
fail:
    free(rec.state);
    rec.state = qtc_xstrdup("incomplete");
    rec.reason = qtc_xstrdup("qtrace record failed before QEMU started");
    qtc_rec_write(&rec, err, sizeof(err));
out:
    qtc_cpupin_release(&pin);
    free(log);
    free(console);
    free(pcap);
    free(qmp);
    free(dovl);
    free(kcopy);
    free(icopy);
    qtc_argv_free(extra);
    qtc_rr_rmtmp(tmp);
    free(qemu_img);
    free(l.qemu);
    qtc_rec_free(&rec);
    qtc_cfg_free(&cfg);
    return rc;
}
