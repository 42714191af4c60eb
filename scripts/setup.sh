#!/usr/bin/env bash
# qtrace setup: installs and caches everything the build, the demo and the tests need.
# Idempotent: every step leaves a stamp in $CACHE and is skipped when its stamp exists.
# Usage: scripts/setup.sh [deps|header|qemu-user|all|fuzz]   (default: all; fuzz: only for make fuzz)
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${QTRACE_CACHE:-$TOP/.cache}
QEMU_VER=10.0.2
mkdir -p "$CACHE"

log() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo

# Packages from bookworm, and from bookworm-backports (QEMU 10.0 and a recent meson).
BASE_PKGS="build-essential pkg-config libglib2.0-dev libelf-dev libdw-dev zlib1g-dev
  ninja-build python3 python3-venv flex bison make xz-utils cpio gzip dpkg-dev
  busybox-static uftrace strace file binutils libc6-dev liblzma-dev libzstd-dev libbpf-dev libcapstone-dev
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross gcc-12-multilib tshark"
# the Debian guest (scripts/build-guest-debian.sh) and --sysroot as an ext4 image (libext2fs);
# ssh logs in to the guest in the tests
BASE_PKGS="$BASE_PKGS libext2fs-dev e2fsprogs debootstrap kmod openssh-client"
BPO_PKGS="qemu-system-x86 qemu-utils meson python3-pycotap"

missing_pkgs() {
    local p out=
    for p in "$@"; do
        [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" = "install ok installed" ] || out="$out $p"
    done
    echo "$out"
}

BPO_FILE=/etc/apt/sources.list.d/qtrace-bookworm-backports.sources
BPO_SOURCES='Types: deb deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg'

# Ensure our deb822 file for bookworm-backports (binary + source) exists. Returns 0 if it
# was (re)written, so the caller knows to run apt-get update.
add_backports() {
    if [ -f "$BPO_FILE" ] && [ "$(cat "$BPO_FILE")" = "$BPO_SOURCES" ]; then
        return 1
    fi
    log "adding bookworm-backports (deb, deb-src) as $BPO_FILE"
    printf '%s\n' "$BPO_SOURCES" | $SUDO tee "$BPO_FILE" >/dev/null
    return 0
}

apt_install() {
    # tshark asks whether non-root users may capture: no (the tests only read pcap files)
    echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" >"$CACHE/apt.log" 2>&1
}

step_deps() {
    local updated=0
    if add_backports; then
        $SUDO apt-get update -qq; touch "$CACHE/apt-updated.stamp"; updated=1
    fi
    [ -f "$CACHE/deps.stamp" ] && [ -z "$(missing_pkgs $BASE_PKGS $BPO_PKGS)" ] && return 0
    if [ $updated = 0 ] && [ ! -f "$CACHE/apt-updated.stamp" ]; then
        log "apt-get update"
        $SUDO apt-get update -qq
        touch "$CACHE/apt-updated.stamp"; updated=1
    fi
    local m
    m=$(missing_pkgs $BASE_PKGS)
    if [ -n "$m" ]; then
        log "installing from bookworm:$m"
        if ! apt_install $m; then
            # a stale package list is the usual cause: refresh once and retry
            if [ $updated = 1 ] || ! { $SUDO apt-get update -qq && apt_install $m; }; then
                die "apt-get install failed (see $CACHE/apt.log)"
            fi
        fi
    fi
    m=$(missing_pkgs $BPO_PKGS)
    if [ -n "$m" ]; then
        log "installing from bookworm-backports:$m"
        apt_install -t bookworm-backports $m || die "apt-get install -t bookworm-backports failed (see $CACHE/apt.log)"
    fi
    # (the output is read whole first: grep -q in a pipe under pipefail may kill QEMU with SIGPIPE)
    local ver
    ver=$(qemu-system-x86_64 --version 2>&1 || true)
    case "$ver" in
        *"version 10."*) ;;
        *) die "qemu-system-x86_64 is not QEMU 10 (got: ${ver%%$'\n'*})" ;;
    esac
    touch "$CACHE/deps.stamp"
}

# The QEMU 10.0 source tree (from Debian's source package): header, qemu-user, contrib plugins.
step_src() {
    [ -f "$CACHE/qemu-src.stamp" ] && return 0
    step_deps
    mkdir -p "$CACHE/dl"
    local tarball="$CACHE/dl/qemu_${QEMU_VER}+ds.orig.tar.xz" want
    # (awk reads all of apt-cache's output: an early exit would kill it with SIGPIPE under pipefail)
    want=$(apt-cache showsrc -t bookworm-backports qemu 2>/dev/null \
        | awk '/^Checksums-Sha256:/{f=1;next} /^[^ ]/{f=0} f && !done && $3 ~ /^qemu_'"$QEMU_VER"'\+ds\.orig\.tar\.xz$/ {print $1; done=1}')
    [ -n "$want" ] || die "apt does not know the QEMU $QEMU_VER source package: is a deb-src line for bookworm-backports present? (try: apt-get update)"
    if [ ! -f "$tarball" ] || [ "$(sha256sum "$tarball" | cut -d' ' -f1)" != "$want" ]; then
        log "downloading QEMU $QEMU_VER source (orig tarball, 40 MB) from bookworm-backports"
        # Only the orig tarball is needed; the registry may not serve the .dsc, so ignore its errors.
        (cd "$CACHE/dl" && apt-get source --download-only -t bookworm-backports qemu >apt-source.log 2>&1) || true
        [ -f "$tarball" ] || die "could not download $(basename "$tarball") (see $CACHE/dl/apt-source.log)"
        [ "$(sha256sum "$tarball" | cut -d' ' -f1)" = "$want" ] || die "$(basename "$tarball"): sha256 mismatch"
    fi
    log "unpacking $(basename "$tarball")"
    rm -rf "$CACHE/qemu-src" && mkdir -p "$CACHE/qemu-src"
    tar -xJf "$tarball" -C "$CACHE/qemu-src" --strip-components=1
    mkdir -p "$CACHE/include"
    cp "$CACHE/qemu-src/include/qemu/qemu-plugin.h" "$CACHE/include/"
    touch "$CACHE/qemu-src.stamp"
}

step_header() {
    [ -f "$CACHE/include/qemu-plugin.h" ] && [ -f "$CACHE/deps.stamp" ] && return 0
    step_src
}

# Plugin-enabled qemu-user (Debian's is static-pie without plugins) + QEMU's example plugins
# (baselines for tests and benchmarks; never shipped).
USER_TARGETS="x86_64-linux-user,aarch64-linux-user"
# The revision of the configure line below (--enable-capstone: execlog's disassembly;
# --disable-debug-info: a shorter build, nobody debugs these binaries). Change it with the line: a
# cached build with another revision is then rebuilt.
QEMU_BUILD_REV=3
step_qemu_user() {
    [ "$(cat "$CACHE/qemu-user.stamp" 2>/dev/null)" = "$QEMU_BUILD_REV" ] && return 0
    step_src
    local b="$CACHE/qemu-build"
    if [ -f "$b/build.ninja" ] && [ "$(cat "$b/qtrace-build-rev" 2>/dev/null)" != "$QEMU_BUILD_REV" ]; then
        log "the cached qemu-user build is configured differently: rebuilding it"
        rm -rf "$b"
    fi
    if [ ! -f "$b/build.ninja" ]; then
        log "configuring qemu-user ($USER_TARGETS) with plugins"
        rm -rf "$b" && mkdir -p "$b"
        (cd "$b" && "$CACHE/qemu-src/configure" --python=/usr/bin/python3 \
            --target-list="$USER_TARGETS" --enable-plugins --disable-docs --disable-system \
            --disable-tools --disable-install-blobs --enable-capstone --disable-debug-info >configure.log 2>&1) \
            || { tail -30 "$b/configure.log"; die "QEMU configure failed (log: $b/configure.log)"; }
        echo "$QEMU_BUILD_REV" >"$b/qtrace-build-rev"
    fi
    log "building qemu-x86_64, qemu-aarch64 and QEMU's contrib plugins (a few minutes, once)"
    (cd "$b" && ninja qemu-x86_64 qemu-aarch64 >build.log 2>&1) \
        || { tail -30 "$b/build.log"; die "QEMU build failed (log: $b/build.log)"; }
    (cd "$b" && ninja contrib/plugins/libexeclog.so contrib/plugins/libcflow.so tests/tcg/plugins/libempty.so >>build.log 2>&1) \
        || log "warning: QEMU contrib plugins did not build (benchmarks will skip them)"
    mkdir -p "$CACHE/bin"
    ln -sf "$b/qemu-x86_64" "$CACHE/bin/qemu-x86_64"
    ln -sf "$b/qemu-aarch64" "$CACHE/bin/qemu-aarch64"
    echo "$QEMU_BUILD_REV" >"$CACHE/qemu-user.stamp"
}

# make fuzz: clang 14 and its libFuzzer and sanitizer runtimes, from bookworm (not part of all)
FUZZ_PKGS="clang-14 libclang-rt-14-dev"
step_fuzz() {
    step_deps
    local m
    m=$(missing_pkgs $FUZZ_PKGS)
    [ -z "$m" ] && return 0
    log "installing for make fuzz:$m"
    apt_install $m || die "apt-get install$m failed (see $CACHE/apt.log)"
}

case "${1:-all}" in
    deps) step_deps ;;
    header) step_header ;;
    qemu-user) step_qemu_user ;;
    all) step_deps; step_header; step_qemu_user ;;
    fuzz) step_fuzz ;;
    *) die "unknown step '$1' (expected deps, header, qemu-user, all or fuzz)" ;;
esac
