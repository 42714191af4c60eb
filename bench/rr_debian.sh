#!/usr/bin/env bash
# Benchmark: record and replay of the Debian guest with its disk (qtrace record --guest debian):
# boot from the ext4 disk, sshd, diskio writing and fsyncing 1 MiB, power off; the whole run,
# wall and CPU time of all its processes.
#   plain    qemu-system-x86_64 with the same kernel, initrd, disk and devices, no plugin
#   icount   the same with -icount shift=SHIFT (what record/replay builds on; BENCH_RR_SHIFT, default
#            5 as qtrace record's --icount-shift)
#   record   qtrace record --guest debian (blkreplay on an overlay, filter-replay on the network)
#   replay   qtrace replay of that recording, no trace options (the plugin loaded, nothing selected)
#   views    qtrace replay --disk-trace --files-written DIR --processes
# Paired rounds (BENCH_REPS, default 2), the ratio being the median of each round's own ratio
# (bench/lib.sh); and the log's bytes per 1000 guest instructions.
set -u
TOP=${QTRACE_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${QTRACE_BUILD:-$TOP/build}
CACHE=${QTRACE_CACHE:-$TOP/.cache}
. "$TOP/bench/lib.sh"
REPS=${BENCH_REPS:-2}
SHIFT=${BENCH_RR_SHIFT:-5}
OUT=$BUILD/bench/rr_debian
rm -rf "$OUT"
mkdir -p "$OUT"
QEMU=${QTRACE_QEMU_SYSTEM:-qemu-system-x86_64}
RUN=diskio,sync,/root/big.bin,1048576
debian_guest rr_debian "$RUN"
PLAIN=("${DEBIAN[@]}")

for r in $(seq "$REPS"); do
    timed_run plain "$r" diskio "$QEMU" "${PLAIN[@]}" || exit 1
    timed_run icount "$r" diskio "$QEMU" "${PLAIN[@]}" -icount "shift=$SHIFT" || exit 1
    rm -rf "$OUT/rec"
    timed_run record "$r" diskio "$BUILD/qtrace" record --guest debian --append "qtrace.run=$RUN" \
        --icount-shift "$SHIFT" -o "$OUT/rec" || exit 1
    timed_run replay "$r" diskio "$BUILD/qtrace" replay "$OUT/rec" -o "$OUT/replay" || exit 1
    rm -rf "$OUT/files"
    timed_run views "$r" diskio "$BUILD/qtrace" replay "$OUT/rec" --disk-trace --files-written "$OUT/files" --processes \
        --format text -o "$OUT/views" || exit 1
done
insns=$(sed -n 's/^instructions=//p' "$OUT/rec/manifest")
logb=$(stat -c %s "$OUT/rec/replay.bin")
{
    echo "# Debian guest: boot from disk, sshd, diskio syncing 1 MiB, power off; $REPS paired rounds (median of per-round ratios)"
    printf '%-7s %-22s %9s %9s %-22s %9s %9s\n' config wall_s "vs plain" "vs icount" cpu_s "vs plain" "vs icount"
    for n in plain icount record replay views; do
        eval "w=\$W_$n c=\$C_$n"
        printf '%-7s %-22s %9s %9s %-22s %9s %9s\n' "$n" "${w# }" "$(median_ratio "$w" "$W_plain")" \
            "$(median_ratio "$w" "$W_icount")" "${c# }" "$(median_ratio "$c" "$C_plain")" "$(median_ratio "$c" "$C_icount")"
    done
    echo "# views vs replay (wall): $(median_ratio "$W_views" "$W_replay")"
    echo "# log: $logb bytes for $insns instructions = $(awk "BEGIN{printf \"%.1f\", 1000 * $logb / $insns}") bytes per 1000 instructions; disk overlay $(stat -c %s "$OUT/rec/disk.qcow2") bytes"
} | tee "$BUILD/bench/rr_debian.txt"
