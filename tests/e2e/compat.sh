#!/usr/bin/env bash
# Issue 5: QEMU-TRACER configurations run unchanged (qtrace compat). Boots the bundled guest with
# configs.txt files of seed 000's shape for the calls program (addresses from nm, kernel
# addresses from qtrace compat --system-map), one run per trace type, and checks the log and
# stack files against what the program printed; then malformed configurations: exit 2, the
# documented message, QEMU never started, nothing written.
. "$(dirname "$0")/lib.sh"

PROG=$GUEST/progs/calls
KERNEL=$GUEST/vmlinuz
QARGS=(-kernel "$KERNEL" -initrd "$GUEST/initrd.gz" -append "qtrace.run=calls" -rtc clock=vm -net nic -net user
       -d func -D log)
sym() { nm "$PROG" | awk -v n="$1" '$3 == n { print $1 }'; }
ksym() { awk -v n="$1" '$3 == n { print $1 }' "$TMP/System.map"; }
hex() { printf '0x%x' "0x$1"; }

# QEMU-TRACER's own configs/reg_map.txt, as its document shows it
REGMAP=' 32 R_EAX 0 --> 0
 32 R_EAX 1 --> 0
 32 R_ECX 2 --> 1
 32 R_EDX 3 --> 2 
 64 R_EAX 0 --> 0
 64 R_EDI 1 --> 7
 64 R_ESI 2 --> 6 
 64 R_EDX 3 --> 2
 64 R_ECX 4 --> 1
 64 R_8 5 --> 8
 64 R_9 6 --> 9'

# ---- kernel symbols, as nm -n vmlinux would give them ----------------------------------------
"$QTRACE" compat --system-map "$KERNEL" >"$TMP/System.map" 2>"$TMP/sm.err"
ok $? "compat --system-map prints the kernel's symbols"
check "System.map format: _stext at its link-time address" grep -qx 'ffffffff81000000 T _stext' "$TMP/System.map"
ADD=$(sym add) GREET=$(sym greet) PROBE=$(sym probe) FACT=$(sym fact) MAIN=$(sym main) WORKER=$(sym worker)
KW=$(ksym ksys_write) KPC=$(ksym prepare_creds) KSL=$(ksym simple_lookup) KGP=$(ksym __x64_sys_getpid)
ok $([ -n "$ADD" ] && [ -n "$GREET" ] && [ -n "$KW" ] && [ -n "$KPC" ] && [ -n "$KSL" ] && [ -n "$KGP" ]; echo $?) \
    "addresses of add, greet, ksys_write, prepare_creds, simple_lookup, __x64_sys_getpid"

# run_compat NAME: boots the guest in $TMP/NAME with $TMP/NAME/configs.txt (already written)
# and configs/reg_map.txt; sets D to the folder
run_compat() {
    D=$TMP/$1
    shift
    mkdir -p "$D/configs"
    printf '%s\n' "$REGMAP" >"$D/configs/reg_map.txt"
    (cd "$D" && "$QTRACE" compat -p "$PROG" --timeout 240 "$@" -- "${QARGS[@]}" >console.raw 2>stderr)
    local rc=$?
    tr -d '\r' <"$D/console.raw" >"$D/console"
    rm -f "$D/console.raw"
    return $rc
}
new_config() { mkdir -p "$TMP/$1"; cat >"$TMP/$1/configs.txt"; }
# the user-space lines of calls, without pid/tid (they vary) but with the thread kept apart
calls_lines() { grep -E "^$2 " "$1" | grep ' comm=calls$' | sed -E 's/ pid=[0-9]+ tid=[0-9]+ comm=calls$//'; }

# what the calls program's listed functions must give: spec_want ADD GREET PROBE
spec_want() {
    local a=$1 g=$2 p=$3
    printf '%s\n' "call $a add(1:int=2, 2:int=3) main" "ret $a add = 0:int=5 main" \
        "call $g greet(1:string=\"world\") main" "ret $g greet = 0:int=5 main" "call $p probe() main" \
        "ret $p probe = 0:int=7 main" "call $a add(1:int=40, 2:int=2) main" "ret $a add = 0:int=42 main"
    local id i
    for id in 1 2; do
        for i in 0 1 2; do
            printf '%s\n' "call $a add(1:int=${id}00, 2:int=$i) worker" "ret $a add = 0:int=$((id * 100 + i)) worker"
        done
    done
}

# ---- spec_func_with_param, the seed's own example shape -------------------------------------
new_config spec <<EOF
calls
ffffffffffffffff~ffffffffffffffff
0~0
funcstack:0
linkmap:610000
trace_type:spec_func_with_param
$GREET,0,int,1,string
$ADD,0,int,1,int,2,int
$PROBE
EOF
run_compat spec
ok $? "spec_func_with_param: qtrace compat exits 0 (QEMU-TRACER's command line: -d func -D log, -net nic -net user)"
D=$TMP/spec
check "the guest program ran to the end" grep -q 'QTRACE-GUEST: exit calls status 0' "$D/console"
check "-d func and -D log are QEMU-TRACER's: dropped with a note" grep -q "note: -d func: QEMU-TRACER's 'func' log item" "$D/stderr"
check "summary names log and stack" grep -qE '^qtrace: [0-9]+ events, 3 functions, .* -> \./log \./stack$' "$D/stderr"
check "stack starts with its header" grep -qx "# qtrace compat stack: configs.txt program=calls trace_type=spec_func_with_param funcstack=0; x86_64 system mode; kernel addresses at link time (KASLR slide 0x[0-9a-f]*)" "$D/stack"
check "log starts with its header" grep -q "^# qtrace compat log: configs.txt program=calls trace_type=spec_func_with_param" "$D/log"
a=$(hex "$ADD") g=$(hex "$GREET") p=$(hex "$PROBE")
grep -vE '^(#|linkmap )' "$D/stack" | sed -E 's/ pid=[0-9]+ tid=([0-9]+) comm=calls$/ T\1/' >"$D/stack.norm"
main_tid=$(sed -n "s/^call $a add(1:int=2, 2:int=3) T//p" "$D/stack.norm")
sed -E "s/ T$main_tid\$/ main/; s/ T[0-9]+\$/ worker/" "$D/stack.norm" >"$D/stack.got"
spec_want "$a" "$g" "$p" >"$D/stack.want"
same_text "stack: exactly the listed functions' calls, decoded as 0,int,1,string / 0,int,1,int,2,int / int return" "$D/stack.got" "$D/stack.want"
for pair in 'add(2,3)=5:add = 0:int=5' 'greet(world)=5:greet = 0:int=5' 'probe(0xdead0000)=7:probe = 0:int=7' 'add(40,2)=42:add = 0:int=42'; do
    said=${pair%%:*} traced=${pair#*:}
    ok $(grep -qxF "$said" "$D/console" && grep -qF "$traced" "$D/stack"; echo $?) "program says $said, stack says $traced"
done
check "stack: no call stacks with funcstack:0" bash -c "! grep -q '^stack ' '$D/stack'"
check "stack: nothing of the unlisted functions" bash -c "! grep -qE ' (main|fact|depth|leap|worker)\\(' '$D/stack'"
check "stack: linkmap:610000 lists the traced modules" grep -qE "^linkmap 0x0 .*/progs/calls$" "$D/stack"
check "log: the exec of calls, with the comm it had" grep -qE '^exec "/progs/calls" \["/progs/calls"\] comm="calls" pid=[0-9]+ tid=[0-9]+ comm=init$' "$D/log"
check "log: the same calls, values as recorded" grep -qE "^call $a add\\(1=2, 2=3\\) depth=0 pid=[0-9]+ tid=[0-9]+ comm=calls$" "$D/log"
check "log: returns" grep -qE "^ret $g greet = 5 depth=0 pid=[0-9]+ tid=[0-9]+ comm=calls$" "$D/log"
check "QEMU's own -D log did not replace qtrace's log" grep -q '^# qtrace compat log' "$D/log"
check "the trace and the plugin options are kept" test -s "$D/trace.qtr" -a -s "$D/qtrace.conf"

# ---- spec_func_with_param with kernel functions, funcstack:1, -o ---------------------------
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
m=$(hex "$MAIN") w=$(hex "$WORKER") kw=$(hex "$KW")
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

# ---- nomal: the functions in the ranges, stacks per funcstack ---------------------------------
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
f=$(hex "$FACT") kg=$(hex "$KGP")
check "nomal: the function lines are noted as unused" grep -q "note: configs.txt: trace_type nomal does not use the function lines (1, from line 7): they are for spec_func_with_param" "$D/stderr"
check "nomal: fact (a single address of the user union) is traced" grep -qE "^call $f fact\\(\\) depth=" "$D/log"
check "nomal: add (a range of the user union) is traced" grep -qE "^call $a add\\(\\) depth=" "$D/log"
check "nomal: ksys_write (kernel range) is traced" grep -qE "^call $kw ksys_write\\(\\) " "$D/log"
check "nomal: __x64_sys_getpid (a single kernel address of the union) is traced" grep -qE "^call $kg __x64_sys_getpid\\(\\) .* comm=calls$" "$D/log"
check "nomal: nothing outside the ranges (greet, main, depth)" bash -c "! grep -qE '^call 0x[0-9a-f]+ (greet|main|depth)\\(' '$D/log'"
check "nomal: no argument values" bash -c "! grep -qE '^call .*\\([0-9]' '$D/log'"
check "nomal, funcstack:1: fact's recursion as stacks" grep -qE "^stack fact@$f > fact@$f > fact@$f > fact@$f > fact@$f pid=[0-9]+ tid=[0-9]+ comm=calls$" "$D/stack"
check "nomal: stack has stacks, no call lines" bash -c "grep -q '^stack ' '$D/stack' && ! grep -qE '^(call|ret) ' '$D/stack'"

# ---- all_func_without_param: every function, every process ---------------------------------
all_cfg() {
    new_config "$1" <<EOF
calls
$KW~$KW
0~0
funcstack:0
linkmap:0
trace_type:$1
EOF
}
all_cfg all_func_without_param
run_compat all_func_without_param
ok $? "all_func_without_param: exits 0"
D=$TMP/all_func_without_param
for fn in main add fact greet probe leap depth worker printf; do
    check "all_func_without_param: $fn is in the log" grep -qE "^call 0x[0-9a-f]+ $fn\\(\\) " "$D/log"
done
check "all_func_without_param: kernel range functions of other processes too (init's writes)" \
    grep -qE "^call $kw ksys_write\\(\\) .* comm=init$" "$D/log"
check "all_func_without_param: no argument values, no return values" \
    bash -c "! grep -qE '^call [^ ]+ [^ ]+\\([^)]' '$D/log' && ! grep -qE '^ret .* = ' '$D/log'"
check "all_func_without_param: longjmp out of leap shows as unwind" grep -qE '^unwind 0x[0-9a-f]+ leap depth=' "$D/log"
check "all_func_without_param: stack has no call lines (no listed functions, funcstack:0)" \
    bash -c "! grep -qE '^(call|ret|stack) ' '$D/stack'"

# ---- all_func_with_param: raw registers of every function ------------------------------------
all_cfg all_func_with_param
run_compat all_func_with_param
ok $? "all_func_with_param: exits 0"
D=$TMP/all_func_with_param
check "all_func_with_param: add's six raw argument registers (the reg_map's 64-bit positions)" \
    grep -qE "^call $a add\\(1=0x2, 2=0x3, 3=0x[0-9a-f]+, 4=0x[0-9a-f]+, 5=0x[0-9a-f]+, 6=0x[0-9a-f]+\\) depth=" "$D/log"
check "all_func_with_param: raw return value" grep -qE "^ret $a add = 0x5 depth=" "$D/log"
check "all_func_with_param: kernel functions raw too, every process" grep -qE "^call $kw ksys_write\\(1=0x1, 2=0x[0-9a-f]+, .* comm=init$" "$D/log"
check "all_func_with_param: no decoded strings" bash -c "! grep -qE '^call .*\"' '$D/log'"

# ---- process_func_*: only while the named program runs --------------------------------------
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

all_cfg process_func_with_param
run_compat process_func_with_param
ok $? "process_func_with_param: exits 0"
D=$TMP/process_func_with_param
check "process_func_with_param: add's raw registers" grep -qE "^call $a add\\(1=0x28, 2=0x2, 3=0x[0-9a-f]+, 4=" "$D/log"
check "process_func_with_param: calls' ksys_write with raw registers" grep -qE "^call $kw ksys_write\\(1=0x1, .* comm=calls$" "$D/log"
check "process_func_with_param: nothing of other processes" \
    bash -c "! grep -E '^(call|ret|unwind) ' '$D/log' | grep -v ' comm=calls$' | grep -q ."
check "process_func_with_param: the plugin was given comm=calls" grep -qx 'comm=calls' "$D/qtrace.conf"

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

# ---- malformed configurations: exit 2, the message, no QEMU, nothing written -----------------
FAKE=$TMP/fake-qemu
printf '#!/bin/sh\ntouch "%s/qemu-started"\nexit 0\n' "$TMP" >"$FAKE"
chmod +x "$FAKE"
HDR="calls
ffffffffffffffff~ffffffffffffffff
0~0
funcstack:0
linkmap:0"
bad_config() { # NAME CONFIG-TEXT EXPECTED-MESSAGE [REG_MAP-TEXT]
    local d=$TMP/bad-$1
    mkdir -p "$d/configs"
    printf '%s\n' "$2" >"$d/configs.txt"
    printf '%s\n' "${4:-$REGMAP}" >"$d/configs/reg_map.txt"
    (cd "$d" && "$QTRACE" compat -p "$PROG" --qemu "$FAKE" -o out -- "${QARGS[@]}" >stdout 2>stderr)
    local rc=$?
    local good=0
    [ "$rc" = 2 ] || good=1
    grep -qF -- "$3" "$d/stderr" || good=1
    [ ! -e "$TMP/qemu-started" ] && [ ! -e "$d/out" ] && [ ! -e "$d/log" ] && [ ! -e "$d/stack" ] || good=1
    ok $good "malformed ($1): exit 2, '$3', no QEMU, nothing written"
    [ $good = 0 ] || { echo "#   rc=$rc"; sed 's/^/#   /' "$d/stderr"; }
    rm -f "$TMP/qemu-started"
}
bad_config "bad hex" "calls
ffffffff8100000g~ffffffff81ffffff
0~0
funcstack:0
linkmap:0
trace_type:nomal" "qtrace: error: configs.txt:2: expected a hexadecimal start address (at most 16 digits) in the kernel range, got 'ffffffff8100000g'"
bad_config "missing ~" "calls
0~0
400000-4fffff
funcstack:0
linkmap:0
trace_type:nomal" "configs.txt:3: expected START~END (with '~') or one address in the user range, got '400000-4fffff'"
bad_config "inverted range" "calls
ffffffff81ffffff~ffffffff81000000
0~0
funcstack:0
linkmap:0
trace_type:nomal" "configs.txt:2: expected START <= END in the kernel range, got 'ffffffff81ffffff~ffffffff81000000'"
bad_config "unknown trace type" "$HDR
trace_type:spec_func" "configs.txt:6: expected trace_type: spec_func_with_param, all_func_without_param, all_func_with_param, process_func_without_param, process_func_with_param or nomal, got 'spec_func'"
bad_config "0,int after an argument" "$HDR
trace_type:spec_func_with_param
$GREET,1,string,0,int" "configs.txt:7: expected the return value (0,TYPE) right after the address, got '0,int' after argument 1 (QEMU-TRACER's rule:"
bad_config "unknown type" "$HDR
trace_type:spec_func_with_param
$GREET,0,int,1,str" "configs.txt:7: expected a type for position 1, one of int string socket cred inode dentry (QEMU-TRACER's) or long"
bad_config "odd pos/type pairs" "$HDR
trace_type:spec_func_with_param
$ADD,0,int,1,int,2" "configs.txt:7: expected pos,type pairs after the address, got an odd number of fields (the last, '2', has no type)"
bad_config "position out of range" "$HDR
trace_type:spec_func_with_param
$ADD,0,int,99,int" "configs.txt:7: expected a position from 0 (return value) to 16, got 99"
bad_config "duplicate function" "$HDR
trace_type:spec_func_with_param
$ADD,0,int
$GREET,0,int
$ADD,1,int" "configs.txt:9: expected each function once, got 0x${ADD#"${ADD%%[!0]*}"} again (first on line 7)"
bad_config "missing line" "calls
ffffffffffffffff~ffffffffffffffff
0~0
linkmap:0
trace_type:nomal" "configs.txt:4: expected funcstack:0 or funcstack:1, got 'linkmap:0' (which looks like the linkmap line: is a line missing?"
bad_config "end of file" "calls
0~0" "configs.txt:3: expected the user address range START~END (hex; a union like 400000~4fffff,601000), got end of file"
bad_config "not a function's first instruction" "$HDR
trace_type:spec_func_with_param
$(printf '%x' $((0x$ADD + 1))),0,int" "configs.txt:7: expected the address of a function's first instruction, got $(printf '0x%x' $((0x$ADD + 1))): it is add+0x1"
bad_config "no such kernel function" "$HDR
trace_type:spec_func_with_param
ffffffff12345678,0,int,1,string" "configs.txt:7: expected the address of a function of $PROG"
bad_config "spec without functions" "$HDR
trace_type:spec_func_with_param" "configs.txt: trace_type spec_func_with_param traces the functions listed after line 6, and there are none"
bad_config "bad reg_map arrow" "$HDR
trace_type:nomal" "configs/reg_map.txt:2: expected '-->' between the position and QEMU's register index, got '->'" "64 R_EAX 0 --> 0
64 R_EDI 1 -> 7"
bad_config "bad reg_map bits" "$HDR
trace_type:nomal" "configs/reg_map.txt:1: expected the word size 32 or 64 first, got '16'" "16 R_EAX 0 --> 0"
bad_config "reg_map index" "$HDR
trace_type:nomal" "configs/reg_map.txt:1: expected 7 (QEMU's index of R_EDI), got '6'" "64 R_EDI 1 --> 6"
bad_config "reg_map return value last" "$HDR
trace_type:nomal" "configs/reg_map.txt:2: expected the 64-bit return value line before the 64-bit argument lines" "64 R_EDI 1 --> 7
64 R_EAX 0 --> 0"

d=$TMP/bad-nofile
mkdir -p "$d"
(cd "$d" && "$QTRACE" compat --qemu "$FAKE" -- "${QARGS[@]}" >stdout 2>stderr)
ok $([ $? = 2 ] && grep -qx 'qtrace: error: configs.txt: No such file or directory' "$d/stderr" && [ ! -e "$TMP/qemu-started" ]; echo $?) \
    "no configs.txt: exit 2, the file named, no QEMU"
d=$TMP/bad-nokernel
mkdir -p "$d"
cp "$TMP/spec/configs.txt" "$d/"
(cd "$d" && "$QTRACE" compat -p "$PROG" --qemu "$FAKE" -- -hda lubuntu.raw -m 2G >stdout 2>stderr)
ok $([ $? = 2 ] && grep -q 'error: the QEMU arguments have no -kernel FILE' "$d/stderr" && [ ! -e "$TMP/qemu-started" ]; echo $?) \
    "QEMU arguments without -kernel: exit 2, no QEMU"
d=$TMP/bad-kvm
mkdir -p "$d"
cp "$TMP/spec/configs.txt" "$d/"
(cd "$d" && "$QTRACE" compat -n -p "$PROG" -- "${QARGS[@]}" -enable-kvm >stdout 2>stderr)
ok $([ $? = 0 ] && grep -q 'note: -enable-kvm: tracing needs TCG' "$d/stderr" && ! grep -q 'enable-kvm' "$d/stdout"; echo $?) \
    "-enable-kvm is dropped with a note"

# ---- a 32-bit guest, as QEMU-TRACER's busybox set-up: qemu-system-i386, i386 kernel ---------
skip() { T_N=$((T_N + 1)); echo "ok $T_N # SKIP $1"; }
G32=$CACHE/guest32
if ! command -v qemu-system-i386 >/dev/null; then
    skip "32-bit guest: no qemu-system-i386"
elif ! printf 'int main(void) { return 0; }\n' | gcc -m32 -static -x c - -o "$TMP/m32" 2>/dev/null; then
    skip "32-bit guest: gcc -m32 cannot link a static program (Debian: gcc-12-multilib)"
else
    "$TOP/tests/compat/build-guest32.sh" >"$TMP/guest32.log" 2>&1
    rc=$?
    ok $rc "32-bit guest: built (tests/compat/build-guest32.sh: linux-image-686, gcc -m32)"
    [ $rc = 0 ] || sed 's/^/#   /' "$TMP/guest32.log" | tail -5
    P32=$G32/progs/calls
    sym32() { nm "$P32" | awk -v n="$1" '$3 == n { print $1 }'; }
    Q32=(-kernel "$G32/vmlinuz" -initrd "$G32/initrd.gz" -append "qtrace.run=calls" -d func -D log)
    run32() { # NAME: as run_compat, in the 32-bit guest
        D=$TMP/$1
        mkdir -p "$D/configs"
        printf '%s\n' "$REGMAP" >"$D/configs/reg_map.txt"
        (cd "$D" && "$QTRACE" compat -p "$P32" --timeout 240 -- "${Q32[@]}" >console.raw 2>stderr)
        local rc=$?
        tr -d '\r' <"$D/console.raw" >"$D/console"
        rm -f "$D/console.raw"
        return $rc
    }
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
    a=$(hex "$(sym32 add)") g=$(hex "$(sym32 greet)") p=$(hex "$(sym32 probe)")
    grep -vE '^#' "$D/stack" | sed -E 's/ tid=([0-9]+)$/ T\1/' >"$D/stack.norm"
    main_tid=$(sed -n "s/^call $a add(1:int=2, 2:int=3) T//p" "$D/stack.norm")
    sed -E "s/ T$main_tid\$/ main/; s/ T[0-9]+\$/ worker/" "$D/stack.norm" >"$D/stack.got"
    spec_want "$a" "$g" "$p" >"$D/stack.want"
    same_text "32-bit stack: the same decoded calls (cdecl: arguments read from the stack)" "$D/stack.got" "$D/stack.want"

    printf 'calls\nffffffff~ffffffff\n%s~%s,%s\nfuncstack:1\nlinkmap:0\ntrace_type:nomal\n' \
        "$(sym32 add)" "$(sym32 add)" "$(sym32 fact)" | new_config nomal32
    run32 nomal32
    ok $? "32-bit nomal: exits 0"
    D=$TMP/nomal32
    f=$(hex "$(sym32 fact)")
    check "32-bit nomal: fact and add are traced" \
        bash -c "grep -qE '^call $f fact\\(\\) depth=' '$D/log' && grep -qE '^call $a add\\(\\) depth=' '$D/log'"
    check "32-bit nomal: nothing outside the ranges" bash -c "! grep -qE '^call 0x[0-9a-f]+ (greet|main|depth)\\(' '$D/log'"
    check "32-bit nomal: fact's recursion as stacks" grep -qE "^stack fact@$f > fact@$f > fact@$f > fact@$f > fact@$f tid=[0-9]+$" "$D/stack"

    # ---- 32-bit kernel functions: the i386 image's own kallsyms, KASLR slide, regparm arguments ----
    "$QTRACE" compat --system-map "$G32/vmlinuz" >"$TMP/System.map32" 2>/dev/null
    ok $? "32-bit: compat --system-map reads the i386 kernel's kallsyms"
    ksym32() { awk -v n="$1" '$3 == n { print $1 }' "$TMP/System.map32"; }
    KW32=$(ksym32 ksys_write)
    check "32-bit System.map: 8-digit link-time addresses, _text at 0xc1000000" \
        bash -c "grep -qx 'c1000000 T _text' '$TMP/System.map32' && [ -n '$KW32' ]"
    kw=$(hex "$KW32") m=$(hex "$(sym32 main)") g=$(hex "$(sym32 greet)")
    # the number of address spaces ("as:N") the trace's events ran in
    nas() { "$QTRACE" dump -f text "$1/trace.qtr" 2>/dev/null | grep -oE '\[cpu[0-9]+ as:[0-9]+ ' | sort -u | wc -l; }

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
    # they run on the address space of the task before them (lazy TLB), calls' too
    POW32=$(ksym32 process_one_work) pow=$(hex "$(ksym32 process_one_work)")
    kcfg32() {
        printf 'calls\n%s~%s,%s\n0~0\nfuncstack:0\nlinkmap:0\ntrace_type:%s\n' "$KW32" "$KW32" "$POW32" "$1" | new_config "${1}32"
    }
    kcfg32 all_func_without_param
    run32 all_func_without_param32
    ok $? "32-bit all_func_without_param: exits 0"
    D=$TMP/all_func_without_param32
    for fn in main add fact greet probe leap depth worker printf; do
        check "32-bit all_func_without_param: $fn is in the log" grep -qE "^call 0x[0-9a-f]+ $fn\\(\\) " "$D/log"
    done
    check "32-bit all_func_without_param: ksys_write (kernel range) is in the log" grep -qE "^call $kw ksys_write\\(\\) " "$D/log"
    check "32-bit all_func_without_param: kernel threads' process_one_work too (kernel range)" \
        grep -qE "^call $pow process_one_work\\(\\) " "$D/log"
    all_as=$(nas "$D")
    check "32-bit all_func_without_param: events of other processes too ($all_as address spaces)" test "$all_as" -gt 1
    check "32-bit all_func_without_param: no argument values, no return values" \
        bash -c "! grep -qE '^call [^ ]+ [^ ]+\\([^)]' '$D/log' && ! grep -qE '^ret .* = ' '$D/log'"
    check "32-bit all_func_without_param: longjmp out of leap shows as unwind" grep -qE '^unwind 0x[0-9a-f]+ leap depth=' "$D/log"

    kcfg32 all_func_with_param
    run32 all_func_with_param32
    ok $? "32-bit all_func_with_param: exits 0"
    D=$TMP/all_func_with_param32
    check "32-bit all_func_with_param: add's raw arguments (cdecl: from the stack)" \
        grep -qE "^call $a add\\(1=0x2, 2=0x3, 3=0x[0-9a-f]+\\) depth=" "$D/log"
    check "32-bit all_func_with_param: raw return value" grep -qE "^ret $a add = 0x5 depth=" "$D/log"
    check "32-bit all_func_with_param: calls' ksys_write raw (regparm: fd, buf, count=11)" \
        grep -qE "^call $kw ksys_write\\(1=0x1, 2=0x[0-9a-f]+, 3=0xb\\) depth=" "$D/log"
    check "32-bit all_func_with_param: init's writes too (\\nQTRACE-GUEST: run calls\\n, 25 bytes; the exit line, 34)" \
        bash -c "grep -qE '^call $kw ksys_write\\(1=0x1, 2=0x[0-9a-f]+, 3=0x19\\) ' '$D/log' && grep -qE '^call $kw ksys_write\\(1=0x1, 2=0x[0-9a-f]+, 3=0x22\\) ' '$D/log'"
    check "32-bit all_func_with_param: no decoded strings" bash -c "! grep -qE '^call .*\"' '$D/log'"

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
    n_as=$(nas "$D")
    check "32-bit process_func_without_param: one address space, calls' (got $n_as)" test "$n_as" = 1
    check "32-bit process_func_without_param: no argument values" bash -c "! grep -qE '^call [^ ]+ [^ ]+\\([^)]' '$D/log'"

    kcfg32 process_func_with_param
    run32 process_func_with_param32
    ok $? "32-bit process_func_with_param: exits 0"
    D=$TMP/process_func_with_param32
    check "32-bit process_func_with_param: add's raw arguments" grep -qE "^call $a add\\(1=0x28, 2=0x2, 3=0x[0-9a-f]+\\) depth=" "$D/log"
    check "32-bit process_func_with_param: add's raw return" grep -qE "^ret $a add = 0x2a depth=" "$D/log"
    check "32-bit process_func_with_param: calls' ksys_write of add(2,3)=5\\n (count 11)" \
        grep -qE "^call $kw ksys_write\\(1=0x1, 2=0x[0-9a-f]+, 3=0xb\\) depth=" "$D/log"
    check "32-bit process_func_with_param: calls' ksys_write returns" grep -qE "^ret $kw ksys_write = 0xb depth=" "$D/log"
    check "32-bit process_func_with_param: none of init's writes (25 and 34 bytes, in all_func_with_param)" \
        bash -c "! grep -qE '^call $kw ksys_write\\(1=0x1, 2=0x[0-9a-f]+, 3=0x(19|22)\\) ' '$D/log'"
    n_as=$(nas "$D")
    check "32-bit process_func_with_param: one address space (got $n_as)" test "$n_as" = 1
    check "32-bit process_func_with_param: the plugin was given program_as=on" grep -qx 'program_as=on' "$D/qtrace.conf"

    # ---- the same through qtrace system: --program-as; qemu-system-i386 chosen from the image ----
    D=$TMP/system32
    mkdir -p "$D"
    (cd "$D" && "$QTRACE" system --kernel "$G32/vmlinuz" --initrd "$G32/initrd.gz" --append qtrace.run=calls -p "$P32" \
        --program-as -P add -P 'kernel:ksys_write' --timeout 240 -o out >console 2>stderr)
    ok $? "32-bit qtrace system --program-as: exits 0 (no --qemu: the i386 image picks qemu-system-i386)"
    check "32-bit qtrace system: an i386 trace" grep -q '(i386 system mode;' "$D/out/trace.txt"
    check "32-bit qtrace system: add(), and calls' ksys_write() by name" \
        bash -c "grep -qE '\] add\(\);' '$D/out/trace.txt' && grep -qE '\] ksys_write\(\);' '$D/out/trace.txt'"
    n_as=$("$QTRACE" dump -f text "$D/out/trace.qtr" 2>/dev/null | grep -oE '\[cpu[0-9]+ as:[0-9]+ ' | sort -u | wc -l)
    check "32-bit qtrace system --program-as: one address space (got $n_as)" test "$n_as" = 1
    (cd "$D" && "$QTRACE" system --kernel "$G32/vmlinuz" --initrd "$G32/initrd.gz" -p "$P32" --comm calls --qemu "$FAKE" \
        -o out2 >stdout2 2>stderr2)
    ok $([ $? = 2 ] && grep -q "error: --comm needs the kernel's task structures, which qtrace reads in x86-64 kernels only: .*/vmlinuz is an i386 kernel; --program-as (with --program) records the program's address spaces instead" "$D/stderr2" && [ ! -e "$TMP/qemu-started" ]; echo $?) \
        "32-bit qtrace system --comm: refused before QEMU starts, naming --program-as"

    # ---- what cannot work: clear errors before QEMU starts --------------------------------------
    d=$TMP/bad32
    mkdir -p "$d"
    printf 'calls\n%s~%s\n0~0\nfuncstack:0\nlinkmap:0\ntrace_type:process_func_with_param\n' "$KW32" "$KW32" >"$d/configs.txt"
    (cd "$d" && "$QTRACE" compat --qemu "$FAKE" -- "${Q32[@]}" >stdout 2>stderr)
    ok $([ $? = 2 ] && grep -q "configs.txt:6: trace_type process_func_with_param follows the process named on line 1: in a 32-bit guest qtrace knows it by its code, so give --program PATH (a host copy of calls)" "$d/stderr" && [ ! -e "$TMP/qemu-started" ]; echo $?) \
        "32-bit: process_func_* without --program is refused before QEMU starts (the process is known by its code)"
    printf 'calls\nffffffff~ffffffff\n0~0\nfuncstack:0\nlinkmap:0\ntrace_type:spec_func_with_param\n%s,0,cred\n' "$(ksym32 prepare_creds)" >"$d/configs.txt"
    (cd "$d" && "$QTRACE" compat -p "$P32" --qemu "$FAKE" -- "${Q32[@]}" >stdout 2>stderr)
    ok $([ $? = 2 ] && grep -q "configs.txt:7: type cred (position 0) reads a kernel structure, whose layout qtrace takes from the kernel's BTF or --layout: in a 32-bit guest it reads no kernel layouts (write hex for the raw pointer)" "$d/stderr" && [ ! -e "$TMP/qemu-started" ]; echo $?) \
        "32-bit: a kernel object type (cred) is refused before QEMU starts (no kernel layouts)"
    printf 'calls\nc0000000~c0000010\n0~0\nfuncstack:0\nlinkmap:0\ntrace_type:nomal\n' >"$d/configs.txt"
    (cd "$d" && "$QTRACE" compat -p "$P32" --qemu "$FAKE" --kernel-symbols /dev/null -- "${Q32[@]}" >stdout 2>stderr)
    ok $([ $? = 2 ] && grep -q "error: /dev/null" "$d/stderr" && [ ! -e "$TMP/qemu-started" ]; echo $?) \
        "32-bit: an unusable --kernel-symbols file is refused before QEMU starts"
fi
done_testing
