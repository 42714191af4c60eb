#!/usr/bin/env bash
# Old plugins build unchanged against the headers make installs: the seed's two examples, taken
# from the seed's own text, and a plugin of ours that calls every function (oracle: the compiler).
. "$(dirname "$0")/../lib.sh"
need_legacy
check "make installed include/plugins.h and regnum.h in build/include" test -f "$BUILD/include/plugins.h" -a -f "$BUILD/include/regnum.h"
check "the seed's two plugins extracted from its text" grep -q 'qemulib_log("sysenter %x\\n", reg);' "$L/sys.c"
ok "$(rc_of "$L/insn.rc")" "the seed's instruction logger builds unchanged against build/include"
ok "$(rc_of "$L/sys.rc")" "the seed's sysenter/sysexit logger builds unchanged against build/include"
ok "$(rc_of "$L/all.rc")" "tests/legacy/allapi.c builds as an old plugin"
done_testing
