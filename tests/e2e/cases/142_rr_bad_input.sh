#!/usr/bin/env bash
# Bad recordings and options: not a recording, another QEMU, changed kernel or initrd, --smp 2, a
# bad --icount-shift or icount_shift in the manifest, a recorder whose QEMU was killed: one line
# each, exit 2, before QEMU starts (oracle: the messages, the manifest).
. "$(dirname "$0")/../lib.sh"
need_rr_demo
# ---- bad input: one line, status 2, before QEMU starts -------------------------------------------
mkdir -p "$TMP/empty"
fails_with "an empty directory" "is not a qtrace recording" replay "$TMP/empty" -o "$TMP/x"
fails_with "a file" "is not a qtrace recording" replay "$KERNEL" -o "$TMP/x"
fails_with "no such directory" "No such file or directory" replay "$TMP/nowhere" -o "$TMP/x"
fails_with "info of a non-recording" "is not a qtrace recording" info "$TMP/empty"
cp -a "$REC" "$TMP/otherqemu"
sed -i 's/^qemu_version=.*/qemu_version=QEMU emulator version 9.2.0/' "$TMP/otherqemu/manifest"
fails_with "another QEMU version" "was recorded with QEMU emulator version 9.2.0, this QEMU is" replay "$TMP/otherqemu" -o "$TMP/x"
cp -a "$REC" "$TMP/kchanged"
printf 'x' >>"$TMP/kchanged/vmlinuz"
fails_with "kernel changed" "the kernel .* changed since the recording" replay "$TMP/kchanged" -o "$TMP/x"
cp -a "$REC" "$TMP/ichanged"
printf 'x' >>"$TMP/ichanged/initrd"
fails_with "initrd changed" "the initrd .* changed since the recording" replay "$TMP/ichanged" -o "$TMP/x"
fails_with "--smp 2" "exactly one vCPU" record --kernel "$KERNEL" --initrd "$INITRD" --smp 2 -o "$TMP/smp2"
check "--smp 2: no recording directory was made" test ! -e "$TMP/smp2"
for bad in 11 -1 x auto5; do
    fails_with "--icount-shift '$bad'" "--icount-shift $bad: expected a number from 0 to 10, or auto" \
        record --kernel "$KERNEL" --initrd "$INITRD" --icount-shift "$bad" -o "$TMP/shift"
done
check "--icount-shift: no recording directory was made" test ! -e "$TMP/shift"
# a manifest whose icount_shift is not one (the recording's copy, edited)
cp -a "$REC" "$TMP/badshift"
sed -i 's/^icount_shift=.*/icount_shift=eleven/' "$TMP/badshift/manifest"
fails_with "a manifest with icount_shift=eleven" "badshift/manifest: icount_shift=eleven: expected 0 to 10, or auto" \
    replay "$TMP/badshift" -o "$TMP/x"
fails_with "REC not empty" "exists and is not empty" record --kernel "$KERNEL" --initrd "$INITRD" -o "$REC"
fails_with "--pcap without a network" "recorded without a network" replay "$REC" --pcap "$TMP/x.pcap" -o "$TMP/x"
fails_with "record without -o" "-o REC is required" record --kernel "$KERNEL"

# a recorder whose QEMU is killed (SIGKILL: the log is never finalized)
"$QTRACE" record --kernel "$KERNEL" --initrd "$INITRD" --append qtrace.run=bench -o "$TMP/killed" </dev/null \
    >/dev/null 2>"$TMP/killed.err" &
rp=$!
for _ in $(seq 600); do [ -s "$TMP/killed/replay.bin" ] && break; sleep 0.1; done
qp=$(pgrep -P $rp | head -1)
[ -n "$qp" ] && kill -KILL "$qp"
wait $rp
ok $([ $? -eq 2 ]; echo $?) "recorder whose QEMU was killed: exit status 2"
check "it says the recording is incomplete" grep -q 'marked incomplete and cannot be replayed' "$TMP/killed.err"
check "manifest: state=incomplete" grep -qx 'state=incomplete' "$TMP/killed/manifest"
fails_with "incomplete recording" "incomplete recording, cannot be replayed: QEMU was killed by signal 9" replay "$TMP/killed" -o "$TMP/x"
check "info says why" grep -q 'incomplete: QEMU was killed by signal 9' <("$QTRACE" info "$TMP/killed")
rm -f "$TMP/killed/manifest"
fails_with "incomplete recording without manifest" "incomplete recording, cannot be replayed: it has no manifest" replay "$TMP/killed" -o "$TMP/x"
done_testing
