#!/usr/bin/env bash
# Benchmark: shared libraries and PIE programs in a whole Linux guest (--sysroot).
# The guest program bench_dyn (bench.c as a dynamically linked PIE, with its libc) makes millions
# of calls and prints how long its loop took on the guest clock, so the boot is not in the ratio.
# Configurations, interleaved, each once per round, REPS rounds (BENCH_REPS, default 5); reported:
# the best time of each and the median of its per-round ratios to plain QEMU:
#   plain     qemu-system-x86_64, no plugin
#   maps      qtrace --sysroot, no program and no pattern: the processes' mappings are followed
#             (and the kernel read), nothing traced                               target <= 1.05
#   comm_all  qtrace --sysroot -p bench_dyn --comm bench_dyn: every function of the PIE program
#             and the library functions it imports, in that one process             target <= 2.50
#   all       the same without --comm (every process; for comparison)
set -u
TOP=${QTRACE_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${QTRACE_BUILD:-$TOP/build}
CACHE=${QTRACE_CACHE:-$TOP/.cache}
G=$CACHE/guest
SR=$G/sysroot
N=${BENCH_CALLS:-20000000} # about 0.5 s of loop under plain QEMU: shorter loops drown in this machine's noise
REPS=${BENCH_REPS:-5}
OUT=$BUILD/bench/libs
mkdir -p "$OUT"
QEMU=${QTRACE_QEMU_SYSTEM:-qemu-system-x86_64}
BOOT=(-accel tcg -nographic -no-reboot -m 512 -kernel "$G/vmlinuz" -initrd "$G/initrd.gz")
APPEND="console=ttyS0 quiet panic=-1 qtrace.run=bench_dyn qtrace.args=$N,time"
[ -s "$SR/progs/bench_dyn" ] || { echo "no $SR/progs/bench_dyn (run scripts/build-guest.sh)" >&2; exit 1; }

. "$TOP/bench/lib.sh"

QT=("$BUILD/qtrace" system --kernel "$G/vmlinuz" --initrd "$G/initrd.gz" --append "qtrace.run=bench_dyn qtrace.args=$N,time"
    --sysroot "$SR" -q)
for r in $(seq "$REPS"); do  # interleaved, so that machine noise hits every configuration alike
    guest_run plain "$QEMU" "${BOOT[@]}" -append "$APPEND" || exit 1
    guest_run maps "${QT[@]}" --format text -o "$OUT/maps-trace" || exit 1
    guest_run comm_all "${QT[@]}" -p "$SR/progs/bench_dyn" --comm bench_dyn --format folded -o "$OUT/comm_all-trace" || exit 1
    guest_run all "${QT[@]}" -p "$SR/progs/bench_dyn" --format folded -o "$OUT/all-trace" || exit 1
done

ratio() { awk "BEGIN{printf \"%.2f\", $1 / $2}"; }
{
    echo "# system mode, guest program bench_dyn (dynamic PIE, --sysroot): $N iterations, 3 calls each; $REPS rounds"
    echo "# best: best loop_ms and its ratio to plain's best; paired: median of the per-round ratios"
    printf '%-9s %12s %8s %8s  %s\n' config best_ms best× paired× target
    printf '%-9s %12s %8s %8s  %s\n' plain "${BEST[plain]}" 1.00 1.00 ""
    printf '%-9s %12s %8s %8s  %s\n' maps "${BEST[maps]}" "$(ratio "${BEST[maps]}" "${BEST[plain]}")" "$(guest_paired maps)" "<= 1.05"
    printf '%-9s %12s %8s %8s  %s\n' comm_all "${BEST[comm_all]}" "$(ratio "${BEST[comm_all]}" "${BEST[plain]}")" \
        "$(guest_paired comm_all)" "<= 2.50"
    printf '%-9s %12s %8s %8s  %s\n' all "${BEST[all]}" "$(ratio "${BEST[all]}" "${BEST[plain]}")" "$(guest_paired all)" ""
} | tee "$BUILD/bench/libs.txt"
