#!/usr/bin/env bash
# 'lib:libc.so.6' without --comm traces libc in every process that maps it: the program runs
# twice (the second process exec'ed by the first), each process's libc is at its own base, and
# the events are told apart by pid; --linkmap lists each process's files and bases (oracle: what
# each process read from its own /proc/self/maps, and the libc functions its source calls).
. "$(dirname "$0")/../lib.sh"
libs_fixture
B=$FX/b
ok "$(rc_of "$B.rc")" "qtrace system exits 0"
check "both processes ran to the end" test "$(grep -c '^libs_dyn: done$' "$B.console")" = 2
check "nothing said: libc.so.6 found and matched" bash -c "! grep -q warning '$B.err'"
check "--linkmap wrote trace.linkmap" test -s "$B/trace.linkmap"
sed -n 's/^libs_dyn: pid=\([0-9]*\) bias=\(0x[0-9a-f]*\) libc=\(0x[0-9a-f]*\)$/\1 \2 \3/p' "$B.console" >"$TMP/said"
check "two processes said their bases" test "$(wc -l <"$TMP/said")" = 2
check "at two different libc bases" test "$(cut -d' ' -f3 "$TMP/said" | sort -u | wc -l)" = 2
while read -r pid bias libc; do
    lm() { awk -v p="$pid" -v f="$1" '$1 == p && $4 == f { print $3 }' "$B/trace.linkmap"; }
    check "pid $pid: its link map has the program at $bias" test "$(lm /progs/libs_dyn)" = "$(printf '0x%016x' "$bias")"
    check "pid $pid: its link map has libc.so.6 at $libc" \
        test "$(lm /lib/x86_64-linux-gnu/libc.so.6)" = "$(printf '0x%016x' "$libc")"
    check "pid $pid: its link map has the dynamic loader" test -n "$(lm /lib64/ld-linux-x86-64.so.2)"
    call_tree "$B/trace.txt" "$pid" | sed 's/^ *//; s/[({].*//' | sort -u >"$TMP/called.$pid"
    for f in qsort printf fopen getpid; do
        check "pid $pid: libc's $f, called by the program, traced in this process" grep -qx "$f" "$TMP/called.$pid"
    done
    check "pid $pid: the program's scale too" grep -qx scale "$TMP/called.$pid"
done <"$TMP/said"
# the parent forked the child: the child's libc calls are not the parent's
read -r p1 _ < <(sed -n 1p "$TMP/said")
read -r p2 _ < <(sed -n 2p "$TMP/said")
check "each process's events carry its own pid (none shared)" test "$p1" != "$p2" -a -s "$TMP/called.$p1" -a -s "$TMP/called.$p2"
done_testing
