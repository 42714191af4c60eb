#!/usr/bin/env bash
# qtrace record of the bundled guest, and qtrace info of it: the recording directory's files, the
# manifest's hashes, QEMU's command line (oracles: the guest's console, sha256sum, qemu --version).
. "$(dirname "$0")/../lib.sh"
need_rr_demo
QEMU=$(command -v qemu-system-x86_64)
# ---- record ------------------------------------------------------------------------------
ok "$(rc_of "$FX/rec.rc")" "qtrace record exits 0"
check "the guest ran demo to its end" grep -q 'QTRACE-GUEST: exit demo status 0' "$FX/rec.console"
check "summary: instructions and bytes per 1000" \
    grep -qE "^qtrace: recorded [0-9]+ instructions, log [0-9]+ bytes \([0-9.]+ per 1000 instructions\) -> $REC$" "$FX/rec.err"
for f in manifest replay.bin vmlinuz initrd console.txt qemu-cmdline; do
    check "recording holds $f" test -s "$REC/$f"
done
check "manifest: state=complete" grep -qx 'state=complete' "$REC/manifest"
check "no start snapshot (a replay starts from power-on; qtrace debug has QEMU take one)" \
    bash -c "grep -qx 'snapshot=none' '$REC/manifest' && test ! -e '$REC/snapshot.qcow2'"
same_text "REC/console.txt is what the guest printed" <(tr -d '\r' <"$REC/console.txt") <(tr -d '\r' <"$FX/rec.console")
same_text "kernel copy: same bytes as the original" <(sha256sum <"$REC/vmlinuz") <(sha256sum <"$RRKERNEL")
check "manifest: the kernel's sha256 (sha256sum's)" grep -qx "kernel_sha256=$(sha256sum <"$RRKERNEL" | cut -d' ' -f1)" "$REC/manifest"
check "manifest: the initrd's sha256 (sha256sum's)" grep -qx "initrd_sha256=$(sha256sum <"$INITRD" | cut -d' ' -f1)" "$REC/manifest"
check "qemu-cmdline: record mode, one vCPU, no default NIC, icount shift 5 (the default)" \
    grep -qE -- '-smp 1 .*-net none -icount shift=5,rr=record,rrfile=[^ ]*/replay.bin -qmp' "$REC/qemu-cmdline"
check "manifest: icount_shift=5, format 3 (a fixed shift)" bash -c "grep -qx icount_shift=5 '$REC/manifest' && grep -qx format=3 '$REC/manifest'"

# ---- info --------------------------------------------------------------------------------
"$QTRACE" info "$REC" >"$TMP/info" 2>&1
ok $? "qtrace info exits 0"
insns=$(sed -n 's/^instructions=//p' "$REC/manifest")
logbytes=$(stat -c %s "$REC/replay.bin")
check "info: complete" grep -q '^  state  *complete' "$TMP/info"
check "info: the guest's clock" grep -qx "  guest clock      icount shift 5 (32 ns per instruction)" "$TMP/info"
check "info: the length in instructions" grep -qx "  length  *$insns instructions" "$TMP/info"
check "info: QEMU's version (qemu --version's first line)" grep -qxF "  qemu             $("$QEMU" --version | head -1)" "$TMP/info"
bpk=$(awk -v b="$logbytes" -v n="$insns" 'BEGIN { printf "%.1f", 1000 * b / n }')
check "info: log size and bytes per 1000 instructions ($bpk)" grep -qF "replay.bin, $logbytes bytes, $bpk bytes per 1000 instructions" "$TMP/info"
done_testing
