#!/usr/bin/env bash
# qtrace compat, spec_func_with_param as QEMU-TRACER's seed configures it: the stack file holds
# exactly the listed functions' calls (oracle: what calls printed, nm's addresses).
. "$(dirname "$0")/../lib.sh"
need_guest calls
fixture compat_map
ok "$(rc_of "$FX/rc")" "compat --system-map prints the kernel's symbols"
check "System.map format: _stext at its link-time address" grep -qx 'ffffffff81000000 T _stext' "$FX/System.map"
compat_syms
ok $([ -n "$ADD" ] && [ -n "$GREET" ] && [ -n "$KW" ] && [ -n "$KPC" ] && [ -n "$KSL" ] && [ -n "$KGP" ]; echo $?) \
    "addresses of add, greet, ksys_write, prepare_creds, simple_lookup, __x64_sys_getpid"
spec_config spec
run_compat spec
ok $? "spec_func_with_param: qtrace compat exits 0 (QEMU-TRACER's command line: -d func -D log, -net nic -net user)"
D=$TMP/spec
check "the guest program ran to the end" grep -q 'QTRACE-GUEST: exit calls status 0' "$D/console"
check "-d func and -D log are QEMU-TRACER's: dropped with a note" grep -q "note: -d func: QEMU-TRACER's 'func' log item" "$D/stderr"
check "summary names log and stack" grep -qE '^qtrace: [0-9]+ events, 3 functions, .* -> \./log \./stack$' "$D/stderr"
check "stack starts with its header" grep -qx "# qtrace compat stack: configs.txt program=calls trace_type=spec_func_with_param funcstack=0; x86_64 system mode; kernel addresses at link time (KASLR slide 0x[0-9a-f]*)" "$D/stack"
check "log starts with its header" grep -q "^# qtrace compat log: configs.txt program=calls trace_type=spec_func_with_param" "$D/log"
stack_by_thread "$D/stack" >"$D/stack.got"
spec_want "$a" "$g" "$p" >"$D/stack.want"
same_text "stack: exactly the listed functions' calls, decoded as 0,int,1,string / 0,int,1,int,2,int / int return" "$D/stack.got" "$D/stack.want"
for pair in 'add(2,3)=5:add = 0:int=5' 'greet(world)=5:greet = 0:int=5' 'probe(0xdead0000)=7:probe = 0:int=7' 'add(40,2)=42:add = 0:int=42'; do
    said=${pair%%:*} traced=${pair#*:}
    ok $(grep -qxF "$said" "$D/console" && grep -qF "$traced" "$D/stack"; echo $?) "program says $said, stack says $traced"
done
check "stack: no call stacks with funcstack:0" bash -c "! grep -q '^stack ' '$D/stack'"
check "stack: nothing of the unlisted functions" bash -c "! grep -qE ' (main|fact|depth|leap|worker)\\(' '$D/stack'"
check "stack: linkmap:610000 (not calls' .got.plt) is walked and says in one line why it found no list" test "$(grep -cE '^(# linkmap: no link map|linkmap <unreadable 0x[0-9a-f]+> )' "$D/stack")" = 1
check "log: the exec of calls, with the comm it had" grep -qE '^exec "/progs/calls" \["/progs/calls"\] comm="calls" pid=[0-9]+ tid=[0-9]+ comm=init$' "$D/log"
check "log: the same calls, values as recorded" grep -qE "^call $a add\\(1=2, 2=3\\) depth=0 pid=[0-9]+ tid=[0-9]+ comm=calls$" "$D/log"
check "log: returns" grep -qE "^ret $g greet = 5 depth=0 pid=[0-9]+ tid=[0-9]+ comm=calls$" "$D/log"
check "QEMU's own -D log did not replace qtrace's log" grep -q '^# qtrace compat log' "$D/log"
check "the trace and the plugin options are kept" test -s "$D/trace.qtr" -a -s "$D/qtrace.conf"

done_testing
