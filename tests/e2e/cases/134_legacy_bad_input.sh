#!/usr/bin/env bash
# Bad old plugins: not a plugin, a missing symbol, plugin_init false, a missing file, an unknown
# adapter option: one clear line each; QEMU goes on or stops as the fork did (oracle: the messages,
# the guest program's output).
. "$(dirname "$0")/../lib.sh"
need_legacy
need_qemu_user
printf 'int not_a_plugin(void) { return 1; }\n' | gcc -shared -fPIC -x c - -o "$TMP/libnot.so"
printf '#include <stdint.h>\n#include "plugins.h"\nvoid missing_function(void);\nbool plugin_init(const char *a) { (void)a; missing_function(); return true; }\n' \
    | gcc -shared -fPIC -I "$BUILD/include" -x c - -o "$TMP/libmissing.so"
for bad in not missing; do
    "$QEMU_USER" -plugin "$LEGACY,plugin=$TMP/lib$bad.so" "$P" >"$TMP/$bad.out" 2>"$TMP/$bad.err"
    ok $? "lib$bad.so: QEMU goes on running (as the fork did), exit 0"
    check "lib$bad.so: the guest program ran" grep -qx 'qtrace-legacy-magic 2035' "$TMP/$bad.out"
done
check "not a plugin: one line naming the file and the five functions" \
    grep -qx "qtrace-legacy: '$TMP/libnot.so' defines none of plugin_init, plugin_needs_before_insn, plugin_before_insn, plugin_needs_before_tb, plugin_before_tb: not a plugin of the old API (build it with include/plugins.h, see docs/legacy-api.md); the guest runs without it" "$TMP/not.err"
check "missing symbol: one line naming the file and the symbol" \
    grep -q "^qtrace-legacy: cannot load plugin '$TMP/libmissing.so': .*undefined symbol: missing_function; the guest runs without it$" "$TMP/missing.err"
"$QTRACE" run -q -o "$TMP/fail" --legacy-plugin "$L/liball.so,args=fail" --legacy-log "$TMP/fail.log" -- "$P" >"$TMP/fail.out" 2>"$TMP/fail.err"
ok $? "plugin_init false: the run goes on, exit 0"
check "plugin_init false: the fork's message, exactly" grep -qx "can't init plugin '$L/liball.so'" "$TMP/fail.err"
check "plugin_init false: the plugin is inert (empty log)" test ! -s "$TMP/fail.log"
"$QTRACE" run -q -o "$TMP/nofile" --legacy-plugin "$TMP/nonexistent.so" -- "$P" >/dev/null 2>"$TMP/nofile.err"
ok $([ $? = 2 ]; echo $?) "--legacy-plugin of a missing file: exit 2 before QEMU starts"
check "... one line naming it" test "$(wc -l <"$TMP/nofile.err")" = 1 -a "$(grep -c nonexistent.so "$TMP/nofile.err")" = 1
"$QTRACE" run -q -o "$TMP/nolib" --legacy-log "$TMP/x.log" -- "$P" >/dev/null 2>"$TMP/nolib.err"
ok $([ $? = 2 ]; echo $?) "--legacy-log without --legacy-plugin: exit 2"
"$QEMU_USER" -plugin "$LEGACY,plugin=$L/libinsn.so,bogus=1" "$P" >/dev/null 2>"$TMP/bogus.err"
ok $([ $? != 0 ]; echo $?) "QEMU form, unknown option: QEMU stops"
check "... naming the option and the valid ones" grep -q "qtrace-legacy: unknown option 'bogus=1' (options: plugin=LIB.so, args=STR, log=FILE)" "$TMP/bogus.err"
done_testing
