#!/usr/bin/env bash
# Execution log benchmark, run by `make bench` (bench/run.sh).
#
# One program (tests/progs/execlog_bench.c, QTRACE_BENCH_ROUNDS rounds of its loop), one run each:
#   plain qemu-x86_64 | QEMU's libexeclog.so to a file (-d plugin -D) | qtrace text |
#   qtrace bin | qtrace dump of that bin to text | qtrace instruction flow only (bin, no memory)
# Every run writes to build/bench/execlog/ (same file system); `sync` before each. The text of
# libexeclog.so, of qtrace text and of qtrace dump must be the same bytes (checked).
# Table: build/bench/execlog.txt. QTRACE_BENCH_ROUNDS sets the size (default 150000).
set -u
TOP=${QTRACE_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${QTRACE_BUILD:-$TOP/build}
CACHE=${QTRACE_CACHE:-$TOP/.cache}
W=$BUILD/bench/execlog
mkdir -p "$W"
. "$TOP/tests/execlog/common.sh"
ROUNDS=${QTRACE_BENCH_ROUNDS:-150000}
TABLE=$BUILD/bench/execlog.txt

if [ ! -x "$QEMU" ] || [ ! -f "$REF" ]; then
    echo "execlog bench: no plugin-enabled qemu-x86_64 or libexeclog.so in $CACHE (make setup-qemu-user)" >&2
    exit 1
fi
BP=$W/execlog_bench
el_build_prog "$TOP/tests/progs/execlog_bench.c" "$BP" || exit 1
el_pick_plugin "$BP" || { echo "execlog bench: $PLUGIN_WHY" >&2; exit 1; }

now() { date +%s.%N; }
# run NAME REPEAT CMD...: wall seconds (best of REPEAT runs) into T_NAME, CPU seconds (user +
# system) of that run into C_NAME, output size into S_NAME (OUT_NAME: the file it writes, kept
# only for the last run). Outputs are deleted as soon as measured, before the kernel writes them
# back, so that one run's gigabytes do not slow down the next run.
run() {
    local name=$1 rep=$2 best= cpu= rc=0 out
    shift 2
    eval "out=\${OUT_$name:-}"
    for ((i = 0; i < rep; i++)); do
        [ -n "$out" ] && rm -f "$out"
        sync
        /usr/bin/time -f "%e %U %S" -o "$W/$name.time" env -i "$@" >"$W/$name.stdout" 2>"$W/$name.stderr"
        rc=$?
        [ $rc -eq 0 ] || break
        read -r e u s <"$W/$name.time"
        if [ -z "$best" ] || awk -v a="$e" -v b="$best" 'BEGIN { exit !(a < b) }'; then
            best=$e
            cpu=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
        fi
    done
    eval "T_$name=${best:-0} C_$name=${cpu:-0} RC_$name=$rc"
    eval "S_$name='$(size "$out")'"
    [ $rc -eq 0 ] || echo "warning: $name exited with status $rc: $(head -c 300 "$W/$name.stderr")" >&2
}
size() { [ -n "$1" ] && [ -f "$1" ] && awk -v b="$(stat -c %s "$1")" 'BEGIN { printf "%.0f MB", b / 1e6 }' || echo "-"; }

rm -f "$W"/*.log "$W"/*.qtr
OUT_execlog=$W/execlog.log OUT_text=$W/text.log OUT_bin=$W/bin.qtr OUT_binmv=$W/binmv.qtr OUT_flow=$W/flow.qtr
run plain 3 "$QEMU" "$BP" "$ROUNDS"
run flow 3 "$QEMU" -plugin "$PLUGIN,out=$W/flow.qtr,execlog=on,execlog_format=bin,execlog_flow=on" "$BP" "$ROUNDS"
rm -f "$W/flow.qtr"
run binmv 3 "$QEMU" -plugin "$PLUGIN,out=$W/binmv.qtr,execlog=on,execlog_format=bin,memvalues=on" "$BP" "$ROUNDS"
rm -f "$W/binmv.qtr"
run bin 3 "$QEMU" -plugin "$PLUGIN,out=$W/bin.qtr,execlog=on,execlog_format=bin" "$BP" "$ROUNDS"
sync
t0=$(now)
el_dump "$W/bin.qtr" execlog "$W/dump.log"
T_dump=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }')
S_dump=$(size "$W/dump.log")
L_dump=$(wc -l <"$W/dump.log")
rm -f "$W/dump.log" "$W/bin.qtr"
run text 3 "$QEMU" -plugin "$PLUGIN,out=$W/text.qtr,execlog=on,execlog_out=$W/text.log" "$BP" "$ROUNDS"
L_text=$(wc -l <"$W/text.log")
rm -f "$W/text.log" "$W/text.qtr"
run execlog 1 "$QEMU" -plugin "$REF" -d plugin -D "$W/execlog.log" "$BP" "$ROUNDS"
L_execlog=$(wc -l <"$W/execlog.log")
rm -f "$W/execlog.log"

INSNS=$((L_execlog - 1))
# Separate runs cannot be compared byte for byte (the guest stack lands elsewhere when the
# plugins' own allocations differ): compare line counts here, and bytes in one shared run below.
same_lines=no
[ "$L_text" = "$L_execlog" ] && [ "$L_dump" = "$L_execlog" ] && same_lines=yes
SMALL=$((ROUNDS / 50 + 1))
env -i "$QEMU" -plugin "$REF" -plugin "$PLUGIN,out=$W/c1.qtr,execlog=on,execlog_out=$W/c1.log" \
    -plugin "$PLUGIN2,out=$W/c2.qtr,execlog=on,execlog_format=bin" -d plugin -D "$W/cref.log" "$BP" "$SMALL" >/dev/null 2>&1
el_dump "$W/c2.qtr" execlog "$W/c2.log"
same_text=no same_dump=no
cmp -s "$W/cref.log" "$W/c1.log" && same_text=yes
cmp -s "$W/c1.log" "$W/c2.log" && same_dump=yes

{
    echo "execution log: $(basename "$BP") $ROUNDS, $INSNS guest instructions (x86-64, qemu-user, $(nproc) host cores)"
    echo "plugin: $PLUGIN"
    printf '%-34s %8s %8s %10s %9s %11s %9s\n' "run" "wall s" "CPU s" "M insn/s" "vs plain" "vs execlog" "output"
    row() { # label wall cpu size [rc]
        if [ "${5:-0}" -ne 0 ]; then
            printf '%-34s %8s\n' "$1" "failed"
            return
        fi
        awk -v l="$1" -v t="$2" -v c="$3" -v p="$T_plain" -v e="$T_execlog" -v n="$INSNS" -v s="$4" 'BEGIN {
            printf "%-34s %8.2f %8s %10.2f %8.1fx %10.1fx %9s\n", l, t, c, n / t / 1e6, t / p, e / t, s }'
    }
    row "plain qemu-x86_64" "$T_plain" "$C_plain" "-" "$RC_plain"
    row "QEMU libexeclog.so (-d plugin -D)" "$T_execlog" "$C_execlog" "$S_execlog" "$RC_execlog"
    row "qtrace text (execlog_out=)" "$T_text" "$C_text" "$S_text" "$RC_text"
    row "qtrace bin" "$T_bin" "$C_bin" "$S_bin" "$RC_bin"
    row "qtrace bin + memvalues=on" "$T_binmv" "$C_binmv" "$S_binmv" "$RC_binmv"
    row "qtrace bin, then dump -f execlog" "$(awk -v a="$T_bin" -v b="$T_dump" 'BEGIN { print a + b }')" "-" "$S_dump" 0
    row "qtrace flow only (execlog_flow=on)" "$T_flow" "$C_flow" "$S_flow" "$RC_flow"
    echo "('vs plain': times slower than plain QEMU; 'vs execlog': times faster than libexeclog.so)"
    echo "same line counts (execlog, qtrace text, dump of bin): $same_lines; in one shared run of $SMALL rounds:"
    echo "qtrace text == libexeclog.so text: $same_text; qtrace dump of bin == qtrace text: $same_dump"
    echo "targets: bin >= 100x faster than execlog, text >= 10x, flow only <= 5x plain"
} | tee "$TABLE"
rm -f "$W"/*.log "$W"/*.qtr "$W"/*.stdout "$W"/*.stderr "$W"/*.time
[ "$same_text" = yes ] && [ "$same_dump" = yes ] && [ "$same_lines" = yes ]
