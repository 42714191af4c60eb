#!/usr/bin/env bash
# 40 threads with an old plugin: its calls are serialised and cpu names the vCPU (oracle: the
# vCPUs qtrace's trace shows running work()).
. "$(dirname "$0")/../lib.sh"
need_legacy
need_qemu_user
gcc $CF -static -no-pie -pthread -o "$TMP/many" "$TOP/tests/progs/many_threads.c"
WORK=$(addr_of "$TMP/many" work)
D=$TMP/threads
"$QTRACE" run -q -o "$D" -P work --legacy-plugin "$L/liball.so,args=tb=0x$WORK" --legacy-log "$TMP/thr.log" \
    -- "$TMP/many" >/dev/null 2>"$TMP/thr.err"
ok $? "40 threads with an old plugin: exits 0"
check "calls serialised: n counts 1..40 without a gap or a repeat" \
    test "$(sed -n "s/^tb $WORK n=\([0-9]*\) .*/\1/p" "$TMP/thr.log" | tr '\n' ' ')" = "$(seq -s ' ' 1 40) "
n_cpu=$(sed -n 's/.* cpu=\(0x[0-9a-f]*\)$/\1/p' "$TMP/thr.log" | sort -u | wc -l)
n_vcpu=$(grep -oE '\[cpu[0-9]+ as:[0-9]+ tid:[0-9]+\] work\(\)' "$D/trace.txt" | grep -oE '^\[cpu[0-9]+' | sort -u | wc -l)
check "cpu names the vCPU: as many distinct cpus as qtrace's trace shows running work() ($n_cpu / $n_vcpu)" \
    test "$n_cpu" = "$n_vcpu" -a "$n_cpu" -gt 1
done_testing
