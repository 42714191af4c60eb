#!/usr/bin/env bash
# The fork/exec/exit timeline of ktest's pipeline sh -c 'cat /etc/group | wc -l', followed with
# --follow (oracle: the pipeline's known shape).
. "$(dirname "$0")/../lib.sh"
ktest_fixture
python3 - "$T" "$pid" >"$TMP/timeline.out" 2>&1 <<'PY'
import re, sys
lines = [l.rstrip('\n') for l in open(sys.argv[1])]
ktest = sys.argv[2]
ev = []
for i, l in enumerate(lines):
    m = re.search(r'tid:(\d+)\] == (fork|exec|exit) (.*)$', l)
    if m:
        ev.append((i, m.group(1), m.group(2), m.group(3)))
def find(tid, kind, pat):
    for i, t, k, rest in ev:
        if t == tid and k == kind and re.search(pat, rest):
            return i
    raise SystemExit('missing: tid %s %s %s' % (tid, kind, pat))
# ktest forks the shell, which execs sh -c, forks cat and wc, which exec, exit, then sh exits
sh = None
for i, t, k, rest in ev:
    if t == ktest and k == 'fork':
        child = re.search(r'pid=(\d+)', rest).group(1)
        if any(t2 == child and k2 == 'exec' and 'cat /etc/group | wc -l' in r2 for _, t2, k2, r2 in ev):
            sh = child
            fork_sh = i
            break
assert sh, 'no fork of the shell by ktest'
exec_sh = find(sh, 'exec', r'^"/bin/sh" \["/bin/sh", "-c", "cat /etc/group \| wc -l"\] comm="sh"$')
kids = [re.search(r'pid=(\d+)', rest).group(1) for i, t, k, rest in ev if t == sh and k == 'fork']
assert len(kids) == 2, 'sh forked %d children, not 2' % len(kids)
order = [fork_sh, exec_sh]
names = {}
for c in kids:
    fk = find(sh, 'fork', r'\{pid=%s, tgid=%s, ppid=%s, ' % (c, c, sh))
    ex = find(c, 'exec', r'\[("cat", "/etc/group"|"wc", "-l")\]')
    names[c] = 'cat' if '"cat"' in lines[ex] else 'wc'
    xt = find(c, 'exit', r'^status 0$')
    assert fk < ex < xt, 'child %s: fork %d, exec %d, exit %d out of order' % (c, fk, ex, xt)
    order.append(xt)
sh_exit = find(sh, 'exit', r'^status 0$')
assert all(o < sh_exit for o in order), 'sh exits before its children'
assert sorted(names.values()) == ['cat', 'wc'], names
print('ok: ktest %s -> sh %s -> %s' % (ktest, sh, ', '.join('%s %s' % (names[c], c) for c in kids)))
PY
ok $? "fork/exec/exit of the pipeline in order: fork sh, exec sh -c, fork cat and wc, exec, exit 0, sh exits last"
sed 's/^/#   /' "$TMP/timeline.out" | tail -2
check "the pipeline's cat, followed (--follow) after it stopped being named ktest, opens /etc/group" \
    grep -qE 'do_sys_openat2\(filename="/etc/group"\) = 3;$' <(grep -v "tid:$pid\]" "$T")
done_testing
