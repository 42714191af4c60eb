/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qtrace system --guest NAME: the bundled guests. See guest.h. */
#include "guest.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sb.h"
#include "util.h"
#include "writer.h"

struct guest {
    const char *name;
    const char *dir;                /* under the cache */
    const char *build;              /* the command that builds it */
    const char *what;               /* one line for the errors and the help */
};

static const struct guest guests[] = {
    { "debian", "guest-debian", "make guest-debian",
      "Debian bookworm on an ext4 disk, sshd on a forwarded port (scripts/build-guest-debian.sh)" },
};

/* $QTRACE_CACHE, else .cache next to the build directory */
static char *cache_dir(const char *sub)
{
    const char *env = getenv("QTRACE_CACHE");
    char path[4096];
    if (env && *env)
        snprintf(path, sizeof(path), "%s/%s", env, sub);
    else
        snprintf(path, sizeof(path), "%s/../.cache/%s", *qtc_exe_dir() ? qtc_exe_dir() : ".", sub);
    return qtc_xstrdup(path);
}

/* a TCP port on 127.0.0.1 that nothing listens on now, or 0 */
static unsigned free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof(a);
    unsigned port = 0;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 && getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

static void push(struct qtc_cfg *cfg, char *s)
{
    cfg->guest_args = qtc_xrealloc(cfg->guest_args, (size_t)(cfg->nguest_args + 2) * sizeof(char *));
    cfg->guest_args[cfg->nguest_args++] = s;
    cfg->guest_args[cfg->nguest_args] = NULL;
}

int qtc_guest_apply(struct qtc_cfg *cfg, char *err, size_t errlen)
{
    const char *name = qtc_args_get(&cfg->args, "guest");
    const char *port_opt = qtc_args_get(&cfg->args, "ssh-port");
    if (!name) {
        if (port_opt) {
            snprintf(err, errlen, "--ssh-port is the port of a bundled guest's sshd: it needs --guest NAME");
            return -1;
        }
        return 0;
    }
    const struct guest *g = NULL;
    for (size_t i = 0; i < sizeof(guests) / sizeof(guests[0]); i++)
        if (strcmp(guests[i].name, name) == 0)
            g = &guests[i];
    if (!g) {
        snprintf(err, errlen, "--guest %.100s: no such bundled guest (there is: debian, %s)", name, guests[0].what);
        return -1;
    }
    if (qtc_args_has(&cfg->args, "initrd")) {
        snprintf(err, errlen, "--guest %s brings its own initrd, made for its kernel's modules: give either --guest or "
                 "--initrd", name);
        return -1;
    }
    /* --kernel with --guest boots the guest with another build of its kernel: its vmlinux (PVH) */
    const char *kernel = qtc_args_get(&cfg->args, "kernel");
    char *dir = cache_dir(g->dir);
    static const char *const files[] = { "vmlinuz", "initrd.gz", "disk.img", "ssh/id_ed25519" };
    char *paths[4];
    for (int i = 0; i < 4; i++) {
        paths[i] = qtc_xmalloc(strlen(dir) + 32);
        sprintf(paths[i], "%s/%s", dir, files[i]);
    }
    if (kernel) {
        free(paths[0]);
        paths[0] = qtc_xstrdup(kernel);
    }
    int rc = 0;
    for (int i = 0; i < 4 && rc == 0; i++) {
        if (access(paths[i], R_OK) != 0) {
            snprintf(err, errlen, "--guest %s: %s is missing: build the guest with `%s` (%s)", name, paths[i], g->build,
                     g->what);
            rc = -1;
        }
    }
    unsigned port = 0;
    char buf[4200];
    if (rc == 0) {
        port = port_opt ? (unsigned)strtoul(port_opt, NULL, 10) : free_port();
        if (port == 0 || port > 65535) {
            snprintf(err, errlen, port_opt ? "--ssh-port: expected a TCP port 1-65535, got %s"
                                           : "--guest %s: no free TCP port on 127.0.0.1 for its sshd (give --ssh-port N)",
                     port_opt ? port_opt : name);
            rc = -1;
        }
    }
    if (rc < 0) {
        for (int i = 0; i < 4; i++)
            free(paths[i]);
        free(dir);
        return -1;
    }
    for (int i = 0; i < 4; i++)
        cfg->guest_files[i] = paths[i];
    cfg->kernel = paths[0];
    cfg->initrd = paths[1];
    cfg->guest_root = paths[2];
    /* the plugin reads the kernel too, as with --kernel */
    if (!kernel) {
        snprintf(buf, sizeof(buf), "kernel=%s", paths[0]);
        qtc_args_add_kv(&cfg->args, buf);
    }
    /* the disk: raw, virtio-blk; snapshot=on keeps the image as built (the guest's writes go to a
     * temporary file QEMU drops), so that it stays the --sysroot the trace is read with, and
     * several boots can share it */
    push(cfg, qtc_xstrdup("-drive"));
    struct qt_sb sb;
    qt_sb_init(&sb);
    qt_sb_puts(&sb, "file=");
    for (const char *s = paths[2]; *s; s++) {
        qt_sb_putc(&sb, *s);
        if (*s == ',')
            qt_sb_putc(&sb, ',');
    }
    qt_sb_puts(&sb, ",format=raw,if=virtio,snapshot=on");
    push(cfg, qtc_xstrdup(sb.buf));
    qt_sb_free(&sb);
    /* QEMU's user network, the guest's port 22 on 127.0.0.1:PORT, a virtio-net card (the guest's
     * initramfs loads its driver; qtrace record gives it the same card) and an entropy source
     * (sshd waits for the kernel's random pool) */
    push(cfg, qtc_xstrdup("-netdev"));
    snprintf(buf, sizeof(buf), "user,id=qtnet,hostfwd=tcp:127.0.0.1:%u-:22", port);
    push(cfg, qtc_xstrdup(buf));
    push(cfg, qtc_xstrdup("-device"));
    push(cfg, qtc_xstrdup("virtio-net-pci,netdev=qtnet"));
    push(cfg, qtc_xstrdup("-device"));
    push(cfg, qtc_xstrdup("virtio-rng-pci"));
    snprintf(buf, sizeof(buf), "guest %s: ssh -i %s -p %u -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "
             "root@127.0.0.1 (once the console says \"sshd ready\")", name, paths[3], port);
    cfg->guest_banner = qtc_xstrdup(buf);
    free(dir);
    qtc_guest_sysroot(cfg);
    return 0;
}

void qtc_guest_sysroot(struct qtc_cfg *cfg)
{
    static const char *const naming[] = { "patch", "filter", "notrace", "argument", "retval", "linkmap" };
    const struct qtc_writer *lm = qtc_writer_find("linkmap");
    bool libs = false;
    for (size_t i = 0; i < sizeof(naming) / sizeof(naming[0]); i++)
        libs |= qtc_args_has(&cfg->args, naming[i]);
    for (int i = 0; i < cfg->nformats; i++)
        libs |= cfg->formats[i] == lm;
    if (cfg->guest_root && libs && !qtc_args_has(&cfg->args, "sysroot"))
        qtc_args_add(&cfg->args, "sysroot", cfg->guest_root);
}

const char *qtc_guest_banner(const struct qtc_cfg *cfg)
{
    return cfg->guest_banner;
}
