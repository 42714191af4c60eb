#!/usr/bin/env bash
# scripts/build-guest.sh builds the bundled guest, and a second run is a one-line no-op
# (oracle: its output, and the files it must have written).
. "$(dirname "$0")/../lib.sh"

out=$("$TOP/scripts/build-guest.sh" 2>&1)
r=$?
ok $r "scripts/build-guest.sh succeeds"
[ $r = 0 ] || { printf '%s\n' "$out" | diag; done_testing; exit 1; }
out=$("$TOP/scripts/build-guest.sh" 2>&1)
[ "$out" = "guest: up to date ($GUEST)" ]
ok $? "second scripts/build-guest.sh run prints only 'guest: up to date'" || printf '%s\n' "$out" | diag
for f in vmlinuz initrd.gz progs/calls progs/whoami progs/bench progs/threads; do
    [ -s "$GUEST/$f" ] || bail "$GUEST/$f exists"
done
done_testing
