#!/usr/bin/env bash
# --vmmap=pages: the pages vmmap wrote (anonymous memory, the heap, a page mremap moved) are on
# the frames the trace says (oracle: the program reading its own /proc/self/pagemap as root).
. "$(dirname "$0")/../lib.sh"
need_vmmap
grep '^PAGE ' "$VMC" >"$TMP/said"
ok $([ "$(wc -l <"$TMP/said")" -eq 5 ]; echo $?) "vmmap printed the frames of 5 pages"
check "the guest showed the frames (root reads PFNs)" bash -c "! grep -q not-present '$TMP/said' && ! grep -q ' 0x0$' '$TMP/said'"
while read -r _ what va pfn; do
    # the last pair of that page before the program read pagemap
    got=$(grep -E "tid:$VMPID\] == page $va -> frame " "$VM/trace.txt" | tail -1 | sed -E 's/.* -> frame (0x[0-9a-f]+) .*/\1/')
    ok $([ -n "$got" ] && [ $((got)) -eq $((pfn * 4096)) ]; echo $?) "page $what $va: frame $got in the trace, pfn $pfn in /proc/self/pagemap"
done <"$TMP/said"
n=$(grep -c "== page " "$VM/trace.txt")
ok $([ "$n" -ge 10 ]; echo $?) "$n page events in all"
check "--comm vmmap: every page event is vmmap's" bash -c "! grep '== page ' '$VM/trace.txt' | grep -vq 'tid:$VMPID\]'"
check "pages are page-aligned, frames too" bash -c "! grep '== page ' '$VM/trace.txt' | grep -vE '== page 0x[0-9a-f]*000 -> frame 0x[0-9a-f]*000 \((load|store)\)$'"
# a pair is written again only after another evicted it from the plugin's table: a few repeats at most
pairs=$(grep "== page " "$VM/trace.txt" | sed -E 's/^.*\] == page ([^ ]+) -> frame ([^ ]+) .*/\1 \2/' | sort -u | wc -l)
ok $([ "$n" -le $((pairs * 2)) ]; echo $?) "only new or changed pairs are written: $n events for $pairs distinct pairs"
python3 - "$VM/trace.json" "$VMPID" >"$TMP/json.out" 2>&1 <<'PY'
import json, sys
ev = [e for e in json.load(open(sys.argv[1]))['traceEvents'] if e.get('name') == 'page']
assert ev and all(e['pid'] == int(sys.argv[2]) and e['cat'] == 'memory' for e in ev), 'page events of other processes'
assert all(set(e['args']) == {'vaddr', 'frame', 'access'} for e in ev)
print('ok: %d page events' % len(ev))
PY
ok $? "JSON: page events with vaddr, frame and access, on vmmap's track"
done_testing
