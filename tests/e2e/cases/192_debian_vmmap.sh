#!/usr/bin/env bash
# e2e: long
# --vmmap on the Debian guest (every process): vmmap, a dynamically linked PIE, prints its own
# /proc/self/maps twice (its load bias, libc's and ld.so's mappings, [heap], [stack], [vdso]);
# the trace's map of that process at each point equals what it printed, line for line. Point 2 is
# its last map (qtrace dump --maps-at end); point 1 is the map before its three changes between
# the prints (munmap, mprotect, mremap). A program whose directory is renamed while it runs shows
# its new path. Oracle: the kernel's /proc/self/maps, printed by the guest.
. "$(dirname "$0")/../lib.sh"
debian_views_fixture
maps_printed "$FX/out" 1 >"$TMP/want1"
maps_printed "$FX/out" 2 >"$TMP/want2"
VMPID=$(sed -n 's/.*tid:\([0-9]*\)\] == exec "\/usr\/local\/bin\/vmmap".*/\1/p' "$FX/run/trace.txt" | head -1)
check "the trace shows vmmap's exec (pid ${VMPID:-none})" test -n "$VMPID"
VMPID=${VMPID:-x}
bias=$(awk '$NF == "/usr/local/bin/vmmap" && $3 == "00000000" { print $1; exit }' "$TMP/want1")
check "vmmap printed its PIE's first mapping (${bias:-none}) above 0x500000000000" \
    bash -c "[[ '${bias:-0}' =~ ^5[0-9a-f]{11}- ]]"
for lib in /usr/lib/x86_64-linux-gnu/libc.so.6 /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2; do
    check "vmmap printed $lib's mappings (r--p, r-xp, rw-p)" bash -c \
        "grep -q ' r-xp .* $lib\$' '$TMP/want1' && grep -q ' rw-p .* $lib\$' '$TMP/want1'"
done
"$QTRACE" dump --maps-at end --pid "$VMPID" "$FX/run/trace.qtr" >"$TMP/end" 2>"$TMP/end.err"
ok $? "dump --maps-at end --pid $VMPID exits 0"
check "a header names the process" grep -qE "^# pid $VMPID \(vmmap\): map of [0-9.]+s, after mremap by tid $VMPID$" "$TMP/end"
same_text "point 2: the last map equals /proc/self/maps line for line (bias, libraries, paths, padding)" \
    <(sed 1d "$TMP/end") "$TMP/want2"
python3 - "$FX/run/trace.json" "$TMP/want1" "$TMP/want2" "$VMPID" >"$TMP/json.out" 2>&1 <<'PY'
import json, sys
ev = [e for e in json.load(open(sys.argv[1]))['traceEvents'] if e.get('name') == 'vmmap' and e.get('pid') == int(sys.argv[4])]
ev.sort(key=lambda e: e['ts'])
want1, want2 = (open(p).read().splitlines() for p in sys.argv[2:4])
assert len(ev) >= 5, '%d vmmap events' % len(ev)
causes = [e['args']['cause'] for e in ev]
assert 'execve' in causes, causes
assert causes[-3:] == ['munmap', 'mprotect', 'mremap'], causes
assert ev[-4]['args']['map'] == want1, 'the map before the last three changes differs:\n' + '\n'.join(ev[-4]['args']['map'])
assert ev[-1]['args']['map'] == want2 and ev[-1]['args']['areas'] == len(want2)
print('ok: %d vmmap events (%s)' % (len(ev), ' '.join(causes)))
PY
ok $? "JSON: point 1 is the map before vmmap's munmap, mprotect and mremap, equal to its first /proc/self/maps"
diag <"$TMP/json.out" | tail -3
# a copy of dash run from /root/views/d1 renames d1 to d2, allocates 200 KB (a new mapping: its
# map is read again) and prints its own /proc/self/maps: the same struct file, dentry and inode
# under a new path (a file name kept per vCPU must not outlive the rename)
sed -n 's/^renamed: //p' "$FX/out" >"$TMP/printed"
check "the copy of dash printed its map, naming /root/views/d2/sh" grep -q ' /root/views/d2/sh$' "$TMP/printed"
pid=$(sed -n 's/.*tid:\([0-9]*\)\] == exec "\/root\/views\/d1\/sh".*/\1/p' "$FX/run/trace.txt" | head -1)
awk -v t="tid:${pid:-x}]" '/== rename "\/root\/views\/d1" -> "\/root\/views\/d2"/ { r = 1 } r && index($0, t " == vmmap after ") { n++ }
    END { exit !n }' "$FX/run/trace.txt"
ok $? "the copy of dash (pid ${pid:-none}): its map is read again after the rename (mv's, in the trace)"
"$QTRACE" dump --maps-at end --pid "${pid:-x}" "$FX/run/trace.qtr" 2>/dev/null | sed 1d >"$TMP/dash.end"
check "its last map in the trace names /root/views/d2/sh, and /root/views/d1 nowhere" \
    bash -c "grep -q ' /root/views/d2/sh\$' '$TMP/dash.end' && ! grep -q '/root/views/d1' '$TMP/dash.end'"
same_text "its areas of /root/views/d2/sh are the ones it printed" <(grep ' /root/views/d2/sh$' "$TMP/dash.end") \
    <(grep ' /root/views/d2/sh$' "$TMP/printed")
n=$(grep -cE '\] == vmmap after ' "$FX/run/trace.txt")
m=$(grep -E '\] == vmmap after ' "$FX/run/trace.txt" | grep -oE 'tid:[0-9]+' | sort -u | wc -l)
check "every process is followed without --comm: $n maps of $m processes" test "$m" -gt 10
done_testing
