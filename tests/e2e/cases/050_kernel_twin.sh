#!/usr/bin/env bash
# Two processes of one binary (ktest and its twin): each its own pid, exec, and opens
# (oracle: the pids and fds each printed).
. "$(dirname "$0")/../lib.sh"
ktest_fixture
upid=$(said "$FX/b.console" 'ktest: pid=\([0-9]*\) comm=ktest uid=1000')
twin=$(said "$FX/a.console" 'ktest: twin pid=\([0-9]*\)')
ok $([ -n "$twin" ] && [ "$twin" != "$pid" ]; echo $?) "the twin (same binary) has its own pid ($twin, ktest $pid)"
check "the twin's exec: same program, its own argv" \
    grep -qxF '== exec "/progs/ktest" ["/progs/ktest", "twin"] comm="ktest"' <(thread_tree "$T" "$twin")
tfd=$(said "$FX/a.console" 'ktest: twin open /etc/group fd=\([0-9]*\)')
returns "$T" "$twin" 'do_sys_openat2(filename="/etc/group")' "$tfd"
r=$?
ok $r "the twin's open of /etc/group is its own, returns the fd it printed ($tfd)"
[ $r = 0 ] || thread_tree "$T" "$twin" | grep -B1 -A3 'do_sys_openat2' | sed 's/^/#   /' | head -12
check "ktest itself never opens /etc/group" test "$(thread_tree "$T" "$pid" | grep -c 'filename="/etc/group"')" = 0
check "the twin never opens /etc/passwd" test "$(thread_tree "$T" "$twin" | grep -c 'filename="/etc/passwd"')" = 0
check "user run without --follow: only the processes named ktest" \
    test -z "$(grep -oE 'tid:[0-9]+' "$U" | sort -u | grep -vxE "tid:($upid|$(said "$FX/b.console" 'ktest: twin pid=\([0-9]*\)')|$((upid + 1))|$(said "$FX/b.console" 'k32: pid=\([0-9]*\)'))")"
done_testing
