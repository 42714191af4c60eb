#!/usr/bin/env bash
# -A FUNC alone: DWARF names and types the arguments (oracle: calls.c's source).
. "$(dirname "$0")/../lib.sh"
build_calls "$TMP/calls"
"$QTRACE" run -q -P greet -A greet -A add -o "$TMP/c2" -- "$TMP/calls" >/dev/null 2>&1
check "DWARF: greet(who=\"world\") = 5 with no type given" grep -qE '\] greet\(who="world"\) = 5;$' "$TMP/c2/trace.txt"
check "DWARF: add(a=2, b=3) = 5 with no type given" grep -qE '\] add\(a=2, b=3\) = 5;$' "$TMP/c2/trace.txt"
done_testing
