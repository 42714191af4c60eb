#!/usr/bin/env bash
# Kernel argument types decoded from BTF: dentry, inode, path, file, socket, sockaddr, cred
# (oracle: stat(2), the paths, port and uids ktest used and printed).
. "$(dirname "$0")/../lib.sh"
ktest_fixture
# ktest's calls of the functions given argument types, from its close of /etc/passwd (after a
# 64-byte read) to its listen: exactly, with the inode numbers stat(2) gave it
read -r ino size < <(sed -n 's/^ktest: stat \/etc\/passwd ino=\([0-9]*\) size=\([0-9]*\) .*/\1 \2/p' "$FX/a.console")
cat >"$TMP/types.want" <<W
filp_close(filp={path="/etc/passwd", flags=O_RDONLY|O_LARGEFILE, pos=64});
security_inode_getattr(path="/etc/passwd");
generic_fillattr(inode={ino=$ino, mode=S_IFREG|0644, size=$size, uid=0});
vfs_mkdir(dentry="/ktest-dir");
vfs_mkdir(dentry="/ktest-dir/sub");
cap_capable(cred={uid=0, gid=0, euid=0, egid=0, cap_effective=0x1ffffffffff}, cap=23);
inet_bind(sock={AF_INET, 0.0.0.0:0}, uaddr={AF_INET, 0.0.0.0:4242}) {
inet_listen(sock={AF_INET, 0.0.0.0:4242});
W
thread_tree "$T" "$pid" | sed 's/^ *//' |
    grep -E '^(vfs_mkdir|generic_fillattr|security_inode_getattr|filp_close|inet_bind|inet_listen|cap_capable)\(' |
    sed -n '/^filp_close(filp={path="\/etc\/passwd"/,/^inet_listen(/p' >"$TMP/types.got"
same_text "file, path, inode (ino=$ino size=$size, as stat(2) gave them), dentry, cred of root (every capability, CAP_SYS_NICE), socket and sockaddr (bind to 0.0.0.0:4242, then listen): exactly" \
    "$TMP/types.got" "$TMP/types.want"
upid=$(said "$FX/b.console" 'ktest: pid=\([0-9]*\) comm=ktest uid=1000')
check "cred of a process run as user 1000 (qtrace.user=1): uid 1000, no capability" \
    grep -qE '^ *cap_capable\(cred=\{uid=1000, gid=1000, euid=1000, egid=1000, cap_effective=0x0\}, cap=23\);$' <(thread_tree "$U" "$upid")
check "... and its setpriority fails with EACCES, as it printed" grep -q '^ktest: nice -5 = -1 EACCES$' "$FX/b.console"
check "... recorded as -1 EACCES" grep -qE 'setpriority.* = -1 EACCES \(Permission denied\)$' <(thread_tree "$U" "$upid")
done_testing
