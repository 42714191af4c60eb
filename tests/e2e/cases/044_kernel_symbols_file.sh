#!/usr/bin/env bash
# A boot with --kernel-symbols (a System.map with do_sys_openat2 renamed): functions traced by the
# file's names (oracle: the fd ktest printed, its uid 1000).
. "$(dirname "$0")/../lib.sh"
need_guest ktest
fixture ktest
U=$FX/b/trace.txt
upid0=$(said "$FX/b.console" 'ktest: pid=\([0-9]*\) comm=ktest uid=1000')
ufd=$(said "$FX/b.console" 'ktest: open /etc/passwd fd=\([0-9]*\)')
returns "$U" "$upid0" 'qtrace_map_openat2(arg2="/etc/passwd")' "$ufd"
ok $? "booted with --kernel-symbols (do_sys_openat2 renamed in it): the function traced by that name, returns fd $ufd as ktest printed"
check "... and cap_capable, named by the file, decoded as without it (BTF parameter names)" \
    grep -qE '^ *cap_capable\(cred=\{uid=1000, gid=1000, euid=1000, egid=1000, cap_effective=0x0\}, cap=23\);$' <(thread_tree "$U" "$upid0")
check "... no do_sys_openat2 in that trace (the file's names, not the image's)" test "$(grep -c 'do_sys_openat2' "$U")" = 0
done_testing
