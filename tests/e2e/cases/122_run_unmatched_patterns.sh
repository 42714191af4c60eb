#!/usr/bin/env bash
# A pattern that selects nothing is said at the end of the run, never a silent 0: a function that
# neither the program nor the libraries it loaded define, a library it never loads, an -A spec of
# no function (oracle: nm and ldd of the program).
. "$(dirname "$0")/../lib.sh"
gcc $CF -o "$TMP/dyn" "$CALLS" -pthread
libc=$(ldd "$TMP/dyn" | awk '$1 ~ /^libc\.so/ { print $3 }')
ok $([ -n "$libc" ]; echo $?) "ldd: the program loads libc ($libc)"
ok $( ! { nm "$TMP/dyn"; nm -D "$libc"; } | grep -qw 'no_such_fn'; echo $?) "nm: no_such_fn is defined in neither"
"$QTRACE" run -o "$TMP/q" -P no_such_fn -P 'lib:libnothere.so*' -A 'nothing_either@arg1/i' -- "$TMP/dyn" \
    >"$TMP/out" 2>"$TMP/err"
ok $? "qtrace run exits with the program's status"
grep '^qtrace: warning' "$TMP/err" >"$TMP/warn"
cat >"$TMP/want" <<WANT
qtrace: warning: no function of $TMP/dyn or its libraries (libc.so.6) matches 'no_such_fn': nothing was traced for it
qtrace: warning: no library that $TMP/dyn loaded is named 'libnothere.so*': nothing was traced for it
qtrace: warning: no function of $TMP/dyn or its libraries (libc.so.6) matches 'nothing_either' (-A/-R): nothing was traced for it
WANT
same_text "one warning per pattern that selected nothing, naming what was searched" "$TMP/warn" "$TMP/want"
"$QTRACE" run -o "$TMP/q2" -P add -P 'lib:libc.so*' -- "$TMP/dyn" >"$TMP/out2" 2>"$TMP/err2"
ok $? "qtrace run with patterns that match"
ok $( ! grep -q 'warning' "$TMP/err2"; echo $?) "patterns that select functions give no warning"
done_testing
