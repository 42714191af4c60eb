#!/usr/bin/env bash
# Record/replay benchmark: the whole run of the bundled guest (boot, demo program, power-off),
# wall-clock seconds per configuration; configurations interleaved, each once per round, REPS
# rounds (BENCH_REPS, default 3). Reported: the best time of each, the median of its per-round
# ratios (paired) to plain QEMU and to -icount alone, the log's bytes per 1000 instructions,
# beside seed 002's figures.
# The kernel is the bundled guest's vmlinux (BENCH_RR_KERNEL=.cache/guest/vmlinuz for the bzImage):
# what docs/record-replay.md advises recording, booted through PVH.
#   plain        qemu-system-x86_64, no plugin, the devices and machine options qtrace record uses
#                (-net none, the kvmvapic device off)
#   icount       the same with -icount shift=SHIFT (what record/replay builds on; BENCH_RR_SHIFT,
#                default 5 as qtrace record's --icount-shift)
#   record       qtrace record (--host-cpu idle, the default: QEMU on one host CPU when the host is idle)
#   record-any   qtrace record --host-cpu none (QEMU's threads on any CPU)
#   replay       qtrace replay, no trace options (the plugin loaded, nothing selected)
#   replay-1cpu  qtrace replay --host-cpu auto
#   replay-trace qtrace replay --comm demo --syscalls
set -u
TOP=${QTRACE_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${QTRACE_BUILD:-$TOP/build}
CACHE=${QTRACE_CACHE:-$TOP/.cache}
G=$CACHE/guest
KERNEL=${BENCH_RR_KERNEL:-$G/vmlinux}
REPS=${BENCH_REPS:-3}
SHIFT=${BENCH_RR_SHIFT:-5}
OUT=$BUILD/bench/record_replay
rm -rf "$OUT"
mkdir -p "$OUT"
QEMU=${QTRACE_QEMU_SYSTEM:-qemu-system-x86_64}
APPEND="console=ttyS0 quiet panic=-1 qtrace.run=demo"
BOOT=(-accel tcg -display none -serial stdio -no-reboot -m 512 -smp 1 -kernel "$KERNEL" -initrd "$G/initrd.gz"
      -append "$APPEND" -net none -global apic-common.vapic=off)
. "$TOP/bench/lib.sh"

declare -A BEST ALL
run_cfg() { # name, command...: wall-clock seconds of one run
    local name=$1; shift
    local t0 t1 s
    t0=$(date +%s.%N)
    timeout 900 "$@" >"$OUT/$name.log" 2>&1 </dev/null || { echo "  $name failed (see $OUT/$name.log)" >&2; return 1; }
    t1=$(date +%s.%N)
    grep -q 'QTRACE-GUEST: exit demo status 0' "$OUT/$name.log" || { echo "  $name: demo did not run" >&2; return 1; }
    s=$(awk "BEGIN{printf \"%.2f\", $t1 - $t0}")
    if [ -z "${BEST[$name]:-}" ] || awk "BEGIN{exit !($s < ${BEST[$name]})}"; then BEST[$name]=$s; fi
    ALL[$name]="${ALL[$name]:-} $s"
}
for r in $(seq "$REPS"); do
    run_cfg plain "$QEMU" "${BOOT[@]}" || exit 1
    run_cfg icount "$QEMU" "${BOOT[@]}" -icount "shift=$SHIFT" || exit 1
    rm -rf "$OUT/rec"
    run_cfg record "$BUILD/qtrace" record --kernel "$KERNEL" --initrd "$G/initrd.gz" --append qtrace.run=demo \
        --icount-shift "$SHIFT" -o "$OUT/rec" || exit 1
    rm -rf "$OUT/rec1"
    run_cfg record-any "$BUILD/qtrace" record --kernel "$KERNEL" --initrd "$G/initrd.gz" --append qtrace.run=demo \
        --icount-shift "$SHIFT" --host-cpu none -o "$OUT/rec1" || exit 1
    run_cfg replay "$BUILD/qtrace" replay "$OUT/rec" -o "$OUT/replay" || exit 1
    run_cfg replay-1cpu "$BUILD/qtrace" replay "$OUT/rec" --host-cpu auto -o "$OUT/replay-1cpu" || exit 1
    run_cfg replay-trace "$BUILD/qtrace" replay "$OUT/rec" --comm demo --syscalls -o "$OUT/replay-trace" || exit 1
done
insns=$(sed -n 's/^instructions=//p' "$OUT/rec/manifest")
logb=$(stat -c %s "$OUT/rec/replay.bin")
bpk=$(awk "BEGIN{printf \"%.1f\", 1000 * $logb / $insns}")
vs() { median_ratio "${ALL[$1]}" "${ALL[$2]}"; }
ratio() { awk "BEGIN{printf \"%.2f\", $1 / $2}"; }
{
    echo "# bundled guest ($(basename "$KERNEL")), demo program: whole run (boot, program, power-off), wall-clock seconds; $REPS rounds"
    echo "# best: best time; paired: median of the per-round ratios"
    printf '%-13s %8s %10s %10s %12s  %s\n' config best_s "vs plain" "vs icount" "vs replay" "target"
    printf '%-13s %8s %10s %10s %12s  %s\n' plain "${BEST[plain]}" 1.00 "" "" ""
    printf '%-13s %8s %10s %10s %12s  %s\n' icount "${BEST[icount]}" "$(vs icount plain)" 1.00 "" ""
    printf '%-13s %8s %10s %10s %12s  %s\n' record "${BEST[record]}" "$(vs record plain)" "$(vs record icount)" "" "<= 1.30 vs icount (seed 002: +14-41 %)"
    printf '%-13s %8s %10s %10s %12s  %s\n' record-any "${BEST[record-any]}" "$(vs record-any plain)" "$(vs record-any icount)" "" "<= 1.30 vs icount"
    printf '%-13s %8s %10s %10s %12s  %s\n' replay "${BEST[replay]}" "$(vs replay plain)" "$(vs replay icount)" 1.00 "(seed 002: +136-191 %)"
    printf '%-13s %8s %10s %10s %12s  %s\n' replay-1cpu "${BEST[replay-1cpu]}" "$(vs replay-1cpu plain)" "$(vs replay-1cpu icount)" "$(vs replay-1cpu replay)" ""
    printf '%-13s %8s %10s %10s %12s  %s\n' replay-trace "${BEST[replay-trace]}" "$(vs replay-trace plain)" "$(vs replay-trace icount)" "$(vs replay-trace replay)" "<= 1.50 vs replay"
    echo "# log: $logb bytes for $insns instructions = $bpk bytes per 1000 instructions (target <= 25; seed 002: 2.3-75.4)"
} | tee "$BUILD/bench/record_replay.txt"
