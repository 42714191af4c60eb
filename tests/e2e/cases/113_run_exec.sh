#!/usr/bin/env bash
# execve under qtrace run: the new program runs outside QEMU, its output and status pass through,
# and qtrace says so and how to trace it (oracle: echo's output).
. "$(dirname "$0")/../lib.sh"
out=$("$QTRACE" run -q --syscalls -o "$TMP/ex" -- /bin/sh -c 'exec /bin/echo exec-ok' 2>"$TMP/ex.err"); rc=$?
ok $([ $rc = 0 ] && [ "$out" = exec-ok ]; echo $?) "exec: the new program runs, its output and status pass through ($rc, $out)"
check "exec: qtrace says the new program is not traced, and how to trace it" \
    grep -qE '^qtrace: pid [0-9]+ calls execve\("/bin/echo"\): if it succeeds, the new program runs outside QEMU, untraced \(to trace it: qtrace run' "$TMP/ex.err"
check "exec: the execve is the trace's last system call" bash -c "grep 'syscall ' '$TMP/ex/trace.txt' | tail -1 | grep -q 'execve(\"/bin/echo\"'"
done_testing
