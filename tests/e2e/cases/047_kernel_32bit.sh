#!/usr/bin/env bash
# A 32-bit program in the 64-bit guest: i386 system calls through syscall (AMD), sysenter (Intel)
# and int 0x80, execs from 64 to 32 bits and back (oracle: what k32 printed).
. "$(dirname "$0")/../lib.sh"
ktest_fixture
upid0=$(said "$FX/b.console" 'ktest: pid=\([0-9]*\) comm=ktest uid=1000')
# k32 (gcc -m32 -static) makes its libc's calls through the vDSO's __kernel_vsyscall, which the
# kernel patched to syscall (AMD: QEMU's default CPU) or sysenter (Intel), plus one int $0x80.
# k32CHECKS TRACE CONSOLE WHAT INSN: the calls k32 made, with the values it printed
k32checks() {
    local tr=$1 con=$2 what=$3 insn=$4 kp kfd kpp kuid kch
    kp=$(said "$con" 'k32: pid=\([0-9]*\)')
    kfd=$(said "$con" 'k32: open /etc/passwd fd=\([0-9]*\)')
    kpp=$(said "$con" 'k32: int80 getppid = \([0-9]*\)')
    kuid=$(said "$con" 'k32: vsyscall getuid = \([0-9]*\)')
    kch=$(said "$con" 'k32: whoami pid=\([0-9]*\) status=0')
    ok $([ -n "$kp" ] && [ -n "$kfd" ] && [ -n "$kpp" ] && [ -n "$kuid" ]; echo $?) \
        "$what: k32 printed pid $kp, fd $kfd, getppid $kpp, getuid $kuid"
    check "$what: its vDSO makes system calls with $insn" grep -qxF "k32: vsyscall uses $insn" "$con"
    # its own calls from getpid() to exit_group, exactly, with the values it printed. Normalised:
    # a call split around the kernel events nested in it ("<unfinished ...>", "<... resumed>")
    # is joined, and the TLS and stack addresses given to clone and wait4 (guest ASLR) read ADDR.
    {
        echo "syscall i386:getpid() = $kp"
        write_call i386: "k32: pid=$kp"
        write_call i386: "k32: vsyscall uses $insn"
        echo "syscall i386:openat(AT_FDCWD, \"/etc/passwd\", O_RDONLY) = $kfd"
        write_call i386: "k32: open /etc/passwd fd=$kfd"
        echo "syscall i386:read($kfd, \"root:x:0:0:root:\", 16) = 16"
        write_call i386: "k32: read fd=$kfd 16 bytes"
        echo "syscall i386:close($kfd) = 0"
        echo "syscall i386:getppid() = $kpp"
        write_call i386: "k32: int80 getppid = $kpp"
        echo "syscall i386:getuid32() = $kuid"
        write_call i386: "k32: vsyscall getuid = $kuid"
        echo "syscall i386:clone(CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, NULL, NULL, NULL, ADDR) <unfinished ...>"
        echo "== fork {pid=$kch, tgid=$kch, ppid=$kp, uid=$kuid, comm=\"k32\"}"
        echo "<... syscall i386:clone resumed> = $kch"
        echo "syscall i386:wait4($kch, ADDR, 0, NULL) = $kch"
        write_call i386: "k32: whoami pid=$kch status=0"
        echo 'syscall i386:write(1, "k32: done", 9) = 9'
        echo 'syscall i386:write(1, "\n", 1) = 1'
        echo 'syscall i386:exit_group(0) <unfinished ...>'
        echo '== exit status 0'
    } >"$TMP/k32.want"
    syscall_lines "$tr" "$kp" | sed -n '/^syscall i386:getpid() /,$p' |
        sed -E 's/(clone\(.*, NULL, )0x[0-9a-f]+\)/\1ADDR)/; s/^(syscall i386:wait4\([0-9]+, )0x[0-9a-f]+/\1ADDR/' >"$TMP/k32.got"
    same_text "$what: its calls from getpid() to exit_group(0), exactly: i386 numbers, the fd, ppid, uid and child it printed" \
        "$TMP/k32.got" "$TMP/k32.want"
    check "$what: no 64-bit system call after its exec" \
        test -z "$(thread_tree "$tr" "$kp" | sed -n '/^<\.\.\. syscall execve resumed> = 0$/,$p' | tail -n +2 | grep -E '^(<\.\.\. )?syscall [a-z0-9_]+[( ]')"
}
# the root run: ktest (64-bit) forks and execs /progs/k32, followed (--follow); AMD: syscall
k32checks "$T" "$FX/a.console" "32-bit child of ktest (syscall)" syscall
kp=$(said "$FX/a.console" 'k32: pid=\([0-9]*\)')
check "... its getppid is ktest's pid ($pid)" grep -qxF "k32: int80 getppid = $pid" "$FX/a.console"
thread_tree "$T" "$kp" | awk '
    /^syscall execve\("\/progs\/k32", \["\/progs\/k32"\], 0x[0-9a-f]+\) <unfinished \.\.\.>$/ { s = 1; next }
    s == 1 && $0 == "== exec \"/progs/k32\" [\"/progs/k32\"] comm=\"k32\"" { s = 2; next }
    s == 2 && $0 == "<... syscall execve resumed> = 0" { s = 3; next }
    s == 3 && /^syscall i386:/ { s = 4; exit }
    END { exit s != 4 }'
ok $? "the exec from 64 to 32 bits: a 64-bit execve entry, the exec, its return 0, then i386 calls"
# ... and from 32 to 64 bits: k32's child execs /progs/whoami
kw=$(said "$FX/a.console" 'k32: whoami pid=\([0-9]*\) status=0')
thread_tree "$T" "$kw" | awk '
    /^syscall i386:execve\("\/progs\/whoami", \["\/progs\/whoami"\], 0x[0-9a-f]+\) <unfinished \.\.\.>$/ { s = 1; next }
    s == 1 && $0 == "== exec \"/progs/whoami\" [\"/progs/whoami\"] comm=\"whoami\"" { s = 2; next }
    s == 2 && $0 == "<... syscall i386:execve resumed> = 0" { s = 3; next }
    s == 3 && /^syscall / { s = /^syscall i386:/ ? 9 : 4; next }
    s == 4 && $0 == "syscall getuid() = 0" { s = 5 }
    END { exit s != 5 }'
ok $? "the exec from 32 to 64 bits (k32's child $kw): an i386 execve entry, the exec, its return 0, then 64-bit calls (getuid() = 0)"
# the user run, not following: the child is recorded only while it is still named ktest
ukp=$(said "$FX/b.console" 'k32: pid=\([0-9]*\)')
check "user run without --follow: ktest's fork of k32 ($ukp) recorded, none of k32's own (i386) calls" \
    test "$(grep -cF "== fork {pid=$ukp, tgid=$ukp, ppid=$upid0, uid=1000, comm=\"ktest\"}" "$U"),$(thread_tree "$U" "$ukp" | grep -c 'i386:')" = 1,0
thread_tree "$U" "$ukp" | tail -2 | tr '\n' '|' | grep -qxE 'syscall execve\("/progs/k32", \["/progs/k32"\], 0x[0-9a-f]+\) <unfinished \.\.\.>\|== exec "/progs/k32" \["/progs/k32"\] comm="k32"\|'
ok $? "... its last lines: the execve it made while named ktest, and the exec that renamed it k32"
# the 32-bit program alone on an Intel-vendor CPU, as user 1000: sysenter
k32checks "$FX/c/trace.txt" "$FX/c.console" "32-bit program, Intel CPU (sysenter)" sysenter
check "... run as user 1000: getuid32() = 1000" grep -qxF 'k32: vsyscall getuid = 1000' "$FX/c.console"
kw=$(said "$FX/c.console" 'k32: whoami pid=\([0-9]*\) status=0')
thread_tree "$FX/c/trace.txt" "$kw" | tail -2 | tr '\n' '|' | grep -qxE 'syscall i386:execve\("/progs/whoami", \["/progs/whoami"\], 0x[0-9a-f]+\) <unfinished \.\.\.>\|== exec "/progs/whoami" \["/progs/whoami"\] comm="whoami"\|'
ok $? "... its child ($kw), not followed: ends with its i386 execve and the exec out of --comm k32"
done_testing
