#!/usr/bin/env bash
# Bad kernel input refused before the guest runs: a bad System.map, a kernel without BTF (unless
# --layout), a file that is not a kernel, patterns selecting too much or nothing (oracle: the messages).
. "$(dirname "$0")/../lib.sh"
need_guest ktest
printf 'ffffffff81000000 T _text\nffffffff81363fa0 t do_sys_openat2\nffffffff8136 do_sys_open\n' >"$TMP/bad.map"
"$QTRACE" system --kernel "$KERNEL" --initrd "$INITRD" --kernel-symbols "$TMP/bad.map" -o "$TMP/bad0" >/dev/null 2>"$TMP/bad0.err"
r=$?
ok $([ $r = 2 ] && [ "$(wc -l <"$TMP/bad0.err")" = 1 ] && grep -qF "qtrace: error: $TMP/bad.map:3: expected 'ADDRESS TYPE NAME'" "$TMP/bad0.err" \
     && ! test -e "$TMP/bad0/trace.qtr"; echo $?) "a bad --kernel-symbols file: one line naming the file and line, status 2 ($r)"
sed 's/^/#   /' "$TMP/bad0.err" | head -2
# a kernel without BTF: the image's vmlinux with .BTF removed
python3 - "$KERNEL" "$TMP/vmlinux" <<'PY'
import lzma, struct, sys
b = open(sys.argv[1], 'rb').read()
setup = b[0x1f1] or 4
off, length = struct.unpack_from('<II', b, 0x248)
start = (setup + 1) * 512 + off
elf = lzma.LZMADecompressor(lzma.FORMAT_XZ).decompress(b[start:start + length])
shoff, = struct.unpack_from('<Q', elf, 0x28)
shentsize, shnum = struct.unpack_from('<HH', elf, 0x3a)
open(sys.argv[2], 'wb').write(elf[:shoff + shentsize * shnum])
PY
objcopy --remove-section=.BTF "$TMP/vmlinux" "$TMP/nobtf" && rm -f "$TMP/vmlinux"
"$QTRACE" system --kernel "$TMP/nobtf" --initrd "$INITRD" -o "$TMP/bad1" >/dev/null 2>"$TMP/bad1.err"
r=$?
ok $([ $r = 2 ] && grep -q "nobtf has no BTF (.BTF section) and no layout file was given: supply the structure offsets with --layout FILE" "$TMP/bad1.err" && ! test -e "$TMP/bad1/trace.qtr"; echo $?) \
    "a kernel without BTF: refused before QEMU starts, says to supply --layout FILE"
sed 's/^/#   /' "$TMP/bad1.err" | head -2
# ... accepted with a layout file (then QEMU, here /bin/true, is started)
"$QTRACE" kernel-info --kernel "$KERNEL" --json | python3 -c '
import json, sys
L = json.load(sys.stdin)["layout"]
for k in ("task_struct.pid", "task_struct.tgid", "task_struct.comm"):
    print("%s = %d %d" % (k, L[k]["offset"], L[k]["size"]))' >"$TMP/task.layout"
"$QTRACE" system --kernel "$TMP/nobtf" --layout "$TMP/task.layout" --qemu /bin/true -o "$TMP/bad2" >/dev/null 2>"$TMP/bad2.err"
ok $(! grep -q "BTF" "$TMP/bad2.err" && grep -q "QEMU exited" "$TMP/bad2.err"; echo $?) \
    "the same kernel with --layout FILE passes the checks"
# the plugin itself, without the CLI: refuses at install, before the guest runs a thing
timeout 60 qemu-system-x86_64 -accel tcg -nographic -no-reboot -m 256 -kernel "$KERNEL" -initrd "$INITRD" \
    -append "console=ttyS0 quiet panic=-1" -plugin "$BUILD/libqtrace.so,kernel=$TMP/nobtf,out=$TMP/p.qtr" \
    >"$TMP/p.out" 2>&1 </dev/null
r=$?
ok $([ $r != 0 ] && [ $r != 124 ] && grep -q "qtrace: error: .*nobtf has no BTF" "$TMP/p.out" && ! grep -q QTRACE-GUEST "$TMP/p.out"; echo $?) \
    "the plugin given a kernel without BTF exits non-zero before the guest starts (status $r)"
echo 'Linux version 6.1 (not really a kernel)' >"$TMP/notes.txt"
"$QTRACE" system --kernel "$TMP/notes.txt" -o "$TMP/bad3" >/dev/null 2>"$TMP/bad3.err"
r=$?
ok $([ $r = 2 ] && grep -q "notes.txt is not a Linux kernel image" "$TMP/bad3.err"; echo $?) "a file that is not a kernel: a clear error"
sed 's/^/#   /' "$TMP/bad3.err" | head -1
"$QTRACE" system --kernel "$KERNEL" --initrd "$INITRD" -P '*' -o "$TMP/bad4" >/dev/null 2>"$TMP/bad4.err"
r=$?
ok $([ $r = 2 ] && grep -q "'\*' selects [0-9]* kernel functions.*--kernel-all" "$TMP/bad4.err"; echo $?) \
    "-P '*' over the whole kernel needs --kernel-all"
"$QTRACE" system --kernel "$KERNEL" --initrd "$INITRD" -P 'kernel:no_such_function_x' -o "$TMP/bad5" >/dev/null 2>"$TMP/bad5.err"
r=$?
ok $([ $r = 2 ] && grep -q "kernel:no_such_function_x: no kernel function matches" "$TMP/bad5.err"; echo $?) \
    "a kernel pattern that matches nothing: a clear error"
"$QTRACE" system --kernel "$KERNEL" --follow -o "$TMP/bad6" >/dev/null 2>"$TMP/bad6.err"
ok $(grep -q -- "--follow needs --comm NAME or --pid N" "$TMP/bad6.err"; echo $?) "--follow alone: says what it needs"
"$QTRACE" system --kernel "$KERNEL" --comm a_name_much_too_long -o "$TMP/bad7" >/dev/null 2>"$TMP/bad7.err"
ok $(grep -q "the kernel keeps only the first 15 characters" "$TMP/bad7.err"; echo $?) "--comm longer than a comm: refused"
done_testing
