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
#include "launch.h"
#include "rr.h"
#include "util.h"

static const struct qtc_opt record_opts[] = {
    { "kernel", 0, NULL, QTC_PATH, "FILE", "the guest kernel (bzImage); required. Copied into the recording.", NULL },
    { "initrd", 0, NULL, QTC_PATH, "FILE", "the initial RAM disk; copied into the recording.", NULL },
    { "append", 0, NULL, QTC_STR, "STR",
      "more kernel command-line arguments, after \"console=ttyS0 quiet panic=-1\".", NULL },
    { "smp", 0, NULL, QTC_COUNT, "N", "virtual CPUs: record/replay runs exactly one (the default); more is refused.",
      NULL },
    { "memory", 'm', NULL, QTC_SIZE_MB, "MB", "guest memory in megabytes (or with a suffix: 1G). Default: 512.",
      NULL },
    { "net", 0, NULL, QTC_FLAG, NULL,
      "give the guest a network card (e1000) on QEMU's user network (the host is 10.0.2.2); its traffic is "
      "recorded and captured to REC/net.pcap.", NULL },
    { "output", 'o', NULL, QTC_PATH, "REC",
      "the recording directory to create; required. It must not exist, or be empty.", NULL },
    { "qemu", 0, NULL, QTC_PATH, "PATH",
      "the QEMU system emulator. Default: $QTRACE_QEMU_SYSTEM, else qemu-system-x86_64 from PATH.", NULL },
    { "timeout", 0, NULL, QTC_SECONDS, "SEC",
      "stop the recording after SEC seconds (through QEMU's QMP: the log stays replayable); exit status 124.", NULL },
    { "quiet", 'q', NULL, QTC_FLAG, NULL, "do not print the summary line at the end.", NULL },
};
#define NRECORD_OPTS (sizeof(record_opts) / sizeof(record_opts[0]))

void qtc_help_record(FILE *f)
{
    fputs("Usage: qtrace record --kernel FILE [--initrd FILE] [OPTIONS] -o REC [-- QEMU-ARGS...]\n\n", f);
    qtc_print_wrapped(f,
                      "Boot a Linux guest as qtrace system does, under QEMU's deterministic record/replay, and "
                      "leave a self-contained recording in the directory REC: the execution log, the qcow2 image "
                      "with the start snapshot, copies of the kernel and initrd with their SHA-256, the QEMU "
                      "command line and version, the guest's console output, the network capture (--net) and a "
                      "manifest. No trace options: analyse the recording afterwards, as often as needed, with "
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
          "  replay.bin       QEMU's execution log        snapshot.qcow2  the start snapshot\n"
          "  vmlinuz, initrd  copies of the guest         console.txt     the guest's console output\n"
          "  qemu-cmdline     the exact QEMU command line net.pcap        the network capture (--net)\n"
          "\nExit status:\n"
          "  0 when the recording is complete; 124 if --timeout ended it (still complete);\n"
          "  2 on bad input (nothing is started) or if QEMU did not finalize the log (REC is marked incomplete).\n"
          "\nExamples:\n"
          "  qtrace record --kernel bzImage --initrd initrd.gz --append qtrace.run=demo -o rec\n"
          "  qtrace replay rec -p guest/progs/demo -o trace-a      # any trace options, as often as needed\n"
          "  qtrace info rec\n", f);
}

static char *now_utc(void)
{
    char buf[64];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
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

int qtc_cmd_record(int argc, char **argv)
{
    char err[2048];
    struct qtc_args a;
    struct qtc_opt_table t = { "Options", record_opts, NRECORD_OPTS };
    if (qtc_parse_args("record", &t, 1, argc, argv, true, &a, err, sizeof(err)) < 0) {
        qtc_error("%s", err);
        return QTC_EXIT_ERROR;
    }
    if (a.help) {
        qtc_help_record(stdout);
        qtc_args_free(&a);
        return 0;
    }
    int rc = QTC_EXIT_ERROR;
    struct qtc_rec rec;
    memset(&rec, 0, sizeof(rec));
    struct qtc_cfg cfg;
    memset(&cfg, 0, sizeof(cfg));
    struct qtc_launch l;
    memset(&l, 0, sizeof(l));
    char *tmp = NULL, *qemu_img = NULL;
    char *kcopy = NULL, *icopy = NULL, *snap = NULL, *log = NULL, *console = NULL, *pcap = NULL, *qmp = NULL;
    char **extra = NULL;
    int nextra = 0;
    const char *dir = qtc_args_get(&a, "output");
    const char *kernel = qtc_args_get(&a, "kernel"), *initrd = qtc_args_get(&a, "initrd");
    const char *smp = qtc_args_get(&a, "smp");
    /* ---- checks, before anything is created ---- */
    if (a.nrest > 0 && !a.dashdash) {
        qtc_error("record: unexpected argument '%.200s' (extra QEMU arguments go after --: qtrace record [OPTIONS] "
                  "-o REC -- QEMU-ARGS...)", a.rest[0]);
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
    if (a.nrest > QTC_REC_MAX_EXTRA - 2) {
        qtc_error("record: at most %d extra QEMU arguments", QTC_REC_MAX_EXTRA - 2);
        goto out;
    }
    for (int i = 0; i < a.nrest; i++) {
        const char *x = a.rest[i];
        if (strchr(x, '\n') || strcmp(x, "-smp") == 0 || strcmp(x, "-snapshot") == 0 || strcmp(x, "-icount") == 0 ||
            strncmp(x, "-accel", 6) == 0) {
            qtc_error("record: QEMU argument '%.100s' cannot be recorded (record/replay needs one vCPU, no -snapshot, "
                      "and sets -icount itself)", x);
            goto out;
        }
    }
    cfg.system = true;
    cfg.kernel = kernel;
    cfg.initrd = initrd;
    cfg.qemu = qtc_args_get(&a, "qemu");
    const char *v = qtc_args_get(&a, "timeout");
    cfg.timeout = v ? strtod(v, NULL) : 0;
    cfg.quiet = qtc_args_has(&a, "quiet");
    cfg.outdir = dir;
    cfg.smp = 1;
    v = qtc_args_get(&a, "memory");
    cfg.mem_mb = v ? (unsigned)strtoul(v, NULL, 10) : 512;
    if (cfg.mem_mb < 16) {
        qtc_error("-m/--memory: a Linux guest needs at least 16 MB, got %u", cfg.mem_mb);
        goto out;
    }
    cfg.append = qtc_args_get(&a, "append");
    if (cfg.append && strchr(cfg.append, '\n')) {
        qtc_error("--append: one line, please");
        goto out;
    }
    /* the kernel, initrd and QEMU as qtrace system checks them (no program, no plugin needed) */
    cfg.no_plugin = true;
    {
        /* qtc_check wants a plugin and an output directory: checked by hand instead */
        const char *files[2] = { kernel, initrd };
        const char *names[2] = { "kernel", "initrd" };
        for (int i = 0; i < 2; i++) {
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
    qemu_img = qtc_find_qemu_img(l.qemu);
    if (!qemu_img) {
        qtc_error("qemu-img not found (it makes the snapshot image; install qemu-utils from bookworm-backports: "
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
    rec.net = qtc_args_has(&a, "net");
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
    for (int i = 0; i < a.nrest; i++)
        rec.extra[rec.nextra++] = qtc_xstrdup(a.rest[i]);
    if (qtc_rec_write(&rec, err, sizeof(err)) < 0) {
        qtc_error("%s", err);
        goto out;
    }
    char hex[65];
    kcopy = qtc_rec_path(dir, QTC_REC_KERNEL);
    int crc = qtc_sha256_file(kernel, kcopy, hex, err, sizeof(err));
    cfg.kernel = kcopy;
    if (crc < 0) {
        qtc_error("copying the kernel: %s", err);
        goto fail;
    }
    rec.kernel_sha256 = qtc_xstrdup(hex);
    if (initrd) {
        icopy = qtc_rec_path(dir, QTC_REC_INITRD);
        cfg.initrd = icopy;
        if (qtc_sha256_file(initrd, icopy, hex, err, sizeof(err)) < 0) {
            qtc_error("copying the initrd: %s", err);
            goto fail;
        }
        rec.initrd_sha256 = qtc_xstrdup(hex);
    }
    rec.snapshot = !rec.net;
    snap = qtc_rec_path(dir, QTC_REC_SNAPSHOT);
    if (rec.snapshot) {
        char *img_argv[] = { qemu_img, "create", "-q", "-f", "qcow2", snap, "1G", NULL };
        pid_t pid = fork();
        if (pid == 0) {
            execv(qemu_img, img_argv);
            _exit(127);
        }
        int st = -1;
        if (pid > 0)
            waitpid(pid, &st, 0);
        if (pid < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            qtc_error("%s create -f qcow2 %s 1G failed", qemu_img, snap);
            goto fail;
        }
    }
    log = qtc_rec_path(dir, QTC_REC_LOG);
    console = qtc_rec_path(dir, QTC_REC_CONSOLE);
    pcap = rec.net ? qtc_rec_path(dir, QTC_REC_PCAP) : NULL;
    qmp = qtc_rec_path(tmp, "qmp.sock");
    qtc_rr_qemu_args(&extra, &nextra, "record", log, rec.snapshot ? snap : NULL, qmp, rec.net, pcap);
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
    /* ---- record ---- */
    bool timed_out = false;
    int st = qtc_run_qemu(&cfg, &l, &timed_out, err, sizeof(err));
    int fin = qtc_rec_log_final(log);
    free(rec.created);
    rec.created = now_utc();
    if (st == -1 || fin != 1 || !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
        char why[2200];
        if (st == -1)
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
    free(log);
    free(console);
    free(pcap);
    free(qmp);
    free(snap);
    free(kcopy);
    free(icopy);
    qtc_argv_free(extra);
    qtc_rr_rmtmp(tmp);
    free(qemu_img);
    free(l.qemu);
    qtc_rec_free(&rec);
    qtc_args_free(&a);
    return rc;
}
