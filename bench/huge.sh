#!/usr/bin/env bash
# Huge traces, run by `make bench` (bench/run.sh): a synthetic trace of QTRACE_HUGE_EVENTS function
# events (default 10^9: about 9.8 GB) and one of as many executed instructions (about 20 GB),
# written by tests/tools/gen_trace.c as the plugin writes them, converted by `qtrace dump` to every
# format, each output counted through a pipe and thrown away (directory formats: written,
# measured, removed).
# For each format: wall time, the processor time of qtrace dump (user + system), events per second
# of each, its peak resident memory (the kernel's account, tests/tools/peak_rss.c) and the
# output's size; and, for scale, the time `cat` takes to read the same trace (the I/O floor). On
# a machine shared with other work, the wall time measures the others too: events per processor
# second is the writer's own speed. Traces go to QTRACE_HUGE_DIR (default build/bench/huge),
# which needs room for both; they are removed at the end, unless QTRACE_HUGE_KEEP=1, which also
# reuses the traces a previous run left there for the same number of events.
# QTRACE_HUGE_FORMATS (default: every format qtrace has) chooses the formats, in that order.
# Table: build/bench/huge.txt, a row added as each format finishes, with the load average (the
# machine's other work) before the traces are written and after each format.
set -u
TOP=${QTRACE_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${QTRACE_BUILD:-$TOP/build}
QTRACE=$BUILD/qtrace
N=${QTRACE_HUGE_EVENTS:-1000000000}
W=${QTRACE_HUGE_DIR:-$BUILD/bench/huge}
TABLE=$BUILD/bench/huge.txt
mkdir -p "$W" "$(dirname "$TABLE")"
if [ "${QTRACE_HUGE_KEEP:-}" = 1 ]; then
    trap 'rm -rf "$W/out.uftrace"' EXIT
else
    trap 'rm -f "$W/calls.qtr" "$W/el.qtr" "$W/gen.out" "$W/el.out"; rm -rf "$W/out.uftrace"' EXIT
fi

gcc -O2 -I"$TOP/common" -I"$TOP/cli" -I"$TOP/tests/unit" -o "$W/gen" "$TOP/tests/tools/gen_trace.c" \
    "$TOP/common/execlog_text.c" || exit 1
gcc -O2 -o "$W/peak_rss" "$TOP/tests/tools/peak_rss.c" || exit 1
# the traces of a previous run for N events, whole (the sizes their generator reported)
made() { # TRACE GEN-OUTPUT
    [ -f "$1" ] && [ "$(sed -n 's/^gen_trace: \([0-9]*\) events, .* \([0-9]*\) bytes$/\1 \2/p' "$2" 2>/dev/null)" = "$N $(stat -c %s "$1")" ]
}
reuse=0
[ "${QTRACE_HUGE_KEEP:-}" = 1 ] && made "$W/calls.qtr" "$W/gen.out" && made "$W/el.qtr" "$W/el.out" && reuse=1
need=$((N * 30 / 1024 / 1024 / 1024 + 1))
[ $reuse = 1 ] && need=0
avail=$(df -Pk "$W" | awk 'NR == 2 { print int($4 / 1024 / 1024) }')
if [ "$avail" -lt "$need" ]; then
    echo "huge bench: $W has $avail GiB free, $N events need about $need GiB (set QTRACE_HUGE_DIR or QTRACE_HUGE_EVENTS)" >&2
    exit 1
fi
load() { cut -d' ' -f1-3 /proc/loadavg; }
load0=$(load)
if [ $reuse = 0 ]; then
    "$W/gen" "$W/calls.qtr" "$N" >"$W/gen.out" || exit 1
    "$W/gen" --execlog "$W/el.qtr" "$N" >"$W/el.out" || exit 1
fi

# measure CMD...: "status peak_kib seconds cpu_seconds" of CMD (its standard output thrown away)
measure() { "$W/peak_rss" "$@" 2>&1 >/dev/null | sed -n 's/^peak_rss: //p' | tail -1; }
row() { # FORMAT STATUS KIB SECONDS CPU-SECONDS OUTPUT-BYTES
    awk -v f="$1" -v rc="$2" -v kb="$3" -v s="$4" -v c="$5" -v o="$6" -v n="$N" 'BEGIN {
        printf "| %-13s | %8.1f s | %8.1f s | %10.0f | %10.0f | %7.1f MiB | %7.0f MiB |", f, s, c, n / s,
            (c > 0 ? n / c : 0), kb / 1024, o / 2^20 }'
    echo " $(load)$([ "$2" = 0 ] || echo " failed (status $2)")"
}
sync
read -r _ _ cat_calls _ < <(measure cat "$W/calls.qtr")
read -r _ _ cat_el _ < <(measure cat "$W/el.qtr")
{
    echo "# qtrace dump of huge traces: $N events ($(sed 's/^gen_trace: //' "$W/gen.out"))"
    echo "# $(date -u '+%F %H:%M UTC'), $(nproc) cores, load average before: $load0"
    echo "# reading the trace alone (cat): $cat_calls s for the calls, $cat_el s for the execution log"
    echo
    echo "| format        |   wall     |  processor | events/s   | ev/proc s  |  peak RSS   |   output    | load after"
    echo "|---------------|------------|------------|------------|------------|-------------|-------------|-----------|"
} >"$TABLE"
formats=${QTRACE_HUGE_FORMATS:-$("$QTRACE" dump -f nosuch 2>&1 | sed -n 's/.*(known: \(.*\))$/\1/p' | tr -d ,)}
for f in $formats; do
    trace=$W/calls.qtr
    [[ $f == execlog* ]] && trace=$W/el.qtr
    if [ "$f" = uftrace ]; then
        rm -rf "$W/out.uftrace"
        read -r rc kb s cpu < <(measure "$QTRACE" dump -f "$f" -o "$W/out.uftrace" "$trace")
        bytes=$(du -sb "$W/out.uftrace" | cut -f1)
        rm -rf "$W/out.uftrace"
    else
        bytes=$("$W/peak_rss" "$QTRACE" dump -f "$f" "$trace" 2>"$W/err" | wc -c)
        read -r rc kb s cpu < <(sed -n 's/^peak_rss: //p' "$W/err" | tail -1)
    fi
    row "$f" "$rc" "$kb" "$s" "$cpu" "${bytes:-0}" >>"$TABLE"
done
cat "$TABLE"
