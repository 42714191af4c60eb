#!/usr/bin/env bash
# Kernel argument types decoded from BTF: dentry, inode, path, file, socket, sockaddr, cred
# (oracle: stat(2), the paths, port and uids ktest used and printed).
. "$(dirname "$0")/../lib.sh"
need_guest ktest
fixture ktest
T=$FX/a/trace.txt
U=$FX/b/trace.txt
pid=$(said "$FX/a.console" 'ktest: pid=\([0-9]*\) comm=ktest uid=0')
check "dentry: full path (vfs_mkdir)" grep -qxF 'vfs_mkdir(dentry="/ktest-dir/sub");' <(thread_tree "$T" "$pid" | sed 's/^ *//')
read -r ino size < <(sed -n 's/^ktest: stat \/etc\/passwd ino=\([0-9]*\) size=\([0-9]*\) .*/\1 \2/p' "$FX/a.console")
check "inode: ino and size as stat(2) gave them (ino=$ino size=$size)" \
    grep -qxF "generic_fillattr(inode={ino=$ino, mode=S_IFREG|0644, size=$size, uid=0});" <(thread_tree "$T" "$pid" | sed 's/^ *//')
check "path: across mounts (security_inode_getattr)" \
    grep -qxF 'security_inode_getattr(path="/etc/passwd");' <(thread_tree "$T" "$pid" | sed 's/^ *//')
check "file: path, flags and position after a 64-byte read" \
    grep -qxF 'filp_close(filp={path="/etc/passwd", flags=O_RDONLY|O_LARGEFILE, pos=64});' <(thread_tree "$T" "$pid" | sed 's/^ *//')
check "socket and sockaddr: inet_bind to 0.0.0.0:4242" \
    grep -qE '^ *inet_bind\(sock=\{AF_INET, 0\.0\.0\.0:0\}, uaddr=\{AF_INET, 0\.0\.0\.0:4242\}\)' <(thread_tree "$T" "$pid")
check "socket after bind: inet_listen shows the local address" \
    grep -qE '^ *inet_listen\(sock=\{AF_INET, 0\.0\.0\.0:4242\}\);$' <(thread_tree "$T" "$pid")
check "cred of root: uid 0 and every capability (cap_capable for CAP_SYS_NICE)" \
    grep -qE '^ *cap_capable\(cred=\{uid=0, gid=0, euid=0, egid=0, cap_effective=0x1f+\}, cap=23\);$' <(thread_tree "$T" "$pid")
upid=$(said "$FX/b.console" 'ktest: pid=\([0-9]*\) comm=ktest uid=1000')
check "cred of a process run as user 1000 (qtrace.user=1): uid 1000, no capability" \
    grep -qE '^ *cap_capable\(cred=\{uid=1000, gid=1000, euid=1000, egid=1000, cap_effective=0x0\}, cap=23\);$' <(thread_tree "$U" "$upid")
check "... and its setpriority fails with EACCES, as it printed" grep -q '^ktest: nice -5 = -1 EACCES$' "$FX/b.console"
check "... recorded as -1 EACCES" grep -qE 'setpriority.* = -1 EACCES \(Permission denied\)$' <(thread_tree "$U" "$upid")
done_testing
