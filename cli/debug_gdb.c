/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "debug_gdb.h"
#include "kallsyms.h"
#include "kimage.h"
#include "util.h"

#define PROBE_MAX 48    /* banner bytes compared at each candidate slide */

/* Symbols worth a name in gdb: functions and data objects of the image (not per-cpu offsets,
 * absolute values or module symbols). */
static bool wanted(const struct qt_ksym *s)
{
    return !s->percpu && s->addr >= QT_KERNEL_MAP_BASE && s->name[0] && strchr("TtWwDdBbRrVv", s->type);
}

static bool is_func(const struct qt_ksym *s)
{
    return strchr("TtWw", s->type) != NULL;
}

long qtc_ksyms_elf_write(const struct qt_ksyms *ks, const char *path, char *err, size_t errlen)
{
    uint64_t lo = UINT64_MAX, hi = 0;
    size_t n = 0, strsz = 1;
    for (size_t i = 0; i < ks->n; i++) {
        const struct qt_ksym *s = &ks->syms[i];
        if (!wanted(s))
            continue;
        n++;
        strsz += strlen(s->name) + 1;
        if (s->addr < lo)
            lo = s->addr;
        if (s->addr + (s->size ? s->size : 1) > hi)
            hi = s->addr + (s->size ? s->size : 1);
    }
    if (!n) {
        snprintf(err, errlen, "the kernel's symbol table has no function or object in the kernel image mapping");
        return -1;
    }
    static const char shstr[] = "\0.text\0.symtab\0.strtab\0.shstrtab";
    enum { SEC_TEXT = 1, SEC_SYMTAB, SEC_STRTAB, SEC_SHSTRTAB, NSEC };
    Elf64_Sym *sym = qtc_xcalloc(n + 1, sizeof(*sym));
    char *str = qtc_xmalloc(strsz);
    str[0] = '\0';
    size_t k = 1, off = 1, nlocal = 1;
    /* local symbols first (ELF's rule), then global ones */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < ks->n; i++) {
            const struct qt_ksym *s = &ks->syms[i];
            bool global = s->type >= 'A' && s->type <= 'Z';
            if (!wanted(s) || global != (pass == 1))
                continue;
            size_t len = strlen(s->name) + 1;
            memcpy(str + off, s->name, len);
            sym[k].st_name = (Elf64_Word)off;
            sym[k].st_info = ELF64_ST_INFO(global ? (s->type == 'W' || s->type == 'V' ? STB_WEAK : STB_GLOBAL)
                                                  : STB_LOCAL, is_func(s) ? STT_FUNC : STT_OBJECT);
            sym[k].st_shndx = SEC_TEXT;
            sym[k].st_value = s->addr;
            sym[k].st_size = s->size;
            off += len;
            k++;
        }
        if (pass == 0)
            nlocal = k;
    }
    Elf64_Ehdr eh;
    memset(&eh, 0, sizeof(eh));
    memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_type = ET_EXEC;
    eh.e_machine = EM_X86_64;
    eh.e_version = EV_CURRENT;
    eh.e_ehsize = sizeof(Elf64_Ehdr);
    eh.e_shentsize = sizeof(Elf64_Shdr);
    eh.e_shnum = NSEC;
    eh.e_shstrndx = SEC_SHSTRTAB;
    /* layout: header, symbols, names, section names, section headers */
    uint64_t sym_off = sizeof(eh), str_off = sym_off + (n + 1) * sizeof(Elf64_Sym), shstr_off = str_off + strsz;
    eh.e_shoff = (shstr_off + sizeof(shstr) + 7) & ~7ull;
    Elf64_Shdr sh[NSEC];
    memset(sh, 0, sizeof(sh));
    sh[SEC_TEXT] = (Elf64_Shdr){ .sh_name = 1, .sh_type = SHT_NOBITS, .sh_flags = SHF_ALLOC | SHF_EXECINSTR,
                                 .sh_addr = lo, .sh_offset = sym_off, .sh_size = hi - lo, .sh_addralign = 1 };
    sh[SEC_SYMTAB] = (Elf64_Shdr){ .sh_name = 7, .sh_type = SHT_SYMTAB, .sh_offset = sym_off,
                                   .sh_size = (n + 1) * sizeof(Elf64_Sym), .sh_link = SEC_STRTAB,
                                   .sh_info = (Elf64_Word)nlocal, .sh_addralign = 8,
                                   .sh_entsize = sizeof(Elf64_Sym) };
    sh[SEC_STRTAB] = (Elf64_Shdr){ .sh_name = 15, .sh_type = SHT_STRTAB, .sh_offset = str_off, .sh_size = strsz,
                                   .sh_addralign = 1 };
    sh[SEC_SHSTRTAB] = (Elf64_Shdr){ .sh_name = 23, .sh_type = SHT_STRTAB, .sh_offset = shstr_off,
                                     .sh_size = sizeof(shstr), .sh_addralign = 1 };
    char tmp[4096];
    long rc = -1;
    FILE *f = qtc_atomic_open(path, tmp, sizeof(tmp), err, errlen);
    if (f) {
        static const char pad[8];
        bool ok = fwrite(&eh, sizeof(eh), 1, f) == 1 && fwrite(sym, sizeof(*sym), n + 1, f) == n + 1 &&
                  fwrite(str, 1, strsz, f) == strsz && fwrite(shstr, 1, sizeof(shstr), f) == sizeof(shstr) &&
                  fwrite(pad, 1, eh.e_shoff - shstr_off - sizeof(shstr), f) == eh.e_shoff - shstr_off - sizeof(shstr) &&
                  fwrite(sh, sizeof(sh), 1, f) == 1;
        if (qtc_atomic_close(f, tmp, path, ok, err, errlen) == 0)
            rc = (long)n;
    }
    free(sym);
    free(str);
    return rc;
}

bool qtc_ksyms_gdb_script(FILE *f, const struct qt_kimage *img, const char *elf)
{
    size_t len = img->banner ? strlen(img->banner) : 0;
    if (len > PROBE_MAX)
        len = PROBE_MAX;
    const uint8_t *probe = len ? qt_kimage_ptr(img, img->banner_addr, len) : NULL;
    if (!probe)
        return false;
    fprintf(f, "python\n"
            "class QtraceKernelSymbols:\n"
            "    \"\"\"The kernel's symbols loaded at the KASLR slide, found from where the 'Linux version'\n"
            "    banner is in the guest's memory.\"\"\"\n"
            "    elf = \"");
    /* the path goes into a Python string literal: escaped byte by byte */
    for (const char *p = elf; *p; p++)
        fprintf(f, "\\x%02x", (unsigned char)*p);
    fprintf(f, "\"\n    probe_addr = 0x%" PRIx64 "\n    probe = bytes.fromhex(\"", img->banner_addr);
    for (size_t i = 0; i < len; i++)
        fprintf(f, "%02x", probe[i]);
    fprintf(f, "\")\n"
            "    align, span = 0x%" PRIx64 ", 0x%" PRIx64 "\n"
            "    slide = None\n"
            "    def find(self):\n"
            "        inf = gdb.selected_inferior()\n"
            "        for s in range(0, self.span, self.align):\n"
            "            try:\n"
            "                if bytes(inf.read_memory(self.probe_addr + s, len(self.probe))) == self.probe:\n"
            "                    return s\n"
            "            except gdb.MemoryError:\n"
            "                pass\n"
            "        return None\n"
            "    def load(self, quiet):\n"
            "        if self.slide is not None:\n"
            "            if not quiet:\n"
            "                print('qtrace: kernel symbols already loaded at KASLR slide %%#x' %% self.slide)\n"
            "            return\n"
            "        s = self.find()\n"
            "        if s is None:\n"
            "            if not quiet:\n"
            "                print('qtrace: the kernel is not in the guest\\'s memory here (too early in the boot?): '\n"
            "                      'no kernel symbols; stop later and run qtrace-kernel-symbols')\n"
            "            return\n"
            "        self.slide = s\n"
            "        name = self.elf.replace('\\\\', '\\\\\\\\').replace(' ', '\\\\ ')\n"
            "        gdb.execute('add-symbol-file %%s -o %%#x' %% (name, s), to_string=True)\n"
            "        print('qtrace: kernel symbols loaded at KASLR slide %%#x' %% s)\n"
            "qtrace_ksyms = QtraceKernelSymbols()\n"
            "gdb.events.stop.connect(lambda ev: qtrace_ksyms.load(True))\n"
            "end\n"
            "define qtrace-kernel-symbols\n"
            "  python qtrace_ksyms.load(False)\n"
            "end\n"
            "document qtrace-kernel-symbols\n"
            "Load the guest kernel's symbols at its KASLR slide (done by itself at the first stop where the kernel runs).\n"
            "end\n",
            img->kaslr_align, img->kaslr_range);
    return true;
}

void qtc_gdb_snapshot_script(FILE *f, unsigned long long gap)
{
    fprintf(f, "python\n"
            "import re\n"
            "class QtraceSnapshots:\n"
            "    \"\"\"A QEMU snapshot where the user stops: a backward command reloads the nearest snapshot\n"
            "    before its target and replays from there.\"\"\"\n"
            "    gap = %llu\n"
            "    taken = 0\n"
            "    def stop(self, ev):\n"
            "        try:\n"
            "            now = int(re.search(r'instruction count = (\\d+)',\n"
            "                                gdb.execute('monitor info replay', to_string=True)).group(1))\n"
            "            have = [int(l.split()[-1]) for l in gdb.execute('monitor info snapshots', to_string=True).splitlines()\n"
            "                    if l.split() and l.split()[-1].isdigit()]\n"
            "        except (gdb.error, AttributeError):\n"
            "            return\n"
            "        if any(now - self.gap < i <= now for i in have):\n"
            "            return\n"
            "        self.taken += 1\n"
            "        out = gdb.execute('monitor savevm qtrace-%%d' %% self.taken, to_string=True).strip()\n"
            "        if out:\n"
            "            print('qtrace: no snapshot at instruction %%d: %%s' %% (now, out))\n"
            "qtrace_snapshots = QtraceSnapshots()\n"
            "gdb.events.stop.connect(qtrace_snapshots.stop)\n"
            "end\n",
            gap);
}
