#!/usr/bin/env bash
# Benchmark of libqtrace-legacy.so (seed 001's plugins on QEMU 10), run by `make bench`.
#
# One program (tests/progs/execlog_bench.c), qemu-x86_64, REPS rounds (BENCH_REPS, default 3),
# every configuration once per round, interleaved; reported: the best wall time, instructions per
# second, and the median over the rounds of the ratio to plain QEMU in the same round.
#   Instruction logging, LOG_ROUNDS rounds of the program (QTRACE_BENCH_LOG_ROUNDS, default 10000):
#     plain     qemu-x86_64, no plugin
#     legacy    the seed's instruction logger through libqtrace-legacy.so, log=FILE
#     execlog   QEMU's contrib libexeclog.so, -d plugin -D FILE
#     qtrace    qtrace's binary execution log (libqtrace.so execlog=on,execlog_format=bin)
#   Instrumenting little, SYS_ROUNDS rounds (QTRACE_BENCH_SYS_ROUNDS, default 200000):
#     plain     as above
#     sysonly   tests/legacy/syscalls_only.c: needs_before_insn says yes to syscall instructions only
#               (target <= 1.10x plain)
# Table: build/bench/legacy.txt.
set -u
TOP=${QTRACE_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${QTRACE_BUILD:-$TOP/build}
CACHE=${QTRACE_CACHE:-$TOP/.cache}
W=$BUILD/bench/legacy
mkdir -p "$W"
. "$TOP/bench/lib.sh"
QEMU=$CACHE/bin/qemu-x86_64
REF=$CACHE/qemu-build/contrib/plugins/libexeclog.so
ADAPTER=$BUILD/libqtrace-legacy.so
SEED=${QTRACE_SEEDS:-$TOP/../shared/seeds}/001_plugin-api.md
REPS=${BENCH_REPS:-3}
LOG_ROUNDS=${QTRACE_BENCH_LOG_ROUNDS:-10000}
SYS_ROUNDS=${QTRACE_BENCH_SYS_ROUNDS:-200000}
TABLE=$BUILD/bench/legacy.txt

for f in "$QEMU" "$REF" "$ADAPTER" "$SEED"; do
    [ -e "$f" ] || { echo "legacy bench: $f is missing (make setup, make; the seed beside the clone)" >&2; exit 1; }
done
gcc -O1 -g -static -o "$W/prog" "$TOP/tests/progs/execlog_bench.c" || exit 1
awk '/^Instruction logging plugin example$/ { on = 1; next } /^System call logging plugin example$/ { on = 0 } on' \
    "$SEED" >"$W/insn.c"
gcc -O2 -shared -fPIC -I "$BUILD/include" -o "$W/libinsn.so" "$W/insn.c" || exit 1
gcc -O2 -shared -fPIC -I "$BUILD/include" -o "$W/libsysonly.so" "$TOP/tests/legacy/syscalls_only.c" || exit 1

now() { date +%s.%N; }
declare -A BEST ALL
# run NAME OUTFILE COMMAND...: wall seconds into BEST/ALL; OUTFILE (or -) deleted after
run() {
    local name=$1 out=$2 t0 t
    shift 2
    [ "$out" != - ] && rm -f "$out"
    sync
    t0=$(now)
    env -i "$@" >"$W/$name.stdout" 2>"$W/$name.stderr" </dev/null || {
        echo "legacy bench: $name failed: $(head -c 300 "$W/$name.stderr")" >&2
        return 1
    }
    t=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }')
    if [ -z "${BEST[$name]:-}" ] || awk "BEGIN { exit !($t < ${BEST[$name]}) }"; then BEST[$name]=$t; fi
    ALL[$name]="${ALL[$name]:-} $t"
}

INSNS=
for r in $(seq "$REPS"); do
    run plain - "$QEMU" "$W/prog" "$LOG_ROUNDS" || exit 1
    run legacy "$W/legacy.log" "$QEMU" -plugin "$ADAPTER,plugin=$W/libinsn.so,log=$W/legacy.log" "$W/prog" "$LOG_ROUNDS" || exit 1
    INSNS=$(wc -l <"$W/legacy.log")
    rm -f "$W/legacy.log"
    run execlog "$W/execlog.log" "$QEMU" -plugin "$REF" -d plugin -D "$W/execlog.log" "$W/prog" "$LOG_ROUNDS" || exit 1
    rm -f "$W/execlog.log"
    run qtrace "$W/bin.qtr" "$QEMU" -plugin "$BUILD/libqtrace.so,out=$W/bin.qtr,execlog=on,execlog_format=bin" \
        "$W/prog" "$LOG_ROUNDS" || exit 1
    rm -f "$W/bin.qtr"
    run splain - "$QEMU" "$W/prog" "$SYS_ROUNDS" || exit 1
    run sysonly "$W/sys.log" "$QEMU" -plugin "$ADAPTER,plugin=$W/libsysonly.so,log=$W/sys.log" "$W/prog" "$SYS_ROUNDS" || exit 1
done
NSYS=$(wc -l <"$W/sys.log")

row() { # name base note
    awk -v l="$1" -v t="${BEST[$1]}" -v n="$INSNS" -v p="$(median_ratio "${ALL[$1]}" "${ALL[$2]}")" -v note="$3" \
        'BEGIN { printf "%-9s %8.3f %10.2f %9s  %s\n", l, t, n / t / 1e6, p "x", note }'
}
{
    echo "# legacy adapter, qemu-x86_64, $(nproc) host cores, $REPS rounds; paired: median of per-round ratios"
    echo "# instruction logging: execlog_bench $LOG_ROUNDS, $INSNS instructions logged (one line each)"
    printf '%-9s %8s %10s %9s  %s\n' config "best s" "M insn/s" "vs plain" note
    row plain plain "qemu-x86_64, no plugin"
    row legacy plain "the seed's instruction logger through libqtrace-legacy.so"
    row execlog plain "QEMU contrib execlog (-d plugin -D)"
    row qtrace plain "qtrace binary execution log"
    echo "legacy vs execlog (paired): $(median_ratio "${ALL[execlog]}" "${ALL[legacy]}")x faster;" \
        "legacy vs qtrace bin (paired): $(median_ratio "${ALL[legacy]}" "${ALL[qtrace]}")x slower"
    echo "# instrumenting little: execlog_bench $SYS_ROUNDS, $NSYS syscall instructions logged"
    printf '%-9s %8s %10s %9s  %s\n' config "best s" "" "vs plain" note
    awk -v t="${BEST[splain]}" 'BEGIN { printf "%-9s %8.3f %10s %9s  %s\n", "plain", t, "", "1.00x", "qemu-x86_64, no plugin" }'
    awk -v t="${BEST[sysonly]}" -v p="$(median_ratio "${ALL[sysonly]}" "${ALL[splain]}")" \
        'BEGIN { printf "%-9s %8.3f %10s %9s  %s\n", "sysonly", t, "", p "x", "needs_before_insn: syscall instructions only (target <= 1.10)" }'
} | tee "$TABLE"
rm -f "$W"/*.log "$W"/*.stdout "$W"/*.stderr
