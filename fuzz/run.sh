#!/usr/bin/env bash
# make fuzz: runs each fuzz harness (build/fuzz/fuzz_NAME, libFuzzer) for $FUZZ_SECONDS (600),
# under nice -n 19, $FUZZ_JOBS (1) at a time, on a corpus that starts from the seeds
# (fuzz/seeds.sh: the tests' own inputs, and fuzz/seeds/NAME/) and grows in
# build/fuzz/corpus/NAME/. Prints one line per harness: executions per second, libFuzzer's final
# coverage (cov: edges, ft: features), corpus size and crashes; a crash, leak, timeout or
# out-of-memory input is kept in build/fuzz/artifacts/NAME/ (add it to tests/fuzz/NAME/ once
# the parser is fixed). Exit status 1 if any harness found something.
# Usage: fuzz/run.sh [NAME...]   (default: every harness)
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${QTRACE_BUILD:-$TOP/build}
SECONDS_EACH=${FUZZ_SECONDS:-600}
JOBS=${FUZZ_JOBS:-1}
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
    for f in "$TOP"/fuzz/fuzz_*.c; do n=$(basename "$f" .c); names+=("${n#fuzz_}"); done
fi
for n in "${names[@]}"; do
    if [ ! -x "$BUILD/fuzz/fuzz_$n" ]; then
        echo "fuzz: no harness '$n' (have: $(cd "$TOP/fuzz" && ls fuzz_*.c | sed 's/^fuzz_//; s/\.c$//' | tr '\n' ' '))" >&2
        exit 2
    fi
done
"$TOP/fuzz/seeds.sh" "$BUILD/fuzz/seeds" || exit 2

one() { # NAME: run it, then print its line
    local n=$1 corpus=$BUILD/fuzz/corpus/$1 art=$BUILD/fuzz/artifacts/$1 log=$BUILD/fuzz/logs/$1.log
    mkdir -p "$corpus" "$art" "$(dirname "$log")"
    local dirs=("$corpus")
    [ -d "$BUILD/fuzz/seeds/$n" ] && dirs+=("$BUILD/fuzz/seeds/$n")
    [ -d "$TOP/fuzz/seeds/$n" ] && dirs+=("$TOP/fuzz/seeds/$n")
    [ -d "$TOP/tests/fuzz/$n" ] && dirs+=("$TOP/tests/fuzz/$n")
    local t0=$SECONDS
    # the harnesses' inputs are small; larger seeds (kernel images) set their own -max_len
    local extra=()
    [ -f "$TOP/fuzz/seeds/$n.options" ] && read -r -a extra <"$TOP/fuzz/seeds/$n.options"
    nice -n 19 "$BUILD/fuzz/fuzz_$n" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$art/" "${extra[@]}" "${dirs[@]}" >"$log" 2>&1
    local rc=$? secs=$((SECONDS - t0))
    local done_line execs eps cov ft corp found
    done_line=$(grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE)' "$log" | tail -1)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    cov=$(echo "$done_line" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
    ft=$(echo "$done_line" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
    corp=$(echo "$done_line" | sed -n 's/.*corp: \([0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p')
    found=$(find "$art" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
    printf '%-10s %5ss  %9s execs  %7s exec/s  cov: %-5s ft: %-6s corpus: %-12s crashes: %s%s\n' \
        "$n" "$secs" "${execs:-?}" "${eps:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$found" \
        "$([ "$rc" -ne 0 ] || [ "$found" -ne 0 ] && echo "  (log: $log, inputs: $art/)")"
    [ "$rc" -eq 0 ] && [ "$found" -eq 0 ]
}

status=0 running=0
for n in "${names[@]}"; do
    if [ "$JOBS" -le 1 ]; then
        one "$n" || status=1
        continue
    fi
    one "$n" &
    running=$((running + 1))
    if [ "$running" -ge "$JOBS" ]; then
        wait -n || status=1
        running=$((running - 1))
    fi
done
while [ "$running" -gt 0 ]; do
    wait -n || status=1
    running=$((running - 1))
done
exit $status
