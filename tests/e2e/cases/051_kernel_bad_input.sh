#!/usr/bin/env bash
# Bad kernel input refused before the guest runs: a bad System.map, a kernel without BTF (unless
# --layout), a file that is not a kernel, patterns selecting too much or nothing: status and the
# exact messages (oracle: the documented messages).
. "$(dirname "$0")/../lib.sh"
need_guest ktest
# refused NAME STATUS WANT COMMAND...: COMMAND exits with STATUS, writes no trace in its -o folder
# $TMP/out, and its standard error is exactly WANT
refused() {
    local name=$1 st=$2 want=$3 r; shift 3
    rm -rf "$TMP/out"
    "$@" -o "$TMP/out" >/dev/null 2>"$TMP/err" </dev/null
    r=$?
    { echo "status $r"; [ -e "$TMP/out/trace.qtr" ] && echo "trace written"; sed -E "$NORM" "$TMP/err"; } >"$TMP/got"
    printf 'status %s\n%s\n' "$st" "$want" >"$TMP/want"
    same_text "$name" "$TMP/got" "$TMP/want"
}
NORM=
printf 'ffffffff81000000 T _text\nffffffff81363fa0 t do_sys_openat2\nffffffff8136 do_sys_open\n' >"$TMP/bad.map"
refused "a bad --kernel-symbols file: one line naming the file and line, status 2" 2 \
    "qtrace: error: $TMP/bad.map:3: expected 'ADDRESS TYPE NAME' (System.map or /proc/kallsyms format)" \
    "$QTRACE" system --kernel "$KERNEL" --initrd "$INITRD" --kernel-symbols "$TMP/bad.map"
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
refused "a kernel without BTF: refused before QEMU starts, says to supply --layout FILE" 2 \
    "qtrace: error: $TMP/nobtf has no BTF (.BTF section) and no layout file was given: supply the structure offsets with --layout FILE (plugin option layout=FILE; see docs/kernel.md), or a kernel built with CONFIG_DEBUG_INFO_BTF=y" \
    "$QTRACE" system --kernel "$TMP/nobtf" --initrd "$INITRD"
# ... accepted with a layout file (then QEMU, here /bin/true, is started: it writes no trace)
"$QTRACE" kernel-info --kernel "$KERNEL" --json | python3 -c '
import json, sys
L = json.load(sys.stdin)["layout"]
for k in ("task_struct.pid", "task_struct.tgid", "task_struct.comm"):
    print("%s = %d %d" % (k, L[k]["offset"], L[k]["size"]))' >"$TMP/task.layout"
refused "the same kernel with --layout FILE passes the checks (QEMU, /bin/true, is started)" 2 \
    "qtrace: error: QEMU exited (status 0) without writing $TMP/out/trace.qtr: the plugin did not start (see QEMU's messages above)" \
    "$QTRACE" system --kernel "$TMP/nobtf" --layout "$TMP/task.layout" --qemu /bin/true
# the plugin itself, without the CLI: refuses at install, before the guest runs a thing
timeout 60 qemu-system-x86_64 -accel tcg -nographic -no-reboot -m 256 -kernel "$KERNEL" -initrd "$INITRD" \
    -append "console=ttyS0 quiet panic=-1" -plugin "$BUILD/libqtrace.so,kernel=$TMP/nobtf,out=$TMP/p.qtr" \
    >"$TMP/p.out" 2>&1 </dev/null
echo "status $?" >>"$TMP/p.out"
cat >"$TMP/p.want" <<W
qtrace: error: $TMP/nobtf has no BTF (.BTF section) and no layout file was given: supply the structure offsets with --layout FILE (plugin option layout=FILE; see docs/kernel.md), or a kernel built with CONFIG_DEBUG_INFO_BTF=y
qemu-system-x86_64: Could not load plugin $BUILD/libqtrace.so: qemu_plugin_install returned error code -1
status 1
W
same_text "the plugin given a kernel without BTF: QEMU exits 1 before the guest starts (its whole output)" "$TMP/p.out" "$TMP/p.want"
echo 'Linux version 6.1 (not really a kernel)' >"$TMP/notes.txt"
refused "a file that is not a kernel: a clear error" 2 \
    "qtrace: error: $TMP/notes.txt is not a Linux kernel image (no bzImage header and not an ELF)" \
    "$QTRACE" system --kernel "$TMP/notes.txt"
# the number of functions '*' selects depends on the kernel build: normalised to N
NORM='s/selects [0-9]+ kernel functions/selects N kernel functions/'
refused "-P '*' over the whole kernel needs --kernel-all" 2 \
    "qtrace: error: '*' selects N kernel functions: tracing that many slows the guest down a lot; narrow the pattern, or give --kernel-all (plugin option kernel_all=on) to trace them anyway" \
    "$QTRACE" system --kernel "$KERNEL" --initrd "$INITRD" -P '*'
NORM=
refused "a kernel pattern that matches nothing: a clear error" 2 \
    "qtrace: error: kernel:no_such_function_x: no kernel function matches (their names are those of the kernel's symbols: see qtrace kernel-info)" \
    "$QTRACE" system --kernel "$KERNEL" --initrd "$INITRD" -P 'kernel:no_such_function_x'
refused "--follow alone: says what it needs" 2 \
    "qtrace: error: --follow needs --comm NAME or --pid N: the processes whose children to follow" \
    "$QTRACE" system --kernel "$KERNEL" --follow
refused "--comm longer than a comm: refused" 2 \
    "qtrace: error: --comm 'a_name_much_too_long': the kernel keeps only the first 15 characters of a process name (--comm 'a_name_much_too' or a glob matches it)" \
    "$QTRACE" system --kernel "$KERNEL" --comm a_name_much_too_long
done_testing
