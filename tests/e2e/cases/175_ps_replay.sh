#!/usr/bin/env bash
# e2e: long
# qtrace ps on replays of a recording (qtrace replay --processes): the same process tree as the
# guest printed while it was recorded, and the same instructions per process in every replay
# (oracle: procs' console output in the recording; the replay's determinism). What runs after the
# recording's end (the power-off's last instructions, until QEMU stops) is not replayed, so the
# process running then and the totals are left out of the comparison. Recorded with another icount
# shift than the default: the replays take it from the manifest (with any other they never end).
. "$(dirname "$0")/../lib.sh"
need_guest procs
"$QTRACE" record --kernel "$RRKERNEL" --initrd "$INITRD" --append qtrace.run=procs --icount-shift 6 --timeout 300 -o "$TMP/rec" \
    </dev/null >"$TMP/rec.console" 2>"$TMP/rec.err"
ok $? "qtrace record of procs exits 0"
check "the recorded guest ran procs to its end" grep -q '^QTRACE-GUEST: exit procs status 0' "$TMP/rec/console.txt"
check "--icount-shift 6: QEMU's command line and the manifest" \
    bash -c "grep -q -- '-icount shift=6,rr=record,' '$TMP/rec/qemu-cmdline' && grep -qx icount_shift=6 '$TMP/rec/manifest'"
"$QTRACE" replay "$TMP/rec" --processes --timeout 300 -o "$TMP/r1" </dev/null >/dev/null 2>"$TMP/r1.err" &
p1=$!
"$QTRACE" replay "$TMP/rec" --processes --timeout 300 -o "$TMP/r2" </dev/null >/dev/null 2>"$TMP/r2.err" &
p2=$!
wait $p1; ok $? "replay --processes exits 0"
wait $p2; ok $? "a second replay --processes, in parallel, exits 0"
tr -d '\r' <"$TMP/rec/console.txt" >"$TMP/console"
ps_against_console "$TMP/console" "$TMP/r1/trace.ps.json" "$GUEST/progs/procs" >"$TMP/check.out" 2>&1
ok $? "the replay's qtrace ps shows what the guest printed when recorded: $(grep -c '^ok' "$TMP/check.out") checks passed"
grep -v '^ok: ' "$TMP/check.out" | diag
# the same in both replays: pids, argv, exits, and the instructions, start and end times of every
# process that exited (a replay's times are guest time)
facts() { python3 -c '
import json, sys
ps = json.load(open(sys.argv[1]))
for p in ps["processes"]:
    print(p["pid"], p["ppid"], p["uid"], p["argv"] or p["comm"], p["shell_status"],
          p["exit"] and (p["instructions"], p["start_ns"], p["end_ns"]))
' "$1"; }
facts "$TMP/r1/trace.ps.json" >"$TMP/f1"
check "the replay has exited processes with instruction counts" grep -q "'total': " "$TMP/f1"
check "and start and end times" grep -qE "'total': [0-9]+\}, [0-9]+, [0-9]+\)$" "$TMP/f1"
same_text "two replays: the same processes, and the same instruction counts and times for those that exited" <(facts "$TMP/r2/trace.ps.json") "$TMP/f1"
done_testing
