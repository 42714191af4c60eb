#!/usr/bin/env bash
# More threads than QEMU's initial scoreboard size (40): every work() thread and all 800000 leaf()
# calls recorded, with and without a selection (oracle: the program's printed sum, its source).
. "$(dirname "$0")/../lib.sh"
gcc -O1 -g -fno-inline -static -pthread -o "$TMP/many" "$TOP/tests/progs/many_threads.c"
for sel in "-P work -P leaf" ""; do
    "$QTRACE" run -q $sel --format text -o "$TMP/mt" -- "$TMP/many" >"$TMP/mt.out" 2>&1; rc=$?
    nl=$(grep -c 'leaf();$' "$TMP/mt/trace.txt"); nw=$(grep -oE 'tid:[0-9]+\] +work\(\) \{$' "$TMP/mt/trace.txt" | sort -u | wc -l)
    ok $([ $rc = 0 ] && [ "$nl" = 800000 ] && [ "$nw" = 40 ] && grep -qx 'many: 23999624576' "$TMP/mt.out"; echo $?) \
        "40 threads (${sel:-every function}): 40 work() threads, 800000 leaf() calls, none lost ($rc, $nw, $nl)"
done
done_testing
