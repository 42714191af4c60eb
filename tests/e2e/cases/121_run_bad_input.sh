#!/usr/bin/env bash
# Bad programs for qtrace run: missing, not an ELF, an architecture without an emulator: one
# error line, exit 2 (oracle: the messages).
. "$(dirname "$0")/../lib.sh"
build_calls "$TMP/calls"
"$QTRACE" run -- "$TMP/does-not-exist" >"$TMP/e1" 2>&1; rc=$?
ok $([ $rc = 2 ] && [ "$(wc -l <"$TMP/e1")" = 1 ] && grep -q '^qtrace: error: .*does-not-exist' "$TMP/e1"; echo $?) "missing program: one line, exit 2"
echo "not an elf" >"$TMP/notelf"; chmod +x "$TMP/notelf"
"$QTRACE" run -- "$TMP/notelf" >"$TMP/e2" 2>&1; rc=$?
ok $([ $rc = 2 ] && [ "$(wc -l <"$TMP/e2")" = 1 ] && grep -q '^qtrace: error: .*not an ELF' "$TMP/e2"; echo $?) "not an ELF: one line, exit 2"
cp "$TMP/calls" "$TMP/riscv"; printf '\xf3\x00' | dd of="$TMP/riscv" bs=1 seek=18 conv=notrunc 2>/dev/null
"$QTRACE" run -- "$TMP/riscv" >"$TMP/e3" 2>&1; rc=$?
ok $([ $rc = 2 ] && [ "$(wc -l <"$TMP/e3")" = 1 ] && grep -q '^qtrace: error: ' "$TMP/e3"; echo $?) "ELF for an architecture without an emulator: one line, exit 2 ($(cat "$TMP/e3"))"
done_testing
