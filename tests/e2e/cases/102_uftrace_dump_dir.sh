#!/usr/bin/env bash
# qtrace dump -f uftrace writes the same uftrace.data directory as qtrace run, replaces its own
# earlier output, and refuses without -o (oracle: diff -r against qtrace run's directory).
. "$(dirname "$0")/../lib.sh"
need_uftrace
fixture uftrace
"$QTRACE" dump -f uftrace -o "$TMP/dumped.data" "$FX/a/trace.qtr" 2>"$TMP/dump.err"
ok $? "qtrace dump -f uftrace -o DIR"
check "qtrace dump writes the same files as qtrace run" diff -r "$TMP/dumped.data" "$FX/a/uftrace.data"
"$QTRACE" dump -f uftrace -o "$TMP/dumped.data" "$FX/a/trace.qtr" 2>"$TMP/dump2.err"
ok $? "qtrace dump -f uftrace replaces its own earlier output"
"$QTRACE" dump -f uftrace "$FX/a/trace.qtr" >"$TMP/dump3.out" 2>"$TMP/dump3.err"
st=$?
ok $([ $st = 2 ] && [ "$(wc -l <"$TMP/dump3.err")" = 1 ] && grep -q '^qtrace: error: .*-o DIR' "$TMP/dump3.err"; echo $?) \
    "without -o: one error line, exit 2 ($st: $(cat "$TMP/dump3.err"))"
done_testing
