#!/usr/bin/env bash
# Kernel functions by name with KASLR on: the slide found at run time gives do_sys_openat2 the
# address the guest's /proc/kallsyms shows (oracle: ktest prints it), with BTF parameters; --comm --follow.
. "$(dirname "$0")/../lib.sh"
ktest_fixture
# the run-time address qtrace gave do_sys_openat2 (its SYM record) = the guest's /proc/kallsyms
kaddr=$(said "$FX/a.console" 'ktest: kallsyms do_sys_openat2 \([0-9a-f]*\)')
qaddr=$(python3 - "$FX/a/trace.qtr" do_sys_openat2 <<'PY'
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
done_testing
