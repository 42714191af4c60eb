/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz harness: plugin options (common/options.c) as the plugin reads them, a conf file of
 * key=value lines, then the rules on combining them (qt_opts_check) in every mode and for
 * every guest architecture, and the lookups the plugin makes with them. Inputs that name
 * conf= are skipped: it opens another file, by a path the input would choose. */
#include "arch.h"
#include "fuzz.h"
#include "options.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (memmem(data, size, "conf", 4))
        return 0;
    const char *path = fuzz_tmpfile(data, size);
    if (!path)
        return 0;
    struct qt_opts o;
    qt_opts_init(&o);
    char err[1024];
    if (qt_opts_load_file(&o, path, err, sizeof(err)) == 0) {
        static const enum qt_arch ids[] = { QT_ARCH_X86_64, QT_ARCH_I386, QT_ARCH_AARCH64 };
        for (int sys = 0; sys < 2; sys++)
            for (size_t a = 0; a <= sizeof(ids) / sizeof(ids[0]); a++) {
                struct qt_opts_env env = {
                    .system = sys, .arch = a < 3 ? qt_arch_by_id(ids[a]) : NULL, .cli = a & 1, .warn = NULL,
                };
                qt_opts_check(&o, &env, err, sizeof(err));
            }
        static const char *const names[] = { "main", "add", "lib:libc.so.6", "kernel:vfs_read", "do_sys_openat2", "" };
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
            qt_opts_spec_for(&o, names[i]);
            qt_opts_wants(&o, names[i]);
        }
        qt_opts_in_range(&o, 0x401000);
    }
    qt_opts_free(&o);
    return 0;
}
