#!/usr/bin/env bash
# The seed's sysenter/sysexit logger in the 32-bit guest (its libc enters the kernel by sysenter
# through the vDSO), and with qtrace compat. qtrace's --syscalls records nothing in an i386 kernel,
# so the oracle is qtrace's execution log of the same run: every sysenter executed, with eax and
# cr3 as they changed; its last line is execlog's repeat of the vCPU's last line at exit.
. "$(dirname "$0")/../lib.sh"
need_legacy
need_guest32
D=$TMP/g32
"$QTRACE" system --kernel "$G32/vmlinuz" --initrd "$G32/initrd.gz" --append qtrace.run=calls --timeout 240 -q -o "$D" \
    --exec-log --ifilter sysenter --reg eax --reg cr3 \
    --legacy-plugin "$L/libsys.so" --legacy-plugin "$L/liball.so,args=sys" --legacy-log "$TMP/g32.log" \
    >"$TMP/g32.console" 2>"$TMP/g32.err"
ok $? "32-bit guest with the seed's sysenter logger: exits 0"
check "the guest program ran to the end" grep -q 'QTRACE-GUEST: exit calls status 0' "$TMP/g32.console"
check "qemulib_get_arch_name on qemu-system-i386 says i386" grep -q '^init arch=i386 args=sys$' "$TMP/g32.log"
# eax and cr3 at each sysenter, carried over from the execution log's register changes
awk '{ if (match($0, /eax -> 0x[0-9a-f]+/)) { v = substr($0, RSTART + 9, RLENGTH - 9); sub(/^0+/, "", v); eax = v == "" ? "0" : v }
       if (match($0, /cr3 -> 0x[0-9a-f]+/)) { v = substr($0, RSTART + 9, RLENGTH - 9); sub(/^0+/, "", v); cr3 = v == "" ? "0" : v }
       print "sysenter " eax " cr3 " cr3 }' "$D/trace.execlog" | sed '$d' >"$TMP/sysenter.want"
awk '/^cr3 / { cr3 = $2 } /^sysenter / { print $0 " cr3 " cr3 }' "$TMP/g32.log" >"$TMP/sysenter.got"
n=$(wc -l <"$TMP/sysenter.want")
check "sysenters executed ($n)" test "$n" -gt 20
same_text "one 'sysenter N' line per system call made by sysenter, N as eax in qtrace's execution log; cr3 read as recorded" \
    "$TMP/sysenter.got" "$TMP/sysenter.want"
check "reverse load order: at each sysenter the newer plugin's cr3 line comes first, 8 bytes" \
    test "$(grep -B1 '^sysenter ' "$TMP/g32.log" | grep -c '^cr3 [0-9a-f]* size=8$')" = "$n"
check "the kernel's sysexits are logged too" grep -q '^sysexit ' "$TMP/g32.log"

# qtrace compat: QEMU-TRACER's configuration and an old plugin in one run
D=$TMP/compat32
mkdir -p "$D"
ADD=$(addr_of "$G32/progs/calls" add)
printf 'calls\nffffffff~ffffffff\n0~0\nfuncstack:0\nlinkmap:0\ntrace_type:spec_func_with_param\n0x%s,0,int,1,int,2,int\n' \
    "$ADD" >"$D/configs.txt"
(cd "$D" && "$QTRACE" compat -q -p "$G32/progs/calls" --timeout 240 --legacy-plugin "$L/libsys.so" \
    --legacy-log "$D/sys.log" -- -kernel "$G32/vmlinuz" -initrd "$G32/initrd.gz" -append qtrace.run=calls \
    >console 2>stderr)
ok $? "qtrace compat --legacy-plugin in the 32-bit guest: exits 0"
check "compat: QEMU-TRACER's log has add's calls" grep -q "^call 0x$ADD add(" "$D/log"
check "compat: the old plugin's log has its sysenter lines" test "$(grep -c '^sysenter ' "$D/sys.log")" -gt 20
done_testing
