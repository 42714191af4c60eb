#!/usr/bin/env bash
# compat's linkmap:ADDR in the 32-bit guest: lmap_dyn built with gcc -m32 as a dynamically linked
# PIE (its loader and libc in the guest's /lib) prints its own link map by walking _r_debug; the
# walk from its .got.plt's GOT[1] (readelf -S) must give the same objects at the same addresses,
# in the same order, through 4-byte link_map fields. Oracle: the program's own walk.
. "$(dirname "$0")/../lib.sh"
need_guest32
[ "$G32_RC" = 0 ] || { tail -5 "$G32_LOG" | diag; bail "32-bit guest: built (tests/compat/build-guest32.sh)"; }
PROG=$G32/progs/lmap_dyn
GOTPLT=$(readelf -SW "$PROG" | awk '$2 == ".got.plt" { print $4 }' | sed 's/^0*//')
TWICE=$(nm "$PROG" | awk '$3 == "twice" { print $1 }') MAIN=$(nm "$PROG" | awk '$3 == "main" { print $1 }')
ok $([ -n "$GOTPLT" ] && [ -n "$TWICE" ] && [ -n "$MAIN" ]; echo $?) "readelf: .got.plt at $GOTPLT; nm: twice, main"
check "lmap_dyn is a 32-bit dynamically linked PIE" bash -c "file -L '$PROG' | grep -q 'ELF 32-bit LSB pie executable.*dynamically linked'"
new_config lm32 <<CFG
lmap_dyn
ffffffff~ffffffff
0~0
funcstack:0
linkmap:$GOTPLT
trace_type:spec_func_with_param
$(hex "$TWICE"),0,int,1,int
$(hex "$MAIN")
CFG
QARGS=(-kernel "$G32/vmlinuz" -initrd "$G32/initrd.gz" -append "qtrace.run=lmap_dyn")
run_compat lm32
ok $? "qtrace compat in the 32-bit guest exits 0"
check "the program ran to the end" grep -q '^lmap_dyn: pid=[0-9]* done$' "$D/console"
sed -n 's/^lmap_dyn: pid=[0-9]* link_map \(0x[0-9a-f]*\|0\) \(".*"\)$/\1 \2/p' "$D/console" |
    while read -r a name; do printf '0x%016x %s\n' "$a" "$name"; done >"$D/lm.want"
sed -n 's/^linkmap \(0x[0-9a-f]*\)  \(".*"\) tid=.*$/\1 \2/p' "$D/stack" >"$D/lm.got"
check "the program printed its link map: the program, linux-gate, /lib/libc.so.6, /lib/ld-linux.so.2" \
    test "$(wc -l <"$D/lm.want")" = 4 -a "$(grep -c '"/lib/libc.so.6"$' "$D/lm.want")" = 1
same_text "stack: the link map walked from GOT[1] = the program's own walk (l_addr, l_name, order)" "$D/lm.got" "$D/lm.want"
check "stack: the walk ended at the end of the list, through GOT[1]" \
    grep -qE '^# linkmap: end of the list: 4 objects from GOT\[1\] ' "$D/stack"
check "stack: twice(21) decoded too (cdecl: its argument from the stack)" grep -qE '^call 0x[0-9a-f]+ twice\(1:int=21\) ' "$D/stack"
check "stack: and its return value, 42" grep -qE '^ret 0x[0-9a-f]+ twice = 0:int=42 ' "$D/stack"
done_testing
