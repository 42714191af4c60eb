#!/usr/bin/env bash
# Benchmark: the Debian guest (qtrace system --guest debian): its boot from the ext4 disk to our
# init, sshd started, the PIE test program calls run, power off; the whole run measured (wall,
# and CPU time of all its processes).
#   plain    qemu-system-x86_64 with the same kernel, initrd, disk and devices, no plugin
#   sshd     qtrace system --guest debian --comm sshd --syscalls (sshd's start-up system calls)
#   calls    qtrace system --guest debian -p /usr/local/bin/calls (every function of the PIE,
#            read from the image)
#   libc     qtrace system --guest debian --sysroot disk.img --comm calls --syscalls -P 'lib:libc.so.6'
#            (every libc function and system call of that process, libraries read from the image)
# Paired rounds (BENCH_REPS, default 3): each round runs them one after the other, and the
# ratio is the median over the rounds of each round's own ratio (bench/lib.sh).
set -u
TOP=${QTRACE_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${QTRACE_BUILD:-$TOP/build}
CACHE=${QTRACE_CACHE:-$TOP/.cache}
. "$TOP/bench/lib.sh"
REPS=${BENCH_REPS:-3}
OUT=$BUILD/bench/debian_boot
mkdir -p "$OUT"
QEMU=${QTRACE_QEMU_SYSTEM:-qemu-system-x86_64}
debian_guest debian_boot calls
PLAIN=("${DEBIAN[@]}")

# timed_run, once more after the IO-APIC timer panic of an overloaded host (as the e2e boots do)
timed_run_again() {
    timed_run "$@" 2>/dev/null && return 0
    grep -q "IO-APIC + timer doesn't work" "$OUT/$1.$2.log" || { echo "  $1: the guest did not run $3 to the end (see $OUT/$1.$2.log)" >&2; return 1; }
    timed_run "$@"
}
for r in $(seq "$REPS"); do
    timed_run_again plain "$r" calls "$QEMU" "${PLAIN[@]}" || exit 1
    timed_run_again sshd "$r" calls "$BUILD/qtrace" system --guest debian --append qtrace.run=calls --comm sshd --syscalls \
        --format text -o "$OUT/sshd" || exit 1
    timed_run_again calls "$r" calls "$BUILD/qtrace" system --guest debian --append qtrace.run=calls -p /usr/local/bin/calls \
        --format text -o "$OUT/calls" || exit 1
    timed_run_again libc "$r" calls "$BUILD/qtrace" system --guest debian --append qtrace.run=calls --sysroot "$GD/disk.img" \
        --comm calls --syscalls -P 'lib:libc.so.6' --format text -o "$OUT/libc" || exit 1
done
{
    echo "# Debian guest: boot from disk, sshd, calls, power off; $REPS paired rounds (median of per-round ratios)"
    printf '%-6s %-28s %6s %-28s %6s\n' config "wall_s" ratio "cpu_s" ratio
    for n in plain sshd calls libc; do
        eval "w=\$W_$n c=\$C_$n"
        printf '%-6s %-28s %6s %-28s %6s\n' "$n" "${w# }" "$(median_ratio "$w" "$W_plain")" "${c# }" "$(median_ratio "$c" "$C_plain")"
    done
} | tee "$BUILD/bench/debian_boot.txt"
