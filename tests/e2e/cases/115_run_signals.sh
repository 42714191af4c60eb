#!/usr/bin/env bash
# Host signals all through the run (a timer every 200 us, SIGCHLD of 20 children): the program
# survives and every call is recorded (oracle: the program's printed counts).
. "$(dirname "$0")/../lib.sh"
gcc -O1 -g -fno-inline -static -o "$TMP/signals" "$TOP/tests/progs/signals.c"
for sel in "-P f -P on_alarm" ""; do
    "$QTRACE" run $sel --format text -o "$TMP/sg" -- "$TMP/signals" >"$TMP/sg.out" 2>"$TMP/sg.err"; rc=$?
    # f() on one line, or open around the handler that interrupted it at its first instruction
    nf=$(grep -cE '(  |\] )f\(\)( \{|;)$' "$TMP/sg/trace.txt"); na=$(grep -c 'on_alarm();$' "$TMP/sg/trace.txt")
    ok $([ $rc = 0 ] && grep -qx 'signals: sum=1499999500000 calls=1000000 children=20 alarms=yes' "$TMP/sg.out"; echo $?) \
        "signals (${sel:-every function}): the program survives a timer signal every 200 us and 20 children under tracing (status $rc)"
    ok $([ "$nf" = 1000000 ] && [ "$na" -gt 0 ] && ! grep -q 'without its end record' "$TMP/sg.err" && ! grep -q 'on_alarm.*unfinished' "$TMP/sg/trace.txt"; echo $?) \
        "signals (${sel:-every function}): all 1000000 f() calls recorded, $na on_alarm() handler calls, the trace is complete"
done
done_testing
