#!/usr/bin/env bash
# qtrace kernel-info --system-map: the kernel image's symbol table as a System.map, read back by
# --kernel-symbols, and a /proc/kallsyms-form copy (oracle: kernel-info's own table, the copy's known slide).
. "$(dirname "$0")/../lib.sh"
need_guest ktest
fixture ksysmap
KS=$FX
ok "$(rc_of "$KS/ki.rc")" "kernel-info --system-map FILE exits 0"
nsyms=$(sed -n 's/^symbols *\([0-9]*\), from kallsyms tables .*/\1/p' "$KS/ki.txt")
ok $([ -n "$nsyms" ] && [ "$nsyms" -gt 50000 ] && [ "$(wc -l <"$KS/System.map")" = "$nsyms" ]; echo $?) \
    "the System.map has one line per symbol recovered from the image ($nsyms)"
kis=$(sed -n 's/^  do_sys_openat2 *0x\([0-9a-f]*\) t$/\1/p' "$KS/ki.txt")
check "... in System.map format: do_sys_openat2 at its link-time address ($kis), _text at .text, per-cpu offsets" \
    test "$(grep -E ' (do_sys_openat2|_text|current_task)$' "$KS/System.map" | sort -k3 | tr '\n' ' ')" = \
    "ffffffff81000000 T _text 000000000001fb80 A current_task $kis t do_sys_openat2 "
"$QTRACE" kernel-info --kernel "$KERNEL" --kernel-symbols "$KS/System.map" --system-map - >"$TMP/again.map" 2>"$TMP/again.err"
r=$?
ok $([ $r = 0 ] && cmp -s "$KS/System.map" "$TMP/again.map"; echo $?) \
    "read back with --kernel-symbols, the same table comes out (--system-map - to standard output)"
"$QTRACE" kernel-info --kernel "$KERNEL" --kernel-symbols "$KS/renamed.map" >"$TMP/ki2.txt" 2>&1
ok $([ $? = 0 ] && grep -qx '             KASLR slide 0x1c000000 of the symbols file removed (link-time addresses below)' "$TMP/ki2.txt" \
     && grep -qx '             1 module symbols skipped' "$TMP/ki2.txt" \
     && [ -n "$(grep '^  start_kernel ' "$KS/ki.txt")" ] \
     && [ "$(grep '^  start_kernel ' "$KS/ki.txt")" = "$(grep '^  start_kernel ' "$TMP/ki2.txt")" ]; echo $?) \
    "a /proc/kallsyms-form copy: its KASLR slide (0x1c000000) removed, the module's symbol skipped, start_kernel where the image has it"
done_testing
