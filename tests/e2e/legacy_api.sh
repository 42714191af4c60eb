#!/usr/bin/env bash
# Seed 001's plugins (the ISP RAS fork's plugin_*/qemulib_* API) run unchanged through
# libqtrace-legacy.so. The seed's two example plugins, compiled from the seed's text, and a plugin
# of ours that uses every function (tests/legacy/allapi.c); every log is checked against qtrace's
# own record of the same run (execution log, -R return values, the trace's vCPUs), or against the
# program (nm, readelf). Then bad input: a clear line each, the guest runs on as in the fork.
. "$(dirname "$0")/lib.sh"

SEED=${QTRACE_SEEDS:-$TOP/../shared/seeds}/001_plugin-api.md
QEMU_USER=$CACHE/bin/qemu-x86_64
ADAPTER=$BUILD/libqtrace-legacy.so
CF="-O1 -g -fno-inline -fno-optimize-sibling-calls"
skip() { T_N=$((T_N + 1)); echo "ok $T_N # SKIP $1"; }
# build an old plugin as the docs say: gcc -shared -fPIC -I build/include -o libX.so X.c
build_old() { gcc -shared -fPIC -I "$BUILD/include" -o "$2" "$1" 2>"$TMP/$(basename "$2").cc"; }
# the addresses of "executing instruction at ADDR" lines / of an execution log's instructions
logged_addrs() { sed -n 's/^executing instruction at \([0-9a-f]*\)$/\1/p' "$1"; }
execlog_addrs() { awk -F', ' '{ a = $2; sub(/^0x/, "", a); print a }' "$1"; }
addr_of() { nm "$1" | awk -v n="$2" '$3 == n { sub(/^0+/, "", $1); print $1; exit }'; }
# the address of the first ret of function $2 in ELF $1 (objdump $3)
ret_of() { "${3:-objdump}" -d --no-show-raw-insn "$1" | awk -v f="<$2>:" '$2 == f { on = 1; next } on && /\tret/ { sub(/:$/, "", $1); print $1; exit }'; }

# ---- the headers, installed next to the build; the seed's plugins from its text ----------------
check "make installed include/plugins.h and regnum.h in build/include" test -f "$BUILD/include/plugins.h" -a -f "$BUILD/include/regnum.h"
if [ ! -f "$SEED" ]; then
    skip "seed 001 not found at $SEED (CI has ../shared beside the clone)"
    done_testing
    exit
fi
awk '/^Instruction logging plugin example$/ { on = 1; next } /^System call logging plugin example$/ { on = 0 } on' "$SEED" >"$TMP/insn.c"
awk '/^System call logging plugin example$/ { on = 1; next } on' "$SEED" >"$TMP/sys.c"
check "the seed's two plugins extracted from its text" grep -q 'qemulib_log("sysenter %x\\n", reg);' "$TMP/sys.c"
build_old "$TMP/insn.c" "$TMP/libinsn.so"
ok $? "the seed's instruction logger builds unchanged against build/include"
build_old "$TMP/sys.c" "$TMP/libsys.so"
ok $? "the seed's sysenter/sysexit logger builds unchanged against build/include"
build_old "$TOP/tests/legacy/allapi.c" "$TMP/liball.so"
ok $? "tests/legacy/allapi.c builds as an old plugin"

if [ ! -x "$QEMU_USER" ]; then
    skip "user mode: no plugin-enabled $QEMU_USER (make setup-qemu-user)"
else
    # ---- the instruction logger: its addresses are qtrace's execution log, line for line ------
    P=$TMP/prog
    gcc $CF -static -no-pie -o "$P" "$TOP/tests/legacy/legacy_prog.c"
    D=$TMP/insn
    "$QTRACE" run -q -o "$D" --exec-log --exec-log-flow --legacy-plugin "$TMP/libinsn.so" --legacy-log "$TMP/insn.log" \
        -- "$P" >"$TMP/insn.out" 2>"$TMP/insn.err"
    ok $? "qtrace run --exec-log --legacy-plugin libinsn.so: exits 0"
    check "the program ran (its output)" grep -qx 'qtrace-legacy-magic 2035' "$TMP/insn.out"
    n=$(wc -l <"$TMP/insn.log")
    check "every log line is the seed's 'executing instruction at %lx' ($n lines)" \
        test "$(grep -cvE '^executing instruction at [0-9a-f]+$' "$TMP/insn.log")" = 0 -a "$n" -gt 10000
    logged_addrs "$TMP/insn.log" >"$TMP/insn.addrs"
    execlog_addrs "$D/trace.execlog" >"$TMP/exec.addrs"
    same_text "its addresses equal qtrace's execution log of the same run, line for line" "$TMP/insn.addrs" "$TMP/exec.addrs"

    # the QEMU form, without qtrace: the first instruction is the ELF's entry point
    "$QEMU_USER" -plugin "$ADAPTER,plugin=$TMP/libinsn.so,log=$TMP/q.log" "$P" >/dev/null 2>"$TMP/q.err"
    ok $? "QEMU form -plugin libqtrace-legacy.so,plugin=...,log=...: exits 0"
    entry=$(readelf -h "$P" | awk '/Entry point/ { sub(/^0x/, "", $4); print $4 }')
    check "QEMU form: the first line is the ELF entry point ($entry)" test "$(head -1 "$TMP/q.log")" = "executing instruction at $entry"
    "$QEMU_USER" -plugin "$ADAPTER,plugin=$TMP/libinsn.so" "$P" >/dev/null 2>"$TMP/q2.err"
    check "without log=: qemulib_log writes to standard error (as the fork without -D)" \
        test "$(grep -c '^executing instruction at ' "$TMP/q2.err")" = "$(wc -l <"$TMP/q.log")"

    # ---- every function, and two plugins at once (called newest first) ---------------------
    TICK=$(addr_of "$P" tick) MAGIC=$(addr_of "$P" legacy_magic) RET=$(ret_of "$P" tick)
    D=$TMP/all
    "$QTRACE" run -q -o "$D" -P tick -R tick --exec-log --afilter "0x$TICK" \
        --legacy-plugin "$TMP/liball.so,args=tb=0x$TICK str=0x$MAGIC len=19 ret=0x$RET" \
        --legacy-plugin "$TMP/libinsn.so" --legacy-log "$TMP/all.log" -- "$P" >"$TMP/all.out" 2>"$TMP/all.err"
    ok $? "qtrace run with two --legacy-plugins and -P/-R/--exec-log: exits 0"
    check "plugin_init got args=, qemulib_get_arch_name says x86_64" \
        grep -qx "init arch=x86_64 args=tb=0x$TICK str=0x$MAGIC len=19 ret=0x$RET" "$TMP/all.log"
    n_tb=$(grep -c "^tb $TICK " "$TMP/all.log")
    n_ex=$(wc -l <"$D/trace.execlog")
    check "before_tb: once per run of tick's block, as often as the execution log runs it ($n_tb / $n_ex)" \
        test "$n_tb" = "$n_ex" -a "$n_tb" = 37
    check "before_tb: n counts 1..37 in order" \
        test "$(sed -n "s/^tb $TICK n=\([0-9]*\) .*/\1/p" "$TMP/all.log" | tr '\n' ' ')" = "$(seq -s ' ' 1 37) "
    check "rip read in before_tb is the block's pc, 8 bytes" \
        test "$(grep -c "^tb $TICK n=[0-9]* pcreg=$TICK size=8 " "$TMP/all.log")" = 37
    n_needs=$(grep -c "^needs-tb $TICK pcreg=$TICK size=8$" "$TMP/all.log")
    check "needs_before_tb: asked at translation and again before each run, pc register readable ($n_needs > 37)" \
        test "$n_needs" -gt 37 -a "$(grep -c '^needs-tb ' "$TMP/all.log")" = "$n_needs"
    check "memory: the known string at its nm address" grep -qx 'mem 0 qtrace-legacy-magic' "$TMP/all.log"
    check "memory: an unmapped address fails with -1" grep -qx 'mem-unmapped -1' "$TMP/all.log"
    check "an unknown register id reads 0 bytes" grep -qx 'reg-unknown 0' "$TMP/all.log"
    check "... and says so on stderr" grep -q "qtrace-legacy: qemulib_read_register: register id 9999 is unknown on x86_64" "$TMP/all.err"
    check "the fork-only TR_BASE reads 0 bytes, said on stderr" \
        bash -c "grep -qx 'reg-fork-only 0' '$TMP/all.log' && grep -q 'register id 154 is the fork' '$TMP/all.err'"
    sed -n "s/^ret $RET val=\([0-9a-f]*\) size=8$/\1/p" "$TMP/all.log" | while read -r h; do echo $((16#$h)); done >"$TMP/rax.got"
    sed -n 's/.*\] tick() = \(-*[0-9]*\);$/\1/p' "$D/trace.txt" >"$TMP/rax.want"
    same_text "rax at tick's ret equals qtrace's recorded return values (-R tick)" "$TMP/rax.got" "$TMP/rax.want"
    check "37 return values" test "$(wc -l <"$TMP/rax.want")" = 37
    check "reverse load order: at tick's ret the newer plugin (libinsn) is called first" \
        test "$(grep -A1 -x "executing instruction at $RET" "$TMP/all.log" | grep -c "^ret $RET ")" = 37
    # between two instruction lines: a tb line exactly when the second is tick's first instruction
    bad=$(awk -v t="$TICK" '/^tb / { tb = 1 } /^executing instruction at / { if (tb != ($4 == t)) n++; tb = 0 } END { print n + 0 }' "$TMP/all.log")
    check "the block hook runs before the first instruction's hook, at each of its runs ($bad out of place)" test "$bad" = 0

    # ---- threads: calls serialised, cpu names the vCPU -------------------------------------
    gcc $CF -static -no-pie -pthread -o "$TMP/many" "$TOP/tests/progs/many_threads.c"
    WORK=$(addr_of "$TMP/many" work)
    D=$TMP/threads
    "$QTRACE" run -q -o "$D" -P work --legacy-plugin "$TMP/liball.so,args=tb=0x$WORK" --legacy-log "$TMP/thr.log" \
        -- "$TMP/many" >/dev/null 2>"$TMP/thr.err"
    ok $? "40 threads with an old plugin: exits 0"
    check "calls serialised: n counts 1..40 without a gap or a repeat" \
        test "$(sed -n "s/^tb $WORK n=\([0-9]*\) .*/\1/p" "$TMP/thr.log" | tr '\n' ' ')" = "$(seq -s ' ' 1 40) "
    n_cpu=$(sed -n 's/.* cpu=\(0x[0-9a-f]*\)$/\1/p' "$TMP/thr.log" | sort -u | wc -l)
    n_vcpu=$(grep -oE '\[cpu[0-9]+ as:[0-9]+ tid:[0-9]+\] work\(\)' "$D/trace.txt" | grep -oE '^\[cpu[0-9]+' | sort -u | wc -l)
    check "cpu names the vCPU: as many distinct cpus as qtrace's trace shows running work() ($n_cpu / $n_vcpu)" \
        test "$n_cpu" = "$n_vcpu" -a "$n_cpu" -gt 1

    # ---- bad input ----------------------------------------------------------------------------
    printf 'int not_a_plugin(void) { return 1; }\n' | gcc -shared -fPIC -x c - -o "$TMP/libnot.so"
    printf '#include <stdint.h>\n#include "plugins.h"\nvoid missing_function(void);\nbool plugin_init(const char *a) { (void)a; missing_function(); return true; }\n' \
        | gcc -shared -fPIC -I "$BUILD/include" -x c - -o "$TMP/libmissing.so"
    for bad in not missing; do
        "$QEMU_USER" -plugin "$ADAPTER,plugin=$TMP/lib$bad.so" "$P" >"$TMP/$bad.out" 2>"$TMP/$bad.err"
        ok $? "lib$bad.so: QEMU goes on running (as the fork did), exit 0"
        check "lib$bad.so: the guest program ran" grep -qx 'qtrace-legacy-magic 2035' "$TMP/$bad.out"
    done
    check "not a plugin: one line naming the file and the five functions" \
        grep -qx "qtrace-legacy: '$TMP/libnot.so' defines none of plugin_init, plugin_needs_before_insn, plugin_before_insn, plugin_needs_before_tb, plugin_before_tb: not a plugin of the old API (build it with include/plugins.h, see docs/legacy-api.md); the guest runs without it" "$TMP/not.err"
    check "missing symbol: one line naming the file and the symbol" \
        grep -q "^qtrace-legacy: cannot load plugin '$TMP/libmissing.so': .*undefined symbol: missing_function; the guest runs without it$" "$TMP/missing.err"
    "$QTRACE" run -q -o "$TMP/fail" --legacy-plugin "$TMP/liball.so,args=fail" --legacy-log "$TMP/fail.log" -- "$P" >"$TMP/fail.out" 2>"$TMP/fail.err"
    ok $? "plugin_init false: the run goes on, exit 0"
    check "plugin_init false: the fork's message, exactly" grep -qx "can't init plugin '$TMP/liball.so'" "$TMP/fail.err"
    check "plugin_init false: the plugin is inert (empty log)" test ! -s "$TMP/fail.log"
    "$QTRACE" run -q -o "$TMP/nofile" --legacy-plugin "$TMP/nonexistent.so" -- "$P" >/dev/null 2>"$TMP/nofile.err"
    ok $([ $? = 2 ]; echo $?) "--legacy-plugin of a missing file: exit 2 before QEMU starts"
    check "... one line naming it" test "$(wc -l <"$TMP/nofile.err")" = 1 -a "$(grep -c nonexistent.so "$TMP/nofile.err")" = 1
    "$QTRACE" run -q -o "$TMP/nolib" --legacy-log "$TMP/x.log" -- "$P" >/dev/null 2>"$TMP/nolib.err"
    ok $([ $? = 2 ]; echo $?) "--legacy-log without --legacy-plugin: exit 2"
    "$QEMU_USER" -plugin "$ADAPTER,plugin=$TMP/libinsn.so,bogus=1" "$P" >/dev/null 2>"$TMP/bogus.err"
    ok $([ $? != 0 ]; echo $?) "QEMU form, unknown option: QEMU stops"
    check "... naming the option and the valid ones" grep -q "qtrace-legacy: unknown option 'bogus=1' (options: plugin=LIB.so, args=STR, log=FILE)" "$TMP/bogus.err"
fi

# ---- aarch64 user mode: arch name and x0 ------------------------------------------------------
if [ -x "$CACHE/bin/qemu-aarch64" ] && command -v aarch64-linux-gnu-gcc >/dev/null; then
    A=$TMP/prog-a64
    aarch64-linux-gnu-gcc $CF -static -o "$A" "$TOP/tests/legacy/legacy_prog.c"
    TICK=$(addr_of "$A" tick) RET=$(ret_of "$A" tick aarch64-linux-gnu-objdump)
    D=$TMP/a64
    "$QTRACE" run -q -o "$D" -P tick -R tick --legacy-plugin "$TMP/liball.so,args=tb=0x$TICK ret=0x$RET" \
        --legacy-log "$TMP/a64.log" -- "$A" >/dev/null 2>"$TMP/a64.err"
    ok $? "aarch64: qtrace run --legacy-plugin exits 0"
    check "aarch64: qemulib_get_arch_name says aarch64" grep -q '^init arch=aarch64 ' "$TMP/a64.log"
    check "aarch64: pc read in before_tb is the block's pc" test "$(grep -c "^tb $TICK n=[0-9]* pcreg=$TICK size=8 " "$TMP/a64.log")" = 37
    sed -n "s/^ret $RET val=\([0-9a-f]*\) size=8$/\1/p" "$TMP/a64.log" | while read -r h; do echo $((16#$h)); done >"$TMP/x0.got"
    sed -n 's/.*\] tick() = \(-*[0-9]*\);$/\1/p' "$D/trace.txt" >"$TMP/x0.want"
    same_text "aarch64: x0 at tick's ret equals qtrace's recorded return values" "$TMP/x0.got" "$TMP/x0.want"
else
    skip "aarch64: no qemu-aarch64 or aarch64-linux-gnu-gcc"
fi

# ---- the 32-bit guest (qemu-system-i386): sysenter through the vDSO ---------------------------
# qtrace's --syscalls records nothing in an i386 kernel, so the oracle is qtrace's execution log
# of the same run: every sysenter executed, with eax and cr3 as they changed (--reg); its last
# line is execlog's repeat of the vCPU's last line at exit (docs/execlog.md), not an instruction.
G32=$CACHE/guest32
if ! command -v qemu-system-i386 >/dev/null || ! "$TOP/tests/compat/build-guest32.sh" >"$TMP/guest32.log" 2>&1; then
    skip "32-bit guest: no qemu-system-i386, or tests/compat/build-guest32.sh failed"
else
    D=$TMP/g32
    "$QTRACE" system --kernel "$G32/vmlinuz" --initrd "$G32/initrd.gz" --append qtrace.run=calls --timeout 240 -q -o "$D" \
        --exec-log --ifilter sysenter --reg eax --reg cr3 \
        --legacy-plugin "$TMP/libsys.so" --legacy-plugin "$TMP/liball.so,args=sys" --legacy-log "$TMP/g32.log" \
        >"$TMP/g32.console" 2>"$TMP/g32.err"
    ok $? "32-bit guest with the seed's sysenter logger: exits 0"
    check "the guest program ran to the end" grep -q 'QTRACE-GUEST: exit calls status 0' "$TMP/g32.console"
    check "qemulib_get_arch_name on qemu-system-i386 says i386" grep -q '^init arch=i386 args=sys$' "$TMP/g32.log"
    # eax and cr3 at each sysenter, carried over from the execution log's register changes
    awk '{ if (match($0, /eax -> 0x[0-9a-f]+/)) { v = substr($0, RSTART + 9, RLENGTH - 9); sub(/^0+/, "", v); eax = v == "" ? "0" : v }
           if (match($0, /cr3 -> 0x[0-9a-f]+/)) { v = substr($0, RSTART + 9, RLENGTH - 9); sub(/^0+/, "", v); cr3 = v == "" ? "0" : v }
           print "sysenter " eax " cr3 " cr3 }' "$D/trace.execlog" | sed '$d' >"$TMP/sysenter.want"
    awk '/^cr3 / { cr3 = $2 } /^sysenter / { print $0 " cr3 " cr3 }' "$TMP/g32.log" >"$TMP/sysenter.got"
    n=$(wc -l <"$TMP/sysenter.want")
    check "sysenters executed ($n)" test "$n" -gt 20
    same_text "one 'sysenter N' line per system call made by sysenter, N as eax in qtrace's execution log; cr3 read as recorded" \
        "$TMP/sysenter.got" "$TMP/sysenter.want"
    check "reverse load order: at each sysenter the newer plugin's cr3 line comes first, 8 bytes" \
        test "$(grep -B1 '^sysenter ' "$TMP/g32.log" | grep -c '^cr3 [0-9a-f]* size=8$')" = "$n"
    check "the kernel's sysexits are logged too" grep -q '^sysexit ' "$TMP/g32.log"

    # qtrace compat: QEMU-TRACER's configuration and an old plugin in one run
    D=$TMP/compat32
    mkdir -p "$D"
    ADD=$(addr_of "$G32/progs/calls" add)
    printf 'calls\nffffffff~ffffffff\n0~0\nfuncstack:0\nlinkmap:0\ntrace_type:spec_func_with_param\n0x%s,0,int,1,int,2,int\n' \
        "$ADD" >"$D/configs.txt"
    (cd "$D" && "$QTRACE" compat -q -p "$G32/progs/calls" --timeout 240 --legacy-plugin "$TMP/libsys.so" \
        --legacy-log "$D/sys.log" -- -kernel "$G32/vmlinuz" -initrd "$G32/initrd.gz" -append qtrace.run=calls \
        >console 2>stderr)
    ok $? "qtrace compat --legacy-plugin in the 32-bit guest: exits 0"
    check "compat: QEMU-TRACER's log has add's calls" grep -q "^call 0x$ADD add(" "$D/log"
    check "compat: the old plugin's log has its sysenter lines" test "$(grep -c '^sysenter ' "$D/sys.log")" -gt 20
fi

done_testing
