# Shared helpers for end-to-end tests (sourced). TAP output: ok/not ok lines, plan at the end.
TOP=${QTRACE_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BUILD=${QTRACE_BUILD:-$TOP/build}
CACHE=${QTRACE_CACHE:-$TOP/.cache}
QTRACE=$BUILD/qtrace
GUEST=$CACHE/guest
T_N=0
T_FAIL=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/qtrace-e2e.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

ok() { # cond-status name
    T_N=$((T_N + 1))
    if [ "$1" -eq 0 ]; then echo "ok $T_N - $2"; else echo "not ok $T_N - $2"; T_FAIL=$((T_FAIL + 1)); fi
}
check() { local name=$1; shift; "$@" >/dev/null 2>&1; ok $? "$name"; }
# same_text NAME GOT_FILE WANT_FILE: exact comparison, diff shown on failure
same_text() {
    if diff -u "$3" "$2" >"$TMP/diff" 2>&1; then ok 0 "$1"; else ok 1 "$1"; sed 's/^/#   /' "$TMP/diff" | head -40; fi
}
done_testing() { echo "1..$T_N"; [ "$T_FAIL" -eq 0 ]; }
# Strip the duration and [cpu as tid] columns: the call tree as indented text.
tree_of() { sed -n 's/^[^[]*\[cpu[0-9]* as:[0-9]* tid:[0-9]*\] //p' "$1"; }
# Lines of one thread only (by tid), tree form.
thread_tree() { grep -E "\[cpu[0-9]+ as:[0-9]+ tid:$2\] " "$1" | sed 's/^[^[]*\[cpu[0-9]* as:[0-9]* tid:[0-9]*\] //'; }
# Shift lines left by the first one's indentation (stdin to stdout).
unindent() { awk 'NR == 1 { match($0, /^ */); cut = RLENGTH } { print substr($0, cut + 1) }'; }
# program_tree FILE TID NAMES: one thread's lines of the functions named (a|b|...), unindented
# (thread_tree as the calling test defines it)
program_tree() { thread_tree "$1" "$2" | grep -E "^ *(($3)\\(|\\} /\\* ($3)[ :])" | unindent; }
