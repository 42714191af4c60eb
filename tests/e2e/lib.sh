# The one library of the end-to-end cases (tests/e2e/cases/*.sh source it): TAP helpers, trace
# helpers, the fixtures (guest boots and runs that several cases read), and what more than one
# case needs. A case defines only what no other case needs.
# Env (set by tests/run.sh, defaults otherwise): QTRACE_TOP, QTRACE_BUILD, QTRACE_CACHE and
# QTRACE_E2E_RUN (the test run's id: fixtures made under another id are made again).
set -u
TOP=${QTRACE_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BUILD=${QTRACE_BUILD:-$TOP/build}
CACHE=${QTRACE_CACHE:-$TOP/.cache}
export QTRACE_TOP=$TOP QTRACE_BUILD=$BUILD QTRACE_CACHE=$CACHE
export QTRACE_E2E_RUN=${QTRACE_E2E_RUN:-$$.$(date +%s%N)}
QTRACE=$BUILD/qtrace
GUEST=$CACHE/guest
KERNEL=$GUEST/vmlinuz
# the same kernel uncompressed: QEMU boots it through PVH, with no decompressor to replay (a
# recorded boot replays in half the time) and no KASLR; the record/replay cases record it, and
# those about KASLR the bzImage
RRKERNEL=$GUEST/vmlinux
INITRD=$GUEST/initrd.gz
T_N=0
T_FAIL=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/qtrace-e2e.XXXXXX")
# QTRACE_E2E_KEEP=1 keeps a case's scratch folder (its path is the first line of the output)
if [ -n "${QTRACE_E2E_KEEP:-}" ]; then echo "# scratch: $TMP"; else trap 'rm -rf "$TMP"' EXIT; fi

# ---- TAP ---------------------------------------------------------------------------------------
ok() { # STATUS NAME: ok when STATUS is 0
    T_N=$((T_N + 1))
    if [ "$1" -eq 0 ]; then echo "ok $T_N - $2"; else echo "not ok $T_N - $2"; T_FAIL=$((T_FAIL + 1)); fi
}
check() { local name=$1; shift; "$@" >/dev/null 2>&1; ok $? "$name"; }
skip() { T_N=$((T_N + 1)); echo "ok $T_N - $1 # SKIP $2"; } # NAME WHY
diag() { sed 's/^/#   /'; }
# same_text NAME GOT_FILE WANT_FILE: exact comparison, diff shown on failure
same_text() {
    if diff -u "$3" "$2" >"$TMP/diff" 2>&1; then ok 0 "$1"; else ok 1 "$1"; diag <"$TMP/diff" | head -40; fi
}
done_testing() { echo "1..$T_N"; [ "$T_FAIL" -eq 0 ]; }
bail() { ok 1 "$1"; done_testing; exit 1; } # NAME: one failed assertion, and stop
skip_all() { echo "ok 1 - # SKIP $1"; echo "1..1"; exit 0; }

# ---- fixtures ----------------------------------------------------------------------------------
# fixture NAME: runs fx_NAME (below) once per test run in $BUILD/e2e-fixtures/NAME and sets FX to
# that directory. Cases that read the same boot share it; a case run alone makes what it needs.
# fx_NAME writes its commands' exit statuses into files of FX for the cases to assert.
FIXTURES=$BUILD/e2e-fixtures
# Cases run in parallel (tests/run.sh): the first to need a fixture makes it under a lock, the
# others wait for it.
fixture() {
    local dir=$FIXTURES/$1
    mkdir -p "$FIXTURES"
    exec {lock}>"$FIXTURES/.$1.lock"
    flock "$lock"
    if [ "$(cat "$dir/.run" 2>/dev/null)" != "$QTRACE_E2E_RUN" ]; then
        rm -rf "$dir"
        mkdir -p "$dir"
        "fx_$1" "$dir" >"$dir/.log" 2>&1 </dev/null
        echo "$QTRACE_E2E_RUN" >"$dir/.run"
    fi
    exec {lock}>&-
    FX=$dir
}
rc_of() { cat "$1" 2>/dev/null || echo 255; } # FILE: an exit status a fixture wrote
need_guest() { # the bundled guest, with the programs named
    local p
    for p in "$@"; do
        [ -f "$KERNEL" ] && [ -s "$GUEST/progs/$p" ] || bail "the bundled guest with progs/$p (run scripts/build-guest.sh)"
    done
}
# trace_boot DIR NAME QTRACE-SYSTEM-ARGS...: qtrace system of the bundled guest into DIR/NAME,
# console (carriage returns removed) in DIR/NAME.console, stderr in DIR/NAME.err, status in DIR/NAME.rc
# A guest that panics in the kernel's IO-APIC timer check, before any program ran, is booted once
# more: on an overloaded host TCG's timer ticks too slowly for that check (DIR/NAME.retried says so).
trace_boot() {
    local d=$1 n=$2 try; shift 2
    for try in 1 2; do
        "$QTRACE" system --kernel "$KERNEL" --initrd "$INITRD" -o "$d/$n" "$@" >"$d/$n.raw" 2>"$d/$n.err" </dev/null
        echo $? >"$d/$n.rc"
        tr -d '\r' <"$d/$n.raw" >"$d/$n.console"
        rm -f "$d/$n.raw"
        grep -q "Kernel panic - not syncing: IO-APIC + timer doesn't work" "$d/$n.console" &&
            ! grep -q '^QTRACE-GUEST: run ' "$d/$n.console" || break
        cp "$d/$n.console" "$d/$n.retried"
    done
}

# the bundled guest under plain qemu-system-x86_64 (no plugin), four boots two at a time
fx_plain_boots() {
    local d=$1
    boot() { # name, kernel cmdline switches, extra qemu args...
        local name=$1 append=$2 t0=$SECONDS; shift 2
        timeout 120 qemu-system-x86_64 -nographic -no-reboot -m 512 -kernel "$KERNEL" -initrd "$INITRD" \
            -append "console=ttyS0 quiet panic=-1 $append" "$@" </dev/null 2>&1 | tr -d '\r' >"$d/$name.log"
        echo "${PIPESTATUS[0]} $((SECONDS - t0))" >"$d/$name.rc"
    }
    boot calls "qtrace.run=calls" &
    boot user "qtrace.run=whoami qtrace.user=1" &
    wait
    boot args "qtrace.run=bench qtrace.args=1000" &
    boot smp "qtrace.run=threads" -smp 2 &
    wait
}

# calls.c in the guest, its functions named, with arguments and return values; json and folded too
fx_sys_calls() {
    trace_boot "$1" calls --append qtrace.run=calls --timeout 180 \
        -p "$GUEST/progs/calls" --icount -P main -P add -P fact -P greet -P probe -P leap -P depth -P worker \
        -A 'add@arg1/i,arg2/i' -R 'add@retval/i' -A 'fact@arg1/i' -R 'fact@retval/i' \
        -A 'greet@arg1/s' -R 'greet@retval/i32' -A 'probe@arg1/s' -R 'probe@retval/i32' \
        -A 'leap@arg1/i32' -A 'depth@arg1/i' -R 'depth@retval/i' -A 'worker@arg1/i' -R 'main@retval/i32' \
        --format text,json,folded
}

# ktest in the guest, three boots side by side: as root (--follow, kernel argument types), as user
# 1000 with --kernel-symbols (a renamed System.map), and k32 alone on an Intel-vendor CPU
fx_ksysmap() { # the image's symbol table as a System.map, and a /proc/kallsyms-form copy of it
    local d=$1
    "$QTRACE" kernel-info --kernel "$KERNEL" --system-map "$d/System.map" >"$d/ki.txt" 2>"$d/ki.err"
    echo $? >"$d/ki.rc"
    # another boot's KASLR slide, a module's symbol, and do_sys_openat2 renamed qtrace_map_openat2:
    # only the file knows that name, so its calls prove the file was used
    python3 - "$d/System.map" "$d/renamed.map" <<'PY'
import sys
out = open(sys.argv[2], 'w')
for l in open(sys.argv[1]):
    a, t, n = l.split()
    v = int(a, 16)
    if v >= 0xffffffff80000000:
        v += 0x1c000000         # as a /proc/kallsyms of a boot slid by 0x1c000000 shows it
    out.write('%016x %s %s\n' % (v, t, 'qtrace_map_openat2' if n == 'do_sys_openat2' else n))
out.write('ffffffffc0390000 t crc7_be\t[crc7]\n')
PY
}
fx_ktest() {
    local d=$1 map
    fixture ksysmap
    map=$FX/renamed.map
    trace_boot "$d" a --append qtrace.run=ktest --timeout 150 -p "$GUEST/progs/ktest" \
        --comm ktest --follow --syscalls \
        -P do_sys_openat2 -A 'do_sys_openat2@arg2/s' -R 'do_sys_openat2@retval/i32' \
        -A 'vfs_mkdir@arg3/dentry' -A 'security_inode_getattr@arg1/path' -A 'generic_fillattr@arg2/inode' \
        -A 'filp_close@arg1/file' -A 'inet_bind@arg1/socket,arg2/sockaddr' -A 'inet_listen@arg1/socket' \
        -A 'cap_capable@arg1/cred,arg3/i32' -A 'wake_up_new_task@arg1/task' &
    trace_boot "$d" b --append "qtrace.run=ktest qtrace.user=1" --timeout 150 \
        --comm ktest --syscalls -A 'cap_capable@arg1/cred,arg3/i32' \
        --kernel-symbols "$map" -A 'qtrace_map_openat2@arg2/s' -R 'qtrace_map_openat2@retval/i32' &
    # the 32-bit program alone, as user 1000, on a CPU of Intel's vendor: its vDSO uses sysenter
    trace_boot "$d" c --append "qtrace.run=k32 qtrace.user=1" --timeout 150 \
        --comm k32 --syscalls -- -cpu qemu64,vendor=GenuineIntel &
    wait
}

# ktest_fixture: the ktest fixture (FX), the root and the user run's traces (T, U), and ktest's pid
# in the root run (pid)
ktest_fixture() {
    need_guest ktest
    fixture ktest
    T=$FX/a/trace.txt
    U=$FX/b/trace.txt
    pid=$(said "$FX/a.console" 'ktest: pid=\([0-9]*\) comm=ktest uid=0')
}

# libs_dyn (a dynamically linked PIE) in the guest with its libc, --sysroot the guest's own files
# (.cache/guest/sysroot), two boots side by side. a: --comm, the program's functions with DWARF
# arguments, qsort calling the program's cmp back; b: the program run twice (a second process at
# other addresses), every libc function in both, the link maps
fx_libs() {
    local d=$1 sr=$GUEST/sysroot
    trace_boot "$d" a --append "qtrace.run=libs_dyn" --timeout 180 --sysroot "$sr" -p "$sr/progs/libs_dyn" \
        --comm libs_dyn -P main -A scale -P qsort -P cmp &
    trace_boot "$d" b --append "qtrace.run=libs_dyn qtrace.args=twice" --timeout 180 --sysroot "$sr" \
        -p "$sr/progs/libs_dyn" -P scale -P 'lib:libc.so.6' --linkmap &
    wait
}
# libs_fixture: the libs fixture (FX), the guest's sysroot (SR) and the program's path there (DP)
libs_fixture() {
    need_guest libs_dyn
    [ -s "$GUEST/sysroot/progs/libs_dyn" ] || bail "the guest's sysroot with progs/libs_dyn (run scripts/build-guest.sh)"
    fixture libs
    SR=$GUEST/sysroot
    DP=$SR/progs/libs_dyn
}

# ---- reading traces and consoles ---------------------------------------------------------------
# Strip the duration and [cpu as tid] columns: the call tree as indented text.
# undeep: the text format indents at most 256 levels and starts a deeper line with "[depth N] ";
# this gives such a line its whole indentation back (2 spaces a level), as the trees expect
undeep() {
    awk '{ if (match($0, /^ *\[depth [0-9]+\] /)) { n = substr($0, 1, RLENGTH); gsub(/[^0-9]/, "", n)
           printf "%*s%s\n", 2 * n, "", substr($0, RLENGTH + 1) } else print }'
}
tree_of() { sed -n 's/^[^[]*\[cpu[0-9]* as:[0-9]* tid:[0-9]*\] //p' "$1" | undeep; }
# Lines of one thread only (by tid), tree form.
thread_tree() { grep -E "\[cpu[0-9]+ as:[0-9]+ tid:$2\] " "$1" | sed 's/^[^[]*\[cpu[0-9]* as:[0-9]* tid:[0-9]*\] //' | undeep; }
# thread_tree without the kernel's process events (fork, exec, exit: '== ...' lines)
call_tree() { thread_tree "$1" "$2" | grep -v '^== '; }
# syscall_lines TRACE TID: one thread's system calls and process events ("== ..."); a call split
# around the kernel functions traced inside it ("... <unfinished ...>", then "<... NAME resumed> = V"
# on the next line once those are left out) is joined into one line, as without them
syscall_lines() {
    thread_tree "$1" "$2" | grep -E '^(<\.\.\. )?syscall |^== ' | awk '
        held != "" && /^<\.\.\. syscall / { sub(/ <unfinished \.\.\.>$/, "", held); print held " = " substr($0, index($0, "> = ") + 4); held = ""; next }
        held != "" { print held; held = "" }
        / <unfinished \.\.\.>$/ { held = $0; next }
        { print }
        END { if (held != "") print held }'
}
# write_call [i386:] TEXT: the trace line of the write(2) of the line TEXT to standard output
write_call() {
    local abi=; [ $# = 2 ] && { abi=$1; shift; }
    echo "syscall ${abi}write(1, \"$1\\n\", $((${#1} + 1))) = $((${#1} + 1))"
}
# Shift lines left by the first one's indentation (stdin to stdout).
unindent() { awk 'NR == 1 { match($0, /^ */); cut = RLENGTH } { print substr($0, cut + 1) }'; }
# program_tree FILE TID NAMES: one thread's lines of the functions named (a|b|...), unindented
program_tree() { thread_tree "$1" "$2" | grep -E "^ *(($3)\\(|\\} /\\* ($3)[ :])" | unindent; }
# said FILE 'LINE': the \(...\) group of the first whole line of FILE matching LINE (a sed regex)
said() { sed -n "s#^$2\$#\\1#p" "$1" | head -1; }
# returns TRACE TID 'func(args)' VALUE: a call of func(args) in thread TID returns VALUE, on one
# line or as "func(args) {" ... "} = VALUE; /* func */" around the calls it made
returns() {
    thread_tree "$1" "$2" | sed 's/^ *//' | awk -v call="$3" -v val="$4" '
        $0 == call " = " val ";" { found = 1; exit }
        $0 == call " {" { open = 1; name = call; sub(/\(.*/, "", name); next }
        open && $0 ~ "^} = " && index($0, "/* " name " */") { if ($3 == val ";") found = 1; exit }
        END { exit !found }'
}
# the number of address spaces ("as:N") the events of a trace (.qtr) ran in
n_address_spaces() { "$QTRACE" dump -f text "$1" 2>/dev/null | grep -oE '\[cpu[0-9]+ as:[0-9]+ ' | sort -u | wc -l; }
# booted NAME: plain_boots' boot NAME powered off by itself (qemu status 0), not by the timeout
booted() {
    local rc secs
    read -r rc secs <"$FX/$1.rc"
    if [ "$rc" = 0 ]; then
        ok 0 "$1: guest powered off by itself (qemu status 0, ${secs}s)"
    else
        ok 1 "$1: guest powered off by itself (qemu status $rc$([ "$rc" = 124 ] && echo ', timed out after 120s'))"
        tail -20 "$FX/$1.log" | diag
    fi
}
# expect_in_order LOG PATTERN...: each anchored ERE matches a whole line of LOG, after the line
# the previous pattern matched
expect_in_order() {
    local log=$1 name pos=0 pat hit; shift
    name=$(basename "$log" .log)
    for pat in "$@"; do
        hit=$(tail -n +$((pos + 1)) "$log" | grep -n -m1 -E -x -- "$pat" | cut -d: -f1)
        if [ -n "$hit" ]; then
            pos=$((pos + hit))
            ok 0 "$name: console line /$pat/ (line $pos)"
        else
            ok 1 "$name: console line /$pat/ after line $pos"
            diag <"$log"
        fi
    done
}

# ---- QEMU-TRACER configurations (qtrace compat) ------------------------------------------------
# calls.c in the guest, with QEMU-TRACER's command line (-d func -D log, -net nic -net user)
PROG=$GUEST/progs/calls
QARGS=(-kernel "$KERNEL" -initrd "$INITRD" -append "qtrace.run=calls" -rtc clock=vm -net nic -net user -d func -D log)
# QEMU-TRACER's own configs/reg_map.txt, as its document shows it
REGMAP=' 32 R_EAX 0 --> 0
 32 R_EAX 1 --> 0
 32 R_ECX 2 --> 1
 32 R_EDX 3 --> 2 
 64 R_EAX 0 --> 0
 64 R_EDI 1 --> 7
 64 R_ESI 2 --> 6 
 64 R_EDX 3 --> 2
 64 R_ECX 4 --> 1
 64 R_8 5 --> 8
 64 R_9 6 --> 9'
# the kernel's symbols as nm -n vmlinux would give them (qtrace compat --system-map)
fx_compat_map() { "$QTRACE" compat --system-map "$KERNEL" >"$1/System.map" 2>"$1/sm.err"; echo $? >"$1/rc"; }
sym() { nm "$PROG" | awk -v n="$1" '$3 == n { print $1 }'; }
ksym() { awk -v n="$1" '$3 == n { print $1 }' "$FIXTURES/compat_map/System.map"; }
hex() { printf '0x%x' "0x$1"; }
compat_syms() { # the addresses the configurations name, from nm and the System.map
    fixture compat_map
    ADD=$(sym add) GREET=$(sym greet) PROBE=$(sym probe) FACT=$(sym fact) MAIN=$(sym main) WORKER=$(sym worker)
    KW=$(ksym ksys_write) KPC=$(ksym prepare_creds) KSL=$(ksym simple_lookup) KGP=$(ksym __x64_sys_getpid)
    a=$(hex "$ADD") g=$(hex "$GREET") p=$(hex "$PROBE") f=$(hex "$FACT") m=$(hex "$MAIN") w=$(hex "$WORKER")
    kw=$(hex "$KW") kg=$(hex "$KGP")
}
new_config() { mkdir -p "$TMP/$1"; cat >"$TMP/$1/configs.txt"; } # NAME <CONFIG-TEXT
# run_compat NAME [ARGS]: boots the guest in $TMP/NAME with $TMP/NAME/configs.txt (already written)
# and configs/reg_map.txt; sets D to the folder
run_compat() {
    D=$TMP/$1
    shift
    mkdir -p "$D/configs"
    printf '%s\n' "$REGMAP" >"$D/configs/reg_map.txt"
    (cd "$D" && "$QTRACE" compat -p "$PROG" --timeout 240 "$@" -- "${QARGS[@]}" >console.raw 2>stderr)
    local rc=$?
    tr -d '\r' <"$D/console.raw" >"$D/console"
    rm -f "$D/console.raw"
    return $rc
}
# all_func_log NAME LOG: what an all_func_without_param log shows: every function of calls.c
# called, no argument or return values, leap's longjmp as an unwind
all_func_log() {
    local fn
    for fn in main add fact greet probe leap depth worker printf; do
        check "$1: $fn is in the log" grep -qE "^call 0x[0-9a-f]+ $fn\\(\\) " "$2"
    done
    check "$1: no argument values, no return values" \
        bash -c "! grep -qE '^call [^ ]+ [^ ]+\\([^)]' '$2' && ! grep -qE '^ret .* = ' '$2'"
    check "$1: longjmp out of leap shows as unwind" grep -qE '^unwind 0x[0-9a-f]+ leap depth=' "$2"
}
# what the calls program's listed functions must give: spec_want ADD GREET PROBE
spec_want() {
    local a=$1 g=$2 p=$3
    printf '%s\n' "call $a add(1:int=2, 2:int=3) main" "ret $a add = 0:int=5 main" \
        "call $g greet(1:string=\"world\") main" "ret $g greet = 0:int=5 main" "call $p probe() main" \
        "ret $p probe = 0:int=7 main" "call $a add(1:int=40, 2:int=2) main" "ret $a add = 0:int=42 main"
    local id i
    for id in 1 2; do
        for i in 0 1 2; do
            printf '%s\n' "call $a add(1:int=${id}00, 2:int=$i) worker" "ret $a add = 0:int=$((id * 100 + i)) worker"
        done
    done
}
# stack_by_thread STACK: its call lines without pid and comm, the thread named main (the one
# that calls add(2, 3)) or worker; with or without pid= (a 32-bit trace has tid only)
stack_by_thread() {
    local main_tid
    grep -vE '^(#|linkmap )' "$1" | sed -E 's/ (pid=[0-9]+ )?tid=([0-9]+)( comm=calls)?$/ T\2/' >"$1.norm"
    main_tid=$(sed -n 's/^call [0-9a-fx]* add(1:int=2, 2:int=3) T//p' "$1.norm")
    sed -E "s/ T$main_tid\$/ main/; s/ T[0-9]+\$/ worker/" "$1.norm"
}
# fake_qemu: $FAKE, a QEMU that only leaves $TMP/qemu-started behind
fake_qemu() {
    FAKE=$TMP/fake-qemu
    printf '#!/bin/sh\ntouch "%s/qemu-started"\nexit 0\n' "$TMP" >"$FAKE"
    chmod +x "$FAKE"
}

# ---- the 32-bit guest (tests/compat/build-guest32.sh): qemu-system-i386, an i386 kernel --------
G32=$CACHE/guest32
P32=$G32/progs/calls
Q32=(-kernel "$G32/vmlinuz" -initrd "$G32/initrd.gz" -append "qtrace.run=calls" -d func -D log)
fx_guest32() { "$TOP/tests/compat/build-guest32.sh" >"$1/build.log" 2>&1; echo $? >"$1/rc"; }
fx_compat_map32() { "$QTRACE" compat --system-map "$G32/vmlinuz" >"$1/System.map" 2>/dev/null; echo $? >"$1/rc"; }
# need_guest32: skips the case where the 32-bit guest cannot be built, builds it (once) otherwise
need_guest32() {
    command -v qemu-system-i386 >/dev/null || skip_all "32-bit guest: no qemu-system-i386"
    printf 'int main(void) { return 0; }\n' | gcc -m32 -static -x c - -o "$TMP/m32" 2>/dev/null ||
        skip_all "32-bit guest: gcc -m32 cannot link a static program (Debian: gcc-12-multilib)"
    fixture guest32
    G32_RC=$(rc_of "$FX/rc")
    G32_LOG=$FX/build.log
}
sym32() { nm "$P32" | awk -v n="$1" '$3 == n { print $1 }'; }
ksym32() { awk -v n="$1" '$3 == n { print $1 }' "$FIXTURES/compat_map32/System.map"; }
run32() { local PROG=$P32; local -a QARGS=("${Q32[@]}"); run_compat "$@"; } # NAME: run_compat in the 32-bit guest
compat32_syms() { # need_guest32's guest built, and the addresses the 32-bit configurations name
    [ "$G32_RC" = 0 ] || { tail -5 "$G32_LOG" | diag; bail "32-bit guest: built (tests/compat/build-guest32.sh)"; }
    fixture compat_map32
    KW32=$(ksym32 ksys_write) POW32=$(ksym32 process_one_work)
    a=$(hex "$(sym32 add)") g=$(hex "$(sym32 greet)") p=$(hex "$(sym32 probe)") f=$(hex "$(sym32 fact)")
    m=$(hex "$(sym32 main)") kw=$(hex "$KW32") pow=$(hex "$POW32")
}
# the configurations more than one case runs
spec_config() { # NAME: spec_func_with_param, the seed's own example shape
    new_config "$1" <<CFG
calls
ffffffffffffffff~ffffffffffffffff
0~0
funcstack:0
linkmap:610000
trace_type:spec_func_with_param
$GREET,0,int,1,string
$ADD,0,int,1,int,2,int
$PROBE
CFG
}
all_cfg() { # TRACE_TYPE: ksys_write as the kernel range, every user function
    new_config "$1" <<CFG
calls
$KW~$KW
0~0
funcstack:0
linkmap:0
trace_type:$1
CFG
}
kcfg32() { # TRACE_TYPE: the 32-bit kernel range ksys_write and process_one_work (kworkers only)
    printf 'calls\n%s~%s,%s\n0~0\nfuncstack:0\nlinkmap:0\ntrace_type:%s\n' "$KW32" "$KW32" "$POW32" "$1" | new_config "${1}32"
}

# ---- uftrace as the oracle (uftrace.data output) ----------------------------------------------
# need_uftrace: skips the case without uftrace, gcc or a plugin-enabled qemu-x86_64 (waits up to
# 10 minutes for a setup that is building it)
need_uftrace() {
    command -v uftrace >/dev/null 2>&1 || skip_all "uftrace is not installed"
    command -v gcc >/dev/null 2>&1 || skip_all "gcc is not installed"
    local i
    for i in $(seq 120); do
        [ -f "$CACHE/qemu-user.stamp" ] && [ -x "$CACHE/bin/qemu-x86_64" ] && break
        sleep 5
    done
    [ -x "$CACHE/bin/qemu-x86_64" ] || skip_all "no plugin-enabled qemu-x86_64 in $CACHE/bin (make setup-qemu-user)"
}
UFT_FUNCS=(-P main -P work -P fact -P add -P square -P mul -P greet)
# tests/progs/uftrace_prog.c built with -pg and traced twice (in the fixture's folder: a -pg
# program leaves gmon.out in its working directory): q, its functions named; a, with -A/-R and puts
fx_uftrace() {
    cd "$1" || return
    gcc -pg -O1 -g -fno-inline -o prog "$TOP/tests/progs/uftrace_prog.c"; echo $? >prog.rc
    gcc -O1 -g -fno-inline -pthread -o thr "$TOP/tests/progs/uftrace_threads.c"; echo $? >thr.rc
    "$QTRACE" run -q "${UFT_FUNCS[@]}" --format text,uftrace -o q -- ./prog >q.out 2>q.err; echo $? >q.rc
    "$QTRACE" run -q "${UFT_FUNCS[@]}" -P puts -A 'fact@arg1/i32' -R 'fact@retval/i32' \
        -A 'add@arg1/i32,arg2/i32' -R 'add@retval/i32' -A 'greet@arg1/s,arg2/c' -R 'greet@retval/s' \
        --format text,uftrace -o a -- ./prog >/dev/null 2>a.err; echo $? >a.rc
}
# uftrace's tree without its duration and tid columns
uft_tree() { sed -n 's/^[^|]*| //p' "$1"; }
# no argument values, no return values, no ': unwound' notes: names and nesting only
bare() { sed -E 's/\(.*\)( = [^;]*)?;$/();/; s/\(.*\) \{$/() {/; s/^( *)\} = [^;]*;/\1}/; s/: (unwound|unfinished) \*\// *\//'; }

# ---- the execution log against QEMU's contrib/plugins/libexeclog.so ------------------------------
# execlog_setup: tests/execlog/common.sh's paths (W: the case's scratch folder), the test program P
# (tests/progs/execlog_prog.c) and its symbols, the plugin (PLUGIN, PLUGIN2)
execlog_setup() {
    . "$TOP/tests/execlog/common.sh"
    [ -x "$QEMU" ] && [ -f "$REF" ] || skip_all "no plugin-enabled qemu-x86_64 or libexeclog.so in $CACHE (make setup-qemu-user)"
    fixture execlog_prog
    P=$FX/prog
    [ -x "$P" ] || bail "build tests/progs/execlog_prog.c"
    W=$TMP/execlog
    mkdir -p "$W"
    cp "$FX/prog.nm" "$FX/prog.nmS" "$W/"
    el_pick_plugin "$P" || bail "$PLUGIN_WHY"
    store=$(el_sym el_store_marker)
    fault=$(el_sym el_fault)
}
# the test program, built once per run (cases running side by side share it)
fx_execlog_prog() {
    el_build_prog "$TOP/tests/progs/execlog_prog.c" "$1/prog" && nm "$1/prog" >"$1/prog.nm" && nm -S "$1/prog" >"$1/prog.nmS"
}
el_sym() { awk -v s="$1" '$3 == s { print $1 }' "$W/prog.nm" | sed 's/^0*//'; }
# run_pair NAME OPTS [PROG [ARGS]]: reference and qtrace text in one QEMU run.
# OPTS: comma-separated execlog options, given to both plugins.
run_pair() {
    local name=$1 opts=$2 prog=${3:-$P}
    shift 3 2>/dev/null || shift $#
    rm -f "$W/$name.ref" "$W/$name.txt"
    env -i "$QEMU" -plugin "$REF${opts:+,$opts}" \
        -plugin "$PLUGIN,out=$W/$name.qtr,execlog=on,execlog_out=$W/$name.txt${opts:+,$opts}" \
        -d plugin -D "$W/$name.ref" "$prog" "$@" >"$W/$name.stdout" 2>"$W/$name.stderr"
}
# compare NAME DESC: reference log == qtrace text
compare() {
    if [ -s "$W/$1.ref" ] && cmp -s "$W/$1.ref" "$W/$1.txt"; then
        ok 0 "$2 ($(wc -l <"$W/$1.ref") lines, same bytes as libexeclog.so)"
    else
        ok 1 "$2"
        if [ -f "$W/$1.txt" ]; then
            diff "$W/$1.ref" "$W/$1.txt" | head -6 | diag
        else
            head -5 "$W/$1.stderr" | diag
        fi
    fi
}
# run_bin NAME OPTS [ARGS]: qtrace text (PLUGIN) and binary (PLUGIN2) in one QEMU run
run_bin() {
    local name=$1 opts=$2
    rm -f "$W/$name.txt" "$W/$name.qtr" "$W/$name.dump"
    env -i "$QEMU" -plugin "$PLUGIN,out=$W/$name.t.qtr,execlog=on,execlog_out=$W/$name.txt${opts:+,$opts}" \
        -plugin "$PLUGIN2,out=$W/$name.qtr,execlog=on,execlog_format=bin${opts:+,$opts}" \
        "$P" "${@:3}" >"$W/$name.stdout" 2>"$W/$name.stderr"
}
# the program's execution log, no filter, with the reference's (plain.ref, plain.txt)
fx_execlog_plain() { local W=$1; run_pair plain ""; }
# binary logs of three option sets, each with the direct text and qtrace dump's text of it
fx_execlog_bin() {
    local W=$1 spec name opts
    for spec in "bin_plain|" "bin_regs|reg=*,memvalues=on" "bin_filter|afilter=0x$store,afilter=0x$fault,reg=rax"; do
        name=${spec%%|*} opts=${spec#*|}
        run_bin "$name" "$opts"
        el_dump "$W/$name.qtr" execlog "$W/$name.dump"
    done
}
# slice_ok FULL TRIGGERED FIRST_ADDR N: TRIGGERED is the N lines of FULL from FIRST_ADDR's first run
slice_ok() {
    python3 - "$1" "$2" "$3" "$4" <<'PY'
import sys
full = open(sys.argv[1]).read().split('\n')
trig = open(sys.argv[2]).read().split('\n')[:-1]
first = '0, 0x%x,' % int(sys.argv[3], 16)
i = next(k for k, l in enumerate(full) if l.startswith(first))
assert len(trig) == int(sys.argv[4]), len(trig)
assert full[i:i + len(trig)] == trig
PY
}

# ---- user mode (qtrace run) --------------------------------------------------------------------
EXPECTED=$TOP/tests/e2e/expected
CF="-O1 -g -fno-inline -fno-optimize-sibling-calls -fno-omit-frame-pointer"
CALLS=$TOP/guest/progs/calls.c
build_calls() { gcc $CF -static -no-pie -pthread -o "$1" "$CALLS"; } # OUT: calls.c, static, for x86-64
# compat_named FILE PID: a log or stack file's lines with the processes named, not numbered (pids
# and tids vary from boot to boot): " init" (pid 1), " main" (calls, pid PID, its main thread),
# " worker" (calls' other threads)
compat_named() {
    sed -E "s/ pid=1 tid=1 comm=init\$/ init/; s/ pid=$2 tid=$2 comm=calls\$/ main/; s/ pid=$2 tid=[0-9]+ comm=calls\$/ worker/" "$1"
}

# ---- seed 001's plugin API through libqtrace-legacy.so -------------------------------------------
LEGACY=$BUILD/libqtrace-legacy.so
SEED001=${QTRACE_SEEDS:-$TOP/../shared/seeds}/001_plugin-api.md
# build_old SRC OUT: an old plugin, built as docs/legacy-api.md says
build_old() { gcc -shared -fPIC -I "$BUILD/include" -o "$2" "$1" 2>"$2.cc"; }
# the addresses of "executing instruction at ADDR" lines / of an execution log's instructions
logged_addrs() { sed -n 's/^executing instruction at \([0-9a-f]*\)$/\1/p' "$1"; }
execlog_addrs() { awk -F', ' '{ a = $2; sub(/^0x/, "", a); print a }' "$1"; }
addr_of() { nm "$1" | awk -v n="$2" '$3 == n { sub(/^0+/, "", $1); print $1; exit }'; }
# ret_of ELF FUNC [OBJDUMP]: the address of FUNC's first ret
ret_of() { "${3:-objdump}" -d --no-show-raw-insn "$1" | awk -v f="<$2>:" '$2 == f { on = 1; next } on && /\tret/ { sub(/:$/, "", $1); print $1; exit }'; }
# the seed's two example plugins from its text, our every-function plugin, the test program
fx_legacy() {
    local d=$1
    awk '/^Instruction logging plugin example$/ { on = 1; next } /^System call logging plugin example$/ { on = 0 } on' \
        "$SEED001" >"$d/insn.c"
    awk '/^System call logging plugin example$/ { on = 1; next } on' "$SEED001" >"$d/sys.c"
    build_old "$d/insn.c" "$d/libinsn.so"; echo $? >"$d/insn.rc"
    build_old "$d/sys.c" "$d/libsys.so"; echo $? >"$d/sys.rc"
    build_old "$TOP/tests/legacy/allapi.c" "$d/liball.so"; echo $? >"$d/all.rc"
    gcc $CF -static -no-pie -o "$d/prog" "$TOP/tests/legacy/legacy_prog.c"
}
# need_legacy: the seed's text and the fixture (L: its folder, P: the test program)
need_legacy() {
    [ -f "$SEED001" ] || skip_all "seed 001 not found at $SEED001 (CI has ../shared beside the clone)"
    [ -f "$LEGACY" ] || bail "build/libqtrace-legacy.so is built (make)"
    fixture legacy
    L=$FX
    P=$L/prog
}
need_qemu_user() { [ -x "$CACHE/bin/qemu-x86_64" ] || skip_all "no plugin-enabled qemu-x86_64 (make setup-qemu-user)"; QEMU_USER=$CACHE/bin/qemu-x86_64; }

# ---- record/replay (qtrace record, replay, info, debug) ---------------------------------------
# fails_with NAME EXPECTED-TEXT qtrace-args...: one line on stderr, status 2, QEMU never started
fails_with() {
    local name=$1 want=$2; shift 2
    "$QTRACE" "$@" </dev/null >"$TMP/err.out" 2>"$TMP/err"
    local rc=$?
    ok $([ $rc -eq 2 ]; echo $?) "$name: exit status 2 (got $rc)"
    ok $([ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -q "^qtrace: error: .*$want" "$TMP/err"; echo $?) \
        "$name: one line saying '$want'"
    [ "$(wc -l <"$TMP/err")" -eq 1 ] || sed 's/^/#   /' "$TMP/err" | head -5
}
# the bundled guest's demo, recorded (REC: the recording)
fx_rr_demo() {
    "$QTRACE" record --kernel "$RRKERNEL" --initrd "$INITRD" --append qtrace.run=demo --timeout 600 -o "$1/rec" \
        </dev/null >"$1/rec.console" 2>"$1/rec.err"
    echo $? >"$1/rec.rc"
}
need_rr_demo() {
    need_guest demo
    fixture rr_demo
    REC=$FX/rec
}
# gdb_back_and_forth SCRIPT CMD...: a gdb script for qtrace debug: continue to the first stop, run
# CMD... there (after a line ==AT), then reverse-stepi and stepi, each followed by its ==RSI or ==SI
# line and the frame
gdb_back_and_forth() {
    local out=$1; shift
    { echo continue; echo 'echo ==AT\n'; printf '%s\n' "$@"
      printf '%s\n' reverse-stepi 'echo ==RSI\n' frame stepi 'echo ==SI\n' frame kill quit; } >"$out"
}
# check_back_and_forth GDB-OUTPUT FUNC REGEX: in that script's output, reverse-stepi went back to
# the call of FUNC in main, and stepi forward to a frame matching REGEX
check_back_and_forth() {
    check "reverse-stepi: back in main, at the call of $2" \
        grep -qE '^#0  0x[0-9a-f]+ in main \(' <(sed -n '/^==RSI$/,/^==/p' "$1")
    check "stepi: forward again in $2" grep -qE "^#0  (0x[0-9a-f]+ in )?$3" <(sed -n '/^==SI$/,/^==/p' "$1")
}

# ---- the Debian guest (scripts/build-guest-debian.sh): bookworm on an ext4 disk, sshd ------------
GD=$CACHE/guest-debian
# built once per test run (a no-op when up to date); FX/rc: "STATUS SECONDS"
fx_guest_debian() {
    local t0=$SECONDS
    "$TOP/scripts/build-guest-debian.sh" >"$1/build.log" 2>&1
    echo "$? $((SECONDS - t0))" >"$1/rc"
}
need_debian() {
    [ "$(id -u)" = 0 ] || skip_all "the Debian guest: building it needs root (debootstrap, the image's file owners)"
    fixture guest_debian
    local rc secs
    read -r rc secs <"$FX/rc"
    [ "$rc" = 0 ] || { tail -5 "$FX/build.log" | diag; bail "the Debian guest builds (scripts/build-guest-debian.sh)"; }
    DKEY=$GD/ssh/id_ed25519
}
# a TCP port on 127.0.0.1 nothing listens on
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# debian_boot DIR NAME QTRACE-SYSTEM-ARGS...: qtrace system --guest debian into DIR/NAME, console in
# DIR/NAME.raw as it comes, then in DIR/NAME.console (carriage returns removed), stderr in
# DIR/NAME.err, status in DIR/NAME.rc, and the seconds of the whole run in DIR/NAME.secs
# (booted once more after the IO-APIC timer panic of an overloaded host, as trace_boot does)
debian_boot() {
    local d=$1 n=$2 t0=$SECONDS try; shift 2
    for try in 1 2; do
        "$QTRACE" system --guest debian -o "$d/$n" "$@" </dev/null >"$d/$n.raw" 2>"$d/$n.err"
        echo $? >"$d/$n.rc"
        tr -d '\r' <"$d/$n.raw" >"$d/$n.console"
        grep -q "Kernel panic - not syncing: IO-APIC + timer doesn't work" "$d/$n.console" || break
        cp "$d/$n.console" "$d/$n.retried"
    done
    echo $((SECONDS - t0)) >"$d/$n.secs"
}
# debian_wait_sshd DIR NAME PID: until the console of debian_boot DIR NAME (running as PID) says
# sshd is ready (at most 240 s); 0 if it did
debian_wait_sshd() {
    local i
    for i in $(seq 240); do
        grep -q '^QTRACE-GUEST: sshd ready' "$1/$2.raw" 2>/dev/null && return 0
        kill -0 "$3" 2>/dev/null || return 1
        sleep 1
    done
    return 1
}
# dssh PORT COMMAND...: ssh to the Debian guest as root with the test key (no host key kept)
dssh() {
    local port=$1; shift
    ssh -i "$DKEY" -p "$port" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes \
        -o ConnectTimeout=60 root@127.0.0.1 "$@"
}
# ---- disk views (--disk, --disk-trace, --files-written) -----------------------------------------
# diskio in the guest (two vCPUs) on a fresh 64 MiB ext4 image (--disk, mounted on /mnt): its files (pieces,
# a rename, an unlink, a shared mapping) and a 1 MiB file written and fsynced; every block request
# (--disk-trace) and diskio's files rebuilt (--files-written DIR/files, --comm diskio). The image
# stays in DIR/disk.img for debugfs, the oracle.
DISKIO_BIG=1048576
fx_disk() {
    local d=$1
    mkdir -p "$d/root"
    truncate -s 64M "$d/disk.img" && mke2fs -q -t ext4 -d "$d/root" "$d/disk.img" || return
    trace_boot "$d" run --disk "$d/disk.img" --append "qtrace.disk=1 qtrace.run=diskio qtrace.args=all,/mnt,$DISKIO_BIG" \
        --smp 2 --timeout 300 --disk-trace --files-written "$d/files" --comm diskio
}
disk_fixture() {
    need_guest diskio
    command -v debugfs >/dev/null || bail "debugfs (package e2fsprogs; run scripts/setup.sh deps)"
    fixture disk
    [ "$(rc_of "$FX/run.rc")" = 0 ] || { diag <"$FX/run.err"; tail -5 "$FX/run.console" | diag; bail "qtrace system --disk ... exits 0"; }
    grep -q '^QTRACE-GUEST: exit diskio status 0$' "$FX/run.console" || bail "diskio ran on the disk and exited 0"
}
# image_cat PATH: a file of the fixture's disk image, read by debugfs (no mount)
image_cat() { debugfs -R "cat $1" "$FX/disk.img" 2>/dev/null; }

# ---- qtrace ps (--processes) -------------------------------------------------------------------
# procs (guest/progs/procs.c) in the guest with --processes, on two vCPUs: its shell pipeline, exit
# codes, a signal, su to uid 1000, a loop of known length
fx_procs() { trace_boot "$1" live --append qtrace.run=procs --processes --smp 2 --timeout 300; }
# ps_against_console CONSOLE PS.JSON PROCS-ELF: qtrace ps's processes against what procs and its
# shell printed (pids, parents, uids, argv, $? of each command), the loop's instructions against
# its length and the objdump of its loop, and per-process instructions against the vCPUs' total;
# one "ok: ..." or "FAIL: ..." line per check
ps_against_console() {
    python3 - "$1" "$2" "$3" <<'PY'
import json, re, subprocess, sys
con = open(sys.argv[1], errors='replace').read().splitlines()
ps = json.load(open(sys.argv[2]))
procs = {}
for p in ps['processes']:
    procs.setdefault(p['pid'], p)   # a pid reused would come later; the first is the one printed here
fails = 0
def check(cond, what):
    global fails
    print(('ok: ' if cond else 'FAIL: ') + what)
    fails += not cond
said = lambda pat: [m.groups() for m in (re.match(pat, l) for l in con) if m]
who = said(r'^procs: pid=(\d+) ppid=(\d+) uid=(\d+) argv=\[(.*)\]$')
check(len(who) == 7, '7 procs processes printed who they are (got %d)' % len(who))
for pid, ppid, uid, argv in who:
    p = procs.get(int(pid))
    if not p:
        check(False, 'pid %s is in qtrace ps' % pid)
        continue
    got = (p['ppid'], p['uid'], p['argv'])
    want = (int(ppid), int(uid), argv.split('|'))
    check(got == want, 'pid %s: ppid, uid, argv %s == %s (printed by itself)' % (pid, got, want))
    check(p['instructions'] and p['instructions']['total'] > 0, 'pid %s ran instructions (%s)' % (pid, p['instructions']))
by_arg = {tuple(a.split('|')[1:]): int(pid) for pid, _, _, a in who}
sh = int(said(r'^sh: pid=(\d+)$')[0][0])
driver = by_arg[()]
status = dict(said(r'^sh: (\w+) status=(\d+)$'))
rows = {
    'exit': by_arg[('exit', '7')], 'kill': by_arg[('kill', '15')], 'su': by_arg[('id', 'as-user')],
    'spin': by_arg[('spin', '3000000')],
}
for what, pid in rows.items():
    check(procs[pid]['shell_status'] == int(status[what]),
          '%s (pid %d): exit as the shell saw it: %s == $? %s' % (what, pid, procs[pid]['shell_status'], status[what]))
check(procs[rows['kill']]['exit'] == {'signal': 15, 'name': 'SIGTERM', 'core_dumped': False},
      'kill 15: killed by SIGTERM (%s)' % procs[rows['kill']]['exit'])
s = procs[sh]
shst = said(r'^procs: sh pid=(\d+) status=(\d+)$')[0]
check(int(shst[0]) == sh and s['shell_status'] == int(shst[1]) == 3, 'sh -c (pid %d) exit 3 as its parent saw it (%s)' % (sh, s['shell_status']))
check(s['ppid'] == driver and s['argv'][:2] == ['sh', '-c'] and s['argv'][2].startswith('echo "sh: pid=$$"; /progs/procs id a |'),
      'sh: child of the driver %d, argv sh -c SCRIPT (%s)' % (driver, s['argv'][:2]))
wc = [p for p in ps['processes'] if p['ppid'] == sh and p['argv'] == ['wc', '-l']]
check(len(wc) == 1 and wc[0]['shell_status'] == int(status['pipeline']) == 0, 'wc -l: a child of sh, exit 0 as $? of the pipeline')
kids = sorted(p['pid'] for p in ps['processes'] if p['ppid'] == sh)
want_kids = sorted([by_arg[('id', 'a')], by_arg[('cat',)], wc[0]['pid'] if wc else -1] + list(rows.values()))
check(kids == want_kids, "sh's children are the commands it ran: %s == %s" % (kids, want_kids))
d = procs[driver]
check(d['ppid'] == 1 and d['shell_status'] == 0 and sh in d['children'], 'the driver: child of init, exit 0, parent of sh')
for p in ps['processes']:
    if p['ppid'] == sh:
        ok = s['start_ns'] <= p['start_ns'] <= p['end_ns'] <= s['end_ns']
        check(ok, 'pid %d starts and ends within sh\'s lifetime' % p['pid'])
# the loop: N iterations of the instructions between spin's jnz target and the jnz (objdump)
dis = subprocess.run(['objdump', '-d', '--no-show-raw-insn', sys.argv[3]], capture_output=True, text=True).stdout
body = re.search(r'<spin>:\n((?:.*\n)*?)\n', dis).group(1).splitlines()
insns = [l.split('\t') for l in body if re.match(r'^\s+[0-9a-f]+:\t', l)]
jnz = next(i for i, l in enumerate(insns) if l[1].startswith(('jne', 'jnz')))
target = insns[jnz][1].split()[1]
start = next(i for i, l in enumerate(insns) if l[0].strip().rstrip(':') == target)
per_iter = jnz - start + 1
n = 3000000
u = procs[rows['spin']]['instructions']['user']
check(n * per_iter <= u <= n * per_iter + 500000,
      'spin: %d user instructions for %d iterations of %d instructions (+ at most 500000 for the rest of the program)' % (u, n, per_iter))
tot = ps['instructions']
summed = sum(p['instructions']['total'] for p in ps['processes'])
check(tot['total'] == tot['user'] + tot['kernel'] == summed == tot['processes'] > 0,
      'the processes\' instructions add up to the vCPUs\' total: %d == %d' % (summed, tot['total']))
sys.exit(1 if fails else 0)
PY
}
# ---- memory maps (--vmmap) ---------------------------------------------------------------------
# vmmap in the guest, its maps and pages recorded with its system calls (VM: the trace's folder,
# VMC: the console)
fx_vmmap() {
    trace_boot "$1" vm --append qtrace.run=vmmap --comm vmmap --vmmap=pages --syscalls --timeout 300 \
        --format text,json
}
need_vmmap() {
    need_guest vmmap
    fixture vmmap
    VM=$FX/vm
    VMC=$FX/vm.console
    [ "$(rc_of "$FX/vm.rc")" -eq 0 ] && grep -q '^VMMAP-END 2$' "$VMC" || bail "the guest ran vmmap under --vmmap=pages"
    VMPID=$(sed -n 's/.*tid:\([0-9]*\)\] == exec "\/progs\/vmmap".*/\1/p' "$VM/trace.txt" | head -1)
}
# maps_printed CONSOLE N: the /proc/self/maps vmmap printed at its Nth point
maps_printed() { sed -n "/^VMMAP-BEGIN $2\$/,/^VMMAP-END $2\$/p" "$1" | sed '1d;$d'; }
# maps_open_ts TRACE.json N: when (us, the JSON's ts) vmmap opened /proc/self/maps the Nth time
maps_open_ts() {
    grep '"name":"syscall openat","cat":"syscall","ph":"B".*\\"/proc/self/maps\\"' "$1" | sed -n "$2p" |
        sed 's/.*"ts":\([0-9.]*\),.*/\1/'
}
# vmmap recorded (rec), then replayed with --vmmap=pages (vm: the replay's trace folder)
fx_rr_vmmap() {
    "$QTRACE" record --kernel "$RRKERNEL" --initrd "$INITRD" --append qtrace.run=vmmap --timeout 600 -o "$1/rec" \
        </dev/null >"$1/rec.raw" 2>"$1/rec.err"
    echo $? >"$1/rec.rc"
    tr -d '\r' <"$1/rec.raw" >"$1/rec.console"
    "$QTRACE" replay "$1/rec" --comm vmmap --vmmap=pages --syscalls --timeout 600 -o "$1/vm" </dev/null >/dev/null \
        2>"$1/vm.err"
    echo $? >"$1/vm.rc"
}
# ---- record/replay of the Debian guest with its disk (qtrace record --guest debian) ------------
# The guest runs diskio (files in pieces, a rename, an unlink, a mapping, 1 MiB synced) in /root on
# its disk, prints diskio's status and its own sha256sum of the files; recorded once (rec), then
# replayed twice, side by side, with the same views (a, b): --disk-trace, --files-written
# (DIR/fa, DIR/fb), --processes, --vmmap, and diskio's functions (-p read from the disk image,
# the replay's default --sysroot).
RRD_RUN='sh,-c,diskio${IFS}all${IFS}/root${IFS}1048576;echo${IFS}diskio-status=$?;sync;sha256sum${IFS}/root/pieces.bin${IFS}/root/new.txt${IFS}/root/big.bin'
fx_rr_debian() {
    local d=$1 n pids=()
    "$QTRACE" record --guest debian --kernel "$GD/vmlinux" --append "qtrace.run=$RRD_RUN" --timeout 900 -o "$d/rec" </dev/null \
        >"$d/rec.raw" 2>"$d/rec.err"
    echo $? >"$d/rec.rc"
    tr -d '\r' <"$d/rec.raw" >"$d/rec.console"
    for n in a b; do
        "$QTRACE" replay "$d/rec" --disk-trace --files-written "$d/f$n" --processes --vmmap -p /usr/local/bin/diskio \
            --icount -A 'files@arg1/s' -A 'sync_file@arg1/s,arg2/i' -R sync_file --timeout 900 -o "$d/$n" </dev/null \
            >/dev/null 2>"$d/$n.err" &
        pids+=($!)
    done
    wait "${pids[0]}"; echo $? >"$d/a.rc"
    wait "${pids[1]}"; echo $? >"$d/b.rc"
}
need_rr_debian() {
    need_debian
    fixture rr_debian
    [ "$(rc_of "$FX/rec.rc")" = 0 ] || { diag <"$FX/rec.err"; bail "qtrace record --guest debian exits 0"; }
    grep -q '^diskio-status=0$' "$FX/rec.console" || { tail -5 "$FX/rec.console" | diag; bail "diskio ran in the recorded guest"; }
    REC=$FX/rec
}
# ---- the views on the Debian guest (cases 190-193) ----------------------------------------------
# One boot of the Debian guest with every view (--disk-trace, --files-written DIR/files,
# --vmmap, --processes; every process: no --comm), driven over ssh: the host sends the guest a
# shell script (DEBIAN_VIEWS_SCRIPT) that runs diskio on ext4 (/root/views) and prints each
# file's size and SHA-256 as it reads it back and the synced file's sectors (filefrag); runs
# the PIE vmmap (its /proc/self/maps, libc's mappings among them), then a copy of dash that
# renames its own directory, allocates 200 KB (a new mapping) and prints its own /proc/self/maps
# (the path of its mapped program changed); runs a shell pipeline of procs (pids, argv
# and $? as the guest printed them); then powers the guest off. The disk is snapshot=on: the
# guest is the oracle. DIR/run is the trace, DIR/run.console the console, DIR/out what the
# script printed, DIR/ssh.rc its status.
DEBIAN_VIEWS_BIG=2097152
DEBIAN_VIEWS_SCRIPT='D=/root/views
mkdir -p $D
diskio all $D '"$DEBIAN_VIEWS_BIG"'
echo "views: diskio status=$?"
for f in pieces.bin new.txt big.bin; do
    echo "views: file $D/$f $(stat -c %s $D/$f) $(sha256sum <$D/$f | cut -d" " -f1)"
done
filefrag -v -b512 $D/big.bin | sed "s/^/views: filefrag /"
/usr/local/bin/vmmap
echo "views: vmmap status=$?"
mkdir -p $D/d1 && cp /bin/dash $D/d1/sh &&
    $D/d1/sh -c "mv $D/d1 $D/d2 && x=\$(printf %0200000d 0) && while read -r l; do echo \"renamed: \$l\"; done </proc/self/maps"
sh -c '"'"'echo "sh: pid=$$"; procs id a | procs cat x | wc -l; echo "sh: pipeline status=$?"; procs exit 7; echo "sh: exit status=$?"; procs kill 15; echo "sh: kill status=$?"; exit 3'"'"'
echo "views: sh status=$?"'
fx_debian_views() {
    local d=$1 port boot
    port=$(free_port)
    debian_boot "$d" run --ssh-port "$port" --append qtrace.run=wait --timeout 900 --disk-trace \
        --files-written "$d/files" --vmmap --processes --format text,json &
    boot=$!
    if debian_wait_sshd "$d" run $boot; then
        dssh "$port" sh -s <<<"$DEBIAN_VIEWS_SCRIPT" >"$d/out" 2>&1
        echo $? >"$d/ssh.rc"
        dssh "$port" poweroff >/dev/null 2>&1
    fi
    wait $boot
}
debian_views_fixture() {
    need_debian
    command -v ssh >/dev/null || bail "ssh on the host (package openssh-client; scripts/setup.sh deps)"
    fixture debian_views
    [ "$(rc_of "$FX/run.rc")" = 0 ] || { diag <"$FX/run.err"; tail -5 "$FX/run.console" | diag; bail "qtrace system --guest debian with the views exits 0"; }
    [ "$(rc_of "$FX/ssh.rc")" = 0 ] && grep -q '^views: sh status=3$' "$FX/out" ||
        { tail -5 "$FX/out" | diag; bail "the guest ran the views' script over ssh to its end"; }
}
# disk_json_agrees JSON TEXT: the JSON trace has one "disk vda" track, whose write requests add up
# to the bytes of the text trace's; prints "ok BYTES"
disk_json_agrees() {
    python3 - "$1" "$2" <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))['traceEvents']
pid = [e['pid'] for e in d if e.get('ph') == 'M' and e['name'] == 'process_name' and e['args']['name'] == 'disk vda']
assert len(pid) == 1, 'one disk vda track: %s' % pid
jw = sum(e['args']['bytes'] for e in d if e.get('cat') == 'disk' and e['pid'] == pid[0] and e['name'].startswith('write'))
tw = sum(int(m.group(1)) for m in (re.search(r'== disk vda write (\d+) bytes .* done in', l) for l in open(sys.argv[2])) if m)
assert jw == tw and jw > 0, 'json %d bytes, text %d' % (jw, tw)
print('ok', jw)
PY
}
