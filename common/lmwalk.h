/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The guest's own link map (compat's linkmap:ADDR): the dynamic loader's list of loaded objects,
 * found from the program's .got.plt (GOT[1]: the struct link_map * ld.so stores there for lazy
 * binding) or, when that is 0 (BIND_NOW), from .dynamic's DT_DEBUG entry (struct r_debug, r_map;
 * .dynamic's link-time address is GOT[0]). The list is glibc's public struct link_map: l_addr,
 * l_name, l_ld, l_next, l_prev, one word each. Every read goes through struct qt_mem and is
 * checked: a walk stops with a status, never a fault.
 */
#ifndef QTRACE_LMWALK_H
#define QTRACE_LMWALK_H

#include <stdint.h>

#include "mem.h"

#define QT_LMWALK_MAX 512       /* entries walked at most */
#define QT_LMWALK_DYN_MAX 512   /* .dynamic entries scanned at most for DT_DEBUG */

/* How a walk ended (the last record of a walk carries it). */
enum qt_lmwalk_end {
    QT_LMW_END = 1,         /* l_next was 0: the whole list */
    QT_LMW_NONE,            /* GOT[1] and DT_DEBUG (or r_map) are 0: no link map (a static program) */
    QT_LMW_GOT_UNREADABLE,  /* .got.plt at the address is not readable: addr */
    QT_LMW_DYN_UNREADABLE,  /* GOT[1] is 0 and .dynamic (GOT[0] + bias) is not readable: addr */
    QT_LMW_UNREADABLE,      /* an entry of the list is not readable: addr */
    QT_LMW_CYCLE,           /* l_next led back to an entry already walked: addr */
    QT_LMW_LIMIT,           /* QT_LMWALK_MAX entries walked and l_next still not 0: addr */
};

/* Where the list's head came from. */
enum qt_lmwalk_src { QT_LMW_SRC_NONE = 0, QT_LMW_SRC_GOT = 1, QT_LMW_SRC_DEBUG = 2 };

struct qt_lmwalk_entry {
    uint64_t self;          /* the struct link_map's address */
    uint64_t l_addr;        /* the object's load bias */
    uint64_t l_name;        /* its name's address (a guest string, may be unreadable) */
};

struct qt_lmwalk_result {
    enum qt_lmwalk_end end;
    enum qt_lmwalk_src src;
    uint64_t addr;          /* the address the end is about (see enum qt_lmwalk_end) */
    unsigned n;             /* entries walked */
};

/* Walk the link map of the program whose .got.plt is at run-time address got (file address +
 * load bias), with bias its load bias and word 4 or 8 (bytes, little-endian). each is called
 * for every entry in list order (may be NULL). */
void qt_lmwalk(const struct qt_mem *m, unsigned word, uint64_t got, uint64_t bias,
               void (*each)(void *ctx, const struct qt_lmwalk_entry *e), void *ctx, struct qt_lmwalk_result *res);

/* One line for an end status (without the address), as the writers show it. */
const char *qt_lmwalk_end_text(unsigned end);
/* Where the head came from, in words. */
const char *qt_lmwalk_src_text(unsigned src);

#endif
