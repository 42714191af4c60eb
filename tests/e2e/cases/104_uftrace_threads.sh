#!/usr/bin/env bash
# A two-thread program: two tasks in uftrace.data, each thread's tree in uftrace replay equals
# qtrace's text (oracle: uftrace info --task and replay).
. "$(dirname "$0")/../lib.sh"
need_uftrace
fixture uftrace
"$QTRACE" run -q -P main -P worker -P mid -P leaf --format text,uftrace -o "$TMP/t" -- "$FX/thr" >"$TMP/t.out" 2>"$TMP/t.err"
ok $? "qtrace run of the two-thread program"
T=$TMP/t/uftrace.data
check "two TASK lines in task.txt" test "$(grep -c '^TASK ' "$T/task.txt")" = 2
uftrace info -d "$T" --task >"$TMP/t.tasks" 2>"$TMP/t.tasks.err"
ok $([ $? = 0 ] && [ "$(grep -cE '\[ *[0-9]+\]' "$TMP/t.tasks")" = 2 ]; echo $?) "uftrace info --task lists two tasks"
uftrace replay -d "$T" -f tid >"$TMP/t.replay" 2>"$TMP/t.replay.err"
ok $([ $? = 0 ] && [ ! -s "$TMP/t.replay.err" ]; echo $?) "uftrace replay of the threads, no warning"
tids=$(sed -nE 's/^ *\[ *([0-9]+)\] .*/\1/p' "$TMP/t.replay" | sort -un)
ok $([ "$(echo "$tids" | wc -l)" = 2 ]; echo $?) "two tids in uftrace replay: $(echo $tids)"
for tid in $tids; do
    uftrace replay -d "$T" --tid "$tid" >"$TMP/t.$tid" 2>/dev/null
    uft_tree "$TMP/t.$tid" | bare >"$TMP/t.$tid.uft"
    thread_tree "$TMP/t/trace.txt" "$tid" | bare >"$TMP/t.$tid.txt"
    same_text "thread $tid: the same tree as in qtrace's text" "$TMP/t.$tid.uft" "$TMP/t.$tid.txt"
done
grep -h '^worker() {$' "$TMP"/t.*.uft >/dev/null
ok $? "worker() is one thread's outermost call"

done_testing
