#!/usr/bin/env bash
# The 32-bit guest, process_func_with_param: calls' raw arguments only, none of init's writes
# (oracle: calls.c's arguments, the byte counts written).
. "$(dirname "$0")/../lib.sh"
need_guest32
compat32_syms
kcfg32 process_func_with_param
run32 process_func_with_param32
ok $? "32-bit process_func_with_param: exits 0"
D=$TMP/process_func_with_param32
check "32-bit process_func_with_param: add's raw arguments" grep -qE "^call $a add\\(1=0x28, 2=0x2, 3=0x[0-9a-f]+\\) depth=" "$D/log"
check "32-bit process_func_with_param: add's raw return" grep -qE "^ret $a add = 0x2a depth=" "$D/log"
check "32-bit process_func_with_param: calls' ksys_write of add(2,3)=5\\n (count 11)" \
    grep -qE "^call $kw ksys_write\\(1=0x1, 2=0x[0-9a-f]+, 3=0xb\\) depth=" "$D/log"
check "32-bit process_func_with_param: calls' ksys_write returns" grep -qE "^ret $kw ksys_write = 0xb depth=" "$D/log"
check "32-bit process_func_with_param: none of init's writes (25 and 34 bytes, in all_func_with_param)" \
    bash -c "! grep -qE '^call $kw ksys_write\\(1=0x1, 2=0x[0-9a-f]+, 3=0x(19|22)\\) ' '$D/log'"
n_as=$(n_address_spaces "$D/trace.qtr")
check "32-bit process_func_with_param: one address space (got $n_as)" test "$n_as" = 1
check "32-bit process_func_with_param: the plugin was given program_as=on" grep -qx 'program_as=on' "$D/qtrace.conf"

done_testing
