#!/usr/bin/env bash
# A kernel module load (crc7.ko, of the same Debian package) in ktest's thread: name, base and
# size, inside finit_module (oracle: /proc/modules and /sys/module as ktest printed them).
. "$(dirname "$0")/../lib.sh"
need_guest ktest
fixture ktest
T=$FX/a/trace.txt
U=$FX/b/trace.txt
pid=$(said "$FX/a.console" 'ktest: pid=\([0-9]*\) comm=ktest uid=0')
mfd=$(said "$FX/a.console" 'ktest: module crc7 fd=\([0-9]*\) finit_module = 0')
read -r mbase msize mtext < <(sed -n 's/^ktest: module crc7 base=\(0x[0-9a-f]*\) size=\([0-9]*\) \.text=\(0x[0-9a-f]*\)$/\1 \2 \3/p' "$FX/a.console")
ok $([ -n "$mfd" ] && [ -n "$mbase" ] && [ "$mbase" = "$mtext" ] && [ "${mbase#0xffffffffc}" != "$mbase" ]; echo $?) \
    "ktest loaded crc7 (fd $mfd): /proc/modules base $mbase = its .text in /sys/module ($mtext), size $msize"
check "the module load in ktest's thread: name, load address and size as the guest saw them" \
    grep -qxF "== module {name=\"crc7\", base=$mbase, size=$msize}" <(thread_tree "$T" "$pid")
thread_tree "$T" "$pid" | awk -v fd="$mfd" '
    $0 == "syscall finit_module(" fd ", \"\", 0) <unfinished ...>" { s = 1; next }
    s == 1 && /^== module \{name="crc7", / { s = 2; next }
    s == 2 && $0 == "<... syscall finit_module resumed> = 0" { s = 3; exit }
    END { exit s != 3 }'
ok $? "finit_module($mfd, \"\", 0), the module event inside it, then its return 0"
check "JSON: the module load is an instant event on thread $pid" python3 - "$FX/a/trace.json" "$pid" "$mbase" <<'EOF'
import json, sys
ev = json.load(open(sys.argv[1]))['traceEvents']
m = [e for e in ev if e.get('cat') == 'process' and e['name'] == 'module' and e['tid'] == int(sys.argv[2])]
assert len(m) == 1 and m[0]['ph'] == 'i' and 'name="crc7", base=%s,' % sys.argv[3] in m[0]['args']['arg1'], m
EOF
done_testing
