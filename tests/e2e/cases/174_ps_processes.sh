#!/usr/bin/env bash
# qtrace ps of a live run with --processes, on two vCPUs: procs' shell pipeline, exit codes, a
# signal, su to uid 1000 and a loop of known length, against what the guest printed (oracle: procs
# and its shell print their pids, parents, uids, argv and each $?; objdump gives the loop's length).
. "$(dirname "$0")/../lib.sh"
need_guest procs
fixture procs
D=$FX/live
ok $([ "$(rc_of "$FX/live.rc")" = 0 ]; echo $?) "qtrace system --processes exits 0 (status $(rc_of "$FX/live.rc"))"
check "the guest ran procs to its end" grep -q '^QTRACE-GUEST: exit procs status 0$' "$FX/live.console"
check "--processes wrote trace.ps and trace.ps.json beside the trace" test -s "$D/trace.ps" -a -s "$D/trace.ps.json"
ps_against_console "$FX/live.console" "$D/trace.ps.json" "$GUEST/progs/procs" >"$TMP/check.out" 2>&1
ok $? "qtrace ps shows what the guest printed: $(grep -c '^ok' "$TMP/check.out") checks passed"
grep -v '^ok: ' "$TMP/check.out" | diag
"$QTRACE" ps "$D" >"$TMP/ps.txt" 2>"$TMP/ps.err"
ok $? "qtrace ps DIR exits 0"
same_text "qtrace ps DIR prints the trace.ps that --processes wrote" "$TMP/ps.txt" "$D/trace.ps"
"$QTRACE" ps --json "$D/trace.qtr" >"$TMP/ps.json" 2>>"$TMP/ps.err"
same_text "qtrace ps --json TRACE.qtr prints trace.ps.json" "$TMP/ps.json" "$D/trace.ps.json"
check "qtrace ps: nothing on stderr" test ! -s "$TMP/ps.err"
# the text tree: sh -c under the driver, its commands under it, the su'ed one as uid 1000
sh=$(said "$FX/live.console" 'sh: pid=\([0-9]*\)')
drv=$(said "$FX/live.console" 'procs: pid=\([0-9]*\) ppid=1 uid=0 argv=\[/progs/procs\]')
su=$(said "$FX/live.console" 'procs: pid=\([0-9]*\) ppid=[0-9]* uid=1000 argv=\[/progs/procs|id|as-user\]')
check "text: the driver's row, \\_ under init" grep -qE "^ +$drv +1 +0 .* +0 +[0-9]+ +[0-9]+   +\\\\_ /progs/procs\$" "$D/trace.ps"
check "text: sh -c one level deeper, exit 3" grep -qE "^ +$sh +$drv +0 .* 3 +[0-9]+ +[0-9]+       +\\\\_ sh -c \"echo " "$D/trace.ps"
check "text: the killed command shows SIGTERM" grep -qE " SIGTERM .*\\\\_ /progs/procs kill 15\$" "$D/trace.ps"
check "text: the su'ed command shows uid 1000" grep -qE "^ +$su +[0-9]+ +1000 .*\\\\_ /progs/procs id as-user\$" "$D/trace.ps"
check "text: the instruction totals of both vCPUs" grep -qE '^# instructions: ([0-9]+) on 2 vCPUs \(.*\); the processes ran [0-9]+$' "$D/trace.ps"
check "trace.txt shows the uid change as a cred event, and no accounting records" \
    bash -c "grep -qE '== cred \\{uid=1000, gid=1000, euid=1000' '$D/trace.txt' && ! grep -qE '== (run|vcpu) ' '$D/trace.txt'"
done_testing
