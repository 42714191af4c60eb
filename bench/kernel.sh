#!/usr/bin/env bash
# Issue 4 benchmark: following one process of a Linux guest from its kernel.
# The whole run is measured (wall time): the guest's boot, the test program ktest (files,
# sockets, a shell pipeline, a second process), power off, and for qtrace its checks of the
# kernel image before QEMU starts and the conversion of the trace afterwards.
#   plain    qemu-system-x86_64, no plugin
#   plugin   the same QEMU with libqtrace.so: kernel=, comm=ktest, syscalls=on, the image loaded
#            while the firmware runs (kernel_async=on, as qtrace system does); no CLI
#   qtrace   qtrace system --comm ktest --syscalls (what a user runs: CLI checks + QEMU + text)
# The three alternate, BENCH_REPS times (default 3); the best time of each is kept, and the
# ratios come from this one run of the benchmark. Target: qtrace <= 1.25 x plain.
set -u
TOP=${QTRACE_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${QTRACE_BUILD:-$TOP/build}
CACHE=${QTRACE_CACHE:-$TOP/.cache}
G=$CACHE/guest
REPS=${BENCH_REPS:-3}
OUT=$BUILD/bench/kernel
mkdir -p "$OUT"
QEMU=${QTRACE_QEMU_SYSTEM:-qemu-system-x86_64}
BOOT=(-accel tcg -nographic -no-reboot -m 512 -kernel "$G/vmlinuz" -initrd "$G/initrd.gz")
APPEND="console=ttyS0 quiet panic=-1 qtrace.run=ktest"

now() { date +%s.%N; }

# one run of a configuration: its wall time in T_name if it beats the best so far
run_once() { # name, rep, command...
    local name=$1 r=$2; shift 2
    local log=$OUT/$name.$r.log t0 t1 s best
    t0=$(now)
    timeout 600 "$@" >"$log" 2>&1 </dev/null
    t1=$(now)
    if ! tr -d '\r' <"$log" | grep -q '^ktest: done'; then echo "  $name: ktest did not finish (see $log)" >&2; return 1; fi
    s=$(awk "BEGIN{printf \"%.2f\", $t1 - $t0}")
    eval "best=\${T_$name:-}"
    if [ -z "$best" ] || awk "BEGIN{exit !($s < $best)}"; then eval "T_$name=$s"; fi
}

# the configurations alternate, so that a busy moment of the machine hits all of them
for r in $(seq "$REPS"); do
    run_once plain "$r" "$QEMU" "${BOOT[@]}" -append "$APPEND" || exit 1
    rm -f "$OUT/plugin.qtr"
    run_once plugin "$r" "$QEMU" "${BOOT[@]}" -append "$APPEND" \
        -plugin "$BUILD/libqtrace.so,kernel=$G/vmlinuz,kernel_async=on,comm=ktest,syscalls=on,out=$OUT/plugin.qtr" || exit 1
    run_once qtrace "$r" "$BUILD/qtrace" system --kernel "$G/vmlinuz" --initrd "$G/initrd.gz" --append qtrace.run=ktest \
        --comm ktest --syscalls --format text -o "$OUT/qtrace-trace" || exit 1
done
syscalls=$(grep -c ' syscall ' "$OUT/qtrace-trace/trace.txt" 2>/dev/null || echo 0)

ratio() { awk "BEGIN{printf \"%.2f\", $1 / $2}"; }
{
    echo "# system mode, guest boot + ktest (--comm ktest --syscalls: $syscalls system call lines); wall time, best of $REPS, alternating"
    printf '%-8s %9s %8s  %s\n' config seconds ratio target
    printf '%-8s %9s %8s  %s\n' plain "$T_plain" 1.00 ""
    printf '%-8s %9s %8s  %s\n' plugin "$T_plugin" "$(ratio "$T_plugin" "$T_plain")" "(QEMU + plugin only)"
    printf '%-8s %9s %8s  %s\n' qtrace "$T_qtrace" "$(ratio "$T_qtrace" "$T_plain")" "<= 1.25"
} | tee "$BUILD/bench/kernel.txt"
