#!/usr/bin/env bash
# e2e: long
# qtrace debug on a recording of the seed's example (guest/progs/nullptr.c: a pointer set to NULL,
# dereferenced later), gdb scripted: watch p, the NULL seen, reverse-stepi back into main, stepi
# forward again (oracle: gdb's frames and the program's source lines).
. "$(dirname "$0")/../lib.sh"
need_guest nullptr
command -v gdb >/dev/null || skip_all "no gdb"
# ---- reverse debugging: the seed's example (guest/progs/nullptr.c), gdb scripted ------------
src=$TOP/guest/progs/nullptr.c
line_of() { grep -n -F "$1" "$src" | head -1 | cut -d: -f1; }
L_CHECK=$(line_of 'if (!crash && !p)')
L_CALL=$(line_of 'use_item(argc > 1)')
L_NULLED=$(line_of 'NULLED HERE')
"$QTRACE" record --kernel "$KERNEL" --initrd "$INITRD" --append qtrace.run=nullptr --timeout 600 -o "$TMP/recdbg" \
    </dev/null >"$TMP/recdbg.console" 2>/dev/null
ok $? "record nullptr: exits 0"
check "nullptr ran: p was NULL at the second use_item" grep -q 'nullptr: value -1' "$TMP/recdbg.console"
cat >"$TMP/dbg.gdb" <<'G'
continue
watch p
continue
echo ==WATCH\n
frame
delete 2
continue
echo ==USE\n
frame
print p
reverse-stepi
echo ==RSI\n
frame
stepi
echo ==SI\n
frame
kill
quit
G
prog=$GUEST/progs/nullptr
"$QTRACE" debug "$TMP/recdbg" -p "$prog" --break use_item -o "$TMP/dbg" -- -batch -x "$TMP/dbg.gdb" \
    </dev/null >"$TMP/dbg.out" 2>&1
ok $? "qtrace debug with gdb -batch: exits 0"
sed 's/^/#   /' "$TMP/dbg.out" | grep -A3 '==WATCH' 
section() { sed -n "/^==$1\$/,/^==/p" "$TMP/dbg.out"; }
check "gdbinit: the program's symbols, the stub, the conditional breakpoint" \
    grep -qE "^break use_item if \*\(unsigned long long \*\)0x[0-9a-f]+ == 0x[0-9a-f]+$" "$TMP/dbg/gdbinit"
check "watch p, forward: stops in forget(), which nulls p (gdb's frame)" \
    grep -qE "^#0  (0x[0-9a-f]+ in )?forget \(\) at .*nullptr.c:($L_NULLED|$((L_NULLED + 1)))$" <(section WATCH)
check "the second use_item: p is NULL (gdb prints it)" grep -qxF '$1 = (struct item *) 0x0' <(section USE)
check "stopped in use_item at line $L_CHECK" grep -qE "^#0  use_item \(.*\) at .*nullptr.c:$L_CHECK$" <(section USE)
check "reverse-stepi: back in main, at the call (line $L_CALL)" \
    grep -qE "^#0  0x[0-9a-f]+ in main \(.*\) at .*nullptr.c:$L_CALL$" <(section RSI)
check "stepi: forward again to the same point in use_item" \
    grep -qE "^#0  use_item \(.*\) at .*nullptr.c:$L_CHECK$" <(section SI)
# ([/]: the pattern must not match this check's own command line)
check "no QEMU left running for the recording" bash -c "! pgrep -f 'rrfile=[/]${TMP#/}/recdbg/' >/dev/null"
done_testing
