#!/usr/bin/env bash
# e2e: long
# qtrace ps on the Debian guest (--processes): a shell pipeline run over ssh, procs id a | procs
# cat x | wc -l, then procs exit 7 and procs kill 15, the shell exiting 3. Each process's pid,
# ppid, uid and argv are as procs printed them, each exit as the shell's $? showed it, and the
# commands are the shell's children. Oracle: what the guest's processes and shell printed.
. "$(dirname "$0")/../lib.sh"
debian_views_fixture
P=$FX/run/trace.ps.json
check "qtrace system --processes wrote $P" test -s "$P"
"$QTRACE" ps --json "$FX/run" >"$TMP/ps.json" 2>"$TMP/ps.err"
ok $? "qtrace ps --json on the trace folder exits 0"
python3 - "$FX/out" "$TMP/ps.json" >"$TMP/ps.out" 2>&1 <<'PY'
import json, re, sys
con = open(sys.argv[1], errors='replace').read().splitlines()
ps = json.load(open(sys.argv[2]))
procs = {}
for p in ps['processes']:
    procs.setdefault(p['pid'], p)
def check(cond, what):
    print(('ok ' if cond else 'FAIL ') + what)
said = lambda pat: [m.groups() for m in (re.match(pat, l) for l in con) if m]
who = said(r'^procs: pid=(\d+) ppid=(\d+) uid=(\d+) argv=\[(.*)\]$')
check(len(who) == 4, '4 procs processes printed who they are (%d)' % len(who))
sh = int(said(r'^sh: pid=(\d+)$')[0][0])
for pid, ppid, uid, argv in who:
    p = procs.get(int(pid))
    got = p and (p['ppid'], p['uid'], p['argv'])
    check(got == (int(ppid), int(uid), argv.split('|')), 'pid %s: ppid, uid, argv %s as printed' % (pid, got))
    check(bool(p) and p['instructions']['total'] > 0, 'pid %s: ran instructions' % pid)
by = {tuple(a.split('|')[1:]): int(pid) for pid, _, _, a in who}
status = dict(said(r'^sh: (\w+) status=(\d+)$'))
for what, key in (('exit', ('exit', '7')), ('kill', ('kill', '15'))):
    p = procs[by[key]]
    check(p['shell_status'] == int(status[what]), '%s: exit as the shell saw it: %s == $? %s' % (' '.join(key), p['shell_status'], status[what]))
check(procs[by[('kill', '15')]]['exit'] == {'signal': 15, 'name': 'SIGTERM', 'core_dumped': False}, 'kill 15: killed by SIGTERM')
for key in (('id', 'a'), ('cat', 'x')):
    check(procs[by[key]]['shell_status'] == 0, '%s exits 0' % ' '.join(key))
wc = [p for p in ps['processes'] if p['ppid'] == sh and p['argv'] == ['wc', '-l']]
check(len(wc) == 1 and wc[0]['shell_status'] == int(status['pipeline']) == 0, 'wc -l: a child of sh, exit 0 as $? of the pipeline')
s = procs.get(sh)
shst = int(said(r'^views: sh status=(\d+)$')[0][0])
check(s is not None and s['argv'][:2] == ['sh', '-c'] and s['argv'][2].startswith('echo "sh: pid=$$"; procs id a |'),
      'sh (pid %d): argv sh -c SCRIPT' % sh)
check(s is not None and s['shell_status'] == shst == 3, 'sh: exit 3 as its parent shell saw it')
kids = sorted(p['pid'] for p in ps['processes'] if p['ppid'] == sh)
check(kids == sorted(list(by.values()) + [p['pid'] for p in wc]), "sh's children are the commands it ran: %s" % kids)
anc, n = s, 0
while anc and anc['ppid'] and n < 10:
    anc, n = procs.get(anc['ppid']), n + 1
    if anc and anc['comm'] == 'sshd':
        break
check(anc is not None and anc['comm'] == 'sshd', 'sh descends from an sshd (the ssh session)')
tot = ps['instructions']
check(tot['total'] == tot['processes'] == sum(p['instructions']['total'] for p in ps['processes']) > 0,
      "the processes' instructions add up to the vCPUs' total")
PY
while read -r line; do ok "$([ "${line%% *}" = ok ] && echo 0 || echo 1)" "${line#* }"; done <"$TMP/ps.out"
grep -qv '^\(ok\|FAIL\) ' "$TMP/ps.out" && { ok 1 "the ps checks ran"; diag <"$TMP/ps.out"; }
check "the text table shows the pipeline's commands" grep -qE '\\_ procs cat x$' "$FX/run/trace.ps"
done_testing
