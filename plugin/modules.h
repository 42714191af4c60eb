/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Modules: the ELF files whose functions may be traced — the program given with program=,
 * and (user mode) every shared library the guest maps. For each, the traced functions
 * (patterns, addresses, argument specs) are chosen once, when it is loaded.
 */
#ifndef QTRACE_MODULES_H
#define QTRACE_MODULES_H

#include "elfid.h"
#include "symtab.h"
#include "vcpu.h"

/* A traced function. */
struct qt_tfunc {
    uint64_t addr, end;
    uint32_t id;                /* for packed words (0: full records only) */
    bool loose;                 /* extent unknown (addr= without a symbol): returns matched by sp */
    bool filter;                /* filter=: calls are recorded only inside such a function */
    bool notrace;               /* notrace=: neither it nor what it calls is recorded */
    const struct qt_sym *sym;
    int nargs;
    struct qt_argslot args[QT_MAX_ARGS];
    bool has_ret;
    struct qt_argslot ret;
    bool one_block;             /* runs straight from its entry to a ret (arch->run_to_ret) */
};

/*
 * A function a pattern selected whose symbol is an IFUNC (glibc's strlen, memcpy and most of
 * its string functions): the symbol's address is a resolver, which the dynamic loader calls
 * once to choose the implementation for this CPU. The function is traced at the address the
 * resolver returns, from then on; the resolver itself is not recorded.
 */
struct qt_ifunc {
    uint64_t resolver, resolver_end; /* the resolver's code */
    struct qt_module *m;        /* the module it belongs to */
    struct qt_tfunc tf;         /* the implementation; its addr and extent valid once state is 2 */
    int state;                  /* 0 not resolved, 1 being set, 2 resolved */
};

struct qt_module {
    struct qt_symtab st;
    const char *base;           /* basename of the path */
    bool is_prog;
    struct qt_tfunc *tf;        /* sorted by addr, non-overlapping */
    size_t ntf;
    struct qt_sym *extra;       /* functions known only by address (addr=), named "0x..." */
    char (*extra_names)[24];
    int nextra;
    struct qt_ifunc *ifunc;     /* the IFUNC functions selected, in symbol order */
    size_t nifunc;
    /* system mode, a library the guest mapped: its guest copy is compared with the file's
     * build-id before its code is instrumented */
    struct qt_elfid id;
    int verified;               /* 0 not yet, 1 the same file (or nothing to compare), -1 another file */
    int translated;             /* a block of its code was instrumented (set at translation) */
};

/* Load the program (opts.program). nkernel: kernel functions the patterns selected (patterns
 * that select none of the program's functions are then not an error). */
int qt_modules_init(size_t nkernel, char *err, size_t errlen);
/* filter= and notrace= marks of a traced function named name (lib_filter: its library is a filter). */
void qt_tfunc_marks(struct qt_tfunc *tf, const char *name, bool lib_filter);
/* Symbol record of a traced function (flags: QT_SYM_KERNEL or 0). */
void qt_tfunc_announce(const struct qt_tfunc *tf, uint32_t flags);
const struct qt_module *qt_module_containing(uint64_t pc); /* lock-free */
/* The modules containing pc one after the other (several processes may map different files
 * there): *it starts at 0; NULL after the last. Lock-free. */
const struct qt_module *qt_module_next(uint64_t pc, int *it);
/* At translation: may m's code be instrumented in the guest now? In system mode a library's
 * build-id is read from guest memory the first time (a different file is said once and never
 * instrumented; not yet readable: not now). */
bool qt_module_usable(const struct qt_module *m);
/* The traced function containing pc: one of m->tf, else a resolved IFUNC implementation. */
const struct qt_tfunc *qt_tfunc_containing(const struct qt_module *m, uint64_t pc);
/* The selected IFUNC whose resolver's code contains pc, or NULL. */
const struct qt_ifunc *qt_ifunc_resolver_at(const struct qt_module *m, uint64_t pc);
/* An IFUNC's resolver returned impl (at one of its rets): the implementation is traced from
 * now on, in the module of the same file that contains impl (the process's own copy; in system
 * mode a resolver's translated code is shared by every process that maps the library). */
void qt_ifunc_resolved(const struct qt_ifunc *f, uint64_t impl);
/* The function starting at addr in any module, or NULL. */
const struct qt_tfunc *qt_tfunc_at(uint64_t addr);
/* Every translation block, first: a user-mode PIE program learns its load address. */
void qt_modules_before_tb(struct qemu_plugin_tb *tb);
/* System mode: the kernel starts a new program with initial stack pointer sp; if it is the
 * traced PIE program, its functions are traced at the address it was loaded at. */
void qt_modules_exec(struct qt_vcpu *v, uint64_t sp);
/* The guest mapped the file path (as the guest names it) at addr from file offset offset: an ELF
 * library not yet known at that address is loaded and its functions selected (system mode: only
 * the file under sysroot=, and not a program). True if path is an ELF file (program or library)
 * mapped at its start; *bias (if not NULL) is then its load bias. */
bool qt_modules_mapped(const char *path, uint64_t addr, uint64_t offset, uint64_t *bias);
/* System mode: a process that is not recorded mapped the file path at addr from its start. QEMU
 * translates x86 code once per physical page and runs that translation at every address the
 * page is mapped at, in every process (position-independent blocks), so a library whose
 * functions are traced must be a module wherever it is mapped, or a process not recorded that
 * runs its code first leaves it uninstrumented for all. Libraries without a traced function
 * are not loaded for such processes (the first one is loaded once to know). */
void qt_modules_mapped_unrecorded(const char *path, uint64_t addr);

/* System mode, once the kernel's functions are selected: say which patterns match nothing in
 * the kernel (in_kernel), the program, or (sysroot=) any library under the guest's root. */
void qt_modules_check_patterns(bool (*in_kernel)(const char *glob));

/* At exit: say which patterns selected no function (nkernel: kernel functions were selected,
 * whose patterns the kernel's loading checked). */
void qt_modules_report_unmatched(size_t nkernel, bool (*in_kernel)(const char *glob));

#endif
