#!/usr/bin/env bash
# The bundled guest boots under plain qemu-system-x86_64 (no plugin) and runs calls.c, which
# prints its lines in order and exits 0 (oracle: the console).
. "$(dirname "$0")/../lib.sh"
need_guest calls whoami bench threads
fixture plain_boots
booted calls
expect_in_order "$FX/calls.log" \
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
done_testing
