#!/usr/bin/env bash
# The 32-bit guest, process_func_without_param: only calls' address space, no kernel thread
# (oracle: calls.c's function names, the number of address spaces).
. "$(dirname "$0")/../lib.sh"
need_guest32
compat32_syms
kcfg32 process_func_without_param
run32 process_func_without_param32
ok $? "32-bit process_func_without_param: exits 0"
D=$TMP/process_func_without_param32
check "32-bit process_func_*: the note says how the process is known (its address spaces, program_as=on)" \
    grep -q "note: configs.txt:6: in a 32-bit guest qtrace reads no task structures: the process named on line 1 is the address spaces that .*/progs/calls's own code runs in" "$D/stderr"
check "32-bit process_func_without_param: main and add are in the log" \
    bash -c "grep -qE '^call $m main\\(\\) ' '$D/log' && grep -qE '^call $a add\\(\\) ' '$D/log'"
check "32-bit process_func_without_param: calls' own writes (kernel range)" grep -qE "^call $kw ksys_write\\(\\) " "$D/log"
check "32-bit process_func_without_param: no kernel thread's process_one_work, even on calls' address space" \
    bash -c "! grep -qE '^call $pow process_one_work\\(' '$D/log'"
n_as=$(n_address_spaces "$D/trace.qtr")
check "32-bit process_func_without_param: one address space, calls' (got $n_as)" test "$n_as" = 1
check "32-bit process_func_without_param: no argument values" bash -c "! grep -qE '^call [^ ]+ [^ ]+\\([^)]' '$D/log'"

done_testing
