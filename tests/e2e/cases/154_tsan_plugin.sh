#!/usr/bin/env bash
# The plugin's multi-vCPU runs under ThreadSanitizer: build/tsan/libqtrace.so (make unit-tsan) in
# qemu-x86_64 with libtsan preloaded (a TSan plugin cannot be dlopen'ed into an uninstrumented
# QEMU otherwise: "cannot allocate memory in static TLS block"). 40 threads tracing every function
# (tests/progs/many_threads.c) and the hostile program's racing reads (tests/progs/hostile.c race).
# Oracle: TSan itself (no report outside the hand-overs QEMU makes, listed with their reasons in
# 154_tsan_plugin.supp), and the programs' printed results.
. "$(dirname "$0")/../lib.sh"
need_qemu_user
TPLUG=$BUILD/tsan/libqtrace.so
[ -f "$TPLUG" ] || bail "$TPLUG is built (make unit-tsan)"
LIBTSAN=$(gcc -print-file-name=libtsan.so)
LIBTSAN=$(readlink -f "$LIBTSAN")
[ -f "$LIBTSAN" ] || bail "gcc's libtsan.so is found ($LIBTSAN)"
SUPP=$TOP/tests/e2e/cases/154_tsan_plugin.supp
# a QEMU that runs with libtsan preloaded, its reports in $TMP/tsan.PID; glib's slice allocator
# hands memory between threads under its own futexes, which TSan does not see: plain malloc then
printf '#!/bin/sh\nG_SLICE=always-malloc LD_PRELOAD=%s TSAN_OPTIONS="suppressions=%s log_path=%s/tsan print_suppressions=1 report_signal_unsafe=0" exec %s "$@"\n' \
    "$LIBTSAN" "$SUPP" "$TMP" "$QEMU_USER" >"$TMP/qemu-tsan"
chmod +x "$TMP/qemu-tsan"
gcc -O1 -g -fno-inline -static -pthread -o "$TMP/many" "$TOP/tests/progs/many_threads.c" || bail "build many_threads.c"
gcc -O1 -g -fno-inline -static -pthread -o "$TMP/hostile" "$TOP/tests/progs/hostile.c" || bail "build hostile.c"
reports() { cat "$TMP"/tsan.* 2>/dev/null | grep -c '^WARNING: ThreadSanitizer'; }

QTRACE_PLUGIN=$TPLUG "$QTRACE" run -q --qemu "$TMP/qemu-tsan" --format text -o "$TMP/m" -- "$TMP/many" >"$TMP/m.out" 2>&1
rc=$?
nl=$(grep -c 'leaf();$' "$TMP/m/trace.txt")
ok $([ $rc = 0 ] && grep -qx 'many: 23999624576' "$TMP/m.out" && [ "$nl" = 800000 ]; echo $?) \
    "40 threads, every function, TSan plugin: the program's sum, all 800000 leaf() calls ($rc, $nl)"
n=$(reports)
ok $([ "$n" = 0 ]; echo $?) "ThreadSanitizer: no data race in the plugin with 40 vCPU threads ($n reports)"
[ "$n" = 0 ] || cat "$TMP"/tsan.* | grep -A12 '^WARNING' | head -40 | diag
grep -h 'suppressions\|^[0-9]* race:' "$TMP"/tsan.* 2>/dev/null | sort | uniq -c | diag
rm -f "$TMP"/tsan.*

QTRACE_PLUGIN=$TPLUG "$QTRACE" run -q --qemu "$TMP/qemu-tsan" -A 'take_str@arg1/s' -A 'take_argv@arg1/argv' \
    -R 'give_str@retval/s' --format text -o "$TMP/h" -- "$TMP/hostile" race >"$TMP/h.out" 2>&1
rc=$?
ok $([ $rc = 0 ] && grep -qx 'hostile: race 20000 calls' "$TMP/h.out"; echo $?) "the hostile program under the TSan plugin ran to its end ($rc)"
n=$(reports)
ok $([ "$n" = 0 ]; echo $?) "ThreadSanitizer: no data race while another thread rewrites what the arguments point at ($n reports)"
[ "$n" = 0 ] || cat "$TMP"/tsan.* | grep -A12 '^WARNING' | head -40 | diag
done_testing
