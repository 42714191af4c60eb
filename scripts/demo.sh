#!/usr/bin/env bash
# What `make demo` runs after the build: boots the bundled guest under the qtrace CLI, traces
# the demo program (guest/progs/demo.c: a tiny calculator, a word counter, fib) with its
# arguments and return values, and shows the start of the text trace.
#
# Usage: scripts/demo.sh [more qtrace options, e.g. --format text,json,folded or -D 3]
# Env: QTRACE_CACHE (guest, default .cache), QTRACE_BUILD (qtrace binary, default build),
#      QTRACE_DEMO_OUT (output folder, default out/demo)
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${QTRACE_CACHE:-$TOP/.cache}
G=$CACHE/guest
QTRACE=${QTRACE_BUILD:-$TOP/build}/qtrace
OUT=${QTRACE_DEMO_OUT:-$TOP/out/demo}

die() { printf 'demo: error: %s\n' "$*" >&2; exit 1; }

[ -x "$QTRACE" ] || die "$QTRACE is not built (run: make)"
for f in vmlinuz initrd.gz progs/demo; do
    [ -s "$G/$f" ] || die "$G/$f is missing (run: scripts/build-guest.sh)"
done

# demo's functions (see guest/README.md), with their arguments and return values
funcs=(main calc 'parse_*' apply count_words fib)
specs=(
    -A 'calc@arg1/s'                  -R 'calc@retval/i'
    -R 'parse_*@retval/i'
    -A 'apply@arg1/c,arg2/i,arg3/i'   -R 'apply@retval/i'
    -A 'count_words@arg1/s'           -R 'count_words@retval/i'
    -A 'fib@arg1/i'                   -R 'fib@retval/i'
)
fargs=()
for f in "${funcs[@]}"; do fargs+=(-P "$f"); done

cmd=("$QTRACE" system --kernel "$G/vmlinuz" --initrd "$G/initrd.gz" --append qtrace.run=demo
     --program "$G/progs/demo" --comm demo --timeout 120 "${fargs[@]}" "${specs[@]}" -o "$OUT" "$@")
show() { # the command as one could paste it
    local a line=demo:
    for a in "$@"; do
        a=${a#"$TOP/"}
        [[ $a =~ ^[A-Za-z0-9_./=:@,+-]+$ ]] || a="'$a'"
        line+=" $a"
    done
    printf '%s\n' "$line"
}
show "${cmd[@]}"
t0=$(date +%s.%N)
"${cmd[@]}" || die "qtrace system failed (status $?)"
t1=$(date +%s.%N)

[ -s "$OUT/trace.txt" ] || die "qtrace wrote no $OUT/trace.txt"
echo
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "demo: traced in %.1f s\n", b - a }'
for f in trace.txt trace.json trace.folded; do
    [ -e "$OUT/$f" ] && printf 'demo: %s\n' "${OUT#"$TOP/"}/$f"
done
echo
echo "---- first 40 lines of ${OUT#"$TOP/"}/trace.txt ----"
head -n 40 "$OUT/trace.txt"
n=$(wc -l <"$OUT/trace.txt")
[ "$n" -gt 40 ] && echo "---- ($n lines in all) ----"
exit 0
