#!/usr/bin/env bash
# The 32-bit guest, all_func_without_param: every function, kernel threads too, no values
# (oracle: calls.c's function names, the number of address spaces).
. "$(dirname "$0")/../lib.sh"
need_guest32
compat32_syms
kcfg32 all_func_without_param
run32 all_func_without_param32
ok $? "32-bit all_func_without_param: exits 0"
D=$TMP/all_func_without_param32
all_func_log "32-bit all_func_without_param" "$D/log"
check "32-bit all_func_without_param: ksys_write (kernel range) is in the log" grep -qE "^call $kw ksys_write\\(\\) " "$D/log"
check "32-bit all_func_without_param: kernel threads' process_one_work too (kernel range)" \
    grep -qE "^call $pow process_one_work\\(\\) " "$D/log"
all_as=$(n_address_spaces "$D/trace.qtr")
check "32-bit all_func_without_param: events of other processes too ($all_as address spaces)" test "$all_as" -gt 1

done_testing
