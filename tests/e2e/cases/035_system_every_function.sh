#!/usr/bin/env bash
# Every function of calls.c in the guest: the fast path (no register read while only the program
# runs) and one-block functions (add, probe: one callback at their ret) give calls.c's call trees
# (oracle: calls.c's source, and its printed pid).
. "$(dirname "$0")/../lib.sh"
need_guest calls
trace_boot "$TMP" calls --append qtrace.run=calls --timeout 180 -p "$GUEST/progs/calls" --format text
ok "$(rc_of "$TMP/calls.rc")" "qtrace system, every function of calls: exits 0"
T3=$TMP/calls/trace.txt
pid3=$(said "$TMP/calls.console" 'calls: pid=\([0-9]*\)')
CALLS_FNS='main|add|fact|greet|probe|leap|worker'
program_tree "$T3" "$pid3" "$CALLS_FNS" >"$TMP/all.tree"
cat >"$TMP/all.want" <<'W'
main() {
  add();
  fact() {
    fact() {
      fact() {
        fact() {
          fact();
        } /* fact */
      } /* fact */
    } /* fact */
  } /* fact */
  greet() {
  } /* greet */
  probe();
  leap() {
    leap() {
      leap() {
        leap() {
        } /* leap: unwound */
      } /* leap: unwound */
    } /* leap: unwound */
  } /* leap: unwound */
  add();
} /* main */
W
same_text "every function: main's tree of calls.c's functions (pid $pid3)" "$TMP/all.tree" "$TMP/all.want"
nd=$(thread_tree "$T3" "$pid3" | grep -c '^ *depth() {$'); nl=$(thread_tree "$T3" "$pid3" | grep -c '^ *depth();$')
ok $([ "$nd" = 3000 ] && [ "$nl" = 1 ]; echo $?) "every function: depth(3000) recursion, 3000 nested calls and the innermost ($nd, $nl)"
printf 'worker() {\n  add();\n  add();\n  add();\n} /* worker */\n' >"$TMP/wall.want"
nw=0
for wt in $(sed -n "s/.*as:[0-9]* tid:\([0-9]*\)\] *worker() {\$/\1/p" "$T3" | sort -u); do
    program_tree "$T3" "$wt" "$CALLS_FNS" >"$TMP/wall.tree"
    same_text "every function: worker thread $wt, three add() calls" "$TMP/wall.tree" "$TMP/wall.want"
    nw=$((nw + 1))
done
ok $([ "$nw" = 2 ]; echo $?) "every function: two worker threads ($nw)"
done_testing
