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

configs=(plain vmmap pages)
for r in $(seq "$ROUNDS"); do
    for k in 0 1 2; do
        c=${configs[$(((k + r) % 3))]}
        case $c in
        plain) shload_run plain "$r" || exit 1 ;;
        vmmap) shload_run vmmap "$r" -plugin "$PLUGIN,vmmap=on,out=$OUT/vmmap.qtr" || exit 1 ;;
        pages) shload_run pages "$r" -plugin "$PLUGIN,vmmap=pages,out=$OUT/pages.qtr" || exit 1 ;;
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
