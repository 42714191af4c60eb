#!/usr/bin/env bash
# build/libqtrace.so loads in qemu-x86_64 with execlog=on and writes the log it is asked for
# (oracle: QEMU runs it, the program's own output).
. "$(dirname "$0")/../lib.sh"
execlog_setup
env -i "$QEMU" -plugin "$PLUGIN,out=$W/p80.qtr,execlog=on,execlog_out=$W/p80.txt" "$P" >"$W/p80.stdout" 2>"$W/p80.stderr"
ok $? "qemu-x86_64 runs the program with build/libqtrace.so,execlog=on"
ok $([ -s "$W/p80.txt" ]; echo $?) "the execution log is written ($(wc -l <"$W/p80.txt") lines)"
done_testing
