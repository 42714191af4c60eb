/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kargtype.h"
#include "kernel_image.h"
#include "kernel_vmmap.h"
#include "syscalls.h"

#define REC_MAX 60000           /* bytes of a map record at most (a record's size is 16 bits) */
#define NODE_BYTES 256          /* a maple tree node */
#define TREE_DEPTH 12           /* tree levels followed at most */
#define TREE_NODES 2048         /* nodes read at most for one map */
#define VMA_BYTES 256           /* the part of a vm_area_struct read at once */
#define SPECIAL_NAME_MAX 32     /* "[vdso]", "[vvar]": a special mapping's name */
#define PAGE_SHIFT_ 12
#define PAGE_MASK_ ((UINT64_C(1) << PAGE_SHIFT_) - 1)

/* The maple tree's encoding (lib/maple_tree.c): a node pointer carries the node's type in bits
 * 3..6; the root's also has bit 1 set (xa_is_node), its children's do not. The node is at the
 * pointer with its low 8 bits cleared. Leaves hold the entries (struct vm_area_struct pointers). */
enum { MT_DENSE = 0, MT_LEAF_64 = 1, MT_RANGE_64 = 2, MT_ARANGE_64 = 3 };
#define MT_NODE_MASK UINT64_C(0xff)

/* vm_area_struct.vm_flags bits (include/linux/mm.h) */
#define VM_READ_ 0x1u
#define VM_WRITE_ 0x2u
#define VM_EXEC_ 0x4u
#define VM_MAYSHARE_ 0x80u

/* ---- which system calls change a map ------------------------------------------------------ */

/* After these, the map is read (when they succeed). */
static const char *const change_calls[] = { "mmap", "mmap2", "munmap", "mprotect", "pkey_mprotect", "brk",
                                            "mremap", "shmat", "shmdt", "ipc", "remap_file_pages", "execve",
                                            "execveat" };
/* After these, in the child (they return 0 there): its new map. */
static const char *const fork_calls[] = { "fork", "vfork", "clone", "clone3" };
#define NCHANGE (sizeof(change_calls) / sizeof(change_calls[0]))
#define NFORK (sizeof(fork_calls) / sizeof(fork_calls[0]))

static long change_nr[2][NCHANGE], fork_nr[2][NFORK]; /* [native, 32-bit][call]: -1 if the ABI has none */
static uint64_t special_ops;    /* run-time &special_mapping_vmops: the areas named by their vm_special_mapping */
static uint64_t path_seqs[2];   /* run-time &rename_lock, &mount_lock: file names are kept while they stay (below) */

void qt_kvm_relocate(uint64_t slide)
{
    enum qt_arch abi[2] = { qt.arch->id, qt.arch->ptregs->compat_abi };
    for (int a = 0; a < 2; a++) {
        for (size_t i = 0; i < NCHANGE; i++)
            change_nr[a][i] = qt_syscall_nr(abi[a], change_calls[i]);
        for (size_t i = 0; i < NFORK; i++)
            fork_nr[a][i] = qt_syscall_nr(abi[a], fork_calls[i]);
    }
    const char *locks[2] = { "rename_lock", "mount_lock" };
    for (int i = 0; i < 2; i++) {
        uint64_t a = qt_kernel_sym(locks[i]);
        path_seqs[i] = a ? a + slide : 0;
        if (!a)
            fprintf(stderr, "qtrace: warning: kernel symbol %s not found: --vmmap reads every mapped file's path "
                    "again at each map\n", locks[i]);
    }
    uint64_t ops = qt_kernel_sym("special_mapping_vmops");
    special_ops = ops ? ops + slide : 0;
}

static bool in(const long *nrs, size_t n, int64_t nr)
{
    for (size_t i = 0; i < n; i++)
        if (nrs[i] >= 0 && nrs[i] == nr)
            return true;
    return false;
}

/* ---- reading the map ---------------------------------------------------------------------- */

struct walk {
    struct qt_vcpu *v;
    unsigned vi;                /* its index */
    const struct qt_klayout *L;
    uint8_t *p, *end;           /* where the next area goes, the end of the record's room */
    unsigned nodes;             /* nodes read */
    bool incomplete;
    uint64_t last_end;          /* areas come in address order: one before this is not taken twice */
    uint64_t start_brk, brk, start_stack;
    bool path_gen_ok;           /* path_gen read: kept file names may be used */
    uint64_t path_gen;
    uint64_t hash;              /* FNV-1a of the areas written */
};

static void hash_bytes(struct walk *w, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        w->hash = (w->hash ^ b[i]) * UINT64_C(0x100000001b3);
}

/* The little-endian value of bytes bytes at buf + off. */
static uint64_t le(const uint8_t *buf, size_t off, unsigned bytes)
{
    uint64_t x = 0;
    for (unsigned i = 0; i < bytes && i < 8; i++)
        x |= (uint64_t)buf[off + i] << (8 * i);
    return x;
}

/* A field of the structure read into buf (VMA_BYTES long: a field beyond it reads as 0). */
static uint64_t field(const uint8_t *buf, const struct qt_kfield *f)
{
    return f->found && f->off + f->size <= VMA_BYTES ? le(buf, f->off, f->size) : 0;
}

/* The name /proc/PID/maps gives an area without a file (show_map_vma): a special mapping's
 * own ([vdso], [vvar]), [heap], [stack], or none. */
static size_t anon_name(struct walk *w, uint64_t start, uint64_t end, uint64_t ops, uint64_t priv, char *name)
{
    const struct qt_klayout *L = w->L;
    if (special_ops && ops == special_ops && L->special_name.found) {
        uint64_t s;
        bool trunc;
        int n;
        if (qt_mem_read_uint(&w->v->mem, priv + L->special_name.off, 8, &s) && s >= qt_kernel_space &&
            (n = qt_mem_read_str(&w->v->mem, s, name, SPECIAL_NAME_MAX, &trunc)) > 0)
            return (size_t)n;
        return 0;
    }
    if (start <= w->brk && end >= w->start_brk) {
        memcpy(name, "[heap]", 6);
        return 6;
    }
    if (start <= w->start_stack && end >= w->start_stack) {
        memcpy(name, "[stack]", 7);
        return 7;
    }
    return 0;
}

/* ---- file names, per vCPU ------------------------------------------------------------------ */

/* The path, inode number and device of a mapped file cost a read per field and four per path
 * component; a process's map shows the same few files at every change. So each vCPU keeps the
 * names it found by struct file, direct-mapped: an area of a file seen before costs one read
 * of the struct file (its path's dentry and mount, its inode: they must be the same). Paths
 * change only by a rename or a mount change, and the kernel counts both in the sequence of
 * its seqlocks rename_lock and mount_lock (odd while one is under way), which its own d_path
 * checks: they are read once per map, and a kept name holds while both are what they were
 * when it was read. So a file renamed while mapped, or under a renamed directory, shows its
 * new path, as /proc/PID/maps does. */
#define NAME_SLOTS 256
struct name_slot {
    uint64_t file, dentry, mnt, inode;  /* the struct file and what it pointed to (0: empty) */
    uint64_t gen;                       /* the two sequences when the name was read */
    uint64_t ino;
    uint32_t dev;
    uint16_t flags;                     /* QT_VMA_NAME_UNREADABLE, QT_VMA_NAME_TRUNC */
    uint16_t len;
    char name[QT_STR_MAX];
};
static struct name_slot *name_tables[QT_OUT_MAX_VCPUS];

/* The two sequences as one word (the first member of a seqlock_t is its counter); false while
 * a rename or mount change is under way, or they cannot be read. */
static bool path_gen(struct qt_mem *m, uint64_t *gen)
{
    uint64_t r, mo;
    if (!path_seqs[0] || !path_seqs[1] || !qt_mem_read_uint(m, path_seqs[0], 4, &r) ||
        !qt_mem_read_uint(m, path_seqs[1], 4, &mo) || (r & 1) || (mo & 1))
        return false;
    *gen = r | mo << 32;
    return true;
}

/* The file's dentry, mount and inode, in one read of the struct file when the fields are close. */
static bool file_ids(struct qt_mem *m, const struct qt_klayout *L, uint64_t file, uint64_t id[3])
{
    const struct qt_kfield *f[3] = { &L->file_f_path_dentry, &L->file_f_path_mnt, &L->file_f_inode };
    uint32_t lo = UINT32_MAX, hi = 0;
    for (int i = 0; i < 3; i++) {
        if (!f[i]->found)
            return false;
        lo = f[i]->off < lo ? f[i]->off : lo;
        hi = f[i]->off + 8 > hi ? f[i]->off + 8 : hi;
    }
    uint8_t b[64];
    if (hi - lo <= sizeof(b)) {
        if (!m->read(m->ctx, file + lo, b, hi - lo))
            return false;
        for (int i = 0; i < 3; i++)
            id[i] = le(b, f[i]->off - lo, 8);
        return true;
    }
    for (int i = 0; i < 3; i++)
        if (!qt_mem_read_uint(m, file + f[i]->off, 8, &id[i]))
            return false;
    return true;
}

/* The file's path into name (its length returned), its inode number and device into e. */
static size_t file_name(struct walk *w, uint64_t file, struct qt_vma *e, char *name)
{
    const struct qt_klayout *L = w->L;
    struct qt_mem *m = &w->v->mem;
    uint64_t id[3] = { 0, 0, 0 }, gen = w->path_gen;
    struct name_slot *s = NULL;
    if (w->path_gen_ok && w->vi < QT_OUT_MAX_VCPUS && file_ids(m, L, file, id)) {
        struct name_slot *t = name_tables[w->vi];
        if (!t)
            t = name_tables[w->vi] = calloc(NAME_SLOTS, sizeof(*t));
        if (t) {
            s = &t[(file >> 6) % NAME_SLOTS];
            if (s->file == file && s->dentry == id[0] && s->mnt == id[1] && s->inode == id[2] && s->gen == gen) {
                e->ino = s->ino;
                e->dev = s->dev;
                e->flags |= s->flags;
                memcpy(name, s->name, s->len);
                return s->len;
            }
        }
    }
    uint64_t inode, sb, x;
    if (L->file_f_inode.found && qt_mem_read_uint(m, file + L->file_f_inode.off, 8, &inode) && inode) {
        if (L->inode_i_ino.found && qt_mem_read_uint(m, inode + L->inode_i_ino.off, 8, &x))
            e->ino = x;
        if (L->inode_i_sb.found && L->sb_s_dev.found && qt_mem_read_uint(m, inode + L->inode_i_sb.off, 8, &sb) &&
            qt_mem_read_uint(m, sb + L->sb_s_dev.off, 4, &x))
            e->dev = (uint32_t)x;
    }
    bool trunc;
    size_t nlen = 0;
    uint16_t flags = 0;
    int n = qt_kfile_path(m, file, name, QT_STR_MAX, &trunc);
    if (n < 0)
        flags |= QT_VMA_NAME_UNREADABLE;
    else
        nlen = (size_t)n;
    if (trunc)
        flags |= QT_VMA_NAME_TRUNC;
    e->flags |= flags;
    if (s && !(flags & QT_VMA_NAME_UNREADABLE)) {
        *s = (struct name_slot){ .file = file, .dentry = id[0], .mnt = id[1], .inode = id[2], .gen = gen,
                                 .ino = e->ino, .dev = e->dev, .flags = flags, .len = (uint16_t)nlen };
        memcpy(s->name, name, nlen);
    }
    return nlen;
}

/* One area (struct vm_area_struct at vma) appended to the record. */
static void add_area(struct walk *w, uint64_t vma)
{
    const struct qt_klayout *L = w->L;
    struct qt_mem *m = &w->v->mem;
    uint8_t b[VMA_BYTES];
    if (vma < qt_kernel_space || (vma & 7) || !m->read(m->ctx, vma, b, sizeof(b))) {
        w->incomplete = true;
        return;
    }
    struct qt_vma e;
    memset(&e, 0, sizeof(e));
    e.start = field(b, &L->vma_vm_start);
    e.end = field(b, &L->vma_vm_end);
    if (e.end <= e.start || e.start < w->last_end) {
        w->incomplete = true;
        return;
    }
    uint64_t vmf = field(b, &L->vma_vm_flags), file = field(b, &L->vma_vm_file);
    e.flags = (uint16_t)((vmf & VM_READ_ ? QT_VMA_READ : 0) | (vmf & VM_WRITE_ ? QT_VMA_WRITE : 0) |
                         (vmf & VM_EXEC_ ? QT_VMA_EXEC : 0) | (vmf & VM_MAYSHARE_ ? QT_VMA_SHARED : 0));
    char name[QT_STR_MAX];
    size_t nlen = 0;
    if (file) {
        e.flags |= QT_VMA_FILE;
        e.off = field(b, &L->vma_vm_pgoff) << PAGE_SHIFT_;
        nlen = file_name(w, file, &e, name);
    } else {
        nlen = anon_name(w, e.start, e.end, field(b, &L->vma_vm_ops), field(b, &L->vma_vm_private), name);
    }
    size_t size = sizeof(e) + QT_ALIGN8(nlen);
    if ((size_t)(w->end - w->p) < size) {
        w->incomplete = true;
        return;
    }
    e.name_len = (uint16_t)nlen;
    memcpy(w->p, &e, sizeof(e));
    memcpy(w->p + sizeof(e), name, nlen);
    memset(w->p + sizeof(e) + nlen, 0, size - sizeof(e) - nlen);
    hash_bytes(w, w->p, size);
    w->p += size;
    w->last_end = e.end;
}

/* The subtree at the node pointer enode, which covers addresses up to max. */
static void walk_node(struct walk *w, uint64_t enode, uint64_t max, int depth)
{
    const struct qt_klayout *L = w->L;
    unsigned type = (unsigned)(enode >> 3) & 0xf;
    uint64_t node = enode & ~MT_NODE_MASK;
    uint8_t b[NODE_BYTES];
    if (depth >= TREE_DEPTH || ++w->nodes > TREE_NODES || node < qt_kernel_space ||
        !w->v->mem.read(w->v->mem.ctx, node, b, sizeof(b))) {
        w->incomplete = true;
        return;
    }
    const struct qt_kfield *piv, *slot, *endf;
    if (type == MT_LEAF_64 || type == MT_RANGE_64) {
        piv = &L->mnode_r64_pivot, slot = &L->mnode_r64_slot, endf = &L->mnode_r64_end;
    } else if (type == MT_ARANGE_64) {
        piv = &L->mnode_a64_pivot, slot = &L->mnode_a64_slot, endf = &L->mnode_a64_end;
    } else {
        w->incomplete = true; /* dense nodes are not used for address ranges */
        return;
    }
    unsigned np = piv->size / 8, ns = slot->size / 8;
    if (np == 0 || ns != np + 1 || piv->off + piv->size > NODE_BYTES || slot->off + slot->size > NODE_BYTES ||
        endf->off >= NODE_BYTES) {
        w->incomplete = true;
        return;
    }
    /* the last slot in use (ma_data_end): the metadata's, unless the last pivot says more */
    uint64_t lastp = le(b, piv->off + 8 * (np - 1), 8);
    unsigned last = b[endf->off];
    if (type != MT_ARANGE_64 && lastp != 0)
        last = lastp == max ? np - 1 : np;
    if (last >= ns)
        last = ns - 1;
    for (unsigned i = 0; i <= last; i++) {
        uint64_t pmax = i < np ? le(b, piv->off + 8 * i, 8) : max;
        if (i > 0 && i < np && pmax == 0)
            break; /* past the data */
        uint64_t entry = le(b, slot->off + 8 * i, 8);
        if (entry) {
            if (type == MT_LEAF_64)
                add_area(w, entry);
            else
                walk_node(w, entry, pmax, depth + 1);
        }
        if (pmax >= max)
            break;
    }
}

/* ---- the maps recorded ---------------------------------------------------------------------- */

/* The hash of the map last written per process (its mm and tgid): an unchanged map (an
 * mprotect that changed nothing, a thread's clone) is not written again. Slots are
 * overwritten when they collide: the map is then written again, never lost. */
#define SEEN_SLOTS 1024
static struct {
    uint64_t key, hash;
} seen[SEEN_SLOTS];

static bool seen_before(uint64_t key, uint64_t hash)
{
    size_t i = (size_t)((key * UINT64_C(0x9e3779b97f4a7c15)) >> 54) % SEEN_SLOTS;
    bool same = __atomic_load_n(&seen[i].key, __ATOMIC_RELAXED) == key &&
                __atomic_load_n(&seen[i].hash, __ATOMIC_RELAXED) == hash;
    __atomic_store_n(&seen[i].key, key, __ATOMIC_RELAXED);
    __atomic_store_n(&seen[i].hash, hash, __ATOMIC_RELAXED);
    return same;
}

/* The map of the task on v, after the call cause. */
static void record_map(struct qt_vcpu *v, unsigned vi, struct qt_ktask *k, uint64_t cause)
{
    const struct qt_klayout *L = &qt_kernel.L;
    uint64_t mm, root;
    if (!L->task_mm.found || !L->mm_mt_root.found || !qt_mem_read_uint(&v->mem, k->task + L->task_mm.off, 8, &mm) ||
        mm < qt_kernel_space || !qt_mem_read_uint(&v->mem, mm + L->mm_mt_root.off, 8, &root))
        return; /* a kernel thread, or the layout is unknown */
    struct walk w = { .v = v, .vi = vi, .L = L, .hash = UINT64_C(0xcbf29ce484222325) };
    qt_mem_read_uint(&v->mem, mm + L->mm_start_brk.off, 8, &w.start_brk);
    qt_mem_read_uint(&v->mem, mm + L->mm_brk.off, 8, &w.brk);
    qt_mem_read_uint(&v->mem, mm + L->mm_start_stack.off, 8, &w.start_stack);
    w.path_gen_ok = path_gen(&v->mem, &w.path_gen);
    struct qt_who who;
    qt_ktask_who(k, &who);
    uint64_t now = qt_out_now(qt.out);
    struct qt_rec_call *r = qt_rec_begin(v, QT_REC_VMA, REC_MAX, &who, cause, now, qt_vcpu_icount(v));
    w.p = (uint8_t *)r + sizeof(*r);
    w.end = (uint8_t *)r + REC_MAX;
    if (root && (root & 3) == 2 && root > 4096)
        walk_node(&w, root, UINT64_MAX, 0);
    else if (root)
        add_area(&w, root); /* a tree of one entry keeps it in the root */
    if (w.incomplete)
        hash_bytes(&w, "incomplete", 10);
    if (seen_before(mm ^ ((uint64_t)who.pid << 48), w.hash))
        return; /* the reserved room is simply not committed */
    r->aux = mm;
    r->depth = w.incomplete ? QT_VMA_INCOMPLETE : 0;
    qt_rec_end(v, r, (size_t)(w.p - (uint8_t *)r), now);
}

void qt_kvm_on_sys_exit(unsigned vi, void *u)
{
    (void)u;
    const struct qt_ptregs *P = qt.arch->ptregs;
    struct qt_vcpu *v = qt_vcpu(vi);
    struct qt_ktask *k = qt_ktask(v);
    if (!qt_ktask_selected(v, k))
        return;
    uint64_t regs = qt_vcpu_karg(v, 1), orig, ax, cs;
    if (regs < qt_kernel_space || !qt_mem_read_uint(&v->mem, regs + 8 * P->orig_ax, 8, &orig))
        return;
    /* most calls change no map: one read tells them apart in either ABI */
    int64_t n64 = (int64_t)orig, n32 = (int32_t)orig;
    if (n64 >= 0 && n64 <= 4096 && !in(change_nr[0], NCHANGE, n64) && !in(fork_nr[0], NFORK, n64) &&
        !in(change_nr[1], NCHANGE, n32) && !in(fork_nr[1], NFORK, n32))
        return;
    if (!qt_mem_read_uint(&v->mem, regs + 8 * P->ax, 8, &ax) || !qt_mem_read_uint(&v->mem, regs + 8 * P->cs, 8, &cs))
        return;
    int compat = (cs & 0xffff) == P->compat_cs;
    int64_t nr = compat ? (int32_t)orig : (int64_t)orig, ret = compat ? (int32_t)ax : (int64_t)ax;
    uint64_t cause;
    if (nr < 0 || nr > 4096)
        cause = QT_VMA_CAUSE_START; /* not a system call: a process the kernel started, a signal's return */
    else if ((ret < 0 && ret > -4096) ||
             !(in(change_nr[compat], NCHANGE, nr) || (ret == 0 && in(fork_nr[compat], NFORK, nr))))
        return;
    else
        cause = (uint64_t)nr | (compat ? QT_SYSCALL_I386 : 0);
    record_map(v, vi, k, cause);
}

/* ---- pages ---------------------------------------------------------------------------------- */

/* Per vCPU, the (task, virtual page) -> frame pairs last written, direct-mapped: a pair that
 * another evicted is written again when next touched. Allocated once, at the vCPU's first
 * selected access. */
#define PAGE_SLOTS 8192
struct page_slot {
    uint64_t key, vpage, frame;
};
static struct page_slot *page_tables[QT_OUT_MAX_VCPUS];

static void on_access(unsigned vi, qemu_plugin_meminfo_t info, uint64_t vaddr, void *u)
{
    (void)u;
    struct qt_vcpu *v = qt_vcpu(vi);
    if (!v || vi >= QT_OUT_MAX_VCPUS)
        return;
    struct qt_ktask *k = qt_ktask(v);
    if (!qt_ktask_selected(v, k))
        return;
    struct qemu_plugin_hwaddr *hw = qemu_plugin_get_hwaddr(info, vaddr);
    if (!hw || qemu_plugin_hwaddr_is_io(hw))
        return;
    uint64_t vpage = vaddr & ~PAGE_MASK_, frame = qemu_plugin_hwaddr_phys_addr(hw) & ~PAGE_MASK_;
    struct page_slot *t = page_tables[vi];
    if (!t && !(t = page_tables[vi] = calloc(PAGE_SLOTS, sizeof(*t))))
        return;
    struct page_slot *s = &t[((vpage >> PAGE_SHIFT_) ^ (k->key * UINT64_C(0x9e3779b97f4a7c15) >> 40)) % PAGE_SLOTS];
    if (s->vpage == vpage && s->key == k->key && s->frame == frame)
        return;
    s->key = k->key;
    s->vpage = vpage;
    s->frame = frame;
    struct qt_who who;
    qt_ktask_who(k, &who);
    uint64_t now = qt_out_now(qt.out);
    struct qt_rec_call *r = qt_rec_begin(v, QT_REC_PAGE, sizeof(*r), &who, vpage, now, qt_vcpu_icount(v));
    r->aux = frame;
    r->depth = qemu_plugin_mem_is_store(info) ? 1 : 0;
    qt_rec_end(v, r, sizeof(*r), now);
}

void qt_kvm_tb_trans(struct qemu_plugin_tb *tb)
{
    if (qemu_plugin_tb_vaddr(tb) >= qt_kernel_space || !qt_kernel_loaded())
        return;
    size_t n = qemu_plugin_tb_n_insns(tb);
    for (size_t i = 0; i < n; i++)
        qemu_plugin_register_vcpu_mem_cb(qemu_plugin_tb_get_insn(tb, i), on_access, QEMU_PLUGIN_CB_R_REGS,
                                         QEMU_PLUGIN_MEM_RW, NULL);
}
