#!/usr/bin/env bash
# uftrace's filters in qtrace run: -F (only inside), -N (hide with what it calls), -D (recorded
# depth) (oracle: calls.c's call structure).
. "$(dirname "$0")/../lib.sh"
build_calls "$TMP/calls"
"$QTRACE" run -q -F fact -o "$TMP/f1" -- "$TMP/calls" >/dev/null 2>&1
tree_of "$TMP/f1/trace.txt" | grep -v '^#' >"$TMP/f1.tree"
cat >"$TMP/f1.want" <<'W'
fact() {
  fact() {
    fact() {
      fact() {
        fact();
      } /* fact */
    } /* fact */
  } /* fact */
} /* fact */
W
same_text "-F fact: fact's calls and nothing else, depth counted from fact" "$TMP/f1.tree" "$TMP/f1.want"
"$QTRACE" run -q -P add -P fact -F fact -o "$TMP/f2" -- "$TMP/calls" >/dev/null 2>&1
tree_of "$TMP/f2/trace.txt" | grep -v '^#' >"$TMP/f2.tree"
same_text "-P add -P fact -F fact: add (called outside fact) is not recorded" "$TMP/f2.tree" "$TMP/f1.want"
"$QTRACE" run -q -F main -D 2 -N fact -N leap -o "$TMP/f3" -- "$TMP/calls" >/dev/null 2>&1
tree_of "$TMP/f3/trace.txt" | grep -v '^#' >"$TMP/f3.tree"
check "-F main -D 2: main at depth 0" grep -qx 'main() {' "$TMP/f3.tree"
for f in add greet probe depth run_worker; do
    check "-F main -D 2: main's direct call $f() at depth 1" grep -qx "  $f();" "$TMP/f3.tree"
done
ok $(! grep -qE '^    ' "$TMP/f3.tree"; echo $?) "-F main -D 2: nothing deeper than main's direct calls"
ok $(! grep -qE 'fact|leap|^ *worker\(' "$TMP/f3.tree"; echo $?) "-N fact -N leap: neither they nor their recursion; worker threads (outside main) not recorded"
"$QTRACE" run -q -F main -N greet -A 'add@arg1/i,arg2/i' -o "$TMP/f4" -- "$TMP/calls" >/dev/null 2>&1
tree_of "$TMP/f4/trace.txt" | grep -v '^#' >"$TMP/f4.tree"
printf 'main() {\n  add(a=2, b=3);\n  add(a=40, b=2);\n} /* main */\n' >"$TMP/f4.want"
same_text "-A add -F main: main (added by -F) and add inside it, worker adds (other threads) not" "$TMP/f4.tree" "$TMP/f4.want"
out=$("$QTRACE" run -q -F no_such_fn -- "$TMP/calls" 2>&1 >/dev/null); rc=$?
ok $([ $rc = 2 ] && [ "$out" = "qtrace: error: -F no_such_fn: no function of $TMP/calls has that name" ]; echo $?) "-F naming no function: one line, exit 2 ($out)"
done_testing
