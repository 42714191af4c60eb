/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Plugin options. The plugin takes them as QEMU plugin arguments
 * (-plugin libqtrace.so,out=t.qtr,func=main) or, because specs contain commas, from a file
 * (conf=FILE, one key=value per line, '#' comments). The CLI always writes such a file.
 *
 *   out=PATH        binary trace file (default: qtrace.qtr)
 *   program=PATH    ELF whose functions are traced (the binary that runs in the guest)
 *   sysroot=DIR     the guest's file system on the host: libraries the guest maps are read
 *                   from DIR + their path (user mode: QEMU's -L)
 *   bias=HEX        load bias of program (PIE in system mode; default 0)
 *   func=GLOB       trace only functions matching GLOB (repeatable)           [-P]
 *   filter=GLOB     record only inside functions matching GLOB: them and the
 *                   traced functions they call, as uftrace's -F (repeatable)  [-F]
 *   notrace=GLOB    do not record functions matching GLOB nor what they call,
 *                   as uftrace's -N (repeatable)                              [-N]
 *   addr=HEX        trace the function starting at HEX (repeatable)
 *   range=LO-END    trace every function of the program (and its libraries) that starts in
 *                   [LO, END) (hex; repeatable): address-range selection (qtrace compat)
 *   arg=SPEC        argument spec, e.g. greet@arg1/s,arg2/i32 (repeatable)    [-A]
 *   ret=SPEC        return value spec, e.g. add@retval/i (repeatable)         [-R]
 *   depth=N         record calls nested at most N deep (default: unlimited)   [-D]
 *   icount=on|off   count guest instructions for durations (default: on)
 *   syscalls=on     record system calls (user mode)
 *   libs=on|off     patterns also match shared-library functions (default on); 'lib:GLOB'
 *                   patterns (func=lib:libc.so.6) select every function of matching libraries
 *   kernel=PATH     system mode: the guest's kernel image: kernel symbols, KASLR slide,
 *                   structure layouts (BTF), current process on every event   [qtrace system]
 *   kernel_symbols=PATH  System.map or /proc/kallsyms instead of the image's kallsyms
 *   layout=PATH     structure offsets over (or instead of) the kernel's BTF
 *   kernel_introspection=on|off  off: ignore kernel= (default on)
 *   kernel_async=on load the kernel image while the guest's firmware runs (qtrace system sets it
 *                   once it has checked the image itself; errors are then warnings)
 *   kernel_all=on   allow patterns that select more than 2000 kernel functions
 *   comm=GLOB       record only while a task of that name runs (system mode)
 *   pid=N           record only while process N runs (system mode)
 *   follow=on       with comm=/pid=: also their children, grandchildren...
 *   program_as=on   record only while an address space the traced program's own code ran in is
 *                   current (its cr3), user and kernel code; needs no task layouts (i386 guests)
 *   disk_trace=on   system mode: every block request of the guest (QT_REC_DISK records)
 *   files_written=DIR  system mode: what the selected processes write to regular files (QT_REC_FILEW
 *                   records); the CLI rebuilds the files under DIR
 *   processes=on    system mode: what qtrace ps needs beyond the process timeline: the guest
 *                   instructions each task ran, and uid changes (plugin/kernel_procs.c)
 *   vmmap=on|pages  system mode: the selected processes' memory maps as they change (QT_REC_VMA);
 *                   pages: also virtual page -> physical frame pairs (QT_REC_PAGE)
 *   linkmap=ADDR    the program's .got.plt (file address, hex): at each process's first call of
 *                   a program function, the guest's link map is walked (QT_PROC_LINKMAP records)
 *   execlog=on      execution log (see plugin/execlog.c): ifilter=, afilter=, reg=, rdisas=on,
 *                   execlog_format=text|bin, execlog_out=PATH, memvalues=on, execlog_flow=on,
 *                   execlog_start=FUNC|0xADDR, execlog_stop=N
 */
#ifndef QTRACE_OPTIONS_H
#define QTRACE_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "argspec.h"

struct qt_arch_desc;

#define QT_MAX_PATTERNS 64
#define QT_MAX_SPECS 64
#define QT_MAX_ADDRS 64
#define QT_MAX_FILTERS 32
#define QT_MAX_RANGES 64

struct qt_addr_range {
    uint64_t lo, end;       /* [lo, end) */
};

enum qt_vmmap { QT_VMMAP_OFF = 0, QT_VMMAP_MAPS = 1, QT_VMMAP_PAGES = 2 };

#define QT_GUEST_CLOCK_MAX_SHIFT 10   /* the largest icount shift QEMU takes */

struct qt_opts {
    char *out;
    char *program;
    char *sysroot;          /* sysroot=DIR: the guest's files (user mode: its libraries) are under DIR */
    uint64_t bias;
    char *func[QT_MAX_PATTERNS];
    int nfunc;
    char *filter[QT_MAX_PATTERNS];
    int nfilter;
    char *notrace[QT_MAX_PATTERNS];
    int nnotrace;
    uint64_t addr[QT_MAX_ADDRS];
    int naddr;
    struct qt_addr_range range[QT_MAX_RANGES]; /* range=LO-END */
    int nrange;
    struct qt_argspec specs[QT_MAX_SPECS]; /* -A and -R, merged per pattern */
    int nspecs;
    int depth;              /* -1 = unlimited */
    bool icount;
    bool syscalls;
    bool libs;              /* default true */
    /* execution log (plugin/execlog.c) */
    bool execlog;
    char *execlog_out;
    char *execlog_format;   /* "text" (default) or "bin" */
    char *ifilter[QT_MAX_FILTERS];
    int nifilter;
    char *afilter[QT_MAX_FILTERS];
    int nafilter;
    char *reg[QT_MAX_FILTERS];
    int nreg;
    bool rdisas;
    bool memvalues;
    bool execlog_flow;      /* execlog_flow=on: instruction flow only (no memory accesses) */
    char *execlog_start;    /* execlog_start=FUNC|0xADDR: log from the first time it runs */
    char *execlog_stop;     /* execlog_stop=N: each vCPU logs at most N instructions */
    /* guest kernel introspection, system mode (plugin/kernel.c, docs/kernel.md) */
    char *kernel;           /* kernel=PATH: the image the guest boots (bzImage or vmlinux) */
    char *kernel_symbols;   /* kernel_symbols=PATH: System.map or /proc/kallsyms format file */
    char *layout;           /* layout=PATH: structure offsets over (or instead of) the BTF */
    bool kernel_introspection; /* default on; off: kernel= is ignored */
    bool kernel_async;      /* kernel_async=on: load the image in the background (qtrace system, after its checks) */
    bool kernel_all;        /* kernel_all=on: patterns may select any number of kernel functions */
    char *comm;             /* comm=GLOB: record only while a task of that name runs */
    uint32_t pid;           /* pid=N: record only while process N runs (0: no filter) */
    bool follow;            /* follow=on: also the children of the selected processes */
    bool program_as;        /* program_as=on: record only in the address spaces the program's code ran in */
    bool disk_trace;        /* disk_trace=on: block requests (plugin/kernel_disk.c) */
    char *files_written;    /* files_written=DIR: file writes, renames, unlinks (plugin/kernel_files.c) */
    bool processes;         /* processes=on: instructions per task and uid changes, for qtrace ps */
    uint8_t vmmap;          /* vmmap=: enum qt_vmmap */
    uint64_t linkmap;       /* linkmap=ADDR: the program's .got.plt; its link map is walked (plugin/linkmap_walk.c) */
    int guest_clock;        /* guest_clock=SHIFT: times are guest instructions << SHIFT ns (-1: host time) */
    uint64_t start_ns;      /* start_ns=NS (hex): the trace header's start time (0: when QEMU started) */
};

void qt_opts_init(struct qt_opts *o);
void qt_opts_free(struct qt_opts *o);

/* Apply one key=value. where names the origin for messages ("plugin args" or "FILE:LINE").
 * Returns 0 or -EINVAL with "WHERE: what was expected, got what" in err. conf=FILE is
 * handled here too (reads the file). */
int qt_opts_set(struct qt_opts *o, const char *kv, const char *where, char *err, size_t errlen);
/* Read a conf file: key=value lines, '#' comments, blank lines. */
int qt_opts_load_file(struct qt_opts *o, const char *path, char *err, size_t errlen);

/* The spec (merged -A/-R) that applies to function name, or NULL. Exact names win over globs. */
const struct qt_argspec *qt_opts_spec_for(const struct qt_opts *o, const char *name);
/* Does a range= contain addr? */
bool qt_opts_in_range(const struct qt_opts *o, uint64_t addr);
/* Is function name traced? (func, filter and spec patterns; the caller decides what "no pattern
 * at all" means: every function of the program). notrace= hides some of those, it selects none. */
bool qt_opts_wants(const struct qt_opts *o, const char *name);
/* Does name match one of n patterns? "lib:" patterns (libraries) never match a name;
 * "kernel:GLOB" matches as GLOB. */
bool qt_opts_match(char *const *patterns, int n, const char *name);

/* Where the options are checked: the plugin at install, or the CLI before QEMU starts. */
struct qt_opts_env {
    bool system;                        /* system mode (qtrace system), else user mode */
    const struct qt_arch_desc *arch;    /* the guest's; NULL if not known: rules about it are skipped */
    bool cli;                           /* spell options as CLI flags (--comm) rather than plugin keys (comm=) */
    void (*warn)(const char *msg);      /* receives each warning (one line, no prefix); NULL: dropped */
};

/* The rules on option combinations (which options need system mode, the guest's kernel,
 * kernel introspection of a given level, or each other), for the plugin and the CLI alike.
 * Returns 0, or -EINVAL with the first broken rule in err. A combination that records
 * nothing is refused by the CLI and a warning in the plugin. */
int qt_opts_check(const struct qt_opts *o, const struct qt_opts_env *env, char *err, size_t errlen);

#endif
