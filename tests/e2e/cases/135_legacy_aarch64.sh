#!/usr/bin/env bash
# An old plugin under qemu-aarch64: qemulib_get_arch_name, the pc register, x0 at a ret (oracle:
# nm, aarch64 objdump, qtrace's -R values).
. "$(dirname "$0")/../lib.sh"
need_legacy
[ -x "$CACHE/bin/qemu-aarch64" ] && command -v aarch64-linux-gnu-gcc >/dev/null || skip_all "aarch64: no qemu-aarch64 or aarch64-linux-gnu-gcc"
A=$TMP/prog-a64
aarch64-linux-gnu-gcc $CF -static -o "$A" "$TOP/tests/legacy/legacy_prog.c"
TICK=$(addr_of "$A" tick) RET=$(ret_of "$A" tick aarch64-linux-gnu-objdump)
D=$TMP/a64
"$QTRACE" run -q -o "$D" -P tick -R tick --legacy-plugin "$L/liball.so,args=tb=0x$TICK ret=0x$RET" \
    --legacy-log "$TMP/a64.log" -- "$A" >/dev/null 2>"$TMP/a64.err"
ok $? "aarch64: qtrace run --legacy-plugin exits 0"
check "aarch64: qemulib_get_arch_name says aarch64" grep -q '^init arch=aarch64 ' "$TMP/a64.log"
check "aarch64: pc read in before_tb is the block's pc" test "$(grep -c "^tb $TICK n=[0-9]* pcreg=$TICK size=8 " "$TMP/a64.log")" = 37
sed -n "s/^ret $RET val=\([0-9a-f]*\) size=8$/\1/p" "$TMP/a64.log" | while read -r h; do echo $((16#$h)); done >"$TMP/x0.got"
sed -n 's/.*\] tick() = \(-*[0-9]*\);$/\1/p' "$D/trace.txt" >"$TMP/x0.want"
same_text "aarch64: x0 at tick's ret equals qtrace's recorded return values" "$TMP/x0.got" "$TMP/x0.want"
done_testing
