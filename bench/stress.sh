#!/usr/bin/env bash
# Benchmark: stress for a minute. guest/progs/stress on 4 vCPUs, 64 threads calling tick(id, k)
# (which calls tock(k)) for SECS seconds (BENCH_STRESS_SECS, default 60), side by side:
#   plain   qemu-system-x86_64, no plugin
#   traced  qtrace system -P tick -P tock -A tick@arg1
# Reported per round (BENCH_REPS rounds, default 1; each is two boots): calls the threads made in
# the minute (their own counts) and the ratio traced/plain, the trace's events and lost events,
# whether every thread's calls are in the trace as it counted them, peak RSS of QEMU with the
# plugin (and of plain QEMU), the trace's size, and qtrace dump's time and peak RSS to text (streamed
# to the check, not kept: a minute's trace is several GB; it is deleted after the round).
set -u
TOP=${QTRACE_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${QTRACE_BUILD:-$TOP/build} G=${QTRACE_CACHE:-$TOP/.cache}/guest
SECS=${BENCH_STRESS_SECS:-60} REPS=${BENCH_REPS:-1} THREADS=64
OUT=$BUILD/bench/stress
mkdir -p "$OUT"
[ -s "$G/progs/stress" ] || { echo "stress: no guest program $G/progs/stress (scripts/build-guest.sh)" >&2; exit 1; }
APPEND="qtrace.run=stress qtrace.args=$THREADS,secs,$SECS"
TIMEOUT=$((SECS * 6 + 240))
total_of() { tr -d '\r' <"$1" | sed -n "s/^stress: done threads=$THREADS calls=\\([0-9]*\\)\$/\\1/p"; }
# per-thread check of a traced run: "exact extra worse" (threads whose tick and tock counts equal
# their own, tock calls recorded beyond the counts, threads with fewer calls than they counted).
# The trace's text is streamed through awk (a minute gives some 10^8 events), timed, peak RSS kept.
check_threads() {
    local con=$1 qtr=$2 t0
    tr -d '\r' <"$con" | sed -n 's/^stress: thread [0-9]* tid=\([0-9]*\) calls=\([0-9]*\) sum=[0-9]*$/\1 \2/p' | sort >"$OUT/want"
    t0=$(date +%s%N)
    /usr/bin/time -f %M -o "$OUT/dump.rss" "$BUILD/qtrace" dump -f text "$qtr" 2>/dev/null |
        awk '!match($0, /tid:[0-9]+\]/) { next } { t = substr($0, RSTART + 4, RLENGTH - 5) }
             /\] +tick\(/ { n[t]++ } /\] +tock\(\)/ { k[t]++ }
             END { for (t in n) print t, n[t], k[t] + 0 }' | sort >"$OUT/got"
    awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f\n", (b - a) / 1e9 }' >"$OUT/dump.secs"
    join "$OUT/want" "$OUT/got" | awk '{ if ($3 == $2 && $4 == $2) ex++; if ($4 > $2) extra += $4 - $2; if ($3 < $2 || $4 < $2) w++ }
                                       END { print ex + 0, extra + 0, w + 0 }'
}
declare -a ROWS
for r in $(seq "$REPS"); do
    /usr/bin/time -f %M -o "$OUT/plain.rss" timeout "$TIMEOUT" qemu-system-x86_64 -accel tcg -display none -serial stdio \
        -no-reboot -m 512 -smp 4 -kernel "$G/vmlinuz" -initrd "$G/initrd.gz" -append "console=ttyS0 quiet panic=-1 $APPEND" \
        </dev/null >"$OUT/plain.console" 2>&1
    plain=$(total_of "$OUT/plain.console")
    rm -rf "$OUT/traced"
    /usr/bin/time -f %M -o "$OUT/traced.rss" "$BUILD/qtrace" system --kernel "$G/vmlinuz" --initrd "$G/initrd.gz" --smp 4 \
        --append "$APPEND" --timeout "$TIMEOUT" -p "$G/progs/stress" -P tick -P tock -A 'tick@arg1/i' --format folded \
        -o "$OUT/traced" </dev/null >"$OUT/traced.console" 2>"$OUT/traced.err"
    traced=$(total_of "$OUT/traced.console")
    read -r events lost < <(sed -n 's/^qtrace: \([0-9]*\) events, .* \([0-9]*\) lost -> .*/\1 \2/p' "$OUT/traced.err")
    [ -n "$plain" ] && [ -n "$traced" ] && [ -n "${events:-}" ] || {
        echo "stress: round $r failed (see $OUT/plain.console, $OUT/traced.console, $OUT/traced.err)" >&2
        exit 1
    }
    read -r exact extra worse < <(check_threads "$OUT/traced.console" "$OUT/traced/trace.qtr")
    qtr_mb=$(($(stat -c %s "$OUT/traced/trace.qtr") / 1048576))
    dump_s=$(cat "$OUT/dump.secs")
    ROWS+=("$(printf '%-5s %12s %12s %6s %11s %6s %9s %6s %6s %8s %8s %7s %8s %7s' "$r" "$plain" "$traced" \
        "$(awk -v a="$traced" -v b="$plain" 'BEGIN { printf "%.2f", a / b }')" "$events" "$lost" "$exact/$THREADS" "$extra" \
        "$worse" "$(tail -1 "$OUT/plain.rss")" "$(tail -1 "$OUT/traced.rss")" "$qtr_mb" "$dump_s" "$(tail -1 "$OUT/dump.rss")")")
    rm -rf "$OUT/traced"
done
{
    echo "# stress: $THREADS guest threads on 4 vCPUs for ${SECS}s, tick(id)+tock() per call; $REPS round(s)"
    echo "# calls: what the threads counted themselves in the ${SECS}s; ratio: traced/plain (the slowdown tracing costs)"
    echo "# exact: threads whose tick and tock calls in the trace equal their own counts; extra: tock calls recorded"
    echo "# twice (docs/reliability.md#stress); fewer: threads with fewer calls in the trace than counted (must be 0)"
    echo "# rss: peak KB of plain QEMU / of qtrace+QEMU; qtr: trace MB; dump: qtrace dump -f text, seconds and peak KB"
    printf '%-5s %12s %12s %6s %11s %6s %9s %6s %6s %8s %8s %7s %8s %7s\n' round plain_calls traced_calls ratio events lost \
        exact extra fewer rss_pl rss_tr qtr_MB dump_s dump_kb
    printf '%s\n' "${ROWS[@]}"
} | tee "$BUILD/bench/stress.txt"
