/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qtrace system: boot a kernel and initrd under qemu-system-x86_64, trace a program inside. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "guest.h"
#include "files_view.h"
#include "launch.h"
#include "writer.h"
#include "util.h"
#include "writer.h"

#define DEFAULT_MEM_MB 512
#define DEFAULT_SMP 1

static const struct qtc_opt system_opts[] = {
    { "kernel", 0, "kernel", QTC_PATH, "FILE",
      "the guest kernel (bzImage); required. qtrace reads its symbols, KASLR slide and structure layouts (BTF) "
      "from it to follow the guest's processes (see --no-kernel-introspection).", NULL },
    { "initrd", 0, NULL, QTC_PATH, "FILE", "the initial RAM disk: its /init runs the traced program.", NULL },
    { "disk", 0, NULL, QTC_PATH, "IMG",
      "a raw disk image the guest sees as a virtio-blk disk (/dev/vda), read and written in place (QEMU's "
      "-drive file=IMG,format=raw,if=virtio). The bundled guest mounts it (ext4) on /mnt with --append "
      "qtrace.disk=1.", NULL },
    { "append", 0, NULL, QTC_STR, "STR",
      "more kernel command-line arguments, after \"console=ttyS0 quiet panic=-1\".", NULL },
    { "smp", 0, NULL, QTC_COUNT, "N", "number of virtual CPUs. Default: 1.", NULL },
    { "memory", 'm', NULL, QTC_SIZE_MB, "MB", "guest memory in megabytes (or with a suffix: 1G). Default: 512.",
      NULL },
    { "output", 'o', NULL, QTC_PATH, "DIR",
      "directory for the trace (trace.qtr), its conversions (trace.txt, trace.json, ...) and the plugin "
      "options (qtrace.conf); created if needed. Default: qtrace-out.", NULL },
    { "qemu", 0, NULL, QTC_PATH, "PATH",
      "the QEMU system emulator to run. Default: $QTRACE_QEMU_SYSTEM, else qemu-system-x86_64 from PATH "
      "(qemu-system-i386 for an i386 kernel).", NULL },
    { "timeout", 0, NULL, QTC_SECONDS, "SEC",
      "stop QEMU (SIGTERM to its process group, SIGKILL 10 s later) if it still runs after SEC seconds; the "
      "trace recorded so far is kept and converted; qtrace then exits with status 124.", NULL },
    { "quiet", 'q', NULL, QTC_FLAG, NULL, "do not print the summary line at the end.", NULL },
    { "guest", 0, NULL, QTC_STR, "NAME",
      "boot a bundled guest instead of --kernel/--initrd (--kernel with it: another build of its kernel, such as "
      "its vmlinux): 'debian' is Debian bookworm on an ext4 disk image (built "
      "by make guest-debian), with its disk, its image as --sysroot (-p /usr/local/bin/calls is read from it), "
      "QEMU's user network and its sshd on a host port (the ssh command is printed); see docs/real-guests.md.",
      NULL },
    { "ssh-port", 0, NULL, QTC_COUNT, "PORT",
      "with --guest: the port on 127.0.0.1 forwarded to the guest's sshd. Default: a free port.", NULL },
    { "linkmap", 0, NULL, QTC_FLAG, NULL,
      "also write DIR/trace.linkmap: every module traced with its load base, and each process's link map (the "
      "ELF files it mapped, with their bases; needs --sysroot). Same as adding linkmap to --format.", NULL },
};

const struct qtc_opt_table *qtc_system_tables(void)
{
    static struct qtc_opt_table t[2];
    t[0] = (struct qtc_opt_table){ "Options", system_opts, sizeof(system_opts) / sizeof(system_opts[0]) };
    t[1] = (struct qtc_opt_table){ "Trace options", qtc_trace_opts, qtc_ntrace_opts };
    return t;
}

int qtc_system_parse(int argc, char **argv, struct qtc_cfg *cfg, char *err, size_t errlen)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->system = true;
    if (qtc_parse_args("system", qtc_system_tables(), 2, argc, argv, true, &cfg->args, err, errlen) < 0)
        return -1;
    if (cfg->args.help)
        return 0;
    const struct qtc_args *a = &cfg->args;
    if (qtc_cfg_common(cfg, err, errlen) < 0)
        goto fail;
    const struct qtc_writer *lm = qtc_writer_find("linkmap");
    bool have_lm = false;
    for (int i = 0; i < cfg->nformats; i++)
        have_lm |= cfg->formats[i] == lm;
    if (qtc_args_has(a, "linkmap") && !have_lm && lm && cfg->nformats < QTC_MAX_FORMATS)
        cfg->formats[cfg->nformats++] = lm;
    if (cfg->args.nrest > 0 && !cfg->args.dashdash) {
        snprintf(err, errlen, "system: unexpected argument '%.200s' (extra QEMU arguments go after --: qtrace system "
                 "[OPTIONS] -- QEMU-ARGS...)", cfg->args.rest[0]);
        goto fail;
    }
    cfg->operands = cfg->args.rest;
    cfg->noperands = cfg->args.nrest;
    cfg->kernel = qtc_args_get(a, "kernel");
    if (qtc_guest_apply(cfg, err, errlen) < 0)
        goto fail;
    if (!cfg->kernel) {
        snprintf(err, errlen, "system: --kernel FILE is required (the guest kernel, e.g. bzImage)");
        goto fail;
    }
    if (!cfg->initrd)
        cfg->initrd = qtc_args_get(a, "initrd");
    cfg->append = qtc_args_get(a, "append");
    cfg->disk = qtc_args_get(a, "disk");
    const char *v = qtc_args_get(a, "smp");
    cfg->smp = v ? (unsigned)strtoul(v, NULL, 10) : DEFAULT_SMP;
    if (cfg->smp > 255) {
        snprintf(err, errlen, "--smp: at most 255 CPUs, got %u", cfg->smp);
        goto fail;
    }
    v = qtc_args_get(a, "memory");
    cfg->mem_mb = v ? (unsigned)strtoul(v, NULL, 10) : DEFAULT_MEM_MB;
    if (cfg->mem_mb < 16) {
        snprintf(err, errlen, "-m/--memory: a Linux guest needs at least 16 MB, got %u", cfg->mem_mb);
        goto fail;
    }
    return 0;
fail:
    qtc_cfg_free(cfg);
    return -1;
}

void qtc_help_system(FILE *f)
{
    fputs("Usage: qtrace system --kernel FILE [--initrd FILE] [OPTIONS] [-- QEMU-ARGS...]\n\n", f);
    qtc_print_wrapped(f,
                      "Boot a Linux kernel and initrd under qemu-system-x86_64 (TCG, no graphics, the serial "
                      "console on standard input and output) with the qtrace plugin, and record the function calls "
                      "of the program given with --program wherever the guest runs it. The plugin recognises the "
                      "program by its code: another program mapped at the same addresses is not traced. From the "
                      "kernel image qtrace also learns the guest's processes (tid:N in the output is the guest's "
                      "thread id), can trace kernel functions by name (-P do_sys_openat2), record system calls "
                      "(--syscalls) and follow one process (--comm, --pid); see docs/kernel.md.\n\n"
                      "QEMU runs until the guest powers off (panic=-1 and -no-reboot make a kernel panic end it "
                      "too), --timeout expires, or qtrace gets SIGINT or SIGTERM, which it passes on to QEMU. Then "
                      "the trace is converted into the formats of --format and a summary line is printed on "
                      "standard error. The QEMU command line is:",
                      0, 0, 100);
    fputs("\n  qemu-system-x86_64 -accel tcg -display none -serial mon:stdio -no-reboot -m MB -smp N -kernel FILE -initrd FILE\n"
          "      -append \"console=ttyS0 quiet panic=-1 STR\" -plugin libqtrace.so,conf=DIR/qtrace.conf QEMU-ARGS...\n\n",
          f);
    qtc_print_wrapped(f,
                      "Before QEMU starts, qtrace checks that the kernel and initrd can be read, that --program is "
                      "an ELF file with function symbols, that every spec parses, and that QEMU and the plugin "
                      "are there.",
                      0, 0, 100);
    fputc('\n', f);
    const struct qtc_opt_table *t = qtc_system_tables();
    qtc_print_table(f, &t[0]);
    fputc('\n', f);
    qtc_print_table(f, &t[1]);
    qtc_help_argtypes(f);
    qtc_help_env(f, true);
    fputs("\nFiles:\n"
          "  DIR/trace.qtr       the binary trace (convert it again with qtrace dump)\n"
          "  DIR/trace.txt, DIR/trace.json, DIR/trace.folded, DIR/uftrace.data   the conversions (--format)\n"
          "  DIR/qtrace.conf     the plugin options qtrace wrote, one key=value per line\n"
          "\nExit status:\n"
          "  QEMU's exit status (128+N if it was killed by signal N); 124 if --timeout stopped it;\n"
          "  2 if qtrace could not start it (bad option, missing file, no plugin) or convert the trace;\n"
          "  3 if the trace's disk filled up (recording stopped, the trace kept is readable, not converted);\n"
          "  4 if the guest kernel panicked; 5 if a guest CPU triple-faulted.\n"
          "\nExamples:\n"
          "  qtrace system --kernel bzImage --initrd initrd.gz -p rootfs/usr/bin/prog\n"
          "      every function of prog, as /init runs it\n"
          "  qtrace system --kernel bzImage --initrd initrd.gz -p prog -P 'parse_*' -A 'parse_line@arg1/s' \\\n"
          "                --smp 2 -m 1G --timeout 120 --append 'init=/bin/sh'\n"
          "      parse_* functions with a string argument, two CPUs, at most two minutes\n"
          "  qtrace system --kernel bzImage --initrd initrd.gz -p prog --bias 0x555555554000 -- -s\n"
          "      a PIE loaded at 0x555555554000, and QEMU's gdb server (-s) for debugging\n", f);
}

/* The guest's kernel, checked as the plugin will read it; then the plugin loads it while the
 * guest's firmware runs. */
int qtc_system_prepare(struct qtc_cfg *cfg, const struct qtc_launch *l, char *err, size_t errlen)
{
    /* --program as found in --sysroot, for the plugin (a later key replaces an earlier one) */
    if (l->sysroot_program) {
        char *kv = qtc_xmalloc(strlen(l->sysroot_program) + 16);
        sprintf(kv, "program=%s", l->sysroot_program);
        qtc_args_add_kv(&cfg->args, kv);
        free(kv);
    }
    /* an image --sysroot: the plugin reads the libraries extracted from it */
    if (l->sysroot_libs) {
        char *kv = qtc_xmalloc(strlen(l->sysroot_libs) + 16);
        sprintf(kv, "sysroot=%s", l->sysroot_libs);
        qtc_args_add_kv(&cfg->args, kv);
        free(kv);
    }
    if (qtc_check_kernel(&cfg->args, cfg->kernel, cfg->outdir, err, errlen) < 0)
        return -1;
    const char *fw = qtc_args_get(&cfg->args, "files-written");
    if (fw && qtc_files_check_dir(fw, err, errlen) < 0)
        return -1;
    /* --disk-trace: its summary is one of the outputs */
    bool has_disk = false;
    for (int i = 0; i < cfg->nformats; i++)
        has_disk |= cfg->formats[i] == &qtc_writer_disk;
    if (qtc_args_has(&cfg->args, "disk-trace") && !has_disk && cfg->nformats < QTC_MAX_FORMATS)
        cfg->formats[cfg->nformats++] = &qtc_writer_disk;
    bool introspection = !qtc_args_has(&cfg->args, "no-kernel-introspection");
    if (introspection)
        qtc_args_add_kv(&cfg->args, "kernel_async=on");
    bool kernel_too = introspection && (qtc_args_has(&cfg->args, "patch") || qtc_args_has(&cfg->args, "filter") ||
                                        qtc_args_has(&cfg->args, "argument") ||
                                        qtc_args_has(&cfg->args, "retval") || qtc_args_has(&cfg->args, "syscalls"));
    if (!l->program && !kernel_too && !qtc_args_has(&cfg->args, "plugin-opt"))
        qtc_warn("no --program given: no function will be traced");
    if (qtc_guest_banner(cfg) && !cfg->quiet)
        fprintf(stderr, "qtrace: %s\n", qtc_guest_banner(cfg));
    return 0;
}

int qtc_cmd_system(int argc, char **argv)
{
    return qtc_launch_cmd(argc, argv, qtc_system_parse, qtc_help_system, qtc_system_prepare);
}
