#!/usr/bin/env bash
# Issue 3: qtrace run (user mode). Programs print what they did; the trace must agree.
. "$(dirname "$0")/lib.sh"
CF="-O1 -g -fno-inline -fno-optimize-sibling-calls -fno-omit-frame-pointer"
CALLS=$TOP/guest/progs/calls.c

# --- 1. static program: exact tree, real thread ids --------------------------------------------
gcc $CF -static -no-pie -pthread -o "$TMP/calls" "$CALLS"
"$QTRACE" run -P main -P add -P fact -P greet -P probe -P leap -P worker \
    -A 'add@arg1/i,arg2/i' -R 'add@retval/i' -A 'fact@arg1/i' -R 'fact@retval/i' -A 'greet@arg1/s' -R 'greet@retval/i32' \
    -A 'probe@arg1/s' -R 'probe@retval/i32' -A 'leap@arg1/i32' -A 'worker@arg1/i' -R 'main@retval/i32' \
    -o "$TMP/c1" -- "$TMP/calls" >"$TMP/c1.out" 2>"$TMP/c1.err"
ok $? "qtrace run exits with the program's status (0)"
T=$TMP/c1/trace.txt
pid=$(sed -n 's/^calls: pid=\([0-9]*\)$/\1/p' "$TMP/c1.out")
main_tid=$(sed -n 's/.*tid:\([0-9]*\)\] main() {$/\1/p' "$T" | head -1)
ok $([ -n "$pid" ] && [ "$pid" = "$main_tid" ]; echo $?) "main's tid in the trace is the pid the program printed ($pid / $main_tid)"
thread_tree "$T" "$main_tid" >"$TMP/main.tree"
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
} = 0; /* main */
W
same_text "main thread: exact calls, arguments, return values, longjmp" "$TMP/main.tree" "$TMP/main.want"
w1=$(sed -n 's/.*tid:\([0-9]*\)\] worker(arg=1) {$/\1/p' "$T"); w2=$(sed -n 's/.*tid:\([0-9]*\)\] worker(arg=2) {$/\1/p' "$T")
ok $([ -n "$w1" ] && [ -n "$w2" ] && [ "$w1" != "$w2" ] && [ "$w1" != "$main_tid" ]; echo $?) "each worker thread has its own tid ($w1, $w2)"
for id in 1 2; do
    eval "wt=\$w$id"
    thread_tree "$T" "$wt" >"$TMP/w$id.tree"
    printf 'worker(arg=%d) {\n  add(a=%d00, b=0) = %d00;\n  add(a=%d00, b=1) = %d01;\n  add(a=%d00, b=2) = %d02;\n} /* worker */\n' \
        $id $id $id $id $id $id $id >"$TMP/w$id.want"
    same_text "worker $id: exact calls on its own stack" "$TMP/w$id.tree" "$TMP/w$id.want"
done

# --- 2. DWARF: -A FUNC alone names and types the arguments ---------------------------------------
"$QTRACE" run -q -P greet -A greet -A add -o "$TMP/c2" -- "$TMP/calls" >/dev/null 2>&1
check "DWARF: greet(who=\"world\") = 5 with no type given" grep -qE '\] greet\(who="world"\) = 5;$' "$TMP/c2/trace.txt"
check "DWARF: add(a=2, b=3) = 5 with no type given" grep -qE '\] add\(a=2, b=3\) = 5;$' "$TMP/c2/trace.txt"

# --- 2b. uftrace's filters: -F (only inside), -N (hide with what it calls), -D (recorded depth) ----
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

# --- 2c. execve: the new program runs outside QEMU; qtrace says so and how to trace it -------------
out=$("$QTRACE" run -q --syscalls -o "$TMP/ex" -- /bin/sh -c 'exec /bin/echo exec-ok' 2>"$TMP/ex.err"); rc=$?
ok $([ $rc = 0 ] && [ "$out" = exec-ok ]; echo $?) "exec: the new program runs, its output and status pass through ($rc, $out)"
check "exec: qtrace says the new program is not traced, and how to trace it" \
    grep -qE '^qtrace: pid [0-9]+ calls execve\("/bin/echo"\): if it succeeds, the new program runs outside QEMU, untraced \(to trace it: qtrace run' "$TMP/ex.err"
check "exec: the execve is the trace's last system call" bash -c "grep 'syscall ' '$TMP/ex/trace.txt' | tail -1 | grep -q 'execve(\"/bin/echo\"'"

# --- 2d. more threads than QEMU's initial scoreboard size: the scoreboards move under running threads
gcc -O1 -g -fno-inline -static -pthread -o "$TMP/many" "$TOP/tests/progs/many_threads.c"
for sel in "-P work -P leaf" ""; do
    "$QTRACE" run -q $sel --format text -o "$TMP/mt" -- "$TMP/many" >"$TMP/mt.out" 2>&1; rc=$?
    nl=$(grep -c 'leaf();$' "$TMP/mt/trace.txt"); nw=$(grep -oE 'tid:[0-9]+\] +work\(\) \{$' "$TMP/mt/trace.txt" | sort -u | wc -l)
    ok $([ $rc = 0 ] && [ "$nl" = 800000 ] && [ "$nw" = 40 ] && grep -qx 'many: 23999624576' "$TMP/mt.out"; echo $?) \
        "40 threads (${sel:-every function}): 40 work() threads, 800000 leaf() calls, none lost ($rc, $nw, $nl)"
done

# --- 2e. host signals all through the run (a timer every 200 us, SIGCHLD of 20 children) ------
# (every function: f() and on_alarm() are one-block functions, recorded at their ret; a signal may
# arrive between a call of f and its block, and on_alarm is entered without a call)
gcc -O1 -g -fno-inline -static -o "$TMP/signals" "$TOP/tests/progs/signals.c"
for sel in "-P f -P on_alarm" ""; do
    "$QTRACE" run $sel --format text -o "$TMP/sg" -- "$TMP/signals" >"$TMP/sg.out" 2>"$TMP/sg.err"; rc=$?
    nf=$(grep -c '  f();$\|] f();$' "$TMP/sg/trace.txt"); na=$(grep -c 'on_alarm();$' "$TMP/sg/trace.txt")
    ok $([ $rc = 0 ] && grep -qx 'signals: sum=1499999500000 calls=1000000 children=20 alarms=yes' "$TMP/sg.out"; echo $?) \
        "signals (${sel:-every function}): the program survives a timer signal every 200 us and 20 children under tracing (status $rc)"
    ok $([ "$nf" = 1000000 ] && [ "$na" -gt 0 ] && ! grep -q 'no end record' "$TMP/sg.err" && ! grep -q 'on_alarm.*unfinished' "$TMP/sg/trace.txt"; echo $?) \
        "signals (${sel:-every function}): all 1000000 f() calls recorded, $na on_alarm() handler calls, the trace is complete"
done

# --- 2f. one-block functions (straight from entry to ret): called directly, through a pointer, by
# a tail jump, and one the program dies in -----------------------------------------------------
gcc -O2 -g -fno-inline -o "$TMP/leaves" "$TOP/tests/progs/leaves.c"
main_tree() { thread_tree "$1" "$2" | sed -n '/^  main() {$/,/^  } \/\* main/p'; }
"$QTRACE" run --format text -o "$TMP/lv" -- "$TMP/leaves" >"$TMP/lv.out" 2>"$TMP/lv.err"; rc=$?
pid=$(sed -n 's/^leaves: pid=\([0-9]*\) s=166$/\1/p' "$TMP/lv.out")
ok $([ $rc = 0 ] && [ -n "$pid" ]; echo $?) "leaves: runs to the end, s=166 (status $rc, pid $pid)"
main_tree "$TMP/lv/trace.txt" "$pid" >"$TMP/lv.tree"
cat >"$TMP/lv.want" <<'W'
  main() {
    one();
    one();
    one();
    one();
    one();
    one();
    via_tail() {
    } /* via_tail: unwound */
    two();
    branchy();
    nothing();
    _setjmp() {
    } /* _setjmp: unwound */
    jumper() {
    } /* jumper: unwound */
    deep() {
      longjmp() {
      } /* longjmp: unwound */
    } /* deep: unwound */
    one();
    getpid();
    printf();
  } /* main */
W
same_text "leaves: direct calls, a pointer, a tail jump, a branchy neighbour, a bare ret, a call after longjmp" \
    "$TMP/lv.tree" "$TMP/lv.want"
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

# --- 3. dynamically linked PIE: libc functions named, with arguments ------------------------------
cat >"$TMP/dyn.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
__attribute__((noinline)) int twice(int x) { return 2 * x; }
int main(void) {
    char *p = malloc(40);
    strcpy(p, "hello from pie");
    puts(p);
    printf("twice=%d\n", twice(21));
    free(p);
    return 0;
}
C
gcc -O1 -g -pie -fPIE -o "$TMP/dyn" "$TMP/dyn.c"
"$QTRACE" run -q -P main -P twice -P puts -P malloc -P free -A 'puts@arg1/s' -A 'malloc@arg1/u' -R 'malloc@retval/p' \
    -A twice --format text,linkmap -o "$TMP/c3" -- "$TMP/dyn" >"$TMP/c3.out" 2>&1
ok $? "dynamic PIE program runs under qtrace"
D=$TMP/c3/trace.txt
check "PIE: program function relocated and named: twice(x=21) = 42" grep -qE '\]   twice\(x=21\) = 42;$' "$D"
check "libc: malloc(40) returns a pointer" grep -qE '\]   malloc\(40\) = 0x[0-9a-f]+;$' "$D"
check "libc: puts(\"hello from pie\") with its string argument" grep -qE '\]   puts\("hello from pie"\)' "$D"
# with no selection at all, the library functions the program calls (its PLT imports) are
# traced too, as uftrace and ltrace show them: main's calls in order
"$QTRACE" run -q -o "$TMP/c3b" -- "$TMP/dyn" >/dev/null 2>&1
tree_of "$TMP/c3b/trace.txt" | sed -n '/^  main() {$/,/^  } \/\* main \*\/$/p' | grep -E '^    [a-z]' | sed 's/[({].*//; s/^ *//' | uniq >"$TMP/c3b.calls"
printf 'malloc\nputs\ntwice\nprintf\nfree\n' >"$TMP/c3b.want"
same_text "no selection: main's own and library calls (malloc, puts, twice, printf, free)" "$TMP/c3b.calls" "$TMP/c3b.want"
check "libc: free() called from main" grep -qE '\]   free\(\);$' "$D"
check "program output passes through" grep -qx 'hello from pie' "$TMP/c3.out"
check "link map: libc.so.6 with its load base" grep -qE '^0x[0-9a-f]{16} +0x[0-9a-f]+  /.*/libc\.so\.6$' "$TMP/c3/trace.linkmap"
check "link map: the PIE program, relocated" grep -qE "^0x0000[0-9a-f]{12} +0x[0-9a-f]+  $TMP/dyn\$" "$TMP/c3/trace.linkmap"

# --- 4. syscalls: the same calls, arguments and results as strace --------------------------------
gcc -O1 -static -o "$TMP/sysio" "$TOP/tests/progs/sysio.c"
F=$TMP/sysio.file
strace -qq -o "$TMP/strace.txt" -e trace=openat,dup2,close,write,read,unlink "$TMP/sysio" "$F" >/dev/null
"$QTRACE" run -q --syscalls -P main -o "$TMP/c4" -- "$TMP/sysio" "$F" >/dev/null 2>&1
ok $? "qtrace run --syscalls exits 0"
norm() { sed -E 's/\) +=/) =/; s/^(openat\(.*\)) = [0-9]+$/\1 = FD/; s/^(dup2|close)\([0-9]+([,)])/\1(FD\2/' ; }
grep -E '^(openat|dup2|close|write|read|unlink)\(' "$TMP/strace.txt" | grep -v 'write(1,' | norm >"$TMP/sys.want"
sed -n 's/.*\] *syscall //p' "$TMP/c4/trace.txt" | grep -E '^(openat|dup2|close|write|read|unlink)\(' | grep -v 'write(1,' | norm >"$TMP/sys.got"
# the strace list starts where the program's first openat of the file does
same_text "syscalls: same calls, arguments and return values as strace -f" "$TMP/sys.got" "$TMP/sys.want"
check "syscalls are nested inside main()" grep -qE '\]   syscall unlink\("' "$TMP/c4/trace.txt"

# --- 5. fork: the child is traced too ------------------------------------------------------------
gcc $CF -static -o "$TMP/forker" "$TOP/tests/progs/forker.c"
"$QTRACE" run -q -P add -A 'add@arg1/i,arg2/i' -R 'add@retval/i' -o "$TMP/c5" -- "$TMP/forker" >"$TMP/c5.out" 2>&1
ok $? "forker exits 0"
child=$(sed -n 's/^forker: child pid=\([0-9]*\) .*/\1/p' "$TMP/c5.out")
check "the child's add(7, 8) = 15 is traced with the child's pid ($child)" grep -qE "tid:$child\] add\(a=7, b=8\) = 15;$" "$TMP/c5/trace.txt"
parent=$(sed -n 's/^forker: parent pid=\([0-9]*\)$/\1/p' "$TMP/c5.out")
check "the parent's add(1, 1) = 2 with the parent's pid ($parent)" grep -qE "tid:$parent\] add\(a=1, b=1\) = 2;$" "$TMP/c5/trace.txt"

# --- 6. aarch64: same program, same tree, from the same per-arch tables --------------------------
if command -v aarch64-linux-gnu-gcc >/dev/null && [ -x "$CACHE/bin/qemu-aarch64" ]; then
    aarch64-linux-gnu-gcc $CF -static -pthread -o "$TMP/calls-a64" "$CALLS"
    "$QTRACE" run -q -P main -P add -P fact -P greet -P probe -P leap -A add -A fact -A greet -A probe -A 'leap@arg1/i32' \
        -R 'main@retval/i32' -o "$TMP/c6" -- "$TMP/calls-a64" >"$TMP/c6.out" 2>&1
    ok $? "aarch64 program runs under qtrace (qemu-aarch64)"
    at=$(sed -n 's/.*tid:\([0-9]*\)\] main() {$/\1/p' "$TMP/c6/trace.txt" | head -1)
    thread_tree "$TMP/c6/trace.txt" "$at" >"$TMP/a64.tree"
    same_text "aarch64: the same call tree as x86-64 (bl/blr/ret, x0-x7)" "$TMP/a64.tree" "$TMP/main.want"
    # one-block functions on aarch64: bl stores the mark, the ret writes the call (static: the
    # program's own functions are picked out of libc's)
    aarch64-linux-gnu-gcc -O2 -g -fno-inline -static -o "$TMP/leaves-a64" "$TOP/tests/progs/leaves.c"
    "$QTRACE" run --format text -o "$TMP/lva" -- "$TMP/leaves-a64" >"$TMP/lva.out" 2>&1
    apid=$(sed -n 's/^leaves: pid=\([0-9]*\) s=166$/\1/p' "$TMP/lva.out")
    program_tree "$TMP/lva/trace.txt" "$apid" 'main|one|two|branchy|via_tail|nothing|jumper|deep' >"$TMP/lva.tree"
    grep -vE '^ *(_setjmp|\} /\* _setjmp|getpid|printf|longjmp|\} /\* longjmp)' "$TMP/lv.want" | unindent >"$TMP/lva.want"
    same_text "aarch64, every function: the same calls of leaves.c as on x86-64 (pid $apid)" "$TMP/lva.tree" "$TMP/lva.want"
else
    ok 1 "aarch64: cross compiler or qemu-aarch64 missing (run scripts/setup.sh)"
fi

# --- 7. bad input: one clear line, exit 2 --------------------------------------------------------
"$QTRACE" run -- "$TMP/does-not-exist" >"$TMP/e1" 2>&1; rc=$?
ok $([ $rc = 2 ] && [ "$(wc -l <"$TMP/e1")" = 1 ] && grep -q '^qtrace: error: .*does-not-exist' "$TMP/e1"; echo $?) "missing program: one line, exit 2"
echo "not an elf" >"$TMP/notelf"; chmod +x "$TMP/notelf"
"$QTRACE" run -- "$TMP/notelf" >"$TMP/e2" 2>&1; rc=$?
ok $([ $rc = 2 ] && [ "$(wc -l <"$TMP/e2")" = 1 ] && grep -q '^qtrace: error: .*not an ELF' "$TMP/e2"; echo $?) "not an ELF: one line, exit 2"
cp "$TMP/calls" "$TMP/riscv"; printf '\xf3\x00' | dd of="$TMP/riscv" bs=1 seek=18 conv=notrunc 2>/dev/null
"$QTRACE" run -- "$TMP/riscv" >"$TMP/e3" 2>&1; rc=$?
ok $([ $rc = 2 ] && [ "$(wc -l <"$TMP/e3")" = 1 ] && grep -q '^qtrace: error: ' "$TMP/e3"; echo $?) "ELF for an architecture without an emulator: one line, exit 2 ($(cat "$TMP/e3"))"
done_testing
