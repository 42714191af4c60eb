#!/usr/bin/env bash
# Seed corpora for make fuzz, made from the tests' own inputs into OUT/NAME/ (default
# build/fuzz/seeds): configs.txt files of the compat end-to-end cases (their addresses made
# concrete), the -A/-R/-F/-N/-P/-D values the end-to-end cases pass (as specs, conf files
# and filter scripts), the unit tests' symtab fixtures compiled as the unit tests compile them,
# and, from fuzz/mkseeds (tests/unit/tracebuild.h, libbpf, the bundled guest's kernel): traces,
# execution logs, BTF, small kernel images, System.map and layout files.
# Hand-written seeds are in fuzz/seeds/NAME/ (run.sh adds them). Idempotent.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$TOP/build/fuzz/seeds}
BUILD=${QTRACE_BUILD:-$TOP/build}
CASES=$TOP/tests/e2e/cases
mkdir -p "$OUT"/{compat,argspec,options,filters,symtab}

# configs.txt: the heredocs of new_config, shell variables replaced by kernel/user addresses
i=0
for f in "$CASES"/*.sh; do
    awk '/new_config [a-z0-9_]+ <<EOF/{on=1; next} on && /^EOF$/{on=0; print "\x1e"; next} on{print}' "$f" |
        sed -E 's/\$\{?[A-Z][A-Z0-9_]*\}?/ffffffff81234560/g' |
        awk -v dir="$OUT/compat" -v base="$(basename "$f" .sh)" 'BEGIN{RS="\x1e\n"} NF{printf "%s", $0 > (dir "/" base "_" NR ".txt")}'
done

# -A/-R specs, and conf files / filter scripts made of the options the cases pass
specs=$(grep -rhoE "(-A|-R) '[^']*'" "$CASES" | sed -E "s/^-(A|R) '(.*)'$/\1 \2/" | sort -u)
printf '%s\n' "$specs" | while read -r kind spec; do
    i=$((i + 1))
    printf '%s' "$spec" >"$OUT/argspec/e2e_$i"
    key=arg; [ "$kind" = R ] && key=ret
    printf 'program=/bin/calls\n%s=%s\n' "$key" "$spec" >"$OUT/options/e2e_$i"
done
pats=$(grep -rhoE -- "(-F|-N|-P) '?[a-z_][a-z0-9_:.*?]*'?" "$CASES" | tr -d "'" | sort -u)
j=0
printf '%s\n' "$pats" | while read -r flag pat; do
    j=$((j + 1))
    key=func; [ "$flag" = -F ] && key=filter; [ "$flag" = -N ] && key=notrace
    printf '%s=%s\n' "$key" "$pat" >>"$OUT/options/e2e_patterns"
    printf '%s=%s\ndepth=3\n--\nmain\n%s\nadd\n<\n%s\n<\n<\n' "$key" "$pat" "$pat" "$pat" >"$OUT/filters/e2e_$j"
done

# symtab: the unit tests' fixture programs, small
FIX=$TOP/tests/unit/fixtures
if [ ! -s "$OUT/symtab/nolibc_dwarf" ]; then
    gcc -O0 -g -nostdlib -static -fno-pie -no-pie -Wl,--unresolved-symbols=ignore-all -o "$OUT/symtab/nolibc_dwarf" "$FIX/symtab_nolibc.c" 2>/dev/null || true
    gcc -O1 -nostdlib -static -fno-pie -no-pie -s -Wl,--unresolved-symbols=ignore-all -o "$OUT/symtab/nolibc_stripped" "$FIX/symtab_nolibc.c" 2>/dev/null || true
    gcc -m32 -O0 -g -nostdlib -fno-pie -no-pie -Wl,--unresolved-symbols=ignore-all -o "$OUT/symtab/nolibc32" "$FIX/symtab_nolibc.c" 2>/dev/null || true
    gcc -O0 -g -fPIE -pie -o "$OUT/symtab/prog_pie" "$FIX/symtab_prog.c" 2>/dev/null && strip --strip-debug -o "$OUT/symtab/prog_pie_nodebug" "$OUT/symtab/prog_pie" || true
    aarch64-linux-gnu-gcc -O0 -g -nostdlib -static -Wl,--unresolved-symbols=ignore-all -o "$OUT/symtab/nolibc_a64" "$FIX/symtab_nolibc.c" 2>/dev/null || true
fi

# the binary seeds: mkseeds (built from fuzz/mkseeds.c with the unit tests' helpers)
MK=$BUILD/fuzz/mkseeds
if [ -x "$MK" ]; then
    cache=${QTRACE_CACHE:-$TOP/.cache}
    k64=$cache/guest/vmlinuz k32=$cache/guest32/vmlinuz
    "$MK" "$OUT" "$([ -r "$k64" ] && echo "$k64")" "$([ -r "$k32" ] && echo "$k32")"
fi
