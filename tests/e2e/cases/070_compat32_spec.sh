#!/usr/bin/env bash
# The 32-bit guest (qemu-system-i386, i386 kernel) built, and spec_func_with_param in it: the same
# decoded calls as in the 64-bit guest, arguments from the stack (oracle: what calls printed, nm).
. "$(dirname "$0")/../lib.sh"
need_guest32
ok "$G32_RC" "32-bit guest: built (tests/compat/build-guest32.sh: linux-image-686, gcc -m32)"
[ "$G32_RC" = 0 ] || tail -5 "$G32_LOG" | diag
compat32_syms
printf 'calls\nffffffff~ffffffff\n0~0\nfuncstack:0\nlinkmap:0\ntrace_type:spec_func_with_param\n%s,0,int,1,string\n%s,0,int,1,int,2,int\n%s\n' \
    "$(sym32 greet)" "$(sym32 add)" "$(sym32 probe)" | new_config spec32
run32 spec32
ok $? "32-bit spec_func_with_param (the seed's shape, ffffffff~ffffffff): exits 0"
D=$TMP/spec32
check "32-bit: the guest program ran to the end" grep -q 'QTRACE-GUEST: exit calls status 0' "$D/console"
check "32-bit: an i386 trace (qemu-system-i386), the i386 kernel's KASLR slide found" \
    grep -qE '; i386 system mode; kernel addresses at link time \(KASLR slide 0x[0-9a-f]+\)$' "$D/stack"
check "32-bit: the register lines do not apply to cdecl user code (a warning says so)" \
    grep -q "32-bit user code (cdecl) passes its arguments on the stack" "$D/stderr"
stack_by_thread "$D/stack" >"$D/stack.got"
spec_want "$a" "$g" "$p" >"$D/stack.want"
same_text "32-bit stack: the same decoded calls (cdecl: arguments read from the stack)" "$D/stack.got" "$D/stack.want"

done_testing
