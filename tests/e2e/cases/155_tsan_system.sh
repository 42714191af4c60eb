#!/usr/bin/env bash
# e2e: long
# The plugin under ThreadSanitizer in system mode: build/tsan/libqtrace.so (make unit-tsan) in
# Debian's qemu-system-x86_64 with libtsan preloaded, as case 154 does in user mode, booting the
# bundled guest on 4 vCPUs: 16 threads of guest/progs/stress calling traced functions (one with
# an argument: the general path; one a one-block function: the fast path and the stacks'
# try-locks), with their process's system calls (--comm, --syscalls: the task tracking and the
# per-task syscall slots). QEMU's coroutines switch stacks with sigsetjmp/siglongjmp, which
# TSan's interceptors cannot follow: tests/tools/tsan_nojmp.c, preloaded first, hides them.
# Oracle: TSan itself (no report outside 154_tsan_plugin.supp's QEMU hand-overs), the program's own
# per-thread counts, and its threads' clone and exit calls.
. "$(dirname "$0")/../lib.sh"
need_guest stress
TPLUG=$BUILD/tsan/libqtrace.so
[ -f "$TPLUG" ] || bail "$TPLUG is built (make unit-tsan)"
LIBTSAN=$(readlink -f "$(gcc -print-file-name=libtsan.so)")
[ -f "$LIBTSAN" ] || bail "gcc's libtsan.so is found ($LIBTSAN)"
QSYS=$(command -v qemu-system-x86_64) || bail "qemu-system-x86_64 is installed"
gcc -O2 -Wall -Wextra -Werror -shared -fPIC -o "$TMP/tsan_nojmp.so" "$TOP/tests/tools/tsan_nojmp.c" -ldl ||
    bail "build tests/tools/tsan_nojmp.c"
SUPP=$TOP/tests/e2e/cases/154_tsan_plugin.supp
# history_size=7: the longest per-thread history, so that a race's earlier access keeps its stack
# (and a suppression can match it) on vCPU threads that run the plugin all the time
printf '#!/bin/sh\nG_SLICE=always-malloc LD_PRELOAD="%s %s" TSAN_OPTIONS="suppressions=%s log_path=%s/tsan print_suppressions=1 report_signal_unsafe=0 history_size=7" exec %s "$@"\n' \
    "$TMP/tsan_nojmp.so" "$LIBTSAN" "$SUPP" "$TMP" "$QSYS" >"$TMP/qemu-tsan"
chmod +x "$TMP/qemu-tsan"
THREADS=16 CALLS=500
t0=$SECONDS
QTRACE_PLUGIN=$TPLUG trace_boot "$TMP" s --qemu "$TMP/qemu-tsan" --smp 4 --timeout 400 \
    --append "qtrace.run=stress qtrace.args=$THREADS,calls,$CALLS" --comm stress --syscalls \
    -p "$GUEST/progs/stress" -P tick -P tock -A 'tick@arg1/i' --format text
secs=$((SECONDS - t0))
C=$TMP/s.console T=$TMP/s/trace.txt
ok $([ "$(rc_of "$TMP/s.rc")" = 0 ] && grep -qx "stress: done threads=$THREADS calls=$((THREADS * CALLS))" "$C"; echo $?) \
    "TSan plugin in qemu-system-x86_64 -smp 4: the guest ran $THREADS threads x $CALLS calls and powered off (status $(rc_of "$TMP/s.rc"), ${secs}s)"
tail -3 "$TMP/s.err" | diag
# per thread: tick and tock calls in the trace, against the counts the threads printed
awk '!match($0, /tid:[0-9]+\]/) { next }
     { tid = substr($0, RSTART + 4, RLENGTH - 5) }
     /\] +tick\(id=[0-9]+\)/ { n[tid]++ } /\] +tock\(\)/ { k[tid]++ }
     END { for (t in n) print t, n[t], k[t] + 0 }' "$T" | sort >"$TMP/got"
sed -n 's/^stress: thread [0-9]* tid=\([0-9]*\) calls=\([0-9]*\) sum=[0-9]*$/\1 \2 \2/p' "$C" | sort >"$TMP/want"
read -r lost < <(sed -n 's/^qtrace: .* \([0-9]*\) lost -> .*/\1/p' "$TMP/s.err")
if [ "${lost:-x}" = 0 ]; then
    same_text "every thread's tick and tock calls are in the trace as it counted them" "$TMP/got" "$TMP/want"
else
    ok $([ "$(wc -l <"$TMP/want")" = $THREADS ]; echo $?) "$lost events lost (reported): the $THREADS threads printed their counts"
fi
# each worker thread is a clone of the program and ends with its own exit
nclone=$(grep -cE '\] syscall clone3?\(' "$T")
nexit=$(grep -cE '\] syscall exit\(' "$T")
ok $([ "$nclone" -ge $THREADS ] && [ "$nexit" -ge $THREADS ]; echo $?) \
    "--syscalls: the program's $THREADS thread creations and exits ($nclone clone, $nexit exit)"
n=$(cat "$TMP"/tsan.* 2>/dev/null | grep -c '^WARNING: ThreadSanitizer')
ok $([ "$n" = 0 ]; echo $?) "ThreadSanitizer: no report from the plugin in system mode on 4 vCPUs ($n reports)"
[ "$n" = 0 ] || cat "$TMP"/tsan.* | grep -A14 '^WARNING' | head -60 | diag
grep -h 'suppressions\|^[0-9]* race:' "$TMP"/tsan.* 2>/dev/null | sort | uniq -c | diag
done_testing
