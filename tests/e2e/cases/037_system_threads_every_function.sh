#!/usr/bin/env bash
# threads.c's two threads on two vCPUs with every function traced: the fast path and one-block
# add2() with the stacks' try-lock (oracle: threads.c's source and the tids it printed).
. "$(dirname "$0")/../lib.sh"
need_guest threads
trace_boot "$TMP" threads --append qtrace.run=threads --smp 2 --timeout 180 -p "$GUEST/progs/threads" --format text
ok "$(rc_of "$TMP/threads.rc")" "qtrace system --smp 2, every function of threads: exits 0"
T5=$TMP/threads/trace.txt
tids5=$(sed -n 's/^threads: tid1=\([0-9]*\) tid2=\([0-9]*\)$/\1 \2/p' "$TMP/threads.console")
ok $([ "$(echo $tids5 | wc -w)" = 2 ]; echo $?) "every function, 2 vCPUs: the program printed its two tids ($tids5)"
for t in $tids5; do
    program_tree "$T5" "$t" 'spin|add2' >"$TMP/spin.tree"
    { echo 'spin() {'; for i in $(seq 200); do echo '  add2();'; done; echo '} /* spin */'; } >"$TMP/spin.want"
    same_text "every function, 2 vCPUs: thread $t runs spin() once with its 200 add2() calls" "$TMP/spin.tree" "$TMP/spin.want"
done
done_testing
