#!/usr/bin/env bash
# Benchmark: the disk views on a write-heavy guest workload, run by `make bench` (bench/run.sh).
# The bundled guest with a fresh 64 MiB ext4 disk (qtrace system --disk, mounted on /mnt) runs
# `diskio bench /mnt N`: N files of 256 KiB written in 4 KiB writes, each fsynced and removed; the
# program times itself (CLOCK_MONOTONIC in the guest, which follows the host's clock under TCG).
#   plain          qemu-system-x86_64, no plugin
#   kernel         qtrace system with no view (the kernel introspection every view stands on)
#   disk-trace     qtrace system --disk-trace
#   files-written  qtrace system --files-written DIR (every process)
# One round runs the three in turn; BENCH_REPS rounds (default 5); the ratio of each view is the
# median over the rounds of (its time / plain's time in the same round), for the workload alone,
# and the wall and CPU (user + system) time of the whole run (boot, workload, power-off; for
# qtrace also its checks and conversions). On a busy machine the CPU time is the steadier.
# Targets: disk-trace <= 1.05 x, files-written <= 1.25 x (the workload). Against "kernel" the
# ratios are those of the views' own hooks and records.
set -u
TOP=${QTRACE_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${QTRACE_BUILD:-$TOP/build}
CACHE=${QTRACE_CACHE:-$TOP/.cache}
. "$TOP/bench/lib.sh"
G=$CACHE/guest
REPS=${BENCH_REPS:-5}
NFILES=${BENCH_DISK_FILES:-120}
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
# appended to W_NAME, the whole run's wall and CPU seconds to A_NAME and C_NAME. A guest whose
# kernel panics in its IO-APIC timer check (TCG's ticks too slow on an overloaded host, before
# anything ran) is booted again, at most twice.
run() {
    local name=$1 w e u s try; shift
    for try in 1 2 3; do
        cp "$OUT/template.img" "$OUT/disk.img"
        /usr/bin/time -f '%e %U %S' -o "$OUT/$name.time" timeout 900 "$@" </dev/null >"$OUT/$name.raw" 2>&1
        tr -d '\r' <"$OUT/$name.raw" >"$OUT/$name.log"
        grep -q "IO-APIC + timer doesn't work" "$OUT/$name.log" || break
    done
    w=$(sed -n 's/^diskio: bench [0-9]* files of 256 KiB in \([0-9.]*\) s$/\1/p' "$OUT/$name.log")
    [ -n "$w" ] || { echo "disk bench: $name: diskio did not finish (see $OUT/$name.log)" >&2; exit 1; }
    read -r e u s <"$OUT/$name.time"
    eval "W_$name=\"\${W_$name:-} $w\"; A_$name=\"\${A_$name:-} $e\"; C_$name=\"\${C_$name:-} $(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')\""
}
for r in $(seq "$REPS"); do
    run plain "$QEMU" -accel tcg -display none -serial stdio -no-reboot -m 512 -kernel "$G/vmlinuz" \
        -initrd "$G/initrd.gz" -drive "format=raw,if=virtio,file=$OUT/disk.img" -append "console=ttyS0 quiet panic=-1 $APPEND"
    run kernel "$BUILD/qtrace" system --kernel "$G/vmlinuz" --initrd "$G/initrd.gz" --disk "$OUT/disk.img" \
        --append "$APPEND" -o "$OUT/kernel-trace" --format text
    run disk "$BUILD/qtrace" system --kernel "$G/vmlinuz" --initrd "$G/initrd.gz" --disk "$OUT/disk.img" \
        --append "$APPEND" --disk-trace -o "$OUT/disk-trace" --format text
    run files "$BUILD/qtrace" system --kernel "$G/vmlinuz" --initrd "$G/initrd.gz" --disk "$OUT/disk.img" \
        --append "$APPEND" --files-written "$OUT/files" -o "$OUT/files-trace" --format text
done
{
    echo "# the bundled guest, diskio bench /mnt $NFILES (write-heavy: $NFILES x 256 KiB, 4 KiB writes, fsync); $REPS rounds"
    echo "# times of each round; ratios: median over the rounds of time / plain's time in the same round"
    for c in plain kernel disk files; do
        eval "w=\$W_$c a=\$A_$c cpu=\$C_$c"
        printf '%s\n  workload_s %s\n  wall_s %s\n  cpu_s %s\n' "$c" "$w" "$a" "$cpu"
    done
    printf '%-14s %8s %8s %8s   %8s %8s %8s  %s\n' "" workload wall cpu workload wall cpu ""
    printf '%-14s %8s %8s %8s   %8s %8s %8s  %s\n' config "vs plain" "" "" "vs kernel" "" "" target
    for c in plain kernel disk files; do
        eval "w=\$W_$c a=\$A_$c cpu=\$C_$c"
        case $c in disk) n=disk-trace t="<= 1.05 (workload)" ;; files) n=files-written t="<= 1.25 (workload)" ;; *) n=$c t= ;; esac
        printf '%-14s %8s %8s %8s   %8s %8s %8s  %s\n' "$n" "$(median_ratio "$w" "$W_plain")" \
            "$(median_ratio "$a" "$A_plain")" "$(median_ratio "$cpu" "$C_plain")" "$(median_ratio "$w" "$W_kernel")" \
            "$(median_ratio "$a" "$A_kernel")" "$(median_ratio "$cpu" "$C_kernel")" "$t"
    done
} | tee "$TABLE"
