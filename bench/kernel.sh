#!/usr/bin/env bash
# Benchmark: following one process of a Linux guest from its kernel.
# The whole run is measured (wall and CPU time): the guest's boot, the test program ktest (files,
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

# one run of a configuration: its wall time in T_name and CPU time (user + system, all its
# processes) in C_name, if it beats the best so far (the machine may be busy: CPU time is
# the steadier of the two)
run_once() { # name, rep, command...
    local name=$1 r=$2; shift 2
    local log=$OUT/$name.$r.log tf=$OUT/$name.$r.time s c best
    /usr/bin/time -f '%e %U %S' -o "$tf" timeout 600 "$@" >"$log" 2>&1 </dev/null
    if ! tr -d '\r' <"$log" | grep -q '^ktest: done'; then echo "  $name: ktest did not finish (see $log)" >&2; return 1; fi
    read -r s u y <"$tf"
    c=$(awk "BEGIN{printf \"%.2f\", $u + $y}")
    eval "best=\${T_$name:-}"
    if [ -z "$best" ] || awk "BEGIN{exit !($s < $best)}"; then eval "T_$name=$s"; fi
    eval "best=\${C_$name:-}"
    if [ -z "$best" ] || awk "BEGIN{exit !($c < $best)}"; then eval "C_$name=$c"; fi
}

# the configurations alternate, so that a busy moment of the machine hits all of them. qtrace
# checks the kernel image before QEMU starts, and remembers in its output directory that it did
# (.kernel-checked): the first run pays for the check, later ones into the same directory do not.
rm -f "$OUT/qtrace-trace/.kernel-checked"
for r in $(seq "$REPS"); do
    run_once plain "$r" "$QEMU" "${BOOT[@]}" -append "$APPEND" || exit 1
    rm -f "$OUT/plugin.qtr"
    run_once plugin "$r" "$QEMU" "${BOOT[@]}" -append "$APPEND" \
        -plugin "$BUILD/libqtrace.so,kernel=$G/vmlinuz,kernel_async=on,comm=ktest,syscalls=on,out=$OUT/plugin.qtr" || exit 1
    run_once qtrace "$r" "$BUILD/qtrace" system --kernel "$G/vmlinuz" --initrd "$G/initrd.gz" --append qtrace.run=ktest \
        --comm ktest --syscalls --format text -o "$OUT/qtrace-trace" || exit 1
    if [ "$r" = 1 ]; then T_first=$T_qtrace; C_first=$C_qtrace; fi
done
syscalls=$(grep -c ' syscall ' "$OUT/qtrace-trace/trace.txt" 2>/dev/null || echo 0)

ratio() { awk "BEGIN{printf \"%.2f\", $1 / $2}"; }
{
    echo "# system mode, guest boot + ktest (--comm ktest --syscalls: $syscalls system call lines); best of $REPS, alternating"
    printf '%-8s %8s %6s %8s %6s  %s\n' config wall_s ratio cpu_s ratio target
    printf '%-8s %8s %6s %8s %6s  %s\n' plain "$T_plain" 1.00 "$C_plain" 1.00 ""
    printf '%-8s %8s %6s %8s %6s  %s\n' plugin "$T_plugin" "$(ratio "$T_plugin" "$T_plain")" "$C_plugin" \
        "$(ratio "$C_plugin" "$C_plain")" "(QEMU + plugin only)"
    printf '%-8s %8s %6s %8s %6s  %s\n' qtrace "$T_qtrace" "$(ratio "$T_qtrace" "$T_plain")" "$C_qtrace" \
        "$(ratio "$C_qtrace" "$C_plain")" "wall <= 1.25"
    printf '%-8s %8s %6s %8s %6s  %s\n' qtrace1 "$T_first" "$(ratio "$T_first" "$T_plain")" "$C_first" \
        "$(ratio "$C_first" "$C_plain")" "(first run: + the check of the image)"
} | tee "$BUILD/bench/kernel.txt"
