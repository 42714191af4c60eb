#!/usr/bin/env bash
# Two threads running at the same time on two vCPUs (--smp 2): separate stacks, separate tids,
# each spin() with its 200 add2() calls (oracle: threads.c's source and its output).
. "$(dirname "$0")/../lib.sh"
need_guest threads
trace_boot "$TMP" threads --append qtrace.run=threads --smp 2 --timeout 180 \
    -p "$GUEST/progs/threads" -P spin -P add2 -A 'spin@arg1/i,arg2/i' -R 'spin@retval/i' -R 'add2@retval/i'
ok "$(rc_of "$TMP/threads.rc")" "qtrace system --smp 2 exits 0"
T2=$TMP/threads/trace.txt
check "threads program finished" grep -q 'threads: done total=' "$TMP/threads.console"
tids=$(sed -n 's/.*tid:\([0-9]*\)\] spin(id=[12], n=200) {$/\1/p' "$T2" | sort -u | wc -l)
ok $([ "$tids" = 2 ]; echo $?) "two spin() calls in two different threads (got $tids)"
for id in 1 2; do
    stid=$(sed -n "s/.*tid:\([0-9]*\)\] spin(id=$id, n=200) {\$/\1/p" "$T2" | head -1)
    n=$(call_tree "$T2" "$stid" | grep -cE '^  add2\(.*\) = [0-9]+;$')
    closes=$(call_tree "$T2" "$stid" | grep -cE '^\} = [0-9]+; /\* spin \*/$')
    ok $([ "$n" = 200 ] && [ "$closes" = 1 ]; echo $?) "thread of spin($id): 200 add2 calls nested in it, spin returns once (got $n/$closes)"
done
cpus=$(grep -oE '\[cpu[0-9]+ ' "$T2" | sort -u | wc -l)
ok $([ "$cpus" -ge 1 ]; echo $?) "events carry their vCPU ($cpus vCPUs seen)"
done_testing
