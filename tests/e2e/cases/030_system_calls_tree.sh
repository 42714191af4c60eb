#!/usr/bin/env bash
# Function tracing in the whole guest (stock Debian kernel, KASLR on): calls.c's main thread, its
# exact call tree with arguments, return values and longjmp unwinding (oracle: what calls printed).
. "$(dirname "$0")/../lib.sh"
need_guest calls
fixture sys_calls
ok "$(rc_of "$FX/calls.rc")" "qtrace system exits 0"
check "guest program ran to the end" grep -q 'QTRACE-GUEST: exit calls status 0' "$FX/calls.console"
check "summary line on stderr" grep -qE '^qtrace: [0-9]+ events, 8 functions, [23] threads, 0 lost' "$FX/calls.err"
T=$FX/calls/trace.txt

# the main thread is the one that runs main(); with the kernel known (qtrace system reads
# --kernel), its tid is the guest's own: the pid calls printed
main_tid=$(sed -n 's/.*tid:\([0-9]*\)\] main() {$/\1/p' "$T" | head -1)
ok $([ -n "$main_tid" ]; echo $?) "main() found"
said_pid=$(said "$FX/calls.console" 'calls: pid=\([0-9]*\)')
ok $([ -n "$said_pid" ] && [ "$main_tid" = "$said_pid" ]; echo $?) "main()'s thread is the guest's pid calls printed (tid $main_tid, pid $said_pid)"
check "calls' exec is in the trace, in main's thread" grep -qE "tid:$main_tid\] == exec \"/progs/calls\" \[\"/progs/calls\"\] comm=\"calls\"$" "$T"
check "calls' exit status 0 is in the trace" grep -qE "tid:$main_tid\] == exit status 0$" "$T"
# depth(3000)'s lines are 031's; what remains of them is depth's closing brace line, left out too
call_tree "$T" "$main_tid" | grep -v 'depth(' | grep -v '^   *} = [0-9]*; /\* depth \*/$' >"$TMP/main.tree"
same_text "main thread: exact call tree, arguments, return values, longjmp unwinding" "$TMP/main.tree" "$TOP/tests/e2e/expected/calls_main.tree"

# what the program printed agrees with the trace
for pair in 'add(2,3)=5:add(a=2, b=3) = 5;' 'fact(5)=120:} = 120; /* fact */' 'greet(world)=5:greet(who="world") = 5;' 'add(40,2)=42:add(a=40, b=2) = 42;'; do
    said=${pair%%:*}; traced=${pair#*:}
    ok $(grep -qxF "$said" "$FX/calls.console" && grep -qF "$traced" "$T"; echo $?) "program says $said, trace says $traced"
done
# durations: add is two instructions (lea, ret)
check "add() takes 2 guest instructions" grep -qE '^ +2 insn \[cpu[0-9]+ as:[0-9]+ tid:[0-9]+\]   add\(a=2, b=3\) = 5;$' "$T"
done_testing
