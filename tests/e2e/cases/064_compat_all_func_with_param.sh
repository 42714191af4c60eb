#!/usr/bin/env bash
# qtrace compat, all_func_with_param: raw registers of every function (oracle: calls.c's
# arguments and return values, reg_map's positions).
. "$(dirname "$0")/../lib.sh"
need_guest calls
compat_syms
all_cfg all_func_with_param
run_compat all_func_with_param
ok $? "all_func_with_param: exits 0"
D=$TMP/all_func_with_param
check "all_func_with_param: add's six raw argument registers (the reg_map's 64-bit positions)" \
    grep -qE "^call $a add\\(1=0x2, 2=0x3, 3=0x[0-9a-f]+, 4=0x[0-9a-f]+, 5=0x[0-9a-f]+, 6=0x[0-9a-f]+\\) depth=" "$D/log"
check "all_func_with_param: raw return value" grep -qE "^ret $a add = 0x5 depth=" "$D/log"
check "all_func_with_param: kernel functions raw too, every process" grep -qE "^call $kw ksys_write\\(1=0x1, 2=0x[0-9a-f]+, .* comm=init$" "$D/log"
check "all_func_with_param: no decoded strings" bash -c "! grep -qE '^call .*\"' '$D/log'"

done_testing
