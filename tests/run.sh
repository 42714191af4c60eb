#!/usr/bin/env bash
# Runs every test and prints one summary line: "N passed, N failed".
#  - unit tests: build/tests/* and build/tests-san/* (ASan+UBSan), TAP on stdout
#  - end-to-end tests: tests/e2e/*.sh, TAP on stdout (they boot the guest or run qemu-user)
# Usage: tests/run.sh [PATTERN]   (only tests whose file name contains PATTERN)
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
export QTRACE_TOP=$TOP QTRACE_BUILD=${QTRACE_BUILD:-$TOP/build} QTRACE_CACHE=${QTRACE_CACHE:-$TOP/.cache}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
pattern=${1:-}
pass=0 fail=0 failed_tests=()
logdir=$QTRACE_BUILD/test-logs
mkdir -p "$logdir"

run_one() { # name, command...
    local name=$1; shift
    local log="$logdir/$(echo "$name" | tr '/' '_').log" rc
    local t0=$SECONDS
    "$@" >"$log" 2>&1
    rc=$?
    local p f
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
        printf '%-40s %3d passed, %d FAILED (%ds)  log: %s\n' "$name" "$p" "$f" $((SECONDS - t0)) "$log"
        grep -A4 '^not ok' "$log" | head -40 | sed 's/^/    /'
    else
        printf '%-40s %3d passed (%ds)\n' "$name" "$p" $((SECONDS - t0))
    fi
}

for t in "$QTRACE_BUILD"/tests/test_* "$QTRACE_BUILD"/tests-san/test_*; do
    [ -x "$t" ] || continue
    name="unit/$(basename "$(dirname "$t")")/$(basename "$t")"
    [[ -z "$pattern" || "$name" == *"$pattern"* ]] || continue
    run_one "$name" "$t"
done
for t in "$TOP"/tests/e2e/*.sh; do
    [ -f "$t" ] || continue
    case "$(basename "$t")" in lib*.sh) continue ;; esac # sourced helpers, not tests
    name="e2e/$(basename "$t" .sh)"
    [[ -z "$pattern" || "$name" == *"$pattern"* ]] || continue
    run_one "$name" bash "$t"
done

[ ${#failed_tests[@]} -gt 0 ] && echo "failed: ${failed_tests[*]}"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
