#!/usr/bin/env bash
# The binary execution log, turned to text by qtrace dump -f execlog, equals the text the plugin
# wrote directly in the same run (oracle: the direct text, itself checked against libexeclog.so).
. "$(dirname "$0")/../lib.sh"
execlog_setup
fixture execlog_bin
B=$FX
for spec in "bin_plain|" "bin_regs|reg=*,memvalues=on" "bin_filter|afilter=0x$store,afilter=0x$fault,reg=rax"; do
    name=${spec%%|*} opts=${spec#*|}
    if [ -s "$B/$name.txt" ] && cmp -s "$B/$name.txt" "$B/$name.dump"; then
        ok 0 "qtrace dump -f execlog of the binary log == direct text (${opts:-no options}; $(wc -l <"$B/$name.txt") lines, $(stat -c %s "$B/$name.qtr") bytes binary)"
    else
        ok 1 "qtrace dump -f execlog of the binary log == direct text (${opts:-no options})"
        diff "$B/$name.txt" "$B/$name.dump" 2>&1 | head -4 | diag
        head -3 "$B/dump.err" "$B/$name.stderr" 2>/dev/null | diag
    fi
done
done_testing
