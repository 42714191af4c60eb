#!/usr/bin/env bash
# e2e: long
# --vmmap=pages on qtrace replay of a recording of vmmap: the maps at its two marked points and
# the frames of its pages equal what the program printed when it was recorded (oracle: the
# recording's console, the guest's own /proc/self/maps and /proc/self/pagemap).
. "$(dirname "$0")/../lib.sh"
need_guest vmmap
fixture rr_vmmap
ok $(rc_of "$FX/rec.rc") "qtrace record of the guest running vmmap exits 0"
ok $(rc_of "$FX/vm.rc") "qtrace replay --comm vmmap --vmmap=pages --syscalls exits 0"
grep -q '^VMMAP-END 2$' "$FX/rec.console" || bail "vmmap ran in the recording"
VM=$FX/vm
pid=$(sed -n 's/.*tid:\([0-9]*\)\] == exec "\/progs\/vmmap".*/\1/p' "$VM/trace.txt" | head -1)
ok $([ -n "$pid" ]; echo $?) "the replay shows vmmap's exec (pid $pid)"
for n in 1 2; do
    ts=$(maps_open_ts "$VM/trace.json" $n)
    same_text "replay, point $n: the map equals what vmmap printed when recorded" \
        <("$QTRACE" dump --maps-at "${ts}us" --pid "$pid" "$VM/trace.qtr" | sed 1d) <(maps_printed "$FX/rec.console" $n)
done
grep '^PAGE ' "$FX/rec.console" >"$TMP/said"
ok $([ "$(wc -l <"$TMP/said")" -eq 5 ]; echo $?) "vmmap printed the frames of 5 pages when recorded"
while read -r _ what va pfn; do
    got=$(grep -E "tid:$pid\] == page $va -> frame " "$VM/trace.txt" | tail -1 | sed -E 's/.* -> frame (0x[0-9a-f]+) .*/\1/')
    ok $([ -n "$got" ] && [ $((got)) -eq $((pfn * 4096)) ]; echo $?) "replay, page $what $va: frame $got, pfn $pfn when recorded"
done <"$TMP/said"
done_testing
