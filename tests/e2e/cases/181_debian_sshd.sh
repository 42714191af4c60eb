#!/usr/bin/env bash
# A real daemon in the Debian guest: sshd, traced with --comm sshd --syscalls while the host logs
# in over the forwarded port and runs a command. Oracles: the command's output coming back, the
# guest's own pgrep (which pids are sshd), and ssh -v on the host (the version strings the two
# ends sent each other, which the traced reads and writes must carry).
. "$(dirname "$0")/../lib.sh"
need_debian
command -v ssh >/dev/null || bail "ssh on the host (package openssh-client; scripts/setup.sh deps)"
PORT=$(free_port)
debian_boot "$TMP" ssh --ssh-port "$PORT" --append qtrace.run=wait --comm sshd --syscalls --timeout 300 &
boot=$!
t0=$SECONDS
debian_wait_sshd "$TMP" ssh $boot
ok $? "the guest says sshd is ready ($((SECONDS - t0))s after qtrace started)"
t0=$SECONDS
dssh "$PORT" -v 'echo hello; id -u; pgrep -x sshd' >"$TMP/out" 2>"$TMP/ssh.v"
ok $? "ssh -i KEY -p $PORT root@127.0.0.1 exits 0 ($((SECONDS - t0))s)"
head -2 "$TMP/out" >"$TMP/out2"
printf 'hello\n0\n' >"$TMP/want"
same_text "the login's command output comes back: hello, uid 0" "$TMP/out2" "$TMP/want"
tail -n +3 "$TMP/out" >"$TMP/sshd.pids"
dssh "$PORT" poweroff >/dev/null 2>&1
wait $boot
ok "$(rc_of "$TMP/ssh.rc")" "qtrace system exits 0: the guest powered off ($(cat "$TMP/ssh.secs")s)"
grep -q 'warning\|error' "$TMP/ssh.err" && diag <"$TMP/ssh.err"

T=$TMP/ssh/trace.txt
is_sshd() { grep -qx "$1" "$TMP/sshd.pids"; }
# the first connection: accept (or accept4) returning fd N in the listener
read -r P N < <(sed -n 's/^.*\[cpu[0-9]* as:[0-9]* tid:\([0-9]*\)\] syscall accept4\{0,1\}(.*) = \([0-9]*\)$/\1 \2/p' "$T" | head -1)
check "an accept returning a descriptor is traced (pid ${P:-none}, fd ${N:-none})" test -n "${P:-}"
P=${P:-0} N=${N:-0}
check "the accepting pid $P is an sshd (the guest's pgrep -x sshd)" is_sshd "$P"
C=$(sed -n "s/^.*== fork {pid=\([0-9]*\), tgid=[0-9]*, ppid=$P, uid=0, comm=\"sshd\"}$/\1/p" "$T" | head -1)
check "the listener forks a connection process (pid ${C:-none})" test -n "$C"
C=${C:-0}
check "the connection process $C is an sshd (pgrep)" is_sshd "$C"
syscall_lines "$T" "$C" >"$TMP/conn"
check "pid $C hands the accepted fd $N to its session: dup2($N, 0)" grep -qx "syscall dup2($N, 0) = 0" "$TMP/conn"
server=$(sed -n 's/^debug1: Remote protocol version 2.0, remote software version \(.*\)$/\1/p' "$TMP/ssh.v" | tr -d '\r')
client=$(sed -n 's/^debug1: Local version string \(.*\)$/\1/p' "$TMP/ssh.v" | tr -d '\r')
check "ssh -v names both version strings ($client; $server)" test -n "$server" -a -n "$client"
line="SSH-2.0-$server\\r\\n"
F=$(sed -n "s/^syscall write(\([0-9]*\), \"SSH-2\.0-${server//./\\.}\\\\r\\\\n\", $(( ${#server} + 10 ))) = $(( ${#server} + 10 ))$/\1/p" "$TMP/conn" | head -1)
check "pid $C writes the server's version string to the client (fd ${F:-none}): write(F, \"$line\")" test -n "$F"
F=${F:-x}
got=$(sed -n "s/^syscall read($F, \"\(.\)\", 1) = 1$/\1/p" "$TMP/conn" | tr -d '\n')
check "pid $C reads the client's version string from the same fd $F" bash -c "[[ '$got' == *'$client'* ]]"
check "the connection's reads and writes are traced: more than 20 on fd $F" \
    test "$(grep -cE "^syscall (read|write)\($F, " "$TMP/conn")" -gt 20
# --comm sshd: the login's shell is not recorded once it is no longer sshd
B=$(sed -n 's/^.*tid:\([0-9]*\)\] == exec "\/bin\/bash" \["bash", "-c", "echo hello; id -u; pgrep -x sshd"\] comm="bash"$/\1/p' "$T" | head -1)
check "the session's command is seen exec'ed by an sshd child (pid ${B:-none})" test -n "$B"
check "and nothing after its exec as bash is recorded" bash -c \
    "! sed -n '/tid:${B:-x}\] == exec \"\/bin\/bash\"/,\$p' '$T' | grep -q 'tid:${B:-x}\] syscall'"
done_testing
