#!/usr/bin/env bash
# Builds the bundled guest into $QTRACE_CACHE/guest (default .cache/guest); writes nothing in
# the repository. Idempotent: each step runs only when its output is missing or older than
# its inputs, and a run with nothing to do prints one line.
#
#   vmlinuz, config   Debian bookworm's stock kernel (the linux-image-6.1.0-NN-amd64 package that
#                     linux-image-amd64 depends on), downloaded with apt-get download, not installed
#   vmlinux           the same kernel uncompressed (scripts/vmlinux.py): QEMU boots it through PVH, with no
#                     decompressor and no KASLR, which halves the length of a recorded boot's replay
#   modules/NAME.ko   kernel modules of that same package (MODULES below), for the module-load
#                     tests: taken from the package together with vmlinuz, so they always match it
#   progs/NAME        guest/progs/NAME.c, static, unstripped (the tracer reads symbols and DWARF);
#                     guest/progs32/NAME.c likewise with -m32 (i386 programs in the 64-bit guest),
#                     guest/progs/NAME_pie.c as a static PIE, guest/progs/NAME_dyn.c as a dynamically
#                     linked PIE
#   sysroot/          the guest's files the dynamic programs use, at their guest paths: progs/NAME_dyn
#                     and the host's libraries they load (ldd), copied; the initramfs has the same
#                     files, so this is the --sysroot of the shared-library tests
#   initrd.gz         busybox-static + guest/init + progs/ + modules/ (as /lib/modules/), cpio newc, gzip -9
#
# Usage: scripts/build-guest.sh
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${QTRACE_CACHE:-$TOP/.cache}
G=$CACHE/guest
SELF=$TOP/scripts/build-guest.sh
BUSYBOX=/bin/busybox
CFLAGS_PROGS=(-static -no-pie -O1 -g -fno-inline -fno-optimize-sibling-calls
              -fno-omit-frame-pointer -pthread -std=gnu11 -Wall -Wextra)
# -m32 without gcc-multilib's /usr/include/asm link (it conflicts with the aarch64 cross
# compiler): the x86 asm headers serve both word sizes (as tests/compat/build-guest32.sh does)
CFLAGS_PROGS32=(-m32 "${CFLAGS_PROGS[@]}" -idirafter /usr/include/x86_64-linux-gnu)
# guest/progs/NAME_pie.c: a static PIE (the kernel loads it at a random address); it may include
# guest/progs/NAME.c
CFLAGS_PROGS_PIE=(-static-pie -fPIE "${CFLAGS_PROGS[@]:2}")
# guest/progs/NAME_dyn.c: a dynamically linked PIE, run with the host's libc and loader; it may
# include guest/progs/NAME.c
CFLAGS_PROGS_DYN=(-pie -fPIE "${CFLAGS_PROGS[@]:2}")
# modules of the kernel package put in the initramfs (path under lib/modules/VERSION/kernel/):
# small, no dependencies (modinfo -F depends is empty), not built in; ktest loads crc7, qtrace.net=1
# loads e1000 (QEMU's default NIC model) and virtio_net (qtrace record --net's card)
MODULES="lib/crc7.ko drivers/net/ethernet/intel/e1000/e1000.ko"
# qtrace.disk=1: a virtio disk with ext4 (qtrace system --disk IMG), loaded in this order (each
# after what modinfo -F depends names; ext4 and jbd2 ask for crc32c at mount time)
MODULES="$MODULES drivers/virtio/virtio_ring.ko drivers/virtio/virtio.ko drivers/virtio/virtio_pci_modern_dev.ko
  drivers/virtio/virtio_pci_legacy_dev.ko drivers/virtio/virtio_pci.ko drivers/block/virtio_blk.ko
  net/core/failover.ko drivers/net/net_failover.ko drivers/net/virtio_net.ko
  crypto/crc32c_generic.ko lib/crc16.ko fs/mbcache.ko fs/jbd2/jbd2.ko fs/ext4/ext4.ko"
# busybox applets linked into /bin (the init script and interactive debugging use these)
APPLETS="sh ash mount umount poweroff reboot sync echo cat ls mkdir rm sleep su id whoami
  ps dmesg grep sed tr cut head tail wc env test [ true false printf uname kill free
  insmod ifconfig route"

die() { printf 'build-guest: error: %s\n' "$*" >&2; exit 1; }
say() { printf 'guest: %s\n' "$*"; }

SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo

# deps (busybox-static, cpio, gcc, dpkg-dev...): a no-op that prints nothing when done
"$TOP/scripts/setup.sh" deps || die "scripts/setup.sh deps failed"
for t in gcc cpio gzip dpkg apt-get apt-cache; do
    command -v "$t" >/dev/null || die "$t not found (run scripts/setup.sh deps)"
done
[ -x "$BUSYBOX" ] || die "$BUSYBOX not found (package busybox-static; run scripts/setup.sh deps)"

mkdir -p "$G/progs"
# one build at a time (tests and make targets may run this concurrently)
exec 9>"$G/.lock"
flock 9 || die "cannot lock $G/.lock"
did=0

# newer A B...: true if A is missing or any B is newer than A
newer_than() {
    local out=$1 in; shift
    [ -e "$out" ] || return 0
    for in in "$@"; do [ "$in" -nt "$out" ] && return 0; done
    return 1
}

# ---- kernel --------------------------------------------------------------------------------
kernel_pkg() {
    apt-cache depends linux-image-amd64 2>/dev/null \
        | awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9].*-amd64$/ {if (!done) print $2; done=1}'
}
mods_missing() {
    local m
    for m in $MODULES; do [ -s "$G/modules/$(basename "$m")" ] || return 0; done
    return 1
}
if [ ! -s "$G/vmlinuz" ] || mods_missing; then
    # a kernel already here: its own package again (the modules must match it exactly), and
    # vmlinuz is taken from it again too, so that the two always come from the same package
    pkg=
    [ -s "$G/vmlinuz" ] && [ -s "$G/kernel-version" ] && pkg=linux-image-$(cat "$G/kernel-version")
    [ -n "$pkg" ] || pkg=$(kernel_pkg)
    if [ -z "$pkg" ]; then
        say "apt knows no linux-image-amd64: apt-get update"
        $SUDO apt-get update -qq || die "apt-get update failed"
        pkg=$(kernel_pkg)
        [ -n "$pkg" ] || die "apt-cache depends linux-image-amd64 names no linux-image-*-amd64 package"
    fi
    say "downloading kernel package $pkg (not installed)"
    dl=$G/dl
    rm -rf "$dl" && mkdir -p "$dl"
    # As root, apt would warn that its _apt sandbox user cannot write $dl: run it unsandboxed.
    sandbox=()
    [ "$(id -u)" = 0 ] && sandbox=(-o APT::Sandbox::User=root)
    if ! (cd "$dl" && apt-get download -q "${sandbox[@]}" "$pkg" >"$dl/apt-download.log" 2>&1); then
        # the cached kernel's package is gone from the archive (a newer ABI replaced it): take
        # the current one, kernel and modules together
        cur=$(kernel_pkg)
        if [ -s "$G/vmlinuz" ] && [ -n "$cur" ] && [ "$cur" != "$pkg" ]; then
            say "$pkg cannot be downloaded any more: downloading $cur (kernel and modules replaced)"
            pkg=$cur
            (cd "$dl" && apt-get download -q "${sandbox[@]}" "$pkg" >"$dl/apt-download.log" 2>&1) \
                || { cat "$dl/apt-download.log" >&2; die "apt-get download $pkg failed"; }
        else
            cat "$dl/apt-download.log" >&2
            die "apt-get download $pkg failed"
        fi
    fi
    deb=$(ls "$dl"/"$pkg"_*.deb 2>/dev/null | head -1)
    [ -n "$deb" ] || die "apt-get download $pkg produced no .deb"
    say "unpacking $(basename "$deb")"
    dpkg -x "$deb" "$dl/root" || die "dpkg -x $(basename "$deb") failed"
    vml=$(ls "$dl"/root/boot/vmlinuz-* 2>/dev/null | head -1)
    cfg=$(ls "$dl"/root/boot/config-* 2>/dev/null | head -1)
    [ -n "$vml" ] || die "$(basename "$deb") has no boot/vmlinuz-*"
    [ -n "$cfg" ] && cp "$cfg" "$G/config"
    kver=$(basename "$vml" | sed 's/^vmlinuz-//')
    rm -rf "$G/modules" && mkdir -p "$G/modules"
    for m in $MODULES; do
        ko=$dl/root/lib/modules/$kver/kernel/$m
        # bookworm ships plain .ko files; a compressed one is unpacked for busybox and finit_module
        if [ -f "$ko" ]; then cp "$ko" "$G/modules/$(basename "$m")"
        elif [ -f "$ko.xz" ]; then xz -dc "$ko.xz" >"$G/modules/$(basename "$m")"
        else die "$(basename "$deb") has no lib/modules/$kver/kernel/$m"
        fi
    done
    if ! cmp -s "$vml" "$G/vmlinuz"; then
        cp "$vml" "$G/vmlinuz.tmp" && mv "$G/vmlinuz.tmp" "$G/vmlinuz"
    fi
    echo "$kver" >"$G/kernel-version"
    rm -rf "$dl"    # the .deb and its 400 MB of modules are not needed any more
    did=1
fi
if newer_than "$G/vmlinux" "$G/vmlinuz" "$TOP/scripts/vmlinux.py"; then
    say "vmlinux (uncompressed, for PVH boots)"
    "$TOP/scripts/vmlinux.py" "$G/vmlinuz" "$G/vmlinux" || die "scripts/vmlinux.py could not unpack $G/vmlinuz"
    did=1
fi

# ---- test programs -------------------------------------------------------------------------
progs=()
for src in "$TOP"/guest/progs/*.c "$TOP"/guest/progs32/*.c; do
    [ -e "$src" ] || continue
    name=$(basename "$src" .c)
    case " ${progs[*]} " in *" $name "*) die "two programs named $name (guest/progs and guest/progs32)" ;; esac
    progs+=("$name")
    out=$G/progs/$name
    flags=("${CFLAGS_PROGS[@]}") m=
    deps=("$src")
    case "$src" in
    */progs32/*) flags=("${CFLAGS_PROGS32[@]}") m=" -m32" ;;
    *_pie.c) flags=("${CFLAGS_PROGS_PIE[@]}") m=" -static-pie" deps+=("${src%_pie.c}.c") ;;
    *_dyn.c) flags=("${CFLAGS_PROGS_DYN[@]}") m=" -pie" deps+=("${src%_dyn.c}.c") ;;
    esac
    if newer_than "$out" "${deps[@]}" "$SELF"; then
        say "cc$m progs/$name"
        gcc "${flags[@]}" -o "$out.tmp" "$src" || { rm -f "$out.tmp"; die "gcc$m failed for $src"; }
        mv "$out.tmp" "$out"
        did=1
    fi
done
[ ${#progs[@]} -gt 0 ] || die "no programs in guest/progs/"
# programs whose source is gone
for f in "$G"/progs/*; do
    [ -e "$f" ] || continue
    n=$(basename "$f")
    case " ${progs[*]} " in *" $n "*) ;; *) rm -f "$f"; say "removed stale progs/$n"; did=1 ;; esac
done

# ---- sysroot: the dynamic programs and the libraries they load, at their guest paths ----------
sr=$G/sysroot
dyn_files=()
for n in "${progs[@]}"; do
    case $n in *_dyn) ;; *) continue ;; esac
    dyn_files+=("/progs/$n")
    # "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" and the loader's own line
    for l in $(ldd "$G/progs/$n" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
        case " ${dyn_files[*]} " in *" $l "*) ;; *) dyn_files+=("$l") ;; esac
    done
done
for f in "${dyn_files[@]}"; do
    case $f in /progs/*) src=$G$f ;; *) src=$(readlink -f "$f") ;; esac
    [ -f "$src" ] || die "$f (a library of the dynamic programs) not found on this machine"
    if ! cmp -s "$src" "$sr$f"; then
        mkdir -p "$(dirname "$sr$f")"
        cp "$src" "$sr$f.tmp" && mv "$sr$f.tmp" "$sr$f"
        say "sysroot$f"
        did=1
    fi
done
# the kernel's modules, where a Debian root has them, with their modules.dep lines
kver=$(cat "$G/kernel-version")
dep=
for m in $MODULES; do
    f=/lib/modules/$kver/kernel/$m
    dyn_files+=("$f")
    dep+="kernel/$m:"$'\n'
    if ! cmp -s "$G/modules/$(basename "$m")" "$sr$f"; then
        mkdir -p "$(dirname "$sr$f")"
        cp "$G/modules/$(basename "$m")" "$sr$f"
        did=1
    fi
done
dyn_files+=("/lib/modules/$kver/modules.dep")
if [ "$(cat "$sr/lib/modules/$kver/modules.dep" 2>/dev/null)" != "${dep%$'\n'}" ]; then
    printf '%s' "$dep" >"$sr/lib/modules/$kver/modules.dep"
    did=1
fi
# files of programs that are gone
if [ -d "$sr" ]; then
    while IFS= read -r f; do
        case " ${dyn_files[*]} " in *" ${f#"$sr"} "*) ;; *) rm -f "$f"; say "removed stale sysroot${f#"$sr"}"; did=1 ;; esac
    done < <(find "$sr" -type f)
fi

# ---- initramfs -----------------------------------------------------------------------------
# newc archive entry for a directory or a character device, written by hand so that
# /dev/console exists before /init runs without needing root for mknod.
# args: name mode(octal) rdevmajor rdevminor
newc_entry() {
    local name=$1 mode=$2 maj=$3 min=$4 namesize pad
    namesize=$(( ${#name} + 1 ))
    printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
        0 $((8#$mode)) 0 0 1 0 0 0 0 "$maj" "$min" "$namesize" 0
    printf '%s\0' "$name"
    pad=$(( (4 - (110 + namesize) % 4) % 4 ))
    [ $pad -gt 0 ] && head -c $pad /dev/zero
    return 0
}
dev_cpio() {
    newc_entry dev 040755 0 0
    newc_entry dev/console 020600 5 1
    newc_entry dev/null 020666 1 3
    newc_entry dev/ttyS0 020600 4 64
    newc_entry TRAILER!!! 0 0 0
}

inputs=("$TOP/guest/init" "$BUSYBOX" "$SELF")
for n in "${progs[@]}"; do inputs+=("$G/progs/$n"); done
for f in "${dyn_files[@]}"; do inputs+=("$sr$f"); done
mods=()
for m in $MODULES; do mods+=("$(basename "$m")"); inputs+=("$G/modules/$(basename "$m")"); done
[ -f "$TOP/guest/init" ] || die "guest/init is missing"
manifest="${progs[*]}; modules: ${mods[*]}${dyn_files[*]:+; sysroot: ${dyn_files[*]}}"
if newer_than "$G/initrd.gz" "${inputs[@]}" || [ "$(cat "$G/initrd.list" 2>/dev/null)" != "$manifest" ]; then
    say "initrd.gz (busybox, init, progs: $manifest)"
    r=$G/root
    rm -rf "$r"
    mkdir -p "$r"/{bin,sbin,etc,proc,sys,dev,tmp,root,progs,home/user}
    chmod 1777 "$r/tmp"
    cp "$BUSYBOX" "$r/bin/busybox"
    for a in $APPLETS; do ln -s busybox "$r/bin/$a"; done
    ln -s ../bin/busybox "$r/sbin/poweroff"
    ln -s ../bin/busybox "$r/sbin/reboot"
    install -m 0755 "$TOP/guest/init" "$r/init"
    for n in "${progs[@]}"; do install -m 0755 "$G/progs/$n" "$r/progs/$n"; done
    for f in "${dyn_files[@]}"; do case $f in /lib/modules/*) ;; *) install -D -m 0755 "$sr$f" "$r$f" ;; esac; done
    mkdir -p "$r/lib/modules"
    for n in "${mods[@]}"; do install -m 0644 "$G/modules/$n" "$r/lib/modules/$n"; done
    cat >"$r/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
user:x:1000:1000:user:/home/user:/bin/sh
EOF
    cat >"$r/etc/group" <<'EOF'
root:x:0:
user:x:1000:
EOF
    printf '/bin/sh\n/bin/ash\n' >"$r/etc/shells"
    tmp=$G/initrd.gz.tmp
    {
        dev_cpio
        # every file root-owned except the non-root user's home
        (cd "$r" && find . -mindepth 1 ! -path ./dev ! -path './home/user*' | LC_ALL=C sort \
            | cpio -H newc -o -R 0:0 --quiet)
        (cd "$r" && find ./home/user | cpio -H newc -o -R 1000:1000 --quiet)
    } | gzip -9 >"$tmp" || { rm -f "$tmp"; die "packing the initramfs failed"; }
    mv "$tmp" "$G/initrd.gz"
    printf '%s\n' "$manifest" >"$G/initrd.list"
    rm -rf "$r"
    did=1
fi

if [ $did = 0 ]; then
    say "up to date ($G)"
else
    say "ready: $G/vmlinuz ($(cat "$G/kernel-version" 2>/dev/null || echo '?')), $G/initrd.gz ($(du -k "$G/initrd.gz" | cut -f1) KB)"
fi
