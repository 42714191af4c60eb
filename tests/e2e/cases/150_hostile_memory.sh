#!/usr/bin/env bash
# Hostile guest memory in user mode (tests/progs/hostile.c): string and argv arguments and a
# string return value pointing at an unmapped page, a string running into it, a 100 MB string
# without NUL, an argv that never ends, an argv that points at itself, and 20000 calls whose
# string and argv another thread rewrites while they are read. Oracle: the addresses and sizes
# the program prints; time and peak RSS against the same program under plain qemu-x86_64.
. "$(dirname "$0")/../lib.sh"
need_qemu_user
gcc -O1 -g -fno-inline -static -pthread -o "$TMP/hostile" "$TOP/tests/progs/hostile.c" || bail "build tests/progs/hostile.c"
SPECS=(-A 'take_str@arg1/s' -A 'take_argv@arg1/argv' -R 'give_str@retval/s' -R take_str -R take_argv)
t0=$SECONDS
/usr/bin/time -f %M -o "$TMP/rss.run" "$QTRACE" run "${SPECS[@]}" --format text -o "$TMP/o" -- "$TMP/hostile" \
    >"$TMP/out" 2>"$TMP/err"
rc=$? secs=$((SECONDS - t0))
/usr/bin/time -f %M -o "$TMP/rss.plain" "$QEMU_USER" "$TMP/hostile" >/dev/null 2>&1
T=$TMP/o/trace.txt
ok $([ $rc = 0 ] && grep -qx 'hostile: race 20000 calls' "$TMP/out"; echo $?) "the program ran to its end under qtrace (status $rc)"
cat "$TMP/err" | diag
calls() { sed -n "s/^[^[]*\\[cpu[0-9]* as:0 tid:[0-9]*\\] \\($1(.*\\)\$/\\1/p" "$T"; } # FUNC: its call lines
said1() { said "$TMP/out" "$1"; }
bad=$(said1 'hostile: unmapped \(0x[0-9a-f]*\)')
cross=$(said1 'hostile: cross \(0x[0-9a-f]*\) 100')
A100=$(printf 'A%.0s' $(seq 100)) B256=$(printf 'B%.0s' $(seq 256))
calls take_str | head -3 >"$TMP/str.got"
printf '%s\n' "take_str(s=<unreadable $bad>) = 1;" "take_str(s=\"$A100\"...) = 1;" "take_str(s=\"$B256\"...) = 1;" >"$TMP/str.want"
same_text "unmapped page: <unreadable ADDR>; string running into it: its 100 bytes, then ...; 100 MB without NUL: 256 bytes, then ..." \
    "$TMP/str.got" "$TMP/str.want"
# the self-referencing argv: v[1] is v, read as a string: the bytes of v[0]'s address
selfstr=$(said1 'hostile: self 0x[0-9a-f]* \(0x[0-9a-f]*\)')
esc=$(python3 -c '
import sys
b = int(sys.argv[1], 16).to_bytes(8, "little").split(b"\0")[0]
m = {34: "\\\"", 92: "\\\\", 10: "\\n", 9: "\\t", 13: "\\r"}
print("".join(m.get(c, chr(c) if 0x20 <= c < 0x7f else "\\x%02x" % c) for c in b))' "$selfstr")
loop32=$(printf '"loop", %.0s' $(seq 32))
calls take_argv | head -2 >"$TMP/argv.got"
printf '%s\n' "take_argv(v=[$loop32...]) = 2;" "take_argv(v=[\"self\", \"$esc\"]) = 2;" >"$TMP/argv.want"
same_text "argv of 131072 strings and no NULL: 32 strings, then ...; argv pointing at itself: decoded once, no loop" \
    "$TMP/argv.got" "$TMP/argv.want"
calls give_str >"$TMP/give.got"
printf '%s\n' "give_str() = <unreadable $bad>;" "give_str() = \"$A100\"...;" >"$TMP/give.want"
ok $([ "$(said1 "hostile: give unmapped \\($bad\\)")" = "$bad" ] && [ "$(said1 "hostile: give cross \\($cross\\) 100")" = "$cross" ]; echo $?) \
    "the program returned the unmapped and the crossing pointers it printed"
same_text "-R string return values: unmapped and crossing pointers marked" "$TMP/give.got" "$TMP/give.want"
# the race: each call is there, each value one the rewriting thread could have left
calls take_str | tail -n +4 >"$TMP/race.str"
calls take_argv | tail -n +3 >"$TMP/race.argv"
nstr=$(wc -l <"$TMP/race.str") nargv=$(wc -l <"$TMP/race.argv")
odd_str=$(grep -cvxE 'take_str\(s="[xy]{63}"\) = 1;' "$TMP/race.str")
odd_argv=$(grep -cvxE 'take_argv\(v=\["one"(, "two"|, \.\.\.)?\]\) = 2;' "$TMP/race.argv")
ok $([ "$nstr" = 20000 ] && [ "$nargv" = 20000 ] && [ "$odd_str" = 0 ] && [ "$odd_argv" = 0 ]; echo $?) \
    "rewritten while read: 20000 take_str and 20000 take_argv calls, each a string of 63 x/y, each argv [\"one\"], [\"one\", \"two\"] or [\"one\", ...] (got $nstr, $nargv; $odd_str and $odd_argv others)"
grep -vxE 'take_str\(s="[xy]{63}"\) = 1;' "$TMP/race.str" | head -3 | diag
grep -vxE 'take_argv\(v=\["one"(, "two"|, \.\.\.)?\]\) = 2;' "$TMP/race.argv" | head -3 | diag
ok $(grep -qx 'qtrace: 80014 events, 3 functions, 1 thread, 0 lost -> .*' "$TMP/err"; echo $?) "80014 events (7 + 40000 calls, each an entry and an exit), none lost"
# bounded: the 100 MB string costs neither time nor memory
run_kb=$(tail -1 "$TMP/rss.run") plain_kb=$(tail -1 "$TMP/rss.plain")
echo "qtrace run: ${secs}s, peak RSS ${run_kb} KB; plain qemu-x86_64: ${plain_kb} KB" | diag
ok $([ $secs -lt 60 ] && [ "$run_kb" -lt $((plain_kb + 65536)) ]; echo $?) \
    "bounded: under 60 s (${secs}s), peak RSS at most 64 MB above plain QEMU's (${run_kb} KB vs ${plain_kb} KB)"
/usr/bin/time -f %M -o "$TMP/rss.dump" "$QTRACE" dump -f json -o "$TMP/t.json" "$TMP/o/trace.qtr" 2>/dev/null
dump_kb=$(tail -1 "$TMP/rss.dump")
ok $([ "$dump_kb" -lt 65536 ] && python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$TMP/t.json"; echo $?) \
    "qtrace dump -f json of it: valid JSON, peak RSS under 64 MB (${dump_kb} KB)"
done_testing
