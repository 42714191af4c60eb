#!/usr/bin/env bash
# qtrace's help and version paths: status 0, text on stdout, nothing on stderr, the version string.
. "$(dirname "$0")/../lib.sh"

[ -x "$QTRACE" ] || bail "$QTRACE not built (make build/qtrace)"
Q=$QTRACE
# and the successful help paths: status 0, text on stdout, nothing on stderr
for args in "--help" "--version" "help run" "help system" "help dump" "run --help" "system -h" "dump --help"; do
    # shellcheck disable=SC2086
    $Q $args >"$TMP/out" 2>"$TMP/err"
    rc=$?
    ok $((rc != 0 || $(wc -c <"$TMP/err") != 0 || $(wc -c <"$TMP/out") == 0)) "qtrace $args: help on stdout, status 0"
done
[ "$($Q --version)" = "qtrace 0.1.0" ]
ok $? "--version prints qtrace 0.1.0"

done_testing
