#!/usr/bin/env bash
# qtrace compat, trace_type nomal: the functions in the address ranges, stacks per funcstack; and
# --dry-run of the same configuration (oracle: nm's and System.map's addresses, calls.c's recursion).
. "$(dirname "$0")/../lib.sh"
need_guest calls
compat_syms
new_config nomal <<EOF
calls
$KW~$KW,$KGP
$ADD~$ADD,$FACT
funcstack:1
linkmap:0
trace_type:nomal
$GREET,0,int,1,string
EOF
run_compat nomal
ok $? "nomal: exits 0"
D=$TMP/nomal
check "nomal: the function lines are noted as unused" grep -q "note: configs.txt: trace_type nomal does not use the function lines (1, from line 7): they are for spec_func_with_param" "$D/stderr"
check "nomal: fact (a single address of the user union) is traced" grep -qE "^call $f fact\\(\\) depth=" "$D/log"
check "nomal: add (a range of the user union) is traced" grep -qE "^call $a add\\(\\) depth=" "$D/log"
check "nomal: ksys_write (kernel range) is traced" grep -qE "^call $kw ksys_write\\(\\) " "$D/log"
check "nomal: __x64_sys_getpid (a single kernel address of the union) is traced" grep -qE "^call $kg __x64_sys_getpid\\(\\) .* comm=calls$" "$D/log"
check "nomal: nothing outside the ranges (greet, main, depth)" bash -c "! grep -qE '^call 0x[0-9a-f]+ (greet|main|depth)\\(' '$D/log'"
check "nomal: no argument values" bash -c "! grep -qE '^call .*\\([0-9]' '$D/log'"
check "nomal, funcstack:1: fact's recursion as stacks" grep -qE "^stack fact@$f > fact@$f > fact@$f > fact@$f > fact@$f pid=[0-9]+ tid=[0-9]+ comm=calls$" "$D/stack"
check "nomal: stack has stacks, no call lines" bash -c "grep -q '^stack ' '$D/stack' && ! grep -qE '^(call|ret) ' '$D/stack'"
# ---- dry run: what a configuration becomes ---------------------------------------------------
D=$TMP/dry
mkdir -p "$D"
cp "$TMP/nomal/configs.txt" "$D/configs.txt"
(cd "$D" && "$QTRACE" compat -n -q -p "$PROG" -- "${QARGS[@]}" >out 2>err)
ok $? "--dry-run exits 0"
check "--dry-run: the user range union becomes range= lines (end excluded)" \
    grep -qx "range=$(hex "$ADD")-$(printf '0x%x' $((0x$ADD + 1)))" "$D/out"
check "--dry-run: the kernel range becomes kernel function names" grep -qx 'func=kernel:__x64_sys_getpid' "$D/out"
check "--dry-run: the QEMU command line keeps QEMU-TRACER's other arguments" grep -qE -- '-plugin .* -rtc clock=vm -net nic -net user$' "$D/out"
check "--dry-run: starts nothing, writes no log" test ! -e "$D/log" -a ! -e "$D/trace.qtr"
done_testing
