#!/usr/bin/env bash
# The 32-bit guest, all_func_with_param: raw arguments (cdecl from the stack, regparm in the
# kernel) of every process (oracle: calls.c's arguments, the byte counts init and calls wrote).
. "$(dirname "$0")/../lib.sh"
need_guest32
compat32_syms
kcfg32 all_func_with_param
run32 all_func_with_param32
ok $? "32-bit all_func_with_param: exits 0"
D=$TMP/all_func_with_param32
check "32-bit all_func_with_param: add's raw arguments (cdecl: from the stack)" \
    grep -qE "^call $a add\\(1=0x2, 2=0x3, 3=0x[0-9a-f]+\\) depth=" "$D/log"
check "32-bit all_func_with_param: raw return value" grep -qE "^ret $a add = 0x5 depth=" "$D/log"
check "32-bit all_func_with_param: calls' ksys_write raw (regparm: fd, buf, count=11)" \
    grep -qE "^call $kw ksys_write\\(1=0x1, 2=0x[0-9a-f]+, 3=0xb\\) depth=" "$D/log"
check "32-bit all_func_with_param: init's writes too (\\nQTRACE-GUEST: run calls\\n, 25 bytes; the exit line, 34)" \
    bash -c "grep -qE '^call $kw ksys_write\\(1=0x1, 2=0x[0-9a-f]+, 3=0x19\\) ' '$D/log' && grep -qE '^call $kw ksys_write\\(1=0x1, 2=0x[0-9a-f]+, 3=0x22\\) ' '$D/log'"
check "32-bit all_func_with_param: no decoded strings" bash -c "! grep -qE '^call .*\"' '$D/log'"

done_testing
