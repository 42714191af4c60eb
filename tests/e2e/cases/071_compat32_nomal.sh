#!/usr/bin/env bash
# The 32-bit guest, trace_type nomal: fact and add by their ranges, fact's recursion as stacks
# (oracle: nm's addresses, calls.c's recursion).
. "$(dirname "$0")/../lib.sh"
need_guest32
compat32_syms
printf 'calls\nffffffff~ffffffff\n%s~%s,%s\nfuncstack:1\nlinkmap:0\ntrace_type:nomal\n' \
    "$(sym32 add)" "$(sym32 add)" "$(sym32 fact)" | new_config nomal32
run32 nomal32
ok $? "32-bit nomal: exits 0"
D=$TMP/nomal32
check "32-bit nomal: fact and add are traced" \
    bash -c "grep -qE '^call $f fact\\(\\) depth=' '$D/log' && grep -qE '^call $a add\\(\\) depth=' '$D/log'"
check "32-bit nomal: nothing outside the ranges" bash -c "! grep -qE '^call 0x[0-9a-f]+ (greet|main|depth)\\(' '$D/log'"
check "32-bit nomal: fact's recursion as stacks" grep -qE "^stack fact@$f > fact@$f > fact@$f > fact@$f > fact@$f tid=[0-9]+$" "$D/stack"

done_testing
