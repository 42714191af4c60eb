#!/usr/bin/env bash
# IFUNC functions: glibc's strlen and strcmp, and a program's own IFUNC, are traced at the
# implementation their resolver chose, named by the IFUNC's name, with their arguments and
# return values; the resolvers' own calls (made while relocating) are not recorded. Dynamic PIE
# and static x86-64 programs, and a dynamic aarch64 one where the cross tools are here. Oracle:
# the program prints each call of its work() as qtrace must show it.
. "$(dirname "$0")/../lib.sh"
SRC=$TOP/tests/progs/ifunc_calls.c
SPECS=(-F work -P strlen -P strcmp -P triple -A 'strlen@arg1/s' -R strlen -A 'strcmp@arg1/s,arg2/s'
       -R 'strcmp@retval/i32' -A 'triple@arg1/i32' -R 'triple@retval/i32')
# work_calls TRACE: the calls recorded inside work(), unindented
work_calls() {
    tree_of "$1" | awk '!on && /^ *work\(\) \{$/ { on = 1; match($0, /^ */); at = RLENGTH; next }
                        on && substr($0, at + 1) ~ /^\} \/\* work/ { exit }
                        on { print substr($0, at + 3) }'
}

builds=(pie static)
gcc -O1 -g -fPIE -pie -o "$TMP/bin-pie" "$SRC"
gcc -O1 -g -static -o "$TMP/bin-static" "$SRC" 2>/dev/null || builds=(pie)
if command -v aarch64-linux-gnu-gcc >/dev/null && [ -x "$CACHE/bin/qemu-aarch64" ] &&
    [ -e /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 ]; then
    aarch64-linux-gnu-gcc -O1 -g -o "$TMP/bin-aarch64" "$SRC" && builds+=(aarch64)
fi
for b in "${builds[@]}"; do
    "$QTRACE" run -q "${SPECS[@]}" -o "$TMP/$b" -- "$TMP/bin-$b" >"$TMP/$b.out" 2>"$TMP/$b.err"
    ok $? "$b: qtrace run exits 0 ($(head -c 200 "$TMP/$b.err"))"
    ok $([ "$(wc -l <"$TMP/$b.out")" = 12 ]; echo $?) "$b: the program printed its 12 calls"
    work_calls "$TMP/$b/trace.txt" >"$TMP/$b.calls"
    same_text "$b: strlen, strcmp and triple inside work(), as the program printed them" "$TMP/$b.calls" "$TMP/$b.out"
    # a resolver's call would be recorded as strlen(...) returning the implementation's address
    awk '/\] *strlen\(/ { sub(/.* = /, ""); sub(/;$/, ""); if ($0 + 0 > 4096 || $0 ~ /^0x/) bad++ }
         END { exit bad > 0 }' "$TMP/$b/trace.txt"
    ok $? "$b: every strlen recorded returns a length (no resolver recorded as a call)"
done
[ "${#builds[@]}" = 3 ] || skip "aarch64 and static builds" "cross tools or libc.a missing (${builds[*]})"

# libc as a whole (lib:), without naming the functions: work's libc calls are its strlen and strcmp
"$QTRACE" run -q -F work -P 'lib:libc.so.6' -o "$TMP/lib" -- "$TMP/bin-pie" >/dev/null 2>"$TMP/lib.err"
ok $? "lib:libc.so.6: qtrace run exits 0"
work_calls "$TMP/lib/trace.txt" | sed 's/(.*//' >"$TMP/lib.calls"
same_text "lib:libc.so.6: work() calls strlen and strcmp, four times each" "$TMP/lib.calls" \
    <(for i in 1 2 3 4; do printf 'strlen\nstrcmp\n'; done)
# durations: functions named one by one are timed by the host clock; a -P glob or lib: may select
# many, whose events the instruction counter packs (the trace's header says which)
unit() { sed -n '1s/.*duration = \([a-z ]*\)).*/\1/p' "$1"; }
check "named functions (-P strlen, -A, -R): durations in host time" test "$(unit "$TMP/pie/trace.txt")" = "host time"
check "lib:libc.so.6: durations in guest instructions" test "$(unit "$TMP/lib/trace.txt")" = "guest instructions"
"$QTRACE" run -q -P 'tri*' -P 'str*' -o "$TMP/glob" -- "$TMP/bin-pie" >/dev/null 2>&1
ok $? "-P 'tri*' -P 'str*': qtrace run exits 0"
check "a -P glob: durations in guest instructions" test "$(unit "$TMP/glob/trace.txt")" = "guest instructions"
"$QTRACE" run -q -P triple -P strlen -o "$TMP/named" -- "$TMP/bin-pie" >/dev/null 2>&1
check "-P triple -P strlen (names, no glob): durations in host time" test "$(unit "$TMP/named/trace.txt")" = "host time"
# an IFUNC whose resolver chooses code outside its library (glibc's time: qemu-user's vDSO) is
# said once, not silently left untraced
printf '#include <stdio.h>\n#include <time.h>\nint main(void) { printf("%%d\\n", time(NULL) > 0); return 0; }\n' >"$TMP/tm.c"
gcc -O1 -o "$TMP/bin-time" "$TMP/tm.c"
"$QTRACE" run -q -P time -o "$TMP/time" -- "$TMP/bin-time" >"$TMP/time.out" 2>"$TMP/time.err"
ok $? "-P time: qtrace run exits 0"
check "the program called time() (it printed 1)" grep -qx 1 "$TMP/time.out"
check "one warning: time's implementation is outside libc.so.6, its calls are not traced" test "$(grep -c \
    '^qtrace: warning: time of libc.so.6 is an IFUNC whose resolver chose code outside the library (0x[0-9a-f]*): its calls are not traced$' \
    "$TMP/time.err")" = 1
# no selection: the program's functions and its imports; the program's IFUNC is its implementation
"$QTRACE" run -q -o "$TMP/all" -- "$TMP/bin-pie" >/dev/null 2>&1
work_calls "$TMP/all/trace.txt" | sed 's/(.*//' >"$TMP/all.calls"
same_text "no selection: work() calls strlen, strcmp (its imports) and triple_add, four times each" "$TMP/all.calls" \
    <(for i in 1 2 3 4; do printf 'strlen\nstrcmp\ntriple_add\n'; done)
done_testing
