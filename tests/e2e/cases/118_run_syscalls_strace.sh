#!/usr/bin/env bash
# qtrace run --syscalls: the same calls, arguments and return values as strace (oracle: strace).
. "$(dirname "$0")/../lib.sh"
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
done_testing
