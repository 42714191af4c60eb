#!/usr/bin/env bash
# e2e: long
# A PIE --program started by its dynamic loader run as a command
# (/lib64/ld-linux-x86-64.so.2 /usr/local/bin/calls): the kernel starts the loader, whose
# auxiliary vector does not name the program, and the loader maps the program itself; its load
# address is learned from that mapping (--sysroot, the image). Before, this recorded 0 calls and
# said only that no exec of the program was seen. Oracles: the values the program printed, and
# the program's own mapping in the trace at an address of the loader's choice.
. "$(dirname "$0")/../lib.sh"
need_debian
debian_boot "$TMP" ld --append qtrace.run=/lib64/ld-linux-x86-64.so.2,/usr/local/bin/calls --timeout 240 \
    --sysroot "$GD/disk.img" -p /usr/local/bin/calls -A 'add@arg1,arg2' -R add -A 'fact@arg1' -R fact
ok "$(rc_of "$TMP/ld.rc")" "qtrace system exits 0 ($(cat "$TMP/ld.secs")s)"
check "the program ran to the end under its loader" \
    grep -qx 'QTRACE-GUEST: exit /lib64/ld-linux-x86-64.so.2 status 0' "$TMP/ld.console"
check "nothing said but the ssh line (the program's start was seen, every pattern matched)" \
    bash -c "! grep -v '^qtrace: guest debian: ssh ' '$TMP/ld.err' | grep -q warning"
T=$TMP/ld/trace.txt
pid=$(sed -n 's/^calls: pid=\([0-9]*\)$/\1/p' "$TMP/ld.console")
check "calls printed its pid (${pid:-none})" test -n "$pid"
pid=${pid:-x}
check "the kernel started the loader in pid $pid" \
    grep -qE "tid:$pid\] == exec \"/lib64/ld-linux-x86-64.so.2\" \[\"/lib64/ld-linux-x86-64.so.2\", \"/usr/local/bin/calls\"\]" "$T"
check "the loader mapped the program (a map record of pid $pid)" \
    grep -qE "tid:$pid\] == map \"/usr/local/bin/calls\" 0x[0-9a-f]+$" "$T"
n=0
while IFS='=' read -r call val; do
    case "$call" in
    add\(*) a=${call#add(}; a=${a%)}; want="add(a=${a%,*}, b=${a#*,}) = $val;" ;;
    fact\(*) a=${call#fact(}; want="fact(n=${a%)}) {" ;;
    *) continue ;;
    esac
    n=$((n + 1))
    check "printed $call=$val; traced: $want" grep -qxF "$want" <(call_tree "$T" "$pid" | sed 's/^ *//')
done < <(grep -E '^(add|fact)\(' "$TMP/ld.console")
check "the program printed calls to compare ($n)" test "$n" -gt 2
done_testing
