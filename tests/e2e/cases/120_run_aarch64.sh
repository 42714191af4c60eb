#!/usr/bin/env bash
# An aarch64 program under qemu-aarch64: the same call trees as on x86-64, for calls.c and leaves.c
# (oracle: the x86-64 expected trees, the pid leaves printed).
. "$(dirname "$0")/../lib.sh"
if command -v aarch64-linux-gnu-gcc >/dev/null && [ -x "$CACHE/bin/qemu-aarch64" ]; then
    aarch64-linux-gnu-gcc $CF -static -pthread -o "$TMP/calls-a64" "$CALLS"
    "$QTRACE" run -q -P main -P add -P fact -P greet -P probe -P leap -A add -A fact -A greet -A probe -A 'leap@arg1/i32' \
        -R 'main@retval/i32' -o "$TMP/c6" -- "$TMP/calls-a64" >"$TMP/c6.out" 2>&1
    ok $? "aarch64 program runs under qtrace (qemu-aarch64)"
    at=$(sed -n 's/.*tid:\([0-9]*\)\] main() {$/\1/p' "$TMP/c6/trace.txt" | head -1)
    thread_tree "$TMP/c6/trace.txt" "$at" >"$TMP/a64.tree"
    same_text "aarch64: the same call tree as x86-64 (bl/blr/ret, x0-x7)" "$TMP/a64.tree" "$EXPECTED/calls_main.tree"
    # one-block functions on aarch64: bl stores the mark, the ret writes the call (static: the
    # program's own functions are picked out of libc's)
    aarch64-linux-gnu-gcc -O2 -g -fno-inline -static -o "$TMP/leaves-a64" "$TOP/tests/progs/leaves.c"
    "$QTRACE" run --format text -o "$TMP/lva" -- "$TMP/leaves-a64" >"$TMP/lva.out" 2>&1
    apid=$(sed -n 's/^leaves: pid=\([0-9]*\) s=166$/\1/p' "$TMP/lva.out")
    LEAVES_FNS='main|one|two|branchy|via_tail|nothing|jumper|deep'
    thread_tree "$TMP/lva/trace.txt" "$apid" | grep -E "^ *(($LEAVES_FNS)\\(|\\} /\\* ($LEAVES_FNS)[ :])" |
        awk 'NR == 1 { match($0, /^ */); cut = RLENGTH } { print substr($0, cut + 1) }' >"$TMP/lva.tree"
    grep -vE '^ *(_setjmp|\} /\* _setjmp|getpid|printf|longjmp|\} /\* longjmp)' "$EXPECTED/leaves_main.tree" |
        awk 'NR == 1 { match($0, /^ */); cut = RLENGTH } { print substr($0, cut + 1) }' >"$TMP/lva.want"
    same_text "aarch64, every function: the same calls of leaves.c as on x86-64 (pid $apid)" "$TMP/lva.tree" "$TMP/lva.want"
else
    ok 1 "aarch64: cross compiler or qemu-aarch64 missing (run scripts/setup.sh)"
fi
done_testing
