#!/usr/bin/env bash
# The trace's disk fills up (a 2 MiB tmpfs): recording stops with one message, the program runs on
# to its end, qtrace exits 3, and the trace kept is whole and readable up to where it stopped.
# Oracle: faults_prog's own arithmetic (step(i) = 3i+1 for i = 0, 1, 2... and its printed sum), the
# file size on the tmpfs (stat).
. "$(dirname "$0")/../lib.sh"
gcc -O1 -g -fno-inline -static -o "$TMP/fp" "$TOP/tests/progs/faults_prog.c" || bail "build faults_prog"
mkdir "$TMP/mnt"
mount -t tmpfs -o size=2m tmpfs "$TMP/mnt" 2>"$TMP/mount.err" ||
    skip_all "cannot mount a small tmpfs to fill ($(head -1 "$TMP/mount.err"); the case needs root)"
trap 'umount "$TMP/mnt"; rm -rf "$TMP"' EXIT

"$QTRACE" run -A 'step@arg1' -R step --format text,json -o "$TMP/mnt/o" -- "$TMP/fp" loop 300000 \
    >"$TMP/out" 2>"$TMP/err"
rc=$?
ok $([ $rc = 3 ]; echo $?) "qtrace exits 3 (recording stopped early), got $rc"
check "the program runs to its end: it prints its 300000 calls and their sum" \
    grep -qx 'loop: 300000 calls, sum 134999850000' "$TMP/out"
n=$(grep -c 'No space left on device' "$TMP/err")
ok $([ "$n" = 2 ] &&
    grep -qE '^qtrace: error: cannot write .*/trace.qtr: No space left on device: recording stopped [0-9.]+ s into the run; the trace up to there \([0-9]+ bytes\) stays readable, later events are lost$' "$TMP/err" &&
    grep -qE '^qtrace: error: .*/trace.qtr is incomplete: recording stopped .* not converted \(make room, then: qtrace dump .*exit status 3$' "$TMP/err"; echo $?) \
    "one line when recording stops, one saying the trace is not converted"
check "no conversion half-written on the full disk" test ! -e "$TMP/mnt/o/trace.txt" -a ! -e "$TMP/mnt/o/trace.json"

size=$(stat -c %s "$TMP/mnt/o/trace.qtr")
kept=$(sed -n 's/.*the trace up to there (\([0-9]*\) bytes).*/\1/p' "$TMP/err")
ok $([ "$size" -le 2097152 ] && [ "$((size - kept))" = 80 ]; echo $?) \
    "the file ($size bytes) is the $kept bytes kept and one last chunk (its STOP and END records: 80 bytes)"
"$QTRACE" dump -f text -o "$TMP/dump.txt" "$TMP/mnt/o/trace.qtr" 2>"$TMP/dump.err"
ok $? "qtrace dump reads the trace once it is copied off the full disk"
ok $(grep -q 'recording stopped .* (No space left on device); it ends there' "$TMP/dump.err" &&
    ! grep -qE 'corrupt|cut short|without its end record' "$TMP/dump.err"; echo $?) \
    "dump says where recording stopped; nothing corrupt, nothing cut, the end record is there"
sed -n 's/.*step(i=\([0-9]*\)) = \([0-9]*\);$/\1 \2/p' "$TMP/dump.txt" >"$TMP/calls"
n=$(wc -l <"$TMP/calls")
ok $([ "$n" -gt 1000 ] && [ "$n" -lt 300000 ] && awk '$1 != NR - 1 || $2 != 3 * $1 + 1 { exit 1 }' "$TMP/calls"; echo $?) \
    "the $n calls kept are step(0) .. step($((n - 1))), each = 3i+1, none missing or garbled"
done_testing
