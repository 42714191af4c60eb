#!/usr/bin/env bash
# Every function of the old API, two plugins at once: before_tb counts, memory and register reads,
# unknown and fork-only register ids, reverse load order (oracle: nm, objdump, qtrace's -R values
# and execution log of the same run).
. "$(dirname "$0")/../lib.sh"
need_legacy
need_qemu_user
TICK=$(addr_of "$P" tick) MAGIC=$(addr_of "$P" legacy_magic) RET=$(ret_of "$P" tick)
D=$TMP/all
"$QTRACE" run -q -o "$D" -P tick -R tick --exec-log --afilter "0x$TICK" \
    --legacy-plugin "$L/liball.so,args=tb=0x$TICK str=0x$MAGIC len=19 ret=0x$RET" \
    --legacy-plugin "$L/libinsn.so" --legacy-log "$TMP/all.log" -- "$P" >"$TMP/all.out" 2>"$TMP/all.err"
ok $? "qtrace run with two --legacy-plugins and -P/-R/--exec-log: exits 0"
check "plugin_init got args=, qemulib_get_arch_name says x86_64" \
    grep -qx "init arch=x86_64 args=tb=0x$TICK str=0x$MAGIC len=19 ret=0x$RET" "$TMP/all.log"
n_tb=$(grep -c "^tb $TICK " "$TMP/all.log")
n_ex=$(wc -l <"$D/trace.execlog")
check "before_tb: once per run of tick's block, as often as the execution log runs it ($n_tb / $n_ex)" \
    test "$n_tb" = "$n_ex" -a "$n_tb" = 37
check "before_tb: n counts 1..37 in order" \
    test "$(sed -n "s/^tb $TICK n=\([0-9]*\) .*/\1/p" "$TMP/all.log" | tr '\n' ' ')" = "$(seq -s ' ' 1 37) "
check "rip read in before_tb is the block's pc, 8 bytes" \
    test "$(grep -c "^tb $TICK n=[0-9]* pcreg=$TICK size=8 " "$TMP/all.log")" = 37
n_needs=$(grep -c "^needs-tb $TICK pcreg=$TICK size=8$" "$TMP/all.log")
check "needs_before_tb: asked at translation and again before each run, pc register readable ($n_needs > 37)" \
    test "$n_needs" -gt 37 -a "$(grep -c '^needs-tb ' "$TMP/all.log")" = "$n_needs"
check "memory: the known string at its nm address" grep -qx 'mem 0 qtrace-legacy-magic' "$TMP/all.log"
check "memory: an unmapped address fails with -1" grep -qx 'mem-unmapped -1' "$TMP/all.log"
check "an unknown register id reads 0 bytes" grep -qx 'reg-unknown 0' "$TMP/all.log"
check "... and says so on stderr" grep -q "qtrace-legacy: qemulib_read_register: register id 9999 is unknown on x86_64" "$TMP/all.err"
check "the fork-only TR_BASE reads 0 bytes, said on stderr" \
    bash -c "grep -qx 'reg-fork-only 0' '$TMP/all.log' && grep -q 'register id 154 is the fork' '$TMP/all.err'"
sed -n "s/^ret $RET val=\([0-9a-f]*\) size=8$/\1/p" "$TMP/all.log" | while read -r h; do echo $((16#$h)); done >"$TMP/rax.got"
sed -n 's/.*\] tick() = \(-*[0-9]*\);$/\1/p' "$D/trace.txt" >"$TMP/rax.want"
same_text "rax at tick's ret equals qtrace's recorded return values (-R tick)" "$TMP/rax.got" "$TMP/rax.want"
check "37 return values" test "$(wc -l <"$TMP/rax.want")" = 37
check "reverse load order: at tick's ret the newer plugin (libinsn) is called first" \
    test "$(grep -A1 -x "executing instruction at $RET" "$TMP/all.log" | grep -c "^ret $RET ")" = 37
# between two instruction lines: a tb line exactly when the second is tick's first instruction
bad=$(awk -v t="$TICK" '/^tb / { tb = 1 } /^executing instruction at / { if (tb != ($4 == t)) n++; tb = 0 } END { print n + 0 }' "$TMP/all.log")
check "the block hook runs before the first instruction's hook, at each of its runs ($bad out of place)" test "$bad" = 0
done_testing
