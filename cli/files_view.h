/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --files-written DIR: the files a trace's QT_REC_FILEW records describe, rebuilt under DIR (the
 * guest's /mnt/a.txt as DIR/mnt/a.txt) with every byte at the offset it was written, and listed
 * in DIR/files-written.txt with renames, unlinks and files written through shared mappings.
 * The records are streamed: memory holds one entry per file, the bytes go to disk.
 */
#ifndef QTRACE_CLI_FILES_VIEW_H
#define QTRACE_CLI_FILES_VIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "reader.h"
#include "sb.h"

#define QTC_FILES_LIST "files-written.txt"

/* Before QEMU starts: can DIR be (re)built? It may be absent, empty, or an earlier output (it
 * has QTC_FILES_LIST), and its parent must be writable. 0, or -1 with a message in err. */
int qtc_files_check_dir(const char *dir, char *err, size_t errlen);
/* Rebuild DIR from trace r (built next to it, then renamed). nfiles: files listed. 0, or -1
 * with a message in err. */
int qtc_files_build(const struct qtr *r, const char *dir, size_t *nfiles, char *err, size_t errlen);
/* A QT_REC_FILEW record as one line of text (after the thread): "write /mnt/a.txt: 1000 bytes
 * at offset 0", "rename \"/mnt/a\" -> \"/mnt/b\"", "unlink \"/mnt/c\"", "mmap /mnt/d shared ...". */
void qtc_filew_text(const struct qtr_event *ev, struct qt_sb *out);
/* After a run: rebuild dir from the trace file, and say what was found in one line (also when
 * nothing was: never silent). 0, or -1 after an error message. */
int qtc_files_after_run(const char *trace, const char *dir, bool quiet);

#endif
