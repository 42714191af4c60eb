#!/usr/bin/env bash
# e2e: long
# qtrace record --disk IMG on the bundled guest (the replay's overlay is an empty one of its own
# over the image, since a replay starts from power-on): the image is never written, the
# replay's console equals the recording's and its files rebuilt equal the disk as the recording
# left it (oracle: debugfs on REC/disk.qcow2 converted by qemu-img). An image touched but
# unchanged still replays; qtrace debug replays it under gdb (the arguments gdb reads are the ones
# diskio printed, reverse-stepi goes back to the call); a changed or missing image and a disk with
# --guest are refused in one line.
. "$(dirname "$0")/../lib.sh"
need_guest diskio
command -v debugfs >/dev/null || bail "debugfs (package e2fsprogs; run scripts/setup.sh deps)"
mkdir "$TMP/root"
truncate -s 32M "$TMP/disk.img" && mke2fs -q -t ext4 -d "$TMP/root" "$TMP/disk.img" || bail "mke2fs makes an image"
sha=$(sha256sum <"$TMP/disk.img")
REC=$TMP/rec
"$QTRACE" record --kernel "$RRKERNEL" --initrd "$INITRD" --disk "$TMP/disk.img" --timeout 600 -o "$REC" \
    --append 'qtrace.disk=1 qtrace.run=diskio qtrace.args=sync,/mnt/big.bin,262144' </dev/null >/dev/null 2>"$TMP/rec.err"
ok $? "qtrace record --disk IMG exits 0"
grep -q '^diskio: wrote and synced /mnt/big.bin 262144 bytes' "$REC/console.txt" || bail "diskio ran on the recorded disk"
ok $([ "$(sha256sum <"$TMP/disk.img")" = "$sha" ]; echo $?) "the image is unchanged by the recording (sha256sum)"
check "the manifest of a recording with a disk and a fixed icount shift is format 3 (a qtrace that reads format 1 or 2 refuses it)" grep -qx 'format=3' "$REC/manifest"
qemu-img convert -O raw "$REC/disk.qcow2" "$TMP/end.img" && debugfs -R 'cat /big.bin' "$TMP/end.img" >"$TMP/big.end" 2>/dev/null
ok $([ "$(stat -c %s "$TMP/big.end")" = 262144 ]; echo $?) "REC/disk.qcow2 holds the disk as the recording left it: /big.bin, 262144 bytes (debugfs)"

# ---- qtrace debug on the disk recording: gdb at sync_file, backward one instruction, forward again --
if command -v gdb >/dev/null; then
    gdb_back_and_forth "$TMP/dbg.gdb" frame 'print n' 'print (char *)path'
    timeout 600 "$QTRACE" debug "$REC" -p "$GUEST/progs/diskio" --break sync_file -o "$TMP/dbg" -- -batch \
        -x "$TMP/dbg.gdb" </dev/null >"$TMP/dbg.out" 2>&1
    ok $? "qtrace debug of the disk recording with gdb -batch: exits 0 (124: still running after 600 s)"
    check "debug warns that this recording's fixed icount shift may hang reverse-continue" \
        grep -q "^qtrace: warning: .* was recorded with a fixed icount shift (5): reverse-continue has been seen to hang" "$TMP/dbg.out"
    check "gdb stops at sync_file with the arguments diskio printed (n = 262144, path /mnt/big.bin)" \
        bash -c "grep -qE '^#0  sync_file \(path=.*, n=262144\) at .*diskio.c:[0-9]+' <(sed -n '/^==AT$/,/^==/p' '$TMP/dbg.out') &&
                 grep -qF '\"/mnt/big.bin\"' '$TMP/dbg.out'"
    check_back_and_forth "$TMP/dbg.out" sync_file 'sync_file \('
    ok $([ "$(sha256sum <"$TMP/disk.img")" = "$sha" ]; echo $?) "the image is unchanged by the debug session (sha256sum)"
fi

touch "$TMP/disk.img"
"$QTRACE" replay "$REC" --disk-trace --files-written "$TMP/files" --timeout 600 -o "$TMP/t" </dev/null >/dev/null \
    2>"$TMP/t.err"
ok $? "an image touched (another mtime) but unchanged: hashed again, replayed, exit 0"
same_text "the replay's console equals the recording's" "$TMP/t/console.txt" "$REC/console.txt"
cmp "$TMP/files/mnt/big.bin" "$TMP/big.end" >/dev/null 2>&1
ok $? "--files-written on replay: /mnt/big.bin equals the recording's disk read back with debugfs"
sum=$(sed -n 's#.*== disk vda write \([0-9]*\) bytes at sector [0-9]* .*: file /big.bin .*#\1#p' "$TMP/t/trace.txt" |
      awk '{ s += $1 } END { print s + 0 }')
ok $([ "$sum" -ge 262144 ]; echo $?) "--disk-trace on replay: the write requests of /big.bin add up to $sum >= 262144 bytes"
ok $([ "$(sha256sum <"$TMP/disk.img")" = "$sha" ]; echo $?) "the image is unchanged by the replay (sha256sum)"

# ---- refused, one line each ----------------------------------------------------------------------
printf 'x' | dd of="$TMP/disk.img" bs=1 seek=4096 conv=notrunc 2>/dev/null
fails_with "a changed image" "the disk image $TMP/disk.img changed since the recording" replay "$REC" -o "$TMP/x1"
rm "$TMP/disk.img"
fails_with "a missing image" "the disk image it was recorded with is gone" replay "$REC" -o "$TMP/x2"
fails_with "--guest with --disk" "--guest debian brings its own disk" record --guest debian --disk "$TMP/end.img" -o "$TMP/x3"
fails_with "--disk that does not exist" "--disk $TMP/nope.img: No such file" record --kernel "$KERNEL" --disk "$TMP/nope.img" -o "$TMP/x4"
check "nothing was created for a refused recording" test ! -e "$TMP/x4"
done_testing
