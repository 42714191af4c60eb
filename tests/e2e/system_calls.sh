#!/usr/bin/env bash
# Issue 2: function tracing in a whole Linux guest. Boots the bundled guest (stock Debian
# kernel, KASLR on) with the calls program and checks the trace against what it printed.
. "$(dirname "$0")/lib.sh"

OUT=$TMP/calls
"$QTRACE" system --kernel "$GUEST/vmlinuz" --initrd "$GUEST/initrd.gz" --append qtrace.run=calls --timeout 180 \
    -p "$GUEST/progs/calls" --icount -P main -P add -P fact -P greet -P probe -P leap -P depth -P worker \
    -A 'add@arg1/i,arg2/i' -R 'add@retval/i' -A 'fact@arg1/i' -R 'fact@retval/i' \
    -A 'greet@arg1/s' -R 'greet@retval/i32' -A 'probe@arg1/s' -R 'probe@retval/i32' \
    -A 'leap@arg1/i32' -A 'depth@arg1/i' -R 'depth@retval/i' -A 'worker@arg1/i' -R 'main@retval/i32' \
    --format text,json,folded -o "$OUT" >"$TMP/console.raw" 2>"$TMP/stderr"
ok $? "qtrace system exits 0"
tr -d '\r' <"$TMP/console.raw" >"$TMP/console"
check "guest program ran to the end" grep -q 'QTRACE-GUEST: exit calls status 0' "$TMP/console"
check "summary line on stderr" grep -qE '^qtrace: [0-9]+ events, 8 functions, [23] threads, 0 lost' "$TMP/stderr"
T=$OUT/trace.txt

# the main thread is the one that runs main(); with the kernel known (qtrace system reads
# --kernel), its tid is the guest's own: the pid calls printed
main_tid=$(sed -n 's/.*tid:\([0-9]*\)\] main() {$/\1/p' "$T" | head -1)
ok $([ -n "$main_tid" ]; echo $?) "main() found"
said_pid=$(sed -n 's/^calls: pid=\([0-9]*\)$/\1/p' "$TMP/console")
ok $([ -n "$said_pid" ] && [ "$main_tid" = "$said_pid" ]; echo $?) "main()'s thread is the guest's pid calls printed (tid $main_tid, pid $said_pid)"
# the kernel's process events (fork, exec, exit: '== ...' lines) are left out of the call trees
thread_tree() { grep -E "\[cpu[0-9]+ as:[0-9]+ tid:$2\] " "$1" | sed 's/^[^[]*\[cpu[0-9]* as:[0-9]* tid:[0-9]*\] //' | grep -v '^== '; }
check "calls' exec is in the trace, in main's thread" grep -qE "tid:$main_tid\] == exec \"/progs/calls\" \[\"/progs/calls\"\] comm=\"calls\"$" "$T"
check "calls' exit status 0 is in the trace" grep -qE "tid:$main_tid\] == exit status 0$" "$T"
thread_tree "$T" "$main_tid" | grep -v 'depth(' >"$TMP/main.tree"
cat >"$TMP/main.want" <<'W'
main() {
  add(a=2, b=3) = 5;
  fact(n=5) {
    fact(n=4) {
      fact(n=3) {
        fact(n=2) {
          fact(n=1) = 1;
        } = 2; /* fact */
      } = 6; /* fact */
    } = 24; /* fact */
  } = 120; /* fact */
  greet(who="world") = 5;
  probe(p=<unreadable 0xdead0000>) = 7;
  leap(n=3) {
    leap(n=2) {
      leap(n=1) {
        leap(n=0) {
        } /* leap: unwound */
      } /* leap: unwound */
    } /* leap: unwound */
  } /* leap: unwound */
  add(a=40, b=2) = 42;
  }
} = 0; /* main */
W
# depth(3000) lines are checked below; what remains of them is its closing brace line "  }"
thread_tree "$T" "$main_tid" | grep -v 'depth(' | grep -v '^   *} = [0-9]*; /\* depth \*/$' >"$TMP/main.tree"
grep -v '^  }$' "$TMP/main.want" >"$TMP/main.want2"
same_text "main thread: exact call tree, arguments, return values, longjmp unwinding" "$TMP/main.tree" "$TMP/main.want2"

# 3000-deep recursion: every level entered and returned with the right values
opens=$(thread_tree "$T" "$main_tid" | grep -cE '^ +depth\(n=[0-9]+\) \{$')
closes=$(thread_tree "$T" "$main_tid" | grep -cE '^ +\} = [0-9]+; /\* depth \*/$')
ok $([ "$opens" = 3000 ] && [ "$closes" = 3000 ]; echo $?) "depth(): 3000 nested entries and 3000 returns (got $opens/$closes)"
leaf_indent=$(thread_tree "$T" "$main_tid" | awk '/^ *depth\(n=0\) = 0;$/ { print index($0, "d") - 1 }')
ok $([ "$leaf_indent" = 6002 ]; echo $?) "depth(n=0) is the leaf, 3001 levels deep (indent $leaf_indent)"
check "outermost depth(3000) returns 3000" grep -qE "tid:$main_tid\]   \} = 3000; /\* depth \*/$" "$T"
check "depth(n=3000) entered at depth 1" grep -qE "tid:$main_tid\]   depth\(n=3000\) \{$" "$T"

# two threads, run one after the other: each worker's calls exactly, on a stack of its own.
# glibc gives the second thread the first one's stack and TLS block back, so without the kernel
# they would share a thread pointer; with it each is its own task: the kernel's thread ids,
# allocated after calls' own pid.
wtids=
for id in 1 2; do
    wtid=$(sed -n "s/.*tid:\([0-9]*\)\] worker(arg=$id) {\$/\1/p" "$T" | head -1)
    ok $([ -n "$wtid" ] && [ "$wtid" != "$main_tid" ]; echo $?) "worker $id does not run on main's stack"
    ok $([ -n "$wtid" ] && [ "$wtid" -gt "$main_tid" ] && [[ " $wtids " != *" $wtid "* ]]; echo $?) \
        "worker $id has a guest thread id of its own ($wtid, after pid $main_tid)"
    wtids="$wtids $wtid"
    thread_tree "$T" "$wtid" | sed -n "/^worker(arg=$id) {\$/,/^} \/\* worker \*\/\$/p" >"$TMP/w$id.tree"
    printf 'worker(arg=%d) {\n  add(a=%d00, b=0) = %d00;\n  add(a=%d00, b=1) = %d01;\n  add(a=%d00, b=2) = %d02;\n} /* worker */\n' \
        $id $id $id $id $id $id $id >"$TMP/w$id.want"
    same_text "worker $id: exact calls, depth 0 of its own stack" "$TMP/w$id.tree" "$TMP/w$id.want"
done
check "all events of calls in one address space" test "$(grep -o 'as:[0-9]*' "$T" | sort -u | wc -l)" = 1

# what the program printed agrees with the trace
for pair in 'add(2,3)=5:add(a=2, b=3) = 5;' 'fact(5)=120:} = 120; /* fact */' 'greet(world)=5:greet(who="world") = 5;' 'add(40,2)=42:add(a=40, b=2) = 42;'; do
    said=${pair%%:*}; traced=${pair#*:}
    ok $(grep -qxF "$said" "$TMP/console" && grep -qF "$traced" "$T"; echo $?) "program says $said, trace says $traced"
done

# durations: add is two instructions (lea, ret)
check "add() takes 2 guest instructions" grep -qE '^ +2 insn \[cpu[0-9]+ as:[0-9]+ tid:[0-9]+\]   add\(a=2, b=3\) = 5;$' "$T"

# JSON: parses, has the same events
J=$OUT/trace.json
python3 - "$J" "$T" >"$TMP/json.out" 2>&1 <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))
ev = [e for e in d["traceEvents"] if e.get("ph") in ("B", "E")]
b = sum(1 for e in ev if e["ph"] == "B"); e_ = sum(1 for e in ev if e["ph"] == "E")
txt = open(sys.argv[2]).read()
opens = len(re.findall(r"\] +\S+\(.*\) \{$", txt, re.M)) + len(re.findall(r"\) = .*;$|\);$", txt, re.M))
adds = [e for e in ev if e["ph"] == "B" and e["name"] == "add"]
print("B", b, "E", e_, "text-calls", opens, "adds", len(adds))
assert b == e_, "unbalanced B/E"
assert b == opens, "JSON and text disagree on the number of calls"
assert any(e.get("args", {}).get("a") == "2" and e["args"].get("b") == "3" for e in adds), "add(2,3) args missing"
gr = [e for e in ev if e["name"] == "greet" and e["ph"] == "B"][0]
assert gr["args"]["who"] == '"world"', gr
print("ok")
PY
ok $? "trace.json parses, balanced B/E, same calls as the text, arguments present"
sed 's/^/#   /' "$TMP/json.out" | tail -3

# folded stacks
F=$OUT/trace.folded
check "folded: main;fact;fact;fact;fact;fact stack" grep -qE '^main;fact;fact;fact;fact;fact [0-9]+$' "$F"
check "folded: worker;add stack" grep -qE '^worker;add [0-9]+$' "$F"

# two threads running at the same time on two vCPUs: separate stacks, separate tids
OUT2=$TMP/threads
"$QTRACE" system --kernel "$GUEST/vmlinuz" --initrd "$GUEST/initrd.gz" --append qtrace.run=threads --smp 2 --timeout 180 \
    -p "$GUEST/progs/threads" -P spin -P add2 -A 'spin@arg1/i,arg2/i' -R 'spin@retval/i' -R 'add2@retval/i' \
    -o "$OUT2" >"$TMP/tconsole" 2>"$TMP/tstderr"
ok $? "qtrace system --smp 2 exits 0"
T2=$OUT2/trace.txt
check "threads program finished" grep -q 'threads: done total=' "$TMP/tconsole"
tids=$(sed -n 's/.*tid:\([0-9]*\)\] spin(id=[12], n=200) {$/\1/p' "$T2" | sort -u | wc -l)
ok $([ "$tids" = 2 ]; echo $?) "two spin() calls in two different threads (got $tids)"
for id in 1 2; do
    stid=$(sed -n "s/.*tid:\([0-9]*\)\] spin(id=$id, n=200) {\$/\1/p" "$T2" | head -1)
    n=$(thread_tree "$T2" "$stid" | grep -cE '^  add2\(.*\) = [0-9]+;$')
    closes=$(thread_tree "$T2" "$stid" | grep -cE '^\} = [0-9]+; /\* spin \*/$')
    ok $([ "$n" = 200 ] && [ "$closes" = 1 ]; echo $?) "thread of spin($id): 200 add2 calls nested in it, spin returns once (got $n/$closes)"
done
cpus=$(grep -oE '\[cpu[0-9]+ ' "$T2" | sort -u | wc -l)
ok $([ "$cpus" -ge 1 ]; echo $?) "events carry their vCPU ($cpus vCPUs seen)"
# every function of the program: the fast path (no register read while only the program runs)
# and its one-block functions (add, probe: one callback at their ret) give the same trees
OUT3=$TMP/calls-all
"$QTRACE" system --kernel "$GUEST/vmlinuz" --initrd "$GUEST/initrd.gz" --append qtrace.run=calls --timeout 180 \
    -p "$GUEST/progs/calls" --format text -o "$OUT3" >"$TMP/console3.raw" 2>"$TMP/stderr3"
ok $? "qtrace system, every function of calls: exits 0"
T3=$OUT3/trace.txt
pid3=$(tr -d '\r' <"$TMP/console3.raw" | sed -n 's/^calls: pid=\([0-9]*\)$/\1/p')
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

# one-block functions the guest kernel interrupts: touch() takes a page fault halfway through
# (a fresh bss page), so the CPU resumes in the middle of it; every call must still be there
OUT4=$TMP/faults
"$QTRACE" system --kernel "$GUEST/vmlinuz" --initrd "$GUEST/initrd.gz" --append qtrace.run=faults --timeout 180 \
    -p "$GUEST/progs/faults" --format text -o "$OUT4" >"$TMP/console4.raw" 2>"$TMP/stderr4"
ok $? "qtrace system, every function of faults: exits 0"
pid4=$(tr -d '\r' <"$TMP/console4.raw" | sed -n 's/^faults: pid=\([0-9]*\) s=2500876$/\1/p')
ok $([ -n "$pid4" ]; echo $?) "faults ran to the end with the right sum (pid $pid4)"
program_tree "$OUT4/trace.txt" "$pid4" 'main|touch|mix' >"$TMP/faults.tree"
{
    echo 'main() {'
    for i in $(seq 16); do echo '  touch();'; done
    for i in $(seq 1000); do echo '  mix();'; done
    echo '} /* main */'
} >"$TMP/faults.want"
same_text "faults: 16 touch() calls, each interrupted by a page fault, and 1000 mix() calls" "$TMP/faults.tree" "$TMP/faults.want"

# the same two threads on two vCPUs with every function traced: the fast path and one-block
# add2() with the stacks' try-lock
OUT5=$TMP/threads-all
"$QTRACE" system --kernel "$GUEST/vmlinuz" --initrd "$GUEST/initrd.gz" --append qtrace.run=threads --smp 2 --timeout 180 \
    -p "$GUEST/progs/threads" --format text -o "$OUT5" >"$TMP/tconsole5" 2>"$TMP/tstderr5"
ok $? "qtrace system --smp 2, every function of threads: exits 0"
T5=$OUT5/trace.txt
tids5=$(tr -d '\r' <"$TMP/tconsole5" | sed -n 's/^threads: tid1=\([0-9]*\) tid2=\([0-9]*\)$/\1 \2/p')
ok $([ "$(echo $tids5 | wc -w)" = 2 ]; echo $?) "every function, 2 vCPUs: the program printed its two tids ($tids5)"
for t in $tids5; do
    program_tree "$T5" "$t" 'spin|add2' >"$TMP/spin.tree"
    { echo 'spin() {'; for i in $(seq 200); do echo '  add2();'; done; echo '} /* spin */'; } >"$TMP/spin.want"
    same_text "every function, 2 vCPUs: thread $t runs spin() once with its 200 add2() calls" "$TMP/spin.tree" "$TMP/spin.want"
done

done_testing
