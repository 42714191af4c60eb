#!/usr/bin/env bash
# Runs every test and prints one summary line: "N passed, N failed".
#  - unit tests: build/tests/test_* and build/tests-san/test_* (ASan+UBSan), TAP on stdout;
#    build/tests-tsan/test_* (ThreadSanitizer: the plugin's multi-threaded output path)
#  - end-to-end cases: tests/e2e/cases/NNN_name.sh, one file per case, TAP on stdout. Each sources
#    tests/e2e/lib.sh (the only helpers) and checks qtrace's output against an oracle that is not
#    qtrace (the program's own output, strace, uftrace, objdump, QEMU's execlog...). Guest boots
#    that several cases read are fixtures (lib.sh's fixture), made once per run under
#    $QTRACE_BUILD/e2e-fixtures/. Logs: $QTRACE_BUILD/test-logs/.
# Usage: tests/run.sh [--e2e] [SELECTOR...]
#   SELECTOR: part of a test's name (unit/tests/test_cli, e2e/042_name), or an e2e case's number;
#   several select their union; --e2e runs end-to-end cases only (tests/e2e/run.sh).
# Env: QTRACE_JOBS, how many end-to-end cases run at once (default: the number of cores).
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
export QTRACE_TOP=$TOP QTRACE_BUILD=${QTRACE_BUILD:-$TOP/build} QTRACE_CACHE=${QTRACE_CACHE:-$TOP/.cache}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# one id for the whole run: the e2e fixtures are made once in it
export QTRACE_E2E_RUN=${QTRACE_E2E_RUN:-$$.$(date +%s%N)}
units=1
if [ "${1:-}" = --e2e ]; then units=; shift; fi
selectors=("$@")
pass=0 fail=0 failed_tests=()
logdir=$QTRACE_BUILD/test-logs
mkdir -p "$logdir"
t_start=$SECONDS

selected() { # NAME [CASE-NUMBER]
    [ ${#selectors[@]} -eq 0 ] && return 0
    local s
    for s in "${selectors[@]}"; do
        [[ "$1" == *"$s"* ]] && return 0
        [[ -n "${2:-}" && "$s" =~ ^[0-9]+$ ]] && [ "$((10#$s))" = "$((10#$2))" ] && return 0
    done
    return 1
}

# report NAME LOG RC SECONDS: count a finished test's TAP lines and print its line
report() {
    local name=$1 log=$2 rc=$3 secs=$4 p f
    p=$(grep -c '^ok ' "$log")
    f=$(grep -c '^not ok ' "$log")
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1; echo "not ok - $name exited with status $rc" >>"$log"
    fi
    if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
        f=1; echo "not ok - $name ran no test" >>"$log"
    fi
    pass=$((pass + p)); fail=$((fail + f))
    if [ "$f" -gt 0 ]; then
        failed_tests+=("$name")
        printf '%-44s %3d passed, %d FAILED (%ds)  log: %s\n' "$name" "$p" "$f" "$secs" "$log"
        grep -A4 '^not ok' "$log" | head -40 | sed 's/^/    /'
    else
        printf '%-44s %3d passed (%ds)\n' "$name" "$p" "$secs"
    fi
}
log_of() { echo "$logdir/$(echo "$1" | tr '/' '_').log"; }

# End-to-end cases run QTRACE_JOBS at a time (default: one per core): each is mostly one QEMU on
# one core. A case whose header says "# e2e: long" starts first, so that the short ones fill the
# other cores around it. A finished case writes LOG.done (status, seconds); the loop reports
# cases in the order they finish.
started=()
start_case() { # name, command...
    local log name=$1; shift
    log=$(log_of "$name")
    rm -f "$log.done"
    ( t0=$SECONDS; "$@" >"$log" 2>&1; echo "$? $((SECONDS - t0))" >"$log.tmp"; mv "$log.tmp" "$log.done" ) &
    started+=("$name")
}
reap() { # report every started case that has finished
    local i log rc secs
    for i in "${!started[@]}"; do
        log=$(log_of "${started[$i]}")
        [ -f "$log.done" ] || continue
        read -r rc secs <"$log.done"
        rm -f "$log.done"
        report "${started[$i]}" "$log" "$rc" "$secs"
        unset "started[$i]"
    done
}
jobs_max=${QTRACE_JOBS:-$(nproc)}
# unit tests first, then the end-to-end cases, QTRACE_JOBS at a time
if [ -n "$units" ]; then
    for t in "$QTRACE_BUILD"/tests/test_* "$QTRACE_BUILD"/tests-san/test_* "$QTRACE_BUILD"/tests-tsan/test_*; do
        [ -x "$t" ] || continue
        name="unit/$(basename "$(dirname "$t")")/$(basename "$t")"
        selected "$name" || continue
        while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n; reap; done
        start_case "$name" "$t"
    done
fi
cases=()
for t in $(grep -l '^# e2e: long' "$TOP"/tests/e2e/cases/[0-9]*.sh) "$TOP"/tests/e2e/cases/[0-9]*.sh; do
    [ -f "$t" ] || continue
    base=$(basename "$t" .sh)
    selected "e2e/$base" "${base%%_*}" || continue
    [[ " ${cases[*]} " == *" $t "* ]] || cases+=("$t")
done
for t in "${cases[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n; reap; done
    start_case "e2e/$(basename "$t" .sh)" bash "$t"
done
while [ "$(jobs -rp | wc -l)" -gt 0 ]; do wait -n; reap; done
reap

[ ${#failed_tests[@]} -gt 0 ] && echo "failed: ${failed_tests[*]}"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
