#!/usr/bin/env bash
# calls.c's depth(3000) in the guest: every level of the recursion entered and returned with the
# right values (oracle: the program's own depth(3000)=3000 and its source).
. "$(dirname "$0")/../lib.sh"
need_guest calls
fixture sys_calls
T=$FX/calls/trace.txt
main_tid=$(sed -n 's/.*tid:\([0-9]*\)\] main() {$/\1/p' "$T" | head -1)
call_tree "$T" "$main_tid" >"$TMP/main.tree"
opens=$(grep -cE '^ +depth\(n=[0-9]+\) \{$' "$TMP/main.tree")
closes=$(grep -cE '^ +\} = [0-9]+; /\* depth \*/$' "$TMP/main.tree")
ok $([ "$opens" = 3000 ] && [ "$closes" = 3000 ]; echo $?) "depth(): 3000 nested entries and 3000 returns (got $opens/$closes)"
leaf_indent=$(awk '/^ *depth\(n=0\) = 0;$/ { print index($0, "d") - 1 }' "$TMP/main.tree")
ok $([ "$leaf_indent" = 6002 ]; echo $?) "depth(n=0) is the leaf, 3001 levels deep (indent $leaf_indent)"
check "outermost depth(3000) returns 3000" grep -qE "tid:$main_tid\]   \} = 3000; /\* depth \*/$" "$T"
check "depth(n=3000) entered at depth 1" grep -qE "tid:$main_tid\]   depth\(n=3000\) \{$" "$T"
done_testing
