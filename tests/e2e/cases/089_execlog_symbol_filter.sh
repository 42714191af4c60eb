#!/usr/bin/env bash
# afilter=sym:FUNC logs only that function's instructions, execlog_start=FUNC starts at its first
# one (oracle: nm -S's bounds, the full log of the same run).
. "$(dirname "$0")/../lib.sh"
execlog_setup
env -i "$QEMU" -plugin "$PLUGIN,out=$W/sym.qtr,program=$P,execlog=on,execlog_out=$W/sym.txt,afilter=sym:el_work" \
    "$P" >/dev/null 2>"$W/sym.stderr"
if python3 - "$W/sym.txt" $(nm -S "$P" | awk '$4 == "el_work" { print $1, $2 }') <<'EOF'
import sys
lo, size = int(sys.argv[2], 16), int(sys.argv[3], 16)
pcs = [int(l.split(', ')[1], 16) for l in open(sys.argv[1]) if l.count(', ') >= 2]
assert pcs and all(lo <= pc < lo + size for pc in pcs), len(pcs)
EOF
then
    ok 0 "afilter=sym:el_work: only el_work's instructions ($(wc -l <"$W/sym.txt") lines)"
else
    ok 1 "afilter=sym:el_work: only el_work's instructions"
fi
env -i "$QEMU" -plugin "$PLUGIN,out=$W/trig_sym.f.qtr,execlog=on,execlog_out=$W/trig_sym.full" \
    -plugin "$PLUGIN2,out=$W/trig_sym.qtr,program=$P,execlog=on,execlog_out=$W/trig_sym.txt,execlog_start=el_store_marker,execlog_stop=30" \
    "$P" >/dev/null 2>"$W/trig_sym.stderr"
if slice_ok "$W/trig_sym.full" "$W/trig_sym.txt" "$store" 30; then
    ok 0 "execlog_start=el_store_marker (a function name),execlog_stop=30"
else
    ok 1 "execlog_start=el_store_marker (a function name),execlog_stop=30 $(head -c 200 "$W/trig_sym.stderr")"
fi
done_testing
