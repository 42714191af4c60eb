#!/usr/bin/env bash
# TAP: the bundled guest boots under plain qemu-system-x86_64 (no plugin) and runs its
# programs: calls.c prints its lines in order and exits 0, qtrace.user=1 runs as uid 1000,
# qtrace.args reaches the program, two threads run under -smp 2. Also: a second
# scripts/build-guest.sh run is a one-line no-op.
# Env (set by tests/run.sh): QTRACE_TOP, QTRACE_CACHE, QTRACE_BUILD.
set -u
TOP=${QTRACE_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
CACHE=${QTRACE_CACHE:-$TOP/.cache}
BUILD=${QTRACE_BUILD:-$TOP/build}
G=$CACHE/guest
export QTRACE_CACHE=$CACHE

n=0
ok()    { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); echo "not ok $n - $*"; }
diag()  { sed 's/^/# /'; }
finish() { echo "1..$n"; exit 0; }

# ---- the guest is built, and a rebuild is a no-op ------------------------------------------
if ! out=$("$TOP/scripts/build-guest.sh" 2>&1); then
    notok "scripts/build-guest.sh succeeds"; printf '%s\n' "$out" | diag; finish
fi
ok "scripts/build-guest.sh succeeds"
out=$("$TOP/scripts/build-guest.sh" 2>&1)
if [ "$out" = "guest: up to date ($G)" ]; then
    ok "second scripts/build-guest.sh run prints only 'guest: up to date'"
else
    notok "second scripts/build-guest.sh run prints only 'guest: up to date'"; printf '%s\n' "$out" | diag
fi
for f in vmlinuz initrd.gz progs/calls progs/whoami progs/bench progs/threads; do
    [ -s "$G/$f" ] || { notok "$G/$f exists"; finish; }
done

# ---- boots (in parallel: each is one TCG vCPU thread) -------------------------------------
logdir=$BUILD/test-logs/guest_boot
mkdir -p "$logdir"
boot() { # name, kernel cmdline switches, extra qemu args...
    local name=$1 append=$2; shift 2
    local log=$logdir/$name.log t0=$SECONDS
    timeout 120 qemu-system-x86_64 -nographic -no-reboot -m 512 \
        -kernel "$G/vmlinuz" -initrd "$G/initrd.gz" \
        -append "console=ttyS0 quiet panic=-1 $append" "$@" </dev/null 2>&1 \
        | tr -d '\r' >"$log"
    echo "${PIPESTATUS[0]} $((SECONDS - t0))" >"$log.rc"
}
boot calls "qtrace.run=calls" &
boot user "qtrace.run=whoami qtrace.user=1" &
wait
boot args "qtrace.run=bench qtrace.args=1000" &
boot smp "qtrace.run=threads" -smp 2 &
wait

# check_boot NAME: qemu exited by itself (poweroff), status 0, not by timeout
check_boot() {
    local name=$1 rc secs
    read -r rc secs <"$logdir/$name.log.rc"
    if [ "$rc" = 0 ]; then
        ok "$name: guest powered off by itself (qemu status 0, ${secs}s)"
    else
        notok "$name: guest powered off by itself (qemu status $rc$([ "$rc" = 124 ] && echo ', timed out after 120s'))"
        tail -20 "$logdir/$name.log" | diag
    fi
}

# expect_in_order NAME PATTERN...: each anchored ERE matches a whole console line, after the
# line the previous pattern matched
expect_in_order() {
    local name=$1 log=$logdir/$1.log pos=0 pat hit; shift
    for pat in "$@"; do
        hit=$(tail -n +$((pos + 1)) "$log" | grep -n -m1 -E -x -- "$pat" | cut -d: -f1)
        if [ -n "$hit" ]; then
            pos=$((pos + hit))
            ok "$name: console line /$pat/ (line $pos)"
        else
            notok "$name: console line /$pat/ after line $pos"
            diag <"$log"
        fi
    done
}

check_boot calls
expect_in_order calls \
    'QTRACE-GUEST: run calls' \
    'calls: pid=[0-9]+' \
    'add\(2,3\)=5' \
    'fact\(5\)=120' \
    'greet\(world\)=5' \
    'probe\(0xdead0000\)=7' \
    'leap\(3\): longjmp back' \
    'add\(40,2\)=42' \
    'depth\(3000\)=3000' \
    'worker 1 done' \
    'worker 2 done' \
    'calls: done' \
    'QTRACE-GUEST: exit calls status 0'

check_boot user
expect_in_order user \
    'QTRACE-GUEST: run whoami' \
    'uid=1000 gid=1000 euid=1000' \
    'QTRACE-GUEST: exit whoami status 0'

# bench is deterministic: the host runs the same static binary for the expected result
check_boot args
want=$("$G/progs/bench" 1000 2>&1)
expect_in_order args \
    'QTRACE-GUEST: run bench 1000' \
    "$want" \
    'QTRACE-GUEST: exit bench status 0'

check_boot smp
expect_in_order smp \
    'QTRACE-GUEST: run threads' \
    'threads: tid1=[0-9]+ tid2=[0-9]+' \
    'threads: done total=600' \
    'QTRACE-GUEST: exit threads status 0'

finish
