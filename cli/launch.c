/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "launch.h"
#include "cpupin.h"
#include "files_view.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "arch.h"
#include "ending.h"
#include "legacy.h"
#include "sysroot.h"
#include "reader.h"
#include "symtab.h"
#include "util.h"

void qtc_cfg_free(struct qtc_cfg *cfg)
{
    qtc_args_free(&cfg->args);
    for (int i = 0; i < 4; i++)
        free(cfg->guest_files[i]);
    qtc_argv_free(cfg->guest_args);
    free(cfg->guest_banner);
    memset(cfg, 0, sizeof(*cfg));
}

void qtc_launch_free(struct qtc_launch *l)
{
    free(l->qemu);
    free(l->plugin);
    free(l->legacy);
    free(l->sysroot);
    free(l->sysroot_program);
    free(l->sysroot_libs);
    free(l->program);
    free(l->target);
    free(l->argv0);
    free(l->conf);
    free(l->trace);
    free(l->reset_log);
    memset(l, 0, sizeof(*l));
}

void qtc_argv_free(char **argv)
{
    if (!argv)
        return;
    for (char **p = argv; *p; p++)
        free(*p);
    free(argv);
}

int qtc_cfg_common(struct qtc_cfg *cfg, char *err, size_t errlen)
{
    const struct qtc_args *a = &cfg->args;
    cfg->outdir = qtc_args_get(a, "output") ? qtc_args_get(a, "output") : QTC_DEFAULT_OUTDIR;
    const char *fl = qtc_args_get(a, "format") ? qtc_args_get(a, "format") : "text,json";
    cfg->nformats = qtc_writer_parse_list(fl, cfg->formats, QTC_MAX_FORMATS, err, errlen);
    if (cfg->nformats < 0)
        return -1;
    if (qtc_args_has(a, "processes")) /* the process tree is written beside the trace */
        cfg->nformats = qtc_writer_add(cfg->formats, cfg->nformats, QTC_MAX_FORMATS, &qtc_writer_ps, &qtc_writer_ps_json);
    const char *t = qtc_args_get(a, "timeout");
    cfg->timeout = t ? strtod(t, NULL) : 0;
    cfg->quiet = qtc_args_has(a, "quiet");
    cfg->qemu = qtc_args_get(a, "qemu");
    cfg->program = qtc_args_get(a, "program");
    return 0;
}

/* ---- ELF ---------------------------------------------------------------------------------- */

/* A PT_NOTE segment at off, size bytes (at most 64 KiB read), holds Xen's note 18: the PVH entry. */
static bool has_pvh_note(int fd, uint64_t off, uint64_t size)
{
    unsigned char buf[65536];
    if (size > sizeof(buf) || pread(fd, buf, size, (off_t)off) != (ssize_t)size)
        return false;
    for (uint64_t p = 0; p + 12 <= size;) {
        uint32_t namesz, descsz, type;
        memcpy(&namesz, buf + p, 4);
        memcpy(&descsz, buf + p + 4, 4);
        memcpy(&type, buf + p + 8, 4);
        if (namesz > size || descsz > size)
            return false;
        uint64_t name_end = p + 12 + ((namesz + 3) & ~3u);
        if (type == 18 && namesz == 4 && name_end <= size && memcmp(buf + p + 12, "Xen", 4) == 0)
            return true;
        p = name_end + ((descsz + 3) & ~3u);
    }
    return false;
}

int qtc_elf_probe(const char *path, struct qtc_elf_info *info)
{
    memset(info, 0, sizeof(*info));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    unsigned char id[EI_NIDENT];
    ssize_t n = pread(fd, id, sizeof(id), 0);
    if (n < (ssize_t)sizeof(id) || memcmp(id, ELFMAG, SELFMAG) != 0) {
        close(fd);
        return 0;
    }
    info->elf = true;
    uint64_t phoff = 0;
    unsigned phnum = 0, phentsize = 0;
    if (id[EI_CLASS] == ELFCLASS64) {
        Elf64_Ehdr eh;
        if (pread(fd, &eh, sizeof(eh), 0) == (ssize_t)sizeof(eh)) {
            info->elf_class = 64;
            info->machine = eh.e_machine;
            phoff = eh.e_phoff;
            phnum = eh.e_phnum;
            phentsize = eh.e_phentsize;
        }
    } else if (id[EI_CLASS] == ELFCLASS32) {
        Elf32_Ehdr eh;
        if (pread(fd, &eh, sizeof(eh), 0) == (ssize_t)sizeof(eh)) {
            info->elf_class = 32;
            info->machine = eh.e_machine;
            phoff = eh.e_phoff;
            phnum = eh.e_phnum;
            phentsize = eh.e_phentsize;
        }
    }
    for (unsigned i = 0; i < phnum && i < 256 && phentsize >= 8; i++) {
        uint32_t type;
        off_t ph = (off_t)(phoff + (uint64_t)i * phentsize);
        if (pread(fd, &type, sizeof(type), ph) != (ssize_t)sizeof(type))
            break;
        if (type != PT_INTERP && type != PT_NOTE)
            continue;
        uint64_t off = 0, size = 0;
        if (info->elf_class == 64) {
            Elf64_Phdr p;
            if (pread(fd, &p, sizeof(p), ph) == (ssize_t)sizeof(p))
                off = p.p_offset, size = p.p_filesz;
        } else {
            Elf32_Phdr p;
            if (pread(fd, &p, sizeof(p), ph) == (ssize_t)sizeof(p))
                off = p.p_offset, size = p.p_filesz;
        }
        if (type == PT_NOTE) {
            info->pvh |= has_pvh_note(fd, off, size);
            continue;
        }
        info->dynamic = true;
        if (size > 0 && size < sizeof(info->interp) && pread(fd, info->interp, size, (off_t)off) == (ssize_t)size)
            info->interp[size - 1] = '\0';
    }
    close(fd);
    return 0;
}

int qtc_check_kernel_boot(const char *kernel, char *err, size_t errlen)
{
    const struct qt_arch_desc *ka = qtc_kernel_arch(kernel);
    struct qtc_elf_info info;
    if (ka && (ka->id == QT_ARCH_X86_64 || ka->id == QT_ARCH_I386) && qtc_elf_probe(kernel, &info) == 0 && info.elf &&
        !info.pvh) {
        snprintf(err, errlen, "kernel %s: an ELF kernel without a PVH entry note (CONFIG_PVH): QEMU boots an ELF x86 "
                 "kernel only through PVH; give its bzImage", kernel);
        return -1;
    }
    return 0;
}

long qtc_count_functions(const char *path, char *err, size_t errlen)
{
    struct qt_symtab st;
    if (qt_symtab_load(&st, path, 0, err, errlen) < 0)
        return -1;
    long n = 0;
    for (size_t i = 0; i < st.n; i++)
        if (st.syms[i].name && !strstr(st.syms[i].name, "@plt"))
            n++;
    qt_symtab_free(&st);
    return n;
}

/* ---- checks ------------------------------------------------------------------------------- */

/* path exists and is not a directory; kind: what it should be ("file", "program"), what: ""
 * or a prefix ending in a space, for messages. */
static int check_not_dir(const char *what, const char *path, const char *kind, char *err, size_t errlen)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        snprintf(err, errlen, "%s%s: %s", what, path, strerror(errno));
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s%s is a directory, not a %s", what, path, kind);
        return -1;
    }
    return 0;
}

/* A readable file. what: a prefix ending in a space, for messages. */
static int check_readable(const char *what, const char *path, char *err, size_t errlen)
{
    if (check_not_dir(what, path, "file", err, errlen) < 0)
        return -1;
    if (access(path, R_OK) < 0) {
        snprintf(err, errlen, "%s%s: %s", what, path, strerror(errno));
        return -1;
    }
    return 0;
}

/* An existing ELF file. what: "" or "--program " for messages. */
static int check_elf(const char *what, const char *path, struct qtc_elf_info *info, char *err, size_t errlen)
{
    if (check_not_dir(what, path, "program", err, errlen) < 0)
        return -1;
    int r = qtc_elf_probe(path, info);
    if (r < 0) {
        snprintf(err, errlen, "%s%s: %s", what, path, strerror(-r));
        return -1;
    }
    if (!info->elf) {
        char magic[2] = { 0, 0 };
        FILE *f = fopen(path, "rb");
        bool script = f && fread(magic, 1, 2, f) == 2 && magic[0] == '#' && magic[1] == '!';
        if (f)
            fclose(f);
        if (script && !*what)
            snprintf(err, errlen, "%s is a script, not an ELF executable (trace its interpreter: qtrace run -- "
                     "/bin/sh %s)", path, path);
        else
            snprintf(err, errlen, "%s%s is not an ELF executable", what, path);
        return -1;
    }
    return 0;
}

/* -F GLOB where only the program's functions can be traced (user mode, static or --no-libs):
 * a pattern that names none of them would record nothing at all. */
static int check_filters(const struct qtc_cfg *cfg, const char *path, const struct qtc_elf_info *info, char *err,
                         size_t errlen)
{
    const struct qtc_args *a = &cfg->args;
    if (cfg->system || !qtc_args_has(a, "filter") || (info->dynamic && !qtc_args_has(a, "no-libs")))
        return 0;
    struct qt_symtab st;
    if (qt_symtab_load(&st, path, 0, err, errlen) < 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < a->n && rc == 0; i++) {
        const char *g = a->v[i].value;
        if (strcmp(a->v[i].opt->name, "filter") != 0 || !g || strncmp(g, "lib:", 4) == 0)
            continue;
        bool any = false;
        for (size_t k = 0; k < st.n && !any; k++)
            any = qt_sym_match(&st.syms[k], g);
        if (!any) {
            snprintf(err, errlen, "-F %s: no function of %s has that name%s", g, path,
                     info->dynamic ? " (and --no-libs leaves out the libraries)" : "");
            rc = -1;
        }
    }
    qt_symtab_free(&st);
    return rc;
}

static int check_symbols(const struct qtc_cfg *cfg, const char *path, const struct qtc_elf_info *info, char *err,
                         size_t errlen)
{
    char e[512];
    long n = qtc_count_functions(path, e, sizeof(e));
    if (n < 0) {
        snprintf(err, errlen, "%s", e);
        return -1;
    }
    if (n > 0)
        return check_filters(cfg, path, info, err, errlen);
    const struct qtc_args *a = &cfg->args;
    bool by_addr = qtc_args_has(a, "addr");
    bool patterns = qtc_args_has(a, "patch") || qtc_args_has(a, "filter") || qtc_args_has(a, "argument") || qtc_args_has(a, "retval");
    bool libs = !cfg->system && info->dynamic && patterns && !qtc_args_has(a, "no-libs");
    bool syscalls = !cfg->system && qtc_args_has(a, "syscalls");
    if (by_addr || libs || syscalls || qtc_args_has(a, "plugin-opt") || qtc_args_has(a, "legacy-plugin"))
        return 0; /* something else can be traced */
    snprintf(err, errlen, "%s has no function symbols (was it stripped? trace by --addr instead)", path);
    return -1;
}

static char *find_plugin(char *err, size_t errlen)
{
    const char *env = getenv("QTRACE_PLUGIN");
    if (env && *env) {
        if (access(env, R_OK) == 0)
            return qtc_xstrdup(env);
        snprintf(err, errlen, "plugin %s (from QTRACE_PLUGIN): %s", env, strerror(errno));
        return NULL;
    }
    const char *dir = qtc_exe_dir();
    char path[4096];
    snprintf(path, sizeof(path), "%s/libqtrace.so", *dir ? dir : ".");
    if (access(path, R_OK) == 0)
        return qtc_xstrdup(path);
    snprintf(err, errlen, "plugin %s not found (run make, or set QTRACE_PLUGIN to libqtrace.so)", path);
    return NULL;
}

/* --qemu, then the environment variable, then (user mode) the plugin-enabled build in
 * .cache/bin next to the build directory, then PATH. */
static char *find_qemu(const struct qtc_cfg *cfg, const char *name, char *err, size_t errlen)
{
    const char *envname = cfg->system ? "QTRACE_QEMU_SYSTEM" : "QTRACE_QEMU_USER";
    const char *given = cfg->qemu, *from = "--qemu";
    if (!given || !*given) {
        given = getenv(envname);
        from = envname;
    }
    if (given && *given) {
        char *p = qtc_which(given);
        if (!p)
            snprintf(err, errlen, "QEMU %s (from %s): %s", given, from,
                     strchr(given, '/') ? (access(given, F_OK) == 0 ? "not executable" : strerror(ENOENT))
                                        : "not found in PATH");
        return p;
    }
    if (!cfg->system) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/../.cache/bin/%s", qtc_exe_dir(), name);
        if (*qtc_exe_dir() && access(path, X_OK) == 0)
            return qtc_xstrdup(path);
    }
    char *p = qtc_which(name);
    if (!p)
        snprintf(err, errlen, "%s not found in PATH (install QEMU%s, or give --qemu PATH or set %s)", name,
                 cfg->system ? " (qemu-system-x86)" : " with plugin support (make setup-qemu-user)", envname);
    return p;
}

static int make_dir(const char *dir, char *err, size_t errlen)
{
    char buf[4096];
    if (snprintf(buf, sizeof(buf), "%s", dir) >= (int)sizeof(buf)) {
        snprintf(err, errlen, "output directory name too long");
        return -1;
    }
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(buf, 0777) < 0 && errno != EEXIST) {
                snprintf(err, errlen, "cannot create output directory %s: %s", buf, strerror(errno));
                return -1;
            }
            *p = c;
            if (!c)
                break;
        }
    }
    struct stat st;
    if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "output directory %s exists and is not a directory (choose another with -o DIR)", dir);
        return -1;
    }
    if (access(dir, W_OK) < 0) {
        snprintf(err, errlen, "output directory %s: %s", dir, strerror(errno));
        return -1;
    }
    return 0;
}

static char *join(const char *dir, const char *file)
{
    size_t n = strlen(dir) + strlen(file) + 2;
    char *p = qtc_xmalloc(n);
    snprintf(p, n, "%s/%s", dir, file);
    return p;
}

/*
 * User mode: the root of a dynamically linked program's libraries (QEMU's -L). --sysroot DIR, or,
 * when the program's dynamic loader is not on this machine (a program of another architecture),
 * Debian's cross libraries for its architecture (arch->cross_root) if they have that loader.
 */
static int find_sysroot(const struct qtc_cfg *cfg, const struct qt_arch_desc *arch, const struct qtc_elf_info *info,
                        struct qtc_launch *l, char *err, size_t errlen)
{
    const char *given = qtc_args_get(&cfg->args, "sysroot");
    struct stat sb;
    if (given) {
        if (stat(given, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
            snprintf(err, errlen, "--sysroot %s: %s", given,
                     stat(given, &sb) < 0 ? strerror(errno)
                                          : "not a directory (qtrace run hands it to QEMU's -L, which reads a directory; "
                                            "qtrace system also reads an ext4 disk image)");
            return -1;
        }
        l->sysroot = qtc_xstrdup(given);
        return 0;
    }
    if (!info->dynamic || !info->interp[0] || access(info->interp, R_OK) == 0)
        return 0;
    if (arch->cross_root) {
        char *p = join(arch->cross_root, info->interp);
        bool found = access(p, R_OK) == 0;
        free(p);
        if (found) {
            l->sysroot = qtc_xstrdup(arch->cross_root);
            return 0;
        }
    }
    char hint[160] = "";
    if (arch->cross_root)
        snprintf(hint, sizeof(hint), " (Debian's cross libraries for %s are under %s)", arch->name, arch->cross_root);
    snprintf(err, errlen, "%s needs its dynamic loader %s, which is not on this machine: give the root of the "
             "guest's libraries with --sysroot DIR%s", l->target, info->interp, hint);
    return -1;
}

int qtc_check(const struct qtc_cfg *cfg, struct qtc_launch *l, char *err, size_t errlen)
{
    memset(l, 0, sizeof(*l));
    struct qtc_elf_info info;
    /* the guest's architecture: the kernel's (the registers and word size QEMU emulates), or the
     * program's */
    const struct qt_arch_desc *arch = qt_arch_by_id(QT_ARCH_X86_64);
    if (cfg->system) {
        if (check_readable("kernel ", cfg->kernel, err, errlen) < 0)
            goto fail;
        const struct qt_arch_desc *ka = qtc_kernel_arch(cfg->kernel);
        if (ka)
            arch = ka;
        if (qtc_check_kernel_boot(cfg->kernel, err, errlen) < 0)
            goto fail;
        if (cfg->initrd && check_readable("initrd ", cfg->initrd, err, errlen) < 0)
            goto fail;
        if (cfg->disk && check_readable("--disk ", cfg->disk, err, errlen) < 0)
            goto fail;
        if (cfg->disk && access(cfg->disk, W_OK) < 0) {
            snprintf(err, errlen, "--disk %s: %s (the guest writes to its disk: give a writable image)", cfg->disk,
                     strerror(errno));
            goto fail;
        }
        if (qtc_sysroot_check(cfg, l, err, errlen) < 0)
            goto fail;
    } else {
        const char *prog = cfg->operands[0];
        if (strchr(prog, '/')) {
            l->target = qtc_xstrdup(prog);
        } else {
            l->target = qtc_which(prog);
            if (!l->target) {
                if (access(prog, F_OK) == 0)
                    snprintf(err, errlen, "%s: not found in PATH (to run the file in the current directory, "
                             "say ./%s)", prog, prog);
                else
                    snprintf(err, errlen, "%s: command not found in PATH", prog);
                goto fail;
            }
            l->argv0 = qtc_xstrdup(prog);
        }
        if (check_elf("", l->target, &info, err, errlen) < 0)
            goto fail;
        arch = qt_arch_by_elf_machine((unsigned)info.machine);
        if (!arch) {
            char names[128];
            qt_arch_names(QT_KINTRO_NONE, " and ", false, names, sizeof(names));
            snprintf(err, errlen, "%s is an ELF file for machine %d, which qtrace cannot run (%s programs can)",
                     l->target, info.machine, names);
            goto fail;
        }
        if (find_sysroot(cfg, arch, &info, l, err, errlen) < 0)
            goto fail;
    }
    if (cfg->program || !cfg->system) {
        const char *p = l->sysroot_program ? l->sysroot_program : cfg->program ? cfg->program : l->target;
        if (cfg->program && check_elf("--program ", p, &info, err, errlen) < 0)
            goto fail;
        const struct qt_arch_desc *pa = qt_arch_by_elf_machine((unsigned)info.machine);
        if (cfg->system && (!pa || pa->kintro == QT_KINTRO_NONE)) {
            char names[128];
            qt_arch_names(QT_KINTRO_SYMBOLS, " and ", false, names, sizeof(names));
            snprintf(err, errlen, "--program %s is an ELF file for machine %d; the guests qtrace system boots run %s "
                     "programs", p, info.machine, names);
            goto fail;
        }
        if (check_symbols(cfg, p, &info, err, errlen) < 0)
            goto fail;
        l->program = qtc_xstrdup(p);
    } else {
        const char *needs = qtc_args_has(&cfg->args, "patch")      ? "-P/--patch"
                            : qtc_args_has(&cfg->args, "filter")   ? "-F/--filter"
                            : qtc_args_has(&cfg->args, "argument") ? "-A/--argument"
                            : qtc_args_has(&cfg->args, "retval")   ? "-R/--retval"
                            : qtc_args_has(&cfg->args, "addr")     ? "--addr"
                                                                   : NULL;
        if (cfg->system && !qtc_args_has(&cfg->args, "addr") && !qtc_args_has(&cfg->args, "no-kernel-introspection"))
            needs = NULL; /* system mode: the patterns may name kernel functions, or libraries under --sysroot */
        if (needs) {
            snprintf(err, errlen, "%s needs --program PATH: the ELF file (as run in the guest) whose functions to "
                     "trace", needs);
            goto fail;
        }
    }
    l->qemu = find_qemu(cfg, cfg->system ? arch->qemu_system : arch->qemu_user, err, errlen);
    if (!l->qemu)
        goto fail;
    l->plugin = find_plugin(err, errlen);
    if (!l->plugin)
        goto fail;
    if (qtc_legacy_arg(&cfg->args, &l->legacy, err, errlen) < 0)
        goto fail;
    if (make_dir(cfg->outdir, err, errlen) < 0)
        goto fail;
    l->conf = join(cfg->outdir, "qtrace.conf");
    l->trace = join(cfg->outdir, "trace.qtr");
    if (cfg->system && !cfg->no_plugin && !cfg->qmp && qtc_end_reset_log_ok(cfg->operands, cfg->noperands))
        l->reset_log = join(cfg->outdir, "qemu-resets.log");
    return 0;
fail:
    qtc_launch_free(l);
    return -1;
}

/* ---- QEMU command line ---------------------------------------------------------------------- */

struct vec {
    char **v;
    size_t n, cap;
};

static void vpush(struct vec *v, char *s)
{
    if (v->n + 2 > v->cap) {
        v->cap = v->cap ? v->cap * 2 : 32;
        v->v = qtc_xrealloc(v->v, v->cap * sizeof(char *));
    }
    v->v[v->n++] = s;
    v->v[v->n] = NULL;
}

/* QEMU option values: a ',' is written ",," */
static void put_commas(struct qt_sb *sb, const char *s)
{
    for (; *s; s++) {
        qt_sb_putc(sb, *s);
        if (*s == ',')
            qt_sb_putc(sb, ',');
    }
}

char **qtc_qemu_argv(const struct qtc_cfg *cfg, const struct qtc_launch *l)
{
    struct vec v = { 0 };
    struct qt_sb sb;
    qt_sb_init(&sb);
    put_commas(&sb, l->plugin ? l->plugin : "");
    qt_sb_puts(&sb, ",conf=");
    put_commas(&sb, l->conf ? l->conf : "");
    char *plugin_arg = qtc_xstrdup(sb.buf);
    qt_sb_free(&sb);
    vpush(&v, qtc_xstrdup(l->qemu));
    if (cfg->system) {
        char num[32];
        vpush(&v, qtc_xstrdup("-accel"));
        vpush(&v, qtc_xstrdup("tcg"));
        /* -nographic would also make the firmware write to the serial console: SeaBIOS and iPXE
         * banners and the escape codes that reset the user's terminal. The same console,
         * without them: no display, the serial port (and QEMU's monitor, Ctrl-A c) on stdio. */
        vpush(&v, qtc_xstrdup("-display"));
        vpush(&v, qtc_xstrdup("none"));
        if (cfg->console_log) {
            /* what -serial mon:stdio sets up, with a copy of the console in a file */
            qt_sb_init(&sb);
            qt_sb_puts(&sb, "stdio,id=con,mux=on,logfile=");
            put_commas(&sb, cfg->console_log);
            vpush(&v, qtc_xstrdup("-chardev"));
            vpush(&v, qtc_xstrdup(sb.buf));
            qt_sb_free(&sb);
            vpush(&v, qtc_xstrdup("-serial"));
            vpush(&v, qtc_xstrdup("chardev:con"));
            vpush(&v, qtc_xstrdup("-mon"));
            vpush(&v, qtc_xstrdup("chardev=con"));
        } else {
            vpush(&v, qtc_xstrdup("-serial"));
            vpush(&v, qtc_xstrdup("mon:stdio"));
        }
        vpush(&v, qtc_xstrdup("-no-reboot"));
        vpush(&v, qtc_xstrdup("-m"));
        snprintf(num, sizeof(num), "%u", cfg->mem_mb);
        vpush(&v, qtc_xstrdup(num));
        vpush(&v, qtc_xstrdup("-smp"));
        snprintf(num, sizeof(num), "%u", cfg->smp);
        vpush(&v, qtc_xstrdup(num));
        vpush(&v, qtc_xstrdup("-kernel"));
        vpush(&v, qtc_xstrdup(cfg->kernel));
        if (cfg->initrd) {
            vpush(&v, qtc_xstrdup("-initrd"));
            vpush(&v, qtc_xstrdup(cfg->initrd));
        }
        for (int i = 0; i < cfg->nguest_args; i++)
            vpush(&v, qtc_xstrdup(cfg->guest_args[i]));
        if (cfg->disk) {
            qt_sb_init(&sb);
            qt_sb_puts(&sb, "format=raw,if=virtio,file=");
            put_commas(&sb, cfg->disk);
            vpush(&v, qtc_xstrdup("-drive"));
            vpush(&v, qtc_xstrdup(sb.buf));
            qt_sb_free(&sb);
        }
        vpush(&v, qtc_xstrdup("-append"));
        qt_sb_init(&sb);
        qt_sb_puts(&sb, "console=ttyS0 quiet panic=-1");
        if (cfg->append && *cfg->append) {
            qt_sb_putc(&sb, ' ');
            qt_sb_puts(&sb, cfg->append);
        }
        vpush(&v, qtc_xstrdup(sb.buf));
        qt_sb_free(&sb);
        if (!cfg->no_plugin) {
            vpush(&v, qtc_xstrdup("-plugin"));
            vpush(&v, plugin_arg);
        } else {
            free(plugin_arg);
        }
        if (l->legacy) {
            vpush(&v, qtc_xstrdup("-plugin"));
            vpush(&v, qtc_xstrdup(l->legacy));
        }
        if (l->reset_log) {
            vpush(&v, qtc_xstrdup("-d"));
            vpush(&v, qtc_xstrdup("cpu_reset"));
            vpush(&v, qtc_xstrdup("-D"));
            vpush(&v, qtc_xstrdup(l->reset_log));
        }
        for (int i = 0; i < cfg->nqemu_extra; i++)
            vpush(&v, qtc_xstrdup(cfg->qemu_extra[i]));
        for (int i = 0; i < cfg->noperands; i++)
            vpush(&v, qtc_xstrdup(cfg->operands[i]));
    } else {
        if (l->sysroot) {
            vpush(&v, qtc_xstrdup("-L"));
            vpush(&v, qtc_xstrdup(l->sysroot));
        }
        vpush(&v, qtc_xstrdup("-plugin"));
        vpush(&v, plugin_arg);
        if (l->legacy) {
            vpush(&v, qtc_xstrdup("-plugin"));
            vpush(&v, qtc_xstrdup(l->legacy));
        }
        if (l->argv0) {
            vpush(&v, qtc_xstrdup("-0"));
            vpush(&v, qtc_xstrdup(l->argv0));
        }
        vpush(&v, qtc_xstrdup(l->target));
        for (int i = 1; i < cfg->noperands; i++)
            vpush(&v, qtc_xstrdup(cfg->operands[i]));
    }
    return v.v;
}

/* ---- qtrace.conf ---------------------------------------------------------------------------- */

/* Does a -P pattern select functions by a glob or a whole library (lib:)? */
static bool wide_selection(const struct qtc_args *a)
{
    for (size_t i = 0; i < a->n; i++) {
        const char *v = a->v[i].value;
        if (strcmp(a->v[i].opt->name, "patch") == 0 && v && (strpbrk(v, "*?[") || strncmp(v, "lib:", 4) == 0))
            return true;
    }
    return false;
}

int qtc_write_conf(const struct qtc_cfg *cfg, const struct qtc_launch *l, char *err, size_t errlen)
{
    char tmp[4096];
    FILE *f = qtc_atomic_open(l->conf, tmp, sizeof(tmp), err, errlen);
    if (!f)
        return -1;
    fprintf(f, "# qtrace %s: options of the qtrace plugin (common/options.h), for qtrace %s\n", QTRACE_VERSION,
            cfg->system ? "system" : "run");
    fprintf(f, "out=%s\n", l->trace);
    if (l->program && !qtc_args_has(&cfg->args, "program"))
        fprintf(f, "program=%s\n", l->program);
    if (l->sysroot && !qtc_args_has(&cfg->args, "sysroot"))
        fprintf(f, "sysroot=%s\n", l->sysroot);
    /* Counting instructions costs an inline add in every block of the traced code, and lets the
     * events of functions without arguments be 8-byte words written without reading a clock:
     * worth it when many functions may be selected (no -P, or a -P glob or lib:), not when a
     * few are named one by one out of a busy program. */
    if (!qtc_args_has(&cfg->args, "icount") && !qtc_args_has(&cfg->args, "no-icount") &&
        (qtc_args_has(&cfg->args, "patch") || qtc_args_has(&cfg->args, "argument") ||
         qtc_args_has(&cfg->args, "retval") || qtc_args_has(&cfg->args, "addr")) && !wide_selection(&cfg->args))
        fprintf(f, "icount=off\n");
    /* a text execution log goes next to the trace unless told otherwise (execlog itself would
     * write it to QEMU's log, which is silent without -d plugin) */
    const char *elf = qtc_args_get(&cfg->args, "exec-log-format");
    if (qtc_args_has(&cfg->args, "exec-log") && !qtc_args_has(&cfg->args, "exec-log-out") && (!elf || strcmp(elf, "bin") != 0)) {
        char *path = join(cfg->outdir, "trace.execlog");
        fprintf(f, "execlog_out=%s\n", path);
        free(path);
    }
    qtc_args_write_conf(&cfg->args, f);
    return qtc_atomic_close(f, tmp, l->conf, true, err, errlen);
}

/* ---- QMP: stopping a recorded or replayed guest cleanly ------------------------------------ */

struct qmp {
    const char *path;               /* the socket QEMU listens on (-qmp unix:PATH,server=on,wait=off) */
    int fd;                         /* connected socket, or -1 */
    char buf[16384];                /* bytes read and not yet split into lines */
    size_t len;
    bool done;                      /* quit was sent, or QEMU closed the connection */
};

/* The next line from QEMU into out (NUL-terminated, without the newline), waiting at most ms:
 * 1, 0 on timeout, -1 if the connection closed. */
static int qmp_line(struct qmp *q, char *out, size_t outlen, int ms)
{
    for (;;) {
        char *nl = memchr(q->buf, '\n', q->len);
        if (!nl && q->len == sizeof(q->buf))
            nl = q->buf + q->len - 1; /* an overlong line: cut */
        if (nl) {
            size_t n = (size_t)(nl - q->buf);
            size_t c = n < outlen - 1 ? n : outlen - 1;
            memcpy(out, q->buf, c);
            out[c] = '\0';
            q->len -= n + 1;
            memmove(q->buf, nl + 1, q->len);
            return 1;
        }
        struct pollfd p = { q->fd, POLLIN, 0 };
        int r = poll(&p, 1, ms);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return r < 0 ? -1 : 0;
        ssize_t got = read(q->fd, q->buf + q->len, sizeof(q->buf) - q->len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return -1;
        q->len += (size_t)got;
    }
}

/* Run a QMP command; its reply line in reply. 0, or -1 (no reply within 10 s, or an error). */
static int qmp_exec(struct qmp *q, const char *cmd, char *reply, size_t replylen)
{
    char req[128];
    int n = snprintf(req, sizeof(req), "{\"execute\": \"%s\"}\n", cmd);
    if (write(q->fd, req, (size_t)n) != n)
        return -1;
    for (;;) {
        int r = qmp_line(q, reply, replylen, 10000);
        if (r <= 0)
            return -1;
        if (strstr(reply, "\"return\""))
            return 0;
        if (strstr(reply, "\"error\""))
            return -1;
    }
}

static void qmp_close(struct qmp *q)
{
    if (q->fd >= 0)
        close(q->fd);
    q->fd = -1;
}

/* Connect if QEMU listens already, and leave the capabilities negotiation done. */
static void qmp_try_connect(struct qmp *q)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return;
    struct sockaddr_un a;
    memset(&a, 0, sizeof(a));
    a.sun_family = AF_UNIX;
    snprintf(a.sun_path, sizeof(a.sun_path), "%s", q->path);
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
        close(fd);
        return;
    }
    q->fd = fd;
    q->len = 0;
    char line[4096];
    /* a QEMU busy loading a snapshot on a loaded host may greet late: try again later, unless what
     * answers is not QMP */
    int r = qmp_line(q, line, sizeof(line), 10000);
    bool qmp = r > 0 && strstr(line, "\"QMP\"");
    if (!qmp || qmp_exec(q, "qmp_capabilities", line, sizeof(line)) < 0) {
        qmp_close(q);
        q->done = r > 0 && !qmp;
    }
}

/* Stop the guest (unless it stopped itself), read its instruction count, tell QEMU to quit. */
static void qmp_finish(struct qmp *q, bool stop, struct qtc_launch *l)
{
    char reply[4096];
    if (stop)
        qmp_exec(q, "stop", reply, sizeof(reply));
    if (qmp_exec(q, "query-replay", reply, sizeof(reply)) == 0) {
        const char *p = strstr(reply, "\"icount\":");
        if (p) {
            l->icount = strtoull(p + 9, NULL, 10);
            l->icount_known = true;
        }
    }
    qmp_exec(q, "quit", reply, sizeof(reply));
    q->done = true;
}

/* Lines QEMU sent unasked: a SHUTDOWN event means the guest stopped (paused: -action shutdown=pause). */
static void qmp_events(struct qmp *q, struct qtc_launch *l)
{
    char line[4096];
    int r;
    while ((r = qmp_line(q, line, sizeof(line), 0)) > 0) {
        if (!q->done && strstr(line, "\"event\": \"SHUTDOWN\"")) {
            l->guest_shutdown = !strstr(line, "\"guest\": false");
            qmp_finish(q, false, l);
        }
    }
    if (r < 0) {
        qmp_close(q);
        q->done = true;
    }
}

/* ---- running QEMU --------------------------------------------------------------------------- */

static volatile sig_atomic_t got_signal, got_alarm;

static void on_signal(int sig)
{
    if (sig == SIGALRM)
        got_alarm = 1;
    else if (sig != SIGCHLD)
        got_signal = sig;
}

static const int caught[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGALRM, SIGCHLD };
#define NCAUGHT (sizeof(caught) / sizeof(caught[0]))

static void set_timer(double sec)
{
    struct itimerval it;
    memset(&it, 0, sizeof(it));
    it.it_value.tv_sec = (time_t)sec;
    it.it_value.tv_usec = (suseconds_t)((sec - (double)(time_t)sec) * 1e6);
    if (sec > 0 && it.it_value.tv_sec == 0 && it.it_value.tv_usec == 0)
        it.it_value.tv_usec = 1;
    setitimer(ITIMER_REAL, &it, NULL);
}

static bool in_foreground(void)
{
    return isatty(STDIN_FILENO) && tcgetpgrp(STDIN_FILENO) == getpgrp();
}

/* Run argv in its own process group (given the terminal if we have it) and wait for it.
 * Signals that stop qtrace (SIGINT, SIGTERM, SIGHUP, SIGQUIT) are passed on to QEMU, which
 * then exits cleanly and writes the end of its trace. Returns the wait status, or -1 with
 * err set if QEMU could not be started. */
static int spawn_wait(char **argv, double timeout, const struct qtc_cpupin *pin, struct qmp *q, struct qtc_launch *l,
                      bool *timed_out, char *err, size_t errlen)
{
    sigset_t block, old;
    sigemptyset(&block);
    for (size_t i = 0; i < NCAUGHT; i++)
        sigaddset(&block, caught[i]);
    sigaddset(&block, SIGTTOU);
    sigprocmask(SIG_BLOCK, &block, &old);
    struct sigaction sa, saved[NCAUGHT];
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < NCAUGHT; i++)
        sigaction(caught[i], &sa, &saved[i]);
    got_signal = got_alarm = 0;
    *timed_out = false;

    int ep[2];
    if (pipe2(ep, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        ep[0] = ep[1] = -1;
    }
    bool fg = in_foreground();
    fflush(NULL);
    pid_t pid = ep[0] >= 0 ? fork() : -1;
    if (pid == 0) {
        setpgid(0, 0);
        if (fg)
            tcsetpgrp(STDIN_FILENO, getpid()); /* SIGTTOU is blocked */
        struct sigaction dfl;
        memset(&dfl, 0, sizeof(dfl));
        dfl.sa_handler = SIG_DFL;
        for (size_t i = 0; i < NCAUGHT; i++)
            sigaction(caught[i], &saved[i], NULL);
        sigaction(SIGTTOU, &dfl, NULL);
        sigprocmask(SIG_SETMASK, &old, NULL);
        qtc_cpupin_apply(pin);
        execv(argv[0], argv);
        int e = errno;
        if (write(ep[1], &e, sizeof(e)) < 0)
            _exit(127);
        _exit(127);
    }
    int status = -1;
    if (pid < 0) {
        if (ep[0] >= 0)
            snprintf(err, errlen, "cannot start QEMU: fork: %s", strerror(errno));
    } else {
        setpgid(pid, pid);
        if (fg)
            tcsetpgrp(STDIN_FILENO, pid);
        close(ep[1]);
        ep[1] = -1;
        int e = 0;
        ssize_t n;
        do
            n = read(ep[0], &e, sizeof(e));
        while (n < 0 && errno == EINTR);
        if (n == (ssize_t)sizeof(e)) {
            snprintf(err, errlen, "cannot run QEMU %s: %s", argv[0], strerror(e));
            waitpid(pid, NULL, 0);
        } else {
            if (timeout > 0)
                set_timer(timeout);
            sigset_t wait_mask = old;
            for (size_t i = 0; i < NCAUGHT; i++)
                sigdelset(&wait_mask, caught[i]);
            int stage = 0; /* 0 running; 1 QMP quit sent; 2 SIGTERM sent */
            for (;;) {
                if (q && q->fd < 0 && !q->done)
                    qmp_try_connect(q);
                int st;
                pid_t w = waitpid(pid, &st, WNOHANG | WUNTRACED);
                if (w == pid && WIFSTOPPED(st)) {
                    /* ^Z: QEMU stopped; stop too, so that the shell gets the terminal back */
                    if (fg)
                        tcsetpgrp(STDIN_FILENO, getpgrp());
                    kill(getpid(), SIGSTOP);
                    fg = in_foreground();
                    if (fg)
                        tcsetpgrp(STDIN_FILENO, pid);
                    kill(-pid, SIGCONT);
                    continue;
                }
                if (w == pid) {
                    status = st;
                    break;
                }
                if (w < 0 && errno != EINTR) {
                    snprintf(err, errlen, "waiting for QEMU: %s", strerror(errno));
                    break;
                }
                if (got_signal) {
                    if (q && q->fd >= 0 && !q->done) {
                        qmp_finish(q, true, l);
                        set_timer(10);
                        stage = 1;
                    } else {
                        kill(-pid, got_signal);
                    }
                    got_signal = 0;
                }
                if (got_alarm) {
                    got_alarm = 0;
                    if (stage == 0) {
                        qtc_warn("--timeout: QEMU still running after %g s: stopping it (the trace so far is kept)",
                                 timeout);
                        if (q && q->fd >= 0 && !q->done) {
                            qmp_finish(q, true, l);
                            stage = 1;
                        } else {
                            kill(-pid, SIGTERM);
                            stage = 2;
                        }
                        *timed_out = true;
                        set_timer(10);
                    } else if (stage == 1) {
                        /* QEMU finalizes its files on SIGTERM too; SIGKILL would not let it */
                        qtc_warn("QEMU did not quit within 10 s: sending SIGTERM");
                        kill(-pid, SIGTERM);
                        stage = 2;
                        set_timer(10);
                    } else {
                        qtc_warn("QEMU did not stop within 10 s of SIGTERM: killing it");
                        kill(-pid, SIGKILL);
                    }
                }
                if (q && !q->done) {
                    struct pollfd p = { q->fd, POLLIN, 0 };
                    struct timespec ts = { 0, 50 * 1000 * 1000 };
                    int r = ppoll(&p, q->fd >= 0 ? 1 : 0, q->fd >= 0 ? NULL : &ts, &wait_mask);
                    if (r > 0 && q->fd >= 0)
                        qmp_events(q, l);
                } else {
                    sigsuspend(&wait_mask);
                }
            }
            set_timer(0);
        }
        if (fg && isatty(STDIN_FILENO))
            tcsetpgrp(STDIN_FILENO, getpgrp()); /* SIGTTOU is blocked */
    }
    if (ep[0] >= 0)
        close(ep[0]);
    if (ep[1] >= 0)
        close(ep[1]);
    for (size_t i = 0; i < NCAUGHT; i++)
        sigaction(caught[i], &saved[i], NULL);
    sigprocmask(SIG_SETMASK, &old, NULL);
    return status;
}

void qtc_print_summary(const struct qtr *r, const char *dest)
{
    const struct qtr_stats *s = &r->st;
    fprintf(stderr, "qtrace: %" PRIu64 " event%s, %" PRIu64 " function%s, %" PRIu64 " thread%s, %" PRIu64 " lost -> %s\n",
            s->events, s->events == 1 ? "" : "s", s->functions, s->functions == 1 ? "" : "s", s->threads,
            s->threads == 1 ? "" : "s", s->lost, dest);
}

int qtc_convert(const char *trace, const char *outdir, const struct qtc_writer *const *formats, int nformats,
                bool quiet, struct qtc_end *end)
{
    char err[1024];
    struct qtr r;
    if (qtr_open(&r, trace, err, sizeof(err)) < 0) {
        qtc_error("%s", err);
        return -1;
    }
    qtc_writer_progress = !quiet && isatty(STDERR_FILENO);
    for (size_t i = 0; i < r.nnotes; i++)
        if (!end || !r.has_stop || i + 1 != r.stop_note) /* that one: said by qtc_end_judge */
            qtc_warn("%s", r.notes[i]);
    if (end)
        qtc_end_judge(&r, trace, end);
    if (end && !end->convert)
        nformats = 0;
    struct qt_sb done;
    qt_sb_init(&done);
    int rc = 0;
    for (int i = 0; i < nformats; i++) {
        char *file = qtc_writer_output_name(formats[i]);
        char *path = join(outdir, file);
        free(file);
        if (qtc_write_trace_file(&r, formats[i], path, err, sizeof(err)) < 0) {
            qtc_error("%s", err);
            rc = -1;
        } else {
            qt_sb_printf(&done, " %s", path);
        }
        free(path);
    }
    if (!quiet)
        qtc_print_summary(&r, done.len ? done.buf + 1 : "(nothing)");
    qt_sb_free(&done);
    qtr_close(&r);
    return rc;
}

pid_t qtc_spawn_logged(char *const argv[], const char *log, const struct qtc_cpupin *pin, bool own_group)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        if (own_group)
            setpgid(0, 0);
        int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
        int out = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (nul < 0 || out < 0)
            _exit(127);
        dup2(nul, STDIN_FILENO);
        dup2(out, STDOUT_FILENO);
        dup2(out, STDERR_FILENO);
        qtc_cpupin_apply(pin);
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

int qtc_run_qemu(const struct qtc_cfg *cfg, struct qtc_launch *l, bool *timed_out, char *err, size_t errlen)
{
    struct qmp q = { cfg->qmp, -1, { 0 }, 0, false };
    if (cfg->qmp)
        unlink(cfg->qmp);
    char **argv = qtc_qemu_argv(cfg, l);
    int st = spawn_wait(argv, cfg->timeout, cfg->pin, cfg->qmp ? &q : NULL, l, timed_out, err, errlen);
    qtc_argv_free(argv);
    qmp_close(&q);
    if (cfg->qmp)
        unlink(cfg->qmp);
    return st;
}

int qtc_exit_code(int st, bool timed_out)
{
    if (timed_out)
        return QTC_TIMEOUT_STATUS;
    return WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : QTC_EXIT_ERROR;
}

int qtc_launch_run(const struct qtc_cfg *cfg, struct qtc_launch *l)
{
    char err[1024];
    if (qtc_write_conf(cfg, l, err, sizeof(err)) < 0) {
        qtc_error("%s", err);
        return QTC_EXIT_ERROR;
    }
    unlink(l->trace); /* a trace left by an earlier run must not pass for this one's */
    bool timed_out = false;
    int st = qtc_run_qemu(cfg, l, &timed_out, err, sizeof(err));
    if (st == -1) {
        qtc_error("%s", err);
        return QTC_EXIT_ERROR;
    }
    int code = qtc_exit_code(st, timed_out);
    struct qtc_end end = { st, timed_out, l->reset_log, code, true };
    if (access(l->trace, F_OK) < 0) {
        qtc_error("QEMU exited (%s %d) without writing %s: the plugin did not start (see QEMU's messages above)",
                  WIFSIGNALED(st) ? "signal" : "status", WIFSIGNALED(st) ? WTERMSIG(st) : code, l->trace);
        return QTC_EXIT_ERROR;
    }
    if (qtc_convert(l->trace, cfg->outdir, cfg->formats, cfg->nformats, cfg->quiet, &end) < 0 && end.code == 0)
        end.code = QTC_EXIT_ERROR;
    code = end.code;
    const char *fw = qtc_args_get(&cfg->args, "files-written");
    if (fw && qtc_files_after_run(l->trace, fw, cfg->quiet) < 0 && code == 0)
        code = QTC_EXIT_ERROR;
    return code;
}

int qtc_launch_cmd(int argc, char **argv, int (*parse)(int, char **, struct qtc_cfg *, char *, size_t),
                   void (*help)(FILE *), int (*prepare)(struct qtc_cfg *, const struct qtc_launch *, char *, size_t))
{
    struct qtc_cfg cfg;
    char err[1024];
    if (parse(argc, argv, &cfg, err, sizeof(err)) < 0) {
        qtc_error("%s", err);
        return QTC_EXIT_ERROR;
    }
    if (cfg.args.help) {
        help(stdout);
        qtc_cfg_free(&cfg);
        return 0;
    }
    struct qtc_launch l;
    int rc = QTC_EXIT_ERROR;
    if (qtc_check(&cfg, &l, err, sizeof(err)) < 0) {
        qtc_error("%s", err);
        qtc_cfg_free(&cfg);
        return rc;
    }
    if (prepare && prepare(&cfg, &l, err, sizeof(err)) < 0)
        qtc_error("%s", err);
    else
        rc = qtc_launch_run(&cfg, &l);
    qtc_launch_free(&l);
    qtc_cfg_free(&cfg);
    return rc;
}
