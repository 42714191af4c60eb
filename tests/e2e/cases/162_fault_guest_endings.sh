#!/usr/bin/env bash
# How a guest ends decides qtrace system's exit status, and every ending leaves a readable trace:
# a kernel panic (sysrq c: exit 4), a triple fault (the kernel's reboot=t method: an empty IDT and
# int3; exit 5), a guest that never powers off (--timeout: exit 124). Oracles: the guest kernel's
# console (its panic message, "Restarting system"), QEMU's own cpu_reset log ("Triple fault"),
# busybox's commands seen by the guest kernel (the exec lines).
. "$(dirname "$0")/../lib.sh"
need_guest calls
BB='qtrace.run=../bin/busybox' # /init runs /progs/NAME: busybox itself, with qtrace.args
# readable NAME: the trace converts again, whole (an end record), nothing corrupt
readable() {
    "$QTRACE" dump "$TMP/$1/trace.qtr" >"$TMP/$1.dump" 2>"$TMP/$1.dumperr"
    ok $([ $? = 0 ] && ! grep -qE 'corrupt|cut short|without its end record' "$TMP/$1.dumperr"; echo $?) \
        "$1: qtrace dump reads the trace, whole"
}

# sysrq c: the kernel panics ("sysrq triggered crash"), panic=-1 resets the guest at once
trace_boot "$TMP" panic --append "$BB qtrace.args=sh,-c,echo\${IFS}c>/proc/sysrq-trigger" --comm busybox \
    --syscalls --timeout 240
ok $([ "$(rc_of "$TMP/panic.rc")" = 4 ]; echo $?) "panic: qtrace exits 4, got $(rc_of "$TMP/panic.rc")"
check "panic: the guest kernel said it panicked" grep -q 'Kernel panic - not syncing: sysrq triggered crash' "$TMP/panic.console"
check "panic: qtrace says so in one line" \
    grep -qE '^qtrace: warning: the guest kernel panicked [0-9.]+ s into the run \(panic\("sysrq triggered crash\\n"\)\); the trace ends there: exit status 4$' \
    "$TMP/panic.err"
# the trace: the write of 'c' to /proc/sysrq-trigger, then the panic
expect_in_order "$TMP/panic/trace.txt" '.*syscall openat\(AT_FDCWD, "/proc/sysrq-trigger", .*' \
    '.*syscall write\(1, "c\\n", 2\) <unfinished \.\.\.>|.*syscall write\(1, "c\\n", 2\)' '.*== panic "sysrq triggered crash\\n"'
readable panic

# reboot=t: the kernel reboots by a triple fault; -no-reboot makes the reset QEMU's end
trace_boot "$TMP" triple --append "reboot=t $BB qtrace.args=reboot,-f" --comm busybox --syscalls --timeout 240
ok $([ "$(rc_of "$TMP/triple.rc")" = 5 ]; echo $?) "triple fault: qtrace exits 5, got $(rc_of "$TMP/triple.rc")"
check "triple fault: the guest kernel restarted, and QEMU logged a triple fault" \
    bash -c "grep -q 'reboot: Restarting system' '$TMP/triple.console' && grep -qx 'Triple fault' '$TMP/triple/qemu-resets.log'"
check "triple fault: qtrace says so in one line" \
    grep -qE '^qtrace: warning: a guest CPU triple-faulted .*: exit status 5$' "$TMP/triple.err"
check "triple fault: the trace has busybox's reboot call" grep -qE 'syscall reboot\(0xfee1dead, ' "$TMP/triple/trace.txt"
readable triple

# a guest that never powers off: stopped by --timeout
trace_boot "$TMP" forever --append "$BB qtrace.args=sleep,100000" --comm busybox --syscalls --timeout 30
ok $([ "$(rc_of "$TMP/forever.rc")" = 124 ]; echo $?) "--timeout: qtrace exits 124, got $(rc_of "$TMP/forever.rc")"
check "--timeout: qtrace says it stopped QEMU" grep -q '^qtrace: warning: --timeout: QEMU still running after 30 s' "$TMP/forever.err"
if grep -q '^QTRACE-GUEST: run ../bin/busybox sleep 100000' "$TMP/forever.console"; then
    check "--timeout: the trace has the sleep the guest was in" grep -qE 'syscall (nanosleep|clock_nanosleep)\(' "$TMP/forever/trace.txt"
else
    skip "--timeout: the trace has the sleep the guest was in" "the guest had not booted after 30 s (an overloaded host)"
fi
readable forever
done_testing
