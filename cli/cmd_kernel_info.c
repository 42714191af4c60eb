/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qtrace kernel-info --kernel FILE [--kernel-symbols FILE] [--layout FILE] [--system-map FILE] [--json]
 *
 * What qtrace learns from a kernel image: format and compression, version banner, the
 * symbol table (kallsyms recovered from the image, or a System.map / /proc/kallsyms file),
 * BTF and the structure layouts it uses. --system-map writes the symbol table as a System.map
 * (what --kernel-symbols reads). See docs/kernel.md.
 */
#include "arch.h"
#include "kallsyms.h"
#include "kimage.h"
#include "klayout.h"
#include "trace_opts.h"
#include "util.h"

#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The row of the command table (cli/cli.c): argv[0] is the command name. */
int cmd_kernel_info(int argc, char **argv);
void qtc_help_kernel_info(FILE *f);

static const struct qtc_opt ki_opts[] = {
    { "kernel", 'k', NULL, QTC_PATH, "FILE",
      "the kernel image: a bzImage (xz, gzip or zstd payload) or a vmlinux ELF", NULL },
    { "kernel-symbols", 0, NULL, QTC_PATH, "FILE",
      "symbols from a System.map or /proc/kallsyms file instead of the kallsyms tables in the image", NULL },
    { "layout", 0, NULL, QTC_PATH, "FILE",
      "structure offsets ('struct.field = OFFSET [SIZE]' lines) supplying or overriding the kernel's BTF", NULL },
    { "system-map", 0, NULL, QTC_PATH, "FILE",
      "also write the symbol table to FILE in System.map format ('ADDRESS TYPE NAME' lines, link-time addresses, "
      "by address), as --kernel-symbols reads it; '-' writes it to standard output instead of the summary", NULL },
    { "json", 0, NULL, QTC_FLAG, NULL, "print one JSON object instead of text", NULL },
};

static const char *const well_known[] = { "start_kernel", "do_sys_openat2", "current_task", "linux_banner" };
#define NWELL (sizeof(well_known) / sizeof(well_known[0]))

void qtc_help_kernel_info(FILE *f)
{
    const struct qtc_opt_table t = { "Options", ki_opts, sizeof(ki_opts) / sizeof(ki_opts[0]) };
    fprintf(f, "usage: qtrace kernel-info --kernel FILE [--kernel-symbols FILE] [--layout FILE] [--system-map FILE] "
            "[--json]\n\n");
    qtc_print_wrapped(f, "Show what qtrace learns from a Linux kernel image: version, compression, the kernel "
                      "symbol table and how it was found, BTF, and the offsets of the structure fields used to "
                      "follow processes, files and sockets. See docs/kernel.md.", 0, 0, 100);
    fprintf(f, "\n");
    qtc_print_table(f, &t);
}

static const char *machine_name(uint16_t m)
{
    const struct qt_arch_desc *a = qt_arch_by_elf_machine(m);
    return a ? a->name : "unknown machine";
}

static const char *src_name(uint8_t s)
{
    return s == QT_KL_BTF ? "btf" : s == QT_KL_FILE ? "layout file" : "";
}

static const char *ksrc_name(enum qt_ksyms_source s)
{
    switch (s) {
    case QT_KSYMS_KALLSYMS: return "kallsyms";
    case QT_KSYMS_SYMTAB: return "symtab";
    case QT_KSYMS_KSYMTAB: return "ksymtab";
    case QT_KSYMS_FILE: return "file";
    default: return "none";
    }
}

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '"' || *p == '\\') fprintf(f, "\\%c", *p);
        else if (*p < 0x20 || *p >= 0x7f) fprintf(f, "\\u%04x", *p);
        else fputc(*p, f);
    }
    fputc('"', f);
}

struct ki {
    const char *kpath, *sympath, *layoutpath, *mappath;
    struct qt_kimage k;
    struct qt_ksyms ks;
    bool have_syms;
    char sym_err[512];
    struct qt_klayout L;
    const struct qt_ksection *btf;
    char btf_err[512];
};

/* The symbol table as a System.map: "%016x TYPE NAME" lines by address, link-time addresses
 * (per-cpu symbols: their offsets), as nm and the kernel's scripts/mksysmap write it. */
static int write_system_map(const struct ki *c, char *err, size_t errlen)
{
    bool out = strcmp(c->mappath, "-") == 0;
    FILE *f = out ? stdout : fopen(c->mappath, "w");
    if (!f) {
        snprintf(err, errlen, "%s: %s", c->mappath, strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < c->ks.n; i++)
        fprintf(f, "%016" PRIx64 " %c %s\n", c->ks.syms[i].addr, c->ks.syms[i].type, c->ks.syms[i].name);
    int e = fflush(f) != 0 || ferror(f) ? errno : 0;
    if (!out && fclose(f) != 0 && !e)
        e = errno;
    if (e) {
        snprintf(err, errlen, "writing %s: %s", out ? "the System.map to standard output" : c->mappath, strerror(e ? e : EIO));
        return -1;
    }
    return 0;
}

static void print_text(const struct ki *c)
{
    const struct qt_kimage *k = &c->k;
    FILE *o = stdout;
    fprintf(o, "kernel       %s (%" PRIu64 " bytes)\n", k->path, k->file_size);
    if (k->bzimage)
        fprintf(o, "format       bzImage, boot protocol %u.%02u, %s payload (%" PRIu64 " bytes -> %zu bytes)\n",
                k->boot_protocol >> 8, k->boot_protocol & 0xff,
                k->comp == QT_KCOMP_NONE ? "uncompressed" : qt_kcomp_name(k->comp), k->payload_size, k->data_size);
    else
        fprintf(o, "format       vmlinux ELF (not compressed)\n");
    fprintf(o, "version      %s\n", k->banner ? k->banner : "(no \"Linux version\" banner found)");
    fprintf(o, "vmlinux      ELF %s, %zu sections, %zu loadable segments, .text at 0x%" PRIx64 "\n",
            machine_name(k->machine), k->nsec, k->nseg, k->text_addr);
    if (k->bits == 32)
        fprintf(o, "i386         kernel addresses from 0x%" PRIx64 " (PAGE_OFFSET); KASLR slide a multiple of 0x%" PRIx64
                " below 0x%" PRIx64 "; symbols only: processes are told apart by address space (no task layouts "
                "used)\n", k->map_base, k->kaslr_align, k->kaslr_range);
    if (k->nreloc32 + k->nreloc32inv + k->nreloc64)
        fprintf(o, "relocations  %zu 32-bit, %zu inverse 32-bit, %zu 64-bit (KASLR slide matching accounts for them)\n",
                k->nreloc32, k->nreloc32inv, k->nreloc64);
    if (c->have_syms) {
        fprintf(o, "symbols      %zu, from %s\n", c->ks.n, c->ks.how);
        if (c->mappath)
            fprintf(o, "             written to %s (System.map format)\n", c->mappath);
        if (c->ks.slide)
            fprintf(o, "             KASLR slide 0x%" PRIx64 " of the symbols file removed (link-time addresses below)\n", c->ks.slide);
        if (c->ks.skipped_module_syms)
            fprintf(o, "             %zu module symbols skipped\n", c->ks.skipped_module_syms);
        for (size_t i = 0; i < NWELL; i++) {
            const struct qt_ksym *s = qt_ksyms_find(&c->ks, well_known[i]);
            if (s)
                fprintf(o, "  %-22s 0x%016" PRIx64 " %c%s\n", s->name, s->addr, s->type,
                        s->percpu ? "  (per-cpu offset)" : "");
            else
                fprintf(o, "  %-22s not found\n", well_known[i]);
        }
    } else {
        fprintf(o, "symbols      none: %s\n", c->sym_err);
    }
    if (c->btf && c->L.btf)
        fprintf(o, "btf          yes: .BTF, %" PRIu64 " bytes, %u types\n", c->L.btf_size, c->L.btf_types);
    else if (c->btf)
        fprintf(o, "btf          unusable: %s\n", c->btf_err);
    else
        fprintf(o, "btf          no (.BTF section absent)\n");
    size_t nb = 0, nf = 0;
    for (size_t i = 0; i < qt_kfield_count; i++) {
        const struct qt_kfield *f = qt_klayout_at(&c->L, i);
        nb += f->found && f->src == QT_KL_BTF;
        nf += f->found && f->src == QT_KL_FILE;
    }
    fprintf(o, "layout       %zu of %zu fields (%zu from BTF, %zu from %s)%s\n", nb + nf, qt_kfield_count, nb, nf,
            c->layoutpath ? c->layoutpath : "a layout file", c->L.module_mem ? "; module.* from module.mem[MOD_TEXT]" : "");
    for (size_t i = 0; i < qt_kfield_count; i++) {
        const struct qt_kfield *f = qt_klayout_at(&c->L, i);
        if (f->found)
            fprintf(o, "  %-34s offset %5u (0x%04x)  size %3u  %s\n", qt_kfield_descs[i].name, f->off, f->off, f->size,
                    src_name(f->src));
        else
            fprintf(o, "  %-34s not found\n", qt_kfield_descs[i].name);
    }
}

static void print_json(const struct ki *c)
{
    const struct qt_kimage *k = &c->k;
    FILE *o = stdout;
    fprintf(o, "{\"kernel\":");
    json_str(o, k->path);
    fprintf(o, ",\"file_bytes\":%" PRIu64 ",\"format\":\"%s\"", k->file_size, k->bzimage ? "bzImage" : "elf");
    if (k->bzimage)
        fprintf(o, ",\"boot_protocol\":\"%u.%02u\",\"payload_bytes\":%" PRIu64, k->boot_protocol >> 8,
                k->boot_protocol & 0xff, k->payload_size);
    fprintf(o, ",\"compression\":\"%s\",\"vmlinux_bytes\":%zu,\"version\":", qt_kcomp_name(k->comp), k->data_size);
    if (k->banner) json_str(o, k->banner);
    else fprintf(o, "null");
    fprintf(o, ",\"machine\":\"%s\",\"sections\":%zu,\"segments\":%zu,\"text_addr\":\"0x%" PRIx64 "\"",
            machine_name(k->machine), k->nsec, k->nseg, k->text_addr);
    fprintf(o, ",\"relocations\":{\"r32\":%zu,\"r32_inverse\":%zu,\"r64\":%zu}", k->nreloc32, k->nreloc32inv, k->nreloc64);
    fprintf(o, ",\"symbols\":{\"count\":%zu,\"source\":\"%s\",\"how\":", c->have_syms ? c->ks.n : 0,
            c->have_syms ? ksrc_name(c->ks.source) : "none");
    json_str(o, c->have_syms ? c->ks.how : c->sym_err);
    fprintf(o, ",\"slide_removed\":\"0x%" PRIx64 "\",\"system_map\":", c->have_syms ? c->ks.slide : 0);
    if (c->mappath) json_str(o, c->mappath);
    else fprintf(o, "null");
    fprintf(o, ",\"well_known\":{");
    for (size_t i = 0; i < NWELL; i++) {
        const struct qt_ksym *s = c->have_syms ? qt_ksyms_find(&c->ks, well_known[i]) : NULL;
        fprintf(o, "%s\"%s\":", i ? "," : "", well_known[i]);
        if (s)
            fprintf(o, "{\"addr\":\"0x%" PRIx64 "\",\"type\":\"%c\",\"percpu\":%s}", s->addr, s->type,
                    s->percpu ? "true" : "false");
        else
            fprintf(o, "null");
    }
    fprintf(o, "}},\"btf\":{\"present\":%s,\"usable\":%s,\"bytes\":%" PRIu64 ",\"types\":%u}", c->btf ? "true" : "false",
            c->L.btf ? "true" : "false", c->L.btf_size, c->L.btf_types);
    fprintf(o, ",\"layout\":{");
    for (size_t i = 0; i < qt_kfield_count; i++) {
        const struct qt_kfield *f = qt_klayout_at(&c->L, i);
        fprintf(o, "%s\"%s\":", i ? "," : "", qt_kfield_descs[i].name);
        if (f->found)
            fprintf(o, "{\"offset\":%u,\"size\":%u,\"source\":\"%s\"}", f->off, f->size, f->src == QT_KL_BTF ? "btf" : "file");
        else
            fprintf(o, "null");
    }
    fprintf(o, "}}\n");
}

int cmd_kernel_info(int argc, char **argv)
{
    const struct qtc_opt_table tables[] = { { "Options", ki_opts, sizeof(ki_opts) / sizeof(ki_opts[0]) } };
    struct qtc_args a;
    char err[1024];
    if (qtc_parse_args("kernel-info", tables, 1, argc, argv, false, &a, err, sizeof(err)) < 0) {
        qtc_error("%s", err);
        return QTC_EXIT_ERROR;
    }
    if (a.help) {
        qtc_help_kernel_info(stdout);
        qtc_args_free(&a);
        return 0;
    }
    struct ki c;
    memset(&c, 0, sizeof(c));
    c.kpath = qtc_args_get(&a, "kernel");
    c.sympath = qtc_args_get(&a, "kernel-symbols");
    c.layoutpath = qtc_args_get(&a, "layout");
    c.mappath = qtc_args_get(&a, "system-map");
    bool json = qtc_args_has(&a, "json");
    int rc = QTC_EXIT_ERROR;
    if (a.nrest > 0) {
        qtc_error("kernel-info takes no operands (got '%.100s'): give the image with --kernel FILE", a.rest[0]);
        goto out;
    }
    if (!c.kpath) {
        qtc_error("kernel-info needs --kernel FILE (a bzImage or a vmlinux ELF)");
        goto out;
    }
    if (qt_kimage_load(&c.k, c.kpath, err, sizeof(err)) < 0) {
        qtc_error("%s", err);
        goto out;
    }

    /* symbols: the file if given (its KASLR slide removed), else from the image */
    if (c.sympath) {
        if (qt_ksyms_load_file(&c.ks, c.sympath, err, sizeof(err)) < 0) {
            qtc_error("%s", err);
            goto out;
        }
        if (c.k.text_addr && qt_ksyms_unslide(&c.ks, c.k.text_addr) < 0)
            qtc_warn("%s: _text is at 0x%" PRIx64 ", not a 2 MiB multiple above the image's 0x%" PRIx64
                     ": addresses kept as they are", c.sympath, c.ks.text_addr, c.k.text_addr);
        c.have_syms = true;
    } else if (qt_ksyms_from_kimage(&c.ks, &c.k, c.sym_err, sizeof(c.sym_err)) == 0) {
        c.have_syms = true;
    }

    /* layouts: BTF, then the layout file over it */
    qt_klayout_init(&c.L);
    c.btf = qt_kimage_section(&c.k, ".BTF");
    if (!c.btf && !c.layoutpath && c.k.bits != 32) {
        qtc_error("%s has no BTF (.BTF section) and no --layout file was given: supply one (see docs/kernel.md)", c.kpath);
        goto out;
    }
    if (c.btf && qt_klayout_from_kimage(&c.L, &c.k, c.btf_err, sizeof(c.btf_err)) < 0) {
        if (!c.layoutpath) {
            qtc_error("%s and no --layout file was given: supply one (see docs/kernel.md)", c.btf_err);
            goto out;
        }
        qtc_warn("%s", c.btf_err);
    }
    if (c.layoutpath && qt_klayout_load_file(&c.L, c.layoutpath, err, sizeof(err)) < 0) {
        qtc_error("%s", err);
        goto out;
    }
    if (c.mappath && !c.have_syms) {
        qtc_error("--system-map %s: %s", c.mappath, c.sym_err);
        goto out;
    }
    if (c.mappath && strcmp(c.mappath, "-") == 0 && json) {
        qtc_error("--system-map - writes the symbol table to standard output: it cannot go with --json");
        goto out;
    }
    if (!c.have_syms && !json) qtc_warn("%s", c.sym_err);

    if (c.mappath && write_system_map(&c, err, sizeof(err)) < 0) {
        qtc_error("%s", err);
        goto out;
    }
    if (c.mappath && strcmp(c.mappath, "-") == 0) {
        rc = 0;
        goto out;
    }
    if (json) print_json(&c);
    else print_text(&c);
    rc = fflush(stdout) == 0 && !ferror(stdout) ? 0 : QTC_EXIT_ERROR;
    if (rc) qtc_error("writing the output: %s", strerror(errno));
out:
    qt_ksyms_free(&c.ks);
    qt_kimage_free(&c.k);
    qtc_args_free(&a);
    return rc;
}
