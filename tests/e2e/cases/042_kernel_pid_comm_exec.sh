#!/usr/bin/env bash
# ktest's pid and comm in the kernel trace: getpid, its exec with the new comm, the JSON events
# (oracle: the pid ktest printed).
. "$(dirname "$0")/../lib.sh"
ktest_fixture
ok $([ -n "$pid" ]; echo $?) "ktest printed its pid ($pid) and comm"
check "getpid() in the trace: pid $pid, in thread $pid" grep -qxF "syscall getpid() = $pid" <(thread_tree "$T" "$pid")
check "exec of /progs/ktest by tid $pid names its new comm" \
    grep -qxF '== exec "/progs/ktest" ["/progs/ktest"] comm="ktest"' <(thread_tree "$T" "$pid")
check "JSON: the exec is an instant event on thread $pid, and names process $pid after ktest" python3 - "$FX/a/trace.json" "$pid" <<'EOF'
import json, sys
ev = json.load(open(sys.argv[1]))['traceEvents']
pid = int(sys.argv[2])
ex = [e for e in ev if e.get('cat') == 'process' and e['name'] == 'exec' and e['tid'] == pid]
assert ex and ex[0]['ph'] == 'i' and ex[0]['args']['file'] == '"/progs/ktest"' and ex[0]['args']['comm'] == '"ktest"', ex
assert any(e['ph'] == 'M' and e['name'] == 'process_name' and e['args']['name'] == 'ktest (pid %d)' % pid for e in ev)
assert any(e.get('cat') == 'process' and e['name'] == 'exit' and e['tid'] == pid for e in ev)
EOF
check "the execve entry is recorded though ktest was not yet ktest when it entered it" \
    grep -qE '^syscall execve\("/progs/ktest", \["/progs/ktest"\], 0x[0-9a-f]+\) <unfinished \.\.\.>$' <(thread_tree "$T" "$pid")
done_testing
