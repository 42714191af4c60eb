#!/usr/bin/env bash
# Benchmark: --vmmap and --vmmap=pages on a shell-command workload in the bundled guest.
# guest/progs/shload runs BENCH_SHLOAD (default 40) rounds of short busybox pipelines under
# /bin/sh (three pipelines, five processes per round: fork, exec, mmap, brk...) and prints how
# long they took by the guest's clock; the benchmark also reads QEMU's CPU time (user + system,
# /proc/PID/stat) when shload says it starts and when it ends. That CPU time is the figure: it
# leaves out the boot and the plugin's loading of the kernel image, and on a busy host the
# guest's clock also counts the time QEMU waited for a CPU. Every process is followed (no
# --comm): the most work the views can have.
#   plain    qemu-system-x86_64, no plugin
#   vmmap    the same with libqtrace.so: kernel=, vmmap=on          (target <= 1.10 x plain)
#   pages    the same with libqtrace.so: kernel=, vmmap=pages       (target <= 2 x plain)
# The three run one after the other in each of BENCH_ROUNDS rounds (default 5), in a rotating
# order; each ratio is the median over the rounds of the ratio to plain in the same round.
set -u
TOP=${QTRACE_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${QTRACE_BUILD:-$TOP/build}
CACHE=${QTRACE_CACHE:-$TOP/.cache}
. "$TOP/bench/lib.sh"
ROUNDS=${BENCH_ROUNDS:-5} N=${BENCH_SHLOAD:-40}
G=$CACHE/guest OUT=$BUILD/bench/vmmap QEMU=${QTRACE_QEMU_SYSTEM:-qemu-system-x86_64}
mkdir -p "$OUT"
[ -s "$G/progs/shload" ] || { echo "bench vmmap: no guest/progs/shload in $G (run scripts/build-guest.sh)" >&2; exit 1; }
BOOT=(-accel tcg -nographic -no-reboot -m 512 -kernel "$G/vmlinuz" -initrd "$G/initrd.gz"
      -append "console=ttyS0 quiet panic=-1 qtrace.run=shload qtrace.args=$N")
PLUGIN="$BUILD/libqtrace.so,kernel=$G/vmlinuz,kernel_async=on"

# QEMU's CPU time so far, in clock ticks (utime + stime of all its threads)
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null; }
# wait until log has a line matching re or QEMU (pid) ended; false if it ended first. A QEMU
# still running 900 s after it started is stopped.
wait_line() { # log, re, pid
    until tr -d '\r' <"$1" | grep -qE "$2"; do
        kill -0 "$3" 2>/dev/null || return 1
        [ $((SECONDS - started)) -lt 900 ] || { kill "$3"; return 1; }
        sleep 0.05
    done
}
HZ=$(getconf CLK_TCK)
# one run: the workload's time by the guest's clock (ms) appended to MS_name, QEMU's CPU time
# during it (s) to CPU_name. A guest that panics in the kernel's IO-APIC timer check (TCG's timer
# too slow on an overloaded host) boots again.
run_once() { # name, round, qemu args...
    local name=$1 r=$2 log ms try pid started t0 t1; shift 2
    log=$OUT/$name.$r.log
    for try in 1 2 3; do
        "$QEMU" "${BOOT[@]}" "$@" </dev/null >"$log" 2>&1 &
        pid=$! started=$SECONDS
        t0= t1=
        wait_line "$log" '^shload: start$' "$pid" && t0=$(ticks "$pid")
        wait_line "$log" '^shload: [0-9]+ rounds in' "$pid" && t1=$(ticks "$pid")
        wait_line "$log" '^QTRACE-GUEST: exit ' "$pid"
        wait "$pid"
        grep -q "IO-APIC + timer doesn't work" "$log" || break
    done
    ms=$(tr -d '\r' <"$log" | sed -n 's/^shload: [0-9]* rounds in \([0-9]*\) ms$/\1/p')
    if [ -z "$ms" ] || [ -z "$t0" ] || [ -z "$t1" ]; then echo "  $name: shload did not finish (see $log)" >&2; return 1; fi
    eval "MS_$name=\"\${MS_$name:-} $ms\""
    eval "CPU_$name=\"\${CPU_$name:-} $(awk "BEGIN{printf \"%.2f\", ($t1 - $t0) / $HZ}")\""
}
configs=(plain vmmap pages)
for r in $(seq "$ROUNDS"); do
    for k in 0 1 2; do
        c=${configs[$(((k + r) % 3))]}
        case $c in
        plain) run_once plain "$r" || exit 1 ;;
        vmmap) run_once vmmap "$r" -plugin "$PLUGIN,vmmap=on,out=$OUT/vmmap.qtr" || exit 1 ;;
        pages) run_once pages "$r" -plugin "$PLUGIN,vmmap=pages,out=$OUT/pages.qtr" || exit 1 ;;
        esac
    done
done
best() { tr ' ' '\n' <<<"$1" | grep . | sort -n | head -1; }
maps=$("$BUILD/qtrace" dump -f text "$OUT/vmmap.qtr" 2>/dev/null | grep -c '== vmmap after')
pages=$("$BUILD/qtrace" dump -f text "$OUT/pages.qtr" 2>/dev/null | grep -c '== page ')
{
    echo "# system mode, shload $N (busybox pipelines, every process followed): $maps maps, $pages pages recorded;"
    echo "# shload's rounds: QEMU's CPU time (s) and the guest's clock (ms), $ROUNDS paired rounds; the CPU time is the figure"
    printf '%-6s %9s %8s %9s %8s  %s\n' config best_cpu ratio best_ms ratio target
    printf '%-6s %9s %8s %9s %8s  %s\n' plain "$(best "$CPU_plain")" 1.00 "$(best "$MS_plain")" 1.00 ""
    printf '%-6s %9s %8s %9s %8s  %s\n' vmmap "$(best "$CPU_vmmap")" "$(median_ratio "$CPU_vmmap" "$CPU_plain")" \
        "$(best "$MS_vmmap")" "$(median_ratio "$MS_vmmap" "$MS_plain")" "<= 1.10"
    printf '%-6s %9s %8s %9s %8s  %s\n' pages "$(best "$CPU_pages")" "$(median_ratio "$CPU_pages" "$CPU_plain")" \
        "$(best "$MS_pages")" "$(median_ratio "$MS_pages" "$MS_plain")" "<= 2"
    echo "# rounds, ms: plain$MS_plain | vmmap$MS_vmmap | pages$MS_pages"
    echo "# rounds, cpu s: plain$CPU_plain | vmmap$CPU_vmmap | pages$CPU_pages"
} | tee "$BUILD/bench/vmmap.txt"
