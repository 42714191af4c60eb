/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "rr.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sha256.h"
#include "trace_opts.h"
#include "util.h"

char *qtc_rec_path(const char *dir, const char *file)
{
    size_t n = strlen(dir) + strlen(file) + 2;
    char *p = qtc_xmalloc(n);
    snprintf(p, n, "%s/%s", dir, file);
    return p;
}

long long qtc_file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

int qtc_copy_file(const char *src, const char *dst, char *err, size_t errlen)
{
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        snprintf(err, errlen, "%s: %s", src, strerror(errno));
        return -1;
    }
    int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0) {
        snprintf(err, errlen, "%s: %s", dst, strerror(errno));
        close(in);
        return -1;
    }
    static char buf[1 << 16];
    ssize_t n;
    int rc = 0;
    while ((n = read(in, buf, sizeof(buf))) > 0) {
        /* keep the image sparse: skip blocks of zeros */
        bool zero = true;
        for (ssize_t i = 0; i < n && zero; i++)
            zero = buf[i] == 0;
        if (zero && n == (ssize_t)sizeof(buf)) {
            if (lseek(out, n, SEEK_CUR) < 0)
                rc = -1;
        } else if (write(out, buf, (size_t)n) != n) {
            rc = -1;
        }
        if (rc < 0) {
            snprintf(err, errlen, "writing %s: %s", dst, strerror(errno));
            break;
        }
    }
    if (n < 0 && rc == 0) {
        snprintf(err, errlen, "reading %s: %s", src, strerror(errno));
        rc = -1;
    }
    off_t end = lseek(out, 0, SEEK_CUR);
    if (rc == 0 && ftruncate(out, end) < 0) {
        snprintf(err, errlen, "writing %s: %s", dst, strerror(errno));
        rc = -1;
    }
    close(in);
    if (close(out) < 0 && rc == 0) {
        snprintf(err, errlen, "writing %s: %s", dst, strerror(errno));
        rc = -1;
    }
    if (rc < 0)
        unlink(dst);
    return rc;
}

/* ---- QEMU --------------------------------------------------------------------------------- */

char *qtc_qemu_version(const char *qemu)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return NULL;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], STDOUT_FILENO);
        int nul = open("/dev/null", O_RDWR);
        if (nul >= 0) {
            dup2(nul, STDIN_FILENO);
            dup2(nul, STDERR_FILENO);
        }
        execl(qemu, qemu, "--version", (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    if (pid < 0) {
        close(p[0]);
        return NULL;
    }
    char buf[512];
    size_t len = 0;
    ssize_t n;
    while ((n = read(p[0], buf + len, sizeof(buf) - 1 - len)) > 0 && len < sizeof(buf) - 1)
        len += (size_t)n;
    close(p[0]);
    int st;
    waitpid(pid, &st, 0);
    buf[len] = '\0';
    char *nl = strchr(buf, '\n');
    if (nl)
        *nl = '\0';
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || !*buf)
        return NULL;
    return qtc_xstrdup(buf);
}

char *qtc_find_qemu_img(const char *qemu)
{
    const char *slash = strrchr(qemu, '/');
    if (slash) {
        char path[4096];
        snprintf(path, sizeof(path), "%.*s/qemu-img", (int)(slash - qemu), qemu);
        if (access(path, X_OK) == 0)
            return qtc_xstrdup(path);
    }
    return qtc_which("qemu-img");
}

static void push(char ***v, int *n, const char *s)
{
    *v = qtc_xrealloc(*v, (size_t)(*n + 2) * sizeof(char *));
    (*v)[(*n)++] = qtc_xstrdup(s);
    (*v)[*n] = NULL;
}

/* QEMU option values: a ',' is written ",," */
static void put_value(char *esc, size_t size, const char *a)
{
    size_t k = 0;
    for (const char *p = a; *p && k + 2 < size; p++) {
        esc[k++] = *p;
        if (*p == ',')
            esc[k++] = ',';
    }
    esc[k] = '\0';
}

static void pushf(char ***v, int *n, const char *fmt, const char *a)
{
    char buf[8192], esc[4096];
    put_value(esc, sizeof(esc), a);
    snprintf(buf, sizeof(buf), fmt, esc);
    push(v, n, buf);
}

int qtc_rec_parse_shift(const char *s)
{
    if (strcmp(s, "auto") == 0)
        return QTC_REC_SHIFT_AUTO;
    uint64_t v;
    if (!isdigit((unsigned char)s[0]) || !qtc_parse_u64(s, 10, &v) || v > QTC_REC_SHIFT_MAX)
        return -2;
    return (int)v;
}

/* "auto" or the shift's number, as QEMU's -icount and the manifest spell it */
static const char *shift_name(int shift, char buf[16])
{
    if (shift == QTC_REC_SHIFT_AUTO)
        return "auto";
    snprintf(buf, 16, "%d", shift);
    return buf;
}

void qtc_rr_clock_opts(const struct qtc_rec *rec, struct qtc_args *args)
{
    char kv[64];
    snprintf(kv, sizeof(kv), "guest_clock=%d",
             rec->icount_shift == QTC_REC_SHIFT_AUTO ? QTC_REC_SHIFT_AUTO_START : rec->icount_shift);
    qtc_args_add_kv(args, kv);
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    const char *end = rec->created ? strptime(rec->created, QTC_REC_TIME_FORMAT, &tm) : NULL;
    time_t t = end && !*end ? timegm(&tm) : (time_t)-1;
    if (t > 0) {
        snprintf(kv, sizeof(kv), "start_ns=0x%" PRIx64, (uint64_t)t * 1000000000u);
        qtc_args_add_kv(args, kv);
    }
}

void qtc_rr_qemu_args(char ***v, int *n, const struct qtc_rec *rec, const char *mode, const char *log,
                      const char *snapshot, const char *qmp, const char *pcap, const char *disk)
{
    char buf[8192];
    bool net = rec->net;
    const char *ssh_forward = rec->ssh_forward;
    if (net) {
        /* user networking; the NIC's input is taken from the log on replay (filter-replay), so a
         * replay forwards no host port */
        push(v, n, "-netdev");
        if (ssh_forward && strcmp(mode, "record") == 0) {
            snprintf(buf, sizeof(buf), "user,id=net0,%s", ssh_forward);
            push(v, n, buf);
        } else {
            push(v, n, "user,id=net0");
        }
        /* virtio-net's guest announcements would start a timer when a snapshot is loaded in
         * the middle of a replay (qtrace debug), one the recording never had */
        push(v, n, "-device");
        const char *nic = rec->nic ? rec->nic : QTC_REC_NIC;
        snprintf(buf, sizeof(buf), "%s,netdev=net0%s", nic,
                 strcmp(nic, QTC_REC_NIC_OLD) == 0 ? "" : ",guest_announce=off");
        push(v, n, buf);
        push(v, n, "-object");
        push(v, n, "filter-replay,id=rr-net0,netdev=net0");
        if (pcap) {
            push(v, n, "-object");
            pushf(v, n, "filter-dump,id=rr-dump0,netdev=net0,file=%s", pcap);
        }
    } else {
        push(v, n, "-net");
        push(v, n, "none");
    }
    if (disk) {
        /* the disk's requests go through blkreplay: recorded, then replayed from the log.
         * cache=unsafe, here and on the snapshot's image: QEMU's flushes (each guest fsync,
         * several per snapshot) would wait for the host's disk, for nothing, since a recording
         * is not usable before it ends (QEMU does not sync its log either) */
        push(v, n, "-drive");
        pushf(v, n, "file=%s,if=none,id=rr-disk0,format=qcow2,cache=unsafe", disk);
        push(v, n, "-drive");
        push(v, n, "driver=blkreplay,if=none,image=rr-disk0,id=rr-disk0-rr");
        push(v, n, "-device");
        push(v, n, "virtio-blk-pci,drive=rr-disk0-rr");
    }
    push(v, n, "-icount");
    char esc[4096], sbuf[16];
    put_value(esc, sizeof(esc), log);
    const char *shift = shift_name(rec->icount_shift, sbuf);
    if (snapshot && rec->snapshot)
        snprintf(buf, sizeof(buf), "shift=%s,rr=%s,rrfile=%s,rrsnapshot=%s", shift, mode, esc, QTC_REC_SNAPSHOT_NAME);
    else
        snprintf(buf, sizeof(buf), "shift=%s,rr=%s,rrfile=%s", shift, mode, esc);
    push(v, n, buf);
    if (snapshot) {
        push(v, n, "-drive");
        pushf(v, n, "file=%s,if=none,id=rr-snapshot,format=qcow2,cache=unsafe", snapshot);
    }
    if (qmp) {
        push(v, n, "-qmp");
        pushf(v, n, "unix:%s,server=on,wait=off", qmp);
    }
    /* a guest shutdown pauses: qtrace reads the instruction count, then quits QEMU */
    push(v, n, "-action");
    push(v, n, "shutdown=pause");
}

int qtc_qemu_img(const char *qemu_img, const char *const *args, char *err, size_t errlen)
{
    int na = 0;
    while (args[na])
        na++;
    char **argv = qtc_xmalloc((size_t)(na + 2) * sizeof(char *));
    argv[0] = (char *)qemu_img;
    for (int i = 0; i < na; i++)
        argv[i + 1] = (char *)args[i];
    argv[na + 1] = NULL;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        execv(qemu_img, argv);
        _exit(127);
    }
    int st = -1;
    if (pid > 0)
        waitpid(pid, &st, 0);
    int rc = 0;
    if (pid < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        size_t k = (size_t)snprintf(err, errlen, "%s", qemu_img);
        for (int i = 0; i < na && k < errlen; i++)
            k += (size_t)snprintf(err + k, errlen - k, " %s", args[i]);
        if (k < errlen)
            snprintf(err + k, errlen - k, " failed");
        rc = -1;
    }
    free(argv);
    return rc;
}

char *qtc_rr_tmpdir(char *err, size_t errlen)
{
    const char *t = getenv("TMPDIR");
    char buf[4096];
    snprintf(buf, sizeof(buf), "%s/qtrace-rr.XXXXXX", t && *t && strlen(t) < 60 ? t : "/tmp");
    if (!mkdtemp(buf)) {
        snprintf(err, errlen, "cannot create a temporary directory %s: %s", buf, strerror(errno));
        return NULL;
    }
    return qtc_xstrdup(buf);
}

void qtc_rr_rmtmp(char *dir)
{
    if (!dir)
        return;
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char *p = qtc_rec_path(dir, e->d_name);
            unlink(p);
            free(p);
        }
        closedir(d);
    }
    rmdir(dir);
    free(dir);
}

/* ---- the manifest -------------------------------------------------------------------------- */

void qtc_rec_free(struct qtc_rec *r)
{
    free(r->dir);
    free(r->state);
    free(r->reason);
    free(r->qemu_version);
    free(r->kernel_source);
    free(r->initrd_source);
    free(r->kernel_sha256);
    free(r->initrd_sha256);
    free(r->append);
    free(r->created);
    free(r->guest);
    free(r->ssh_forward);
    free(r->nic);
    free(r->disk_source);
    free(r->disk_format);
    free(r->disk_sha256);
    for (int i = 0; i < r->nextra; i++)
        free(r->extra[i]);
    memset(r, 0, sizeof(*r));
}

static void setstr(char **dst, const char *v)
{
    free(*dst);
    *dst = qtc_xstrdup(v);
}

int qtc_rec_read(struct qtc_rec *r, const char *dir, char *err, size_t errlen)
{
    memset(r, 0, sizeof(*r));
    struct stat st;
    if (stat(dir, &st) < 0) {
        snprintf(err, errlen, "%s: %s (give the directory qtrace record -o wrote)", dir, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s is not a qtrace recording (a recording is the directory qtrace record -o DIR "
                 "writes, not a file)", dir);
        return -1;
    }
    char *mpath = qtc_rec_path(dir, QTC_REC_MANIFEST);
    FILE *f = fopen(mpath, "r");
    if (!f) {
        char *log = qtc_rec_path(dir, QTC_REC_LOG);
        bool has_log = access(log, F_OK) == 0;
        free(log);
        if (has_log)
            snprintf(err, errlen, "%s: incomplete recording, cannot be replayed: it has no %s (the recorder was "
                     "killed before it wrote it); record again", dir, QTC_REC_MANIFEST);
        else
            snprintf(err, errlen, "%s is not a qtrace recording (no %s; make one with qtrace record -o DIR)", dir,
                     QTC_REC_MANIFEST);
        free(mpath);
        return -1;
    }
    free(mpath);
    r->dir = qtc_xstrdup(dir);
    char line[8192];
    bool magic = false, seen_snapshot = false, seen_shift = false;
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        if (strcmp(line, "# qtrace recording") == 0)
            magic = true;
        if (line[0] == '#' || !line[0])
            continue;
        char *eq = strchr(line, '=');
        if (!eq)
            continue;
        *eq = '\0';
        const char *k = line, *v = eq + 1;
        if (strcmp(k, "format") == 0)
            r->format = atoi(v);
        else if (strcmp(k, "state") == 0)
            setstr(&r->state, v);
        else if (strcmp(k, "reason") == 0)
            setstr(&r->reason, v);
        else if (strcmp(k, "qemu_version") == 0)
            setstr(&r->qemu_version, v);
        else if (strcmp(k, "kernel_source") == 0)
            setstr(&r->kernel_source, v);
        else if (strcmp(k, "initrd_source") == 0)
            setstr(&r->initrd_source, v);
        else if (strcmp(k, "kernel_sha256") == 0)
            setstr(&r->kernel_sha256, v);
        else if (strcmp(k, "initrd_sha256") == 0)
            setstr(&r->initrd_sha256, v);
        else if (strcmp(k, "append") == 0)
            setstr(&r->append, v);
        else if (strcmp(k, "memory_mb") == 0)
            r->mem_mb = (unsigned)strtoul(v, NULL, 10);
        else if (strcmp(k, "snapshot") == 0) {
            r->snapshot = strcmp(v, "none") != 0;
            seen_snapshot = true;
        }
        else if (strcmp(k, "net") == 0)
            r->net = strcmp(v, "user") == 0;
        else if (strcmp(k, "nic") == 0) {
            if (strcmp(v, QTC_REC_NIC) != 0 && strcmp(v, QTC_REC_NIC_OLD) != 0) {
                snprintf(err, errlen, "%s/%s: nic=%.100s: expected %s or %s", dir, QTC_REC_MANIFEST, v, QTC_REC_NIC,
                         QTC_REC_NIC_OLD);
                fclose(f);
                qtc_rec_free(r);
                return -1;
            }
            setstr(&r->nic, v);
        }
        else if (strcmp(k, "icount_shift") == 0) {
            r->icount_shift = qtc_rec_parse_shift(v);
            if (r->icount_shift < QTC_REC_SHIFT_AUTO) {
                snprintf(err, errlen, "%s/%s: icount_shift=%s: expected 0 to %d, or auto", dir, QTC_REC_MANIFEST, v,
                         QTC_REC_SHIFT_MAX);
                fclose(f);
                qtc_rec_free(r);
                return -1;
            }
            seen_shift = true;
        }
        else if (strcmp(k, "instructions") == 0) {
            r->icount_known = true;
            r->icount = strtoull(v, NULL, 10);
        } else if (strcmp(k, "created") == 0)
            setstr(&r->created, v);
        else if (strcmp(k, "qemu_arg") == 0 && r->nextra < QTC_REC_MAX_EXTRA)
            r->extra[r->nextra++] = qtc_xstrdup(v);
        else if (strcmp(k, "guest") == 0)
            setstr(&r->guest, v);
        else if (strcmp(k, "disk_source") == 0)
            setstr(&r->disk_source, v);
        else if (strcmp(k, "disk_format") == 0)
            setstr(&r->disk_format, v);
        else if (strcmp(k, "disk_sha256") == 0)
            setstr(&r->disk_sha256, v);
        else if (strcmp(k, "disk_size") == 0)
            r->disk_size = strtoll(v, NULL, 10);
        else if (strcmp(k, "disk_mtime_ns") == 0)
            r->disk_mtime_ns = strtoll(v, NULL, 10);
        else if (strcmp(k, "disk_inode") == 0)
            r->disk_ino = strtoull(v, NULL, 10);
    }
    fclose(f);
    if (!magic || r->format <= 0) {
        snprintf(err, errlen, "%s is not a qtrace recording (its %s is not one qtrace record wrote)", dir,
                 QTC_REC_MANIFEST);
        qtc_rec_free(r);
        return -1;
    }
    if (r->format > QTC_REC_FORMAT) {
        snprintf(err, errlen, "%s: recording format %d is newer than this qtrace reads (%d): use a newer qtrace", dir,
                 r->format, QTC_REC_FORMAT);
        qtc_rec_free(r);
        return -1;
    }
    if (!r->state)
        r->state = qtc_xstrdup("recording");
    if (!seen_snapshot)
        r->snapshot = true;
    if (r->net && !r->nic)
        r->nic = qtc_xstrdup(QTC_REC_NIC_OLD);
    /* recordings made before the shift was a choice used QEMU's automatic one */
    if (!seen_shift)
        r->icount_shift = QTC_REC_SHIFT_AUTO;
    if (!r->mem_mb)
        r->mem_mb = 512;
    return 0;
}

int qtc_rec_write(const struct qtc_rec *r, char *err, size_t errlen)
{
    char *path = qtc_rec_path(r->dir, QTC_REC_MANIFEST);
    char tmp[4096];
    FILE *f = qtc_atomic_open(path, tmp, sizeof(tmp), err, errlen);
    if (!f) {
        free(path);
        return -1;
    }
    fprintf(f, "# qtrace recording\n# written by qtrace %s record; see docs/record-replay.md\n", QTRACE_VERSION);
    /* the lowest format that has what the recording needs, so that an older qtrace refuses what
     * it would replay wrongly: 2 has a disk (format 1 would replay without it), 3 a fixed icount
     * shift (format 2 would replay with shift=auto, which does not match the log), 4 a network
     * card other than e1000 (format 3 would replay with an e1000) */
    bool new_nic = r->net && r->nic && strcmp(r->nic, QTC_REC_NIC_OLD) != 0;
    fprintf(f, "format=%d\n", new_nic ? 4 : r->icount_shift != QTC_REC_SHIFT_AUTO ? 3 : r->disk_source ? 2 : 1);
    fprintf(f, "state=%s\n", r->state);
    if (r->reason)
        fprintf(f, "reason=%s\n", r->reason);
    if (r->created)
        fprintf(f, "created=%s\n", r->created);
    if (r->qemu_version)
        fprintf(f, "qemu_version=%s\n", r->qemu_version);
    fprintf(f, "kernel=%s\n", QTC_REC_KERNEL);
    if (r->kernel_source)
        fprintf(f, "kernel_source=%s\n", r->kernel_source);
    if (r->kernel_sha256)
        fprintf(f, "kernel_sha256=%s\n", r->kernel_sha256);
    if (r->initrd_sha256) {
        fprintf(f, "initrd=%s\n", QTC_REC_INITRD);
        if (r->initrd_source)
            fprintf(f, "initrd_source=%s\n", r->initrd_source);
        fprintf(f, "initrd_sha256=%s\n", r->initrd_sha256);
    }
    if (r->append)
        fprintf(f, "append=%s\n", r->append);
    fprintf(f, "memory_mb=%u\n", r->mem_mb);
    fprintf(f, "smp=1\n");
    fprintf(f, "net=%s\n", r->net ? "user" : "none");
    if (r->net && r->nic)
        fprintf(f, "nic=%s\n", r->nic);
    char sbuf[16];
    fprintf(f, "icount_shift=%s\n", shift_name(r->icount_shift, sbuf));
    fprintf(f, "log=%s\n", QTC_REC_LOG);
    if (r->snapshot)
        fprintf(f, "snapshot=%s\nsnapshot_name=%s\n", QTC_REC_SNAPSHOT, QTC_REC_SNAPSHOT_NAME);
    else
        fprintf(f, "snapshot=none\n");
    fprintf(f, "console=%s\n", QTC_REC_CONSOLE);
    if (r->net)
        fprintf(f, "pcap=%s\n", QTC_REC_PCAP);
    if (r->icount_known)
        fprintf(f, "instructions=%llu\n", (unsigned long long)r->icount);
    for (int i = 0; i < r->nextra; i++)
        fprintf(f, "qemu_arg=%s\n", r->extra[i]);
    if (r->guest)
        fprintf(f, "guest=%s\n", r->guest);
    if (r->disk_source) {
        fprintf(f, "disk=%s\ndisk_source=%s\ndisk_format=%s\n", QTC_REC_DISK, r->disk_source,
                r->disk_format ? r->disk_format : "raw");
        if (r->disk_sha256)
            fprintf(f, "disk_sha256=%s\n", r->disk_sha256);
        fprintf(f, "disk_size=%lld\ndisk_mtime_ns=%lld\ndisk_inode=%llu\n", r->disk_size, r->disk_mtime_ns,
                r->disk_ino);
    }
    int rc = qtc_atomic_close(f, tmp, path, true, err, errlen);
    free(path);
    return rc;
}

int qtc_rec_log_final(const char *log)
{
    FILE *f = fopen(log, "rb");
    if (!f)
        return -1;
    /* QEMU writes the version (big-endian) over the first bytes when it exits cleanly; until
     * then they are zero */
    unsigned char h[4] = { 0 };
    size_t n = fread(h, 1, 4, f);
    fclose(f);
    return n == 4 && (h[0] | h[1] | h[2] | h[3]) != 0;
}

static int check_copy(const char *dir, const char *file, const char *want, const char *source, const char *what,
                      char *err, size_t errlen)
{
    char *path = qtc_rec_path(dir, file);
    char hex[65], e[1024];
    int rc = qtc_sha256_file(path, hex, e, sizeof(e));
    if (rc < 0) {
        snprintf(err, errlen, "%s: the recording's %s copy is missing or unreadable (%s): the recording cannot be "
                 "replayed", dir, what, e);
    } else if (strcmp(hex, want) != 0) {
        snprintf(err, errlen, "%s: the %s %s changed since the recording (sha256 %.12s..., recorded %.12s... from %s): "
                 "a replay needs the exact %s it was recorded with", dir, what, path, hex, want,
                 source ? source : "?", what);
        rc = -1;
    }
    free(path);
    return rc;
}

int qtc_rec_check(const struct qtc_rec *r, const char *qemu_version, char *err, size_t errlen)
{
    if (strcmp(r->state, "complete") != 0) {
        if (strcmp(r->state, "recording") == 0)
            snprintf(err, errlen, "%s: incomplete recording, cannot be replayed: the recorder was stopped before it "
                     "finished (QEMU never finalized the log); record again", r->dir);
        else
            snprintf(err, errlen, "%s: incomplete recording, cannot be replayed: %s; record again", r->dir,
                     r->reason ? r->reason : r->state);
        return -1;
    }
    static const char *const files[] = { QTC_REC_LOG, QTC_REC_SNAPSHOT };
    for (size_t i = 0; i < (r->snapshot ? 2 : 1); i++) {
        char *p = qtc_rec_path(r->dir, files[i]);
        bool there = access(p, R_OK) == 0;
        free(p);
        if (!there) {
            snprintf(err, errlen, "%s: incomplete recording, cannot be replayed: %s is missing", r->dir, files[i]);
            return -1;
        }
    }
    char *log = qtc_rec_path(r->dir, QTC_REC_LOG);
    int fin = qtc_rec_log_final(log);
    free(log);
    if (fin != 1) {
        snprintf(err, errlen, "%s: incomplete recording, cannot be replayed: QEMU did not finalize %s (it was "
                 "killed); record again", r->dir, QTC_REC_LOG);
        return -1;
    }
    if (!qemu_version || !r->qemu_version || strcmp(qemu_version, r->qemu_version) != 0) {
        snprintf(err, errlen, "%s was recorded with %s, this QEMU is %s: a log replays only under the QEMU that "
                 "recorded it (give that one with --qemu PATH)", r->dir, r->qemu_version ? r->qemu_version : "?",
                 qemu_version ? qemu_version : "unknown (qemu --version failed)");
        return -1;
    }
    if (!r->kernel_sha256) {
        snprintf(err, errlen, "%s: the manifest has no kernel_sha256: not a complete recording", r->dir);
        return -1;
    }
    if (check_copy(r->dir, QTC_REC_KERNEL, r->kernel_sha256, r->kernel_source, "kernel", err, errlen) < 0)
        return -1;
    if (r->initrd_sha256 &&
        check_copy(r->dir, QTC_REC_INITRD, r->initrd_sha256, r->initrd_source, "initrd", err, errlen) < 0)
        return -1;
    return 0;
}

int qtc_rr_private_dir(const char *dir, const struct qtc_rec *rec, char **tmp, char **snap, char *err, size_t errlen)
{
    *snap = NULL;
    *tmp = qtc_rr_tmpdir(err, errlen);
    if (!*tmp)
        return -1;
    if (!rec->snapshot)
        return 0;
    char *rsnap = qtc_rec_path(dir, QTC_REC_SNAPSHOT);
    *snap = qtc_rec_path(*tmp, QTC_REC_SNAPSHOT);
    char e[1024];
    int rc = qtc_copy_file(rsnap, *snap, e, sizeof(e));
    free(rsnap);
    if (rc < 0) {
        snprintf(err, errlen, "copying the snapshot image: %s", e);
        return -1;
    }
    return 0;
}

