#!/usr/bin/env bash
# uftrace replay of qtrace's uftrace.data equals qtrace's own text trace: names, nesting, argument
# and return values (oracle: uftrace replay).
. "$(dirname "$0")/../lib.sh"
need_uftrace
fixture uftrace
# qtrace's "name=value" arguments as uftrace shows them: the values only
no_names() { sed -E 's/([(,] ?)[A-Za-z_][A-Za-z0-9_]*=/\1/g'; }
ok "$(rc_of "$FX/a.rc")" "qtrace run with -A/-R and a libc function"
uftrace replay -d "$FX/a/uftrace.data" >"$TMP/a.replay" 2>"$TMP/a.replay.err"
ok $? "uftrace replay of it"
same_text "no warning from uftrace replay" "$TMP/a.replay.err" /dev/null
tree_of "$FX/a/trace.txt" | bare >"$TMP/a.txt.bare"
uft_tree "$TMP/a.replay" | bare >"$TMP/a.uft.bare"
same_text "same function names and nesting as qtrace's trace.txt, line by line" "$TMP/a.uft.bare" "$TMP/a.txt.bare"
tree_of "$FX/a/trace.txt" | no_names >"$TMP/a.txt.vals"
uft_tree "$TMP/a.replay" >"$TMP/a.uft.vals"
same_text "same argument and return values (uftrace shows no parameter names)" "$TMP/a.uft.vals" "$TMP/a.txt.vals"
check "the libc function is named (libc.so.6.sym)" grep -q '^ *puts();$' "$TMP/a.uft.vals"
check "a string argument and a string return value" grep -q 'greet("world", '"'"'!'"'"') = "world";' "$TMP/a.uft.vals"
tree_of "$FX/q/trace.txt" | bare >"$TMP/q.txt.bare"
D=$FX/q/uftrace.data
uftrace replay -d "$D" >"$TMP/q.replay.full" 2>/dev/null
uft_tree "$TMP/q.replay.full" | bare >"$TMP/q.uft.bare"
same_text "and for the run without arguments" "$TMP/q.uft.bare" "$TMP/q.txt.bare"
done_testing
