/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A recording directory (qtrace record, replay, debug, info): its manifest, the files it holds,
 * the checks done before a replay, and the QEMU arguments record and replay share.
 * Layout: docs/record-replay.md.
 */
#ifndef QTRACE_CLI_RR_H
#define QTRACE_CLI_RR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "options.h"

struct qtc_args;

#define QTC_REC_FORMAT 4                    /* manifest format version read (written: the lowest that has what the recording needs) */
#define QTC_REC_MANIFEST "manifest"         /* key=value lines */
#define QTC_REC_KERNEL "vmlinuz"            /* copy of the kernel */
#define QTC_REC_INITRD "initrd"             /* copy of the initrd */
#define QTC_REC_LOG "replay.bin"            /* QEMU's execution log (rrfile=) */
#define QTC_REC_SNAPSHOT "snapshot.qcow2"   /* the qcow2 image holding the start snapshot (rrsnapshot=) */
#define QTC_REC_SNAPSHOT_NAME "init"        /* the snapshot's name */
#define QTC_REC_CONSOLE "console.txt"       /* the guest's serial console output */
#define QTC_REC_CMDLINE "qemu-cmdline"      /* the exact QEMU command line, shell-quoted */
#define QTC_REC_PCAP "net.pcap"             /* network capture (recordings with --net) */
#define QTC_REC_MAX_EXTRA 64                /* extra QEMU arguments kept */
#define QTC_REC_DISK "disk.qcow2"           /* qcow2 overlay over the guest's disk image (rr_disk.h) */
#define QTC_REC_TIME_FORMAT "%Y-%m-%dT%H:%M:%SZ" /* created=: UTC, as strftime and strptime spell it */
#define QTC_REC_SHIFT_AUTO (-1)             /* icount_shift: QEMU's shift=auto */
#define QTC_REC_SHIFT_DEFAULT 5             /* what qtrace record uses unless told (docs/record-replay.md) */
#define QTC_REC_SHIFT_MAX QT_GUEST_CLOCK_MAX_SHIFT /* the largest shift QEMU takes (the plugin's guest_clock= bound) */
#define QTC_REC_SHIFT_AUTO_START 3          /* QEMU's first shift under shift=auto */
#define QTC_REC_NIC "virtio-net-pci"       /* the network card qtrace record gives a guest (its state reloads without new timers) */
#define QTC_REC_NIC_OLD "e1000"             /* the card of recordings whose manifest names none */
#define QTC_REC_NO_VAPIC "apic-common.vapic=off" /* -global every recording gives QEMU: its kvmvapic device deadlocks reverse-continue */

/* What a manifest says. */
struct qtc_rec {
    char *dir;                      /* the recording directory, as given */
    int format;                     /* manifest format version */
    char *state;                    /* "complete", "recording" (recorder stopped before the end), "incomplete" */
    char *reason;                   /* why it is not complete, or NULL */
    char *qemu_version;             /* first line of `qemu-system-x86_64 --version` at record time */
    char *kernel_source, *initrd_source;    /* paths the copies were made from */
    char *kernel_sha256, *initrd_sha256;    /* of the copies; initrd: NULL if none */
    char *append;                   /* kernel command-line arguments after qtrace's own */
    unsigned mem_mb;                /* guest memory */
    bool net;                       /* QEMU user networking with a NIC (--net) */
    char *nic;                      /* with net: the card's QEMU device model (QTC_REC_NIC or QTC_REC_NIC_OLD) */
    bool snapshot;                  /* the log starts from snapshot.qcow2's start snapshot (older recordings) */
    int icount_shift;               /* -icount shift=: 2^shift ns of guest time per instruction, or QTC_REC_SHIFT_AUTO */
    bool icount_known;
    uint64_t icount;                /* guest instructions in the recording */
    char *created;                  /* UTC time the recording ended */
    char *extra[QTC_REC_MAX_EXTRA]; /* extra QEMU arguments given after -- (and a bundled guest's devices) */
    int nextra;
    char *guest;                    /* the bundled guest recorded (--guest NAME), or NULL */
    char *ssh_forward;              /* record only: QEMU's hostfwd= rule for the guest's sshd, or NULL */
    /* the disk (rr_disk.h); disk_source NULL: none (recordings made before disks have none) */
    char *disk_source;              /* the image, an absolute path: the overlay's backing file */
    char *disk_format;              /* its format ("raw") */
    char *disk_sha256;              /* its SHA-256, computed once, at record time */
    long long disk_size;            /* its identity at record time: size, modification time (ns), inode */
    long long disk_mtime_ns;
    unsigned long long disk_ino;
};

/* Path of a file in the recording (malloc'ed). */
char *qtc_rec_path(const char *dir, const char *file);

/* Read DIR/manifest. 0, or -1 with err ("DIR is not a qtrace recording (...)"). */
int qtc_rec_read(struct qtc_rec *r, const char *dir, char *err, size_t errlen);
/* Write DIR/manifest atomically from r. 0, or -1 with err. */
int qtc_rec_write(const struct qtc_rec *r, char *err, size_t errlen);
void qtc_rec_free(struct qtc_rec *r);

/* Everything a replay needs: complete, every file there, the copies' hashes as recorded, the
 * log finalized by QEMU, and qemu_version equal to the recording's. 0, or -1 with one line in
 * err saying what is wrong and what to do. */
int qtc_rec_check(const struct qtc_rec *r, const char *qemu_version, char *err, size_t errlen);

/* Did QEMU finalize the log (header written at a clean exit)? 1 yes, 0 no, -1 unreadable. */
int qtc_rec_log_final(const char *log);

/* First line of `QEMU --version`, malloc'ed, or NULL. */
char *qtc_qemu_version(const char *qemu);

/* qemu-img: next to qemu, else in PATH; malloc'ed, or NULL. */
char *qtc_find_qemu_img(const char *qemu);

/* The QEMU arguments of record/replay for the recording rec: mode "record" or "replay", paths of
 * the log, the snapshot image (NULL: none; the replay starts from its snapshot "init" when
 * rec->snapshot, otherwise it only holds the snapshots of qtrace debug), the QMP socket (or NULL), the pcap to
 * write (or NULL), the disk's overlay (or NULL); rec gives the network, the icount shift and, when
 * recording, the forwarded sshd port of rec->ssh_forward. Appended to *v (n entries,
 * NULL-terminated, malloc'ed strings). */
void qtc_rr_qemu_args(char ***v, int *n, const struct qtc_rec *rec, const char *mode, const char *log,
                      const char *snapshot, const char *qmp, const char *pcap, const char *disk);

/* Parse an icount shift as qtrace record --icount-shift and the manifest give it: "auto", or 0 to
 * QTC_REC_SHIFT_MAX. The shift, or -2 (not one). */
int qtc_rec_parse_shift(const char *s);

/* The plugin options that give a replay of rec its clock: guest time at the recording's shift
 * (QEMU's first shift under auto), starting at the recording's time, so that two replays carry
 * the same times. Appended to args as key=value. */
void qtc_rr_clock_opts(const struct qtc_rec *rec, struct qtc_args *args);

/* Run qemu-img with the arguments (NULL-terminated, after the program's name), its messages
 * on standard error. 0, or -1 with err naming the command. */
int qtc_qemu_img(const char *qemu_img, const char *const *args, char *err, size_t errlen);

/* A private temporary directory for the QMP socket (short path); malloc'ed, or NULL with err. */
char *qtc_rr_tmpdir(char *err, size_t errlen);
/* A new temporary folder (*tmp) with a private copy of the recording's snapshot image (*snap,
 * NULL when it has none): loading a snapshot opens its image for writing, and a replay writes
 * nothing in the recording. A recording with a disk also needs its private overlay
 * (qtc_rr_disk_private, rr_disk.h) in *tmp. 0, or -1 with err. */
int qtc_rr_private_dir(const char *dir, const struct qtc_rec *rec, char **tmp, char **snap, char *err, size_t errlen);
/* Remove it and what it holds (one level). */
void qtc_rr_rmtmp(char *dir);

/* Copy a file (the snapshot image, for a replay that must not write the recording). */
int qtc_copy_file(const char *src, const char *dst, char *err, size_t errlen);

/* Size of a file, or -1. */
long long qtc_file_size(const char *path);

#endif
