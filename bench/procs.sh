#!/usr/bin/env bash
# Benchmark: --processes (qtrace ps's instruction counts per task and uid changes) against plain
# QEMU, on the guest's shell workload: the boot, procs (guest/progs/procs.c: a shell pipeline, exit
# codes, a signal, su, a loop of 3 M iterations), power off. The whole run is measured, QEMU only
# (no CLI, no conversion), wall and CPU time (user + system):
#   plain      qemu-system-x86_64, no plugin
#   timeline   libqtrace.so with the kernel read (kernel=): the fork/exec/exit timeline, what
#              qtrace system records without options
#   processes  the same with processes=on: an inline add in every block, a record per task switch
# The three alternate, BENCH_REPS rounds (default 3). Reported: the best time of each and its
# ratio to plain's best, and the median over the rounds of the ratio to plain in the same round
# (paired, the steadier figure on a busy machine). The timeline's own cost (reading the kernel
# image: decompressing it and its BTF, while the firmware runs) is paid by every qtrace system run;
# what --processes adds is processes against timeline. Target: processes <= 1.10 x timeline
# (paired CPU time).
set -u
TOP=${QTRACE_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${QTRACE_BUILD:-$TOP/build}
CACHE=${QTRACE_CACHE:-$TOP/.cache}
. "$TOP/bench/lib.sh"
G=$CACHE/guest
REPS=${BENCH_REPS:-3}
OUT=$BUILD/bench/procs
mkdir -p "$OUT"
QEMU=${QTRACE_QEMU_SYSTEM:-qemu-system-x86_64}
BOOT=(-accel tcg -nographic -no-reboot -m 512 -kernel "$G/vmlinuz" -initrd "$G/initrd.gz"
      -append "console=ttyS0 quiet panic=-1 qtrace.run=procs")
PLUGIN=$BUILD/libqtrace.so,kernel=$G/vmlinuz,kernel_async=on
[ -s "$G/progs/procs" ] || { echo "bench procs: no progs/procs in the guest (scripts/build-guest.sh)" >&2; exit 1; }

for r in $(seq "$REPS"); do
    timed_run plain "$r" procs "$QEMU" "${BOOT[@]}" || exit 1
    timed_run timeline "$r" procs "$QEMU" "${BOOT[@]}" -plugin "$PLUGIN,out=$OUT/timeline.qtr" || exit 1
    timed_run processes "$r" procs "$QEMU" "${BOOT[@]}" -plugin "$PLUGIN,processes=on,out=$OUT/processes.qtr" || exit 1
done
"$BUILD/qtrace" ps "$OUT/processes.qtr" >"$OUT/ps.txt" 2>&1 || { echo "bench procs: qtrace ps failed" >&2; exit 1; }
best() { tr ' ' '\n' <<<"$1" | grep . | sort -g | head -1; }
ratio() { awk "BEGIN{printf \"%.2f\", $1 / $2}"; }
{
    echo "# system mode, guest boot + procs; $REPS rounds, alternating; $(grep -c . "$OUT/ps.txt") lines of qtrace ps"
    printf '%-10s %8s %6s %7s %8s %6s %7s  %s\n' config wall_s best paired cpu_s best paired target
    for c in plain timeline processes; do
        eval "w=\$W_$c; cc=\$C_$c"
        bw=$(best "$w") bc=$(best "$cc")
        printf '%-10s %8s %6s %7s %8s %6s %7s  %s\n' "$c" "$bw" "$(ratio "$bw" "$(best "$W_plain")")" \
            "$(median_ratio "$w" "$W_plain")" "$bc" "$(ratio "$bc" "$(best "$C_plain")")" \
            "$(median_ratio "$cc" "$C_plain")" ""
    done
    printf '%-10s %8s %6s %7s %8s %6s %7s  %s\n' "p/timeline" "" "$(ratio "$(best "$W_processes")" "$(best "$W_timeline")")" \
        "$(median_ratio "$W_processes" "$W_timeline")" "" "$(ratio "$(best "$C_processes")" "$(best "$C_timeline")")" \
        "$(median_ratio "$C_processes" "$C_timeline")" "paired cpu <= 1.10"
    echo "# (last row: --processes against the timeline alone, what --processes adds)"
} | tee "$BUILD/bench/procs.txt"
