#!/usr/bin/env bash
# qtrace replay, debug and record --host-cpu: every thread of QEMU runs on the CPU
# named; two concurrent 'auto' replays hold two different CPUs; without the option QEMU may run
# on every CPU qtrace may (oracle: the QEMU threads' Cpus_allowed_list in /proc).
. "$(dirname "$0")/../lib.sh"
need_rr_demo
[ "$(nproc)" -ge 2 ] || skip_all "--host-cpu auto pins only where there are two CPUs or more"
export TMPDIR=$TMP # the CPU lock files: this case's replays only
cpus() { sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "/proc/$1/status" 2>/dev/null; } # a thread may have ended
mine=$(cpus self)
# qemu_of PID: the QEMU that qtrace PID started (its child), once it runs
qemu_of() {
    local i q
    for i in $(seq 300); do
        for q in $(pgrep -P "$1"); do # not its qemu-system-x86_64 --version
            grep -q 'rr=re' "/proc/$q/cmdline" 2>/dev/null && { echo "$q"; return 0; } # record or replay
        done
        sleep 0.1
    done
    return 1
}
# threads_on PID: the Cpus_allowed_list of each of QEMU's threads, one line per distinct value
threads_on() { for t in /proc/"$1"/task/*; do cpus "${t#/proc/}"; done | sort -u; }

declare -A pid q
for n in a b c d; do
    case $n in
        a | b) opt=(--host-cpu auto) ;;
        c) opt=() ;;
        d) opt=(--host-cpu 1) ;;
    esac
    "$QTRACE" replay "$REC" "${opt[@]}" --timeout 10 -o "$TMP/$n" </dev/null >/dev/null 2>"$TMP/$n.err" &
    pid[$n]=$!
done
for n in a b c d; do
    q[$n]=$(qemu_of "${pid[$n]}") || bail "replay $n started QEMU"
    sleep 0.5 # its threads started
    threads_on "${q[$n]}" >"$TMP/$n.cpus"
done
for n in a b; do
    ok $([ "$(wc -l <"$TMP/$n.cpus")" = 1 ] && grep -qx '[0-9]\+' "$TMP/$n.cpus"; echo $?) \
        "--host-cpu auto, replay $n: every QEMU thread on one CPU ($(tr '\n' ' ' <"$TMP/$n.cpus"))"
done
ok $([ "$(cat "$TMP/a.cpus")" != "$(cat "$TMP/b.cpus")" ]; echo $?) "two concurrent --host-cpu auto replays: two different CPUs"
same_text "no --host-cpu: QEMU's threads may run on every CPU qtrace may ($mine)" "$TMP/c.cpus" <(echo "$mine")
same_text "--host-cpu 1: every QEMU thread on CPU 1" "$TMP/d.cpus" <(echo 1)
for n in a b c d; do
    wait "${pid[$n]}"
    ok $([ $? = 124 ]; echo $?) "replay $n: stopped by --timeout (status 124)"
done

# qtrace debug: QEMU paused under its gdb stub, on the CPU named
"$QTRACE" debug "$REC" --print --host-cpu 0 -o "$TMP/dbg" </dev/null >"$TMP/dbg.out" 2>&1 &
dp=$!
if dq=$(qemu_of "$dp"); then
    for _ in $(seq 300); do grep -q '^gdb -x' "$TMP/dbg.out" && break; sleep 0.1; done # QEMU's stub is up
    same_text "debug --host-cpu 0: every QEMU thread on CPU 0" <(threads_on "$dq") <(echo 0)
else
    ok 1 "debug --print started QEMU"
    diag <"$TMP/dbg.out"
fi
kill -TERM "$dp" 2>/dev/null
wait "$dp"
ok $? "debug --print: ended by SIGTERM, status 0"
check "and its QEMU is gone" bash -c "! kill -0 ${dq:-0} 2>/dev/null"

# qtrace record: its QEMU on the CPU named, for as long as it records (the demo records for 7 s
# or more, so 4 s always ends it by --timeout)
"$QTRACE" record --kernel "$RRKERNEL" --initrd "$INITRD" --append qtrace.run=demo --host-cpu 1 --timeout 4 \
    -o "$TMP/rec1" </dev/null >/dev/null 2>"$TMP/rec1.err" &
rp=$!
if rq=$(qemu_of "$rp"); then
    sleep 0.5 # its threads started
    same_text "record --host-cpu 1: every QEMU thread on CPU 1" <(threads_on "$rq") <(echo 1)
else
    ok 1 "record started QEMU"
    diag <"$TMP/rec1.err"
fi
wait "$rp"
ok $([ $? = 124 ]; echo $?) "record --host-cpu 1: stopped by --timeout (status 124)"
done_testing
