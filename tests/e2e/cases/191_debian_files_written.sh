#!/usr/bin/env bash
# e2e: long
# --files-written on the Debian guest's ext4 root (every process): diskio writes /root/views/
# pieces.bin in pieces (a seek past the end, a pwrite over earlier bytes, a writev), renames one
# file, unlinks one, writes one through a shared mapping, and writes and fsyncs 2 MiB. The disk
# is snapshot=on, so the oracle is the guest itself: each rebuilt file has the size and SHA-256
# the guest printed when it read the file back; the rename and unlink are as diskio printed them.
. "$(dirname "$0")/../lib.sh"
debian_views_fixture
F=$FX/files
L=$F/files-written.txt
check "the list exists: $L" test -s "$L"
grep -q "^qtrace: [0-9]* files written, rebuilt under $F " "$FX/run.err"
ok $? "qtrace says how many files it rebuilt and where"
n=0
while read -r path size sum; do
    n=$((n + 1))
    got=$F$path
    check "$path: rebuilt with the size the guest read back ($size bytes)" test "$(stat -c %s "$got" 2>/dev/null)" = "$size"
    check "$path: rebuilt with the SHA-256 the guest computed ($sum)" test "$(sha256sum <"$got" 2>/dev/null | cut -d' ' -f1)" = "$sum"
    check "$path: its row in the list gives that size" test "$(awk -F'\t' -v p="$path" '$1 == p { print $2 }' "$L")" = "$size"
done < <(sed -n 's/^views: file \(.*\)$/\1/p' "$FX/out")
check "the guest printed three files' sums" test "$n" = 3
awk -F'\t' '$1 == "/root/views/pieces.bin" && $5 == "diskio" { n++ } END { exit !n }' "$L"
ok $? "the writer of /root/views/pieces.bin is diskio"
python3 - "$FX/run/trace.txt" >"$TMP/order" 2>&1 <<'PY'
import re, sys
w = [(m.group(1), int(m.group(2))) for m in
     (re.search(r'== write /root/views/pieces.bin: (\d+) bytes at offset (\d+)$', l) for l in open(sys.argv[1])) if m]
assert w == [('1000', 0), ('3000', 6000), ('200', 500), ('300', 9000), ('77', 9300)], w
print('ok', w)
PY
ok $? "the writes of pieces.bin: 1000 at 0, 3000 at 6000 (after the seek), 200 at 500 (pwrite), the writev's 300 and 77"
ren=$(sed -n 's/^diskio: renamed \(.*\) to \(.*\)$/\1\t\2/p' "$FX/out")
[ -n "$ren" ] && grep -qP "^[0-9.]+\trename\t${ren}\t[0-9]+\tdiskio$" "$L"
ok $? "the rename diskio printed is in the list ($ren)"
grep -qP "^/root/views/new.txt\t.*renamed from /root/views/old.txt" "$L"
ok $? "the renamed file's row says where it came from"
gone=$(sed -n 's/^diskio: unlinked \([^ ]*\) .*/\1/p' "$FX/out")
grep -qP "^[0-9.]+\tunlink\t$gone\t" "$L" && grep -qP "^$gone\t.*unlinked" "$L"
ok $? "the unlink of $gone is in the list, on its row too"
held=$(sed -n 's/^diskio: unlinked [^ ]* (it held "\(.*\)")$/\1/p' "$FX/out")
[ -n "$held" ] && [ "$(cat "$F$gone")" = "$(printf "$held")" ]
ok $? "the unlinked file's rebuilt copy holds what diskio printed it held"
grep -qP "^/root/views/mapped.bin\t.*written through mmap, contents not captured" "$L"
ok $? "the file written through mmap is listed as such"
# every process: sshd's pid file is a regular file written by sshd
pid=$(cat "$F/run/sshd.pid" 2>/dev/null)
check "every process's files: /run/sshd.pid rebuilt, written by sshd (pid ${pid:-none})" \
    grep -qP "^/run/sshd.pid\t[0-9]+\t[0-9]+\t${pid:-x}\tsshd\t" "$L"
"$QTRACE" dump --files-written "$TMP/again" "$FX/run/trace.qtr" >/dev/null 2>&1 && diff -r "$F" "$TMP/again" >"$TMP/diff" 2>&1
ok $? "qtrace dump --files-written rebuilds the same files and list from the trace"
diag <"$TMP/diff" | head -5
done_testing
