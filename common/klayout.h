/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Kernel structure layouts: the offsets and sizes of the fields qtrace reads from guest
 * memory (task_struct, cred, dentry, inode, file, sock, module, ...), from the kernel's own
 * BTF (the .BTF section of the image, parsed by libbpf; nested and anonymous members are
 * resolved by walking the types) and/or a layout file:
 *
 *     # comment
 *     task_struct.pid = 0x998          # NAME = OFFSET [SIZE], decimal or 0x hex
 *     task_struct.comm = 3048 16
 *
 * A field given in a layout file overrides the BTF one. See docs/kernel.md.
 */
#ifndef QTRACE_KLAYOUT_H
#define QTRACE_KLAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct qt_kimage;

enum qt_kfield_src { QT_KL_NONE = 0, QT_KL_BTF = 1, QT_KL_FILE = 2 };

struct qt_kfield {
    uint32_t off;           /* byte offset from the start of the outermost structure */
    uint32_t size;          /* bytes (BTF size; from a file: given, or the usual x86-64 size) */
    bool found;
    uint8_t src;            /* enum qt_kfield_src */
};

/* X(member, "struct.path", "alternative BTF path" or NULL, usual x86-64 size).
 * Add a field: one line here; the member appears in struct qt_klayout, the name is
 * accepted in layout files and printed by `qtrace kernel-info`. */
#define QT_KLAYOUT_FIELDS(X) \
    X(task_comm,          "task_struct.comm",                     NULL, 16) \
    X(task_pid,           "task_struct.pid",                      NULL, 4) \
    X(task_tgid,          "task_struct.tgid",                     NULL, 4) \
    X(task_real_parent,   "task_struct.real_parent",              NULL, 8) \
    X(task_parent,        "task_struct.parent",                   NULL, 8) \
    X(task_group_leader,  "task_struct.group_leader",             NULL, 8) \
    X(task_cred,          "task_struct.cred",                     NULL, 8) \
    X(task_real_cred,     "task_struct.real_cred",                NULL, 8) \
    X(task_mm,            "task_struct.mm",                       NULL, 8) \
    X(task_tasks,         "task_struct.tasks",                    NULL, 16) \
    X(task_thread_group,  "task_struct.thread_group",             NULL, 16) \
    X(task_exit_code,     "task_struct.exit_code",                NULL, 4) \
    X(mm_pgd,             "mm_struct.pgd",                        NULL, 8) \
    X(mm_arg_start,       "mm_struct.arg_start",                  NULL, 8) \
    X(mm_arg_end,         "mm_struct.arg_end",                    NULL, 8) \
    X(mm_mt_root,         "mm_struct.mm_mt.ma_root",              NULL, 8) \
    X(mm_start_brk,       "mm_struct.start_brk",                  NULL, 8) \
    X(mm_brk,             "mm_struct.brk",                        NULL, 8) \
    X(mm_start_stack,     "mm_struct.start_stack",                NULL, 8) \
    X(vma_vm_start,       "vm_area_struct.vm_start",              NULL, 8) \
    X(vma_vm_end,         "vm_area_struct.vm_end",                NULL, 8) \
    X(vma_vm_flags,       "vm_area_struct.vm_flags",              NULL, 8) \
    X(vma_vm_pgoff,       "vm_area_struct.vm_pgoff",              NULL, 8) \
    X(vma_vm_file,        "vm_area_struct.vm_file",               NULL, 8) \
    X(vma_vm_ops,         "vm_area_struct.vm_ops",                NULL, 8) \
    X(vma_vm_private,     "vm_area_struct.vm_private_data",       NULL, 8) \
    X(special_name,       "vm_special_mapping.name",              NULL, 8) \
    X(sb_s_dev,           "super_block.s_dev",                    NULL, 4) \
    X(mnode_r64_pivot,    "maple_range_64.pivot",                 NULL, 120) \
    X(mnode_r64_slot,     "maple_range_64.slot",                  NULL, 128) \
    X(mnode_a64_pivot,    "maple_arange_64.pivot",                NULL, 72) \
    X(mnode_a64_slot,     "maple_arange_64.slot",                 NULL, 80) \
    X(mnode_r64_end,      "maple_range_64.meta.end",              NULL, 1) \
    X(mnode_a64_end,      "maple_arange_64.meta.end",             NULL, 1) \
    X(cred_uid,           "cred.uid",                             NULL, 4) \
    X(cred_gid,           "cred.gid",                             NULL, 4) \
    X(cred_euid,          "cred.euid",                            NULL, 4) \
    X(cred_egid,          "cred.egid",                            NULL, 4) \
    X(cred_fsuid,         "cred.fsuid",                           NULL, 4) \
    X(cred_cap_effective, "cred.cap_effective",                   NULL, 8) \
    X(dentry_d_name,      "dentry.d_name",                        NULL, 16) \
    X(dentry_d_name_name, "dentry.d_name.name",                   NULL, 8) \
    X(dentry_d_name_len,  "dentry.d_name.len",                    NULL, 4) \
    X(dentry_d_parent,    "dentry.d_parent",                      NULL, 8) \
    X(dentry_d_inode,     "dentry.d_inode",                       NULL, 8) \
    X(qstr_name,          "qstr.name",                            NULL, 8) \
    X(qstr_len,           "qstr.len",                             NULL, 4) \
    X(inode_i_ino,        "inode.i_ino",                          NULL, 8) \
    X(inode_i_mode,       "inode.i_mode",                         NULL, 2) \
    X(inode_i_size,       "inode.i_size",                         NULL, 8) \
    X(inode_i_uid,        "inode.i_uid",                          NULL, 4) \
    X(inode_i_sb,         "inode.i_sb",                           NULL, 8) \
    X(file_f_path,        "file.f_path",                          NULL, 16) \
    X(file_f_path_dentry, "file.f_path.dentry",                   NULL, 8) \
    X(file_f_path_mnt,    "file.f_path.mnt",                      NULL, 8) \
    X(file_f_flags,       "file.f_flags",                         NULL, 4) \
    X(file_f_pos,         "file.f_pos",                           NULL, 8) \
    X(file_f_inode,       "file.f_inode",                         NULL, 8) \
    X(path_dentry,        "path.dentry",                          NULL, 8) \
    X(path_mnt,           "path.mnt",                             NULL, 8) \
    X(sock_family,        "sock.__sk_common.skc_family",          NULL, 2) \
    X(sock_daddr,         "sock.__sk_common.skc_daddr",           NULL, 4) \
    X(sock_rcv_saddr,     "sock.__sk_common.skc_rcv_saddr",       NULL, 4) \
    X(sock_dport,         "sock.__sk_common.skc_dport",           NULL, 2) \
    X(sock_num,           "sock.__sk_common.skc_num",             NULL, 2) \
    X(socket_sk,          "socket.sk",                            NULL, 8) \
    X(module_name,        "module.name",                          NULL, 56) \
    X(module_list,        "module.list",                          NULL, 16) \
    X(module_state,       "module.state",                         NULL, 4) \
    X(module_base,        "module.core_layout.base",              "module.mem[0].base", 8) \
    X(module_size,        "module.core_layout.size",              "module.mem[0].size", 4) \
    X(module_kallsyms,    "module.kallsyms",                      NULL, 8) \
    X(modsyms_symtab,     "mod_kallsyms.symtab",                  NULL, 8) \
    X(modsyms_num,        "mod_kallsyms.num_symtab",              NULL, 4) \
    X(modsyms_strtab,     "mod_kallsyms.strtab",                  NULL, 8) \
    X(binprm_filename,    "linux_binprm.filename",                NULL, 8) \
    X(binprm_p,           "linux_binprm.p",                       NULL, 8) \
    X(binprm_argc,        "linux_binprm.argc",                    NULL, 4) \
    X(binprm_file,        "linux_binprm.file",                    NULL, 8) \
    X(rq_q,               "request.q",                            NULL, 8) \
    X(rq_cmd_flags,       "request.cmd_flags",                    NULL, 4) \
    X(rq_sector,          "request.__sector",                     NULL, 8) \
    X(rq_data_len,        "request.__data_len",                   NULL, 4) \
    X(rq_bio,             "request.bio",                          NULL, 8) \
    X(rq_part,            "request.part",                         NULL, 8) \
    X(bdev_disk,          "block_device.bd_disk",                 NULL, 8) \
    X(queue_disk,         "request_queue.disk",                   NULL, 8) \
    X(disk_name,          "gendisk.disk_name",                    NULL, 32) \
    X(bio_io_vec,         "bio.bi_io_vec",                        NULL, 8) \
    X(bvec_page,          "bio_vec.bv_page",                      NULL, 8) \
    X(page_mapping,       "page.mapping",                         NULL, 8) \
    X(mapping_host,       "address_space.host",                   NULL, 8) \
    X(inode_i_dentry,     "inode.i_dentry",                       NULL, 8) \
    X(dentry_d_alias,     "dentry.d_u.d_alias",                   NULL, 16) \
    X(task_fs,            "task_struct.fs",                       NULL, 8) \
    X(fs_pwd,             "fs_struct.pwd",                        NULL, 16) \
    X(filename_name,      "filename.name",                        NULL, 8)

/* X(member, "struct", "field"): fields read from BTF only, never from a layout file (struct
 * mount is private to fs/; the mount fields serve the kernel argument types' paths). */
#define QT_KBTF_FIELDS(X) \
    X(mount_mnt,          "mount",    "mnt") \
    X(mount_parent,       "mount",    "mnt_parent") \
    X(mount_mountpoint,   "mount",    "mnt_mountpoint") \
    X(vfsmount_root,      "vfsmount", "mnt_root")

#define QT_KLAYOUT_MEMBER_(m, name, alt, size) struct qt_kfield m;
struct qt_klayout {
    QT_KLAYOUT_FIELDS(QT_KLAYOUT_MEMBER_)
    bool btf;               /* fields were taken from BTF */
    uint32_t btf_types;     /* number of BTF types */
    uint64_t btf_size;      /* bytes of BTF */
    bool module_mem;        /* module.mem[] (Linux 6.4+) resolved instead of core_layout */
};
#undef QT_KLAYOUT_MEMBER_

struct qt_kfield_desc {
    const char *name;       /* "task_struct.comm": BTF path and layout file name */
    const char *alt;        /* other BTF path (newer kernels), also accepted in a file */
    uint32_t default_size;
    size_t member;          /* offsetof(struct qt_klayout, ...) */
};
extern const struct qt_kfield_desc qt_kfield_descs[];
extern const size_t qt_kfield_count;

/* Every field not found. */
void qt_klayout_init(struct qt_klayout *L);
/* Resolve every field in raw BTF bytes (what: names the source in messages). Fields not in
 * this BTF stay not found; that is not an error. -EINVAL if libbpf rejects the data. */
int qt_klayout_from_btf(struct qt_klayout *L, const void *data, size_t size, const char *what, char *err, size_t errlen);
/* From the image's .BTF section: -ENOENT "FILE has no BTF (.BTF section)". */
int qt_klayout_from_kimage(struct qt_klayout *L, const struct qt_kimage *k, char *err, size_t errlen);
/* Apply a layout file over L. Errors name the file and line (-EINVAL), or -errno. */
int qt_klayout_load_file(struct qt_klayout *L, const char *path, char *err, size_t errlen);

/* Field i of qt_kfield_descs. */
const struct qt_kfield *qt_klayout_at(const struct qt_klayout *L, size_t i);
/* Field by name (or alternative name), or NULL if the name is unknown. */
const struct qt_kfield *qt_klayout_get(const struct qt_klayout *L, const char *name);
/* Number of fields found. */
size_t qt_klayout_nfound(const struct qt_klayout *L);

#endif
