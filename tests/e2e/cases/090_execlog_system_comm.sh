#!/usr/bin/env bash
# System mode, --exec-log --comm whoami: only whoami's user instructions and the kernel code run for
# it; with start/stop exactly 1000 lines from main; --comm nosuch logs nothing (oracle: objdump -d).
. "$(dirname "$0")/../lib.sh"
execlog_setup
G=$CACHE/guest
if [ ! -f "$G/vmlinuz" ] || [ ! -f "$G/progs/whoami" ]; then
    skip "system mode, --comm whoami" "no bundled guest (scripts/build-guest.sh)"
else
    WP=$G/progs/whoami
    sys_el() { # NAME OPTS...
        local name=$1; shift
        rm -rf "$W/$name"
        "$BUILD/qtrace" system --kernel "$G/vmlinuz" --initrd "$G/initrd.gz" --append qtrace.run=whoami \
            --timeout 150 -p "$WP" --exec-log "$@" -o "$W/$name" >"$W/$name.console" 2>&1 </dev/null
    }
    sys_el sys_comm --comm whoami & p1=$!
    sys_el sys_trig --comm whoami --exec-log-start main --exec-log-stop 1000 & p2=$!
    sys_el sys_none --comm nosuch & p3=$!
    wait $p1; r1=$?; wait $p2; r2=$?; wait $p3; r3=$?
    objdump -d --no-show-raw-insn "$WP" | awk '/^ +[0-9a-f]+:/ { sub(":", "", $1); print "0x" $1 }' | sort -u >"$W/whoami.insns"
    main=0x$(nm "$WP" | awk '$3 == "main" { print $1 }' | sed 's/^0*//')
    L=$W/sys_comm/trace.execlog
    if [ $r1 = 0 ] && [ -s "$L" ]; then ok 0 "qtrace system --exec-log --comm whoami exits 0 and writes a log"; else ok 1 "qtrace system --exec-log --comm whoami (exit $r1)"; tail -3 "$W/sys_comm.console" | sed 's/^/# /'; fi
    awk -F', ' 'NF >= 4 && length($2) <= 12 { print $2 }' "$L" | sort -u >"$W/sys_comm.user"
    nu=$(wc -l <"$W/sys_comm.user")
    stray=$(comm -23 "$W/sys_comm.user" "$W/whoami.insns" | wc -l)
    if [ "$nu" -gt 1000 ] && [ "$stray" = 0 ]; then ok 0 "--comm whoami: all $nu user-space addresses are whoami's instructions"; else ok 1 "--comm whoami: $nu user-space addresses, $stray not whoami's: $(comm -23 "$W/sys_comm.user" "$W/whoami.insns" | head -3 | tr '\n' ' ')"; fi
    if grep -q "^0, $main, " "$L"; then ok 0 "--comm whoami: main ($main) is logged"; else ok 1 "--comm whoami: main ($main) is logged"; fi
    nk=$(awk -F', ' 'NF >= 4 && $2 ~ /^0xffff/' "$L" | wc -l)
    if [ "$nk" -gt 1000 ]; then ok 0 "--comm whoami: kernel code run for whoami is logged ($nk lines)"; else ok 1 "--comm whoami: kernel code run for whoami ($nk lines)"; fi
    T=$W/sys_trig/trace.execlog
    if [ $r2 = 0 ] && [ "$(grep -c . "$T")" = 1000 ] && head -1 "$T" | grep -q "^0, $main, " &&
        [ "$(awk -F', ' 'length($2) <= 12 { print $2 }' "$T" | sort -u | comm -23 - "$W/whoami.insns" | wc -l)" = 0 ]; then
        ok 0 "--comm whoami --exec-log-start main --exec-log-stop 1000: 1000 lines from main"
    else
        ok 1 "--comm whoami --exec-log-start main --exec-log-stop 1000 (exit $r2, $(grep -c . "$T" 2>/dev/null) lines, first: $(head -1 "$T" 2>/dev/null))"
    fi
    if [ $r3 = 0 ] && [ "$(grep -c . "$W/sys_none/trace.execlog")" = 0 ] && grep -q '^uid=0 ' "$W/sys_none.console"; then
        ok 0 "--comm nosuch: whoami ran, nothing logged"
    else
        ok 1 "--comm nosuch: whoami ran, nothing logged (exit $r3)"
    fi
    rm -rf "$W/sys_comm" "$W/sys_trig" "$W/sys_none"
fi
done_testing
