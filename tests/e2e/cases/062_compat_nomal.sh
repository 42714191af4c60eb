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
# exact: the log's calls and returns, and the whole stack file (funcstack:1: stacks, no call
# lines) but its header (it names the KASLR slide, random); the expected files name the functions'
# addresses {add}, {fact}, {ksys_write}, {getpid}, taken from nm and the System.map
cpid=$(said "$D/console" 'calls: pid=\([0-9]*\)')
addrs="s/{add}/$a/g; s/{fact}/$f/g; s/{ksys_write}/$kw/g; s/{getpid}/$kg/g"
compat_named "$D/log" "$cpid" | grep -E '^(call|ret|unwind) ' >"$TMP/log.got"
sed "$addrs" "$(dirname "$0")/062_compat_nomal.log.want" >"$TMP/log.want"
same_text "nomal log: exactly the calls of fact, add (user ranges), ksys_write, __x64_sys_getpid (kernel), no values, of init, main and the workers" \
    "$TMP/log.got" "$TMP/log.want"
compat_named "$D/stack" "$cpid" | grep -v '^# ' >"$TMP/stack.got"
sed "$addrs" "$(dirname "$0")/062_compat_nomal.stack.want" >"$TMP/stack.want"
same_text "nomal stack, funcstack:1: exactly one stack per call in the ranges (fact's recursion 5 deep), no call lines" \
    "$TMP/stack.got" "$TMP/stack.want"
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
