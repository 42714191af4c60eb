#!/usr/bin/env bash
# Malformed QEMU-TRACER configurations: exit 2, exactly the documented message, QEMU never started,
# nothing written (oracle: the messages, a fake QEMU that leaves a file behind).
. "$(dirname "$0")/../lib.sh"
need_guest calls
compat_syms
fake_qemu
HDR="calls
ffffffffffffffff~ffffffffffffffff
0~0
funcstack:0
linkmap:0"
# bad_config NAME CONFIG-TEXT MESSAGE [REG_MAP-TEXT]: qtrace compat exits 2, its standard error is
# exactly "qtrace: error: MESSAGE", it started no QEMU and wrote nothing
bad_config() {
    local d=$TMP/bad-$1 rc f
    mkdir -p "$d/configs"
    printf '%s\n' "$2" >"$d/configs.txt"
    printf '%s\n' "${4:-$REGMAP}" >"$d/configs/reg_map.txt"
    (cd "$d" && "$QTRACE" compat -p "$PROG" --qemu "$FAKE" -o out -- "${QARGS[@]}" >stdout 2>stderr)
    rc=$?
    {
        echo "status $rc"
        cat "$d/stderr"
        [ -e "$TMP/qemu-started" ] && echo "QEMU started"
        for f in out log stack; do [ -e "$d/$f" ] && echo "$f written"; done
    } >"$d/got"
    printf 'status 2\nqtrace: error: %s\n' "$3" >"$d/want"
    same_text "malformed ($1): exit 2, the whole message, no QEMU, nothing written" "$d/got" "$d/want"
    rm -f "$TMP/qemu-started"
}
# the program's code (its executable segment), as qtrace names it
CODE=$(readelf -lW "$PROG" | awk '$1 == "LOAD" && $(NF - 1) == "E" { print $3, $6 }' | { read -r va sz; printf '0x%x-0x%x' "$va" $((va + sz)); })
SIX_LINES="configs.txt has six lines before the functions: program, kernel range, user range, funcstack:, linkmap:, trace_type:"
bad_config "bad hex" "calls
ffffffff8100000g~ffffffff81ffffff
0~0
funcstack:0
linkmap:0
trace_type:nomal" "configs.txt:2: expected a hexadecimal start address (at most 16 digits) in the kernel range, got 'ffffffff8100000g'"
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
trace_type:nomal" "configs.txt:2: expected START <= END in the kernel range, got 'ffffffff81ffffff~ffffffff81000000' (the start is above the end)"
bad_config "unknown trace type" "$HDR
trace_type:spec_func" "configs.txt:6: expected trace_type: spec_func_with_param, all_func_without_param, all_func_with_param, process_func_without_param, process_func_with_param or nomal, got 'spec_func'"
bad_config "0,int after an argument" "$HDR
trace_type:spec_func_with_param
$GREET,1,string,0,int" "configs.txt:7: expected the return value (0,TYPE) right after the address, got '0,int' after argument 1 (QEMU-TRACER's rule: \"0,int必须放在最前面\" (0,int must come first): ffffffff12345678,1,string is allowed, ffffffff12345678,1,string,0,int is not)"
bad_config "unknown type" "$HDR
trace_type:spec_func_with_param
$GREET,0,int,1,str" "configs.txt:7: expected a type for position 1, one of int string socket cred inode dentry (QEMU-TRACER's) or long uint ulong hex pointer char bool task file path sock sockaddr module argv (qtrace's), got 'str'"
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
trace_type:nomal" "configs.txt:4: expected funcstack:0 or funcstack:1, got 'linkmap:0' (which looks like the linkmap line: is a line missing? $SIX_LINES)"
bad_config "end of file" "calls
0~0" "configs.txt:3: expected the user address range START~END (hex; a union like 400000~4fffff,601000), got end of file ($SIX_LINES)"
bad_config "not a function's first instruction" "$HDR
trace_type:spec_func_with_param
$(printf '%x' $((0x$ADD + 1))),0,int" "configs.txt:7: expected the address of a function's first instruction, got $(printf '0x%x' $((0x$ADD + 1))): it is add+0x1 in $PROG (add starts at $a)"
bad_config "no such kernel function" "$HDR
trace_type:spec_func_with_param
ffffffff12345678,0,int,1,string" "configs.txt:7: expected the address of a function of $PROG (code at $CODE) or of the kernel, got 0xffffffff12345678, which is neither"
bad_config "spec without functions" "$HDR
trace_type:spec_func_with_param" "configs.txt: trace_type spec_func_with_param traces the functions listed after line 6, and there are none (expected lines ADDR,pos,type,... e.g. ffffffff12345678,0,int,1,string)"
bad_config "bad reg_map arrow" "$HDR
trace_type:nomal" "configs/reg_map.txt:2: expected '-->' between the position and QEMU's register index, got '->'" "64 R_EAX 0 --> 0
64 R_EDI 1 -> 7"
bad_config "bad reg_map bits" "$HDR
trace_type:nomal" "configs/reg_map.txt:1: expected the word size 32 or 64 first, got '16'" "16 R_EAX 0 --> 0"
bad_config "reg_map index" "$HDR
trace_type:nomal" "configs/reg_map.txt:1: expected 7 (QEMU's index of R_EDI), got '6'" "64 R_EDI 1 --> 6"
bad_config "reg_map return value last" "$HDR
trace_type:nomal" "configs/reg_map.txt:2: expected the 64-bit return value line before the 64-bit argument lines (QEMU-TRACER's rule: the return value must come before the arguments), got it after line 1" "64 R_EDI 1 --> 7
64 R_EAX 0 --> 0"

d=$TMP/bad-nofile
mkdir -p "$d"
(cd "$d" && "$QTRACE" compat --qemu "$FAKE" -- "${QARGS[@]}" >stdout 2>stderr)
ok $([ $? = 2 ] && [ "$(cat "$d/stderr")" = 'qtrace: error: configs.txt: No such file or directory' ] && [ ! -e "$TMP/qemu-started" ]; echo $?) \
    "no configs.txt: exit 2, the file named, no QEMU"
spec_config spec
d=$TMP/bad-nokernel
mkdir -p "$d"
cp "$TMP/spec/configs.txt" "$d/"
(cd "$d" && "$QTRACE" compat -p "$PROG" --qemu "$FAKE" -- -hda lubuntu.raw -m 2G >stdout 2>stderr)
ok $([ $? = 2 ] && [ "$(cat "$d/stderr")" = "qtrace: error: the QEMU arguments have no -kernel FILE: qtrace compat boots a kernel and an initrd as QEMU-TRACER's busybox set-up does (-kernel bzImage -initrd rootfs.img -append ...); a disk-image guest booted by its own boot loader is not supported" ] && [ ! -e "$TMP/qemu-started" ]; echo $?) \
    "QEMU arguments without -kernel: exit 2, no QEMU"
d=$TMP/bad-kvm
mkdir -p "$d"
cp "$TMP/spec/configs.txt" "$d/"
(cd "$d" && "$QTRACE" compat -n -p "$PROG" -- "${QARGS[@]}" -enable-kvm >stdout 2>stderr)
ok $([ $? = 0 ] && grep -q 'note: -enable-kvm: tracing needs TCG' "$d/stderr" && ! grep -q 'enable-kvm' "$d/stdout"; echo $?) \
    "-enable-kvm is dropped with a note"

done_testing
