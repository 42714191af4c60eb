/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz harness: -A/-R argument specs (common/argspec.c). The input is one spec per line; each
 * that parses is merged into the first one of its pattern, as the options do. */
#include "argspec.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_str(data, size);
    if (!text)
        return 0;
    struct qt_argspec first, spec;
    bool have = false;
    char err[512];
    for (char *line = text, *next; line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = 0;
        if (qt_argspec_parse(line, &spec, err, sizeof(err)) != 0)
            continue;
        if (spec.nslots < 0 || spec.nslots > QT_MAX_ARGS + 1 || !memchr(spec.pattern, 0, sizeof(spec.pattern)))
            abort();
        if (!have) {
            first = spec;
            have = true;
        } else if (strcmp(first.pattern, spec.pattern) == 0) {
            qt_argspec_merge(&first, &spec);
            if (first.nslots > QT_MAX_ARGS + 1)
                abort();
        }
    }
    free(text);
    return 0;
}
