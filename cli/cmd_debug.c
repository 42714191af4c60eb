/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qtrace debug: a recording replayed paused under QEMU's gdb stub, and gdb started on it with
 * what qtrace knows of the program; reverse execution works (QEMU's replay-based reverse
 * debugging). No plugin is loaded. */
#include <arpa/inet.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cpupin.h"
#include "debug_bias.h"
#include "debug_gdb.h"
#include "kallsyms.h"
#include "kimage.h"
#include "launch.h"
#include "rr.h"
#include "rr_disk.h"
#include "symtab.h"
#include "trace_opts.h"
#include "util.h"

static const struct qtc_opt debug_opts[] = {
    { "program", 'p', NULL, QTC_PATH, "PATH",
      "the guest program to debug, a host copy of it or, for a recording of a bundled guest (--guest), its path "
      "in the guest's disk image: gdb gets its symbols and DWARF (source lines).", NULL },
    { "bias", 0, NULL, QTC_HEX, "HEX",
      "load bias of --program if it is a PIE. Default: learned from one replay of REC with the plugin (the first "
      "process that ran it), before gdb starts; 0 for a static executable.", NULL },
    { "break", 0, NULL, QTC_STR, "FUNC",
      "a breakpoint at FUNC of --program, which stops only in a process that runs --program's code there "
      "(other programs mapped at the same addresses do not stop).", NULL },
    { "port", 0, NULL, QTC_COUNT, "N", "TCP port of QEMU's gdb stub on 127.0.0.1. Default: a free one.", NULL },
    { "print", 0, NULL, QTC_FLAG, NULL,
      "do not start gdb: print the command that does, and wait until QEMU ends (Ctrl-C ends it).", NULL },
    { "output", 'o', NULL, QTC_PATH, "DIR",
      "directory for the gdb script (gdbinit), the console output and QEMU's messages. Default: qtrace-debug.",
      NULL },
    { "qemu", 0, NULL, QTC_PATH, "PATH", "the QEMU that recorded (default as for qtrace replay).", NULL },
    { "host-cpu", 0, NULL, QTC_STR, "CPU", "the host CPU QEMU runs on, as for qtrace replay. Default: none.", NULL },
};
#define NDEBUG_OPTS (sizeof(debug_opts) / sizeof(debug_opts[0]))

void qtc_help_debug(FILE *f)
{
    fputs("Usage: qtrace debug REC [-p PROGRAM [--break FUNC]] [--print] [-o DIR] [-- GDB-ARGS...]\n\n", f);
    qtc_print_wrapped(f,
                      "Replay the recording REC paused under QEMU's gdb stub (no plugin loaded) and start gdb on "
                      "it: the script DIR/gdbinit loads --program's symbols and DWARF, connects, sets the --break "
                      "breakpoint, loads the kernel's symbols (DIR/kernel.sym) at their KASLR addresses at the first "
                      "stop where the kernel runs, and takes a QEMU snapshot at stops. gdb's reverse execution works: "
                      "reverse-stepi, reverse-step, reverse-next, reverse-finish, reverse-continue, and watchpoints "
                      "in both directions. Every backward command reloads the nearest snapshot before its target "
                      "and replays forward from there: seconds near a stop, up to two replays of the recording "
                      "without one (see docs/record-replay.md). GDB-ARGS go to gdb (e.g. -batch -x commands.gdb). "
                      "When gdb exits, QEMU is stopped; nothing in REC is written.",
                      0, 0, 100);
    fputc('\n', f);
    struct qtc_opt_table t = { "Options", debug_opts, NDEBUG_OPTS };
    qtc_print_table(f, &t);
    fputs("\nExit status: gdb's (with --print: 0 when QEMU ended); 2 on bad input.\n"
          "\nExample (the pointer that became NULL):\n"
          "  qtrace debug rec -p guest/progs/nullptr --break use_item\n"
          "  (gdb) continue            # stops in use_item, where p is dereferenced\n"
          "  (gdb) continue            # the second call: p is NULL\n"
          "  (gdb) watch p\n"
          "  (gdb) reverse-continue    # stops just after p was set to NULL (reverse-stepi: the store)\n", f);
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(a);
    int port = -1;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 && getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

/* Is a TCP socket listening on port? Read from /proc/net/tcp: a test connection would be
 * taken by QEMU's gdb stub as its one client. */
static bool port_listens(int port)
{
    FILE *f = fopen("/proc/net/tcp", "r");
    if (!f)
        return false;
    char line[512];
    bool found = false;
    while (!found && fgets(line, sizeof(line), f)) {
        unsigned lport, st;
        if (sscanf(line, " %*u: %*x:%x %*x:%*x %x", &lport, &st) == 2 && lport == (unsigned)port && st == 0x0A)
            found = true;
    }
    fclose(f);
    return found;
}

/* Guest instructions between two snapshots taken at stops (about a second of replay). */
#define SNAPSHOT_GAP 100000000ull

/* The kernel's symbols as an ELF file for gdb (link-time addresses; the gdb script finds the
 * slide). true when written and *img is loaded; otherwise one line says why gdb has none. */
static bool kernel_symbols(const char *kernel, const char *elf, struct qt_kimage *img)
{
    char err[1024];
    struct qt_ksyms ks;
    memset(&ks, 0, sizeof(ks));
    bool ok = false;
    if (qt_kimage_load(img, kernel, err, sizeof(err)) < 0)
        qtc_warn("gdb gets no kernel symbols: %s", err);
    else if (img->machine != EM_X86_64)
        qtc_warn("gdb gets no kernel symbols: %s is not an x86-64 kernel", kernel);
    else if (qt_ksyms_from_kimage(&ks, img, err, sizeof(err)) < 0)
        qtc_warn("gdb gets no kernel symbols: %s", err);
    else if (qtc_ksyms_elf_write(&ks, elf, err, sizeof(err)) < 0)
        qtc_warn("gdb gets no kernel symbols: %s: %s", elf, err);
    else
        ok = true;
    qt_ksyms_free(&ks);
    return ok;
}

static volatile sig_atomic_t stop_sig;
static void on_stop(int sig)
{
    stop_sig = sig;
}

int qtc_cmd_debug(int argc, char **argv)
{
    char err[2048];
    struct qtc_args a;
    struct qtc_opt_table t = { "Options", debug_opts, NDEBUG_OPTS };
    if (qtc_parse_args("debug", &t, 1, argc, argv, false, &a, err, sizeof(err)) < 0) {
        qtc_error("%s", err);
        return QTC_EXIT_ERROR;
    }
    if (a.help) {
        qtc_help_debug(stdout);
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
    struct qt_symtab st;
    bool have_st = false;
    char *qemu_img = NULL, *disk = NULL, *pcap = NULL;
    char *version = NULL, *tmp = NULL, *snap = NULL, *log = NULL, *console = NULL, *qmp = NULL, *script = NULL;
    char *kernel = NULL, *initrd = NULL, *gdb = NULL, *qlog = NULL, *ksym = NULL;
    char *learned = NULL; /* the program's host copy, when a replay learned its load bias */
    struct qt_kimage img;
    memset(&img, 0, sizeof(img));
    bool have_ksym = false;
    char **extra = NULL, **qargv = NULL;
    int nextra = 0;
    pid_t qpid = -1;
    const char *dir = NULL;
    /* operands: REC, then (after --) gdb's arguments */
    int ngdb = 0;
    char **gdbargs = NULL;
    if (a.nrest >= 1 && !(a.dashdash && a.nrest >= 1 && strcmp(a.rest[0], "--") == 0)) {
        dir = a.rest[0];
        gdbargs = a.rest + 1;
        ngdb = a.nrest - 1;
        if (ngdb > 0 && strcmp(gdbargs[0], "--") == 0) {
            gdbargs++;
            ngdb--;
        }
    }
    if (!dir) {
        qtc_error("debug: which recording? (qtrace debug REC [OPTIONS] [-- GDB-ARGS...])");
        goto out;
    }
    const char *prog = qtc_args_get(&a, "program"), *brk = qtc_args_get(&a, "break");
    const char *outdir = qtc_args_get(&a, "output") ? qtc_args_get(&a, "output") : "qtrace-debug";
    bool print = qtc_args_has(&a, "print");
    uint64_t bias = 0;
    if (qtc_args_get(&a, "bias"))
        bias = strtoull(qtc_args_get(&a, "bias"), NULL, 16);
    if (brk && !prog) {
        qtc_error("--break %s needs --program PATH (the program FUNC belongs to)", brk);
        goto out;
    }
    if (qtc_rec_read(&rec, dir, err, sizeof(err)) < 0) {
        qtc_error("%s", err);
        goto out;
    }
    const char *q = qtc_args_get(&a, "qemu") ? qtc_args_get(&a, "qemu") : getenv("QTRACE_QEMU_SYSTEM");
    l.qemu = qtc_which(q && *q ? q : "qemu-system-x86_64");
    if (!l.qemu) {
        qtc_error("%s not found (give the QEMU that recorded with --qemu PATH)", q && *q ? q : "qemu-system-x86_64");
        goto out;
    }
    version = qtc_qemu_version(l.qemu);
    if (qtc_rec_check(&rec, version, err, sizeof(err)) < 0 || qtc_rr_disk_check(&rec, err, sizeof(err)) < 0) {
        qtc_error("%s", err);
        goto out;
    }
    /* a PIE: where the guest loaded it, from one replay with the plugin */
    if (prog && !qtc_args_get(&a, "bias") && qtc_debug_needs_bias(prog, rec.guest != NULL)) {
        if (mkdir(outdir, 0777) < 0 && errno != EEXIST) {
            qtc_error("cannot create %s: %s", outdir, strerror(errno));
            goto out;
        }
        fprintf(stderr, "qtrace: finding where the guest loaded %s: one replay of %s (--bias HEX skips it)\n", prog,
                dir);
        if (qtc_debug_learn_bias(dir, prog, brk ? brk : "main", qtc_args_get(&a, "qemu"), outdir, &bias, &learned, err,
                                 sizeof(err)) < 0) {
            qtc_error("%s", err);
            goto out;
        }
        fprintf(stderr, "qtrace: %s is loaded at 0x%" PRIx64 " in the recording's first process that ran it\n", prog,
                bias);
        prog = learned;
    }
    uint64_t brk_addr = 0, brk_bytes = 0;
    if (prog) {
        if (qt_symtab_load(&st, prog, bias, err, sizeof(err)) < 0) {
            qtc_error("--program %s", err);
            goto out;
        }
        have_st = true;
        if (brk) {
            const struct qt_sym *s = qt_symtab_find(&st, brk);
            if (!s) {
                qtc_error("--break %s: %s has no function of that name", brk, prog);
                goto out;
            }
            brk_addr = s->addr;
            if (!qt_symtab_read(&st, brk_addr, &brk_bytes, sizeof(brk_bytes))) {
                qtc_error("--break %s: its code is not in %s's file", brk, prog);
                goto out;
            }
        }
    }
    if (!print) {
        gdb = qtc_which("gdb");
        if (!gdb) {
            qtc_error("gdb not found (apt-get install gdb), or use --print and run a gdb of your own");
            goto out;
        }
    }
    int port = qtc_args_get(&a, "port") ? atoi(qtc_args_get(&a, "port")) : free_port();
    if (port <= 0 || port > 65535) {
        qtc_error("--port: no free TCP port found (give one with --port N)");
        goto out;
    }
    if (port_listens(port)) {
        qtc_error("--port %d: something already listens there (choose another port)", port);
        goto out;
    }
    if (mkdir(outdir, 0777) < 0 && errno != EEXIST) {
        qtc_error("cannot create %s: %s", outdir, strerror(errno));
        goto out;
    }
    /* an e1000 card cannot be reloaded from a snapshot in a replay (docs/record-replay.md) */
    bool backward = !(rec.net && rec.nic && strcmp(rec.nic, QTC_REC_NIC_OLD) == 0);
    if (!rec.snapshot && !(qemu_img = qtc_find_qemu_img(l.qemu))) {
        qtc_error("qemu-img not found (it makes the debug session's snapshot image and disk overlay; install "
                  "qemu-utils from bookworm-backports, or run scripts/setup.sh)");
        goto out;
    }
    if (qtc_rr_private_dir(dir, &rec, &tmp, &snap, err, sizeof(err)) < 0 ||
        (rec.disk_source && qtc_rr_disk_private(&rec, tmp, qemu_img, &disk, err, sizeof(err)) < 0)) {
        qtc_error("%s", err);
        goto out;
    }
    if (!rec.snapshot && backward) {
        /* an empty image for the snapshots: QEMU takes one ("start_debugging") when gdb attaches,
         * qtrace's gdb script more at stops; backward commands reload the nearest */
        snap = qtc_rec_path(tmp, QTC_REC_SNAPSHOT);
        const char *img_args[] = { "create", "-q", "-f", "qcow2", snap, "1G", NULL };
        if (qtc_qemu_img(qemu_img, img_args, err, sizeof(err)) < 0) {
            qtc_error("%s", err);
            goto out;
        }
    }
    if (!backward)
        qtc_warn("%s was recorded with an e1000 network card (by an older qtrace), which QEMU cannot reload from a "
                 "snapshot: gdb can go forward only, reverse commands will fail; record it again", dir);
    bool vapic_off = false;
    for (int i = 0; i + 1 < rec.nextra; i++)
        vapic_off |= strcmp(rec.extra[i], "-global") == 0 && strcmp(rec.extra[i + 1], QTC_REC_NO_VAPIC) == 0;
    if (backward && !vapic_off)
        qtc_warn("%s was recorded with QEMU's kvmvapic device: reverse-continue, reverse-next and reverse-finish "
                 "deadlock QEMU 10.0 on it (reverse-stepi works); record it again with this qtrace "
                 "(docs/record-replay.md, reverse debugging)", dir);
    else if (backward && rec.icount_shift != QTC_REC_SHIFT_AUTO)
        qtc_warn("%s was recorded with a fixed icount shift (%d): reverse-continue has been seen to hang on such "
                 "recordings on a loaded host; for reverse debugging, record with --icount-shift auto "
                 "(docs/record-replay.md, reverse debugging)", dir, rec.icount_shift);
    kernel = qtc_rec_path(dir, QTC_REC_KERNEL);
    ksym = qtc_rec_path(outdir, "kernel.sym");
    have_ksym = kernel_symbols(kernel, ksym, &img);
    /* the gdb script */
    script = qtc_rec_path(outdir, "gdbinit");
    FILE *f = fopen(script, "w");
    if (!f) {
        qtc_error("%s: %s", script, strerror(errno));
        goto out;
    }
    fprintf(f, "# written by qtrace debug for %s\nset pagination off\nset confirm off\n", dir);
    if (prog) {
        char *abs = realpath(prog, NULL);
        if (bias)
            fprintf(f, "symbol-file -o 0x%" PRIx64 " %s\n", bias, abs ? abs : prog);
        else
            fprintf(f, "file %s\n", abs ? abs : prog);
        free(abs);
    }
    /* the stub answers slowly while QEMU replays: gdb must not resend and desynchronise */
    fprintf(f, "set remotetimeout 600\ntarget remote 127.0.0.1:%d\n", port);
    if (brk)
        fprintf(f, "# stop only where %s's own code is mapped at %s (other programs use the same addresses)\n"
                "break %s if *(unsigned long long *)0x%" PRIx64 " == 0x%" PRIx64 "\n",
                prog, brk, brk, brk_addr, brk_bytes);
    if (snap)
        qtc_gdb_snapshot_script(f, SNAPSHOT_GAP);
    if (have_ksym) {
        char *abs = realpath(ksym, NULL);
        if (!qtc_ksyms_gdb_script(f, &img, abs ? abs : ksym))
            qtc_warn("%s has no \"Linux version\" banner to find its KASLR slide by: gdb gets no kernel symbols",
                     kernel);
        free(abs);
    }
    if (fclose(f) != 0) {
        qtc_error("writing %s: %s", script, strerror(errno));
        goto out;
    }
    /* QEMU: the replay, paused, with the gdb stub and no plugin */
    if (rec.initrd_sha256)
        initrd = qtc_rec_path(dir, QTC_REC_INITRD);
    log = qtc_rec_path(dir, QTC_REC_LOG);
    console = qtc_rec_path(outdir, QTC_REC_CONSOLE);
    qlog = qtc_rec_path(outdir, "qemu.log");
    cfg.system = true;
    cfg.no_plugin = true;
    cfg.kernel = kernel;
    cfg.initrd = initrd;
    cfg.append = rec.append;
    cfg.mem_mb = rec.mem_mb;
    cfg.smp = 1;
    cfg.console_log = console;
    /* the replay's network filters must be the recording's, capture included (see cmd_replay.c) */
    if (rec.net)
        pcap = qtc_rec_path(tmp, QTC_REC_PCAP);
    qtc_rr_qemu_args(&extra, &nextra, &rec, "replay", log, snap, NULL, pcap, disk);
    char gdbdev[64];
    snprintf(gdbdev, sizeof(gdbdev), "tcp:127.0.0.1:%d", port);
    const char *more[] = { "-S", "-gdb", gdbdev };
    for (size_t i = 0; i < 3; i++) {
        extra = qtc_xrealloc(extra, (size_t)(nextra + 2) * sizeof(char *));
        extra[nextra++] = qtc_xstrdup(more[i]);
        extra[nextra] = NULL;
    }
    cfg.qemu_extra = extra;
    cfg.nqemu_extra = nextra;
    cfg.operands = rec.extra;
    cfg.noperands = rec.nextra;
    qargv = qtc_qemu_argv(&cfg, &l);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    if (print)
        sigaction(SIGINT, &sa, NULL);
    else
        signal(SIGINT, SIG_IGN); /* Ctrl-C is gdb's: it interrupts the guest */
    /* QEMU on the CPU --host-cpu names, as qtrace replay runs it (cpupin.h); a claim lasts until
     * qtrace exits */
    struct qtc_cpupin pin;
    if (qtc_cpupin_claim(&pin, qtc_args_get(&a, "host-cpu"), err, sizeof(err)) < 0) {
        qtc_error("%s", err);
        goto out;
    }
    qpid = qtc_spawn_logged(qargv, qlog, &pin, true);
    if (qpid < 0) {
        qtc_error("cannot start QEMU: %s", strerror(errno));
        goto out;
    }
    bool up = false;
    for (int i = 0; i < 600 && !up; i++) {
        int st;
        if (waitpid(qpid, &st, WNOHANG) == qpid) {
            qpid = -1;
            qtc_error("QEMU exited before its gdb stub listened (its messages: %s)", qlog);
            goto out;
        }
        up = port_listens(port);
        if (!up) {
            struct timespec ts = { 0, 100 * 1000 * 1000 };
            nanosleep(&ts, NULL);
        }
    }
    if (!up) {
        qtc_error("QEMU's gdb stub did not listen on port %d within 60 s (its messages: %s)", port, qlog);
        goto out;
    }
    if (print) {
        printf("gdb -x %s%s%s\n", script, prog ? "    # the symbols of " : "", prog ? prog : "");
        fflush(stdout);
        int st;
        /* a SIGTERM or SIGHUP that came while QEMU started ends it too */
        while (!stop_sig && waitpid(qpid, &st, 0) < 0 && errno == EINTR)
            ;
        rc = 0;
        goto out;
    }
    /* gdb in the foreground */
    char **gargv = qtc_xcalloc((size_t)ngdb + 5, sizeof(char *));
    int k = 0;
    gargv[k++] = gdb;
    gargv[k++] = "-q";
    gargv[k++] = "-x";
    gargv[k++] = script;
    for (int i = 0; i < ngdb; i++)
        gargv[k++] = gdbargs[i];
    fflush(NULL);
    pid_t gpid = fork();
    if (gpid == 0) {
        signal(SIGINT, SIG_DFL);
        execv(gdb, gargv);
        _exit(127);
    }
    free(gargv);
    int gst = 0;
    bool passed = false;
    do {
        if (gpid > 0 && stop_sig && !passed) {
            kill(gpid, SIGTERM); /* SIGTERM or SIGHUP to qtrace, now or while QEMU started: gdb ends, then QEMU */
            passed = true;
        }
    } while (gpid > 0 && waitpid(gpid, &gst, 0) < 0 && errno == EINTR);
    rc = gpid < 0 ? QTC_EXIT_ERROR : WIFEXITED(gst) ? WEXITSTATUS(gst) : 128 + WTERMSIG(gst);
out:
    if (qpid > 0) {
        /* a replaying QEMU has nothing to finalize: SIGTERM ends it */
        kill(-qpid, SIGTERM);
        int st;
        for (int i = 0; i < 100 && waitpid(qpid, &st, WNOHANG) == 0; i++) {
            struct timespec ts = { 0, 100 * 1000 * 1000 };
            nanosleep(&ts, NULL);
            if (i == 99) {
                kill(-qpid, SIGKILL);
                waitpid(qpid, &st, 0);
            }
        }
    }
    if (have_st)
        qt_symtab_free(&st);
    qt_kimage_free(&img);
    free(ksym);
    qtc_argv_free(qargv);
    qtc_argv_free(extra);
    qtc_rr_rmtmp(tmp);
    free(l.qemu);
    free(version);
    free(snap);
    free(qemu_img);
    free(disk);
    free(pcap);
    free(log);
    free(console);
    free(qmp);
    free(script);
    free(kernel);
    free(initrd);
    free(gdb);
    free(qlog);
    free(learned);
    qtc_rec_free(&rec);
    qtc_args_free(&a);
    return rc;
}
