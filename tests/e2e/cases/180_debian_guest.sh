#!/usr/bin/env bash
# e2e: long
# The bundled Debian guest: built on demand (scripts/build-guest-debian.sh), its disk image holds
# the root file system it was made from (oracle: debugfs reads the image), the test programs are
# dynamically linked PIEs with DWARF (readelf), and it boots from that disk under plain QEMU to
# our init (oracle: the guest's own /proc/mounts and /proc/uptime on the console).
. "$(dirname "$0")/../lib.sh"
need_debian
read -r rc secs <"$FX/rc"
echo "# guest build (or up-to-date check): ${secs}s; last build's steps: $(cat "$GD/build.times" 2>/dev/null)"
second=$( { /usr/bin/time -f %e "$TOP/scripts/build-guest-debian.sh" >"$TMP/again.out"; } 2>&1 | tail -1)
check "a second build has nothing to do and says so in one line" test "$(cat "$TMP/again.out")" = "guest-debian: up to date ($GD)"
echo "# up-to-date check: ${second}s"

for f in /usr/lib/os-release /usr/local/bin/calls /sbin/qtrace-init /root/.ssh/authorized_keys; do
    debugfs -R "cat $f" "$GD/disk.img" >"$TMP/img" 2>/dev/null
    check "disk.img (debugfs): $f is rootfs$f byte for byte" cmp "$TMP/img" "$GD/rootfs$f"
done
check "the image is Debian 12" grep -qx 'VERSION_ID="12"' "$GD/rootfs/usr/lib/os-release"
check "the image's authorized key is the test key" cmp "$GD/rootfs/root/.ssh/authorized_keys" "$DKEY.pub"
kver=$(cat "$GD/kernel-version")
check "the kernel booted is the image's own /boot/vmlinuz-$kver" cmp "$GD/vmlinuz" "$GD/rootfs/boot/vmlinuz-$kver"
check "the kernel's modules are in the image (ext4.ko, modules.dep)" test -s "$GD/rootfs/usr/lib/modules/$kver/kernel/fs/ext4/ext4.ko" \
    -a -s "$GD/rootfs/usr/lib/modules/$kver/modules.dep"
for p in calls threads; do
    readelf -hlS "$GD/rootfs/usr/local/bin/$p" >"$TMP/re" 2>&1
    check "$p: a PIE (ELF type DYN)" grep -q 'Type: *DYN' "$TMP/re"
    check "$p: dynamically linked (an interpreter)" grep -q 'Requesting program interpreter: /lib64/ld-linux-x86-64.so.2' "$TMP/re"
    check "$p: with DWARF (.debug_info)" grep -q '\.debug_info' "$TMP/re"
done

t0=$SECONDS
timeout 180 qemu-system-x86_64 -accel tcg -display none -serial mon:stdio -no-reboot -m 512 -kernel "$GD/vmlinuz" \
    -initrd "$GD/initrd.gz" -append "console=ttyS0 quiet panic=-1 qtrace.run=grep,-h,.,/proc/mounts,/proc/uptime" \
    -drive "file=$GD/disk.img,format=raw,if=virtio,snapshot=on" -netdev user,id=n -device virtio-net-pci,netdev=n \
    -device virtio-rng-pci </dev/null 2>&1 | tr -d '\r' >"$TMP/boot.log"
rc=${PIPESTATUS[0]}
echo "# plain boot to power-off: $((SECONDS - t0))s; guest uptime at the command: $(sed -n 's/^\([0-9.]*\) [0-9.]*$/\1/p' "$TMP/boot.log")s"
ok "$rc" "the guest powers off by itself under plain QEMU (status $rc)"
expect_in_order "$TMP/boot.log" 'QTRACE-GUEST: sshd ready' 'QTRACE-GUEST: run grep -h \. /proc/mounts /proc/uptime' \
    '/dev/vda / ext4 rw,.*' '[0-9.]+ [0-9.]+' 'QTRACE-GUEST: exit grep status 0'
check "no module failed to load in the initramfs" bash -c "! grep -q 'QTRACE-INITRAMFS: error' '$TMP/boot.log'"
done_testing
