#!/usr/bin/env bash
# build/libqtrace.so loads in qemu-x86_64 with execlog=on (else the other execlog cases use the
# stand-alone harness tests/execlog/harness.c, same execlog code); oracle: QEMU runs it.
. "$(dirname "$0")/../lib.sh"
execlog_setup
if [ "$PLUGIN_KIND" = libqtrace ]; then
    ok 0 "build/libqtrace.so runs with execlog=on"
elif [ -n "${QTRACE_EXECLOG_HARNESS:-}" ]; then
    skip "build/libqtrace.so runs with execlog=on" "QTRACE_EXECLOG_HARNESS is set: testing the stand-alone harness"
else
    ok 1 "build/libqtrace.so runs with execlog=on ($PLUGIN_WHY)"
    echo "# the other tests use the stand-alone harness tests/execlog/harness.c (same execlog code)"
fi
done_testing
