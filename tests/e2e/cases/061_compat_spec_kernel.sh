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
# calls' own lines of the stack file, exactly: every call of the listed functions (user and kernel)
# with its stack, arguments and return value. The expected file names the addresses ({add}...) from
# nm and the System.map and calls' pid ({pid}) as it printed it. Normalised: the processes are
# named, not numbered (compat_named), and a written string ends at its line's end: ksys_write's
# buffer is decoded as a C string, past its count, and what follows is stale memory (the
# program's earlier output, stack addresses).
cpid=$(said "$TMP/speck/console" 'calls: pid=\([0-9]*\)')
compat_named "$S" "$cpid" | grep -E ' (main|worker)$' |
    perl -pe 's/(2:string="(?:[^"\\]|\\.)*?\\n)(?:[^"\\]|\\.)*"/$1"/' >"$TMP/stack.got"
sed "s/{add}/$a/g; s/{greet}/$g/g; s/{main}/$m/g; s/{worker}/$w/g; s/{leap}/$(hex "$(sym leap)")/g; s/{ksys_write}/$kw/g; s/{pid}/$cpid/g" \
    "$(dirname "$0")/061_compat_spec_kernel.stack.want" >"$TMP/stack.want"
same_text "calls' stack lines: its writes (ksys_write, kernel, link-time address, after the user stack), greet, add in main and the workers (funcstack:1: main > greet, worker > add, main > ksys_write), nothing else" \
    "$TMP/stack.got" "$TMP/stack.want"
check "the init script's writes too (every process in spec_func_with_param)" \
    grep -qE '^call [0-9a-fx]+ ksys_write\(1:int=1, 2:string="QTRACE-GUEST: exit calls status 0\\n.*", 3:int=34\) pid=1 tid=1 comm=init$' "$S"
check "cred return value decoded: prepare_creds = 0:cred={uid=0, ...}" \
    grep -qE '^ret 0x[0-9a-f]+ prepare_creds = 0:cred=\{uid=0, gid=0, euid=0, egid=0, cap_effective=0x[0-9a-f]+\}' "$S"
check "inode and dentry arguments decoded: simple_lookup(1:inode={ino=..., 2:dentry=\"...\")" \
    grep -qE '^call 0x[0-9a-f]+ simple_lookup\(1:inode=\{ino=[0-9]+, mode=S_IFDIR\|[0-7]+.*\}, 2:dentry="[^"]+"\)' "$S"
check "unlisted functions in the user range are traced (log) but have no call lines in stack" \
    bash -c "grep -qE '^call 0x[0-9a-f]+ fact\\(\\) ' '$L' && ! grep -qE '^call 0x[0-9a-f]+ fact' '$S'"
done_testing
