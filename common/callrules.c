/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "callrules.h"

#include "format.h"

void qt_call_rules_init(struct qt_call_rules *r, const struct qt_opts *o, bool selecting)
{
    r->filters = o->nfilter > 0;
    r->depth = o->depth;
    r->icount = o->icount;
    /* under a process selection too: the fast path runs only while the thread of the vCPU's last
     * event (a recorded one) still runs, which system mode's switched word tells */
    (void)selecting;
    r->plain = o->icount && o->nfilter == 0 && o->nnotrace == 0 && o->depth < 0;
}

void qt_call_rules_enter(const struct qt_call_rules *r, struct qt_call_state *s, struct qt_frame *f, bool filter,
                         bool notrace)
{
    bool inside = !r->filters || s->nfilter > 0 || filter;
    f->marks = (uint8_t)((filter ? QT_MARK_FILTER : 0) | (notrace ? QT_MARK_NOTRACE : 0));
    s->nfilter += filter;
    s->nhide += notrace;
    f->hidden = !inside || s->nhide > 0 || (r->depth >= 0 && s->vis >= (uint32_t)r->depth);
    f->vdepth = (uint16_t)(s->vis < UINT16_MAX ? s->vis : UINT16_MAX);
    s->vis += !f->hidden;
}

bool qt_call_rules_pop(struct qt_call_state *s, const struct qt_frame *f)
{
    s->nfilter -= (f->marks & QT_MARK_FILTER) != 0;
    s->nhide -= (f->marks & QT_MARK_NOTRACE) != 0;
    if (f->hidden)
        return false;
    s->vis--;
    return true;
}

bool qt_call_rules_packed(const struct qt_call_rules *r, uint32_t id, uint32_t depth)
{
    return r->icount && id != 0 && depth <= QT_FAST_DEPTH_MAX;
}

bool qt_call_rules_fast_entry(const struct qt_call_rules *r, int nargs, uint32_t id)
{
    return r->plain && nargs == 0 && id != 0;
}

bool qt_call_rules_fast_ret(const struct qt_call_rules *r, bool has_ret, bool loose, uint32_t id)
{
    return r->plain && !has_ret && !loose && id != 0;
}

bool qt_call_rules_one_block(const struct qt_call_rules *r, bool one_block, int nargs, bool has_ret, bool loose,
                             uint32_t id)
{
    return one_block && qt_call_rules_fast_entry(r, nargs, id) && qt_call_rules_fast_ret(r, has_ret, loose, id);
}

bool qt_call_rules_entry_at_call_site(bool call_sites, int nargs, bool loose)
{
    return call_sites && nargs == 0 && !loose;
}
