#!/usr/bin/env bash
# Three traced boots of the guest (ktest as root and as user 1000, k32 on an Intel-vendor CPU):
# qtrace system exits 0 and the programs run to the end (oracle: their own last console line).
. "$(dirname "$0")/../lib.sh"
need_guest ktest
fixture ktest
ok "$(rc_of "$FX/a.rc")" "qtrace system (root run) exits 0"
ok "$(rc_of "$FX/b.rc")" "qtrace system (user run) exits 0"
ok "$(rc_of "$FX/c.rc")" "qtrace system (32-bit program, Intel vendor CPU) exits 0"
check "32-bit run: k32 ran to the end" grep -q '^k32: done$' "$FX/c.console"
check "root run: ktest ran to the end" grep -q '^ktest: done$' "$FX/a.console"
check "user run: ktest ran to the end" grep -q '^ktest: done$' "$FX/b.console"
[ "$(rc_of "$FX/a.rc")" = 0 ] || tail -5 "$FX/a.err" | diag
done_testing
