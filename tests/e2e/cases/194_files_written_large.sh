#!/usr/bin/env bash
# e2e: long
# --files-written when a guest writes one large file (256 MiB in 64 KiB writes, then fsync, on
# the bundled guest's ext4 --disk): the records stream through QEMU and qtrace, so memory stays
# bounded and the cost is disk. The rebuilt file equals the file read back from the image
# (debugfs, the oracle). Peak resident memory (wait4's account, tests/tools/peak_rss.c): the whole
# run's (qtrace and QEMU) is plain QEMU's on the same workload plus the plugin's fixed memory,
# whatever the file's size, and the rebuilding's (qtrace dump --files-written) stays under 1/8
# of the file's size.
. "$(dirname "$0")/../lib.sh"
need_guest diskio
command -v debugfs >/dev/null || bail "debugfs (package e2fsprogs; run scripts/setup.sh deps)"
MB=${QTRACE_E2E_LARGE_MB:-256}    # QTRACE_E2E_LARGE_MB=2048 gives the figure of docs/views.md
SIZE=$((MB << 20)) MEM=192
gcc -O2 -o "$TMP/peak_rss" "$TOP/tests/tools/peak_rss.c" || bail "build tests/tools/peak_rss.c"
mkdir -p "$TMP/root"
# peak COMMAND...: "STATUS KIB SECONDS" of the command (its output dropped)
peak() { "$TMP/peak_rss" "$@" 2>&1 >/dev/null | sed -n 's/^peak_rss: \([0-9]*\) \([0-9]*\) \([0-9.]*\)\( [0-9.]*\)*$/\1 \2 \3/p' | tail -1; }
# run NAME: diskio writes and syncs a $MB MiB /mnt/huge.bin on a fresh image TMP/NAME.img, under
# plain QEMU (NAME plain) or qtrace system --files-written
run() {
    truncate -s $((MB * 9 / 8 + 64))M "$TMP/$1.img" && mke2fs -q -t ext4 -d "$TMP/root" "$TMP/$1.img" || return
    local append="qtrace.disk=1 qtrace.run=diskio qtrace.args=sync,/mnt/huge.bin,$SIZE"
    if [ "$1" = plain ]; then
        peak timeout 3600 qemu-system-x86_64 -accel tcg -display none -serial stdio -no-reboot -m $MEM -kernel "$KERNEL" \
            -initrd "$INITRD" -drive "format=raw,if=virtio,file=$TMP/$1.img" -append "console=ttyS0 quiet panic=-1 $append" \
            </dev/null
    else
        peak "$QTRACE" system --kernel "$KERNEL" --initrd "$INITRD" --disk "$TMP/$1.img" -m $MEM --timeout 3600 \
            --append "$append" --comm diskio --files-written "$TMP/$1.files" --format text -o "$TMP/$1"
    fi
}
read -r prc pkib psecs < <(run plain)
ok "${prc:-1}" "plain QEMU: the same guest writes the same file (${psecs:-?} s, peak RSS ${pkib:-?} KiB)"
rm -f "$TMP/plain.img"
read -r rc kib secs < <(run big)
ok "${rc:-1}" "qtrace system --files-written of a $MB MiB file exits 0 (${secs:-?} s, peak RSS ${kib:-?} KiB)"
echo "# $MB MiB: plain QEMU ${psecs:-?} s, ${pkib:-?} KiB; qtrace system (qtrace, QEMU -m $MEM) ${secs:-?} s, ${kib:-?} KiB; trace $(du -m "$TMP/big/trace.qtr" | cut -f1) MB, rebuilt $(du -sm "$TMP/big.files" | cut -f1) MB"
check "the whole run's peak RSS is plain QEMU's + at most the plugin's fixed 128 MiB (kernel image, BTF, buffers): ${kib:-?} <= ${pkib:-?} + 131072 KiB" \
    test "${kib:-999999999}" -le $((${pkib:-0} + (128 << 10)))
check "the image holds a $SIZE-byte /huge.bin (debugfs)" \
    test "$(debugfs -R 'stat /huge.bin' "$TMP/big.img" 2>/dev/null | sed -n 's/.*Size: \([0-9]*\).*/\1/p' | head -1)" = "$SIZE"
debugfs -R "cat /huge.bin" "$TMP/big.img" 2>/dev/null | sha256sum | cut -d' ' -f1 >"$TMP/want"
sha256sum <"$TMP/big.files/mnt/huge.bin" | cut -d' ' -f1 >"$TMP/got"
same_text "the rebuilt /mnt/huge.bin has the image's SHA-256" "$TMP/got" "$TMP/want"
rm -rf "$TMP/big.files"
read -r rc kib secs < <(peak "$QTRACE" dump --files-written "$TMP/again" "$TMP/big/trace.qtr")
ok "${rc:-1}" "qtrace dump --files-written rebuilds it again from the trace (${secs:-?} s)"
echo "# qtrace dump --files-written of a $MB MiB file: peak RSS ${kib:-?} KiB"
check "its peak RSS (${kib:-?} KiB) is under 1/8 of the file's size" test "${kib:-999999999}" -lt $((SIZE >> 13))
check "and the file is the same" cmp -s <(sha256sum <"$TMP/again/mnt/huge.bin" | cut -d' ' -f1) "$TMP/want"
done_testing
