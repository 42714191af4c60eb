#!/usr/bin/env bash
# qtrace run --format uftrace against uftrace itself: a -pg program recorded natively by uftrace
# and traced by qtrace replays and dumps to the same entries and exits (oracle: uftrace).
. "$(dirname "$0")/../lib.sh"
need_uftrace
fixture uftrace
ok "$(rc_of "$FX/prog.rc")" "prog builds with -pg -O1 -g -fno-inline"
ok "$(rc_of "$FX/thr.rc")" "two-thread program builds"
# uftrace dump: the entry/exit sequence, "entry main 0"
dump_seq() { sed -nE 's/^.*\[(entry|exit )\] ([^(]*)\(.*depth: ([0-9]+)$/\1 \2 \3/p' "$1"; }
(cd "$FX" && uftrace record --no-libcall -d "$TMP/native" ./prog >"$TMP/native.out" 2>"$TMP/native.err")
ok $? "uftrace record (native) of prog"
ok "$(rc_of "$FX/q.rc")" "qtrace run --format text,uftrace exits 0"
same_text "the program's output is the same under qtrace" "$FX/q.out" "$TMP/native.out"
D=$FX/q/uftrace.data
check "DIR/uftrace.data has info, task.txt, a sid map, prog.sym and a .dat per thread" \
    bash -c "[ -f $D/info ] && [ -f $D/task.txt ] && ls $D/sid-*.map && [ -f $D/prog.sym ] && ls $D/[0-9]*.dat"
# (a native run pre-empted by the host shows uftrace's own schedule events: not calls, left out)
uftrace replay -d "$TMP/native" -f none 2>"$TMP/native.replay.err" | grep -v 'linux:schedule' >"$TMP/native.replay"
uftrace replay -d "$D" -f none >"$TMP/q.replay" 2>"$TMP/q.replay.err"
ok $? "uftrace replay reads qtrace's uftrace.data"
same_text "uftrace replay writes nothing on stderr for it" "$TMP/q.replay.err" /dev/null
ok $([ "$(wc -l <"$TMP/q.replay")" -gt 10 ]; echo $?) "a real call tree ($(wc -l <"$TMP/q.replay") lines)"
same_text "native and qtrace recordings replay to the same function entries and exits" "$TMP/q.replay" "$TMP/native.replay"
uftrace dump -d "$TMP/native" >"$TMP/native.dump" 2>/dev/null
uftrace dump -d "$D" >"$TMP/q.dump" 2>"$TMP/q.dump.err"
ok $? "uftrace dump reads it"
dump_seq "$TMP/native.dump" >"$TMP/native.seq"
dump_seq "$TMP/q.dump" >"$TMP/q.seq"
same_text "uftrace dump: the same sequence of records (type, function, depth)" "$TMP/q.seq" "$TMP/native.seq"
done_testing
