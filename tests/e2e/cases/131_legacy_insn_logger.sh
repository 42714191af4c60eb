#!/usr/bin/env bash
# The seed's instruction logger through qtrace and in QEMU's own -plugin form: its addresses are
# qtrace's execution log of the same run, line for line; the first is the ELF entry point
# (oracle: the execution log, readelf).
. "$(dirname "$0")/../lib.sh"
need_legacy
need_qemu_user
D=$TMP/insn
"$QTRACE" run -q -o "$D" --exec-log --exec-log-flow --legacy-plugin "$L/libinsn.so" --legacy-log "$TMP/insn.log" \
    -- "$P" >"$TMP/insn.out" 2>"$TMP/insn.err"
ok $? "qtrace run --exec-log --legacy-plugin libinsn.so: exits 0"
check "the program ran (its output)" grep -qx 'qtrace-legacy-magic 2035' "$TMP/insn.out"
n=$(wc -l <"$TMP/insn.log")
check "every log line is the seed's 'executing instruction at %lx' ($n lines)" \
    test "$(grep -cvE '^executing instruction at [0-9a-f]+$' "$TMP/insn.log")" = 0 -a "$n" -gt 10000
logged_addrs "$TMP/insn.log" >"$TMP/insn.addrs"
execlog_addrs "$D/trace.execlog" >"$TMP/exec.addrs"
same_text "its addresses equal qtrace's execution log of the same run, line for line" "$TMP/insn.addrs" "$TMP/exec.addrs"

# the QEMU form, without qtrace: the first instruction is the ELF's entry point
"$QEMU_USER" -plugin "$LEGACY,plugin=$L/libinsn.so,log=$TMP/q.log" "$P" >/dev/null 2>"$TMP/q.err"
ok $? "QEMU form -plugin libqtrace-legacy.so,plugin=...,log=...: exits 0"
entry=$(readelf -h "$P" | awk '/Entry point/ { sub(/^0x/, "", $4); print $4 }')
check "QEMU form: the first line is the ELF entry point ($entry)" test "$(head -1 "$TMP/q.log")" = "executing instruction at $entry"
"$QEMU_USER" -plugin "$LEGACY,plugin=$L/libinsn.so" "$P" >/dev/null 2>"$TMP/q2.err"
check "without log=: qemulib_log writes to standard error (as the fork without -D)" \
    test "$(grep -c '^executing instruction at ' "$TMP/q2.err")" = "$(wc -l <"$TMP/q.log")"
done_testing
