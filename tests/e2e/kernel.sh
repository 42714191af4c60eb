#!/usr/bin/env bash
# Issue 4: know the Linux guest. Boots the bundled guest (Debian's stock kernel, KASLR on, the
# default boot line) twice at once, running guest/progs/ktest as root and as user 1000, and
# checks the trace against what ktest printed: kernel functions by name (symbols from the
# image, the KASLR slide found at run time), pid and comm of every event, system calls like
# strace (64-bit and int 0x80), kernel argument types (task, cred, inode, dentry, path, file,
# socket, sockaddr), the fork/exec/exit timeline and a module load (crc7.ko, from the same Debian
# package), --comm/--follow, --kernel-symbols with a System.map written by kernel-info, and a
# 32-bit program's system calls (syscall on QEMU's default AMD CPU, sysenter on an Intel one, int 0x80). Then bad input: a kernel
# without BTF, a file that is not a kernel, patterns selecting too much or nothing.
. "$(dirname "$0")/lib.sh"

K=$GUEST/vmlinuz
INITRD=$GUEST/initrd.gz
PROG=$GUEST/progs/ktest
if [ ! -f "$K" ] || [ ! -f "$PROG" ]; then
    echo "not ok 1 - the bundled guest with progs/ktest (run scripts/build-guest.sh)"
    echo "1..1"
    exit 1
fi

# ---- the image's symbol table as a System.map (kernel-info --system-map), for --kernel-symbols ----
# the user run below boots with it in /proc/kallsyms form (another boot's KASLR slide, a module's
# symbols) and do_sys_openat2 renamed qtrace_map_openat2: only the file knows that name, so its
# calls prove the file was used (the image's own table was not)
"$QTRACE" kernel-info --kernel "$K" --system-map "$TMP/System.map" >"$TMP/ki.txt" 2>"$TMP/ki.err"
ok $? "kernel-info --system-map FILE exits 0"
python3 - "$TMP/System.map" "$TMP/renamed.map" <<'PY'
import sys
out = open(sys.argv[2], 'w')
for l in open(sys.argv[1]):
    a, t, n = l.split()
    v = int(a, 16)
    if v >= 0xffffffff80000000:
        v += 0x1c000000         # as a /proc/kallsyms of a boot slid by 0x1c000000 shows it
    out.write('%016x %s %s\n' % (v, t, 'qtrace_map_openat2' if n == 'do_sys_openat2' else n))
out.write('ffffffffc0390000 t crc7_be\t[crc7]\n')
PY

# ---- three boots, side by side ----------------------------------------------------------------
A=$TMP/a
B=$TMP/b
C=$TMP/c
"$QTRACE" system --kernel "$K" --initrd "$INITRD" --append qtrace.run=ktest --timeout 150 -p "$PROG" \
    --comm ktest --follow --syscalls \
    -P do_sys_openat2 -A 'do_sys_openat2@arg2/s' -R 'do_sys_openat2@retval/i32' \
    -A 'vfs_mkdir@arg3/dentry' -A 'security_inode_getattr@arg1/path' -A 'generic_fillattr@arg2/inode' \
    -A 'filp_close@arg1/file' -A 'inet_bind@arg1/socket,arg2/sockaddr' -A 'inet_listen@arg1/socket' \
    -A 'cap_capable@arg1/cred,arg3/i32' -A 'wake_up_new_task@arg1/task' \
    -o "$A" >"$TMP/a.raw" 2>"$TMP/a.err" </dev/null &
pa=$!
"$QTRACE" system --kernel "$K" --initrd "$INITRD" --append "qtrace.run=ktest qtrace.user=1" --timeout 150 \
    --comm ktest --syscalls -A 'cap_capable@arg1/cred,arg3/i32' \
    --kernel-symbols "$TMP/renamed.map" -A 'qtrace_map_openat2@arg2/s' -R 'qtrace_map_openat2@retval/i32' \
    -o "$B" >"$TMP/b.raw" 2>"$TMP/b.err" </dev/null &
pb=$!
# the 32-bit program alone, as user 1000, on a CPU of Intel's vendor: its vDSO uses sysenter
"$QTRACE" system --kernel "$K" --initrd "$INITRD" --append "qtrace.run=k32 qtrace.user=1" --timeout 150 \
    --comm k32 --syscalls -o "$C" -- -cpu qemu64,vendor=GenuineIntel >"$TMP/c.raw" 2>"$TMP/c.err" </dev/null &
pc=$!
wait $pa
ra=$?
wait $pb
rb=$?
wait $pc
rc=$?
tr -d '\r' <"$TMP/a.raw" >"$TMP/a.console"
tr -d '\r' <"$TMP/b.raw" >"$TMP/b.console"
tr -d '\r' <"$TMP/c.raw" >"$TMP/c.console"
ok $ra "qtrace system (root run) exits 0"
ok $rb "qtrace system (user run) exits 0"
ok $rc "qtrace system (32-bit program, Intel vendor CPU) exits 0"
check "32-bit run: k32 ran to the end" grep -q '^k32: done$' "$TMP/c.console"
check "root run: ktest ran to the end" grep -q '^ktest: done$' "$TMP/a.console"
check "user run: ktest ran to the end" grep -q '^ktest: done$' "$TMP/b.console"
[ $ra = 0 ] || sed 's/^/#   /' "$TMP/a.err" | tail -5
T=$A/trace.txt
U=$B/trace.txt

# lines of one thread (tid), without the duration and [cpu as tid] columns
of() { grep -E "\[cpu[0-9]+ as:[0-9]+ tid:$2\] " "$1" | sed 's/^[^[]*\[cpu[0-9]* as:[0-9]* tid:[0-9]*\] //'; }
said() { sed -n "s#^ktest: $2\$#\\1#p" "$1" | head -1; }
# returns TRACE TID 'func(args)' VALUE: a call of func(args) in thread TID returns VALUE, on one
# line or as "func(args) {" ... "} = VALUE; /* func */" around the calls it made
returns() {
    of "$1" "$2" | sed 's/^ *//' | awk -v call="$3" -v val="$4" '
        $0 == call " = " val ";" { found = 1; exit }
        $0 == call " {" { open = 1; name = call; sub(/\(.*/, "", name); next }
        open && $0 ~ "^} = " && index($0, "/* " name " */") { if ($3 == val ";") found = 1; exit }
        END { exit !found }'
}

# ---- pid and comm ----------------------------------------------------------------------------
pid=$(said "$TMP/a.console" 'pid=\([0-9]*\) comm=ktest uid=0')
ok $([ -n "$pid" ]; echo $?) "ktest printed its pid ($pid) and comm"
check "getpid() in the trace: pid $pid, in thread $pid" grep -qxF "syscall getpid() = $pid" <(of "$T" "$pid")
check "exec of /progs/ktest by tid $pid names its new comm" \
    grep -qxF '== exec "/progs/ktest" ["/progs/ktest"] comm="ktest"' <(of "$T" "$pid")
check "JSON: the exec is an instant event on thread $pid, and names process $pid after ktest" python3 - "$A/trace.json" "$pid" <<'EOF'
import json, sys
ev = json.load(open(sys.argv[1]))['traceEvents']
pid = int(sys.argv[2])
ex = [e for e in ev if e.get('cat') == 'process' and e['name'] == 'exec' and e['tid'] == pid]
assert ex and ex[0]['ph'] == 'i' and ex[0]['args']['file'] == '"/progs/ktest"' and ex[0]['args']['comm'] == '"ktest"', ex
assert any(e['ph'] == 'M' and e['name'] == 'process_name' and e['args']['name'] == 'ktest (pid %d)' % pid for e in ev)
assert any(e.get('cat') == 'process' and e['name'] == 'exit' and e['tid'] == pid for e in ev)
EOF
check "the execve entry is recorded though ktest was not yet ktest when it entered it" \
    grep -qE '^syscall execve\("/progs/ktest", \["/progs/ktest"\], 0x[0-9a-f]+\) <unfinished \.\.\.>$' <(of "$T" "$pid")

# ---- kernel symbols and the KASLR slide ---------------------------------------------------------
# the run-time address qtrace gave do_sys_openat2 (its SYM record) = the guest's /proc/kallsyms
kaddr=$(said "$TMP/a.console" 'kallsyms do_sys_openat2 \([0-9a-f]*\)')
qaddr=$(python3 - "$A/trace.qtr" do_sys_openat2 <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
off = struct.unpack_from('<I', d, 12)[0]
while off + 16 <= len(d):
    magic, vcpu, size, nrec = struct.unpack_from('<IIII', d, off)
    off += 16
    if magic != 0x4b435451:
        break
    p, end = off, off + size
    while p + 8 <= end:
        typ, rsz = struct.unpack_from('<HH', d, p)
        if rsz < 8:
            break
        if typ == 1:
            flags, nl, addr = struct.unpack_from('<IIQ', d, p + 8)
            if d[p + 40:p + 40 + nl].decode(errors='replace') == sys.argv[2] and flags & 4:
                print('%016x' % addr)
        p += rsz
    off = end
PY
)
ok $([ -n "$kaddr" ] && [ "$kaddr" = "$qaddr" ]; echo $?) \
    "do_sys_openat2 resolved from the image + KASLR slide = the guest's /proc/kallsyms ($qaddr, $kaddr)"
returns "$T" "$pid" 'do_sys_openat2(filename="/etc/passwd")' 3
ok $? "the kernel function's calls appear, with BTF parameter names and values"
check "no kernel function entry outside ktest and its children (--comm ktest --follow)" \
    test -z "$(grep -oE 'tid:[0-9]+' "$T" | sort -u | grep -vxE "tid:($(grep -oE '== fork \{pid=[0-9]+' "$T" | grep -oE '[0-9]+' | tr '\n' '|')$pid)")"

# ---- --kernel-symbols: a System.map written by kernel-info ----------------------------------------
nsyms=$(sed -n 's/^symbols *\([0-9]*\), from kallsyms tables .*/\1/p' "$TMP/ki.txt")
ok $([ -n "$nsyms" ] && [ "$nsyms" -gt 50000 ] && [ "$(wc -l <"$TMP/System.map")" = "$nsyms" ]; echo $?) \
    "the System.map has one line per symbol recovered from the image ($nsyms)"
kis=$(sed -n 's/^  do_sys_openat2 *0x\([0-9a-f]*\) t$/\1/p' "$TMP/ki.txt")
check "... in System.map format: do_sys_openat2 at its link-time address ($kis), _text at .text, per-cpu offsets" \
    test "$(grep -E ' (do_sys_openat2|_text|current_task)$' "$TMP/System.map" | sort -k3 | tr '\n' ' ')" = \
    "ffffffff81000000 T _text 000000000001fb80 A current_task $kis t do_sys_openat2 "
"$QTRACE" kernel-info --kernel "$K" --kernel-symbols "$TMP/System.map" --system-map - >"$TMP/again.map" 2>"$TMP/again.err"
r=$?
ok $([ $r = 0 ] && cmp -s "$TMP/System.map" "$TMP/again.map"; echo $?) \
    "read back with --kernel-symbols, the same table comes out (--system-map - to standard output)"
"$QTRACE" kernel-info --kernel "$K" --kernel-symbols "$TMP/renamed.map" >"$TMP/ki2.txt" 2>&1
ok $([ $? = 0 ] && grep -qx '             KASLR slide 0x1c000000 of the symbols file removed (link-time addresses below)' "$TMP/ki2.txt" \
     && grep -qx '             1 module symbols skipped' "$TMP/ki2.txt" \
     && [ -n "$(grep '^  start_kernel ' "$TMP/ki.txt")" ] \
     && [ "$(grep '^  start_kernel ' "$TMP/ki.txt")" = "$(grep '^  start_kernel ' "$TMP/ki2.txt")" ]; echo $?) \
    "a /proc/kallsyms-form copy: its KASLR slide (0x1c000000) removed, the module's symbol skipped, start_kernel where the image has it"
upid0=$(said "$TMP/b.console" 'pid=\([0-9]*\) comm=ktest uid=1000')
ufd=$(said "$TMP/b.console" 'open /etc/passwd fd=\([0-9]*\)')
returns "$U" "$upid0" 'qtrace_map_openat2(arg2="/etc/passwd")' "$ufd"
ok $? "booted with --kernel-symbols (do_sys_openat2 renamed in it): the function traced by that name, returns fd $ufd as ktest printed"
check "... and cap_capable, named by the file, decoded as without it (BTF parameter names)" \
    grep -qE '^ *cap_capable\(cred=\{uid=1000, gid=1000, euid=1000, egid=1000, cap_effective=0x0\}, cap=23\);$' <(of "$U" "$upid0")
check "... no do_sys_openat2 in that trace (the file's names, not the image's)" test "$(grep -c 'do_sys_openat2' "$U")" = 0

# ---- system calls ------------------------------------------------------------------------------
fd=$(said "$TMP/a.console" 'open /etc/passwd fd=\([0-9]*\)')
# openat's entry, then (after the kernel functions inside it) its return, in ktest's thread
of "$T" "$pid" | awk -v fd="$fd" '
    /^syscall openat\(AT_FDCWD, "\/etc\/passwd", O_RDONLY\)( <unfinished \.\.\.>| = [0-9-]+)$/ { seen = 1; if ($NF == fd) ok = 1; next }
    seen && /^<\.\.\. syscall openat resumed> = / { if ($NF == fd) ok = 1; exit }
    END { exit !ok }'
ok $? "openat(AT_FDCWD, \"/etc/passwd\", O_RDONLY) decoded, returns fd $fd as ktest printed"
check "write(2) shows its buffer like strace" \
    grep -qxF "syscall write(1, \"ktest: pid=$pid comm=ktest uid=0\\n\", 31) = 31" <(of "$T" "$pid")
check "int 0x80 from a 64-bit process: decoded with the i386 table (write, not stat)" \
    grep -qE '^(syscall i386:write\(1, "ktest: int80 write\\n", 19\) = 19|<\.\.\. syscall i386:write resumed> = 19)$' <(of "$T" "$pid")
check "exit_group ends ktest" grep -qxF 'syscall exit_group(0) <unfinished ...>' <(of "$T" "$pid")

# ---- a kernel module load: /lib/modules/crc7.ko of the same Debian package, by ktest ---------
mfd=$(said "$TMP/a.console" 'module crc7 fd=\([0-9]*\) finit_module = 0')
read -r mbase msize mtext < <(sed -n 's/^ktest: module crc7 base=\(0x[0-9a-f]*\) size=\([0-9]*\) \.text=\(0x[0-9a-f]*\)$/\1 \2 \3/p' "$TMP/a.console")
ok $([ -n "$mfd" ] && [ -n "$mbase" ] && [ "$mbase" = "$mtext" ] && [ "${mbase#0xffffffffc}" != "$mbase" ]; echo $?) \
    "ktest loaded crc7 (fd $mfd): /proc/modules base $mbase = its .text in /sys/module ($mtext), size $msize"
check "the module load in ktest's thread: name, load address and size as the guest saw them" \
    grep -qxF "== module {name=\"crc7\", base=$mbase, size=$msize}" <(of "$T" "$pid")
of "$T" "$pid" | awk -v fd="$mfd" '
    $0 == "syscall finit_module(" fd ", \"\", 0) <unfinished ...>" { s = 1; next }
    s == 1 && /^== module \{name="crc7", / { s = 2; next }
    s == 2 && $0 == "<... syscall finit_module resumed> = 0" { s = 3; exit }
    END { exit s != 3 }'
ok $? "finit_module($mfd, \"\", 0), the module event inside it, then its return 0"
check "JSON: the module load is an instant event on thread $pid" python3 - "$A/trace.json" "$pid" "$mbase" <<'EOF'
import json, sys
ev = json.load(open(sys.argv[1]))['traceEvents']
m = [e for e in ev if e.get('cat') == 'process' and e['name'] == 'module' and e['tid'] == int(sys.argv[2])]
assert len(m) == 1 and m[0]['ph'] == 'i' and 'name="crc7", base=%s,' % sys.argv[3] in m[0]['args']['arg1'], m
EOF

# ---- a 32-bit process in the 64-bit guest: i386 numbering whatever way it enters the kernel ------
# k32 (gcc -m32 -static) makes its libc's calls through the vDSO's __kernel_vsyscall, which the
# kernel patched to syscall (AMD: QEMU's default CPU) or sysenter (Intel), plus one int $0x80.
# k32CHECKS TRACE CONSOLE WHAT INSN: the calls k32 made, with the values it printed
k32said() { sed -n "s#^k32: $2\$#\\1#p" "$1" | head -1; }
k32checks() {
    local tr=$1 con=$2 what=$3 insn=$4 kp kfd kpp kuid
    kp=$(k32said "$con" 'pid=\([0-9]*\)')
    kfd=$(k32said "$con" 'open /etc/passwd fd=\([0-9]*\)')
    kpp=$(k32said "$con" 'int80 getppid = \([0-9]*\)')
    kuid=$(k32said "$con" 'vsyscall getuid = \([0-9]*\)')
    ok $([ -n "$kp" ] && [ -n "$kfd" ] && [ -n "$kpp" ] && [ -n "$kuid" ]; echo $?) \
        "$what: k32 printed pid $kp, fd $kfd, getppid $kpp, getuid $kuid"
    check "$what: its vDSO makes system calls with $insn" grep -qxF "k32: vsyscall uses $insn" "$con"
    check "$what: getpid() decoded from the i386 table, = $kp" grep -qxF "syscall i386:getpid() = $kp" <(of "$tr" "$kp")
    check "$what: write(2) of what it printed" \
        grep -qxF "syscall i386:write(1, \"k32: pid=$kp\\n\", $((10 + ${#kp}))) = $((10 + ${#kp}))" <(of "$tr" "$kp")
    of "$tr" "$kp" | awk -v fd="$kfd" '
        /^syscall i386:openat\(AT_FDCWD, "\/etc\/passwd", O_RDONLY\)( <unfinished \.\.\.>| = [0-9-]+)$/ { seen = 1; if ($NF == fd) ok = 1; next }
        seen && /^<\.\.\. syscall i386:openat resumed> = / { if ($NF == fd) ok = 1; exit }
        END { exit !ok }'
    ok $? "$what: openat(AT_FDCWD, \"/etc/passwd\", O_RDONLY) = $kfd, as k32 printed"
    check "$what: read($kfd) with the 16 bytes it read" \
        grep -qxF "syscall i386:read($kfd, \"root:x:0:0:root:\", 16) = 16" <(of "$tr" "$kp")
    check "$what: int \$0x80 getppid() = $kpp" grep -qxF "syscall i386:getppid() = $kpp" <(of "$tr" "$kp")
    check "$what: __kernel_vsyscall getuid32() = $kuid" grep -qxF "syscall i386:getuid32() = $kuid" <(of "$tr" "$kp")
    check "$what: exit_group(0), i386" grep -qxF 'syscall i386:exit_group(0) <unfinished ...>' <(of "$tr" "$kp")
    check "$what: no 64-bit system call after its exec" \
        test -z "$(of "$tr" "$kp" | sed -n '/^<\.\.\. syscall execve resumed> = 0$/,$p' | tail -n +2 | grep -E '^(<\.\.\. )?syscall [a-z0-9_]+[( ]')"
}
# the root run: ktest (64-bit) forks and execs /progs/k32, followed (--follow); AMD: syscall
k32checks "$T" "$TMP/a.console" "32-bit child of ktest (syscall)" syscall
kp=$(k32said "$TMP/a.console" 'pid=\([0-9]*\)')
check "... its getppid is ktest's pid ($pid)" grep -qxF "k32: int80 getppid = $pid" "$TMP/a.console"
of "$T" "$kp" | awk '
    /^syscall execve\("\/progs\/k32", \["\/progs\/k32"\], 0x[0-9a-f]+\) <unfinished \.\.\.>$/ { s = 1; next }
    s == 1 && $0 == "== exec \"/progs/k32\" [\"/progs/k32\"] comm=\"k32\"" { s = 2; next }
    s == 2 && $0 == "<... syscall execve resumed> = 0" { s = 3; next }
    s == 3 && /^syscall i386:/ { s = 4; exit }
    END { exit s != 4 }'
ok $? "the exec from 64 to 32 bits: a 64-bit execve entry, the exec, its return 0, then i386 calls"
# ... and from 32 to 64 bits: k32's child execs /progs/whoami
kw=$(k32said "$TMP/a.console" 'whoami pid=\([0-9]*\) status=0')
of "$T" "$kw" | awk '
    /^syscall i386:execve\("\/progs\/whoami", \["\/progs\/whoami"\], 0x[0-9a-f]+\) <unfinished \.\.\.>$/ { s = 1; next }
    s == 1 && $0 == "== exec \"/progs/whoami\" [\"/progs/whoami\"] comm=\"whoami\"" { s = 2; next }
    s == 2 && $0 == "<... syscall i386:execve resumed> = 0" { s = 3; next }
    s == 3 && /^syscall / { s = /^syscall i386:/ ? 9 : 4; next }
    s == 4 && $0 == "syscall getuid() = 0" { s = 5 }
    END { exit s != 5 }'
ok $? "the exec from 32 to 64 bits (k32's child $kw): an i386 execve entry, the exec, its return 0, then 64-bit calls (getuid() = 0)"
# the user run, not following: the child is recorded only while it is still named ktest
ukp=$(k32said "$TMP/b.console" 'pid=\([0-9]*\)')
check "user run without --follow: ktest's fork of k32 ($ukp) recorded, none of k32's own (i386) calls" \
    test "$(grep -cF "== fork {pid=$ukp, tgid=$ukp, ppid=$upid0, uid=1000, comm=\"ktest\"}" "$U"),$(of "$U" "$ukp" | grep -c 'i386:')" = 1,0
of "$U" "$ukp" | tail -2 | tr '\n' '|' | grep -qxE 'syscall execve\("/progs/k32", \["/progs/k32"\], 0x[0-9a-f]+\) <unfinished \.\.\.>\|== exec "/progs/k32" \["/progs/k32"\] comm="k32"\|'
ok $? "... its last lines: the execve it made while named ktest, and the exec that renamed it k32"
# the 32-bit program alone on an Intel-vendor CPU, as user 1000: sysenter
k32checks "$C/trace.txt" "$TMP/c.console" "32-bit program, Intel CPU (sysenter)" sysenter
check "... run as user 1000: getuid32() = 1000" grep -qxF 'k32: vsyscall getuid = 1000' "$TMP/c.console"
kw=$(k32said "$TMP/c.console" 'whoami pid=\([0-9]*\) status=0')
of "$C/trace.txt" "$kw" | tail -2 | tr '\n' '|' | grep -qxE 'syscall i386:execve\("/progs/whoami", \["/progs/whoami"\], 0x[0-9a-f]+\) <unfinished \.\.\.>\|== exec "/progs/whoami" \["/progs/whoami"\] comm="whoami"\|'
ok $? "... its child ($kw), not followed: ends with its i386 execve and the exec out of --comm k32"

# ---- kernel argument types -------------------------------------------------------------------
check "dentry: full path (vfs_mkdir)" grep -qxF 'vfs_mkdir(dentry="/ktest-dir/sub");' <(of "$T" "$pid" | sed 's/^ *//')
read -r ino size < <(sed -n 's/^ktest: stat \/etc\/passwd ino=\([0-9]*\) size=\([0-9]*\) .*/\1 \2/p' "$TMP/a.console")
check "inode: ino and size as stat(2) gave them (ino=$ino size=$size)" \
    grep -qxF "generic_fillattr(inode={ino=$ino, mode=S_IFREG|0644, size=$size, uid=0});" <(of "$T" "$pid" | sed 's/^ *//')
check "path: across mounts (security_inode_getattr)" \
    grep -qxF 'security_inode_getattr(path="/etc/passwd");' <(of "$T" "$pid" | sed 's/^ *//')
check "file: path, flags and position after a 64-byte read" \
    grep -qxF 'filp_close(filp={path="/etc/passwd", flags=O_RDONLY|O_LARGEFILE, pos=64});' <(of "$T" "$pid" | sed 's/^ *//')
check "socket and sockaddr: inet_bind to 0.0.0.0:4242" \
    grep -qE '^ *inet_bind\(sock=\{AF_INET, 0\.0\.0\.0:0\}, uaddr=\{AF_INET, 0\.0\.0\.0:4242\}\)' <(of "$T" "$pid")
check "socket after bind: inet_listen shows the local address" \
    grep -qE '^ *inet_listen\(sock=\{AF_INET, 0\.0\.0\.0:4242\}\);$' <(of "$T" "$pid")
check "cred of root: uid 0 and every capability (cap_capable for CAP_SYS_NICE)" \
    grep -qE '^ *cap_capable\(cred=\{uid=0, gid=0, euid=0, egid=0, cap_effective=0x1f+\}, cap=23\);$' <(of "$T" "$pid")
upid=$(said "$TMP/b.console" 'pid=\([0-9]*\) comm=ktest uid=1000')
check "cred of a process run as user 1000 (qtrace.user=1): uid 1000, no capability" \
    grep -qE '^ *cap_capable\(cred=\{uid=1000, gid=1000, euid=1000, egid=1000, cap_effective=0x0\}, cap=23\);$' <(of "$U" "$upid")
check "... and its setpriority fails with EACCES, as it printed" grep -q '^ktest: nice -5 = -1 EACCES$' "$TMP/b.console"
check "... recorded as -1 EACCES" grep -qE 'setpriority.* = -1 EACCES \(Permission denied\)$' <(of "$U" "$upid")

# ---- the timeline: the pipeline sh -c 'cat /etc/group | wc -l' ----------------------------------
python3 - "$T" "$pid" >"$TMP/timeline.out" 2>&1 <<'PY'
import re, sys
lines = [l.rstrip('\n') for l in open(sys.argv[1])]
ktest = sys.argv[2]
ev = []
for i, l in enumerate(lines):
    m = re.search(r'tid:(\d+)\] == (fork|exec|exit) (.*)$', l)
    if m:
        ev.append((i, m.group(1), m.group(2), m.group(3)))
def find(tid, kind, pat):
    for i, t, k, rest in ev:
        if t == tid and k == kind and re.search(pat, rest):
            return i
    raise SystemExit('missing: tid %s %s %s' % (tid, kind, pat))
# ktest forks the shell, which execs sh -c, forks cat and wc, which exec, exit, then sh exits
sh = None
for i, t, k, rest in ev:
    if t == ktest and k == 'fork':
        child = re.search(r'pid=(\d+)', rest).group(1)
        if any(t2 == child and k2 == 'exec' and 'cat /etc/group | wc -l' in r2 for _, t2, k2, r2 in ev):
            sh = child
            fork_sh = i
            break
assert sh, 'no fork of the shell by ktest'
exec_sh = find(sh, 'exec', r'^"/bin/sh" \["/bin/sh", "-c", "cat /etc/group \| wc -l"\] comm="sh"$')
kids = [re.search(r'pid=(\d+)', rest).group(1) for i, t, k, rest in ev if t == sh and k == 'fork']
assert len(kids) == 2, 'sh forked %d children, not 2' % len(kids)
order = [fork_sh, exec_sh]
names = {}
for c in kids:
    fk = find(sh, 'fork', r'\{pid=%s, tgid=%s, ppid=%s, ' % (c, c, sh))
    ex = find(c, 'exec', r'\[("cat", "/etc/group"|"wc", "-l")\]')
    names[c] = 'cat' if '"cat"' in lines[ex] else 'wc'
    xt = find(c, 'exit', r'^status 0$')
    assert fk < ex < xt, 'child %s: fork %d, exec %d, exit %d out of order' % (c, fk, ex, xt)
    order.append(xt)
sh_exit = find(sh, 'exit', r'^status 0$')
assert all(o < sh_exit for o in order), 'sh exits before its children'
assert sorted(names.values()) == ['cat', 'wc'], names
print('ok: ktest %s -> sh %s -> %s' % (ktest, sh, ', '.join('%s %s' % (names[c], c) for c in kids)))
PY
ok $? "fork/exec/exit of the pipeline in order: fork sh, exec sh -c, fork cat and wc, exec, exit 0, sh exits last"
sed 's/^/#   /' "$TMP/timeline.out" | tail -2
check "the pipeline's cat, followed (--follow) after it stopped being named ktest, opens /etc/group" \
    grep -qE 'do_sys_openat2\(filename="/etc/group"\) = 3;$' <(grep -v "tid:$pid\]" "$T")

# ---- two processes, one binary -----------------------------------------------------------------
twin=$(said "$TMP/a.console" 'twin pid=\([0-9]*\)')
ok $([ -n "$twin" ] && [ "$twin" != "$pid" ]; echo $?) "the twin (same binary) has its own pid ($twin, ktest $pid)"
check "the twin's exec: same program, its own argv" \
    grep -qxF '== exec "/progs/ktest" ["/progs/ktest", "twin"] comm="ktest"' <(of "$T" "$twin")
tfd=$(said "$TMP/a.console" 'twin open /etc/group fd=\([0-9]*\)')
returns "$T" "$twin" 'do_sys_openat2(filename="/etc/group")' "$tfd"
r=$?
ok $r "the twin's open of /etc/group is its own, returns the fd it printed ($tfd)"
[ $r = 0 ] || of "$T" "$twin" | grep -B1 -A3 'do_sys_openat2' | sed 's/^/#   /' | head -12
check "ktest itself never opens /etc/group" test "$(of "$T" "$pid" | grep -c 'filename="/etc/group"')" = 0
check "the twin never opens /etc/passwd" test "$(of "$T" "$twin" | grep -c 'filename="/etc/passwd"')" = 0
check "user run without --follow: only the processes named ktest" \
    test -z "$(grep -oE 'tid:[0-9]+' "$U" | sort -u | grep -vxE "tid:($upid|$(said "$TMP/b.console" 'twin pid=\([0-9]*\)')|$((upid + 1))|$(k32said "$TMP/b.console" 'pid=\([0-9]*\)'))")"

# ---- bad input -------------------------------------------------------------------------------
printf 'ffffffff81000000 T _text\nffffffff81363fa0 t do_sys_openat2\nffffffff8136 do_sys_open\n' >"$TMP/bad.map"
"$QTRACE" system --kernel "$K" --initrd "$INITRD" --kernel-symbols "$TMP/bad.map" -o "$TMP/bad0" >/dev/null 2>"$TMP/bad0.err"
r=$?
ok $([ $r = 2 ] && [ "$(wc -l <"$TMP/bad0.err")" = 1 ] && grep -qF "qtrace: error: $TMP/bad.map:3: expected 'ADDRESS TYPE NAME'" "$TMP/bad0.err" \
     && ! test -e "$TMP/bad0/trace.qtr"; echo $?) "a bad --kernel-symbols file: one line naming the file and line, status 2 ($r)"
sed 's/^/#   /' "$TMP/bad0.err" | head -2
# a kernel without BTF: the image's vmlinux with .BTF removed
python3 - "$K" "$TMP/vmlinux" <<'PY'
import lzma, struct, sys
b = open(sys.argv[1], 'rb').read()
setup = b[0x1f1] or 4
off, length = struct.unpack_from('<II', b, 0x248)
start = (setup + 1) * 512 + off
elf = lzma.LZMADecompressor(lzma.FORMAT_XZ).decompress(b[start:start + length])
shoff, = struct.unpack_from('<Q', elf, 0x28)
shentsize, shnum = struct.unpack_from('<HH', elf, 0x3a)
open(sys.argv[2], 'wb').write(elf[:shoff + shentsize * shnum])
PY
objcopy --remove-section=.BTF "$TMP/vmlinux" "$TMP/nobtf" && rm -f "$TMP/vmlinux"
"$QTRACE" system --kernel "$TMP/nobtf" --initrd "$INITRD" -o "$TMP/bad1" >/dev/null 2>"$TMP/bad1.err"
r=$?
ok $([ $r = 2 ] && grep -q "nobtf has no BTF (.BTF section) and no layout file was given: supply the structure offsets with --layout FILE" "$TMP/bad1.err" && ! test -e "$TMP/bad1/trace.qtr"; echo $?) \
    "a kernel without BTF: refused before QEMU starts, says to supply --layout FILE"
sed 's/^/#   /' "$TMP/bad1.err" | head -2
# ... accepted with a layout file (then QEMU, here /bin/true, is started)
"$QTRACE" kernel-info --kernel "$K" --json | python3 -c '
import json, sys
L = json.load(sys.stdin)["layout"]
for k in ("task_struct.pid", "task_struct.tgid", "task_struct.comm"):
    print("%s = %d %d" % (k, L[k]["offset"], L[k]["size"]))' >"$TMP/task.layout"
"$QTRACE" system --kernel "$TMP/nobtf" --layout "$TMP/task.layout" --qemu /bin/true -o "$TMP/bad2" >/dev/null 2>"$TMP/bad2.err"
ok $(! grep -q "BTF" "$TMP/bad2.err" && grep -q "QEMU exited" "$TMP/bad2.err"; echo $?) \
    "the same kernel with --layout FILE passes the checks"
# the plugin itself, without the CLI: refuses at install, before the guest runs a thing
timeout 60 qemu-system-x86_64 -accel tcg -nographic -no-reboot -m 256 -kernel "$K" -initrd "$INITRD" \
    -append "console=ttyS0 quiet panic=-1" -plugin "$BUILD/libqtrace.so,kernel=$TMP/nobtf,out=$TMP/p.qtr" \
    >"$TMP/p.out" 2>&1 </dev/null
r=$?
ok $([ $r != 0 ] && [ $r != 124 ] && grep -q "qtrace: error: .*nobtf has no BTF" "$TMP/p.out" && ! grep -q QTRACE-GUEST "$TMP/p.out"; echo $?) \
    "the plugin given a kernel without BTF exits non-zero before the guest starts (status $r)"
echo 'Linux version 6.1 (not really a kernel)' >"$TMP/notes.txt"
"$QTRACE" system --kernel "$TMP/notes.txt" -o "$TMP/bad3" >/dev/null 2>"$TMP/bad3.err"
r=$?
ok $([ $r = 2 ] && grep -q "notes.txt is not a Linux kernel image" "$TMP/bad3.err"; echo $?) "a file that is not a kernel: a clear error"
sed 's/^/#   /' "$TMP/bad3.err" | head -1
"$QTRACE" system --kernel "$K" --initrd "$INITRD" -P '*' -o "$TMP/bad4" >/dev/null 2>"$TMP/bad4.err"
r=$?
ok $([ $r = 2 ] && grep -q "'\*' selects [0-9]* kernel functions.*--kernel-all" "$TMP/bad4.err"; echo $?) \
    "-P '*' over the whole kernel needs --kernel-all"
"$QTRACE" system --kernel "$K" --initrd "$INITRD" -P 'kernel:no_such_function_x' -o "$TMP/bad5" >/dev/null 2>"$TMP/bad5.err"
r=$?
ok $([ $r = 2 ] && grep -q "kernel:no_such_function_x: no kernel function matches" "$TMP/bad5.err"; echo $?) \
    "a kernel pattern that matches nothing: a clear error"
"$QTRACE" system --kernel "$K" --follow -o "$TMP/bad6" >/dev/null 2>"$TMP/bad6.err"
ok $(grep -q -- "--follow needs --comm NAME or --pid N" "$TMP/bad6.err"; echo $?) "--follow alone: says what it needs"
"$QTRACE" system --kernel "$K" --comm a_name_much_too_long -o "$TMP/bad7" >/dev/null 2>"$TMP/bad7.err"
ok $(grep -q "the kernel keeps only the first 15 characters" "$TMP/bad7.err"; echo $?) "--comm longer than a comm: refused"
done_testing
