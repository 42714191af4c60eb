#!/usr/bin/env bash
# qtrace dump streams: a trace of 2 million function events (19 MiB), and one of 2 million executed
# instructions (40 MiB), convert to every format in less than 16 MiB of peak memory, less than
# the trace file and far less than any output: a reader or writer that kept the trace or its
# output in memory fails. (The 10^9-event figures: bench/huge.sh.) Oracle: the generator's own
# counts (tests/tools/gen_trace.c), the kernel's peak-RSS accounting (wait4, tests/tools/peak_rss.c).
. "$(dirname "$0")/../lib.sh"
N=2000000
BOUND_KB=16384
gcc -O2 -I"$TOP/common" -I"$TOP/cli" -I"$TOP/tests/unit" -o "$TMP/gen" "$TOP/tests/tools/gen_trace.c" \
    "$TOP/common/execlog_text.c" || bail "build tests/tools/gen_trace.c"
gcc -O2 -o "$TMP/peak_rss" "$TOP/tests/tools/peak_rss.c" || bail "build tests/tools/peak_rss.c"
"$TMP/gen" "$TMP/calls.qtr" $N >"$TMP/gen.out" && "$TMP/gen" --execlog "$TMP/el.qtr" $N >/dev/null
ok $? "generated $N function events ($(stat -c %s "$TMP/calls.qtr") bytes) and $N instructions ($(stat -c %s "$TMP/el.qtr") bytes)"
# every writer qtrace has, from its own list
formats=$("$QTRACE" dump -f nosuch 2>&1 | sed -n 's/.*(known: \(.*\))$/\1/p' | tr -d ,)
ok $([ -n "$formats" ]; echo $?) "the formats: $formats"
calls=$(sed -n 's/.* events, \([0-9]*\) calls,.*/\1/p' "$TMP/gen.out")
# peak FORMAT TRACE OUT: qtrace dump's exit status and peak RSS in KiB ("rc kb")
peak() {
    if [ "$1" = uftrace ]; then
        "$TMP/peak_rss" "$QTRACE" dump -f "$1" -o "$3" "$2" 2>&1 >/dev/null | sed -n 's/^peak_rss: \([0-9]*\) \([0-9]*\) .*/\1 \2/p'
    else
        "$TMP/peak_rss" "$QTRACE" dump -f "$1" "$2" 2>&1 >"$3" | sed -n 's/^peak_rss: \([0-9]*\) \([0-9]*\) .*/\1 \2/p'
    fi
}
for f in $formats; do
    trace=$TMP/calls.qtr
    [[ $f == execlog* ]] && trace=$TMP/el.qtr
    read -r rc kb < <(peak "$f" "$trace" "$TMP/out.$f")
    size=$(du -sk "$TMP/out.$f" | cut -f1)
    ok $([ "$rc" = 0 ] && [ "$kb" -lt $BOUND_KB ] && [ "$size" -gt 0 ]; echo $?) \
        "$f: converted (status $rc) in $kb KiB of peak memory (bound $BOUND_KB), output $size KiB"
    case $f in
    execlog | execlog-json)
        n=$(wc -l <"$TMP/out.$f")
        ok $([ "$n" = $N ]; echo $?) "$f: all $N instructions, one line each ($n)" ;;
    text)
        n=$(grep -c 'func_' "$TMP/out.$f")
        # a call with nothing inside is one line, others two: one line ending "{" or ";" per call
        e=$(grep -cE 'func_[0-9]+\(.*(\{|;)$' "$TMP/out.$f")
        ok $([ "$e" = "$calls" ]; echo $?) "text: all $calls calls the generator made ($e, in $n lines)" ;;
    esac
    rm -rf "$TMP/out.$f"
done
done_testing
