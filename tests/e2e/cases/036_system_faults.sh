#!/usr/bin/env bash
# One-block functions the guest kernel interrupts: faults.c's touch() takes a page fault halfway
# through (a fresh bss page); every call must still be there (oracle: faults.c's source and its sum).
. "$(dirname "$0")/../lib.sh"
need_guest faults
trace_boot "$TMP" faults --append qtrace.run=faults --timeout 180 -p "$GUEST/progs/faults" --format text
ok "$(rc_of "$TMP/faults.rc")" "qtrace system, every function of faults: exits 0"
pid4=$(said "$TMP/faults.console" 'faults: pid=\([0-9]*\) s=2500876')
ok $([ -n "$pid4" ]; echo $?) "faults ran to the end with the right sum (pid $pid4)"
program_tree "$TMP/faults/trace.txt" "$pid4" 'main|touch|mix' >"$TMP/faults.tree"
{
    echo 'main() {'
    for i in $(seq 16); do echo '  touch();'; done
    for i in $(seq 1000); do echo '  mix();'; done
    echo '} /* main */'
} >"$TMP/faults.want"
same_text "faults: 16 touch() calls, each interrupted by a page fault, and 1000 mix() calls" "$TMP/faults.tree" "$TMP/faults.want"
done_testing
