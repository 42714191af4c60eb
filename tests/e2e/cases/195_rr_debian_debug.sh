#!/usr/bin/env bash
# e2e: long
# qtrace debug on the Debian guest's recording (the fixture of 184), its program named by its
# path in the guest (-p /usr/local/bin/diskio, a PIE the guest loaded at a random address): a
# replay finds where it was loaded, and gdb, scripted, stops at --break sync_file with the path and
# size diskio printed on the recording's console (oracle: that line); the caller is diskio's main.
# Its network card is a virtio-net, which QEMU reloads from a snapshot, so gdb goes backwards:
# reverse-stepi returns to the call in main, stepi forward again to sync_file.
# A program the image lacks, and one the recording never ran: one error line each, exit 2.
. "$(dirname "$0")/../lib.sh"
need_rr_debian
command -v gdb >/dev/null || skip_all "no gdb"
printed=$(sed -n 's/^diskio: wrote and synced \(.*\) \([0-9]*\) bytes$/\1 \2/p' "$FX/rec.console")
check "the recording's console has diskio's synced file and size" test -n "$printed"
gdb_back_and_forth "$TMP/dbg.gdb" frame 'print path' 'print n' 'info symbol $pc' 'bt 2'
# beside it, a program of the image that the recording never ran: its bias replay finds no process
timeout 900 "$QTRACE" debug "$REC" -p /usr/local/bin/calls --break add -o "$TMP/dbg3" -- -batch \
    </dev/null >/dev/null 2>"$TMP/never.err" &
never=$!
timeout 900 "$QTRACE" debug "$REC" -p /usr/local/bin/diskio --break sync_file -o "$TMP/dbg" -- -batch -x "$TMP/dbg.gdb" \
    </dev/null >"$TMP/dbg.out" 2>"$TMP/dbg.err"
ok $? "qtrace debug -p /usr/local/bin/diskio --break sync_file, gdb -batch: exits 0"
grep -q '^==AT$' "$TMP/dbg.out" || { diag <"$TMP/dbg.err" | tail -5; diag <"$TMP/dbg.out" | tail -10; }
check "qtrace says it replays once to find where the guest loaded diskio" \
    grep -qx "qtrace: finding where the guest loaded /usr/local/bin/diskio: one replay of $REC (--bias HEX skips it)" "$TMP/dbg.err"
bias=$(sed -n 's#^qtrace: /usr/local/bin/diskio is loaded at \(0x[0-9a-f]*\) in the recording.s first process that ran it$#\1#p' "$TMP/dbg.err")
check "and where it found it: a PIE's page-aligned address ($bias)" bash -c "[ -n '$bias' ] && [ \$(( $bias % 4096 )) = 0 ] && [ \$(( $bias )) -gt 0 ]"
check "gdbinit loads the program's symbols at that bias" grep -qE "^symbol-file -o $bias .*/usr/local/bin/diskio$" "$TMP/dbg/gdbinit"
sed -n '/^==AT$/,/^==RSI$/p' "$TMP/dbg.out" >"$TMP/stop"
path=${printed% *} size=${printed##* }
check "gdb stops in sync_file with path \"$path\" and n = $size, as diskio printed" \
    grep -qE "^#0  (0x[0-9a-f]+ in )?sync_file \(path=.*\"$path\", n=$size\) at .*diskio\.c:[0-9]+$" "$TMP/stop"
check "print path: the string diskio printed" grep -qE "^\\\$1 = 0x[0-9a-f]+ \"$path\"$" "$TMP/stop"
check "print n: $size" grep -qx "\$2 = $size" "$TMP/stop"
check "info symbol: the pc is in sync_file's code, in diskio at its bias" grep -qE '^sync_file(\+[0-9]+)? in section \.text' "$TMP/stop"
check "its caller is diskio's main" grep -qE '^#1  0x[0-9a-f]+ in main \(' "$TMP/stop"
check "no warning that gdb can go forward only" bash -c "! grep -q 'forward only' '$TMP/dbg.err'"
check_back_and_forth "$TMP/dbg.out" sync_file 'sync_file \('
pc=$(sed -n 's/^Breakpoint 1 at \(0x[0-9a-f]*\): .*/\1/p' "$TMP/dbg.out" | head -1)
check "the breakpoint ($pc) is above the bias, inside diskio's mapping" \
    bash -c "[ -n '$pc' ] && [ \$(( $pc )) -gt \$(( $bias )) ] && [ \$(( $pc - $bias )) -lt 1048576 ]"
# a program the guest's image does not have: said before any replay
timeout 60 "$QTRACE" debug "$REC" -p /usr/local/bin/nosuch -o "$TMP/dbg2" -- -batch </dev/null >/dev/null 2>"$TMP/err"
ok $([ $? = 2 ]; echo $?) "a program not in the image: exit status 2"
check "one error line naming the program and the image" \
    grep -qE "^qtrace: error: the replay that finds where /usr/local/bin/nosuch is loaded failed: --program: /usr/local/bin/nosuch in .*disk\.img: No such file or directory" "$TMP/err"
wait $never
ok $([ $? = 2 ]; echo $?) "a program the recording never ran (calls): exit status 2"
check "one error line: it never ran, no process mapped it" \
    grep -qE "^qtrace: error: /usr/local/bin/calls never ran in .*: no process of the recording mapped it" "$TMP/never.err"
check "no QEMU left running" bash -c "! pgrep -f 'logfile=[/]${TMP#/}/dbg/' >/dev/null"
done_testing
