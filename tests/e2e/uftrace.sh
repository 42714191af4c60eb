#!/usr/bin/env bash
# Issue 3, uftrace.data output (--format uftrace, qtrace dump -f uftrace): uftrace itself is the
# oracle. A program built with -pg is recorded natively by uftrace and traced by qtrace run;
# uftrace must read qtrace's uftrace.data without a warning and see the same entries and exits,
# the same call tree as qtrace's text output, and every thread as a task.
. "$(dirname "$0")/lib.sh"

skip_all() { echo "ok 1 - # SKIP $1"; echo "1..1"; exit 0; }
command -v uftrace >/dev/null 2>&1 || skip_all "uftrace is not installed"
command -v gcc >/dev/null 2>&1 || skip_all "gcc is not installed"
# setup may be rebuilding qemu-user: wait for it (at most 10 minutes)
QEMU=$CACHE/bin/qemu-x86_64
for _ in $(seq 120); do
    [ -f "$CACHE/qemu-user.stamp" ] && [ -x "$QEMU" ] && break
    sleep 5
done
[ -x "$QEMU" ] || skip_all "no plugin-enabled qemu-x86_64 in $CACHE/bin (make setup-qemu-user)"

# ---- the programs -------------------------------------------------------------------------------
cat >"$TMP/prog.c" <<'C'
#include <stdio.h>
static int fact(int n) { return n <= 1 ? 1 : n * fact(n - 1); }
static int add(int a, int b) { return a + b; }
static int mul(int a, int b) { return a * b; }
static int square(int x) { return mul(x, x); }
static const char *greet(const char *who, char c) { return c == '!' ? who : "?"; }
static int work(int n)
{
    int s = 0;
    for (int i = 0; i < n; i++)
        s = add(s, fact(i));
    return add(s, square(n));
}
int main(void)
{
    printf("%d %s\n", work(4), greet("world", '!'));
    puts("done");
    return 0;
}
C
cat >"$TMP/thr.c" <<'C'
#include <pthread.h>
#include <stdio.h>
static int leaf(int x) { return x * 2; }
static int mid(int x) { return leaf(x) + leaf(x + 1); }
static void *worker(void *arg)
{
    long s = 0;
    for (int i = 0; i < 3; i++)
        s += mid((int)(long)arg + i);
    return (void *)s;
}
int main(void)
{
    pthread_t t;
    void *r;
    pthread_create(&t, NULL, worker, (void *)10L);
    pthread_join(t, &r);
    printf("%ld %d\n", (long)r, mid(1));
    return 0;
}
C
gcc -pg -O1 -g -fno-inline -o "$TMP/prog" "$TMP/prog.c" 2>"$TMP/gcc.err"
ok $? "prog builds with -pg -O1 -g -fno-inline"
gcc -O1 -g -fno-inline -pthread -o "$TMP/thr" "$TMP/thr.c" 2>>"$TMP/gcc.err"
ok $? "two-thread program builds"
FUNCS=(-P main -P work -P fact -P add -P square -P mul -P greet)

# uftrace's tree without its duration and tid columns; qtrace's text without its own columns
uft_tree() { sed -n 's/^[^|]*| //p' "$1"; }
# no argument values, no return values, no ': unwound' notes: names and nesting only
bare() { sed -E 's/\(.*\)( = [^;]*)?;$/();/; s/\(.*\) \{$/() {/; s/^( *)\} = [^;]*;/\1}/; s/: (unwound|unfinished) \*\// *\//'; }
# qtrace's "name=value" arguments as uftrace shows them: the values only
no_names() { sed -E 's/([(,] ?)[A-Za-z_][A-Za-z0-9_]*=/\1/g'; }
# uftrace dump: the entry/exit sequence, "entry main 0"
dump_seq() { sed -nE 's/^.*\[(entry|exit )\] ([^(]*)\(.*depth: ([0-9]+)$/\1 \2 \3/p' "$1"; }

# ---- 1. native uftrace vs qtrace: the same entries and exits --------------------------------------
(cd "$TMP" && uftrace record --no-libcall -d "$TMP/native" ./prog >"$TMP/native.out" 2>"$TMP/native.err")
ok $? "uftrace record (native) of prog"
# (in $TMP: a -pg program leaves gmon.out in its working directory)
(cd "$TMP" && "$QTRACE" run -q "${FUNCS[@]}" --format text,uftrace -o "$TMP/q" -- ./prog >"$TMP/q.out" 2>"$TMP/q.err")
ok $? "qtrace run --format text,uftrace exits 0"
same_text "the program's output is the same under qtrace" "$TMP/q.out" "$TMP/native.out"
D=$TMP/q/uftrace.data
check "DIR/uftrace.data has info, task.txt, a sid map, prog.sym and a .dat per thread" \
    bash -c "[ -f $D/info ] && [ -f $D/task.txt ] && ls $D/sid-*.map && [ -f $D/prog.sym ] && ls $D/[0-9]*.dat"
uftrace replay -d "$TMP/native" -f none >"$TMP/native.replay" 2>"$TMP/native.replay.err"
uftrace replay -d "$D" -f none >"$TMP/q.replay" 2>"$TMP/q.replay.err"
ok $? "uftrace replay reads qtrace's uftrace.data"
same_text "uftrace replay writes nothing on stderr for it" "$TMP/q.replay.err" /dev/null
ok $([ "$(wc -l <"$TMP/q.replay")" -gt 10 ]; echo $?) "a real call tree ($(wc -l <"$TMP/q.replay") lines)"
same_text "native and qtrace recordings replay to the same function entries and exits" "$TMP/q.replay" "$TMP/native.replay"
uftrace dump -d "$TMP/native" >"$TMP/native.dump" 2>/dev/null
uftrace dump -d "$D" >"$TMP/q.dump" 2>"$TMP/q.dump.err"
ok $? "uftrace dump reads it"
dump_seq "$TMP/native.dump" >"$TMP/native.seq"
dump_seq "$TMP/q.dump" >"$TMP/q.seq"
same_text "uftrace dump: the same sequence of records (type, function, depth)" "$TMP/q.seq" "$TMP/native.seq"

# ---- 2. uftrace replay of qtrace's data = qtrace's own text ---------------------------------------
(cd "$TMP" && "$QTRACE" run -q "${FUNCS[@]}" -P puts -A 'fact@arg1/i32' -R 'fact@retval/i32' \
    -A 'add@arg1/i32,arg2/i32' -R 'add@retval/i32' -A 'greet@arg1/s,arg2/c' -R 'greet@retval/s' \
    --format text,uftrace -o "$TMP/a" -- ./prog >/dev/null 2>"$TMP/a.err")
ok $? "qtrace run with -A/-R and a libc function"
uftrace replay -d "$TMP/a/uftrace.data" >"$TMP/a.replay" 2>"$TMP/a.replay.err"
ok $? "uftrace replay of it"
same_text "no warning from uftrace replay" "$TMP/a.replay.err" /dev/null
tree_of "$TMP/a/trace.txt" | bare >"$TMP/a.txt.bare"
uft_tree "$TMP/a.replay" | bare >"$TMP/a.uft.bare"
same_text "same function names and nesting as qtrace's trace.txt, line by line" "$TMP/a.uft.bare" "$TMP/a.txt.bare"
tree_of "$TMP/a/trace.txt" | no_names >"$TMP/a.txt.vals"
uft_tree "$TMP/a.replay" >"$TMP/a.uft.vals"
same_text "same argument and return values (uftrace shows no parameter names)" "$TMP/a.uft.vals" "$TMP/a.txt.vals"
check "the libc function is named (libc.so.6.sym)" grep -q '^ *puts();$' "$TMP/a.uft.vals"
check "a string argument and a string return value" grep -q 'greet("world", '"'"'!'"'"') = "world";' "$TMP/a.uft.vals"
tree_of "$TMP/q/trace.txt" | bare >"$TMP/q.txt.bare"
uftrace replay -d "$D" >"$TMP/q.replay.full" 2>/dev/null
uft_tree "$TMP/q.replay.full" | bare >"$TMP/q.uft.bare"
same_text "and for the run without arguments" "$TMP/q.uft.bare" "$TMP/q.txt.bare"

# qtrace dump -f uftrace writes the same directory from the trace
"$QTRACE" dump -f uftrace -o "$TMP/dumped.data" "$TMP/a/trace.qtr" 2>"$TMP/dump.err"
ok $? "qtrace dump -f uftrace -o DIR"
check "qtrace dump writes the same files as qtrace run" diff -r "$TMP/dumped.data" "$TMP/a/uftrace.data"
"$QTRACE" dump -f uftrace -o "$TMP/dumped.data" "$TMP/a/trace.qtr" 2>"$TMP/dump2.err"
ok $? "qtrace dump -f uftrace replaces its own earlier output"
"$QTRACE" dump -f uftrace "$TMP/a/trace.qtr" >"$TMP/dump3.out" 2>"$TMP/dump3.err"
st=$?
ok $([ $st = 2 ] && [ "$(wc -l <"$TMP/dump3.err")" = 1 ] && grep -q '^qtrace: error: .*-o DIR' "$TMP/dump3.err"; echo $?) \
    "without -o: one error line, exit 2 ($st: $(cat "$TMP/dump3.err"))"

# ---- 3. report, graph, dump --chrome, info, tui -------------------------------------------------
A=$TMP/a/uftrace.data
uftrace report -d "$A" >"$TMP/report" 2>"$TMP/report.err"
ok $([ $? = 0 ] && [ ! -s "$TMP/report.err" ]; echo $?) "uftrace report runs without error"
check "report counts 7 calls of fact" grep -qE '^ .* 7  fact$' "$TMP/report"
uftrace graph -d "$A" >"$TMP/graph" 2>"$TMP/graph.err"
ok $([ $? = 0 ] && [ ! -s "$TMP/graph.err" ]; echo $?) "uftrace graph runs without error"
check "graph: main calls work (1)" grep -qE '\(1\) work$' "$TMP/graph"
uftrace dump --chrome -d "$A" >"$TMP/chrome.json" 2>"$TMP/chrome.err"
ok $([ $? = 0 ] && [ ! -s "$TMP/chrome.err" ]; echo $?) "uftrace dump --chrome runs without error"
if command -v python3 >/dev/null 2>&1; then
    check "its JSON parses, with B and E events of fact" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
ev = [e for e in d["traceEvents"] if e.get("name") == "fact"]
sys.exit(0 if ev and {e["ph"] for e in ev} == {"B", "E"} else 1)' "$TMP/chrome.json"
else
    ok 0 "# SKIP python3 not found"
fi
uftrace info -d "$A" >"$TMP/info" 2>"$TMP/info.err"
ok $([ $? = 0 ] && [ ! -s "$TMP/info.err" ] && grep -q 'exe image *: .*prog' "$TMP/info"; echo $?) "uftrace info"
if command -v script >/dev/null 2>&1; then
    (sleep 2; printf q) | timeout 20 script -qfc "uftrace tui -d $A" /dev/null >"$TMP/tui.out" 2>&1
    ok $([ $? = 0 ] && grep -q 'work' "$TMP/tui.out" && ! grep -qiE 'error|warn' "$TMP/tui.out"; echo $?) \
        "uftrace tui shows the call graph (in a pseudo-terminal) and quits"
else
    ok 0 "# SKIP script (util-linux) not found: uftrace tui not checked"
fi

# ---- 4. two threads: two tasks ----------------------------------------------------------------------
"$QTRACE" run -q -P main -P worker -P mid -P leaf --format text,uftrace -o "$TMP/t" -- "$TMP/thr" >"$TMP/t.out" 2>"$TMP/t.err"
ok $? "qtrace run of the two-thread program"
T=$TMP/t/uftrace.data
check "two TASK lines in task.txt" test "$(grep -c '^TASK ' "$T/task.txt")" = 2
uftrace info -d "$T" --task >"$TMP/t.tasks" 2>"$TMP/t.tasks.err"
ok $([ $? = 0 ] && [ "$(grep -cE '\[ *[0-9]+\]' "$TMP/t.tasks")" = 2 ]; echo $?) "uftrace info --task lists two tasks"
uftrace replay -d "$T" -f tid >"$TMP/t.replay" 2>"$TMP/t.replay.err"
ok $([ $? = 0 ] && [ ! -s "$TMP/t.replay.err" ]; echo $?) "uftrace replay of the threads, no warning"
tids=$(sed -nE 's/^ *\[ *([0-9]+)\] .*/\1/p' "$TMP/t.replay" | sort -un)
ok $([ "$(echo "$tids" | wc -l)" = 2 ]; echo $?) "two tids in uftrace replay: $(echo $tids)"
for tid in $tids; do
    uftrace replay -d "$T" --tid "$tid" >"$TMP/t.$tid" 2>/dev/null
    uft_tree "$TMP/t.$tid" | bare >"$TMP/t.$tid.uft"
    thread_tree "$TMP/t/trace.txt" "$tid" | bare >"$TMP/t.$tid.txt"
    same_text "thread $tid: the same tree as in qtrace's text" "$TMP/t.$tid.uft" "$TMP/t.$tid.txt"
done
grep -h '^worker() {$' "$TMP"/t.*.uft >/dev/null
ok $? "worker() is one thread's outermost call"

done_testing
