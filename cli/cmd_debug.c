/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qtrace debug: a recording replayed paused under QEMU's gdb stub, for gdb with reverse execution. */
#include "cli.h"
#include "util.h"

void qtc_help_debug(FILE *f)
{
    fputs("Usage: qtrace debug REC\n", f);
}

int qtc_cmd_debug(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    qtc_error("debug: not written yet");
    return QTC_EXIT_ERROR;
}
