#!/usr/bin/env bash
# e2e: long
# --disk-trace while diskio writes and fsyncs a file of known size on the guest's disk: the write
# requests that the kernel says serve that file add up to at least its size, attributed to diskio
# or a writeback/journal thread, every request is inside the image, and every disk block the
# image gives the file (debugfs, the oracle) was written by a request of the trace.
. "$(dirname "$0")/../lib.sh"
disk_fixture
T=$FX/run/trace.txt
size=$(sed -n 's#^diskio: wrote and synced /mnt/big.bin \([0-9]*\) bytes$#\1#p' "$FX/run.console")
[ -n "$size" ] || bail "diskio says how many bytes it synced"
bs=$(debugfs -R stats "$FX/disk.img" 2>/dev/null | sed -n 's/^Block size: *//p')
debugfs -R "blocks /big.bin" "$FX/disk.img" 2>/dev/null | tr ' ' '\n' | grep . >"$TMP/blocks"
[ -n "$bs" ] && [ -s "$TMP/blocks" ] || bail "debugfs reads the image's blocks of /big.bin"
python3 - "$T" "$size" "$(stat -c %s "$FX/disk.img")" "$bs" "$TMP/blocks" >"$TMP/disk.out" 2>&1 <<'PY'
import re, sys
trace, size, img, bs, blocks = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
issue = re.compile(r'== disk (\S+) (read|write|flush|discard)(?: (\d+) bytes at sector (\d+))?(?: \[[a-z,]+\])? '
                   r'by (.*) \(pid (\d+)\): (.*)$')
done = re.compile(r'== disk (\S+) (read|write|flush|discard).* done in [0-9.]+ ms$')
reqs, ndone = [], 0
for l in open(trace):
    m = issue.search(l)
    if m:
        reqs.append(dict(dev=m.group(1), op=m.group(2), bytes=int(m.group(3) or 0), sector=int(m.group(4) or 0),
                         comm=m.group(5), file=m.group(7)))
    elif done.search(l):
        ndone += 1
def check(cond, what):
    print(('ok ' if cond else 'FAIL ') + what)
    if not cond:
        sys.exit(1)
writes = [r for r in reqs if r['dev'] == 'vda' and r['op'] == 'write']
check(len(writes) > 0, '%d write requests on vda' % len(writes))
big = [r for r in writes if r['file'].startswith('file /big.bin ')]
total = sum(r['bytes'] for r in big)
check(total >= size, 'writes of /big.bin: %d bytes >= %d' % (total, size))
who = sorted(set(r['comm'] for r in big))
check(all(c == 'diskio' or c.startswith('kworker/') or c.startswith('jbd2/') for c in who),
      'attributed to %s' % ', '.join(who))
out = [r for r in reqs if r['bytes'] and (r['sector'] * 512 + r['bytes'] > img)]
check(not out, 'every request inside the %d-byte image (%d outside)' % (img, len(out)))
check(ndone == len(reqs), '%d requests issued, %d ended' % (len(reqs), ndone))
spans = [(r['sector'] * 512, r['sector'] * 512 + r['bytes']) for r in writes]
missing = [b for b in map(int, open(blocks).read().split())
           if not any(lo <= b * bs and b * bs + bs <= hi for lo, hi in spans)]
check(not missing, 'every image block of /big.bin inside a write request (%d not: %s)' % (len(missing), missing[:5]))
PY
rc=$?
while read -r line; do ok "$([ "${line%% *}" = ok ] && echo 0 || echo 1)" "${line#* }"; done <"$TMP/disk.out"
[ $rc = 0 ] || { ok 1 "the disk trace checks ran"; diag <"$TMP/disk.out"; }

S=$FX/run/trace.disk.txt
awk -v n="$size" '/file \/big.bin / && $2 >= n { f++ } END { exit !f }' "$S"
ok $? "the summary's per-file table gives /big.bin at least $size write bytes"
awk '$8 == "diskio" && $2 > 0 { f++ } END { exit !f }' "$S"
ok $? "the summary's per-process table has diskio's writes"
disk_json_agrees "$FX/run/trace.json" "$T" >"$TMP/json.out" 2>&1
ok $? "the JSON trace has a disk vda track whose write requests add up as in the text ($(tail -1 "$TMP/json.out"))"
done_testing
