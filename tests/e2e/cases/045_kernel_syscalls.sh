#!/usr/bin/env bash
# System calls in the guest like strace shows them: openat, write with its buffer, int 0x80 from
# a 64-bit process, exit_group (oracle: the fd and lines ktest printed).
. "$(dirname "$0")/../lib.sh"
need_guest ktest
fixture ktest
T=$FX/a/trace.txt
U=$FX/b/trace.txt
pid=$(said "$FX/a.console" 'ktest: pid=\([0-9]*\) comm=ktest uid=0')
fd=$(said "$FX/a.console" 'ktest: open /etc/passwd fd=\([0-9]*\)')
# openat's entry, then (after the kernel functions inside it) its return, in ktest's thread
thread_tree "$T" "$pid" | awk -v fd="$fd" '
    /^syscall openat\(AT_FDCWD, "\/etc\/passwd", O_RDONLY\)( <unfinished \.\.\.>| = [0-9-]+)$/ { seen = 1; if ($NF == fd) ok = 1; next }
    seen && /^<\.\.\. syscall openat resumed> = / { if ($NF == fd) ok = 1; exit }
    END { exit !ok }'
ok $? "openat(AT_FDCWD, \"/etc/passwd\", O_RDONLY) decoded, returns fd $fd as ktest printed"
check "write(2) shows its buffer like strace" \
    grep -qxF "syscall write(1, \"ktest: pid=$pid comm=ktest uid=0\\n\", 31) = 31" <(thread_tree "$T" "$pid")
check "int 0x80 from a 64-bit process: decoded with the i386 table (write, not stat)" \
    grep -qE '^(syscall i386:write\(1, "ktest: int80 write\\n", 19\) = 19|<\.\.\. syscall i386:write resumed> = 19)$' <(thread_tree "$T" "$pid")
check "exit_group ends ktest" grep -qxF 'syscall exit_group(0) <unfinished ...>' <(thread_tree "$T" "$pid")
done_testing
