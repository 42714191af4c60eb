#!/usr/bin/env bash
# Benchmark: the disk views on a write-heavy guest workload, run by `make bench` (bench/run.sh).
# The bundled guest with a fresh 64 MiB ext4 disk (qtrace system --disk, mounted on /mnt) runs
# `diskio bench /mnt N`: N files of 256 KiB written in 4 KiB writes, each fsynced and removed; the
# program times itself (CLOCK_MONOTONIC in the guest, which follows the host's clock under TCG).
#   plain          qemu-system-x86_64, no plugin
#   disk-trace     qtrace system --disk-trace
#   files-written  qtrace system --files-written DIR (every process)
# One round runs the three in turn; BENCH_REPS rounds (default 3); the ratio of each view is the
# median over the rounds of (its time / plain's time in the same round), for the workload alone
# and for the whole run (boot, workload, power-off; for qtrace also its checks and conversions).
# Targets: disk-trace <= 1.05 x, files-written <= 1.25 x (the workload).
set -u
TOP=${QTRACE_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${QTRACE_BUILD:-$TOP/build}
CACHE=${QTRACE_CACHE:-$TOP/.cache}
. "$TOP/bench/lib.sh"
G=$CACHE/guest
REPS=${BENCH_REPS:-3}
NFILES=${BENCH_DISK_FILES:-40}
OUT=$BUILD/bench/disk
TABLE=$BUILD/bench/disk.txt
mkdir -p "$OUT"
QEMU=${QTRACE_QEMU_SYSTEM:-qemu-system-x86_64}
APPEND="qtrace.disk=1 qtrace.run=diskio qtrace.args=bench,/mnt,$NFILES"
command -v mke2fs >/dev/null || { echo "disk bench: mke2fs not found (package e2fsprogs)" >&2; exit 1; }
[ -s "$G/progs/diskio" ] || { echo "disk bench: the bundled guest has no diskio (scripts/build-guest.sh)" >&2; exit 1; }
mkdir -p "$OUT/root"
rm -f "$OUT/template.img"
truncate -s 64M "$OUT/template.img" && mke2fs -q -t ext4 -d "$OUT/root" "$OUT/template.img" || exit 1

# run NAME COMMAND...: on a fresh copy of the image; the workload's seconds (as diskio says) are
# appended to W_NAME, the whole run's wall seconds to A_NAME
run() {
    local name=$1 t0 t1 w; shift
    cp "$OUT/template.img" "$OUT/disk.img"
    t0=$(date +%s.%N)
    timeout 900 "$@" </dev/null 2>&1 | tr -d '\r' >"$OUT/$name.log"
    t1=$(date +%s.%N)
    w=$(sed -n 's/^diskio: bench [0-9]* files of 256 KiB in \([0-9.]*\) s$/\1/p' "$OUT/$name.log")
    [ -n "$w" ] || { echo "disk bench: $name: diskio did not finish (see $OUT/$name.log)" >&2; exit 1; }
    eval "W_$name=\"\${W_$name:-} $w\"; A_$name=\"\${A_$name:-} $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')\""
}
for r in $(seq "$REPS"); do
    run plain "$QEMU" -accel tcg -display none -serial stdio -no-reboot -m 512 -kernel "$G/vmlinuz" \
        -initrd "$G/initrd.gz" -drive "format=raw,if=virtio,file=$OUT/disk.img" -append "console=ttyS0 quiet panic=-1 $APPEND"
    run disk "$BUILD/qtrace" system --kernel "$G/vmlinuz" --initrd "$G/initrd.gz" --disk "$OUT/disk.img" \
        --append "$APPEND" --disk-trace -o "$OUT/disk-trace" --format text
    run files "$BUILD/qtrace" system --kernel "$G/vmlinuz" --initrd "$G/initrd.gz" --disk "$OUT/disk.img" \
        --append "$APPEND" --files-written "$OUT/files" -o "$OUT/files-trace" --format text
done
{
    echo "# the bundled guest, diskio bench /mnt $NFILES (write-heavy: $NFILES x 256 KiB, 4 KiB writes, fsync); $REPS rounds"
    echo "# median over the rounds of time / plain's time in the same round"
    printf '%-14s %24s %8s %24s %8s  %s\n' config workload_s ratio whole_run_s ratio target
    printf '%-14s %24s %8s %24s %8s  %s\n' plain "$W_plain" 1.00 "$A_plain" 1.00 ""
    printf '%-14s %24s %8s %24s %8s  %s\n' disk-trace "$W_disk" "$(median_ratio "$W_disk" "$W_plain")" "$A_disk" \
        "$(median_ratio "$A_disk" "$A_plain")" "<= 1.05 (workload)"
    printf '%-14s %24s %8s %24s %8s  %s\n' files-written "$W_files" "$(median_ratio "$W_files" "$W_plain")" "$A_files" \
        "$(median_ratio "$A_files" "$A_plain")" "<= 1.25 (workload)"
} | tee "$TABLE"
