#!/usr/bin/env bash
# Huge traces, run by `make bench` (bench/run.sh): a synthetic trace of QTRACE_HUGE_EVENTS function
# events (default 10^9: about 9.8 GB) and one of as many executed instructions (about 20 GB),
# written by tests/tools/gen_trace.c as the plugin writes them, converted by `qtrace dump` to every
# format, each output counted through a pipe and thrown away (directory formats: written,
# measured, removed).
# For each format: wall time, events per second, the peak resident memory of qtrace dump (the
# kernel's account, tests/tools/peak_rss.c) and the output's size; and, for scale, the time `cat`
# takes to read the same trace (the I/O floor). Traces go to QTRACE_HUGE_DIR (default
# build/bench/huge), which needs room for both; they are removed at the end.
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
mkdir -p "$W"
trap 'rm -f "$W/calls.qtr" "$W/el.qtr"; rm -rf "$W/out.uftrace"' EXIT

gcc -O2 -I"$TOP/common" -I"$TOP/cli" -I"$TOP/tests/unit" -o "$W/gen" "$TOP/tests/tools/gen_trace.c" \
    "$TOP/common/execlog_text.c" || exit 1
gcc -O2 -o "$W/peak_rss" "$TOP/tests/tools/peak_rss.c" || exit 1
need=$((N * 30 / 1024 / 1024 / 1024 + 1))
avail=$(df -Pk "$W" | awk 'NR == 2 { print int($4 / 1024 / 1024) }')
if [ "$avail" -lt "$need" ]; then
    echo "huge bench: $W has $avail GiB free, $N events need about $need GiB (set QTRACE_HUGE_DIR or QTRACE_HUGE_EVENTS)" >&2
    exit 1
fi
load() { cut -d' ' -f1-3 /proc/loadavg; }
load0=$(load)
"$W/gen" "$W/calls.qtr" "$N" >"$W/gen.out" || exit 1
"$W/gen" --execlog "$W/el.qtr" "$N" >/dev/null || exit 1

# measure CMD...: "status peak_kib seconds" of CMD (its standard output thrown away)
measure() { "$W/peak_rss" "$@" 2>&1 >/dev/null | sed -n 's/^peak_rss: //p' | tail -1; }
row() { # FORMAT STATUS KIB SECONDS OUTPUT-BYTES
    awk -v f="$1" -v rc="$2" -v kb="$3" -v s="$4" -v o="$5" -v n="$N" 'BEGIN {
        printf "| %-13s | %8.1f s | %12.0f | %9.1f MiB | %7.0f MiB |%s", f, s, n / s, kb / 1024, o / 2^20,
            rc == 0 ? "" : " failed (status " rc ")" }'
    echo " $(load)"
}
sync
read -r _ _ cat_calls < <(measure cat "$W/calls.qtr")
read -r _ _ cat_el < <(measure cat "$W/el.qtr")
{
    echo "# qtrace dump of huge traces: $N events ($(sed 's/^gen_trace: //' "$W/gen.out"))"
    echo "# $(date -u '+%F %H:%M UTC'), $(nproc) cores, load average before: $load0"
    echo "# reading the trace alone (cat): $cat_calls s for the calls, $cat_el s for the execution log"
    echo
    echo "| format        |      time  |   events/s   |  peak RSS     |   output    | load after"
    echo "|---------------|------------|--------------|---------------|-------------|"
} >"$TABLE"
formats=${QTRACE_HUGE_FORMATS:-$("$QTRACE" dump -f nosuch 2>&1 | sed -n 's/.*(known: \(.*\))$/\1/p' | tr -d ,)}
for f in $formats; do
    trace=$W/calls.qtr
    [[ $f == execlog* ]] && trace=$W/el.qtr
    if [ "$f" = uftrace ]; then
        rm -rf "$W/out.uftrace"
        read -r rc kb s < <(measure "$QTRACE" dump -f "$f" -o "$W/out.uftrace" "$trace")
        bytes=$(du -sb "$W/out.uftrace" | cut -f1)
        rm -rf "$W/out.uftrace"
    else
        bytes=$("$W/peak_rss" "$QTRACE" dump -f "$f" "$trace" 2>"$W/err" | wc -c)
        read -r rc kb s < <(sed -n 's/^peak_rss: //p' "$W/err" | tail -1)
    fi
    row "$f" "$rc" "$kb" "$s" "${bytes:-0}" >>"$TABLE"
done
cat "$TABLE"
