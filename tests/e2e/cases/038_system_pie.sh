#!/usr/bin/env bash
# A PIE program in the whole guest, run twice (its second process exec'ed by the first): each
# process is traced at the address the kernel loaded it at, learned at its exec, and the two are
# told apart (oracle: the addresses of main each process printed, nm, calls.c's call tree).
. "$(dirname "$0")/../lib.sh"
need_guest calls_pie
P=$GUEST/progs/calls_pie
trace_boot "$TMP" pie --append "qtrace.run=calls_pie qtrace.args=twice" --timeout 180 -p "$P" --comm calls_pie \
    -P main -P add -P fact -P greet -P probe -P leap -A 'add@arg1/i,arg2/i' -R 'add@retval/i' -A 'fact@arg1/i' \
    -R 'fact@retval/i' -A 'greet@arg1/s' -R 'greet@retval/i32' -A 'probe@arg1/s' -R 'probe@retval/i32' \
    -A 'leap@arg1/i32' -R 'main@retval/i32'
ok "$(rc_of "$TMP/pie.rc")" "qtrace system exits 0"
check "both processes ran to the end" test "$(grep -c '^QTRACE-GUEST: exit calls_pie status 0$' "$TMP/pie.console")" = 1 \
    -a "$(grep -c '^calls_pie: pid=' "$TMP/pie.console")" = 2
check "nothing said about an unknown load address" bash -c "! grep -q 'warning' '$TMP/pie.err'"
main_off=$(nm "$P" | awk '$3 == "main" { print $1 }')
"$QTRACE" dump -f linkmap "$TMP/pie/trace.qtr" | awk -v p="$P" '$3 == p { print $1 }' >"$TMP/bases"
check "two module records for the program, at two addresses" test "$(sort -u "$TMP/bases" | wc -l)" = 2
T=$TMP/pie/trace.txt
sed -n 's/^calls_pie: pid=\([0-9]*\) main=\(0x[0-9a-f]*\)$/\1 \2/p' "$TMP/pie.console" >"$TMP/said"
while read -r pid main; do
    printf '0x%016x\n' $((main - 0x$main_off)) >"$TMP/base.$pid"
    check "pid $pid: a module record at the base its main says (main $main - nm's 0x$main_off)" \
        grep -qxF "$(cat "$TMP/base.$pid")" "$TMP/bases"
    call_tree "$T" "$pid" >"$TMP/tree.$pid"
    same_text "pid $pid: main's exact call tree, arguments and return values" "$TMP/tree.$pid" "$TOP/tests/e2e/expected/calls_main.tree"
done <"$TMP/said"

# never silent: the program never runs (another one does), or its address cannot be learned
trace_boot "$TMP" other --append qtrace.run=calls --timeout 180 -p "$P" -P add
ok "$(rc_of "$TMP/other.rc")" "qtrace system of another program exits 0"
check "the traced PIE never ran: said at the end" \
    grep -qxF "qtrace: warning: no exec of $P was seen in the guest: none of its functions was traced" "$TMP/other.err"
trace_boot "$TMP" nokernel --append qtrace.run=calls_pie --timeout 180 -p "$P" -P add --no-kernel-introspection
check "without the kernel: said when QEMU starts, once" test "$(grep -c warning "$TMP/nokernel.err")" = 1 -a \
    "$(grep -cF "qtrace: warning: $P is a PIE: without the guest's kernel (kernel=) its load address is not known and none of its functions is traced; give its bias (bias=)" "$TMP/nokernel.err")" = 1
done_testing
