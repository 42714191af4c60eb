/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdbool.h>

#include "lmwalk.h"

#define DT_NULL_TAG 0
#define DT_DEBUG_TAG 21

static bool word_at(const struct qt_mem *m, unsigned word, uint64_t addr, uint64_t *out)
{
    return qt_mem_read_uint(m, addr, word, out);
}

/* The head of the list from .dynamic's DT_DEBUG: 0 with res->end set when there is none. */
static uint64_t head_from_debug(const struct qt_mem *m, unsigned word, uint64_t got, uint64_t bias,
                                struct qt_lmwalk_result *res)
{
    uint64_t dyn;
    if (!word_at(m, word, got, &dyn)) {
        res->end = QT_LMW_GOT_UNREADABLE;
        res->addr = got;
        return 0;
    }
    if (dyn == 0) {
        res->end = QT_LMW_NONE;
        return 0;
    }
    dyn += bias;
    for (unsigned i = 0; i < QT_LMWALK_DYN_MAX; i++) {
        uint64_t at = dyn + (uint64_t)i * 2 * word, tag, val;
        if (!word_at(m, word, at, &tag) || !word_at(m, word, at + word, &val)) {
            res->end = QT_LMW_DYN_UNREADABLE;
            res->addr = at;
            return 0;
        }
        if (tag == DT_NULL_TAG)
            break;
        if (tag != DT_DEBUG_TAG)
            continue;
        uint64_t head;
        if (val == 0)
            break;
        /* struct r_debug: int r_version, then struct link_map *r_map at the next word */
        if (!word_at(m, word, val + word, &head)) {
            res->end = QT_LMW_UNREADABLE;
            res->addr = val + word;
            return 0;
        }
        if (head == 0)
            break;
        res->src = QT_LMW_SRC_DEBUG;
        return head;
    }
    res->end = QT_LMW_NONE;
    return 0;
}

void qt_lmwalk(const struct qt_mem *m, unsigned word, uint64_t got, uint64_t bias,
               void (*each)(void *ctx, const struct qt_lmwalk_entry *e), void *ctx, struct qt_lmwalk_result *res)
{
    uint64_t seen[QT_LMWALK_MAX];
    uint64_t mask = word == 4 ? 0xffffffffu : UINT64_MAX;
    *res = (struct qt_lmwalk_result){ 0 };
    if (word != 4 && word != 8) {
        res->end = QT_LMW_GOT_UNREADABLE;
        res->addr = got;
        return;
    }
    got &= mask;
    uint64_t p;
    if (!word_at(m, word, (got + word) & mask, &p)) {
        res->end = QT_LMW_GOT_UNREADABLE;
        res->addr = got;
        return;
    }
    if (p)
        res->src = QT_LMW_SRC_GOT;
    else if ((p = head_from_debug(m, word, got, bias, res)) == 0)
        return;
    while (p) {
        for (unsigned i = 0; i < res->n; i++)
            if (seen[i] == p) {
                res->end = QT_LMW_CYCLE;
                res->addr = p;
                return;
            }
        if (res->n == QT_LMWALK_MAX) {
            res->end = QT_LMW_LIMIT;
            res->addr = p;
            return;
        }
        struct qt_lmwalk_entry e = { .self = p };
        uint64_t next;
        if (!word_at(m, word, p, &e.l_addr) || !word_at(m, word, (p + word) & mask, &e.l_name) ||
            !word_at(m, word, (p + 3 * (uint64_t)word) & mask, &next)) {
            res->end = QT_LMW_UNREADABLE;
            res->addr = p;
            return;
        }
        seen[res->n++] = p;
        if (each)
            each(ctx, &e);
        p = next & mask;
    }
    res->end = QT_LMW_END;
}

const char *qt_lmwalk_end_text(unsigned end)
{
    switch (end) {
    case QT_LMW_END: return "end of the list";
    case QT_LMW_NONE: return "no link map: GOT[1] and .dynamic's DT_DEBUG are both 0 (a static program, or not the .got.plt)";
    case QT_LMW_GOT_UNREADABLE: return "the .got.plt address is not readable (is linkmap: the program's .got.plt, from readelf -S?)";
    case QT_LMW_DYN_UNREADABLE: return "GOT[1] is 0 and .dynamic (GOT[0] + bias) is not readable";
    case QT_LMW_UNREADABLE: return "the walk stopped: an entry is not readable";
    case QT_LMW_CYCLE: return "the walk stopped: l_next leads back to an entry already listed";
    case QT_LMW_LIMIT: return "the walk stopped after 512 entries";
    }
    return "the walk ended for an unknown reason";
}

const char *qt_lmwalk_src_text(unsigned src)
{
    switch (src) {
    case QT_LMW_SRC_GOT: return "GOT[1]";
    case QT_LMW_SRC_DEBUG: return ".dynamic DT_DEBUG r_map";
    }
    return "nowhere";
}
