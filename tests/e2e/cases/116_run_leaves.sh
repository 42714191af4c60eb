#!/usr/bin/env bash
# One-block functions (straight from entry to ret): called directly, through a pointer, by a tail
# jump, a bare ret, and one the program dies in (oracle: leaves.c's source, its printed sum, status).
. "$(dirname "$0")/../lib.sh"
# a tail jump, and one the program dies in -----------------------------------------------------
gcc -O2 -g -fno-inline -o "$TMP/leaves" "$TOP/tests/progs/leaves.c"
main_tree() { thread_tree "$1" "$2" | sed -n '/^  main() {$/,/^  } \/\* main/p'; }
"$QTRACE" run --format text -o "$TMP/lv" -- "$TMP/leaves" >"$TMP/lv.out" 2>"$TMP/lv.err"; rc=$?
pid=$(sed -n 's/^leaves: pid=\([0-9]*\) s=166$/\1/p' "$TMP/lv.out")
ok $([ $rc = 0 ] && [ -n "$pid" ]; echo $?) "leaves: runs to the end, s=166 (status $rc, pid $pid)"
main_tree "$TMP/lv/trace.txt" "$pid" >"$TMP/lv.tree"
same_text "leaves: direct calls, a pointer, a tail jump, a branchy neighbour, a bare ret, a call after longjmp" \
    "$TMP/lv.tree" "$EXPECTED/leaves_main.tree"
"$QTRACE" run -P main -P nothing -P one --format text -o "$TMP/lvn" -- "$TMP/leaves" >/dev/null 2>&1
tree_of "$TMP/lvn/trace.txt" >"$TMP/lvn.tree"
printf 'main() {\n  one();\n  one();\n  one();\n  one();\n  one();\n  one();\n  nothing();\n  one();\n} /* main */\n' >"$TMP/lvn.want"
same_text "leaves, named functions: a function that is a bare ret returns (it is not unwound)" "$TMP/lvn.tree" "$TMP/lvn.want"
"$QTRACE" run --format text -o "$TMP/lv2" -- "$TMP/leaves" crash >"$TMP/lv2.out" 2>"$TMP/lv2.err"; rc=$?
pid=$(sed -n 's/^leaves: pid=\([0-9]*\) s=166$/\1/p' "$TMP/lv2.out")
main_tree "$TMP/lv2/trace.txt" "$pid" | tail -3 >"$TMP/lv2.tree"
printf '    deref() {\n    } /* deref: unfinished */\n  } /* main: unfinished */\n' >"$TMP/lv2.want"
ok $([ $rc = 139 ]; echo $?) "leaves crash: the program's SIGSEGV passes through (status $rc)"
same_text "leaves crash: the one-block function it died in is shown entered, unfinished" "$TMP/lv2.tree" "$TMP/lv2.want"
done_testing
