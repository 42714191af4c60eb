#!/usr/bin/env bash
# Issue 3 benchmark: qtrace run (user mode) on a call-heavy program, side by side in one run.
#   plain      qemu-x86_64, no plugin
#   all        qtrace run, every function of the program, no arguments
#   named      qtrace run, two named functions with arguments and return values
#   empty      QEMU's own empty plugin (tests/tcg/plugins/libempty.so): what loading any plugin costs
#   cflow      QEMU's contrib libcflow.so (for scale)
#   uftrace    native uftrace record of the same program built with -pg, vs native (for scale)
# The program (guest/progs/bench.c) times its own loop; best of REPS runs each.
set -u
TOP=${QTRACE_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${QTRACE_BUILD:-$TOP/build}
CACHE=${QTRACE_CACHE:-$TOP/.cache}
N=${BENCH_CALLS:-3000000}
REPS=${BENCH_REPS:-3}
OUT=$BUILD/bench/user_calls
mkdir -p "$OUT"
QEMU=$CACHE/bin/qemu-x86_64
CFLAGS_B="-O1 -g -fno-inline -fno-optimize-sibling-calls -fno-omit-frame-pointer"
gcc $CFLAGS_B -static -no-pie -o "$OUT/bench" "$TOP/guest/progs/bench.c" || exit 1
gcc $CFLAGS_B -pg -o "$OUT/bench-pg" "$TOP/guest/progs/bench.c" || exit 1

loop_ms() { sed -n 's/^bench: loop_ms=\([0-9.]*\)$/\1/p' "$1" | tail -1; }
declare -A BEST
run_cfg() { # name command...
    local name=$1; shift
    local log=$OUT/$name.log ms
    "$@" >"$log" 2>&1 </dev/null
    ms=$(loop_ms "$log")
    [ -n "$ms" ] || { echo "  $name: no result (see $log)" >&2; return 1; }
    if [ -z "${BEST[$name]:-}" ] || awk "BEGIN{exit !($ms < ${BEST[$name]})}"; then BEST[$name]=$ms; fi
    rm -rf "$OUT"/all/trace.qtr "$OUT"/named/trace.qtr "$OUT"/named/trace.txt "$OUT"/uftrace.data  # disk: keep only the logs
}
CFLOW=$CACHE/qemu-build/contrib/plugins/libcflow.so
EMPTY=$CACHE/qemu-build/tests/tcg/plugins/libempty.so
[ -f "$EMPTY" ] || (cd "$CACHE/qemu-build" && ninja tests/tcg/plugins/libempty.so >/dev/null 2>&1) || true
for r in $(seq "$REPS"); do   # interleaved, so that machine noise hits every configuration alike
    run_cfg plain "$QEMU" "$OUT/bench" "$N" time || exit 1
    run_cfg all "$BUILD/qtrace" run --format folded -o "$OUT/all" -- "$OUT/bench" "$N" time || exit 1
    run_cfg named "$BUILD/qtrace" run -q --format text -o "$OUT/named" \
        -A 'bench_report@arg1/i,arg2/s' -R 'bench_report@retval/i32' -A 'bench_checkpoint@arg1/x' -R 'bench_checkpoint@retval/x' \
        -- "$OUT/bench" "$N" time || exit 1
    [ -f "$EMPTY" ] && run_cfg empty "$QEMU" -plugin "$EMPTY" "$OUT/bench" "$N" time
    [ -f "$CFLOW" ] && run_cfg cflow "$QEMU" -plugin "$CFLOW" "$OUT/bench" "$N" time
    run_cfg native "$OUT/bench-pg" "$N" time
    command -v uftrace >/dev/null && run_cfg uftrace uftrace record -d "$OUT/uftrace.data" "$OUT/bench-pg" "$N" time
done
events=$(sed -n 's/^qtrace: \([0-9]*\) events.*/\1/p' "$OUT/all.log")
ratio() { awk "BEGIN{printf \"%.2f\", $1 / $2}"; }
{
    echo "# user mode, bench: $N iterations, 3 hot calls each (about $((N * 3 / 1000000)) M calls); best of $REPS"
    printf '%-8s %10s %8s  %s\n' config loop_ms ratio note
    printf '%-8s %10s %8s  %s\n' plain "${BEST[plain]}" 1.00 "qemu-x86_64, no plugin"
    [ -n "${BEST[empty]:-}" ] && printf '%-8s %10s %8s  %s\n' empty "${BEST[empty]}" "$(ratio "${BEST[empty]}" "${BEST[plain]}")" "QEMU's empty plugin: the cost of loading any plugin"
    printf '%-8s %10s %8s  %s\n' named "${BEST[named]}" "$(ratio "${BEST[named]}" "${BEST[plain]}")" "2 functions with args (target <= 1.10)"
    printf '%-8s %10s %8s  %s\n' all "${BEST[all]}" "$(ratio "${BEST[all]}" "${BEST[plain]}")" "every function, $events events (target <= 3)"
    [ -n "${BEST[cflow]:-}" ] && printf '%-8s %10s %8s  %s\n' cflow "${BEST[cflow]}" "$(ratio "${BEST[cflow]}" "${BEST[plain]}")" "QEMU contrib cflow, for scale"
    [ -n "${BEST[uftrace]:-}" ] && printf '%-8s %10s %8s  %s\n' uftrace "${BEST[uftrace]}" "$(ratio "${BEST[uftrace]}" "${BEST[native]}")" "native uftrace record vs native (${BEST[native]} ms), for scale"
} | tee "$BUILD/bench/user_calls.txt"
