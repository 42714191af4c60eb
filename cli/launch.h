/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What `qtrace run` and `qtrace system` share: the parsed configuration, the checks done
 * before QEMU starts (files, ELF, symbols, QEMU, plugin), qtrace.conf, starting and waiting
 * for QEMU (signals, --timeout, job control), converting the trace and the summary line.
 */
#ifndef QTRACE_CLI_LAUNCH_H
#define QTRACE_CLI_LAUNCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "reader.h"
#include "trace_opts.h"
#include "writer.h"

#define QTC_MAX_FORMATS 16
#define QTC_DEFAULT_OUTDIR "qtrace-out"
#define QTC_TIMEOUT_STATUS 124      /* exit status when --timeout stopped QEMU, as timeout(1) */

struct qtc_cfg {
    bool system;                    /* qtrace system (else qtrace run) */
    struct qtc_args args;           /* every option, in order */
    const char *outdir;             /* -o DIR */
    const struct qtc_writer *formats[QTC_MAX_FORMATS];
    int nformats;
    double timeout;                 /* seconds, 0 = none */
    bool quiet;
    const char *qemu;               /* --qemu, or NULL */
    const char *program;            /* --program, or NULL (run: PROGRAM is used) */
    /* system */
    const char *kernel, *initrd, *append;
    const char *disk;               /* --disk IMG: a raw virtio-blk drive, or NULL */
    unsigned smp, mem_mb;
    /* run: PROGRAM ARGS...; system: extra QEMU arguments (after --) */
    char **operands;
    int noperands;
    /* record and replay (cmd_record.c, cmd_replay.c) */
    const char *console_log;        /* the serial console is also written to this file, or NULL */
    bool no_plugin;                 /* QEMU runs without the plugin (qtrace record) */
    const char *qmp;                /* QMP socket QEMU listens on: the guest is stopped through it, or NULL */
    const struct qtc_cpupin *pin;   /* the host CPU QEMU runs on (cpupin.h), or NULL: any */
    char **qemu_extra;              /* QEMU arguments before the operands (record/replay options) */
    int nqemu_extra;
    /* system --guest NAME (guest.c) */
    const char *guest_root;         /* the guest's root for --sysroot (its disk image), or NULL */
    char *guest_files[4];           /* the paths kernel, initrd and guest_root point to (owned) */
    char **guest_args;              /* QEMU arguments of its devices (disk, network), NULL-terminated */
    int nguest_args;
    char *guest_banner;             /* how to reach it (ssh), or NULL */
};

/* What the checks found, for starting QEMU. */
struct qtc_launch {
    char *qemu;                     /* QEMU executable */
    char *plugin;                   /* libqtrace.so */
    char *program;                  /* ELF whose functions are traced (program=), or NULL */
    char *target;                   /* run: the program QEMU runs */
    char *argv0;                    /* run: argv[0] for the guest when target was found in PATH */
    char *conf;                     /* DIR/qtrace.conf */
    char *trace;                    /* DIR/trace.qtr */
    char *legacy;                   /* -plugin value of libqtrace-legacy.so (--legacy-plugin), or NULL */
    char *sysroot;                  /* run: the guest's library root (QEMU's -L), or NULL */
    char *sysroot_program;          /* system: --program found in --sysroot, as a host path, or NULL */
    char *sysroot_libs;             /* system: the folder an image --sysroot's libraries were extracted to, or NULL */
    char *reset_log;                /* system: QEMU's CPU reset log, DIR/qemu-resets.log (ending.h), or NULL */
    /* filled by qtc_launch_run when cfg->qmp is set */
    bool icount_known;              /* icount was read from QEMU (query-replay) */
    uint64_t icount;                /* guest instructions executed when the guest stopped */
    bool guest_shutdown;            /* the guest shut itself down (else QEMU was told to quit) */
};

/* Option tables of the commands: [0] the command's own, [1] the trace options
 * (cmd_run.c, cmd_system.c). */
const struct qtc_opt_table *qtc_run_tables(void);
const struct qtc_opt_table *qtc_system_tables(void);
/* Fill the fields every launch has (output, format, timeout, quiet, qemu, program) from
 * cfg->args. 0, or -1 with err. */
int qtc_cfg_common(struct qtc_cfg *cfg, char *err, size_t errlen);

/* Parse the command line of `run` / `system` (argv[0] is the command name): options, numbers,
 * specs. Nothing on disk is looked at. 0, or -1 with a message in err. */
int qtc_run_parse(int argc, char **argv, struct qtc_cfg *cfg, char *err, size_t errlen);
int qtc_system_parse(int argc, char **argv, struct qtc_cfg *cfg, char *err, size_t errlen);
void qtc_cfg_free(struct qtc_cfg *cfg);
/* qtrace system's own step once qtc_check passed: the kernel checks, its plugin options. */
int qtc_system_prepare(struct qtc_cfg *cfg, const struct qtc_launch *l, char *err, size_t errlen);

/* Check the inputs before QEMU starts: files, ELF, function symbols, QEMU, plugin, output
 * directory (created). Fills l. 0, or -1 with a message in err. */
int qtc_check(const struct qtc_cfg *cfg, struct qtc_launch *l, char *err, size_t errlen);
void qtc_launch_free(struct qtc_launch *l);

/* The QEMU command line (NULL-terminated, free with qtc_argv_free). */
char **qtc_qemu_argv(const struct qtc_cfg *cfg, const struct qtc_launch *l);
void qtc_argv_free(char **argv);

/* Write l->conf from cfg. 0, or -1 with a message in err. */
int qtc_write_conf(const struct qtc_cfg *cfg, const struct qtc_launch *l, char *err, size_t errlen);

/* Everything: conf, QEMU, conversion, summary. Returns the exit status for qtrace. */
int qtc_launch_run(const struct qtc_cfg *cfg, struct qtc_launch *l);

/* Start argv in the background, stdin /dev/null, stdout and stderr to log (created), on the CPU of
 * pin (or NULL); own_group: in a process group of its own (signals to qtrace's group do not reach
 * it), else in qtrace's (a Ctrl-C reaches it too). Its pid, or -1. */
pid_t qtc_spawn_logged(char *const argv[], const char *log, const struct qtc_cpupin *pin, bool own_group);

/* Run QEMU (cfg and l as for qtc_launch_run; no conf, no conversion) and wait for it. With
 * cfg->qmp, QEMU is expected to pause at a guest shutdown (-action shutdown=pause): qtrace then
 * reads the instruction count and sends quit; --timeout and signals stop the guest the same way
 * (never SIGKILL while QMP answers). Returns the wait status, or -1 with err. */
int qtc_run_qemu(const struct qtc_cfg *cfg, struct qtc_launch *l, bool *timed_out, char *err, size_t errlen);

/* qtrace's exit code for QEMU's wait status. */
int qtc_exit_code(int status, bool timed_out);

/* `run` and `system`: parse, --help, qtc_check, the command's own step (prepare: its checks and
 * options once qtc_check passed; NULL: none), then qtc_launch_run. Returns the exit status. */
int qtc_launch_cmd(int argc, char **argv, int (*parse)(int, char **, struct qtc_cfg *, char *, size_t),
                   void (*help)(FILE *), int (*prepare)(struct qtc_cfg *, const struct qtc_launch *, char *, size_t));

/* Convert trace into DIR/trace.EXT for each format and print the summary (unless quiet). With
 * end (ending.h), first judge how the run ended (end->code), and convert only if end->convert.
 * Returns 0, or -1 after printing an error. */
struct qtc_end;
int qtc_convert(const char *trace, const char *outdir, const struct qtc_writer *const *formats, int nformats,
                bool quiet, struct qtc_end *end);

/* "qtrace: 1234 events, 12 functions, 3 threads, 0 lost -> DEST" on stderr. */
void qtc_print_summary(const struct qtr *r, const char *dest);

/* ELF facts read from the file header, for the checks. */
struct qtc_elf_info {
    bool elf;
    int elf_class;                  /* 32 or 64 */
    int machine;                    /* e_machine */
    bool dynamic;                   /* has PT_INTERP: loads shared libraries */
    char interp[256];               /* PT_INTERP: its dynamic loader */
    bool pvh;                       /* a PT_NOTE has Xen's PVH entry (note 18): QEMU boots this kernel directly */
};
/* 0 (info->elf false if not an ELF), or -errno if the file cannot be read. */
int qtc_elf_probe(const char *path, struct qtc_elf_info *info);
/* 0 if QEMU can boot kernel as it is: a bzImage, or an x86 ELF with the PVH note; -1 with err */
int qtc_check_kernel_boot(const char *kernel, char *err, size_t errlen);
/* Number of function symbols (PLT stubs excluded); -1 with err if the ELF cannot be loaded. */
long qtc_count_functions(const char *path, char *err, size_t errlen);

#endif
