#!/usr/bin/env bash
# A dynamically linked PIE in the whole guest, its libc read under --sysroot: the program and libc
# are traced where the kernel and the dynamic loader put them (oracle: the bases the program read
# from its own /proc/self/maps), its functions show the values it printed with their DWARF names,
# and libc's qsort calling the program's comparator back nests the calls inside qsort (oracle:
# the number of comparisons the program counted).
. "$(dirname "$0")/../lib.sh"
libs_fixture
A=$FX/a
ok "$(rc_of "$A.rc")" "qtrace system exits 0"
check "the program ran to the end" grep -qx 'QTRACE-GUEST: exit libs_dyn status 0' "$A.console"
check "nothing said: every pattern matched, every library found" bash -c "! grep -q warning '$A.err'"
read -r pid bias libc < <(sed -n 's/^libs_dyn: pid=\([0-9]*\) bias=\(0x[0-9a-f]*\) libc=\(0x[0-9a-f]*\)$/\1 \2 \3/p' "$A.console")
[ -n "${pid:-}" ] || bail "the program printed its pid and bases"
"$QTRACE" dump -f linkmap "$A/trace.qtr" >"$TMP/lm"
base_of() { awk -v p="$1" '$3 == p { print $1 }' "$TMP/lm"; }
check "module record of the program at the bias it printed ($bias)" \
    test "$(base_of "$DP")" = "$(printf '0x%016x' "$bias")"
check "module record of libc.so.6 at the base it printed ($libc)" \
    test "$(base_of "$SR/lib/x86_64-linux-gnu/libc.so.6")" = "$(printf '0x%016x' "$libc")"
call_tree "$A/trace.txt" "$pid" >"$TMP/tree"
check "scale with its DWARF names and the value printed: scale(x=7, k=6) = 42" \
    grep -qxF "  scale(x=7, k=6) = 42;" "$TMP/tree"
check "the program printed scale(7,6)=42" grep -qx 'scale(7,6)=42' "$A.console"
ncmp=$(said "$A.console" 'sorted 0 1 2 3 4, cmp calls: \([0-9]*\)')
# qsort's frame: from "qsort() {" to its closing line (qsort tail-calls qsort_r: it ends unwound)
awk '/^  qsort\(\) \{$/ { on = 1; next } on && /^  \} \/\* qsort[ :]/ { on = 0 } on' "$TMP/tree" >"$TMP/inside"
check "qsort called cmp back $ncmp times, each nested inside qsort" \
    test "$(grep -cxF '    cmp();' "$TMP/inside")" = "$ncmp" -a "$(grep -c 'cmp()' "$TMP/tree")" = "$ncmp"
check "main encloses everything" test "$(head -1 "$TMP/tree")" = "main() {"
done_testing
