#!/usr/bin/env bash
# qtrace compat, spec_func_with_param with kernel functions, funcstack:1 and -o: call stacks,
# kernel arguments decoded (oracle: what calls and the init script wrote, System.map's addresses).
. "$(dirname "$0")/../lib.sh"
need_guest calls
compat_syms
new_config speck <<EOF
calls
ffffffffffffffff~ffffffffffffffff
$WORKER~$MAIN
funcstack:1
linkmap:0
trace_type:spec_func_with_param
$KW,0,int,1,int,2,string,3,int
$GREET,0,int,1,string
$KPC,0,cred
$ADD,0,int,1,int,2,int
$KSL,1,inode,2,dentry
EOF
run_compat speck -o out
ok $? "spec_func_with_param with kernel functions and funcstack:1: exits 0"
S=$TMP/speck/out/stack L=$TMP/speck/out/log
check "-o DIR: log and stack written there" test -s "$S" -a -s "$L"
check "funcstack:1: main > greet, right before greet's call line" \
    bash -c "grep -B1 -E '^call $g greet\\(1:string=\"world\"\\)' '$S' | head -1 | grep -qE '^stack main@$m > greet@$g pid=[0-9]+ tid=[0-9]+ comm=calls$'"
check "funcstack:1: a worker thread's stack: worker > add" grep -qE "^stack worker@$w > add@$a pid=[0-9]+ tid=[0-9]+ comm=calls$" "$S"
check "a system call's stack: the user stack, then the kernel's (main > ksys_write), link-time address" \
    bash -c "grep -B1 -F 'ksys_write(1:int=1, 2:string=\"add(2,3)=5' '$S' | head -1 | grep -qE '^stack main@$m > ksys_write@$kw pid=[0-9]+ tid=[0-9]+ comm=calls$'"
check "kernel function: ksys_write(1:int=1, 2:string=\"add(2,3)=5\\n..., 3:int=11) from calls" \
    grep -qE "^call $kw ksys_write\\(1:int=1, 2:string=\"add\\(2,3\\)=5\\\\n.*\", 3:int=11\\) pid=[0-9]+ tid=[0-9]+ comm=calls$" "$S"
check "kernel function's return: ksys_write = 0:int=11" grep -qE "^ret $kw ksys_write = 0:int=11 pid=[0-9]+ tid=[0-9]+ comm=calls$" "$S"
check "the init script's writes too (every process in spec_func_with_param)" \
    grep -qE '^call [0-9a-fx]+ ksys_write\(1:int=1, 2:string="QTRACE-GUEST: exit calls status 0\\n.*", 3:int=34\) pid=1 tid=1 comm=init$' "$S"
check "cred return value decoded: prepare_creds = 0:cred={uid=0, ...}" \
    grep -qE '^ret 0x[0-9a-f]+ prepare_creds = 0:cred=\{uid=0, gid=0, euid=0, egid=0, cap_effective=0x[0-9a-f]+\}' "$S"
check "inode and dentry arguments decoded: simple_lookup(1:inode={ino=..., 2:dentry=\"...\")" \
    grep -qE '^call 0x[0-9a-f]+ simple_lookup\(1:inode=\{ino=[0-9]+, mode=S_IFDIR\|[0-7]+.*\}, 2:dentry="[^"]+"\)' "$S"
check "unlisted functions in the user range are traced (log) but have no call lines in stack" \
    bash -c "grep -qE '^call 0x[0-9a-f]+ fact\\(\\) ' '$L' && ! grep -qE '^call 0x[0-9a-f]+ fact' '$S'"
check "stack lines name the traced callers: main > add" grep -qE "^stack main@$m > add@$a " "$S"
done_testing
