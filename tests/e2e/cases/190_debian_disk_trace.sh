#!/usr/bin/env bash
# e2e: long
# --disk-trace on the Debian guest's own virtio disk (its ext4 root, snapshot=on) while diskio
# writes and fsyncs a file of known size in /root/views: the write requests the kernel says serve
# that file add up to at least its size, made by diskio or a writeback/journal thread, and every
# sector the guest's filefrag (FIEMAP: the kernel's own extent map) gives the file lies inside a
# write request of the trace. Oracles: diskio's and filefrag's output in the guest.
. "$(dirname "$0")/../lib.sh"
debian_views_fixture
T=$FX/run/trace.txt
size=$(sed -n 's#^diskio: wrote and synced /root/views/big.bin \([0-9]*\) bytes$#\1#p' "$FX/out")
check "diskio says it synced $DEBIAN_VIEWS_BIG bytes to /root/views/big.bin" test "$size" = "$DEBIAN_VIEWS_BIG"
# filefrag's extents: "N: LOGICAL..LOGICAL: PHYSICAL..PHYSICAL: LENGTH:" in 512-byte units
sed -n 's/^views: filefrag *[0-9]*: *[0-9]*\.\. *[0-9]*: *\([0-9]*\)\.\. *\([0-9]*\):.*/\1 \2/p' "$FX/out" >"$TMP/extents"
check "the guest's filefrag gives big.bin's extents ($(wc -l <"$TMP/extents"))" test -s "$TMP/extents"
python3 - "$T" "${size:-0}" "$TMP/extents" "$(stat -c %s "$GD/disk.img")" >"$TMP/disk.out" 2>&1 <<'PY'
import re, sys
trace, size, extents, img = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
issue = re.compile(r'== disk (\S+) (read|write|flush|discard)(?: (\d+) bytes at sector (\d+))?(?: \[[a-z,]+\])? '
                   r'by (.*) \(pid (\d+)\): (.*)$')
reqs, ndone = [], 0
for l in open(trace):
    m = issue.search(l)
    if m:
        reqs.append(dict(dev=m.group(1), op=m.group(2), bytes=int(m.group(3) or 0), sector=int(m.group(4) or 0),
                         comm=m.group(5), file=m.group(7)))
    elif re.search(r'== disk \S+ (read|write|flush|discard).* done in [0-9.]+ ms$', l):
        ndone += 1
def check(cond, what):
    print(('ok ' if cond else 'FAIL ') + what)
writes = [r for r in reqs if r['dev'] == 'vda' and r['op'] == 'write']
reads = [r for r in reqs if r['dev'] == 'vda' and r['op'] == 'read']
check(len(reads) > 0 and len(writes) > 0, 'vda: %d reads (the boot loads programs from the disk), %d writes' % (len(reads), len(writes)))
big = [r for r in writes if r['file'].startswith('file /root/views/big.bin ')]
total = sum(r['bytes'] for r in big)
check(total >= size > 0, 'write requests of /root/views/big.bin: %d bytes >= %d' % (total, size))
who = sorted(set(r['comm'] for r in big))
check(who and all(c == 'diskio' or c.startswith('kworker/') or c.startswith('jbd2/') for c in who),
      'attributed to diskio or writeback: %s' % ', '.join(who))
out = [r for r in reqs if r['bytes'] and r['sector'] * 512 + r['bytes'] > img]
check(not out, 'every request inside the %d-byte disk (%d outside)' % (img, len(out)))
check(ndone == len(reqs), '%d requests issued, %d ended' % (len(reqs), ndone))
spans = [(r['sector'], r['sector'] + r['bytes'] // 512) for r in writes]
ext = [tuple(map(int, l.split())) for l in open(extents)]
sectors = sum(b - a + 1 for a, b in ext)
missing = [(a, b) for a, b in ext if not all(any(lo <= s < hi for lo, hi in spans) for s in range(a, b + 1))]
check(ext and not missing, "every sector of big.bin's %d extents (%d sectors, filefrag) inside a write request (not: %s)"
      % (len(ext), sectors, missing[:3]))
PY
while read -r line; do ok "$([ "${line%% *}" = ok ] && echo 0 || echo 1)" "${line#* }"; done <"$TMP/disk.out"
grep -qv '^\(ok\|FAIL\) ' "$TMP/disk.out" && { ok 1 "the disk trace checks ran"; diag <"$TMP/disk.out"; }
S=$FX/run/trace.disk.txt
awk -v n="${size:-1}" '/file \/root\/views\/big.bin / && $2 >= n { f++ } END { exit !f }' "$S"
ok $? "the summary's per-file table names /root/views/big.bin with at least $size write bytes"
awk '$8 == "diskio" && $2 > 0 { f++ } END { exit !f }' "$S"
ok $? "the summary's per-process table has diskio's writes"
disk_json_agrees "$FX/run/trace.json" "$T" >"$TMP/json.out" 2>&1
ok $? "the JSON trace has a disk vda track whose writes add up as in the text ($(tail -1 "$TMP/json.out"))"
done_testing
