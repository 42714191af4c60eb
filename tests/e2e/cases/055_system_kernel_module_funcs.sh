#!/usr/bin/env bash
# Functions of a loadable kernel module by name, once the guest loads it: qtrace.net=1 makes /init
# insmod e1000 (its probe runs inside the load) and bring eth0 up (e1000_open). With the .ko under
# --sysroot, its BTF names the parameters; without, the values are bare. A module pattern that
# never matched is said at the end. (Oracle: guest/init's commands, the module record's range,
# e1000's source: e1000_probe(pdev, ent), e1000_open(netdev).)
. "$(dirname "$0")/../lib.sh"
need_guest whoami
SR=$GUEST/sysroot
kver=$(cat "$GUEST/kernel-version")
[ -s "$SR/lib/modules/$kver/kernel/drivers/net/ethernet/intel/e1000/e1000.ko" ] || bail "the guest's sysroot has e1000.ko (run scripts/build-guest.sh)"
args=(--append "qtrace.run=whoami qtrace.net=1" --timeout 180 -P 'e1000:e1000_probe' -P 'module:e1000'
      -A 'e1000:e1000_probe@arg1/x,arg2/x' -A 'e1000:e1000_open@arg1/x' -R 'e1000:e1000_open@retval/i32' -P 'crc7:*')
trace_boot "$TMP" btf --sysroot "$SR" "${args[@]}" &
trace_boot "$TMP" bare "${args[@]}" &
wait
for r in btf bare; do
    ok "$(rc_of "$TMP/$r.rc")" "$r: qtrace system exits 0"
    check "$r: the guest brought eth0 up and ran its program" grep -qx 'QTRACE-GUEST: exit whoami status 0' "$TMP/$r.console"
done
T=$TMP/btf/trace.txt
read -r base size < <(sed -n 's/.*== module {name="e1000", base=\(0x[0-9a-f]*\), size=\([0-9]*\)}$/\1 \2/p' "$T")
[ -n "${base:-}" ] || bail "the load of e1000 is in the trace"
probe=$(grep -E '\] +e1000_probe\(' "$T")
check "e1000_probe traced once, inside the module's load, its parameters named from BTF (pdev, ent)" \
    test "$(grep -c 'e1000_probe(' "$T")" = 1 -a -n "$(echo "$probe" | grep -E 'e1000_probe\(pdev=0x[0-9a-f]+, ent=0x[0-9a-f]+\)( \{|;)$')"
ent=$(echo "$probe" | sed -n 's/.*ent=\(0x[0-9a-f]*\).*/\1/p')
check "ent points into e1000 itself (its PCI id table), inside the module's range" \
    test -n "$ent" -a $((ent >= base && ent < base + size)) = 1
opener=$(grep -E '\] +e1000_open\(' "$T" | sed -n 's/.* tid:\([0-9]*\)\].*/\1/p')
call=$(grep -E '\] +e1000_open\(' "$T" | sed -n 's/.*\] *\(e1000_open(netdev=0x[0-9a-f]*)\).*/\1/p')
check "module:e1000 traces every function, e1000_open among them: called once, returns 0" \
    test "$(grep -c 'e1000_open(' "$T")" = 1 -a -n "$call"
check "e1000_open returned 0" returns "$T" "$opener" "$call" 0
check "the opener is the process that ran ifconfig eth0 up" \
    grep -qE "tid:$opener\] == exec \"[^\"]*\" \[\"ifconfig\", \"eth0\", .*\"up\"\]" "$T"
check "more e1000 functions than the two named (module:e1000)" \
    test "$(grep -oE '\] [a-z0-9_]+\(' "$T" | sort -u | grep -c 'e1000')" -gt 2
check "without the .ko under --sysroot: the same calls, values without names" \
    grep -qE '\] +e1000_probe\(0x[0-9a-f]+, 0x[0-9a-f]+\)( \{|;)$' "$TMP/bare/trace.txt"
for r in btf bare; do
    check "$r: 'crc7:*' (the guest never loads crc7) said at the end" grep -qxF "qtrace: warning: no kernel module the guest loaded has a function matching 'crc7:*': nothing was traced for it" "$TMP/$r.err"
done
done_testing
