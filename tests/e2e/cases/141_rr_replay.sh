#!/usr/bin/env bash
# e2e: long
# Replays of one recording: the same options twice, a copied recording, in parallel; identical
# traces; the console equals the recording's; --syscalls shows the guest's writes; the calls equal
# a live run's; nothing in the recording is written (oracles: the guest's console, sha256sum, a
# live qtrace system run).
. "$(dirname "$0")/../lib.sh"
need_rr_demo
sha_before=$(cd "$REC" && sha256sum * | sha256sum)

# ---- replay: the same analysis twice, in parallel, one of them of a copied folder ----------------
A=(-p "$GUEST/progs/demo" -F main -A 'fib@arg1/i' -R 'fib@retval/i' --icount --comm demo --syscalls)
cp -a "$REC" "$TMP/moved"
"$QTRACE" replay "$REC" "${A[@]}" -o "$TMP/a1" </dev/null >"$TMP/a1.console" 2>"$TMP/a1.err" &
p1=$!
"$QTRACE" replay "$TMP/moved" "${A[@]}" -o "$TMP/a3" </dev/null >/dev/null 2>"$TMP/a3.err" &
p2=$!
wait $p1; ok $? "replay with -p demo -F main --comm demo --syscalls exits 0"
wait $p2; ok $? "a replay of the recording copied to another folder, in parallel: exits 0"
check "replay: says it reached the recording's end" grep -qE "^qtrace: replayed $REC to its end" "$TMP/a1.err"
check "replay: no warning" bash -c "! grep -q warning '$TMP/a1.err' '$TMP/a3.err'"
same_text "replay's console output equals the recording's" "$TMP/a1/console.txt" "$REC/console.txt"
# compared whole: events and guest instruction counts; only system calls' durations are host time
# (the kernel's instructions are not counted), removed
no_host_time() { sed -E 's/^ *[0-9.]+ [mu]?s (\[[^]]*\] *(syscall|<\.\.\. syscall))/\1/' "$1"; }
same_text "the same options twice, the copied recording: identical traces, event for event, instruction counts included" \
    <(no_host_time "$TMP/a3/trace.txt") <(no_host_time "$TMP/a1/trace.txt")
same_text "the copied recording's replay: console output equals the recording's" "$TMP/a3/console.txt" "$REC/console.txt"
check "fib(6) = 8 in the trace, as demo printed" \
    bash -c "grep -q 'fib(n=6) {' '$TMP/a1/trace.txt' && grep -qE '^ *[0-9]+ insn .*\} = 8; /\* fib \*/' '$TMP/a1/trace.txt'"
same_text "nothing in the recording was written by the replays" <(cd "$REC" && sha256sum * | sha256sum) <(echo "$sha_before")

# every line demo printed is a write(2) in the trace (the guest's console is the oracle)
grep '^demo: ' "$FX/rec.console" | tr -d '\r' >"$TMP/said"
missing=0
while IFS= read -r line; do
    esc=${line//\\/\\\\}
    esc=${esc//\"/\\\"}
    grep -qF "\"$esc\\n\"" "$TMP/a1/trace.txt" || { missing=$((missing + 1)); echo "#   no write of: $line"; }
done <"$TMP/said"
ok $([ -s "$TMP/said" ] && [ $missing -eq 0 ]; echo $?) "--syscalls: each of demo's $(wc -l <"$TMP/said") console lines is a write(2) in the trace"

# the same trace options on a live run of the same deterministic program: the same calls
"$QTRACE" system --kernel "$KERNEL" --initrd "$INITRD" --append qtrace.run=demo --timeout 600 "${A[@]}" -o "$TMP/live" \
    </dev/null >/dev/null 2>"$TMP/live.err"
ok $? "live qtrace system with the same options exits 0"
# (process events and system calls, whose pointers and timing differ from boot to boot: left out)
calls_only() { tree_of "$1" | grep -vE '^ *(== |syscall |<\.\.\. syscall )'; }
same_text "replay's function calls equal the live run's" <(calls_only "$TMP/a1/trace.txt") <(calls_only "$TMP/live/trace.txt")
done_testing
