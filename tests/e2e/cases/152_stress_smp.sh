#!/usr/bin/env bash
# e2e: long
# Stress: guest/progs/stress on 4 vCPUs, 64 threads calling tick(id, k) (which calls tock(k))
# 2000 times each, at the same time. Oracle: each thread's own count and id, printed by the
# program. Every thread's calls are in the trace, with its own id, or the missing ones are
# reported as lost; none is recorded twice. (bench/stress.sh runs the same for a minute.)
. "$(dirname "$0")/../lib.sh"
need_guest stress
THREADS=64 CALLS=2000
trace_boot "$TMP" s --smp 4 --append "qtrace.run=stress qtrace.args=$THREADS,calls,$CALLS" --timeout 170 \
    -p "$GUEST/progs/stress" -P tick -P tock -A 'tick@arg1/i' --format text
C=$TMP/s.console T=$TMP/s/trace.txt
ok $([ "$(rc_of "$TMP/s.rc")" = 0 ] && grep -qx "stress: done threads=$THREADS calls=$((THREADS * CALLS))" "$C"; echo $?) \
    "the guest ran $THREADS threads x $CALLS calls on 4 vCPUs and powered off (qtrace status $(rc_of "$TMP/s.rc"))"
tail -3 "$TMP/s.err" | diag
read -r events lost < <(sed -n 's/^qtrace: \([0-9]*\) events, .* \([0-9]*\) lost -> .*/\1 \2/p' "$TMP/s.err")
# per thread (tid): the id its tick calls were given, tick calls, tock calls
awk '
    !match($0, /tid:[0-9]+\]/) { next }
    { tid = substr($0, RSTART + 4, RLENGTH - 5) }
    /\] +tick\(id=[0-9]+\)/ { match($0, /tick\(id=[0-9]+\)/); id = substr($0, RSTART + 8, RLENGTH - 9)
                              n[tid]++; if (!(tid in ids)) ids[tid] = id; else if (ids[tid] != id) ids[tid] = "mixed" }
    /\] +tock\(\)/ { k[tid]++ }
    END { for (t in n) print t, ids[t], n[t], k[t] + 0 }' "$T" | sort >"$TMP/got"
sed -n 's/^stress: thread \([0-9]*\) tid=\([0-9]*\) calls=\([0-9]*\) sum=[0-9]*$/\2 \1 \3 \3/p' "$C" | sort >"$TMP/want"
vcpus=$(grep -oE '^[^[]*\[cpu[0-9]+ as:[0-9]+ tid:[0-9]+\] +tick\(' "$T" | grep -oE 'cpu[0-9]+' | sort -u | wc -l)
ok $([ "$(wc -l <"$TMP/want")" = $THREADS ] && [ "$vcpus" = 4 ]; echo $?) "$THREADS threads printed their counts; the trace has their calls on $vcpus vCPUs"
recorded=$(awk '{ s += $3 + $4 } END { print s * 2 }' "$TMP/got")
if [ "${lost:-x}" = 0 ]; then
    # tick(id) takes the general path (an argument); tock, a one-block function, is recorded at its
    # ret from its call's mark, or by its entry callback when a thread switch came in between
    same_text "0 lost: every thread (tid, id) has exactly the tick and tock calls it counted, all with its own id" \
        "$TMP/got" "$TMP/want"
    n_unw=$(grep -c '/\* [a-z]*: unwound \*/' "$T")
    ok $([ "$n_unw" = 0 ]; echo $?) "no call marked unwound (got $n_unw)"
else
    ok $([ $((recorded + lost)) = $((THREADS * CALLS * 4)) ]; echo $?) \
        "$lost events reported lost: recorded call events + lost = 4 x $((THREADS * CALLS)) ($recorded + $lost)"
fi
echo "trace: $events events, $lost lost; call events $recorded" | diag
done_testing
