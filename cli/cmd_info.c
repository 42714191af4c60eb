/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qtrace info: what a recording (qtrace record) holds. */
#include <dirent.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "rr.h"
#include "trace_opts.h"
#include "util.h"

void qtc_help_info(FILE *f)
{
    fputs("Usage: qtrace info REC\n\n", f);
    qtc_print_wrapped(f,
                      "Show what the recording REC (made by qtrace record) holds: its state (complete or not, and "
                      "why), the guest (kernel, initrd, command line, memory, network, disk), its length in guest "
                      "instructions, the size of the log and of the whole directory, the log's bytes per 1000 "
                      "instructions, and the QEMU version that recorded it (a replay needs the same).",
                      0, 0, 100);
    fputs("\nExit status: 0, or 2 if REC is not a recording.\n", f);
}

static long long dir_size(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    long long total = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char *p = qtc_rec_path(dir, e->d_name);
        struct stat st;
        if (stat(p, &st) == 0 && S_ISREG(st.st_mode))
            total += (long long)st.st_blocks * 512;
        free(p);
    }
    closedir(d);
    return total;
}

static void size_line(const char *what, const char *dir, const char *file)
{
    char *p = qtc_rec_path(dir, file);
    long long n = qtc_file_size(p);
    free(p);
    if (n >= 0)
        printf("  %-16s %s (%lld bytes)\n", what, file, n);
}

int qtc_cmd_info(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        qtc_help_info(stdout);
        return 0;
    }
    if (argc != 2 || argv[1][0] == '-') {
        qtc_error(argc < 2 ? "info: which recording? (qtrace info REC)"
                           : "info: one recording, no options (qtrace info REC)");
        return QTC_EXIT_ERROR;
    }
    const char *dir = argv[1];
    struct qtc_rec r;
    char err[2048];
    if (qtc_rec_read(&r, dir, err, sizeof(err)) < 0) {
        qtc_error("%s", err);
        return QTC_EXIT_ERROR;
    }
    char *log = qtc_rec_path(dir, QTC_REC_LOG);
    long long logsize = qtc_file_size(log);
    int fin = qtc_rec_log_final(log);
    free(log);
    printf("recording %s\n", dir);
    if (strcmp(r.state, "complete") == 0 && fin == 1)
        printf("  state            complete%s%s\n", r.created ? ", ended " : "", r.created ? r.created : "");
    else if (strcmp(r.state, "complete") == 0)
        printf("  state            incomplete: QEMU did not finalize %s (cannot be replayed)\n", QTC_REC_LOG);
    else if (strcmp(r.state, "recording") == 0)
        printf("  state            incomplete: the recorder was stopped before it finished (cannot be replayed)\n");
    else
        printf("  state            incomplete: %s (cannot be replayed)\n", r.reason ? r.reason : r.state);
    printf("  qemu             %s\n", r.qemu_version ? r.qemu_version : "?");
    printf("  kernel           %s, sha256 %s (from %s)\n", QTC_REC_KERNEL, r.kernel_sha256 ? r.kernel_sha256 : "?",
           r.kernel_source ? r.kernel_source : "?");
    if (r.initrd_sha256)
        printf("  initrd           %s, sha256 %s (from %s)\n", QTC_REC_INITRD, r.initrd_sha256,
               r.initrd_source ? r.initrd_source : "?");
    printf("  append           console=ttyS0 quiet panic=-1%s%s\n", r.append ? " " : "", r.append ? r.append : "");
    if (r.guest)
        printf("  bundled guest    %s\n", r.guest);
    if (r.net)
        printf("  guest            1 vCPU, %u MB, network user (%s), captured\n", r.mem_mb, r.nic);
    else
        printf("  guest            1 vCPU, %u MB, network none\n", r.mem_mb);
    if (r.disk_source) {
        printf("  disk             %s, %s, %lld bytes, sha256 %s (never written; a replay needs it unchanged)\n",
               r.disk_source, r.disk_format ? r.disk_format : "raw", r.disk_size,
               r.disk_sha256 ? r.disk_sha256 : "?");
        size_line("disk overlay", dir, QTC_REC_DISK);
    }
    for (int i = 0; i < r.nextra; i++)
        printf("  qemu argument    %s\n", r.extra[i]);
    if (r.icount_shift == QTC_REC_SHIFT_AUTO)
        printf("  guest clock      icount shift auto (follows the host's clock)\n");
    else
        printf("  guest clock      icount shift %d (%d ns per instruction)\n", r.icount_shift, 1 << r.icount_shift);
    if (r.icount_known)
        printf("  length           %" PRIu64 " instructions\n", r.icount);
    else
        printf("  length           unknown (the recording was stopped by a signal to QEMU)\n");
    if (logsize >= 0) {
        printf("  log              %s, %lld bytes", QTC_REC_LOG, logsize);
        if (r.icount_known && r.icount > 0)
            printf(", %.1f bytes per 1000 instructions", 1000.0 * (double)logsize / (double)r.icount);
        putchar('\n');
    }
    if (r.snapshot)
        size_line("snapshot", dir, QTC_REC_SNAPSHOT);
    else
        printf("  snapshot         none (a replay starts from power-on; qtrace debug takes one when gdb attaches)\n");
    size_line("console", dir, QTC_REC_CONSOLE);
    if (r.net)
        size_line("network capture", dir, QTC_REC_PCAP);
    printf("  size on disk     %lld bytes\n", dir_size(dir));
    qtc_rec_free(&r);
    return 0;
}
