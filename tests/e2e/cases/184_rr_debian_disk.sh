#!/usr/bin/env bash
# e2e: long
# qtrace record --guest debian: the Debian guest recorded with its disk (blkreplay on an overlay in
# the recording), then replayed twice with --disk-trace and --files-written. The image is never
# written; qtrace info lists it; each replay's console equals the recording's; the files rebuilt on
# replay equal what the guest's own sha256sum printed; the disk requests of /root/big.bin add up
# to at least the size diskio printed; both replays give the same outputs, times included.
. "$(dirname "$0")/../lib.sh"
need_rr_debian
IMG=$(readlink -f "$GD/disk.img")
ok $(rc_of "$FX/a.rc") "qtrace replay with the disk views exits 0"
ok $(rc_of "$FX/b.rc") "a second replay with the same views, side by side, exits 0"

# ---- the recording -----------------------------------------------------------------------------
grep -qx "kernel_source=$(readlink -f "$GD/vmlinux")" "$REC/manifest" || grep -qx "kernel_source=$GD/vmlinux" "$REC/manifest"
ok $? "--guest debian --kernel GUEST/vmlinux: the recording boots that kernel (its manifest)"
"$QTRACE" info "$REC" >"$TMP/info" 2>&1
grep -qF "  disk             $IMG, raw, $(stat -c %s "$IMG") bytes, sha256 $(sha256sum <"$IMG" | cut -d' ' -f1) " "$TMP/info"
ok $? "qtrace info lists the disk: its path, size and sha256 (sha256sum's)"
grep -q '^  disk overlay     disk.qcow2 ' "$TMP/info"
ok $? "qtrace info lists the disk's overlay"
qemu-img info --output=json "$REC/disk.qcow2" >"$TMP/ovl.json" 2>&1 &&
    python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); sys.exit(not (d["format"] == "qcow2" and d["backing-filename"] == sys.argv[2]))' \
        "$TMP/ovl.json" "$IMG"
ok $? "REC/disk.qcow2 is a qcow2 overlay whose backing file is the image (qemu-img info)"
[ "$(stat -c %Y "$IMG")" -le "$(stat -c %Y "$REC/manifest")" ] &&
    [ "$(stat -c %Y%s "$IMG")" = "$(sed -n 's/^disk_mtime_ns=\(.*\)[0-9]\{9\}$/\1/p' "$REC/manifest")$(sed -n 's/^disk_size=//p' "$REC/manifest")" ]
ok $? "the image was not written by the recording or the replays (its mtime and size are the recorded ones)"

# ---- the replays' consoles, the files rebuilt ----------------------------------------------------
for n in a b; do
    same_text "replay $n: its console equals the recording's" "$FX/$n/console.txt" "$REC/console.txt"
done
grep -E '^[0-9a-f]{64}  /root/' "$FX/rec.console" >"$TMP/sums"
ok $([ "$(wc -l <"$TMP/sums")" = 3 ]; echo $?) "the guest printed the sha256sum of the 3 files diskio wrote"
(cd "$FX/fa" && sed 's#  /root/#  root/#' "$TMP/sums" | sha256sum -c --quiet) >"$TMP/c" 2>&1
ok $? "--files-written on replay: pieces.bin, new.txt and big.bin rebuilt with the bytes the guest's sha256sum read"
diag <"$TMP/c"
big=$(sed -n 's#^diskio: wrote and synced /root/big.bin \([0-9]*\) bytes$#\1#p' "$FX/rec.console")
ok $([ -n "$big" ] && [ "$(stat -c %s "$FX/fa/root/big.bin")" = "$big" ]; echo $?) "the rebuilt big.bin has the $big bytes diskio printed"
grep -qP "^/root/new.txt\t.*renamed from /root/old.txt" "$FX/fa/files-written.txt"
ok $? "the list names the rename diskio printed"

# ---- --disk-trace: the requests of big.bin ---------------------------------------------------------
sum=$(sed -n 's#.*== disk vda write \([0-9]*\) bytes at sector [0-9]* .*: file /root/big.bin .*#\1#p' "$FX/a/trace.txt" |
      awk '{ s += $1 } END { print s + 0 }')
ok $([ "$sum" -ge "${big:-1}" ]; echo $?) "--disk-trace on replay: the write requests of /root/big.bin add up to $sum >= $big bytes"
grep -q '^  vda ' "$FX/a/trace.disk.txt"
ok $? "the disk summary has the recorded guest's vda"

# ---- the same views twice -------------------------------------------------------------------------
# a replay's times are guest time (the recording's icount shift), so every output is the same whole
grep -q '"clock":"guest time (32 ns per instruction)"' "$FX/a/trace.json"
ok $? "the replay's JSON says its clock: guest time, 32 ns per instruction (the default shift 5)"
same_text "two replays, the same views: identical text traces, times included" "$FX/b/trace.txt" "$FX/a/trace.txt"
# (the trace files differ in the order of their chunks; the options and JSON name each output
# folder; QEMU runs the power-off's last instructions after the log ends, unreplayed, so the
# process running then and the totals differ in their instruction counts)
diff -r -x trace.qtr -x qtrace.conf -x .kernel-checked -x trace.json -x 'trace.ps*' "$FX/a" "$FX/b" >"$TMP/d" 2>&1
ok $? "two replays: every other output the same ($(cd "$FX/a" && ls | grep -v -e '^trace.qtr$' -e '^qtrace.conf$' -e '^trace.json$' -e '^trace.ps' | tr '\n' ' '))"
diag <"$TMP/d" | head -20
nopath() { sed 's#"trace":"[^"]*"#"trace":T#' "$1"; }
same_text "two replays: the same JSON (the trace's path left out)" <(nopath "$FX/b/trace.json") <(nopath "$FX/a/trace.json")
ended() { python3 -c '
import json, sys
ps = json.load(open(sys.argv[1]))
for p in ps["processes"]:
    if p["end_ns"] is None:
        p["instructions"] = None
    print(json.dumps(p, sort_keys=True))
' "$1"; }
same_text "two replays: qtrace ps the same, times included (the instructions of processes still running at the end left out)" \
    <(ended "$FX/b/trace.ps.json") <(ended "$FX/a/trace.ps.json")
diff -r "$FX/fa" "$FX/fb" >"$TMP/d" 2>&1
ok $? "two replays: identical files rebuilt, and the same list of files with their write times"
diag <"$TMP/d" | head -20
done_testing
