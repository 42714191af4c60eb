#!/usr/bin/env bash
# Bad --sysroot and --guest input: one error line, exit 2, QEMU not started (--qemu /bin/false would
# exit 1). ROOT here is a small ext4 image made by mke2fs -d from a folder with one program.
. "$(dirname "$0")/../lib.sh"
need_guest calls
mkdir -p "$TMP/root/usr/bin" && ln -s usr/bin "$TMP/root/bin" && cp "$GUEST/progs/calls" "$TMP/root/usr/bin/calls"
PATH=$PATH:/sbin:/usr/sbin mke2fs -q -F -t ext4 -d "$TMP/root" "$TMP/root.img" 16M >/dev/null 2>&1
check "mke2fs -d makes the test image" test -s "$TMP/root.img"
head -c 65536 /dev/urandom >"$TMP/junk.img"
S=(system --kernel "$KERNEL" --initrd "$INITRD" --qemu /bin/false -o "$TMP/out")
fails_with "--sysroot that does not exist" "--sysroot $TMP/nowhere: No such file or directory" \
    "${S[@]}" --sysroot "$TMP/nowhere" -p /usr/bin/calls
fails_with "--sysroot that is neither a directory nor ext4" "junk.img: not a directory, and not an ext2/3/4 file system image" \
    "${S[@]}" --sysroot "$TMP/junk.img" -p /usr/bin/calls
fails_with "a program not in ROOT (image)" "--program: /usr/bin/nope in $TMP/root.img: No such file or directory" \
    "${S[@]}" --sysroot "$TMP/root.img" -p /usr/bin/nope
fails_with "a program not in ROOT (directory)" "--program: /usr/bin/nope in $TMP/root: No such file or directory" \
    "${S[@]}" --sysroot "$TMP/root" -p /usr/bin/nope
fails_with "a directory as the program" "--program: /bin in $TMP/root.img: Is a directory" \
    "${S[@]}" --sysroot "$TMP/root.img" -p /bin
fails_with "qtrace run with an image as --sysroot" "not a directory (qtrace run hands it to QEMU's -L" \
    run --sysroot "$TMP/root.img" -- "$GUEST/progs/calls"
fails_with "an unknown --guest" "--guest nosuch: no such bundled guest (there is: debian" system --guest nosuch
fails_with "--ssh-port without --guest" "--ssh-port is the port of a bundled guest's sshd: it needs --guest NAME" \
    "${S[@]}" --ssh-port 2222
fails_with "--guest with --initrd" "--guest debian brings its own initrd" system --guest debian --initrd "$INITRD"
QTRACE_CACHE=$TMP/empty fails_with "--guest debian not built" \
    "--guest debian: $TMP/empty/guest-debian/vmlinuz is missing: build the guest with \`make guest-debian\`" system --guest debian
check "nothing extracted when the program is not in the image" test ! -e "$TMP/out/sysroot/usr/bin/nope"
done_testing
