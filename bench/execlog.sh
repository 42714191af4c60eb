#!/usr/bin/env bash
# Execution log benchmark (issue 6), run by `make bench` (bench/run.sh).
#
# One program (tests/progs/execlog_bench.c, ~54 M guest instructions by default), one run each:
#   plain qemu-x86_64 | QEMU's libexeclog.so to a file (-d plugin -D) | qtrace text |
#   qtrace bin | qtrace dump of that bin to text | qtrace instruction flow only (bin, no memory)
# Every run writes to build/bench/execlog/ (same file system); `sync` before each. The text of
# libexeclog.so, of qtrace text and of qtrace dump must be the same bytes (checked).
# Table: build/bench/execlog.txt. QTRACE_BENCH_ROUNDS changes the size (default 150000).
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
el_pick_plugin "$BP" || { echo "execlog bench: cannot build the plugin" >&2; exit 1; }
[ "$PLUGIN_KIND" = harness ] && echo "note: $PLUGIN_WHY; measuring the stand-alone harness (same execlog code)"

now() { date +%s.%N; }
# run NAME CMD...: time one run (wall seconds into T_NAME), stdout/stderr into $W/NAME.*
run() {
    local name=$1 t0 t1
    shift
    sync
    t0=$(now)
    env -i "$@" >"$W/$name.stdout" 2>"$W/$name.stderr"
    local rc=$?
    t1=$(now)
    eval "T_$name=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')"
    eval "RC_$name=$rc"
    [ $rc -eq 0 ] || echo "warning: $name exited with status $rc: $(head -c 300 "$W/$name.stderr")" >&2
}

rm -f "$W"/*.log "$W"/*.qtr
run plain "$QEMU" "$BP" "$ROUNDS"
run execlog "$QEMU" -plugin "$REF" -d plugin -D "$W/execlog.log" "$BP" "$ROUNDS"
run text "$QEMU" -plugin "$PLUGIN,out=$W/text.qtr,execlog=on,execlog_out=$W/text.log" "$BP" "$ROUNDS"
run bin "$QEMU" -plugin "$PLUGIN,out=$W/bin.qtr,execlog=on,execlog_format=bin" "$BP" "$ROUNDS"
run binmv "$QEMU" -plugin "$PLUGIN,out=$W/binmv.qtr,execlog=on,execlog_format=bin,memvalues=on" "$BP" "$ROUNDS"
run flow "$QEMU" -plugin "$PLUGIN,out=$W/flow.qtr,execlog=on,execlog_format=bin,execlog_flow=on" "$BP" "$ROUNDS"
sync
t0=$(now)
el_dump "$W/bin.qtr" execlog "$W/dump.log"
T_dump=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }')

INSNS=$(($(wc -l <"$W/execlog.log") - 1))
# Separate runs cannot be compared byte for byte (the guest stack lands elsewhere when the
# plugins' own allocations differ): compare line counts here, and bytes in one shared run below.
same_lines=no
[ "$(wc -l <"$W/text.log")" = "$(wc -l <"$W/dump.log")" ] && [ "$(wc -l <"$W/text.log")" = $((INSNS + 1)) ] && same_lines=yes
SMALL=$((ROUNDS / 50 + 1))
env -i "$QEMU" -plugin "$REF" -plugin "$PLUGIN,out=$W/c1.qtr,execlog=on,execlog_out=$W/c1.log" \
    -plugin "$PLUGIN2,out=$W/c2.qtr,execlog=on,execlog_format=bin" -d plugin -D "$W/cref.log" "$BP" "$SMALL" >/dev/null 2>&1
el_dump "$W/c2.qtr" execlog "$W/c2.log"
same_text=no same_dump=no
cmp -s "$W/cref.log" "$W/c1.log" && same_text=yes
cmp -s "$W/c1.log" "$W/c2.log" && same_dump=yes
size() { [ -f "$1" ] && awk -v b="$(stat -c %s "$1")" 'BEGIN { printf "%.0f MB", b / 1e6 }' || echo "-"; }
S_execlog=$(size "$W/execlog.log") S_text=$(size "$W/text.log") S_bin=$(size "$W/bin.qtr")
S_binmv=$(size "$W/binmv.qtr") S_flow=$(size "$W/flow.qtr") S_dump=$(size "$W/dump.log")

{
    echo "execution log: $(basename "$BP") $ROUNDS, $INSNS guest instructions (x86-64, qemu-user, $(nproc) host cores)"
    echo "plugin: $PLUGIN_KIND ($PLUGIN)"
    printf '%-34s %9s %14s %11s %13s %10s\n' "run" "seconds" "M insn/s" "vs plain" "vs execlog" "output"
    row() { # label seconds size [rc]
        if [ "${4:-0}" -ne 0 ]; then
            printf '%-34s %9s %14s %11s %13s %10s\n' "$1" "failed" "-" "-" "-" "-"
            return
        fi
        awk -v l="$1" -v t="$2" -v p="$T_plain" -v e="$T_execlog" -v n="$INSNS" -v s="$3" 'BEGIN {
            printf "%-34s %9.2f %14.2f %10.1fx %12.1fx %10s\n", l, t, n / t / 1e6, t / p, e / t, s }'
    }
    row "plain qemu-x86_64" "$T_plain" "-" "$RC_plain"
    row "QEMU libexeclog.so (-D file)" "$T_execlog" "$S_execlog" "$RC_execlog"
    row "qtrace text" "$T_text" "$S_text" "$RC_text"
    row "qtrace bin" "$T_bin" "$S_bin" "$RC_bin"
    row "qtrace bin + memvalues" "$T_binmv" "$S_binmv" "$RC_binmv"
    row "qtrace bin, then dump -f execlog" "$(awk -v a="$T_bin" -v b="$T_dump" 'BEGIN { print a + b }')" "$S_dump" 0
    row "qtrace instruction flow only (bin)" "$T_flow" "$S_flow" "$RC_flow"
    echo "('vs plain': times slower than plain QEMU; 'vs execlog': times faster than libexeclog.so)"
    echo "same line counts (execlog, qtrace text, dump of bin): $same_lines; in one shared run of $SMALL rounds:"
    echo "qtrace text == libexeclog.so text: $same_text; $DUMP_TOOL dump of bin == qtrace text: $same_dump"
    echo "targets: bin >= 100x faster than execlog, text >= 10x, flow only <= 5x plain"
} | tee "$TABLE"
rm -f "$W"/*.log "$W"/*.qtr
[ "$same_text" = yes ] && [ "$same_dump" = yes ] && [ "$same_lines" = yes ]
