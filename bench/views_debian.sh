#!/usr/bin/env bash
# Benchmark: each view alone on the Debian guest's shell workload (issue "views": the targets).
# The Debian guest (make guest-debian; its disk snapshot=on) runs /usr/local/bin/shload
# BENCH_SHLOAD rounds (default 40): short pipelines of Debian's own dynamically linked coreutils
# under dash (cat | wc, ls, echo | grep: many processes, each mapping ld.so and libc, reading
# from the ext4 disk; its `ls -l /progs` finds no /progs there and says so each round, an exec like
# any other). QEMU's CPU time (user + system) between shload's start and end lines is
# the figure (bench/lib.sh shload_run); the guest's clock is shown too.
#   plain    qemu-system-x86_64 with the guest's kernel, initrd, disk and devices, no plugin
#   empty    QEMU's own empty plugin (tests/tcg/plugins/libempty.so): what loading any plugin costs
#   kernel   the same with libqtrace.so reading the kernel (kernel=): what every view stands on
#   disk     + disk_trace=on                      (target <= 1.05 x plain)
#   files    + files_written=DIR (every process)  (target <= 1.25 x plain)
#   vmmap    + vmmap=on (every process)           (target <= 1.10 x plain)
#   pages    + vmmap=pages (every process)        (target <= 2 x plain)
# BENCH_ROUNDS rounds (default 3), each running every configuration once in a rotating order;
# each ratio is the median over the rounds of the ratio to plain (or kernel) in the same round.
# The load average is printed before and after: other work on the machine shows there.
set -u
TOP=${QTRACE_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${QTRACE_BUILD:-$TOP/build}
CACHE=${QTRACE_CACHE:-$TOP/.cache}
. "$TOP/bench/lib.sh"
ROUNDS=${BENCH_ROUNDS:-3} N=${BENCH_SHLOAD:-40}
OUT=$BUILD/bench/views_debian QEMU=${QTRACE_QEMU_SYSTEM:-qemu-system-x86_64}
mkdir -p "$OUT"
debian_guest views_debian "shload,$N"
BOOT=("${DEBIAN[@]}")
PLUGIN="$BUILD/libqtrace.so,kernel=$GD/vmlinuz,kernel_async=on"
EMPTY=$(empty_plugin)
configs=(plain kernel disk files vmmap pages)
[ -n "$EMPTY" ] && configs=(plain empty kernel disk files vmmap pages)
load0=$(cut -d' ' -f1-3 /proc/loadavg)
for r in $(seq "$ROUNDS"); do
    for k in "${!configs[@]}"; do
        c=${configs[$(((k + r) % ${#configs[@]}))]}
        case $c in
        plain) shload_run plain "$r" ;;
        empty) shload_run empty "$r" -plugin "$EMPTY" ;;
        kernel) shload_run kernel "$r" -plugin "$PLUGIN,out=$OUT/kernel.qtr" ;;
        disk) shload_run disk "$r" -plugin "$PLUGIN,disk_trace=on,out=$OUT/disk.qtr" ;;
        files) rm -rf "$OUT/files"; shload_run files "$r" -plugin "$PLUGIN,files_written=$OUT/files,out=$OUT/files.qtr" ;;
        vmmap) shload_run vmmap "$r" -plugin "$PLUGIN,vmmap=on,out=$OUT/vmmap.qtr" ;;
        pages) shload_run pages "$r" -plugin "$PLUGIN,vmmap=pages,out=$OUT/pages.qtr" ;;
        esac || exit 1
    done
done
count() { "$BUILD/qtrace" dump -f text "$OUT/$1.qtr" 2>/dev/null | grep -c -- "$2"; }
{
    echo "# the Debian guest, shload $N (dash pipelines of coreutils, every process followed): $(count disk '== disk vda .* by ') block requests, $(count files '== write ') file writes, $(count vmmap '== vmmap after') maps, $(count pages '== page ') pages recorded"
    echo "# QEMU's CPU time during shload's rounds (s) and the guest's clock (ms), $ROUNDS rounds; load average $load0 before, $(cut -d' ' -f1-3 /proc/loadavg) after"
    printf '%-7s %-22s %6s %6s   %-26s %6s  %s\n' config cpu_s ratio "/kern" guest_ms ratio target
    for c in "${configs[@]}"; do
        case $c in disk) t="<= 1.05" ;; files) t="<= 1.25" ;; vmmap) t="<= 1.10" ;; pages) t="<= 2" ;; *) t= ;; esac
        eval "cpu=\$CPU_$c ms=\$MS_$c"
        printf '%-7s %-22s %6s %6s   %-26s %6s  %s\n' "$c" "${cpu# }" "$(median_ratio "$cpu" "$CPU_plain")" \
            "$(median_ratio "$cpu" "$CPU_kernel")" "${ms# }" "$(median_ratio "$ms" "$MS_plain")" "$t"
    done
} | tee "$BUILD/bench/views_debian.txt"
