#!/usr/bin/env bash
# uftrace's report, graph, dump --chrome, info and tui read qtrace's uftrace.data without error
# and see the calls (oracle: uftrace).
. "$(dirname "$0")/../lib.sh"
need_uftrace
fixture uftrace
A=$FX/a/uftrace.data
uftrace report -d "$A" >"$TMP/report" 2>"$TMP/report.err"
ok $([ $? = 0 ] && [ ! -s "$TMP/report.err" ]; echo $?) "uftrace report runs without error"
check "report counts 7 calls of fact" grep -qE '^ .* 7  fact$' "$TMP/report"
uftrace graph -d "$A" >"$TMP/graph" 2>"$TMP/graph.err"
ok $([ $? = 0 ] && [ ! -s "$TMP/graph.err" ]; echo $?) "uftrace graph runs without error"
check "graph: main calls work (1)" grep -qE '\(1\) work$' "$TMP/graph"
uftrace dump --chrome -d "$A" >"$TMP/chrome.json" 2>"$TMP/chrome.err"
ok $([ $? = 0 ] && [ ! -s "$TMP/chrome.err" ]; echo $?) "uftrace dump --chrome runs without error"
if command -v python3 >/dev/null 2>&1; then
    check "its JSON parses, with B and E events of fact" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
ev = [e for e in d["traceEvents"] if e.get("name") == "fact"]
sys.exit(0 if ev and {e["ph"] for e in ev} == {"B", "E"} else 1)' "$TMP/chrome.json"
else
    ok 0 "# SKIP python3 not found"
fi
uftrace info -d "$A" >"$TMP/info" 2>"$TMP/info.err"
ok $([ $? = 0 ] && [ ! -s "$TMP/info.err" ] && grep -q 'exe image *: .*prog' "$TMP/info"; echo $?) "uftrace info"
if command -v script >/dev/null 2>&1; then
    (sleep 2; printf q) | timeout 20 script -qfc "uftrace tui -d $A" /dev/null >"$TMP/tui.out" 2>&1
    ok $([ $? = 0 ] && grep -q 'work' "$TMP/tui.out" && ! grep -qiE 'error|warn' "$TMP/tui.out"; echo $?) \
        "uftrace tui shows the call graph (in a pseudo-terminal) and quits"
else
    ok 0 "# SKIP script (util-linux) not found: uftrace tui not checked"
fi

done_testing
