#!/usr/bin/env bash
# Benchmark: function tracing in a whole Linux guest.
# The guest program `bench` makes millions of calls and prints how long its loop took
# (guest clock, which under TCG follows host time), so the guest's boot is not in the ratio.
# Configurations, interleaved, each once per round, REPS rounds (BENCH_REPS, default 5); reported:
# the best time of each and the median of its per-round ratios to plain QEMU:
#   plain        qemu-system-x86_64, no plugin
#   named        qtrace, two named functions (called every 1024 iterations) with arguments and return values
#   all          qtrace, every function of the program, no arguments
#   cflow        QEMU's contrib libcflow.so (for scale, if it was built)
set -u
TOP=${QTRACE_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${QTRACE_BUILD:-$TOP/build}
CACHE=${QTRACE_CACHE:-$TOP/.cache}
G=$CACHE/guest
N=${BENCH_CALLS:-3000000}
REPS=${BENCH_REPS:-5}
OUT=$BUILD/bench/system_calls
mkdir -p "$OUT"
QEMU=${QTRACE_QEMU_SYSTEM:-qemu-system-x86_64}
BOOT=(-accel tcg -nographic -no-reboot -m 512 -kernel "$G/vmlinuz" -initrd "$G/initrd.gz")
APPEND="console=ttyS0 quiet panic=-1 qtrace.run=bench qtrace.args=$N,time"

. "$TOP/bench/lib.sh"

CFLOW=$CACHE/qemu-build/contrib/plugins/libcflow.so
QT=("$BUILD/qtrace" system --kernel "$G/vmlinuz" --initrd "$G/initrd.gz" --append "qtrace.run=bench qtrace.args=$N,time"
    -p "$G/progs/bench")
for r in $(seq "$REPS"); do  # interleaved, so that machine noise hits every configuration alike
    guest_run plain "$QEMU" "${BOOT[@]}" -append "$APPEND" || exit 1
    guest_run named "${QT[@]}" -A 'bench_report@arg1/i,arg2/s' -R 'bench_report@retval/i32' \
        -A 'bench_checkpoint@arg1/x' -R 'bench_checkpoint@retval/x' --format text -o "$OUT/named-trace" || exit 1
    guest_run all "${QT[@]}" --format folded -o "$OUT/all-trace" || exit 1
    [ -f "$CFLOW" ] && guest_run cflow "$QEMU" "${BOOT[@]}" -append "$APPEND" -plugin "$CFLOW"
done
T_plain=${BEST[plain]} T_named=${BEST[named]} T_all=${BEST[all]} T_cflow=${BEST[cflow]:-}
have_cflow=0
[ -n "$T_cflow" ] && have_cflow=1

ratio() { awk "BEGIN{printf \"%.2f\", $1 / $2}"; }
{
    echo "# system mode, guest program bench: $N iterations, 3 calls each; $REPS rounds"
    echo "# best: best loop_ms and its ratio to plain's best; paired: median of the per-round ratios"
    printf '%-8s %12s %8s %8s  %s\n' config best_ms best× paired× target
    printf '%-8s %12s %8s %8s  %s\n' plain "$T_plain" 1.00 1.00 ""
    printf '%-8s %12s %8s %8s  %s\n' named "$T_named" "$(ratio "$T_named" "$T_plain")" "$(guest_paired named)" "<= 1.10"
    printf '%-8s %12s %8s %8s  %s\n' all "$T_all" "$(ratio "$T_all" "$T_plain")" "$(guest_paired all)" "<= 3"
    [ $have_cflow = 1 ] && printf '%-8s %12s %8s %8s  %s\n' cflow "$T_cflow" "$(ratio "$T_cflow" "$T_plain")" "$(guest_paired cflow)" "(QEMU contrib, for scale)"
} | tee "$BUILD/bench/system_calls.txt"
