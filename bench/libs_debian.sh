#!/usr/bin/env bash
# Benchmark: a PIE program and its libc in the Debian guest (make guest-debian), where every
# program is a dynamically linked PIE. The guest runs /usr/local/bin/bench_dyn (bench.c built as
# an ordinary PIE: 3 hot calls per iteration, and bench_report's strlen, an IFUNC, every 1024),
# which prints how long its loop took on the guest clock (the boot is not in the ratio).
#   plain      qemu-system-x86_64 with the guest's kernel, initrd, disk and devices, no plugin
#   maps       qtrace system --guest debian --sysroot ROOT, no program, no pattern: every process's
#              mappings followed, nothing traced                                  target <= 1.05
#   named      + -p bench_dyn -A 'bench_report@arg1,arg2/s' -R bench_checkpoint: two functions
#              called every 1024 iterations, with arguments                       target <= 1.10
#   all        + -p bench_dyn -P 'bench_*' -P main -P 'str*' -P 'mem*': every function of the
#              program and libc's string functions (in every process)             target <= 3
#   comm_all   the same with --comm bench_dyn (the usual way to follow one process)  target <= 2.5
# and a shell workload, shload (dash pipelines of coreutils), timed by the guest:
#   sh_plain   plain QEMU
#   sh_libc    --comm sh --syscalls -P 'lib:libc.so.6': every libc function and system call of
#              the shell processes                                             (reported, no target)
# BENCH_REPS rounds (default 3), each running every configuration once; reported: the best time
# and the median of the per-round ratios to plain (bench/lib.sh).
set -u
TOP=${QTRACE_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${QTRACE_BUILD:-$TOP/build}
CACHE=${QTRACE_CACHE:-$TOP/.cache}
. "$TOP/bench/lib.sh"
N=${BENCH_CALLS:-20000000}
SHN=${BENCH_SHLOAD:-40}
REPS=${BENCH_REPS:-3}
OUT=$BUILD/bench/libs_debian
mkdir -p "$OUT"
QEMU=${QTRACE_QEMU_SYSTEM:-qemu-system-x86_64}
debian_guest libs_debian "shload,$SHN"
SHLOAD=("$QEMU" "${DEBIAN[@]}")
debian_guest libs_debian "bench_dyn,$N,time"
BENCH=("$QEMU" "${DEBIAN[@]}")
QT=("$BUILD/qtrace" system --guest debian -q --append "qtrace.run=bench_dyn,$N,time" --format folded)
PROG=(-p /usr/local/bin/bench_dyn)
ALLF=(-P 'bench_*' -P main -P 'str*' -P 'mem*')
load0=$(cut -d' ' -f1-3 /proc/loadavg)
for r in $(seq "$REPS"); do
    guest_run plain "${BENCH[@]}" || exit 1
    guest_run maps "${QT[@]}" --sysroot "$GD/rootfs" -o "$OUT/maps-trace" || exit 1
    guest_run named "${QT[@]}" "${PROG[@]}" -A 'bench_report@arg1,arg2/s' -R bench_checkpoint -o "$OUT/named-trace" || exit 1
    guest_run all "${QT[@]}" "${PROG[@]}" "${ALLF[@]}" -o "$OUT/all-trace" || exit 1
    guest_run comm_all "${QT[@]}" "${PROG[@]}" "${ALLF[@]}" --comm bench_dyn -o "$OUT/comm_all-trace" || exit 1
    GUEST_MS=guest_shload_ms guest_run sh_plain "${SHLOAD[@]}" || exit 1
    GUEST_MS=guest_shload_ms guest_run sh_libc "$BUILD/qtrace" system --guest debian -q --append "qtrace.run=shload,$SHN" --comm sh --syscalls \
        -P 'lib:libc.so.6' --format text -o "$OUT/sh_libc-trace" || exit 1
done

ratio() { awk "BEGIN{printf \"%.2f\", $1 / $2}"; }
paired() { median_ratio "${ALL[$1]:-}" "${ALL[$2]:-}"; }
{
    echo "# the Debian guest: bench_dyn (dynamic PIE) $N iterations, 3 calls each; shload $SHN rounds; $REPS rounds;" \
         "load average $load0 before, $(cut -d' ' -f1-3 /proc/loadavg) after"
    echo "# best: best guest-clock ms and its ratio to plain's best; paired: median of the per-round ratios"
    printf '%-9s %10s %8s %8s  %-10s %s\n' config best_ms best× paired× target "each round (ms)"
    printf '%-9s %10s %8s %8s  %-10s %s\n' plain "${BEST[plain]}" 1.00 1.00 "" "${ALL[plain]# }"
    for c in maps named all comm_all; do
        case $c in maps) t="<= 1.05" ;; named) t="<= 1.10" ;; all) t="<= 3" ;; comm_all) t="<= 2.5" ;; esac
        printf '%-9s %10s %8s %8s  %-10s %s\n' "$c" "${BEST[$c]}" "$(ratio "${BEST[$c]}" "${BEST[plain]}")" \
            "$(paired "$c" plain)" "$t" "${ALL[$c]# }"
    done
    printf '%-9s %10s %8s %8s  %-10s %s\n' sh_plain "${BEST[sh_plain]}" 1.00 1.00 "" "${ALL[sh_plain]# }"
    printf '%-9s %10s %8s %8s  %-10s %s\n' sh_libc "${BEST[sh_libc]}" "$(ratio "${BEST[sh_libc]}" "${BEST[sh_plain]}")" \
        "$(paired sh_libc sh_plain)" "(reported)" "${ALL[sh_libc]# }"
} | tee "$BUILD/bench/libs_debian.txt"
