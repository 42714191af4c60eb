#!/usr/bin/env bash
# qtrace compat, process_func_with_param: raw registers, only the named program (oracle:
# calls.c's arguments, the comm of each line).
. "$(dirname "$0")/../lib.sh"
need_guest calls
compat_syms
all_cfg process_func_with_param
run_compat process_func_with_param
ok $? "process_func_with_param: exits 0"
D=$TMP/process_func_with_param
check "process_func_with_param: add's raw registers" grep -qE "^call $a add\\(1=0x28, 2=0x2, 3=0x[0-9a-f]+, 4=" "$D/log"
check "process_func_with_param: calls' ksys_write with raw registers" grep -qE "^call $kw ksys_write\\(1=0x1, .* comm=calls$" "$D/log"
check "process_func_with_param: nothing of other processes" \
    bash -c "! grep -E '^(call|ret|unwind) ' '$D/log' | grep -v ' comm=calls$' | grep -q ."
check "process_func_with_param: the plugin was given comm=calls" grep -qx 'comm=calls' "$D/qtrace.conf"

done_testing
