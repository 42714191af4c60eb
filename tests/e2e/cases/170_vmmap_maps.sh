#!/usr/bin/env bash
# --vmmap: the guest program vmmap changes its map (mmap, mprotect, munmap, a file mapping, brk,
# PROT_NONE, mremap) and prints /proc/self/maps twice; the trace's map of that process at each
# point (qtrace dump --maps-at, the point being its openat of /proc/self/maps) equals what it
# printed, line for line (oracle: the kernel's own /proc/self/maps).
. "$(dirname "$0")/../lib.sh"
need_vmmap
ok $([ -n "$VMPID" ]; echo $?) "the trace shows vmmap's exec (pid $VMPID)"
for n in 1 2; do
    ts=$(maps_open_ts "$VM/trace.json" $n)
    maps_printed "$VMC" $n >"$TMP/want$n"
    "$QTRACE" dump --maps-at "${ts}us" --pid "$VMPID" "$VM/trace.qtr" >"$TMP/got$n" 2>"$TMP/err$n"
    ok $? "dump --maps-at ${ts}us --pid $VMPID (its open of /proc/self/maps number $n) exits 0"
    check "point $n: a header names the process" grep -qE "^# pid $VMPID \(vmmap\): map of [0-9.]+s, after [a-z_0-9]+ by tid $VMPID$" "$TMP/got$n"
    ok $([ "$(wc -l <"$TMP/want$n")" -ge 12 ]; echo $?) "point $n: vmmap printed $(wc -l <"$TMP/want$n") lines of /proc/self/maps"
    same_text "point $n: the map equals /proc/self/maps line for line (ranges, perms, offset, dev, inode, path, padding)" \
        <(sed 1d "$TMP/got$n") "$TMP/want$n"
done
check "the printed maps name [heap], [stack], [vvar], [vdso] and the program's file" \
    bash -c "grep -q ' \[heap\]$' '$TMP/want1' && grep -q ' \[stack\]$' '$TMP/want1' && grep -q ' \[vdso\]$' '$TMP/want1' && grep -q ' \[vvar\]$' '$TMP/want1' && grep -q ' /progs/vmmap$' '$TMP/want1'"
check "the two points differ (munmap of the file, PROT_NONE, mremap between them)" bash -c "! cmp -s '$TMP/want1' '$TMP/want2'"
same_text "--maps-at end: vmmap's last map is the one it printed last" \
    <("$QTRACE" dump --maps-at end --pid "$VMPID" "$VM/trace.qtr" | sed 1d) "$TMP/want2"
# the text trace: each change as + and - lines; mprotect(a, PG, PROT_NONE) turned one page to ---p
check "text: a '== vmmap after execve' line starts the process's maps" grep -qE "tid:$VMPID\] == vmmap after execve at [0-9.]+s: [0-9]+ areas$" "$VM/trace.txt"
np=$(grep -E -A3 "tid:$VMPID\] == vmmap after mprotect" "$VM/trace.txt" | grep -cE "^ +\[cpu[0-9]+ as:[0-9]+ tid:$VMPID\]   \+ [0-9a-f]+-[0-9a-f]+ ---p 00000000 00:00 0 ?$")
ok $([ "$np" -ge 1 ]; echo $?) "text: an mprotect's change adds a ---p area"
ok $(grep -qF -- "$(grep -- '---p' "$TMP/want2" | head -1)" "$VM/trace.txt"; echo $?) "text: that ---p area is the one /proc/self/maps printed"
check "text: mremap's change is shown" grep -qE "tid:$VMPID\] == vmmap after mremap at" "$VM/trace.txt"
check "--comm vmmap: no other process's map" bash -c "! grep -E '== vmmap' '$VM/trace.txt' | grep -vq 'tid:$VMPID\]'"
# JSON: the last vmmap event's map is the last map printed
python3 - "$VM/trace.json" "$TMP/want2" "$VMPID" >"$TMP/json.out" 2>&1 <<'PY'
import json, sys
ev = [e for e in json.load(open(sys.argv[1]))['traceEvents'] if e.get('name') == 'vmmap' and e.get('pid') == int(sys.argv[3])]
want = open(sys.argv[2]).read().splitlines()
assert ev, 'no vmmap event'
last = max(ev, key=lambda e: e['ts'])['args']
assert last['map'] == want, 'last JSON map differs:\n' + '\n'.join(last['map'])
assert last['areas'] == len(want)
print('ok: %d vmmap events, the last with %d areas' % (len(ev), len(want)))
PY
ok $? "JSON: vmmap events on the process's track; the last one's map equals the last /proc/self/maps"
diag <"$TMP/json.out" | tail -3
done_testing
