#!/usr/bin/env bash
# ktest's system calls in the guest, exactly, as strace shows them: openat, write with its buffer,
# int 0x80 from a 64-bit process, exit_group (oracle: ktest.c's source, the fd and lines it printed).
. "$(dirname "$0")/../lib.sh"
ktest_fixture
fd=$(said "$FX/a.console" 'ktest: open /etc/passwd fd=\([0-9]*\)')
read -r ino size < <(sed -n 's/^ktest: stat \/etc\/passwd ino=\([0-9]*\) size=\([0-9]*\) .*/\1 \2/p' "$FX/a.console")
# ktest's system calls, exactly: its getpid and the write of its pid; from its open of /etc/passwd
# to its int 0x80 write (a 64-bit process: decoded with the i386 table, write, not stat); its
# last four. Normalised: stack addresses (newfstatat's and bind's buffers, guest ASLR) read ADDR.
{
    echo "syscall getpid() = $pid"
    write_call "ktest: pid=$pid comm=ktest uid=0"
    echo "syscall openat(AT_FDCWD, \"/etc/passwd\", O_RDONLY) = $fd"
    write_call "ktest: open /etc/passwd fd=$fd"
    echo "syscall read($fd, \"root:x:0:0:root:/root:/bin/sh\\nuser:x:1000:1000:user:/home/user:/\", 64) = 64"
    echo "syscall close($fd) = 0"
    echo 'syscall newfstatat(AT_FDCWD, "/etc/passwd", ADDR, 0) = 0'
    write_call "ktest: stat /etc/passwd ino=$ino size=$size mode=0100644"
    echo 'syscall getuid() = 0'
    echo 'syscall mkdir("/ktest-dir", 0755) = 0'
    echo 'syscall mkdir("/ktest-dir/sub", 0755) = 0'
    write_call "ktest: mkdir /ktest-dir/sub = 0"
    echo 'syscall setpriority(0, 0, 4294967291) = 0'
    write_call "ktest: nice -5 = 0"
    echo 'syscall socket(2, 1, 0) = 3'
    echo 'syscall bind(3, ADDR, 16) = 0'
    echo 'syscall listen(3, 1) = 0'
    write_call "ktest: bind 0.0.0.0:4242 = 0"
    echo 'syscall close(3) = 0'
    write_call i386: "ktest: int80 write"
    echo 'syscall write(1, "ktest: done", 11) = 11'
    echo 'syscall write(1, "\n", 1) = 1'
    echo 'syscall exit_group(0) <unfinished ...>'
    echo '== exit status 0'
} >"$TMP/sys.want"
syscall_lines "$T" "$pid" >"$TMP/sys.all"
{
    sed -n '/^syscall getpid() = /,+1p' "$TMP/sys.all"
    sed -n '/^syscall openat(AT_FDCWD, "\/etc\/passwd"/,/^syscall i386:write(/p' "$TMP/sys.all"
    tail -4 "$TMP/sys.all"
} | sed -E 's/^(syscall newfstatat\(AT_FDCWD, "[^"]*", )0x[0-9a-f]+/\1ADDR/; s/^(syscall bind\([0-9]+, )0x[0-9a-f]+/\1ADDR/' >"$TMP/sys.got"
same_text "ktest's system calls like strace shows them: openat returns fd $fd as ktest printed, write(2) with its buffer, int 0x80 write, exit_group" \
    "$TMP/sys.got" "$TMP/sys.want"
done_testing
