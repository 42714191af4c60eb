#!/usr/bin/env bash
# The guest trace of calls.c as JSON (Chrome trace events) and folded stacks: the same calls as
# the text trace (oracle: the text trace and calls.c's call structure).
. "$(dirname "$0")/../lib.sh"
need_guest calls
fixture sys_calls
T=$FX/calls/trace.txt
J=$FX/calls/trace.json
python3 - "$J" "$T" >"$TMP/json.out" 2>&1 <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))
ev = [e for e in d["traceEvents"] if e.get("ph") in ("B", "E")]
b = sum(1 for e in ev if e["ph"] == "B"); e_ = sum(1 for e in ev if e["ph"] == "E")
txt = open(sys.argv[2]).read()
opens = len(re.findall(r"\] +\S+\(.*\) \{$", txt, re.M)) + len(re.findall(r"\) = .*;$|\);$", txt, re.M))
adds = [e for e in ev if e["ph"] == "B" and e["name"] == "add"]
print("B", b, "E", e_, "text-calls", opens, "adds", len(adds))
assert b == e_, "unbalanced B/E"
assert b == opens, "JSON and text disagree on the number of calls"
assert any(e.get("args", {}).get("a") == "2" and e["args"].get("b") == "3" for e in adds), "add(2,3) args missing"
gr = [e for e in ev if e["name"] == "greet" and e["ph"] == "B"][0]
assert gr["args"]["who"] == '"world"', gr
print("ok")
PY
ok $? "trace.json parses, balanced B/E, same calls as the text, arguments present"
sed 's/^/#   /' "$TMP/json.out" | tail -3

# folded stacks
F=$FX/calls/trace.folded
check "folded: main;fact;fact;fact;fact;fact stack" grep -qE '^main;fact;fact;fact;fact;fact [0-9]+$' "$F"
check "folded: worker;add stack" grep -qE '^worker;add [0-9]+$' "$F"
done_testing
