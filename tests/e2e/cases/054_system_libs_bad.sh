#!/usr/bin/env bash
# Never silent, never wrong addresses: a --sysroot that is not a directory stops before QEMU; a
# library the guest maps that ROOT lacks, a library in ROOT that is another build than the
# guest's (build-id), and patterns that match nothing anywhere are each said (oracle: the files
# put in ROOT, readelf's build-id, the program's own output).
. "$(dirname "$0")/../lib.sh"
need_guest libs_dyn
SR=$GUEST/sysroot
DP=$SR/progs/libs_dyn
fails_with "--sysroot that does not exist" "--sysroot $TMP/none: No such file or directory" \
    system --kernel "$KERNEL" --initrd "$INITRD" --sysroot "$TMP/none" -o "$TMP/o1"
check "nothing written for it" test ! -e "$TMP/o1/trace.qtr"
fails_with "--sysroot that is a file" "--sysroot $DP: not a directory" \
    system --kernel "$KERNEL" --initrd "$INITRD" --sysroot "$DP" -o "$TMP/o2"

fails_with "'lib:' without --sysroot" "'lib:libc.so.6' names the guest's shared libraries: they are read from the guest's file system on this machine, give it with --sysroot DIR" \
    system --kernel "$KERNEL" --initrd "$INITRD" -P 'lib:libc.so.6' -o "$TMP/o3"

# ROOT: the program, another library (libm) in libc.so.6's place, no dynamic loader
R=$TMP/root
mkdir -p "$R/progs" "$R/lib/x86_64-linux-gnu"
cp "$DP" "$R/progs/"
cp "$(readlink -f /lib/x86_64-linux-gnu/libm.so.6)" "$R/lib/x86_64-linux-gnu/libc.so.6"
bid=$(readelf -n "$R/lib/x86_64-linux-gnu/libc.so.6" | awk '/Build ID:/ { print $3 }')
trace_boot "$TMP" bad --append qtrace.run=libs_dyn --timeout 180 --sysroot "$R" -p "$R/progs/libs_dyn" \
    --comm libs_dyn -P main -A scale -P 'lib:libc.so.6' -P no_such_fn -P 'lib:libnothere*'
E=$TMP/bad.err
ok "$(rc_of "$TMP/bad.rc")" "qtrace system exits 0"
check "the program ran to the end" grep -qx 'scale(7,6)=42' "$TMP/bad.console"
check "no_such_fn: said when QEMU starts" grep -qxF "qtrace: warning: no function of the kernel, $R/progs/libs_dyn or the libraries under $R matches 'no_such_fn': nothing will be traced for it" "$E"
check "lib:libnothere*: said when QEMU starts" grep -qxF "qtrace: warning: no library under $R is named 'libnothere*': nothing will be traced for it" "$E"
check "no_such_fn: said again at the end" grep -qE "^qtrace: warning: no function of the kernel, $R/progs/libs_dyn or its libraries \(.*\) matches 'no_such_fn': nothing was traced for it$" "$E"
check "the loader ROOT lacks: said once" test "$(grep -cxF "qtrace: warning: the guest maps /lib64/ld-linux-x86-64.so.2, which is not under $R: its functions are not traced" "$E")" = 1
check "libc.so.6 of another build ($bid): said once" test "$(grep -cF "is not $R/lib/x86_64-linux-gnu/libc.so.6 (its build-id $bid is not in the guest's copy): another build, its functions are not traced" "$E")" = 1
pid=$(said "$TMP/bad.console" 'libs_dyn: pid=\([0-9]*\) .*')
call_tree "$TMP/bad/trace.txt" "$pid" >"$TMP/tree"
check "the program's own functions are traced" grep -qxF "  scale(x=7, k=6) = 42;" "$TMP/tree"
check "nothing of the other build is: main calls only scale" test "$(grep -c '^  [a-z_]' "$TMP/tree")" = 1
done_testing
