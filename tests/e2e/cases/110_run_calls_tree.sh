#!/usr/bin/env bash
# qtrace run of static calls.c: the main thread's exact tree with arguments, return values and
# longjmp, each worker on its own stack with its own tid (oracle: the pid calls printed, its source).
. "$(dirname "$0")/../lib.sh"
build_calls "$TMP/calls"
"$QTRACE" run -P main -P add -P fact -P greet -P probe -P leap -P worker \
    -A 'add@arg1/i,arg2/i' -R 'add@retval/i' -A 'fact@arg1/i' -R 'fact@retval/i' -A 'greet@arg1/s' -R 'greet@retval/i32' \
    -A 'probe@arg1/s' -R 'probe@retval/i32' -A 'leap@arg1/i32' -A 'worker@arg1/i' -R 'main@retval/i32' \
    -o "$TMP/c1" -- "$TMP/calls" >"$TMP/c1.out" 2>"$TMP/c1.err"
ok $? "qtrace run exits with the program's status (0)"
T=$TMP/c1/trace.txt
pid=$(sed -n 's/^calls: pid=\([0-9]*\)$/\1/p' "$TMP/c1.out")
main_tid=$(sed -n 's/.*tid:\([0-9]*\)\] main() {$/\1/p' "$T" | head -1)
ok $([ -n "$pid" ] && [ "$pid" = "$main_tid" ]; echo $?) "main's tid in the trace is the pid the program printed ($pid / $main_tid)"
thread_tree "$T" "$main_tid" >"$TMP/main.tree"
same_text "main thread: exact calls, arguments, return values, longjmp" "$TMP/main.tree" "$EXPECTED/calls_main.tree"
w1=$(sed -n 's/.*tid:\([0-9]*\)\] worker(arg=1) {$/\1/p' "$T"); w2=$(sed -n 's/.*tid:\([0-9]*\)\] worker(arg=2) {$/\1/p' "$T")
ok $([ -n "$w1" ] && [ -n "$w2" ] && [ "$w1" != "$w2" ] && [ "$w1" != "$main_tid" ]; echo $?) "each worker thread has its own tid ($w1, $w2)"
for id in 1 2; do
    eval "wt=\$w$id"
    thread_tree "$T" "$wt" >"$TMP/w$id.tree"
    printf 'worker(arg=%d) {\n  add(a=%d00, b=0) = %d00;\n  add(a=%d00, b=1) = %d01;\n  add(a=%d00, b=2) = %d02;\n} /* worker */\n' \
        $id $id $id $id $id $id $id >"$TMP/w$id.want"
    same_text "worker $id: exact calls on its own stack" "$TMP/w$id.tree" "$TMP/w$id.want"
done

done_testing
