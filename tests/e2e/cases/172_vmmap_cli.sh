#!/usr/bin/env bash
# --vmmap's bad input, each one line and exit status 2 before QEMU starts; --maps-at's; every
# writer converts a trace with maps and pages (text and JSON show them, the others skip them).
. "$(dirname "$0")/../lib.sh"
fails_with "run --vmmap" "--vmmap is for system mode" run --vmmap -- "$GUEST/progs/calls"
fails_with "system --vmmap=frames" "--vmmap: expected no value or =pages, got 'frames'" system --kernel "$KERNEL" --vmmap=frames
if [ -f "$CACHE/guest32/vmlinuz" ]; then
    fails_with "system --vmmap on an i386 kernel" "--vmmap needs the kernel's task and memory structures" \
        system --kernel "$CACHE/guest32/vmlinuz" --vmmap
else
    skip "system --vmmap on an i386 kernel" "no i386 guest kernel (scripts/build-guest.sh)"
fi
fails_with "system --vmmap --no-kernel-introspection" "--vmmap needs the kernel introspection that --no-kernel-introspection turns off" \
    system --kernel "$KERNEL" --vmmap --no-kernel-introspection
check "qtrace help system documents --vmmap[=pages]" bash -c "'$QTRACE' help system | grep -q -- '--vmmap\[=pages\]'"

need_vmmap
fails_with "dump --maps-at soon" "--maps-at: expected 'end' or a time since the trace began" dump --maps-at soon "$VM/trace.qtr"
fails_with "dump --pid without --maps-at" "--pid chooses the process whose map --maps-at prints" dump --pid 1 "$VM/trace.qtr"
fails_with "dump --maps-at end --pid of no process" "no memory map of process 999999 at end" dump --maps-at end --pid 999999 "$VM/trace.qtr"
fails_with "dump --maps-at 0 (before any map)" "no memory map of any process at 0" dump --maps-at 0 "$VM/trace.qtr"
# a trace recorded without --vmmap (user mode)
if [ -x "$CACHE/bin/qemu-x86_64" ]; then
    "$QTRACE" run -q --qemu "$CACHE/bin/qemu-x86_64" -P main -o "$TMP/u" -- "$GUEST/progs/calls" </dev/null >/dev/null 2>&1
    ok $? "qtrace run of calls, without --vmmap, exits 0"
    fails_with "dump --maps-at of a trace without maps" "has no memory maps: record them with --vmmap" dump --maps-at end "$TMP/u/trace.qtr"
else
    skip "dump --maps-at of a trace without maps" "no plugin-enabled qemu-x86_64"
fi

# every writer reads the trace with maps and pages
for f in text json folded linkmap execlog execlog-json compat-log compat-stack; do
    "$QTRACE" dump -f "$f" -o "$TMP/out.$f" "$VM/trace.qtr" 2>"$TMP/err.$f"
    ok $? "dump -f $f of a trace with maps and pages exits 0"
done
"$QTRACE" dump -f uftrace -o "$TMP/uftrace.data" "$VM/trace.qtr" 2>"$TMP/err.uftrace"
ok $? "dump -f uftrace of a trace with maps and pages exits 0"
check "folded and compat-log skip them" bash -c "! grep -qE 'vmmap (after|at)|page 0x|frame 0x' '$TMP/out.folded' '$TMP/out.compat-log'"
check "text and JSON show them" bash -c "grep -q '== vmmap after' '$TMP/out.text' && grep -q '\"name\":\"page\"' '$TMP/out.json'"
"$QTRACE" dump --maps-at end -o "$TMP/maps.txt" "$VM/trace.qtr" 2>"$TMP/err.maps"
ok $? "dump --maps-at end -o FILE exits 0"
same_text "--maps-at -o FILE writes what standard output gets" "$TMP/maps.txt" <("$QTRACE" dump --maps-at end "$VM/trace.qtr")
done_testing
