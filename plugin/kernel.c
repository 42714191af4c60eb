/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "calls.h"
#include "kernel.h"
#include "kernel_disk.h"
#include "kernel_files.h"
#include "kernel_funcs.h"
#include "kernel_image.h"
#include "kernel_kaslr.h"
#include "kernel_procs.h"
#include "modules.h"
#include "kernel_maps.h"
#include "kernel_progas.h"
#include "kernel_syscalls.h"
#include "kernel_task.h"
#include "kernel_timeline.h"
#include "kernel_vmmap.h"

/* When a hook is wanted */
enum hook_need {
    NEED_TASKS,             /* task structures are read (always then) */
    NEED_SYSCALLS,          /* syscalls=on */
    NEED_USER_RETURN,       /* syscalls=on, or kernel functions whose frames the return to user mode closes */
    NEED_KFUNCS,            /* kernel functions traced */
    NEED_PROGAS,            /* program_as=on in a kernel read for its symbols only */
    NEED_PROGRAM_BIAS,      /* program= without bias=: a PIE's load address is learned at its exec */
    NEED_DISK,              /* disk_trace=on */
    NEED_FILES,             /* files_written=DIR */
    NEED_PROCESSES,         /* processes=on */
    NEED_VMMAP,             /* vmmap=on|pages */
    NEED_MAPS,              /* sysroot=: the processes' file mappings (libraries) are followed */
    NEED_KMODFUNCS,         /* patterns name functions of loadable modules */
};

/* The kernel functions hooked: at their first instruction, fn runs. */
struct hook {
    const char *sym, *alt;  /* the function, or its other name in other kernel versions */
    qemu_plugin_vcpu_udata_cb_t fn;
    enum hook_need need;
    const char *missing;    /* what is lost when the kernel has no such function (NULL: say nothing) */
    const char *after;      /* hooked only if this earlier row's function was (NULL: always) */
};

static const struct hook hooks[] = {
    { "__switch_to", NULL, qt_ktask_on_switch, NEED_TASKS, "the current task is read from memory at every event",
      NULL },
    { "wake_up_new_task", NULL, qt_ktl_on_new_task, NEED_TASKS, NULL, NULL },
    { "setup_new_exec", NULL, qt_ktl_on_exec, NEED_TASKS, NULL, NULL },
    { "__set_task_comm", NULL, qt_ktask_on_comm, NEED_TASKS, NULL, NULL },
    { "do_exit", NULL, qt_ktl_on_exit, NEED_TASKS, NULL, NULL },
    { "do_init_module", NULL, qt_ktl_on_module, NEED_TASKS, NULL, NULL },
    { "panic", "vpanic", qt_ktl_on_panic, NEED_TASKS, NULL, NULL },
    { "do_syscall_64", NULL, qt_ksys_on_sys64, NEED_SYSCALLS, "no system calls recorded", NULL },
    { "do_int80_syscall_32", "do_int80_emulation", qt_ksys_on_sys80, NEED_SYSCALLS, NULL, NULL },
    { "do_fast_syscall_32", NULL, qt_ksys_on_sysfast, NEED_SYSCALLS, NULL, NULL },
    { "syscall_exit_to_user_mode", NULL, qt_ksys_on_exit, NEED_USER_RETURN, "no system calls recorded", NULL },
    { "irqentry_exit_to_user_mode", NULL, qt_ksys_on_irq_exit, NEED_KFUNCS, NULL, NULL },
    { "start_thread", NULL, qt_ktl_on_start_thread, NEED_PROGRAM_BIAS,
      "the load address of a PIE program is not known (give --bias)", NULL },
    { "pgd_free", NULL, qt_progas_on_pgd_free, NEED_PROGAS,
      "program_as=on does not see address spaces go (a freed page table reused by another process would count as "
      "the program's)", NULL },
    { "__switch_to", NULL, qt_progas_on_switch, NEED_PROGAS,
      "program_as=on counts kernel threads running on the program's address space as the program", NULL },
    { "mmap_region", NULL, qt_kmaps_on_mmap_region, NEED_MAPS, "shared libraries are not followed", NULL },
    { "do_init_module", NULL, qt_kfuncs_on_module, NEED_KMODFUNCS, "functions of loadable modules are not traced",
      NULL },
    /* a freed task matters only where tasks are known */
    { "free_task", NULL, qt_progas_on_free_task, NEED_PROGAS, NULL, "__switch_to" },
    { "blk_mq_start_request", NULL, qt_kdisk_on_start, NEED_DISK, "--disk-trace records no block request", NULL },
    { "blk_mq_end_request", NULL, qt_kdisk_on_end, NEED_DISK, "--disk-trace records no request's completion", NULL },
    { "vfs_write", NULL, qt_kfiles_on_write, NEED_FILES, "--files-written sees no write or pwrite", NULL },
    { "vfs_writev", NULL, qt_kfiles_on_writev, NEED_FILES, "--files-written sees no writev or pwritev", NULL },
    { "do_renameat2", NULL, qt_kfiles_on_rename, NEED_FILES, "--files-written sees no rename", NULL },
    { "do_unlinkat", NULL, qt_kfiles_on_unlink, NEED_FILES, "--files-written sees no unlink", NULL },
    { "mmap_region", NULL, qt_kfiles_on_mmap, NEED_FILES, "--files-written does not see files written through mmap",
      NULL },
    /* after kernel_task.c's row: it reads the next task's ids first */
    { "__switch_to", NULL, qt_kprocs_on_switch, NEED_PROCESSES, NULL, "__switch_to" },
    { "commit_creds", NULL, qt_kprocs_on_creds, NEED_PROCESSES, "uid changes (setuid, su) are not seen by --processes",
      NULL },
    { "syscall_exit_to_user_mode", NULL, qt_kvm_on_sys_exit, NEED_VMMAP, "no memory maps recorded (--vmmap)", NULL },
};
#define NHOOKS (sizeof(hooks) / sizeof(hooks[0]))
static uint64_t hook_addr[NHOOKS];  /* link-time, then run-time; 0: not hooked */

static bool k_filter;               /* comm= or pid= given */
static bool as_filter;              /* program_as=on */
static bool procs;                  /* processes=on, with the kernel read */

static struct qt_task_ops task_ops;

static bool hook_wanted(const struct hook *h)
{
    bool tasks = qt.arch->kintro == QT_KINTRO_TASKS && !qt_kernel.symbols_only;
    switch (h->need) {
    case NEED_TASKS: return tasks;
    case NEED_SYSCALLS: return tasks && qt.opts.syscalls;
    case NEED_USER_RETURN: return tasks && (qt.opts.syscalls || qt_kfuncs_count() || qt_kfuncs_modules_wanted());
    case NEED_KFUNCS: return tasks && (qt_kfuncs_count() || qt_kfuncs_modules_wanted());
    case NEED_PROGAS: return !tasks && as_filter;
    case NEED_PROGRAM_BIAS: return qt.opts.program && qt.opts.bias == 0;
    case NEED_DISK: return tasks && qt.opts.disk_trace;
    case NEED_FILES: return tasks && qt.opts.files_written;
    case NEED_PROCESSES: return tasks && qt.opts.processes;
    case NEED_VMMAP: return tasks && qt.opts.vmmap;
    case NEED_MAPS: return tasks && qt.opts.sysroot;
    case NEED_KMODFUNCS: return tasks && qt_kfuncs_modules_wanted();
    }
    return false;
}

/* Is the function of an earlier wanted row named sym hooked? */
static bool hooked_before(size_t row, const char *sym)
{
    for (size_t i = 0; i < row; i++)
        if (hook_addr[i] && strcmp(hooks[i].sym, sym) == 0)
            return true;
    return false;
}

static void setup_hooks(void)
{
    for (size_t i = 0; i < NHOOKS; i++) {
        const struct hook *h = &hooks[i];
        if (!hook_wanted(h) || (h->after && !hooked_before(i, h->after)))
            continue;
        hook_addr[i] = qt_kernel_sym(h->sym);
        if (!hook_addr[i] && h->alt)
            hook_addr[i] = qt_kernel_sym(h->alt);
        if (!hook_addr[i] && h->missing)
            fprintf(stderr, "qtrace: warning: kernel function %s not found: %s\n", h->sym, h->missing);
    }
}

/* Everything that needs the image: symbols, layouts, kernel functions, hooks. Published last. */
static int load_kernel(char *err, size_t errlen)
{
    const struct qt_opts *o = &qt.opts;
    int r = qt_kintro_load(&qt_kernel, o->kernel, o->kernel_symbols, o->layout, err, errlen);
    if (r < 0)
        return r;
    if (qt_kernel.symbols_only != (qt.arch->kintro == QT_KINTRO_SYMBOLS)) {
        snprintf(err, errlen, "%s is a %d-bit kernel and the guest is %s", qt_kernel.img.path, qt_kernel.img.bits,
                 qt.arch->name);
        return -EINVAL;
    }
    if (qt_kernel.symbols_only)
        qt_kernel_space = qt_kernel.img.map_base;
    else
        qt_ksys_init();
    if ((r = qt_kfuncs_select(err, errlen)) < 0)
        return r;
    if (qt.opts.vmmap && !qt_kernel.symbols_only && (r = qt_kintro_check_vmmap(&qt_kernel, err, errlen)) < 0)
        return r;
    setup_hooks();
    qt_modules_check_patterns(qt_kfuncs_selects);
    if (!qt_kernel.symbols_only)
        qt_argtype_set_koffsets(&qt_kernel.ko);
    qt_kernel_publish();
    return 0;
}

static void load_in_background(void)
{
    char err[1024] = "";
    if (load_kernel(err, sizeof(err)) < 0)
        fprintf(stderr, "qtrace: error: %s; the guest's processes, kernel functions and system calls are not "
                "followed\n", err);
}

/* The task ops of the layers below: which task runs, is it recorded. */
static void set_task_ops(bool tasks)
{
    task_ops.current = tasks ? qt_ktask_current_key : NULL;
    task_ops.ids = tasks ? qt_ktask_task_ids : NULL;
    task_ops.selected = as_filter ? qt_progas_selected : k_filter ? qt_ktask_selected_now : NULL;
    qt_threads_set_task_ops(&task_ops);
}

int qt_kernel_init(char *err, size_t errlen)
{
    const struct qt_opts *o = &qt.opts;
    if (!qt.system)
        return 0;
    qt_kernel_space = qt.arch->kernel_base;
    as_filter = o->program_as;
    if (as_filter && qt_progas_init(err, errlen) < 0)
        return -EINVAL;
    if (!o->kernel || !o->kernel_introspection) {
        set_task_ops(false);
        return 0;
    }
    k_filter = o->comm || o->pid;
    qt_ktask_init(k_filter);
    procs = o->processes;
    if (procs)
        qt_kprocs_init();
    set_task_ops(qt.arch->kintro == QT_KINTRO_TASKS);
    if (!o->kernel_async || !qt_kernel_load_async(load_in_background))
        return load_kernel(err, errlen);
    return 0;
}

size_t qt_kernel_ntraced(void)
{
    /* loaded in the background: qtrace system checked that the patterns select something */
    return qt_kernel_pending() ? SIZE_MAX : qt_kfuncs_count();
}

bool qt_kernel_selects(const char *glob)
{
    return qt_kernel_loaded() && qt_kfuncs_selects(glob);
}

/* ---- translation ----------------------------------------------------------------------------- */

/* The slide is known: hooks and kernel functions move to their run-time addresses. */
static void relocate(uint64_t slide)
{
    for (size_t h = 0; h < NHOOKS; h++)
        if (hook_addr[h])
            hook_addr[h] += slide;
    uint64_t stext = qt_kernel_sym("_stext"), etext = qt_kernel_sym("_etext");
    qt_rec_map(qt_kernel.img.path, slide, etext > stext ? etext - stext : 0, QT_SYM_KERNEL);
    qt_kfuncs_relocate(slide);
    if (qt.opts.vmmap)
        qt_kvm_relocate(slide);
}

void qt_kernel_finish(void)
{
    if (procs)
        qt_kprocs_finish();
}

bool qt_kernel_tb_trans(struct qemu_plugin_tb *tb)
{
    if (procs)
        qt_kprocs_tb(tb);
    if (qemu_plugin_tb_vaddr(tb) < qt_kernel_space)
        return false;
    if (qt_kernel_pending())
        qt_kernel_wait(); /* loaded well before, while the firmware ran */
    if (!qt_kernel_loaded())
        return false;
    if (!qt_kaslr_ready(tb, relocate))
        return true;
    size_t n = qemu_plugin_tb_n_insns(tb), nk = qt_kfuncs_count();
    bool count = nk && qt.opts.icount;
    if (count && n)
        qemu_plugin_register_vcpu_tb_exec_inline_per_vcpu(tb, QEMU_PLUGIN_INLINE_ADD_U64, qt.icount, n);
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        uint64_t va = qemu_plugin_insn_vaddr(insn);
        for (size_t h = 0; h < NHOOKS; h++)
            if (hook_addr[h] == va)
                qemu_plugin_register_vcpu_insn_exec_cb(insn, hooks[h].fn, QEMU_PLUGIN_CB_R_REGS, NULL);
        if (nk)
            qt_kfuncs_insn(insn, va, count ? (uint32_t)(n - i) : 0);
    }
    return true;
}
