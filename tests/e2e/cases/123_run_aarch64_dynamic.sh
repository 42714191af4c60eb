#!/usr/bin/env bash
# A dynamically linked aarch64 program on this x86-64 machine: its libraries come from Debian's
# cross root (QEMU's -L), found without being asked; libc is traced, and the callback qsort makes
# into the program nests inside qsort. A loader that is nowhere gives one clear error (oracle: the
# program's own count of cmp calls, the library's path on disk).
. "$(dirname "$0")/../lib.sh"
command -v aarch64-linux-gnu-gcc >/dev/null && [ -x "$CACHE/bin/qemu-aarch64" ] ||
    skip_all "no aarch64-linux-gnu-gcc or qemu-aarch64"
ROOT=/usr/aarch64-linux-gnu
[ -e "$ROOT/lib/ld-linux-aarch64.so.1" ] || skip_all "no $ROOT/lib/ld-linux-aarch64.so.1 (Debian: libc6-dev-arm64-cross)"
aarch64-linux-gnu-gcc $CF -o "$TMP/dyn" "$TOP/tests/progs/qsort_cmp.c"
"$QTRACE" run -o "$TMP/q" -P main -P cmp -P qsort -- "$TMP/dyn" >"$TMP/out" 2>"$TMP/err"
ok $? "qtrace run of a dynamic aarch64 program, no --sysroot: exits 0 ($(head -c 200 "$TMP/err"))"
check "the program ran: its output" grep -qx 'sorted 0 1 2 3 4' "$TMP/out"
check "QEMU was given the cross root (-L) and the plugin too" grep -qx "sysroot=$ROOT" "$TMP/q/qtrace.conf"
"$QTRACE" dump -f linkmap "$TMP/q/trace.qtr" | awk 'NR > 1 { print $3 }' >"$TMP/modules"
check "libc is a module, read from the cross root ($(tr '\n' ' ' <"$TMP/modules"))" grep -qx "$ROOT/lib/libc.so.6" "$TMP/modules"
n=$(sed -n 's/^cmp calls: //p' "$TMP/out")
{
    echo 'main() {'
    echo '  qsort() {'
    for _ in $(seq "$n"); do echo '    cmp();'; done
    echo '  } /* qsort: unwound */'
    echo '} /* main */'
} >"$TMP/want"
tree_of "$TMP/q/trace.txt" >"$TMP/tree"
same_text "main > qsort > the $n cmp calls the program counted (qsort tail-jumps to __qsort_r: its end is seen as unwound)" \
    "$TMP/tree" "$TMP/want"
"$QTRACE" run -o "$TMP/q2" --sysroot "$TMP/nowhere" -- "$TMP/dyn" >/dev/null 2>"$TMP/err2"; rc=$?
ok $([ $rc = 2 ] && [ "$(wc -l <"$TMP/err2")" = 1 ]; echo $?) "--sysroot that does not exist: one line, exit 2 ($(cat "$TMP/err2"))"
gcc -o "$TMP/lost" -Wl,--dynamic-linker=/nowhere/ld.so "$TOP/tests/progs/qsort_cmp.c"
"$QTRACE" run -o "$TMP/q3" -- "$TMP/lost" >/dev/null 2>"$TMP/err3"; rc=$?
ok $([ $rc = 2 ] && [ "$(wc -l <"$TMP/err3")" = 1 ] && grep -q "needs its dynamic loader /nowhere/ld.so, which is not on this machine: give the root of the guest's libraries with --sysroot DIR" "$TMP/err3"; echo $?) \
    "a loader that is nowhere: one line saying to give --sysroot, exit 2 ($(cat "$TMP/err3"))"
done_testing
