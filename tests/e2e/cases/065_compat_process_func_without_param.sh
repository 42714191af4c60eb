#!/usr/bin/env bash
# qtrace compat, process_func_without_param: only while the named program runs (oracle: the
# comm of each line, calls.c's function names).
. "$(dirname "$0")/../lib.sh"
need_guest calls
compat_syms
all_cfg process_func_without_param
run_compat process_func_without_param
ok $? "process_func_without_param: exits 0"
D=$TMP/process_func_without_param
check "process_func_without_param: main and add are in the log" \
    bash -c "grep -qE '^call 0x[0-9a-f]+ main\\(\\) .* comm=calls$' '$D/log' && grep -qE '^call $a add\\(\\) ' '$D/log'"
check "process_func_without_param: calls' own writes (kernel range)" grep -qE "^call $kw ksys_write\\(\\) .* comm=calls$" "$D/log"
check "process_func_without_param: nothing of other processes (init's writes)" \
    bash -c "! grep -E '^(call|ret|unwind) ' '$D/log' | grep -v ' comm=calls$' | grep -q ."
check "process_func_without_param: no argument values" bash -c "! grep -qE '^call [^ ]+ [^ ]+\\([^)]' '$D/log'"

done_testing
