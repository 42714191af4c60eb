#!/usr/bin/env bash
# qtrace's command-line errors: each bad invocation prints exactly the documented line
# "qtrace: error: ...", nothing on stdout, exits 2, and starts no QEMU (oracle: pgrep, the messages).
. "$(dirname "$0")/../lib.sh"

[ -x "$QTRACE" ] || bail "$QTRACE not built (make build/qtrace)"
# qemu_count: QEMU processes (system and user mode) started by this case: they inherit
# QTRACE_E2E_MARK from it (others may run QEMU on the same machine)
export QTRACE_E2E_MARK=$TMP
qemu_count() {
    local n=0 p
    for p in $(pgrep -f 'qemu-system|qemu-x86_64|qemu-aarch64|qemu-i386' 2>/dev/null); do
        grep -qzx "QTRACE_E2E_MARK=$TMP" "/proc/$p/environ" 2>/dev/null && n=$((n + 1))
    done
    echo "$n"
}

# expect_error NAME WANT qtrace ARGS...: one "qtrace: error:" line (equal to WANT, or starting
# with it when WANT ends with '*'), empty stdout, status 2, no QEMU started.
expect_error() {
    local name=$1 want=$2; shift 2
    local before after rc lines first
    before=$(qemu_count)
    (cd "$TMP/work" && "$@" </dev/null >"$TMP/out" 2>"$TMP/err")
    rc=$?
    after=$(qemu_count)
    lines=$(wc -l <"$TMP/err")
    first=$(head -n1 "$TMP/err")
    ok $((rc != 2)) "$name: exit status 2 (got $rc)"
    if [ "$lines" -eq 1 ] && [[ "$first" == "qtrace: error: "* ]]; then
        ok 0 "$name: one error line"
    else
        ok 1 "$name: one error line"
        sed 's/^/#   stderr: /' "$TMP/err" | head -5
    fi
    if [ -n "$want" ]; then
        # shellcheck disable=SC2053
        if [[ "$want" == *'*' && "$first" == ${want%'*'}* ]] || [ "$first" = "$want" ]; then ok 0 "$name: message"; else
            ok 1 "$name: message"; echo "#   got:  $first"; echo "#   want: $want"
        fi
    fi
    ok $(($(wc -c <"$TMP/out") != 0)) "$name: nothing on stdout"
    ok $((after > before)) "$name: no QEMU left running ($before before, $after after)"
}

mkdir -p "$TMP/work"
W=$TMP/work
printf 'hello\n' >"$W/x.txt"
chmod +x "$W/x.txt"
printf 'kernel' >"$W/bzImage"

# A program without function symbols: a static program, stripped. Without a compiler, a bare
# ELF header (an x86-64 executable with no sections) does as well.
NOSYM=$W/stripped
if printf 'int main(void){return 0;}\n' >"$W/p.c" && gcc -static -O1 -o "$NOSYM" "$W/p.c" 2>/dev/null &&
    strip --strip-all "$NOSYM" 2>/dev/null; then
    :
else
    python3 -c 'import struct,sys; open(sys.argv[1],"wb").write(struct.pack("<16sHHIQQQIHHHHHH", b"\x7fELF\x02\x01\x01"+bytes(9), 2, 62, 1, 0x401000, 0, 0, 0, 64, 56, 0, 64, 0, 0))' "$NOSYM"
    chmod +x "$NOSYM"
fi

Q=$QTRACE
expect_error "no command" "qtrace: error: no command given (commands: run, system, dump, *" $Q
expect_error "unknown command" "qtrace: error: unknown command 'trace' (commands: run, system, dump, *" $Q trace ./x
expect_error "missing kernel" "qtrace: error: kernel /nonexistent/bzImage: No such file or directory" \
    $Q system --kernel /nonexistent/bzImage --initrd "$W/bzImage"
expect_error "missing initrd" "qtrace: error: initrd ./nope.gz: No such file or directory" \
    $Q system --kernel ./bzImage --initrd ./nope.gz
expect_error "ELF kernel without PVH" "qtrace: error: kernel /bin/true: an ELF kernel without a PVH entry note (CONFIG_PVH): QEMU boots an ELF x86 kernel only through PVH; give its bzImage" \
    $Q system --kernel /bin/true --initrd "$W/bzImage"
expect_error "record: ELF kernel without PVH" "qtrace: error: kernel /bin/true: an ELF kernel without a PVH entry note (CONFIG_PVH): QEMU boots an ELF x86 kernel only through PVH; give its bzImage" \
    $Q record --kernel /bin/true -o "$TMP/nopvh"
check "record: no recording directory made for a kernel QEMU cannot boot" test ! -e "$TMP/nopvh"
# the highest CPU this process may run on, from /proc
last_cpu=$(awk '/^Cpus_allowed_list:/ { n = split($2, a, /[,-]/); print a[n] }' /proc/self/status)
expect_error "replay: bad --host-cpu" "qtrace: error: --host-cpu 99999: expected auto, idle, none or a CPU this process may run on (at most $last_cpu here)" \
    $Q replay "$TMP/norec" --host-cpu 99999
expect_error "record: bad --host-cpu" "qtrace: error: --host-cpu 99999: expected auto, idle, none or a CPU this process may run on (at most $last_cpu here)" \
    $Q record --kernel "$W/bzImage" --host-cpu 99999 -o "$TMP/badpin"
check "record: no recording directory made for a bad --host-cpu" test ! -e "$TMP/badpin"
expect_error "system without --kernel" "qtrace: error: system: --kernel FILE is required (the guest kernel, e.g. bzImage)" \
    $Q system --initrd ./bzImage
expect_error "unknown option" "qtrace: error: unknown option '--frobnicate' for 'qtrace run' (see 'qtrace help run')" \
    $Q run --frobnicate -- ./x.txt
expect_error "unknown short option" "qtrace: error: unknown option '-Z' for 'qtrace system' (see 'qtrace help system')" \
    $Q system -Z --kernel ./bzImage
expect_error "missing option value" "qtrace: error: -F/--filter needs a value (GLOB); see 'qtrace help run'" \
    $Q run -F
expect_error "bad -A spec" \
    "qtrace: error: -A/--argument: bad argument spec 'add@arg1/q': unknown type 'q' (known: i i8 i16 i32 i64 u u8 u16 u32 u64 x x8 x16 x32 x64 p c b s task cred inode dentry path file sockaddr socket sock module argv exit)" \
    $Q run -A 'add@arg1/q' -- /bin/true
expect_error "bad -A item" "qtrace: error: -A/--argument: bad argument spec 'add@foo': expected 'argN' or 'retval' at 'foo'" \
    $Q system --kernel ./bzImage -p "$NOSYM" -A 'add@foo'
expect_error "-R with an argument" \
    "qtrace: error: -R/--retval: 'add@arg1' is not a return value spec (expected PATTERN@retval[/TYPE]; use -A for arguments)" \
    $Q run -R 'add@arg1' -- /bin/true
expect_error "bad number" "qtrace: error: -D/--depth: expected a number >= 0, got 'deep'" $Q run -D deep -- /bin/true
expect_error "bad --smp" "qtrace: error: --smp: expected a number >= 1, got '0'" $Q system --kernel ./bzImage --smp 0
expect_error "bad --format" "qtrace: error: --format: unknown format 'yaml' (known: text, json, folded*" \
    $Q run --format text,yaml -- /bin/true
expect_error "system: program without symbols" \
    "qtrace: error: $NOSYM has no function symbols (was it stripped? trace by --addr instead)" \
    $Q system --kernel ./bzImage -p "$NOSYM"
printf 'int main(void){return 0;}\n' | aarch64-linux-gnu-gcc -static -x c -o "$W/arm64" - 2>/dev/null
expect_error "system: a program of an architecture the guest does not run" \
    "qtrace: error: --program $W/arm64 is an ELF file for machine 183; the guests qtrace system boots run x86_64 and i386 programs" \
    $Q system --kernel ./bzImage -p "$W/arm64"
expect_error "run: program without symbols" \
    "qtrace: error: $NOSYM has no function symbols (was it stripped? trace by --addr instead)" \
    $Q run -- "$NOSYM"
expect_error "run: not an ELF" "qtrace: error: ./x.txt is not an ELF executable" $Q run -- ./x.txt
expect_error "run: no such program" "qtrace: error: ./nope: No such file or directory" $Q run -- ./nope
expect_error "run: not in PATH" "qtrace: error: qtrace-no-such-cmd: command not found in PATH" $Q run qtrace-no-such-cmd
expect_error "run: no program" "qtrace: error: run: no program given (usage: qtrace run [OPTIONS] [--] PROGRAM [ARGS...])" \
    $Q run -F main
expect_error "run: no plugin" "qtrace: error: plugin /nonexistent/libqtrace.so (from QTRACE_PLUGIN): No such file or directory" \
    env QTRACE_PLUGIN=/nonexistent/libqtrace.so $Q run --syscalls -- "$NOSYM"
expect_error "run: no QEMU" "qtrace: error: QEMU /nonexistent/qemu (from --qemu): No such file or directory" \
    $Q run --qemu /nonexistent/qemu --syscalls -- "$NOSYM"
expect_error "dump: not a trace" \
    "qtrace: error: x.txt is not a qtrace trace (no QTRACE header; expected a .qtr file written by the plugin)" \
    $Q dump x.txt
expect_error "dump: missing trace" "qtrace: error: cannot open nope.qtr: No such file or directory" $Q dump nope.qtr

done_testing
