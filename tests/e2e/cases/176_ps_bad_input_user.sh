#!/usr/bin/env bash
# qtrace ps and --processes: bad input is one line and status 2 before QEMU starts; a user-mode
# trace with --syscalls gives the fork tree and exit codes (oracle: what forker printed).
. "$(dirname "$0")/../lib.sh"
need_guest procs
fake_qemu
fails_with "--processes without the kernel read" "--processes needs the kernel introspection that --no-kernel-introspection turns off" \
    system --qemu "$FAKE" --kernel "$KERNEL" --initrd "$INITRD" --processes --no-kernel-introspection -o "$TMP/x"
mkdir -p "$TMP/rec" "$TMP/empty"
echo "format=1" >"$TMP/rec/manifest"
fails_with "qtrace ps of a recording" "is a recording, not a trace: replay it with --processes first" ps "$TMP/rec"
fails_with "qtrace ps of a directory without a trace" "is a directory without trace.qtr" ps "$TMP/empty"
fails_with "qtrace ps of a file that is not a trace" "$KERNEL" ps "$KERNEL"
fails_with "qtrace ps of two traces" "one trace at a time" ps "$TMP/a.qtr" "$TMP/b.qtr"
# user mode: forker forks a child that exits 15
need_qemu_user
gcc $CF -static -o "$TMP/forker" "$TOP/tests/progs/forker.c"
fails_with "--processes in user mode" "--processes is for system mode" run --qemu "$FAKE" --processes -- "$TMP/forker"
"$QTRACE" run -q --syscalls -P add -o "$TMP/u" -- "$TMP/forker" >"$TMP/u.out" 2>&1
ok $? "qtrace run --syscalls of forker exits 0"
parent=$(said "$TMP/u.out" 'forker: parent pid=\([0-9]*\)')
child=$(said "$TMP/u.out" 'forker: child pid=\([0-9]*\) status=15')
"$QTRACE" ps --json "$TMP/u" >"$TMP/u.json" 2>"$TMP/u.err"
ok $? "qtrace ps --json of the user-mode trace exits 0"
python3 - "$TMP/u.json" "$parent" "$child" >"$TMP/u.check" 2>&1 <<'PY'
import json, sys
ps = json.load(open(sys.argv[1]))
parent, child = int(sys.argv[2]), int(sys.argv[3])
got = [(p['pid'], p['ppid'], p['shell_status'], p['comm']) for p in ps['processes']]
want = [(parent, None, 0, 'forker'), (child, parent, 15, 'forker')]
assert got == want, '%s != %s' % (got, want)
assert ps['instructions'] is None and any('--syscalls' in n for n in ps['notes']), ps['notes']
PY
ok $? "user mode: forker ($parent, exit 0) and its child ($child, ppid $parent, exit 15), as forker printed"
diag <"$TMP/u.check"
fails_with "qtrace ps -o into a missing directory" "$TMP/nowhere/ps.txt" ps -o "$TMP/nowhere/ps.txt" "$TMP/u"
check "QEMU was never started" test ! -e "$TMP/qemu-started"
"$QTRACE" ps "$TMP/u" >"$TMP/u.txt" 2>&1
check "user mode, text: says where its facts come from and that it has no instruction counts" \
    grep -qx '# user mode: parents, exec and exit codes come from system calls (--syscalls); no uid and no instruction counts (--processes is for system mode)' "$TMP/u.txt"
"$QTRACE" run -q -P add -o "$TMP/n" -- "$TMP/forker" >/dev/null 2>&1
"$QTRACE" ps "$TMP/n" >"$TMP/n.txt" 2>&1
check "user mode without --syscalls: says that each thread is shown as a process" \
    grep -qx '# no system calls in the trace (recorded without --syscalls): each thread is shown as a process' "$TMP/n.txt"
done_testing
