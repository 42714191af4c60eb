/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The execution-log formatter inside the plugin (execlog_format=text): the very code that
 * `qtrace dump -f execlog` runs, so direct text and dumped binary traces are the same bytes.
 */
#define QT_ELF_NO_WRITERS 1 /* the plugin has no cli/writer.c */
#include "../cli/execlog_fmt.c"
