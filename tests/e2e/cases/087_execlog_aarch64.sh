#!/usr/bin/env bash
# The execution log of an aarch64 program (qemu-aarch64, reg=x0,reg=sp) is the same bytes as
# libexeclog.so's (oracle: libexeclog.so).
. "$(dirname "$0")/../lib.sh"
execlog_setup
if command -v aarch64-linux-gnu-gcc >/dev/null && [ -x "$QEMU_A64" ]; then
    PA=$W/prog-aarch64
    if el_build_prog "$TOP/tests/progs/execlog_prog.c" "$PA" aarch64-linux-gnu-gcc; then
        QEMU_SAVE=$QEMU
        QEMU=$QEMU_A64
        run_pair a64 "reg=x0,reg=sp" "$PA"
        QEMU=$QEMU_SAVE
        compare a64 "aarch64: reg=x0,reg=sp"
    else
        ok 1 "aarch64: build the test program"
    fi
else
    skip "aarch64: reg=x0,reg=sp" "no aarch64-linux-gnu-gcc or qemu-aarch64"
fi
done_testing
