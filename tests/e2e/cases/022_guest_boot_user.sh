#!/usr/bin/env bash
# qtrace.user=1 runs the guest program as uid 1000 (oracle: whoami's own output on the console).
. "$(dirname "$0")/../lib.sh"
need_guest calls whoami bench threads
fixture plain_boots
booted user
expect_in_order "$FX/user.log" \
    'QTRACE-GUEST: run whoami' \
    'uid=1000 gid=1000 euid=1000' \
    'QTRACE-GUEST: exit whoami status 0'
done_testing
