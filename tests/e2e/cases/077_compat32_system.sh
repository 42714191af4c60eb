#!/usr/bin/env bash
# qtrace system on the 32-bit guest: --program-as records one address space, --comm is refused
# (oracle: calls.c's function names, the number of address spaces, the message).
. "$(dirname "$0")/../lib.sh"
need_guest32
compat32_syms
fake_qemu
# ---- the same through qtrace system: --program-as; qemu-system-i386 chosen from the image ----
D=$TMP/system32
mkdir -p "$D"
(cd "$D" && "$QTRACE" system --kernel "$G32/vmlinuz" --initrd "$G32/initrd.gz" --append qtrace.run=calls -p "$P32" \
    --program-as -P add -P 'kernel:ksys_write' --timeout 240 -o out >console 2>stderr)
ok $? "32-bit qtrace system --program-as: exits 0 (no --qemu: the i386 image picks qemu-system-i386)"
check "32-bit qtrace system: an i386 trace" grep -q '(i386 system mode;' "$D/out/trace.txt"
check "32-bit qtrace system: add(), and calls' ksys_write() by name" \
    bash -c "grep -qE '\] add\(\);' '$D/out/trace.txt' && grep -qE '\] ksys_write\(\);' '$D/out/trace.txt'"
n_as=$(n_address_spaces "$D/out/trace.qtr")
check "32-bit qtrace system --program-as: one address space (got $n_as)" test "$n_as" = 1
(cd "$D" && "$QTRACE" system --kernel "$G32/vmlinuz" --initrd "$G32/initrd.gz" -p "$P32" --comm calls --qemu "$FAKE" \
    -o out2 >stdout2 2>stderr2)
ok $([ $? = 2 ] && grep -q "error: --comm needs the kernel's task structures, which qtrace reads in x86-64 kernels only: .*/vmlinuz is an i386 kernel; --program-as (with --program) records the program's address spaces instead" "$D/stderr2" && [ ! -e "$TMP/qemu-started" ]; echo $?) \
    "32-bit qtrace system --comm: refused before QEMU starts, naming --program-as"

done_testing
