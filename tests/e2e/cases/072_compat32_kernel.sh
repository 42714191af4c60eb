#!/usr/bin/env bash
# The 32-bit guest's kernel functions: the i386 image's own kallsyms and KASLR slide, regparm
# arguments of ksys_write, call stacks (oracle: what calls and init wrote, System.map).
. "$(dirname "$0")/../lib.sh"
need_guest32
compat32_syms
ok "$(rc_of "$FIXTURES/compat_map32/rc")" "32-bit: compat --system-map reads the i386 kernel's kallsyms"
check "32-bit System.map: 8-digit link-time addresses, _text at 0xc1000000" \
    bash -c "grep -qx 'c1000000 T _text' '$FIXTURES/compat_map32/System.map' && [ -n '$KW32' ]"

printf 'calls\nffffffff~ffffffff\n%s~%s\nfuncstack:1\nlinkmap:0\ntrace_type:spec_func_with_param\n%s,0,int,1,int,2,string,3,int\n%s,0,int,1,string\n' \
    "$(sym32 worker)" "$(sym32 main)" "$KW32" "$(sym32 greet)" | new_config speck32
run32 speck32
ok $? "32-bit spec_func_with_param with a kernel function: exits 0"
D=$TMP/speck32
check "32-bit kernel function decoded (regparm: eax, edx, ecx): ksys_write(1:int=1, 2:string=\"add(2,3)=5\\n...\", 3:int=11)" \
    grep -qE "^call $kw ksys_write\\(1:int=1, 2:string=\"add\\(2,3\\)=5\\\\n.*\", 3:int=11\\) tid=[0-9]+$" "$D/stack"
check "32-bit: its return value, ksys_write = 0:int=11" grep -qE "^ret $kw ksys_write = 0:int=11 tid=[0-9]+$" "$D/stack"
check "32-bit: init's write too (every process in spec_func_with_param)" \
    grep -qE "^call $kw ksys_write\\(1:int=1, 2:string=\"QTRACE-GUEST: exit calls status 0\\\\n.*\", 3:int=34\\) tid=[0-9]+$" "$D/stack"
check "32-bit funcstack:1: main > greet, right before greet's call line" \
    bash -c "grep -B1 -E '^call $g greet\\(1:string=\"world\"\\)' '$D/stack' | head -1 | grep -qE '^stack main@$m > greet@$g tid=[0-9]+$'"
check "32-bit funcstack:1: a system call's stack is the user stack, then the kernel's (main > ksys_write, one tid)" \
    bash -c "grep -B1 -F 'ksys_write(1:int=1, 2:string=\"add(2,3)=5' '$D/stack' | head -1 | grep -qE '^stack main@$m > ksys_write@$kw tid=[0-9]+$'"

# the kernel range: ksys_write, and process_one_work, which only kernel threads (kworkers) run:
done_testing
