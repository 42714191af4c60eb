#!/usr/bin/env bash
# QEMU killed with SIGKILL in the middle of a run, in user mode and in a booted guest: qtrace exits
# 137, says how the trace ended, and the trace reads up to its last flush. Oracle: the programs'
# own arithmetic (faults_prog's step(i) = 3i+1 for i = 0, 1, 2...; bench's bench_report(i) = 10
# for i = 0, 1024, 2048...): the calls read are exactly a prefix of the calls made.
. "$(dirname "$0")/../lib.sh"
need_guest bench
gcc -O1 -g -fno-inline -static -o "$TMP/fp" "$TOP/tests/progs/faults_prog.c" || bail "build faults_prog"

# wait_for SECONDS COMMAND...: until COMMAND succeeds
wait_for() { local n=$(($1 * 10)); shift; while [ $n -gt 0 ] && ! "$@" 2>/dev/null; do sleep 0.1; n=$((n - 1)); done; "$@"; }
trace_big() { [ "$(stat -c %s "$1" 2>/dev/null || echo 0)" -gt "$2" ]; }
# kill_qemu NAME QTRACE-PID: SIGKILL to the QEMU qtrace started; qtrace's exit status in $TMP/NAME.rc
kill_qemu() {
    local q
    q=$(pgrep -P "$2" | head -1)
    ok $([ -n "$q" ] && kill -KILL "$q"; echo $?) "$1: QEMU (pid ${q:-none}) killed with SIGKILL"
    wait "$2"
    echo $? >"$TMP/$1.rc"
}
# ended_ok NAME TRACE: the exit status, the one-line ending, dump reading the trace
ended_ok() {
    ok $([ "$(cat "$TMP/$1.rc")" = 137 ]; echo $?) "$1: qtrace exits 137 (128 + SIGKILL), got $(cat "$TMP/$1.rc")"
    local re='trace ends without its end record: QEMU stopped at [0-9]+\.[0-9]{3} s \(killed\?[^)]*\), [0-9]+ records read'
    check "$1: qtrace says how the trace ended" grep -qE "^qtrace: warning: .*$re" "$TMP/$1.err"
    "$QTRACE" dump "$2" >"$TMP/$1.dump" 2>"$TMP/$1.dumperr"
    ok $? "$1: qtrace dump reads the trace (status 0)"
    ok $(grep -qE "$re" "$TMP/$1.dumperr" && ! grep -q corrupt "$TMP/$1.dumperr"; echo $?) \
        "$1: qtrace dump says the same, and finds nothing corrupt"
}

# user mode: faults_prog spins calling step(i); killed 2 s after its 100000th call (buffers are
# written at least once a second)
"$QTRACE" run -q -A 'step@arg1' -R step --format text -o "$TMP/u" -- "$TMP/fp" spin >"$TMP/u.out" 2>"$TMP/u.err" &
upid=$!
wait_for 120 grep -q spinning "$TMP/u.out"
ok $? "user: faults_prog made 100000 calls under qtrace run"
sleep 2
kill_qemu u "$upid"
ended_ok u "$TMP/u/trace.qtr"
sed -n 's/.*step(i=\([0-9]*\)) = \([0-9]*\);$/\1 \2/p' "$TMP/u/trace.txt" >"$TMP/u.calls"
n=$(wc -l <"$TMP/u.calls")
ok $(awk '$1 != NR - 1 || $2 != 3 * $1 + 1 { exit 1 }' "$TMP/u.calls"; echo $?) \
    "user: the $n calls read are step(0) .. step($((n - 1))), each = 3i+1, none missing"
ok $([ "$n" -gt 100000 ]; echo $?) "user: more than the 100000 calls made 2 s before the kill are there ($n)"

# system mode: bench in the guest, bench_report traced; killed once 256 KiB of trace are written
"$QTRACE" system --kernel "$KERNEL" --initrd "$INITRD" --append 'qtrace.run=bench qtrace.args=4000000000' \
    -p "$GUEST/progs/bench" -A 'bench_report@arg1' -R bench_report --format text --timeout 300 -o "$TMP/s" \
    </dev/null >"$TMP/s.console" 2>"$TMP/s.err" &
spid=$!
wait_for 200 trace_big "$TMP/s/trace.qtr" 262144
ok $? "system: the guest runs bench, 256 KiB of trace written"
kill_qemu s "$spid"
ended_ok s "$TMP/s/trace.qtr"
sed -n 's/.*bench_report(iteration=\([0-9]*\)) = \([0-9]*\);$/\1 \2/p' "$TMP/s/trace.txt" >"$TMP/s.calls"
n=$(wc -l <"$TMP/s.calls")
ok $([ "$n" -gt 1000 ] && awk '$1 != (NR - 1) * 1024 || $2 != 10 { exit 1 }' "$TMP/s.calls"; echo $?) \
    "system: the $n calls read are bench_report(0), (1024), (2048)... each = 10, none missing"
done_testing
