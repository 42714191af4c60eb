#!/usr/bin/env bash
# fork under qtrace run: the child is traced too, with its own pid (oracle: the pids forker printed).
. "$(dirname "$0")/../lib.sh"
gcc $CF -static -o "$TMP/forker" "$TOP/tests/progs/forker.c"
"$QTRACE" run -q -P add -A 'add@arg1/i,arg2/i' -R 'add@retval/i' -o "$TMP/c5" -- "$TMP/forker" >"$TMP/c5.out" 2>&1
ok $? "forker exits 0"
child=$(sed -n 's/^forker: child pid=\([0-9]*\) .*/\1/p' "$TMP/c5.out")
check "the child's add(7, 8) = 15 is traced with the child's pid ($child)" grep -qE "tid:$child\] add\(a=7, b=8\) = 15;$" "$TMP/c5/trace.txt"
parent=$(sed -n 's/^forker: parent pid=\([0-9]*\)$/\1/p' "$TMP/c5.out")
check "the parent's add(1, 1) = 2 with the parent's pid ($parent)" grep -qE "tid:$parent\] add\(a=1, b=1\) = 2;$" "$TMP/c5/trace.txt"
done_testing
