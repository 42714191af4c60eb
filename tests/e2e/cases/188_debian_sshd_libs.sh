#!/usr/bin/env bash
# e2e: long
# sshd's library calls in the Debian guest: --comm sshd with libc functions (read from the ext4
# image, which --guest debian makes the --sysroot when a pattern may name a library function)
# while the host logs in over the forwarded port. Oracles: the login's
# command output coming back (the user, its home), the guest's pgrep (which pids are sshd) and
# the listening socket the guest's ss reports.
. "$(dirname "$0")/../lib.sh"
need_debian
command -v ssh >/dev/null || bail "ssh on the host (package openssh-client; scripts/setup.sh deps)"
PORT=$(free_port)
debian_boot "$TMP" ssh --ssh-port "$PORT" --append qtrace.run=wait --comm sshd --timeout 300 \
    -A 'getpwnam@arg1/s' -A 'chdir@arg1/s' -R chdir -R accept &
boot=$!
t0=$SECONDS
debian_wait_sshd "$TMP" ssh $boot
ok $? "the guest says sshd is ready ($((SECONDS - t0))s after qtrace started)"
dssh "$PORT" 'id -un; echo $HOME; pgrep -x sshd' >"$TMP/out" 2>"$TMP/ssh.err"
ok $? "ssh -i KEY -p $PORT root@127.0.0.1 exits 0"
user=$(sed -n 1p "$TMP/out") home=$(sed -n 2p "$TMP/out")
check "the login's command output comes back: user $user, home $home" test "$user" = root -a "$home" = /root
tail -n +3 "$TMP/out" >"$TMP/sshd.pids"
dssh "$PORT" poweroff >/dev/null 2>&1
wait $boot
ok "$(rc_of "$TMP/ssh.rc")" "qtrace system exits 0: the guest powered off ($(cat "$TMP/ssh.secs")s)"
check "nothing said but the ssh line (libc found in the image, every pattern matched)" \
    bash -c "! grep -v '^qtrace: guest debian: ssh ' '$TMP/ssh.err' | grep -q warning"

T=$TMP/ssh/trace.txt
is_sshd() { grep -qx "$1" "$TMP/sshd.pids"; }
# pid of the first line of the trace matching a call (ERE), or empty
pid_of() { sed -nE "s/^.*\[cpu[0-9]+ as:[0-9]+ tid:([0-9]+)\] ($1)$/\1/p" "$T" | head -1; }
P=$(pid_of 'accept\(\) = [0-9]+;')
check "libc's accept returns the connection in sshd (pid ${P:-none})" test -n "$P"
check "the accepting pid ${P:-none} is an sshd (the guest's pgrep)" is_sshd "${P:-x}"
G=$(pid_of "getpwnam\(\"$user\"\);")
check "getpwnam(\"$user\") is called for the login (pid ${G:-none})" test -n "$G"
check "in an sshd pid (${G:-none})" is_sshd "${G:-x}"
H=$(pid_of "chdir\(\"${home//\//\\/}\"\) = 0;")
check "chdir(\"$home\") = 0: the session goes to the user's home, traced in sshd pid ${H:-none} before its exec" \
    test -n "$H"
check "the session's exec of the shell follows in that pid" \
    grep -qE "tid:${H:-x}\] == exec \"/bin/bash\"" "$T"
check "the map records of sshd name the image's libc" \
    grep -qE '== map "/usr/lib/x86_64-linux-gnu/libc.so.6" 0x[0-9a-f]+$' "$T"
check "libc.so.6 was extracted from the image for it" cmp "$TMP/ssh/sysroot/usr/lib/x86_64-linux-gnu/libc.so.6" \
    "$GD/rootfs/usr/lib/x86_64-linux-gnu/libc.so.6"
done_testing
