#!/usr/bin/env bash
# execlog_start=ADDR and execlog_stop=N: the triggered log is the slice of the full log (same run)
# from the start instruction's first run, N lines (oracle: the full log).
. "$(dirname "$0")/../lib.sh"
execlog_setup
fixture execlog_plain
# The triggered log must be the slice of the full log (same QEMU run) that starts with the first
# run of the start instruction, N lines long.
# trig NAME START_KEY_VALUE STOP [FORMAT_OPTS]: full text (PLUGIN) + triggered (PLUGIN2) in one run
trig() {
    local name=$1 start=$2 stop=$3 fmt=${4:-}
    rm -f "$W/$name.full" "$W/$name.txt" "$W/$name.qtr"
    env -i "$QEMU" -plugin "$PLUGIN,out=$W/$name.f.qtr,execlog=on,execlog_out=$W/$name.full" \
        -plugin "$PLUGIN2,out=$W/$name.qtr,execlog=on,execlog_out=$W/$name.txt,execlog_start=$start${stop:+,execlog_stop=$stop}$fmt" \
        "$P" >"$W/$name.stdout" 2>"$W/$name.stderr"
    [ -z "$fmt" ] || el_dump "$W/$name.qtr" execlog "$W/$name.txt"
}
second=$(grep -m1 -A1 "^0, 0x$store," "$FX/plain.txt" | tail -1 | cut -d, -f2 | tr -d ' ')
trig trig_fn "0x$store" 40
if slice_ok "$W/trig_fn.full" "$W/trig_fn.txt" "$store" 40; then
    ok 0 "execlog_start=0x$store,execlog_stop=40: the 40 lines from el_store_marker's first run"
else
    ok 1 "execlog_start=0x$store,execlog_stop=40: the 40 lines from el_store_marker's first run"
fi
trig trig_mid "$second" 25 ",execlog_format=bin"
if slice_ok "$W/trig_mid.full" "$W/trig_mid.txt" "$second" 25; then
    ok 0 "execlog_start=$second (inside a block),execlog_stop=25, binary log: the 25 lines from there"
else
    ok 1 "execlog_start=$second (inside a block),execlog_stop=25, binary log"
fi
done_testing
