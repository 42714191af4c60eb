#!/usr/bin/env bash
# e2e: long
# --files-written: diskio writes a file in pieces (a seek past the end, an overwrite with pwrite,
# a writev), renames one, unlinks one, writes one through a shared mapping and fsyncs 1 MiB; the
# rebuilt files equal the files read back from the disk image with debugfs (the oracle), and the
# list names the rename, the unlink and the mapping.
. "$(dirname "$0")/../lib.sh"
disk_fixture
F=$FX/files
L=$F/files-written.txt
check "the list exists: $L" test -s "$L"
grep -q "^qtrace: [0-9]* files written, rebuilt under $F " "$FX/run.err"
ok $? "qtrace says how many files it rebuilt and where"

for f in pieces.bin new.txt big.bin; do
    image_cat "/$f" >"$TMP/$f.img"
    if [ -s "$TMP/$f.img" ] && cmp "$F/mnt/$f" "$TMP/$f.img" >"$TMP/cmp" 2>&1; then
        ok 0 "/mnt/$f rebuilt byte for byte as on the disk image ($(stat -c %s "$TMP/$f.img") bytes)"
    else
        ok 1 "/mnt/$f rebuilt byte for byte as on the disk image"
        diag <"$TMP/cmp"
    fi
done

# the list's size of each file is the image's
for f in pieces.bin new.txt big.bin; do
    want=$(debugfs -R "stat /$f" "$FX/disk.img" 2>/dev/null | sed -n 's/.*Size: \([0-9]*\).*/\1/p' | head -1)
    got=$(awk -F'\t' -v p="/mnt/$f" '$1 == p { print $2 }' "$L")
    [ -n "$want" ] && [ "$want" = "$got" ]
    ok $? "the list gives /mnt/$f's size as the image's inode: $got (image: $want)"
done

awk -F"\t" '$1 == "/mnt/pieces.bin" && $5 == "diskio" { n++ } END { exit !n }' "$L"
ok $? "the writer of /mnt/pieces.bin is diskio"

# the rename: as diskio printed it, in the events and on the renamed file's row
ren=$(sed -n 's/^diskio: renamed \(.*\) to \(.*\)$/\1\t\2/p' "$FX/run.console")
[ -n "$ren" ] && grep -qP "^[0-9.]+\trename\t${ren}\t" "$L"
ok $? "the rename diskio printed is in the list ($ren)"
grep -qP "^/mnt/new.txt\t.*renamed from /mnt/old.txt" "$L"
ok $? "the renamed file's row says where it came from"

# the unlink: gone from the image, kept here with the bytes diskio says it held
gone=$(sed -n 's/^diskio: unlinked \([^ ]*\) .*/\1/p' "$FX/run.console")
check "the image has no $gone any more (debugfs)" bash -c "! debugfs -R 'stat ${gone#/mnt}' '$FX/disk.img' 2>&1 | grep -q 'Inode:'"
grep -qP "^[0-9.]+\tunlink\t$gone\t" "$L" && grep -qP "^$gone\t.*unlinked" "$L"
ok $? "the unlink of $gone is in the list, on its row too"
held=$(sed -n 's/^diskio: unlinked [^ ]* (it held "\(.*\)")$/\1/p' "$FX/run.console")
[ -n "$held" ] && [ "$(cat "$F$gone")" = "$(printf "$held")" ]
ok $? "the unlinked file's rebuilt copy holds what diskio wrote to it"

# the shared mapping: named, never silently missing
grep -qP "^/mnt/mapped.bin\t.*written through mmap, contents not captured" "$L"
ok $? "the file written through mmap is listed as such"
grep -q '== mmap /mnt/mapped.bin: shared and writable, 4096 bytes at offset 0' "$FX/run/trace.txt"
ok $? "the text trace shows the shared writable mapping"

# the overwrite and the seek, as records of the text trace, in the order diskio made them
python3 - "$FX/run/trace.txt" >"$TMP/order" 2>&1 <<'PY'
import re, sys
w = [(m.group(1), int(m.group(2))) for m in
     (re.search(r'== write /mnt/pieces.bin: (\d+) bytes at offset (\d+)$', l) for l in open(sys.argv[1])) if m]
assert w == [('1000', 0), ('3000', 6000), ('200', 500), ('300', 9000), ('77', 9300)], w
print('ok', w)
PY
ok $? "the writes of pieces.bin: 1000 at 0, 3000 at 6000 (after the seek), 200 at 500 (pwrite), the writev's 300 and 77"
diag <"$TMP/order" | tail -1
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if any(e.get('cat')=='file' and e['name'].startswith('rename') for e in d['traceEvents']) else 1)" \
    "$FX/run/trace.json"
ok $? "the JSON trace has the rename as a file event"
"$QTRACE" dump --files-written "$TMP/again" "$FX/run/trace.qtr" >/dev/null 2>&1 && diff -r "$F" "$TMP/again" >"$TMP/diff" 2>&1
ok $? "qtrace dump --files-written rebuilds the same files and list from the trace"
diag <"$TMP/diff" | head -5
done_testing
