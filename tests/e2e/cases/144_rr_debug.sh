#!/usr/bin/env bash
# e2e: long
# qtrace debug on a recording of the seed's example (guest/progs/nullptr.c: a pointer set to NULL,
# dereferenced later), gdb scripted in one session: forward stepping and a forward `watch p` give
# the expected places; then reverse-continue with `watch p` stops where p was nulled, reverse-stepi,
# reverse-step, reverse-next and reverse-finish land where the forward run said, and forward again
# reaches the same point. The kernel's symbols are at their KASLR addresses: a breakpoint on
# ksys_write stops at the program's next write (oracle: the line the guest printed on its console).
. "$(dirname "$0")/../lib.sh"
need_guest nullptr
command -v gdb >/dev/null || skip_all "no gdb"
src=$TOP/guest/progs/nullptr.c
line_of() { grep -n -F "$1" "$src" | head -1 | cut -d: -f1; }
L_CHECK=$(line_of 'if (!crash && !p)')
L_NULLED=$(line_of 'NULLED HERE')
L_B100=$(line_of 'busy(100)')
L_FORGET=$(line_of '    forget();')
L_CALL=$(line_of 'use_item(argc > 1)')
# --icount-shift auto: reverse-continue has hung on recordings with the default fixed shift while
# the suite loaded the machine (docs/record-replay.md, reverse debugging)
"$QTRACE" record --kernel "$KERNEL" --initrd "$INITRD" --append qtrace.run=nullptr --icount-shift auto --timeout 600 \
    -o "$TMP/recdbg" \
    </dev/null >"$TMP/recdbg.console" 2>/dev/null
ok $? "record nullptr: exits 0"
check "nullptr ran: p was NULL at the second use_item" grep -q 'nullptr: value -1' "$TMP/recdbg.console"
t() { printf 'shell date +%%s.%%N >>%s/times.%s\n' "$TMP" "$1"; } # the wall time of a command, before and after
cat >"$TMP/dbg.gdb" <<G
continue
finish
next
echo ==FN1\n
frame
watch p
continue
echo ==FW\n
frame
print/x \$pc
delete 2
finish
next
echo ==FN2\n
frame
continue
echo ==USE\n
frame
print p
watch p
$(t rc)
reverse-continue
$(t rc)
echo ==RC\n
frame
print/x \$pc
reverse-stepi
echo ==RSI\n
frame
x/i \$pc
frame 1
frame 0
delete 3
$(t rs)
reverse-step
$(t rs)
echo ==RS\n
frame
$(t rn)
reverse-next
$(t rn)
echo ==RN\n
frame
next
echo ==N\n
frame
step
echo ==S\n
frame
frame 1
frame 0
$(t rf)
reverse-finish
$(t rf)
echo ==RF\n
frame
x/i \$pc
continue
echo ==END\n
frame
print p
break ksys_write
continue
echo ==KW\n
frame
info symbol \$pc
print \$rdx
x/s \$rsi
echo ==DONE\n
kill
quit
G
prog=$GUEST/progs/nullptr
# bounded: a session that hangs (gdb waiting on QEMU) fails here instead of stalling the suite.
# QEMU 10.0's reverse-continue livelock (docs/record-replay.md, reverse debugging: a race with
# the host's timing, seen on a loaded host) gets one more session; a second hang fails.
for attempt in 1 2; do
    rm -rf "$TMP/dbg"
    timeout 400 "$QTRACE" debug "$TMP/recdbg" -p "$prog" --break use_item -o "$TMP/dbg" -- -batch -x "$TMP/dbg.gdb" \
        </dev/null >"$TMP/dbg.out" 2>&1
    rc=$?
    [ $rc = 124 ] && [ $attempt = 1 ] && grep -q '^==USE$' "$TMP/dbg.out" && ! grep -q '^==RC$' "$TMP/dbg.out" || break
    echo "# attempt 1 hung in the first reverse-continue (QEMU's livelock, docs/record-replay.md): one more session"
    rm -f "$TMP"/times.*
done
ok $rc "qtrace debug with gdb -batch: exits 0 (124: still running after 400 s)"
[ $rc = 124 ] && { echo "# gdb's output ended with:"; tail -5 "$TMP/dbg.out" | diag; }
section() { sed -n "/^==$1\$/,/^==/p" "$TMP/dbg.out"; }
for s in FN1 FW USE RC RSI RS RN N S RF END KW; do section $s >"$TMP/s.$s"; done
# where SECTION [N]: "function:line" of frame #N (default 0) as gdb printed it in SECTION
where() { sed -nE "s/^#${2:-0}  (0x[0-9a-f]+ in )?([A-Za-z_0-9]+) \(.*\) at .*nullptr\.c:([0-9]+)\$/\2:\3/p" "$TMP/s.$1" | head -1; }
pc_of() { sed -nE 's/^\$[0-9]+ = (0x[0-9a-f]+)$/\1/p' "$TMP/s.$1"; }
same() { [ -n "$1" ] && [ "$1" = "$2" ]; }
took() { awk 'NR == 1 { a = $1 } NR == 2 { printf "%.1f", $1 - a }' "$TMP/times.$1"; }
grep -q '^==DONE$' "$TMP/dbg.out" || diag <"$TMP/dbg.out" | tail -30
check "gdbinit: the program's symbols, the stub, the conditional breakpoint" \
    grep -qE "^break use_item if \*\(unsigned long long \*\)0x[0-9a-f]+ == 0x[0-9a-f]+$" "$TMP/dbg/gdbinit"
# forward: the oracle for what follows
check "forward next: main, line $L_B100" same "$(where FN1)" "main:$L_B100"
check "forward watch p: stops in forget() (line $L_NULLED or the next)" \
    grep -qE "^forget:($L_NULLED|$((L_NULLED + 1)))$" <(where FW)
check "forward: the second use_item, line $L_CHECK" same "$(where USE)" "use_item:$L_CHECK"
check "there p is NULL (gdb prints it)" grep -qE '^\$[0-9]+ = \(struct item \*\) 0x0$' "$TMP/s.USE"
# backward, each against the forward run
check "reverse-continue with watch p: stops where the forward watch did ($(where FW), pc $(pc_of FW)) in $(took rc) s" \
    same "$(where RC) $(pc_of RC)" "$(where FW) $(pc_of FW)"
check "reverse-stepi: forget() line $L_NULLED" same "$(where RSI)" "forget:$L_NULLED"
check "there, the instruction that stores 0 into p" grep -qE '^=> 0x[0-9a-f]+ <forget(\+[0-9]+)?>:.*mov.*\$0x0,.*<p>' "$TMP/s.RSI"
check "reverse-step: back in the caller gdb showed, main line $L_FORGET ($(took rs) s)" \
    same "$(where RS)" "$(where RSI 1)"
check "reverse-next: over busy() and printf to where forward next went, main line $L_B100 ($(took rn) s)" \
    same "$(where RN)" "$(where FN1)"
check "next: forward again, main line $L_FORGET" same "$(where N)" "main:$L_FORGET"
check "step: into forget() line $L_NULLED" same "$(where S)" "forget:$L_NULLED"
check "reverse-finish: back in the caller gdb showed, main line $L_FORGET ($(took rf) s)" same "$(where RF)" "$(where S 1)"
check "there, the call of forget()" grep -qE '^=> 0x[0-9a-f]+ <main\+[0-9]+>:.*call.*<forget>' "$TMP/s.RF"
check "continue: forward again to the same point, use_item line $L_CHECK" same "$(where END)" "$(where USE)"
check "there p is NULL again" grep -qE '^\$[0-9]+ = \(struct item \*\) 0x0$' "$TMP/s.END"
# the kernel at its KASLR addresses
check "kernel symbols loaded at the KASLR slide (gdb says so)" \
    grep -qE '^qtrace: kernel symbols loaded at KASLR slide 0x[0-9a-f]+$' "$TMP/dbg.out"
check "break ksys_write: stops at a kernel address in ksys_write (gdb's frame)" \
    grep -qE '^#0  0xffffffff[0-9a-f]+ in ksys_write \(\)$' "$TMP/s.KW"
check "info symbol: ksys_write, from the symbol file" grep -qE '^ksys_write in section \.text' "$TMP/s.KW"
printed=$(grep -m1 'nullptr: value -1' "$TMP/recdbg.console" | tr -d '\r')
check "its count is the length of the line the guest printed next ('$printed' and a newline)" \
    grep -qE "^\\\$[0-9]+ = $((${#printed} + 1))\$" "$TMP/s.KW"
check "its buffer holds that line" grep -qF "\"$printed\\n" "$TMP/s.KW"
# a recording made before qtrace turned the kvmvapic device off: one line says what will hang
mkdir "$TMP/oldrec" && cp "$TMP"/recdbg/* "$TMP/oldrec/" && sed -i '/^qemu_arg=/d' "$TMP/oldrec/manifest"
timeout 20 "$QTRACE" debug "$TMP/oldrec" --print -o "$TMP/olddbg" </dev/null >/dev/null 2>"$TMP/olddbg.err"
check "a recording with QEMU's kvmvapic device: debug says reverse-continue would deadlock" \
    grep -qE "^qtrace: warning: .*/oldrec was recorded with QEMU's kvmvapic device: reverse-continue.*deadlock" "$TMP/olddbg.err"
# ([/]: the pattern must not match this check's own command line)
sleep 1; check "no QEMU left running for either recording" bash -c "! pgrep -f 'rrfile=[/]${TMP#/}/' >/dev/null"
done_testing
