#!/usr/bin/env bash
# Benchmark: qtrace run (user mode) on a call-heavy program, side by side in one run.
#   plain      qemu-x86_64, no plugin
#   all        qtrace run, every function of the program, no arguments
#   named      qtrace run, two named functions with arguments and return values
#   empty      QEMU's own empty plugin (tests/tcg/plugins/libempty.so): what loading any plugin costs
#   cflow      QEMU's contrib libcflow.so (for scale)
#   uftrace    native uftrace record of the same program built with -pg, vs native (for scale)
#   plain-a64, all-a64   the program built for aarch64: qemu-aarch64 alone, and every function
#              (when aarch64-linux-gnu-gcc and qemu-aarch64 are here)
# The program (guest/progs/bench.c) times its own loop. REPS rounds (BENCH_REPS, default 7), each
# configuration once per round, interleaved; reported: the best time of each and the median of
# its per-round ratios to plain QEMU.
set -u
TOP=${QTRACE_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${QTRACE_BUILD:-$TOP/build}
CACHE=${QTRACE_CACHE:-$TOP/.cache}
N=${BENCH_CALLS:-3000000}
REPS=${BENCH_REPS:-7}
OUT=$BUILD/bench/user_calls
mkdir -p "$OUT"
QEMU=$CACHE/bin/qemu-x86_64
CFLAGS_B="-O1 -g -fno-inline -fno-optimize-sibling-calls -fno-omit-frame-pointer"
gcc $CFLAGS_B -static -no-pie -o "$OUT/bench" "$TOP/guest/progs/bench.c" || exit 1
gcc $CFLAGS_B -pg -o "$OUT/bench-pg" "$TOP/guest/progs/bench.c" || exit 1
# the same program for aarch64 under qemu-aarch64, when both are here
QEMU64=$CACHE/bin/qemu-aarch64
A64=0
if command -v aarch64-linux-gnu-gcc >/dev/null && [ -x "$QEMU64" ] &&
    aarch64-linux-gnu-gcc $CFLAGS_B -static -o "$OUT/bench-a64" "$TOP/guest/progs/bench.c"; then
    A64=1
fi

loop_ms() { sed -n 's/^bench: loop_ms=\([0-9.]*\)$/\1/p' "$1" | tail -1; }
declare -A BEST ALL   # ALL[cfg]: this configuration's loop_ms of every round, in round order
run_cfg() { # name command...
    local name=$1; shift
    local log=$OUT/$name.log ms
    "$@" >"$log" 2>&1 </dev/null
    ms=$(loop_ms "$log")
    [ -n "$ms" ] || { echo "  $name: no result (see $log)" >&2; return 1; }
    if [ -z "${BEST[$name]:-}" ] || awk "BEGIN{exit !($ms < ${BEST[$name]})}"; then BEST[$name]=$ms; fi
    ALL[$name]="${ALL[$name]:-} $ms"
    rm -rf "$OUT"/all/trace.qtr "$OUT"/named/trace.qtr "$OUT"/named/trace.txt "$OUT"/uftrace.data  # disk: keep only the logs
}
. "$TOP/bench/lib.sh"
paired() { median_ratio "${ALL[$1]:-}" "${ALL[$2]:-}"; } # cfg base: round by round
CFLOW=$CACHE/qemu-build/contrib/plugins/libcflow.so
EMPTY=$(empty_plugin)
for r in $(seq "$REPS"); do   # interleaved, so that machine noise hits every configuration alike
    # the light configurations next to plain, before the heavy ones disturb the machine
    run_cfg plain "$QEMU" "$OUT/bench" "$N" time || exit 1
    [ -n "$EMPTY" ] && run_cfg empty "$QEMU" -plugin "$EMPTY" "$OUT/bench" "$N" time
    run_cfg named "$BUILD/qtrace" run -q --format text -o "$OUT/named" \
        -A 'bench_report@arg1/i,arg2/s' -R 'bench_report@retval/i32' -A 'bench_checkpoint@arg1/x' -R 'bench_checkpoint@retval/x' \
        -- "$OUT/bench" "$N" time || exit 1
    run_cfg all "$BUILD/qtrace" run --format folded -o "$OUT/all" -- "$OUT/bench" "$N" time || exit 1
    [ -f "$CFLOW" ] && run_cfg cflow "$QEMU" -plugin "$CFLOW" "$OUT/bench" "$N" time
    run_cfg native "$OUT/bench-pg" "$N" time
    command -v uftrace >/dev/null && run_cfg uftrace uftrace record -d "$OUT/uftrace.data" "$OUT/bench-pg" "$N" time
    if [ $A64 = 1 ]; then
        run_cfg plain-a64 "$QEMU64" "$OUT/bench-a64" "$N" time
        run_cfg all-a64 "$BUILD/qtrace" run --format folded -o "$OUT/all" -- "$OUT/bench-a64" "$N" time
    fi
done
events=$(sed -n 's/^qtrace: \([0-9]*\) events.*/\1/p' "$OUT/all.log")
ratio() { awk "BEGIN{printf \"%.2f\", $1 / $2}"; }
row() { # cfg base note
    printf '%-8s %10s %8s %8s  %s\n' "$1" "${BEST[$1]}" "$(ratio "${BEST[$1]}" "${BEST[$2]}")" "$(paired "$1" "$2")" "$3"
}
{
    echo "# user mode, bench: $N iterations, 3 hot calls each (about $((N * 3 / 1000000)) M calls); $REPS rounds"
    echo "# best: best loop_ms of the rounds, and its ratio to plain's best; paired: median over the rounds"
    echo "# of the ratio to plain in the same round"
    printf '%-8s %10s %8s %8s  %s\n' config best_ms best× paired× note
    row plain plain "qemu-x86_64, no plugin"
    [ -n "${BEST[empty]:-}" ] && row empty plain "QEMU's empty plugin: the cost of loading any plugin"
    row named plain "2 functions with args (target <= 1.10)"
    row all plain "every function, $events events (target <= 3)"
    [ -n "${BEST[cflow]:-}" ] && row cflow plain "QEMU contrib cflow, for scale"
    [ -n "${BEST[uftrace]:-}" ] && row uftrace native "native uftrace record vs native (${BEST[native]} ms), for scale"
    if [ -n "${BEST[plain-a64]:-}" ] && [ -n "${BEST[all-a64]:-}" ]; then
        row plain-a64 plain-a64 "qemu-aarch64, no plugin: the same program built for aarch64"
        row all-a64 plain-a64 "every function under qemu-aarch64, vs plain-a64"
    fi
} | tee "$BUILD/bench/user_calls.txt"

# Host instructions, counted by callgrind: deterministic where the clock is not. Each
# configuration runs at two sizes; the difference is the loop's own cost, startup cancelled.
if command -v valgrind >/dev/null; then
    ir() { # N command...: instructions of the whole process
        local n=$1; shift
        valgrind --tool=callgrind --smc-check=all --callgrind-out-file=/dev/null "$@" "$n" 2>&1 >/dev/null |
            sed -n 's/.*Collected : \([0-9]*\)/\1/p'
    }
    "$BUILD/qtrace" run -q --format folded -o "$OUT/all" -- "$OUT/bench" 1000 >/dev/null 2>&1
    "$BUILD/qtrace" run -q --format text -o "$OUT/named" -A 'bench_report@arg1/i,arg2/s' -R 'bench_report@retval/i32' \
        -A 'bench_checkpoint@arg1/x' -R 'bench_checkpoint@retval/x' -- "$OUT/bench" 1000 >/dev/null 2>&1
    declare -A IRS
    for cfg in plain empty named all; do
        case $cfg in
        plain) cmd=("$QEMU" "$OUT/bench") ;;
        empty) [ -f "$EMPTY" ] || continue; cmd=("$QEMU" -plugin "$EMPTY" "$OUT/bench") ;;
        named) cmd=("$QEMU" -plugin "$BUILD/libqtrace.so,conf=$OUT/named/qtrace.conf" "$OUT/bench") ;;
        all) cmd=("$QEMU" -plugin "$BUILD/libqtrace.so,conf=$OUT/all/qtrace.conf" "$OUT/bench") ;;
        esac
        a=$(ir 100000 "${cmd[@]}"); b=$(ir 300000 "${cmd[@]}")
        [ -n "$a" ] && [ -n "$b" ] && IRS[$cfg]=$((b - a))
    done
    rm -f "$OUT"/all/trace.qtr "$OUT"/named/trace.qtr
    {
        echo
        echo "# host instructions per iteration of bench's loop (callgrind: 300000 minus 100000 iterations)"
        printf '%-8s %10s %8s\n' config insn/iter ratio
        for cfg in plain empty named all; do
            [ -n "${IRS[$cfg]:-}" ] || continue
            printf '%-8s %10s %8s\n' $cfg $((IRS[$cfg] / 200000)) "$(ratio "${IRS[$cfg]}" "${IRS[plain]}")"
        done
    } | tee -a "$BUILD/bench/user_calls.txt"
fi
