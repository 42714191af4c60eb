#!/usr/bin/env bash
# A kernel module load (crc7.ko, of the same Debian package) in ktest's thread: name, base and
# size, inside finit_module (oracle: /proc/modules and /sys/module as ktest printed them).
. "$(dirname "$0")/../lib.sh"
ktest_fixture
mfd=$(said "$FX/a.console" 'ktest: module crc7 fd=\([0-9]*\) finit_module = 0')
read -r mbase msize mtext < <(sed -n 's/^ktest: module crc7 base=\(0x[0-9a-f]*\) size=\([0-9]*\) \.text=\(0x[0-9a-f]*\)$/\1 \2 \3/p' "$FX/a.console")
ok $([ -n "$mfd" ] && [ -n "$mbase" ] && [ "$mbase" = "$mtext" ] && [ "${mbase#0xffffffffc}" != "$mbase" ]; echo $?) \
    "ktest loaded crc7 (fd $mfd): /proc/modules base $mbase = its .text in /sys/module ($mtext), size $msize"
# ktest's system calls from its open of crc7.ko to the line it printed about the module, exactly:
# the module event inside finit_module, then its return 0; /proc/modules and /sys/module read
# back. Normalised: the buffers given to newfstatat and read (stack and heap addresses) read ADDR.
{
    echo "syscall openat(AT_FDCWD, \"/lib/modules/crc7.ko\", O_RDONLY|O_CLOEXEC) = $mfd"
    echo "syscall finit_module($mfd, \"\", 0) <unfinished ...>"
    echo "== module {name=\"crc7\", base=$mbase, size=$msize}"
    echo "<... syscall finit_module resumed> = 0"
    write_call "ktest: module crc7 fd=$mfd finit_module = 0"
    echo "syscall close($mfd) = 0"
    line="crc7 $msize 0 - Live $mbase"
    echo "syscall openat(AT_FDCWD, \"/proc/modules\", O_RDONLY) = 3"
    echo 'syscall newfstatat(3, "", ADDR, AT_EMPTY_PATH) = 0'
    echo "syscall read(3, \"$line\\n\", 1024) = $((${#line} + 1))"
    echo 'syscall read(3, "", 1024) = 0'
    echo 'syscall close(3) = 0'
    echo 'syscall openat(AT_FDCWD, "/sys/module/crc7/sections/.text", O_RDONLY) = 3'
    echo 'syscall newfstatat(3, "", ADDR, AT_EMPTY_PATH) = 0'
    echo "syscall read(3, ADDR, 4096) = $((${#mtext} + 1))"
    echo 'syscall close(3) = 0'
} >"$TMP/mod.want"
syscall_lines "$T" "$pid" | sed -n '/^syscall openat(AT_FDCWD, "\/lib\/modules\/crc7.ko"/,/^syscall write(1, "ktest: module crc7 base=/p' | sed '$d' |
    sed -E 's/^(syscall newfstatat\(3, "", )0x[0-9a-f]+/\1ADDR/; s/^(syscall read\(3, )0x[0-9a-f]+/\1ADDR/' >"$TMP/mod.got"
same_text "the module load in ktest's thread, exactly: finit_module($mfd, \"\", 0), the module event inside it (name, load address and size as the guest saw them), its return 0" \
    "$TMP/mod.got" "$TMP/mod.want"
check "JSON: the module load is an instant event on thread $pid" python3 - "$FX/a/trace.json" "$pid" "$mbase" <<'EOF'
import json, sys
ev = json.load(open(sys.argv[1]))['traceEvents']
m = [e for e in ev if e.get('cat') == 'process' and e['name'] == 'module' and e['tid'] == int(sys.argv[2])]
assert len(m) == 1 and m[0]['ph'] == 'i' and 'name="crc7", base=%s,' % sys.argv[3] in m[0]['args']['arg1'], m
EOF
done_testing
