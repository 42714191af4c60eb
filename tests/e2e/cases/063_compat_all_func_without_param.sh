#!/usr/bin/env bash
# qtrace compat, all_func_without_param: every function of every process, no values
# (oracle: calls.c's function names, the init script's writes).
. "$(dirname "$0")/../lib.sh"
need_guest calls
compat_syms
all_cfg all_func_without_param
run_compat all_func_without_param
ok $? "all_func_without_param: exits 0"
D=$TMP/all_func_without_param
all_func_log "all_func_without_param" "$D/log"
check "all_func_without_param: kernel range functions of other processes too (init's writes)" \
    grep -qE "^call $kw ksys_write\\(\\) .* comm=init$" "$D/log"
check "all_func_without_param: stack has no call lines (no listed functions, funcstack:0)" \
    bash -c "! grep -qE '^(call|ret|stack) ' '$D/stack'"

done_testing
