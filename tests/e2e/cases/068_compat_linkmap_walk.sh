#!/usr/bin/env bash
# qtrace compat's linkmap:ADDR walks the guest's own link_map list from the program's .got.plt
# (readelf -S): GOT[1] in the parent, DT_DEBUG's r_map in a child run with LD_BIND_NOW=1 (GOT[1]
# stays 0). Oracle: lmap_dyn prints its link map by walking _r_debug itself. An address that is
# not the .got.plt (code) stops the walk with a marked line.
. "$(dirname "$0")/../lib.sh"
need_guest lmap_dyn
PROG=$GUEST/progs/lmap_dyn
GOTPLT=$(readelf -SW "$PROG" | awk '$2 == ".got.plt" { print $4 }' | sed 's/^0*//')
TWICE=$(nm "$PROG" | awk '$3 == "twice" { print $1 }') MAIN=$(nm "$PROG" | awk '$3 == "main" { print $1 }')
ok $([ -n "$GOTPLT" ] && [ -n "$TWICE" ] && [ -n "$MAIN" ]; echo $?) "readelf: .got.plt at $GOTPLT; nm: twice, main"
lm_config() { # NAME LINKMAP-ADDRESS
    new_config "$1" <<CFG
lmap_dyn
ffffffffffffffff~ffffffffffffffff
0~0
funcstack:0
linkmap:$2
trace_type:spec_func_with_param
$(hex "$TWICE"),0,long,1,long
$(hex "$MAIN")
CFG
}
QARGS=(-kernel "$KERNEL" -initrd "$INITRD" -append "qtrace.run=lmap_dyn qtrace.args=bindnow" -rtc clock=vm)

lm_config lm "$GOTPLT"
run_compat lm
ok $? "qtrace compat exits 0"
check "the program and its LD_BIND_NOW child ran to the end" test "$(grep -c '^lmap_dyn: pid=[0-9]* done$' "$D/console")" = 2
# "PID 0xL_ADDR NAME" per object, each process's list in its order
sed -n 's/^lmap_dyn: pid=\([0-9]*\) link_map \(0x[0-9a-f]*\|0\) \(".*"\)$/\1 \2 \3/p' "$D/console" |
    while read -r pid a name; do printf '%s 0x%016x %s\n' "$pid" "$a" "$name"; done | sort -s -k1,1n >"$D/lm.want"
sed -n 's/^linkmap \(0x[0-9a-f]*\)  \(".*"\) pid=\([0-9]*\) tid=.*$/\3 \1 \2/p' "$D/stack" | sort -s -k1,1n >"$D/lm.got"
check "the program printed its link map (program, vdso, libc, loader) in both processes" test "$(wc -l <"$D/lm.want")" -ge 6
same_text "stack: each process's link map = what it walked itself (same l_addr, l_name, order)" "$D/lm.got" "$D/lm.want"
first=$(sed -n 's/^lmap_dyn: pid=\([0-9]*\) done$/\1/p' "$D/console" | head -1) # the child ends first
last=$(sed -n 's/^lmap_dyn: pid=\([0-9]*\) done$/\1/p' "$D/console" | tail -1)
n() { grep -c "^$1 " "$D/lm.want"; }
check "parent: its list found through GOT[1], all of it" grep -qE "^# linkmap: end of the list: $(n "$last") objects from GOT\\[1\\] pid=$last " "$D/stack"
check "child (LD_BIND_NOW=1, GOT[1] is 0): found through DT_DEBUG" grep -qE "^# linkmap: end of the list: $(n "$first") objects from \\.dynamic DT_DEBUG r_map pid=$first " "$D/stack"
check "stack: the header names linkmap:ADDR" grep -qx "# linkmap:$GOTPLT: the guest's link map (l_addr and l_name of each object, in list order), read at the program's first call" "$D/stack"
"$QTRACE" dump -f linkmap "$D/trace.qtr" >"$D/dump" 2>&1
awk '/^# the guest.s own link maps/ { on = 1; next } on && $4 ~ /^"/ { print $1, $3, $4 }' "$D/dump" | sort -s -k1,1n >"$D/dump.got"
same_text "dump -f linkmap: the same link maps" "$D/dump.got" "$D/lm.want"
check "log: the link map records too" grep -qE '^linkmap 0 0x[0-9a-f]+ "/lib/x86_64-linux-gnu/libc\.so\.6" ' "$D/log"

# linkmap: at twice's code: GOT[1] is instruction bytes, the walk stops at them
lm_config bad "$(hex "$TWICE" | sed s/^0x//)"
QARGS=(-kernel "$KERNEL" -initrd "$INITRD" -append "qtrace.run=lmap_dyn" -rtc clock=vm)
run_compat bad
ok $? "linkmap: at code, not the .got.plt: qtrace compat exits 0"
check "the program ran to the end" grep -q '^lmap_dyn: pid=[0-9]* done$' "$D/console"
check "stack: the walk stopped with one marked line" test "$(grep -cE '^linkmap <unreadable 0x[0-9a-f]+> the walk stopped: an entry is not readable \(0 objects listed before, from GOT\[1\]\)' "$D/stack")" = 1
check "stack: the calls are still there" grep -qE '^ret 0x[0-9a-f]+ twice = 0:long=42 ' "$D/stack"

# user mode: the same walk through the plugin option (the program runs with the host's loader)
U=$TMP/user
"$QTRACE" run -P twice --plugin-opt "linkmap=$GOTPLT" --format text,linkmap -o "$U" -- "$PROG" >"$U.out" 2>&1
ok $? "user mode: qtrace run --plugin-opt linkmap= exits 0"
sed -n 's/^lmap_dyn: pid=\([0-9]*\) link_map \(0x[0-9a-f]*\|0\) \(".*"\)$/\2 \3/p' "$U.out" |
    while read -r a name; do printf '0x%016x %s\n' "$a" "$name"; done >"$U.want"
awk '/^# the guest.s own link maps/ { on = 1; next } on && $NF ~ /"$/ { print $(NF - 1), $NF }' "$U/trace.linkmap" >"$U.got"
check "user mode: the program printed its link map" test "$(wc -l <"$U.want")" -ge 3
same_text "user mode: trace.linkmap = the program's own walk" "$U.got" "$U.want"
# a static program (calls) at its own .got.plt: no link map, said in one line
S=$GUEST/progs/calls
SGOT=$(readelf -SW "$S" | awk '$2 == ".got.plt" { print $4 }' | sed 's/^0*//')
"$QTRACE" run -P add --plugin-opt "linkmap=$SGOT" -o "$TMP/static" -- "$S" >"$TMP/static.out" 2>&1
ok $? "user mode, static program: qtrace run exits 0"
"$QTRACE" dump -f linkmap "$TMP/static/trace.qtr" >"$TMP/static.lm"
check "static program: one line says there is no link map" test "$(grep -c "no link map: GOT\[1\] and .dynamic's DT_DEBUG are both 0" "$TMP/static.lm")" = 1
"$QTRACE" run -P add --plugin-opt "linkmap=$GOTPLT" -o "$TMP/none" -- "$PROG" >"$TMP/none.out" 2>&1
check "no call of a program function: the walk says it did not run" grep -q "^qtrace: warning: linkmap=$GOTPLT: the guest's link map was not read: no process made a recorded call" "$TMP/none.out"
done_testing
