#!/usr/bin/env bash
# e2e: long
# A traced function given a pointer into a device's registers (guest/progs/mmio: QEMU's standard
# VGA, BAR 2 mapped through sysfs, whose first bytes are the EDID header). qtrace's read goes to
# the device as the guest's own does: the string decoded is the bytes the program read itself.
. "$(dirname "$0")/../lib.sh"
need_guest mmio
trace_boot "$TMP" m --append qtrace.run=mmio --timeout 150 -p "$GUEST/progs/mmio" -A 'peek@arg1/s' -R peek --format text
C=$TMP/m.console
ok $([ "$(rc_of "$TMP/m.rc")" = 0 ] && grep -qx 'QTRACE-GUEST: exit mmio status 0' "$C"; echo $?) \
    "the guest mapped the VGA's MMIO BAR and powered off (qtrace status $(rc_of "$TMP/m.rc"))"
grep '^mmio: ' "$C" | diag
read -r str addr < <(sed -n 's/^mmio: read \("[^"]*"\) at \(0x[0-9a-f]*\)$/\1 \2/p' "$C")
ok $([ -n "${str:-}" ] && [ "$str" != '""' ]; echo $?) "the program read the device's bytes itself: ${str:-nothing} at ${addr:-?}"
call=$(tree_of "$TMP/m/trace.txt" | grep '^peek(')
ok $([ "$call" = "peek(p=$str) = 1;" ]; echo $?) "peek(p=<MMIO>) decoded as the program read it: $call"
done_testing
