#!/usr/bin/env bash
# Builds the 32-bit test guest of tests/e2e/cases/07*_compat32_*.sh into $QTRACE_CACHE/guest32 (default
# .cache/guest32), like QEMU-TRACER's busybox guest (seed 000): a 32-bit kernel and 32-bit static
# programs, booted with qemu-system-i386. Writes nothing in the repository; changes nothing on
# the machine (no foreign dpkg architecture, nothing installed). Idempotent.
#
#   vmlinuz, config   Debian bookworm's linux-image-686 kernel (the linux-image-6.1.0-NN-686 package
#                     it depends on): apt-get download with a private i386 package list in
#                     guest32/apt (removed afterwards), only ./boot unpacked (dpkg-deb | tar)
#   init              tests/compat/init32.c, gcc -m32 -static (no 32-bit busybox needed)
#   progs/calls       guest/progs/calls.c, gcc -m32 -static, flags as scripts/build-guest.sh's
#   progs/lmap_dyn    guest/progs/lmap_dyn.c, gcc -m32 -pie: a dynamically linked PIE (the link map
#                     walk's oracle), with this machine's 32-bit loader and libc (libc6-i386) in the
#                     guest's /lib
#   initrd.gz         init + progs/ + lib/, cpio newc, gzip -9
#
# Needs gcc -m32 (Debian: gcc-multilib), cpio, gzip, dpkg-deb, apt-get.
# Usage: tests/compat/build-guest32.sh
set -euo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${QTRACE_CACHE:-$TOP/.cache}
G=$CACHE/guest32
SELF=$TOP/tests/compat/build-guest32.sh
# -idirafter: Debian's libc6-dev-i386 has no <asm/...> for -m32 (gcc-multilib's /usr/include/asm
# link would give it, but gcc-multilib conflicts with the aarch64 cross compiler); the x86 asm
# headers serve both word sizes.
CFLAGS32=(-m32 -static -no-pie -O1 -g -fno-inline -fno-optimize-sibling-calls -fno-omit-frame-pointer -pthread
          -std=gnu11 -Wall -Wextra -idirafter /usr/include/x86_64-linux-gnu)

CFLAGS32_DYN=(-m32 -pie -fPIE "${CFLAGS32[@]:3}")
# the 32-bit dynamic loader and C library a dynamically linked program needs (libc6-i386)
LD32=/lib32/ld-linux.so.2 LIBC32=/usr/lib32/libc.so.6
die() { printf 'build-guest32: error: %s\n' "$*" >&2; exit 1; }
say() { printf 'guest32: %s\n' "$*"; }
newer_than() {
    local out=$1 in; shift
    [ -e "$out" ] || return 0
    for in in "$@"; do [ "$in" -nt "$out" ] && return 0; done
    return 1
}
for t in gcc cpio gzip dpkg-deb apt-get apt-cache tar; do
    command -v "$t" >/dev/null || die "$t not found"
done
mkdir -p "$G/progs"
exec 9>"$G/.lock"
flock 9 || die "cannot lock $G/.lock"
did=0

# ---- kernel ---------------------------------------------------------------------------------
if [ ! -s "$G/vmlinuz" ]; then
    A=$G/apt
    rm -rf "$A" && mkdir -p "$A/lists/partial" "$A/cache/archives/partial" "$A/dl"
    apt386=(-q -o "Dir::State::Lists=$A/lists" -o "Dir::Cache=$A/cache" -o APT::Architecture=i386
            -o APT::Architectures::=i386)
    [ "$(id -u)" = 0 ] && apt386+=(-o APT::Sandbox::User=root)
    say "i386 package lists (private, in $A)"
    # a mirror in sync for one suite is enough: errors of the others are not fatal
    apt-get "${apt386[@]}" update >"$A/update.log" 2>&1 || true
    pkg=$(apt-cache "${apt386[@]}" depends linux-image-686 2>/dev/null |
          awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9].*-686$/ {if (!done) print $2; done=1}')
    [ -n "$pkg" ] || { cat "$A/update.log" >&2; die "no i386 package list names linux-image-686's kernel"; }
    say "downloading kernel package $pkg (i386, not installed)"
    (cd "$A/dl" && apt-get "${apt386[@]}" download "$pkg" >"$A/download.log" 2>&1) ||
        { cat "$A/download.log" >&2; die "apt-get download $pkg failed"; }
    deb=$(ls "$A/dl/${pkg}"_*.deb 2>/dev/null | head -1)
    [ -n "$deb" ] || die "apt-get download $pkg produced no .deb"
    say "unpacking ./boot of $(basename "$deb")"
    (cd "$A" && dpkg-deb --fsys-tarfile "$deb" | tar -x ./boot) || die "cannot unpack $(basename "$deb")"
    vml=$(ls "$A"/boot/vmlinuz-* 2>/dev/null | head -1)
    cfg=$(ls "$A"/boot/config-* 2>/dev/null | head -1)
    [ -n "$vml" ] || die "$(basename "$deb") has no boot/vmlinuz-*"
    [ -n "$cfg" ] && cp "$cfg" "$G/config"
    basename "$vml" | sed 's/^vmlinuz-//' >"$G/kernel-version"
    cp "$vml" "$G/vmlinuz.tmp" && mv "$G/vmlinuz.tmp" "$G/vmlinuz"
    rm -rf "$A" # package lists, the .deb and the unpacked files are not needed any more
    did=1
fi

# ---- programs --------------------------------------------------------------------------------
build() { # OUT SRC [FLAGS...]: FLAGS default to CFLAGS32
    local out=$1 src=$2; shift 2
    local flags=("$@")
    [ ${#flags[@]} -gt 0 ] || flags=("${CFLAGS32[@]}")
    set -- "$out" "$src"
    if newer_than "$1" "$2" "$SELF"; then
        say "cc -m32 ${1#"$G"/}"
        gcc "${flags[@]}" -o "$1.tmp" "$2" 2>"$G/cc.log" ||
            { cat "$G/cc.log" >&2; rm -f "$1.tmp"; die "gcc -m32 failed for $2 (32-bit C library missing? Debian: apt-get install gcc-multilib)"; }
        mv "$1.tmp" "$1"
        did=1
    fi
}
build "$G/init" "$TOP/tests/compat/init32.c"
build "$G/progs/calls" "$TOP/guest/progs/calls.c"
for f in "$LD32" "$LIBC32"; do
    [ -e "$f" ] || die "$f not found: the 32-bit C library for progs/lmap_dyn (Debian: gcc-12-multilib brings libc6-i386)"
done
build "$G/progs/lmap_dyn" "$TOP/guest/progs/lmap_dyn.c" "${CFLAGS32_DYN[@]}"

# ---- initramfs -------------------------------------------------------------------------------
if newer_than "$G/initrd.gz" "$G/init" "$G/progs/calls" "$G/progs/lmap_dyn" "$LD32" "$LIBC32" "$SELF"; then
    say "initrd.gz"
    R=$G/root
    rm -rf "$R" && mkdir -p "$R/dev" "$R/proc" "$R/sys" "$R/progs" "$R/lib"
    cp "$G/init" "$R/init"
    cp "$G/progs/calls" "$G/progs/lmap_dyn" "$R/progs/"
    cp -L "$LD32" "$R/lib/ld-linux.so.2"     # the program's PT_INTERP
    cp -L "$LIBC32" "$R/lib/libc.so.6"       # /lib is on the i386 loader's default path
    (cd "$R" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet | gzip -9 >"$G/initrd.gz.tmp") ||
        die "cpio failed"
    mv "$G/initrd.gz.tmp" "$G/initrd.gz"
    rm -rf "$R"
    did=1
fi
[ "$did" = 1 ] || say "up to date ($(cat "$G/kernel-version" 2>/dev/null))"
