#!/usr/bin/env bash
# qtrace.args reaches the guest program (oracle: the same static bench binary run on the host
# with the same argument; bench is deterministic).
. "$(dirname "$0")/../lib.sh"
need_guest calls whoami bench threads
fixture plain_boots
booted args
want=$("$GUEST/progs/bench" 1000 2>&1)
expect_in_order "$FX/args.log" \
    'QTRACE-GUEST: run bench 1000' \
    "$want" \
    'QTRACE-GUEST: exit bench status 0'
done_testing
