#!/usr/bin/env bash
# Builds the bundled Debian guest into $QTRACE_CACHE/guest-debian (default .cache/guest-debian);
# writes nothing in the repository. Idempotent: each step runs only when its output is missing
# or older than its inputs; a run with nothing to do prints one line.
#
#   rootfs/        Debian bookworm, debootstrap --variant=minbase from Debian's registry, with
#                  openssh-server and procps; the stock kernel package's files (dpkg -x: /boot,
#                  /lib/modules, depmod run); guest/debian/init as /sbin/qtrace-init and
#                  guest/debian/poweroff (with busybox-static) in /usr/local/sbin; the test
#                  programs of guest/progs/ as ordinary dynamically linked PIEs with -g in
#                  /usr/local/bin; the test key in /root/.ssh/authorized_keys
#   vmlinuz        that kernel (the package the bundled guest uses: scripts/build-guest.sh)
#   vmlinux        the same kernel uncompressed, for PVH boots (scripts/vmlinux.py; qtrace record --kernel)
#   initrd.gz      busybox-static, guest/debian/initramfs-init as /init, and the modules that
#                  mount the disk and bring up the network (MODULES and their dependencies,
#                  modinfo -F depends), cpio newc, gzip
#   disk.img       rootfs/ as a raw ext4 image (mke2fs -t ext4 -d: no mount, no loop device)
#   ssh/id_ed25519 the test key (generated here, never committed); ssh/known_hosts is not kept:
#                  clients connect with StrictHostKeyChecking=no
#   build.times    seconds each step took in the last build that did something
#
# Usage: scripts/build-guest-debian.sh      (root: debootstrap and the image's file owners)
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${QTRACE_CACHE:-$TOP/.cache}
G=$CACHE/guest-debian
SELF=$TOP/scripts/build-guest-debian.sh
BUSYBOX=/bin/busybox
SUITE=bookworm
MIRROR=http://deb.debian.org/debian
# packages on top of minbase: the ssh daemon the tests log in to, ps/pgrep for the tests
PACKAGES=openssh-server,procps
# modules the initramfs loads, in this order, each after its dependencies: the disk (virtio-blk
# on virtio-pci), its file system (ext4 wants the crc32c checksum: its "pre:" soft dependency),
# the network card (virtio-net: QEMU reloads its state in a replay without starting timers the
# recording never had, which an e1000 does), and virtio-rng: without an entropy source the
# kernel's random pool takes seconds under TCG to be ready, and sshd waits for it
MODULES="virtio_pci virtio_blk crc32c_generic ext4 virtio_net virtio_rng"
# programs built into rootfs/usr/local/bin: guest/progs/NAME.c except static-only ones
CFLAGS_PROGS=(-fPIE -pie -O1 -g -fno-inline -fno-optimize-sibling-calls -fno-omit-frame-pointer
              -pthread -std=gnu11 -Wall -Wextra)
# free space left in the image beyond its files
FREE_MB=256

die() { printf 'build-guest-debian: error: %s\n' "$*" >&2; exit 1; }
say() { printf 'guest-debian: %s\n' "$*"; }

[ "$(id -u)" = 0 ] || die "run as root: debootstrap needs chroot, and the image keeps the files' owners"
"$TOP/scripts/setup.sh" deps || die "scripts/setup.sh deps failed"
for t in debootstrap mke2fs modinfo depmod ssh-keygen gcc cpio gzip dpkg apt-get; do
    command -v "$t" >/dev/null || die "$t not found (run scripts/setup.sh deps)"
done
[ -x "$BUSYBOX" ] || die "$BUSYBOX not found (package busybox-static; run scripts/setup.sh deps)"

mkdir -p "$G"
exec 9>"$G/.lock"
flock 9 || die "cannot lock $G/.lock"
did=0
times=()
t0=$SECONDS
step_done() { times+=("$1 $((SECONDS - t0))s"); t0=$SECONDS; did=1; }

newer_than() {  # newer_than OUT IN...: OUT is missing or older than an IN
    local out=$1 in; shift
    [ -e "$out" ] || return 0
    for in in "$@"; do [ "$in" -nt "$out" ] && return 0; done
    return 1
}

# ---- the kernel package: the one the bundled guest boots ---------------------------------
kver=
[ -s "$CACHE/guest/kernel-version" ] && kver=$(cat "$CACHE/guest/kernel-version")
if [ -z "$kver" ]; then
    kver=$(apt-cache depends linux-image-amd64 2>/dev/null \
        | awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9].*-amd64$/ {if (!d) print substr($2, 13); d=1}')
    [ -n "$kver" ] || die "apt-cache depends linux-image-amd64 names no linux-image-*-amd64 package (apt-get update?)"
fi
R=$G/rootfs

# ---- root file system -------------------------------------------------------------------
if [ "$(cat "$G/rootfs.stamp" 2>/dev/null)" != "$SUITE $PACKAGES" ]; then
    say "debootstrap --variant=minbase $SUITE (+ $PACKAGES) from $MIRROR"
    rm -rf "$R" "$G/rootfs.stamp" "$G/kernel.stamp" "$G/debootstrap.log"
    debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$R" "$MIRROR" >"$G/debootstrap.log" 2>&1 \
        || { tail -20 "$G/debootstrap.log" >&2; die "debootstrap failed (log: $G/debootstrap.log)"; }
    # no systemd, no udev: what they would set up, by hand (sshd's host keys come from its package)
    mkdir -p "$R/run/sshd"
    printf 'qtrace-debian\n' >"$R/etc/hostname"
    printf '127.0.0.1 localhost\n127.0.1.1 qtrace-debian\n' >"$R/etc/hosts"
    printf '/dev/vda / ext4 rw 0 1\n' >"$R/etc/fstab"
    rm -f "$R/etc/resolv.conf"; printf 'nameserver 10.0.2.3\n' >"$R/etc/resolv.conf"
    cat >"$R/etc/ssh/sshd_config.d/qtrace.conf" <<'EOC'
# the bundled guest: key login only, no DNS look-ups of clients (QEMU's user network)
PermitRootLogin prohibit-password
PasswordAuthentication no
UseDNS no
EOC
    printf '%s\n' "$SUITE $PACKAGES" >"$G/rootfs.stamp"
    step_done debootstrap
fi

# ---- the kernel package's files, into the merged-/usr tree ------------------------------
if [ "$(cat "$G/kernel.stamp" 2>/dev/null)" != "$kver" ]; then
    say "kernel linux-image-$kver into rootfs (/boot, /usr/lib/modules, depmod)"
    dl=$G/dl
    rm -rf "$dl" && mkdir -p "$dl"
    sandbox=(-o APT::Sandbox::User=root)
    (cd "$dl" && apt-get download -q "${sandbox[@]}" "linux-image-$kver" >"$dl/apt-download.log" 2>&1) \
        || { cat "$dl/apt-download.log" >&2; die "apt-get download linux-image-$kver failed"; }
    deb=$(ls "$dl"/linux-image-"$kver"_*.deb 2>/dev/null | head -1)
    [ -n "$deb" ] || die "apt-get download linux-image-$kver produced no .deb"
    # unpacked aside: dpkg -x into the tree would turn its /lib link (to usr/lib) into a directory
    dpkg -x "$deb" "$dl/root" || die "dpkg -x $(basename "$deb") failed"
    [ -s "$dl/root/boot/vmlinuz-$kver" ] || die "linux-image-$kver has no boot/vmlinuz-$kver"
    rm -rf "$R"/boot/*-"$kver" "$R/usr/lib/modules"
    mkdir -p "$R/usr/lib/modules"
    cp -a "$dl"/root/boot/. "$R/boot/"
    cp -a "$dl/root/lib/modules/$kver" "$R/usr/lib/modules/"
    rm -rf "$dl"
    depmod -b "$R" "$kver" || die "depmod -b $R $kver failed"
    echo "$kver" >"$G/kernel.stamp"
    step_done kernel
fi

# ---- the kernel -------------------------------------------------------------------------
if newer_than "$G/vmlinuz" "$G/kernel.stamp"; then
    cp "$R/boot/vmlinuz-$kver" "$G/vmlinuz.tmp" && mv "$G/vmlinuz.tmp" "$G/vmlinuz"
    echo "$kver" >"$G/kernel-version"
    did=1
fi
if newer_than "$G/vmlinux" "$G/vmlinuz" "$TOP/scripts/vmlinux.py"; then
    say "vmlinux (uncompressed, for PVH boots)"
    "$TOP/scripts/vmlinux.py" "$G/vmlinuz" "$G/vmlinux" || die "scripts/vmlinux.py could not unpack $G/vmlinuz"
    did=1
fi

# ---- the test key -----------------------------------------------------------------------
if [ ! -s "$G/ssh/id_ed25519" ]; then
    mkdir -p "$G/ssh" && chmod 700 "$G/ssh"
    ssh-keygen -q -t ed25519 -N '' -C qtrace-test -f "$G/ssh/id_ed25519" || die "ssh-keygen failed"
    did=1
fi
if ! cmp -s "$G/ssh/id_ed25519.pub" "$R/root/.ssh/authorized_keys"; then
    mkdir -p "$R/root/.ssh" && chmod 700 "$R/root/.ssh"
    install -m 0600 "$G/ssh/id_ed25519.pub" "$R/root/.ssh/authorized_keys"
    did=1
fi

# ---- our init and the test programs -----------------------------------------------------
if newer_than "$R/sbin/qtrace-init" "$TOP/guest/debian/init" "$TOP/guest/debian/poweroff" "$BUSYBOX"; then
    install -m 0755 "$TOP/guest/debian/init" "$R/sbin/qtrace-init"
    install -m 0755 "$TOP/guest/debian/poweroff" "$R/usr/local/sbin/poweroff"
    install -m 0755 "$BUSYBOX" "$R/usr/local/sbin/busybox"
    did=1
fi
progs=()
for src in "$TOP"/guest/progs/*.c; do
    name=$(basename "$src" .c)
    case "$name" in *_pie) continue ;; esac   # static PIEs of the bundled guest
    progs+=("$name")
    out=$R/usr/local/bin/$name
    if newer_than "$out" "$src" "$SELF" "$G/kernel.stamp"; then
        say "cc -pie usr/local/bin/$name"
        gcc "${CFLAGS_PROGS[@]}" -o "$out.tmp" "$src" || { rm -f "$out.tmp"; die "gcc -pie failed for $src"; }
        mv "$out.tmp" "$out"
        did=1
    fi
done

# ---- initramfs --------------------------------------------------------------------------
# every module with its dependencies before it (modinfo -F depends, recursively)
mod_order=()
add_mod() {
    local m=$1 d
    case " ${mod_order[*]} " in *" $m "*) return 0 ;; esac
    for d in $(modinfo -b "$R" -k "$kver" -F depends "$m" | tr ',' ' '); do add_mod "$d"; done
    mod_order+=("$m")
}
for m in $MODULES; do
    modinfo -b "$R" -k "$kver" -n "$m" >/dev/null 2>&1 || die "module $m is not in linux-image-$kver"
    add_mod "$m"
done
if newer_than "$G/initrd.gz" "$TOP/guest/debian/initramfs-init" "$BUSYBOX" "$SELF" "$G/kernel.stamp" \
   || [ "$(cat "$G/initrd.list" 2>/dev/null)" != "${mod_order[*]}" ]; then
    say "initrd.gz (busybox, modules: ${mod_order[*]})"
    r=$G/initrd.root
    rm -rf "$r" && mkdir -p "$r"/{bin,dev,proc,sys,newroot,lib/modules}
    cp "$BUSYBOX" "$r/bin/busybox"
    for a in sh mount umount switch_root insmod ifconfig route echo cat sleep mknod ls; do ln -s busybox "$r/bin/$a"; done
    install -m 0755 "$TOP/guest/debian/initramfs-init" "$r/init"
    : >"$r/lib/modules/order"
    for m in "${mod_order[@]}"; do
        ko=$(modinfo -b "$R" -k "$kver" -n "$m")
        case "$ko" in
        *.ko) cp "$ko" "$r/lib/modules/$m.ko" ;;
        *.ko.xz) xz -dc "$ko" >"$r/lib/modules/$m.ko" ;;
        *) die "module $m: unexpected file $ko" ;;
        esac
        echo "$m" >>"$r/lib/modules/order"
    done
    (cd "$r" && find . -mindepth 1 | LC_ALL=C sort | cpio -H newc -o -R 0:0 --quiet) | gzip -9 >"$G/initrd.gz.tmp" \
        || { rm -f "$G/initrd.gz.tmp"; die "packing the initramfs failed"; }
    mv "$G/initrd.gz.tmp" "$G/initrd.gz"
    printf '%s\n' "${mod_order[*]}" >"$G/initrd.list"
    rm -rf "$r"
    step_done initramfs
fi

# ---- the disk image ---------------------------------------------------------------------
# anything newer than the image under rootfs/ (programs, init, key) makes it again
if [ ! -s "$G/disk.img" ] || [ "$G/kernel.stamp" -nt "$G/disk.img" ] || [ -n "$(find "$R/sbin/qtrace-init" "$R/usr/local" "$R/root/.ssh" -newer "$G/disk.img" -print -quit)" ]; then
    kb=$(du -sk "$R" | cut -f1)
    mb=$(( kb * 12 / 10 / 1024 + FREE_MB ))
    say "disk.img (ext4, ${mb} MB, mke2fs -d rootfs)"
    rm -f "$G/disk.img.tmp"
    mke2fs -q -F -t ext4 -L qtrace-debian -d "$R" "$G/disk.img.tmp" "${mb}M" >/dev/null \
        || { rm -f "$G/disk.img.tmp"; die "mke2fs -d $R failed"; }
    mv "$G/disk.img.tmp" "$G/disk.img"
    step_done disk.img
fi

if [ $did = 0 ]; then
    say "up to date ($G)"
else
    [ ${#times[@]} -gt 0 ] && printf '%s\n' "${times[@]}" >"$G/build.times"
    say "ready: $G/vmlinuz ($kver), initrd.gz, disk.img ($(du -m "$G/disk.img" | cut -f1) MB), ssh/id_ed25519${times:+ (${times[*]})}"
fi
