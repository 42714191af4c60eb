/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qtrace: the command-line tool. Everything is in cli/cli.c (linked into the unit tests too). */
#include "cli.h"

int main(int argc, char **argv)
{
    return qtc_main(argc, argv);
}
