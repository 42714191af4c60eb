/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Execution log (execlog=on): every executed instruction, its memory accesses and the watched
 * registers that changed, with the output of QEMU's contrib/plugins/execlog.c (same options:
 * ifilter, afilter, reg, rdisas), much faster. docs/execlog.md has the full design.
 *
 * Translation time (qt_execlog_tb_trans) decides, exactly as execlog does, what each
 * instruction of the block does when it starts (log it, compare registers, nothing) and keeps
 * that in a descriptor written once (TBDEF record, or handed to the in-plugin formatter).
 * Run time then costs, per executed block:
 *   - one callback at block start writing an EXEC record (16 bytes);
 *   - per logged instruction an inline store of its index + 1 into a per-vCPU scoreboard word
 *     (QT_EL_FULL for the block's last one); the next block starts with a callback conditional
 *     on that word not being QT_EL_FULL, which writes an END record: the block stopped early
 *     (a faulting instruction) after that many instructions;
 *   - a memory callback per access of a logged instruction (24-byte record, + value, + phys);
 *   - with reg=, a register-reading callback where execlog compares registers and a line is
 *     pending (conditional on a scoreboard word when that is not known at translation time),
 *     writing a record only for the registers that changed.
 * Records go to the vCPU's own buffer: the trace file's (execlog_format=bin) or, for text, an
 * execlog buffer that the vCPU formats itself when it fills (common/execlog_text.c, the formatter
 * `qtrace dump` uses too); only writing the text out takes a lock. Callbacks allocate nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "execlog.h"
#include "modules.h"
#include "vcpu.h"
#include "execlog_format.h"
#include "execlog_text.h"

#define EL_MAX_VCPUS QT_OUT_MAX_VCPUS
#define EL_TEXT_BUF (1u << 20)         /* text mode: records a vCPU buffers before formatting */
#define EL_TEXT_FLUSH (1u << 20)       /* text mode: formatted bytes written at once */
#define EL_MAX_INSNS 4096
#define EL_DEV_CACHE 8
#define EL_MAX_DEVICES 1024

struct el_reg {
    struct qemu_plugin_register *handle;
    uint16_t size;
    const char *name;               /* lower case, as execlog prints it (interned) */
    uint8_t *last;                  /* value at the previous check */
};

struct el_vcpu {
    unsigned index;
    bool live;
    /* binary: the trace file's buffer of this vCPU */
    struct qt_vbuf *ob;
    /* text mode: this vCPU's records, formatted when the buffer is full */
    uint8_t *buf;
    size_t used;
    /* watched registers */
    struct el_reg *regs;
    unsigned nregs;
    size_t regs_rec_max;            /* largest REGS record */
    GByteArray *tmp;
    /* system mode: device name -> id, a small private cache before the shared table */
    const char *dev_name[EL_DEV_CACHE];
    uint32_t dev_id[EL_DEV_CACHE];
    unsigned dev_next;
    /* execlog_start / execlog_stop (el.trigger) */
    bool on;                        /* logging; changed only by this vCPU's own callbacks */
    bool stopped;                   /* execlog_stop reached: never on again */
    bool sel;                       /* el.proc: the task this vCPU runs is a selected process's */
    uint64_t count;                 /* logged instructions so far (block granularity) */
    uint32_t last_nlog;             /* logged instructions of the block counted last */
};

/* Per-vCPU scoreboard entry (one cache line). */
struct el_sb {
    uint64_t n;                     /* index + 1 of the last logged instruction that started */
    uint64_t on;                    /* execlog_start/stop: block-start callbacks run only if 1 */
    uint64_t pend;                  /* with filters and reg=: execlog has a line pending */
};

enum afilter_kind { AF_ADDR, AF_RANGE, AF_SYM };
struct afilter {
    enum afilter_kind kind;
    uint64_t lo, hi;                /* AF_ADDR: lo; AF_RANGE: [lo, hi) */
    const char *glob;               /* AF_SYM */
};

static struct {
    bool text, system, memvalues, flow, rdisas;
    bool filter;                    /* ifilter or afilter given: unmatched instructions are skipped */
    bool rmatch;                    /* reg= given */
    bool any_regs;                  /* some vCPU watches at least one register */
    struct afilter af[QT_MAX_FILTERS];
    int naf;
    struct qemu_plugin_scoreboard *sb;
    qemu_plugin_u64 n;              /* struct el_sb.n */
    qemu_plugin_u64 on;             /* struct el_sb.on */
    qemu_plugin_u64 pend;           /* struct el_sb.pend */
    bool trigger;                   /* execlog_start or execlog_stop given */
    bool proc;                      /* system mode, comm= or pid=: only the selected processes */
    bool gated;                     /* trigger or proc: el_sb.on and el_vcpu.on decide */
    bool start_sym;                 /* execlog_start is a function name (else start_addr) */
    const char *start_name;
    uint64_t start_addr;
    uint64_t stop;                  /* execlog_stop=N, 0 = none */
    int started;                    /* the start instruction ran (atomic) */
    uint32_t next_tb;
    struct el_vcpu *vcpus[EL_MAX_VCPUS];
    /* text output */
    struct qt_eltext *fmt;
    int fd;                         /* -1: QEMU's log (qemu_plugin_outs), like execlog */
    int werr;
    pthread_mutex_t out_lock;
    /* translation-time state */
    pthread_mutex_t lock;           /* reg_names, devices */
    GPtrArray *reg_names;           /* rdisas: lower-case names of watched registers */
    const char *dev_names[EL_MAX_DEVICES];
    uint32_t ndev;
} el = { .fd = -1, .out_lock = PTHREAD_MUTEX_INITIALIZER, .lock = PTHREAD_MUTEX_INITIALIZER };

/* ---- output ---------------------------------------------------------------------------- */

static void text_sink(void *ctx, unsigned vcpu, const char *data, size_t len)
{
    (void)ctx;
    (void)vcpu;
    if (el.fd < 0) {
        qemu_plugin_outs(data);
        return;
    }
    pthread_mutex_lock(&el.out_lock);
    while (len > 0 && el.werr == 0) {
        ssize_t w = write(el.fd, data, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            el.werr = errno;
            break;
        }
        data += w;
        len -= (size_t)w;
    }
    pthread_mutex_unlock(&el.out_lock);
}

/* Text mode: format the vCPU's buffered records (in its own thread). */
static void text_drain(struct el_vcpu *v)
{
    size_t off = 0;
    while (off + sizeof(struct qt_rec_hdr) <= v->used) {
        const struct qt_rec_hdr *h = (const struct qt_rec_hdr *)(v->buf + off);
        qt_eltext_record(el.fmt, h, v->used - off);
        off += h->size;
    }
    v->used = 0;
}

static inline void *rec_get(struct el_vcpu *v, size_t size)
{
    if (el.text) {
        if (v->used + size > EL_TEXT_BUF)
            text_drain(v);
        return v->buf + v->used;
    }
    return qt_vbuf_reserve(v->ob, size);
}

static inline void rec_put(struct el_vcpu *v, size_t size)
{
    if (el.text)
        v->used += size;
    else
        qt_vbuf_commit(v->ob, size);
}

static inline struct el_vcpu *vcpu_of(unsigned index)
{
    return index < EL_MAX_VCPUS ? el.vcpus[index] : NULL;
}

/* ---- run time ---------------------------------------------------------------------------- */

static inline void exec_rec(struct el_vcpu *v, unsigned vi, uint32_t tb)
{
    struct qt_rec_el_exec *r = rec_get(v, sizeof(*r));
    r->h.type = QT_REC_EL_EXEC;
    r->h.size = sizeof(*r);
    r->h.vcpu = vi;
    r->tb = tb;
    r->prev_n = QT_EL_FULL; /* an END record came first if the previous block stopped early */
    rec_put(v, sizeof(*r));
}

static void end_rec(struct el_vcpu *v, unsigned vi, uint64_t n)
{
    struct qt_rec_el_end *e = rec_get(v, sizeof(*e));
    e->h.type = QT_REC_EL_END;
    e->h.size = sizeof(*e);
    e->h.vcpu = vi;
    e->prev_n = n >= QT_EL_FULL ? QT_EL_FULL : (uint32_t)n;
    e->reserved = 0;
    rec_put(v, sizeof(*e));
}

/* Compare the watched registers with their values at the previous check; record changes. */
static void check_regs(struct el_vcpu *v, unsigned vi, unsigned insn)
{
    if (!v->nregs)
        return;
    uint8_t *b = rec_get(v, v->regs_rec_max);
    struct qt_rec_el_regs *r = (struct qt_rec_el_regs *)b;
    size_t off = sizeof(*r);
    unsigned count = 0;
    for (unsigned i = 0; i < v->nregs; i++) {
        struct el_reg *g = &v->regs[i];
        g_byte_array_set_size(v->tmp, 0);
        int sz = qemu_plugin_read_register(g->handle, v->tmp);
        if (sz != g->size || memcmp(v->tmp->data, g->last, g->size) == 0)
            continue;
        memcpy(g->last, v->tmp->data, g->size);
        struct qt_el_rval e = { (uint16_t)i, g->size };
        memcpy(b + off, &e, sizeof(e));
        memcpy(b + off + sizeof(e), g->last, g->size);
        size_t es = QT_ALIGN8(sizeof(e) + g->size);
        memset(b + off + sizeof(e) + g->size, 0, es - sizeof(e) - g->size);
        off += es;
        count++;
    }
    if (!count)
        return;
    r->h.type = QT_REC_EL_REGS;
    r->h.size = (uint16_t)off;
    r->h.vcpu = vi;
    r->insn = (uint16_t)insn;
    r->count = (uint16_t)count;
    r->reserved = 0;
    rec_put(v, off);
}

/* execlog_stop: the previous block stopped after its first n instructions (a fault, an
 * interrupt): it was counted whole, count only those (exact without filters; with them, at
 * most those), so that the log does not stop short of N lines. */
static void early_count(struct el_vcpu *v, uint64_t n)
{
    if (el.stop && n < v->last_nlog) {
        uint64_t over = v->last_nlog - n;
        v->count = v->count > over ? v->count - over : 0;
    }
    v->last_nlog = 0;
}

/* Block start, only if the previous block of this vCPU stopped before its last logged
 * instruction (a conditional callback: the scoreboard word is not QT_EL_FULL). */
static void cb_early(unsigned int vi, void *udata)
{
    (void)udata;
    struct el_vcpu *v = vcpu_of(vi);
    if (v && (!el.gated || v->on)) {
        uint64_t n = qemu_plugin_u64_get(el.n, vi);
        early_count(v, n);
        end_rec(v, vi, n);
    }
}

/* udata of block-start callbacks: TB id | logged instructions << 32 (64-bit hosts only) */
_Static_assert(sizeof(uintptr_t) >= 8, "qtrace needs a 64-bit host");
#define UD_TB(id, nlog) ((void *)((uintptr_t)(id) | ((uintptr_t)(nlog) << 32)))
#define UD_ID(ud) ((uint32_t)(uintptr_t)(ud))
#define UD_NLOG(ud) ((uint32_t)((uintptr_t)(ud) >> 32))

/* With el.gated the block-start callbacks are conditional on el_sb.on == 1, so this runs only
 * while the vCPU logs. execlog_stop: false when the vCPU just stopped (write nothing). */
static bool trigger_tb(struct el_vcpu *v, unsigned vi, void *udata)
{
    v->on = true; /* el_sb.on was set by the start callback (maybe another vCPU's) */
    if (el.stop && v->count >= el.stop) {
        v->on = false;
        v->stopped = true;
        qemu_plugin_u64_set(el.on, vi, 0);
        end_rec(v, vi, QT_EL_FULL);
        return false;
    }
    v->count += UD_NLOG(udata);
    v->last_nlog = UD_NLOG(udata);
    return true;
}

/* Block start. */
static void cb_tb(unsigned int vi, void *udata)
{
    struct el_vcpu *v = vcpu_of(vi);
    if (v && (!el.gated || trigger_tb(v, vi, udata)))
        exec_rec(v, vi, UD_ID(udata));
}

/* Block start, when its first instruction compares registers. */
static void cb_tb_check(unsigned int vi, void *udata)
{
    struct el_vcpu *v = vcpu_of(vi);
    if (!v || (el.gated && !trigger_tb(v, vi, udata)))
        return;
    exec_rec(v, vi, UD_ID(udata));
    check_regs(v, vi, 0);
}

/* A block with register checks but nothing to log, when a line is pending as its first check
 * starts (conditional callback). udata: TB id | index of that check << 32. */
static void cb_tb_checks_only(unsigned int vi, void *udata)
{
    struct el_vcpu *v = vcpu_of(vi);
    if (!v || (el.gated && !v->on))
        return;
    /* this block stores no instruction count: settle the previous block's here */
    uint64_t prev = qemu_plugin_u64_get(el.n, vi);
    if (prev != QT_EL_FULL) {
        early_count(v, prev);
        end_rec(v, vi, prev);
        qemu_plugin_u64_set(el.n, vi, QT_EL_FULL);
    }
    exec_rec(v, vi, UD_ID(udata));
    check_regs(v, vi, (unsigned)((uintptr_t)udata >> 32));
}

/* execlog_start: the start instruction runs. udata: TB id | its index << 32. Logging starts
 * on every vCPU: here at once, elsewhere at their next block (el_sb.on). */
static void cb_start(unsigned int vi, void *udata)
{
    struct el_vcpu *v = vcpu_of(vi);
    if (!v || v->on || v->stopped)
        return;
    if (!__atomic_exchange_n(&el.started, 1, __ATOMIC_ACQ_REL)) {
        for (unsigned i = 0; i < EL_MAX_VCPUS; i++) {
            struct el_vcpu *o = __atomic_load_n(&el.vcpus[i], __ATOMIC_ACQUIRE);
            /* (with a process filter another vCPU's choice is read as it was a moment ago;
             * it is settled at that vCPU's next task switch) */
            if (o && !o->stopped && (!el.proc || __atomic_load_n(&o->sel, __ATOMIC_RELAXED)))
                qemu_plugin_u64_set(el.on, i, 1);
        }
    }
    unsigned first = (unsigned)((uintptr_t)udata >> 32);
    if (first == 0 || (el.proc && !v->sel))
        return; /* the block-start callback registered after this one starts the log */
    qemu_plugin_u64_set(el.on, vi, 1);
    v->on = true;
    struct qt_rec_el_start *r = rec_get(v, sizeof(*r));
    r->h.type = QT_REC_EL_START;
    r->h.size = sizeof(*r);
    r->h.vcpu = vi;
    r->tb = UD_ID(udata);
    r->first = first;
    rec_put(v, sizeof(*r));
}

/* An instruction (not the first) that compares registers. udata: its index. */
static void cb_check(unsigned int vi, void *udata)
{
    struct el_vcpu *v = vcpu_of(vi);
    if (!v || (el.gated && !v->on))
        return;
    check_regs(v, vi, (unsigned)(uintptr_t)udata);
}

static uint32_t device_id_slow(const char *name)
{
    uint32_t id = 0;
    pthread_mutex_lock(&el.lock);
    for (uint32_t i = 1; i <= el.ndev; i++) {
        if (el.dev_names[i] == name || strcmp(el.dev_names[i], name) == 0) {
            id = i;
            break;
        }
    }
    if (!id && el.ndev + 1 < EL_MAX_DEVICES) {
        id = ++el.ndev;
        el.dev_names[id] = name; /* valid for the plugin's lifetime (QEMU API) */
        if (el.text) {
            qt_eltext_add_device(el.fmt, id, name);
        } else {
            size_t len = strlen(name);
            size_t size = QT_ALIGN8(sizeof(struct qt_rec_el_device) + len + 1);
            struct qt_rec_el_device *d = calloc(1, size);
            if (d) {
                d->h.type = QT_REC_EL_DEVICE;
                d->h.size = (uint16_t)size;
                d->h.vcpu = QT_VCPU_NONE;
                d->id = id;
                d->len = (uint32_t)len;
                memcpy(d->name, name, len);
                qt_out_write_direct(qt.out, d, size);
                free(d);
            }
        }
    }
    pthread_mutex_unlock(&el.lock);
    return id;
}

static inline uint32_t device_id(struct el_vcpu *v, const char *name)
{
    for (unsigned i = 0; i < EL_DEV_CACHE; i++)
        if (v->dev_name[i] == name)
            return v->dev_id[i];
    uint32_t id = device_id_slow(name);
    unsigned s = v->dev_next++ % EL_DEV_CACHE;
    v->dev_name[s] = name;
    v->dev_id[s] = id;
    return id;
}

/* A memory access of a logged instruction. udata: the instruction's index in its block. */
static void cb_mem(unsigned int vi, qemu_plugin_meminfo_t info, uint64_t vaddr, void *udata)
{
    struct el_vcpu *v = vcpu_of(vi);
    if (!v || (el.gated && !v->on))
        return;
    unsigned shift = qemu_plugin_mem_size_shift(info);
    size_t size = sizeof(struct qt_rec_el_mem);
    if (el.memvalues)
        size += shift >= 4 ? 16 : 8;
    if (el.system)
        size += 8;
    struct qt_rec_el_mem *r = rec_get(v, size);
    r->h.type = QT_REC_EL_MEM;
    r->h.size = (uint16_t)size;
    r->h.vcpu = vi;
    r->insn = (uint16_t)(uintptr_t)udata;
    r->info = (uint8_t)((shift & QT_EL_M_SHIFT) | (qemu_plugin_mem_is_store(info) ? QT_EL_M_STORE : 0) |
                        (qemu_plugin_mem_is_sign_extended(info) ? QT_EL_M_SIGNED : 0) |
                        (qemu_plugin_mem_is_big_endian(info) ? QT_EL_M_BE : 0));
    r->flags = 0;
    r->dev = 0;
    r->vaddr = vaddr;
    unsigned x = 0;
    if (el.memvalues) {
        qemu_plugin_mem_value mv = qemu_plugin_mem_get_value(info);
        r->flags |= QT_EL_MF_VALUE;
        switch (mv.type) {
        case QEMU_PLUGIN_MEM_VALUE_U8: r->x[x++] = mv.data.u8; break;
        case QEMU_PLUGIN_MEM_VALUE_U16: r->x[x++] = mv.data.u16; break;
        case QEMU_PLUGIN_MEM_VALUE_U32: r->x[x++] = mv.data.u32; break;
        case QEMU_PLUGIN_MEM_VALUE_U64: r->x[x++] = mv.data.u64; break;
        case QEMU_PLUGIN_MEM_VALUE_U128:
            r->x[x++] = mv.data.u128.low;
            if (shift < 4)
                break; /* cannot happen: a 16-byte value is a 16-byte access */
            r->x[x++] = mv.data.u128.high;
            break;
        }
        if (shift >= 4 && x == 1)
            r->x[x++] = 0;
    }
    if (el.system) {
        struct qemu_plugin_hwaddr *hw = qemu_plugin_get_hwaddr(info, vaddr);
        if (hw) {
            r->flags |= QT_EL_MF_HW;
            r->x[x] = qemu_plugin_hwaddr_phys_addr(hw);
            r->dev = device_id(v, qemu_plugin_hwaddr_device_name(hw));
        } else {
            r->x[x] = 0;
        }
    }
    rec_put(v, size);
}

/* comm=/pid= in system mode (plugin/kernel.c, at task switches and renames, in this vCPU's
 * thread): the task this vCPU runs now is one of the selected processes, or not. Task switches
 * happen at block boundaries (__switch_to's first instruction), so blocks are logged whole. */
void qt_execlog_select(unsigned vi, bool sel)
{
    struct el_vcpu *v = vcpu_of(vi);
    if (!el.proc || !v || v->sel == sel)
        return;
    __atomic_store_n(&v->sel, sel, __ATOMIC_RELAXED);
    bool on = sel && !v->stopped && (!el.start_name || __atomic_load_n(&el.started, __ATOMIC_ACQUIRE));
    if (on && !v->on)
        qemu_plugin_u64_set(el.n, vi, QT_EL_FULL); /* the blocks before were not logged */
    v->on = on;
    qemu_plugin_u64_set(el.on, vi, on);
}

/* ---- translation time ---------------------------------------------------------------------- */

static bool afilter_match(uint64_t va, const char **symname, uint64_t *sym_lo, uint64_t *sym_hi)
{
    for (int i = 0; i < el.naf; i++) {
        const struct afilter *a = &el.af[i];
        if (a->kind == AF_ADDR && va == a->lo)
            return true;
        if (a->kind == AF_RANGE && va >= a->lo && va < a->hi)
            return true;
    }
    for (int i = 0; i < el.naf; i++) {
        const struct afilter *a = &el.af[i];
        if (a->kind != AF_SYM)
            continue;
        if (va < *sym_lo || va >= *sym_hi) { /* look the symbol up once per function */
            *symname = NULL;
            *sym_lo = *sym_hi = va;
            const struct qt_module *m = qt_module_containing(va);
            const struct qt_sym *s = m ? qt_symtab_lookup(&m->st, va) : NULL;
            if (s) {
                *symname = s->name;
                *sym_lo = s->addr;
                *sym_hi = s->addr + (s->size ? s->size : 1);
            } else {
                *sym_hi = va + 1;
            }
        }
        if (*symname && qt_glob_match(a->glob, *symname))
            return true;
    }
    return false;
}

/* Is va the execlog_start instruction (an address, or the entry of a function so named)? */
static bool is_start(uint64_t va)
{
    if (!el.start_sym)
        return va == el.start_addr;
    const struct qt_module *m = qt_module_containing(va);
    const struct qt_sym *s = m ? qt_symtab_lookup(&m->st, va) : NULL;
    return s && s->addr == va && qt_glob_match(el.start_name, s->name);
}

/* Does the disassembly (after its first space) name a watched register? (execlog's rdisas) */
static bool names_watched_reg(const char *disas)
{
    const char *args = strchr(disas, ' ');
    if (!args)
        return false;
    bool hit = false;
    pthread_mutex_lock(&el.lock);
    for (unsigned i = 0; el.reg_names && i < el.reg_names->len && !hit; i++)
        hit = strstr(args, g_ptr_array_index(el.reg_names, i)) != NULL;
    pthread_mutex_unlock(&el.lock);
    return hit;
}

void qt_execlog_tb_trans(struct qemu_plugin_tb *tb)
{
    size_t n = qemu_plugin_tb_n_insns(tb);
    if (n == 0 || n > EL_MAX_INSNS)
        return;
    struct qt_el_isrc *src = calloc(n, sizeof(*src));
    char **dis = calloc(n, sizeof(*dis));
    uint8_t (*bytes)[16] = calloc(n, 16);
    if (!src || !dis || !bytes)
        goto out;

    /* execlog's vcpu_tb_trans, decision for decision */
    bool skip = el.filter;
    bool check_this = el.rmatch, check_next = false, any = false;
    long start_at = -1; /* execlog_start: index of the start instruction in this block */
    const char *symname = NULL;
    uint64_t sym_lo = 0, sym_hi = 0;
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        uint64_t va = qemu_plugin_insn_vaddr(insn);
        dis[i] = qemu_plugin_insn_disas(insn);
        const char *d = dis[i] ? dis[i] : "";
        if (skip && qt.opts.nifilter) {
            for (int j = 0; j < qt.opts.nifilter && skip; j++) {
                if (strncmp(d, qt.opts.ifilter[j], strlen(qt.opts.ifilter[j])) == 0) {
                    skip = false;
                    check_next = el.rmatch;
                }
            }
        }
        if (skip && el.naf && afilter_match(va, &symname, &sym_lo, &sym_hi))
            skip = false;
        if (el.rdisas && el.rmatch) {
            check_next = false;
            if (names_watched_reg(d)) {
                check_next = true;
                skip = false;
            }
        }
        /* (a check matters even with no register to watch: a check-only instruction writes
         * the pending line out, and execlog's exit prints it a second time) */
        uint8_t kind = 0;
        if (skip) {
            if (check_this)
                kind = QT_EL_K_CHECK;
        } else {
            kind = (uint8_t)(QT_EL_K_LOG | (check_this ? QT_EL_K_CHECK : 0));
            skip = el.filter;
        }
        if (el.rdisas && el.rmatch)
            check_this = check_next;
        if (el.start_name && start_at < 0 && !__atomic_load_n(&el.started, __ATOMIC_ACQUIRE) && is_start(va))
            start_at = (long)i;
        src[i].vaddr = va;
        src[i].kind = kind;
        src[i].disas = "";
        any |= kind != 0;
        if (kind & QT_EL_K_LOG) { /* only logged instructions are ever printed */
            src[i].len = (uint8_t)qemu_plugin_insn_data(insn, bytes[i], 16);
            src[i].bytes = bytes[i];
            src[i].disas = d;
            src[i].dlen = strlen(d);
        }
    }
    if (!any && start_at < 0)
        goto out; /* nothing to log here: the block runs untouched */

    uint32_t id = __atomic_add_fetch(&el.next_tb, 1, __ATOMIC_RELAXED);
    struct qt_el_tb *d = qt_el_tb_new(id, 0, src, (unsigned)n);
    if (!d)
        goto out;
    if (el.text) {
        if (qt_eltext_add_tb(el.fmt, d) < 0) {
            free(d);
            goto out;
        }
    } else {
        void *rec = malloc(QT_EL_MAX_REC);
        size_t size = rec ? qt_el_tbdef_encode(d, QT_VCPU_NONE, rec, QT_EL_MAX_REC) : 0;
        free(d);
        if (size == 0) {
            free(rec);
            goto out;
        }
        /* straight to the file: it precedes every EXEC record that names it, on any vCPU */
        qt_out_write_direct(qt.out, rec, size);
        free(rec);
    }

    /* the scoreboard word: index + 1 of the last logged instruction that started, QT_EL_FULL
     * once the block's last logged one did (the next block's start checks it inline) */
    size_t last = 0;
    unsigned nlog = 0;
    for (size_t i = 0; i < n; i++) {
        if (src[i].kind)
            last = i;
        if (src[i].kind & QT_EL_K_LOG)
            nlog++;
    }
    bool track = el.filter && el.rmatch;
    if (track && nlog == 0) {
        /* Only register checks in this block: they matter only if a line is pending when the
         * first one starts (it writes the line out, the others find none). So the block is
         * recorded only then, by a conditional callback at that instruction. */
        size_t j = 0;
        while (j < n && !(src[j].kind & QT_EL_K_CHECK))
            j++;
        for (size_t i = 0; i < n; i++) {
            struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
            if ((long)i == start_at)
                qemu_plugin_register_vcpu_insn_exec_cb(insn, cb_start, QEMU_PLUGIN_CB_NO_REGS, UD_TB(id, i));
            if (i == j) {
                qemu_plugin_register_vcpu_insn_exec_cond_cb(insn, cb_tb_checks_only,
                                                            el.any_regs ? QEMU_PLUGIN_CB_R_REGS : QEMU_PLUGIN_CB_NO_REGS,
                                                            QEMU_PLUGIN_COND_EQ, el.pend, 1, UD_TB(id, j));
                qemu_plugin_register_vcpu_insn_exec_inline_per_vcpu(insn, QEMU_PLUGIN_INLINE_STORE_U64, el.pend, 0);
            }
        }
        goto out;
    }

    /* With ifilter/afilter some instructions only check registers, which empties execlog's
     * pending line: registers matter at a check only if a line is pending. Inside the block
     * that is known from the previous logged/check-only instruction; before the first one it
     * is in el_sb.pend (kept by inline stores), and the check is a conditional callback. Without
     * filters a line is always pending (after the very first instruction): always check. */
    int pend = -1; /* in this block: -1 unknown (see el_sb.pend), 0 no line pending, 1 pending */
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        uint8_t k = src[i].kind;
        bool regs = (k & QT_EL_K_CHECK) && el.any_regs;
        uint64_t mark = i == last ? QT_EL_FULL : i + 1;
        void *ud_i = (void *)(uintptr_t)i;
        /* callbacks of one instruction run in registration order */
        if ((long)i == start_at)
            qemu_plugin_register_vcpu_insn_exec_cb(insn, cb_start, QEMU_PLUGIN_CB_NO_REGS, UD_TB(id, i));
        if (i == 0) {
            qemu_plugin_register_vcpu_insn_exec_cond_cb(insn, cb_early, QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_COND_NE,
                                                        el.n, QT_EL_FULL, NULL);
            bool both = regs && !track; /* block start and register check in one callback */
            qemu_plugin_vcpu_udata_cb_t cb = both ? cb_tb_check : cb_tb;
            enum qemu_plugin_cb_flags fl = both ? QEMU_PLUGIN_CB_R_REGS : QEMU_PLUGIN_CB_NO_REGS;
            if (el.gated)
                qemu_plugin_register_vcpu_insn_exec_cond_cb(insn, cb, fl, QEMU_PLUGIN_COND_EQ, el.on, 1,
                                                            UD_TB(id, nlog));
            else
                qemu_plugin_register_vcpu_insn_exec_cb(insn, cb, fl, UD_TB(id, nlog));
            if (both)
                regs = false;
        }
        if (regs && !track)
            qemu_plugin_register_vcpu_insn_exec_cb(insn, cb_check, QEMU_PLUGIN_CB_R_REGS, ud_i);
        else if (regs && pend == 1)
            qemu_plugin_register_vcpu_insn_exec_cb(insn, cb_check, QEMU_PLUGIN_CB_R_REGS, ud_i);
        else if (regs && pend < 0)
            qemu_plugin_register_vcpu_insn_exec_cond_cb(insn, cb_check, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_COND_EQ,
                                                        el.pend, 1, ud_i);
        if (i == 0 || k)
            qemu_plugin_register_vcpu_insn_exec_inline_per_vcpu(insn, QEMU_PLUGIN_INLINE_STORE_U64, el.n, mark);
        if (track && (k & QT_EL_K_LOG) && pend != 1) {
            qemu_plugin_register_vcpu_insn_exec_inline_per_vcpu(insn, QEMU_PLUGIN_INLINE_STORE_U64, el.pend, 1);
            pend = 1;
        } else if (track && k == QT_EL_K_CHECK && pend != 0) {
            qemu_plugin_register_vcpu_insn_exec_inline_per_vcpu(insn, QEMU_PLUGIN_INLINE_STORE_U64, el.pend, 0);
            pend = 0;
        }
        if ((k & QT_EL_K_LOG) && !el.flow)
            qemu_plugin_register_vcpu_mem_cb(insn, cb_mem, QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_MEM_RW, ud_i);
    }

out:
    if (dis)
        for (size_t i = 0; i < n; i++)
            g_free(dis[i]);
    free(dis);
    free(src);
    free(bytes);
}

/* ---- vCPUs ---------------------------------------------------------------------------------- */

/* execlog's registers_init: every register matching a reg= glob (name or lower-case name), in
 * QEMU's order, once per matching pattern. */
static void regs_init(struct el_vcpu *v)
{
    GArray *list = qemu_plugin_get_registers();
    if (!list)
        return;
    unsigned cap = 0;
    for (guint r = 0; r < list->len; r++) {
        qemu_plugin_reg_descriptor *rd = &g_array_index(list, qemu_plugin_reg_descriptor, r);
        gchar *lower = g_utf8_strdown(rd->name, -1);
        for (int p = 0; p < qt.opts.nreg; p++) {
            GPatternSpec *pat = g_pattern_spec_new(qt.opts.reg[p]);
            bool hit = g_pattern_spec_match_string(pat, rd->name) || g_pattern_spec_match_string(pat, lower);
            g_pattern_spec_free(pat);
            if (!hit)
                continue;
            g_byte_array_set_size(v->tmp, 0);
            int sz = qemu_plugin_read_register(rd->handle, v->tmp);
            if (sz <= 0 || sz > 4096)
                continue;
            if (v->nregs == cap) {
                cap = cap ? cap * 2 : 16;
                v->regs = g_renew(struct el_reg, v->regs, cap);
            }
            struct el_reg *g = &v->regs[v->nregs++];
            g->handle = rd->handle;
            g->name = g_intern_string(lower);
            g->size = (uint16_t)sz;
            g->last = g_memdup2(v->tmp->data, (gsize)sz);
            if (el.rdisas) {
                pthread_mutex_lock(&el.lock);
                bool known = false;
                for (unsigned i = 0; i < el.reg_names->len && !known; i++)
                    known = strcmp(g_ptr_array_index(el.reg_names, i), lower) == 0;
                if (!known)
                    g_ptr_array_add(el.reg_names, g_strdup(lower));
                pthread_mutex_unlock(&el.lock);
            }
        }
        g_free(lower);
    }
    g_array_free(list, TRUE);
}

/* The VCPU record: watched registers with their names and initial values. */
static void vcpu_rec(struct el_vcpu *v, unsigned vi)
{
    size_t size = sizeof(struct qt_rec_el_vcpu);
    unsigned nregs = 0;
    for (unsigned i = 0; i < v->nregs; i++) {
        const char *nm = v->regs[i].name;
        size_t es = QT_ALIGN8(sizeof(struct qt_el_rdef) + strlen(nm) + v->regs[i].size);
        if (size + es > QT_EL_MAX_REC)
            break;
        size += es;
        nregs++;
    }
    if (nregs < v->nregs) {
        fprintf(stderr, "qtrace: execlog: only the first %u of %u watched registers fit\n", nregs, v->nregs);
        v->nregs = nregs;
    }
    uint8_t *b = rec_get(v, size);
    memset(b, 0, size);
    struct qt_rec_el_vcpu *r = (struct qt_rec_el_vcpu *)b;
    r->h.type = QT_REC_EL_VCPU;
    r->h.size = (uint16_t)size;
    r->h.vcpu = vi;
    r->nregs = (uint16_t)nregs;
    size_t off = sizeof(*r);
    for (unsigned i = 0; i < nregs; i++) {
        const char *nm = v->regs[i].name;
        struct qt_el_rdef d = { v->regs[i].size, (uint16_t)strlen(nm), 0 };
        memcpy(b + off, &d, sizeof(d));
        memcpy(b + off + sizeof(d), nm, d.nlen);
        memcpy(b + off + sizeof(d) + d.nlen, v->regs[i].last, d.size);
        off += QT_ALIGN8(sizeof(d) + d.nlen + d.size);
    }
    rec_put(v, size);
}

void qt_execlog_vcpu_init(unsigned vi)
{
    if (vi >= EL_MAX_VCPUS) {
        fprintf(stderr, "qtrace: execlog: vCPU %u is not logged (at most %u vCPUs)\n", vi, EL_MAX_VCPUS);
        return;
    }
    struct el_vcpu *v = el.vcpus[vi];
    if (!v) {
        v = g_new0(struct el_vcpu, 1);
        v->index = vi;
        v->tmp = g_byte_array_sized_new(64);
        if (el.text) {
            v->buf = g_malloc(EL_TEXT_BUF);
            qt_eltext_prepare_vcpu(el.fmt, vi);
        } else {
            v->ob = qt_out_vbuf(qt.out, vi);
        }
    } else if (v->live) {
        /* user mode: a new thread got the index of one that exited; end that one's log */
        end_rec(v, vi, qemu_plugin_u64_get(el.n, vi));
        for (unsigned i = 0; i < v->nregs; i++)
            g_free(v->regs[i].last);
        g_free(v->regs);
        v->regs = NULL;
        v->nregs = 0;
    }
    if (el.rmatch)
        regs_init(v);
    vcpu_rec(v, vi); /* may drop registers that do not fit */
    size_t max = sizeof(struct qt_rec_el_regs);
    for (unsigned i = 0; i < v->nregs; i++)
        max += QT_ALIGN8(sizeof(struct qt_el_rval) + v->regs[i].size);
    v->regs_rec_max = max;
    if (v->nregs)
        __atomic_store_n(&el.any_regs, true, __ATOMIC_RELAXED);
    qemu_plugin_u64_set(el.n, vi, QT_EL_FULL);
    qemu_plugin_u64_set(el.pend, vi, 0);
    /* execlog_start: off until the start instruction runs (on any vCPU); comm=/pid=: off until
     * a selected process runs (qt_execlog_select) */
    v->sel = false;
    v->on = !el.proc && (!el.start_name || __atomic_load_n(&el.started, __ATOMIC_ACQUIRE));
    v->stopped = false;
    v->count = 0;
    qemu_plugin_u64_set(el.on, vi, v->on);
    v->live = true;
    __atomic_store_n(&el.vcpus[vi], v, __ATOMIC_RELEASE);
}

/* ---- install / exit ------------------------------------------------------------------------- */

static bool parse_hex(const char *s, uint64_t *out)
{
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2;
    if (!*s)
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 16);
    if (errno || *end || *s == '-' || *s == '+')
        return false;
    *out = v;
    return true;
}

/* afilter=HEX (execlog: one address), HEX-HEX (range, end excluded), sym:GLOB or a name (the
 * instructions of matching functions of the traced program and its libraries). */
static int parse_afilter(const char *s, struct afilter *a, char *err, size_t errlen)
{
    memset(a, 0, sizeof(*a));
    if (strncmp(s, "sym:", 4) == 0) {
        a->kind = AF_SYM;
        a->glob = s + 4;
    } else if (parse_hex(s, &a->lo)) {
        a->kind = AF_ADDR;
    } else {
        const char *dash = strchr(s, '-');
        if (dash) {
            char lo[64];
            size_t l = (size_t)(dash - s);
            if (l < sizeof(lo)) {
                memcpy(lo, s, l);
                lo[l] = '\0';
                if (parse_hex(lo, &a->lo) && parse_hex(dash + 1, &a->hi)) {
                    if (a->hi <= a->lo) {
                        snprintf(err, errlen, "execlog: afilter=%s: empty address range", s);
                        return -1;
                    }
                    a->kind = AF_RANGE;
                    return 0;
                }
            }
        }
        a->kind = AF_SYM;
        a->glob = s;
    }
    if (a->kind == AF_SYM && !*a->glob) {
        snprintf(err, errlen, "execlog: afilter=%s: expected an address, a range or a function name", s);
        return -1;
    }
    return 0;
}

int qt_execlog_init(const qemu_info_t *info, char *err, size_t errlen)
{
    const struct qt_opts *o = &qt.opts;
    el.system = info->system_emulation;
    el.memvalues = o->memvalues;
    el.flow = o->execlog_flow;
    el.rdisas = o->rdisas;
    el.rmatch = o->nreg > 0;
    el.filter = o->nifilter > 0 || o->nafilter > 0;
    el.text = !o->execlog_format || strcmp(o->execlog_format, "bin") != 0;
    el.reg_names = g_ptr_array_new();
    for (int i = 0; i < o->nafilter; i++)
        if (parse_afilter(o->afilter[i], &el.af[el.naf++], err, errlen) < 0)
            return -1;
    if (o->execlog_start && *o->execlog_start) {
        el.start_name = o->execlog_start;
        el.start_sym = !parse_hex(o->execlog_start, &el.start_addr);
        if (strncmp(el.start_name, "sym:", 4) == 0) {
            el.start_name += 4;
            el.start_sym = true;
        }
    }
    if (o->execlog_stop && *o->execlog_stop) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(o->execlog_stop, &end, 10);
        if (errno || *end || v == 0 || o->execlog_stop[0] == '-') {
            snprintf(err, errlen, "execlog: execlog_stop=%s: expected a number of instructions >= 1", o->execlog_stop);
            return -1;
        }
        el.stop = v;
    }
    el.trigger = el.start_name || el.stop;
    el.proc = el.system && (o->comm || o->pid);
    el.gated = el.trigger || el.proc;
    el.sb = qemu_plugin_scoreboard_new(64); /* one cache line per vCPU */
    _Static_assert(sizeof(struct el_sb) <= 64, "scoreboard entry");
    el.n = qemu_plugin_scoreboard_u64_in_struct(el.sb, struct el_sb, n);
    el.on = qemu_plugin_scoreboard_u64_in_struct(el.sb, struct el_sb, on);
    el.pend = qemu_plugin_scoreboard_u64_in_struct(el.sb, struct el_sb, pend);
    if (el.text) {
        if (o->execlog_out && strcmp(o->execlog_out, "-") != 0) {
            el.fd = open(o->execlog_out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
            if (el.fd < 0) {
                snprintf(err, errlen, "execlog: cannot create %s: %s", o->execlog_out, strerror(errno));
                return -1;
            }
        }
        struct qt_eltext_opts fo = { .style = QT_ELTEXT_TEXT, .sink = text_sink, .flush_at = EL_TEXT_FLUSH, .max_lines = el.stop,
                                     .big_endian = qt.arch->big_endian };
        el.fmt = qt_eltext_new(&fo);
        if (!el.fmt) {
            snprintf(err, errlen, "execlog: out of memory");
            return -1;
        }
    } else {
        if (!qt.out) {
            snprintf(err, errlen, "execlog: execlog_format=bin needs the trace file (out=)");
            return -1;
        }
        struct qt_rec_el_config c;
        memset(&c, 0, sizeof(c));
        c.h.type = QT_REC_EL_CONFIG;
        c.h.size = sizeof(c);
        c.h.vcpu = QT_VCPU_NONE;
        c.flags = (el.system ? QT_EL_SYSTEM : 0) | (el.memvalues ? QT_EL_MEMVALUES : 0) |
                  (el.flow ? QT_EL_NOMEM : 0) | (el.rmatch ? QT_EL_REGS : 0) | (el.rdisas ? QT_EL_RDISAS : 0) |
                  (el.start_name ? QT_EL_START : 0) | (qt.arch->big_endian ? QT_EL_BIGENDIAN : 0);
        c.stop = el.stop;
        qt_out_write_direct(qt.out, &c, sizeof(c));
    }
    return 0;
}

void qt_execlog_exit(void)
{
    for (unsigned i = 0; i < EL_MAX_VCPUS; i++) {
        struct el_vcpu *v = el.vcpus[i];
        if (!v || !v->live)
            continue;
        end_rec(v, i, qemu_plugin_u64_get(el.n, i));
        v->live = false;
        if (el.text)
            text_drain(v);
    }
    if (el.text && el.fmt) {
        qt_eltext_finish(el.fmt);
        if (qt_eltext_errors(el.fmt))
            fprintf(stderr, "qtrace: execlog: %" PRIu64 " inconsistent records skipped\n", qt_eltext_errors(el.fmt));
        if (el.fd >= 0) {
            if (el.werr)
                fprintf(stderr, "qtrace: execlog: error writing %s: %s\n", qt.opts.execlog_out, strerror(el.werr));
            if (close(el.fd) < 0 && !el.werr)
                fprintf(stderr, "qtrace: execlog: error writing %s: %s\n", qt.opts.execlog_out, strerror(errno));
            el.fd = -1;
        }
        /* descriptors stay allocated: QEMU may still hold callbacks that name them */
    }
}
