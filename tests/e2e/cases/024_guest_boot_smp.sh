#!/usr/bin/env bash
# Two threads run under -smp 2 (oracle: what threads.c prints on the console).
. "$(dirname "$0")/../lib.sh"
need_guest calls whoami bench threads
fixture plain_boots
booted smp
expect_in_order "$FX/smp.log" \
    'QTRACE-GUEST: run threads' \
    'threads: tid1=[0-9]+ tid2=[0-9]+' \
    'threads: done total=600' \
    'QTRACE-GUEST: exit threads status 0'
done_testing
