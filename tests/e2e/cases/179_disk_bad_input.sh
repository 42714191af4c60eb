#!/usr/bin/env bash
# Bad input of --disk, --disk-trace and --files-written, refused before QEMU starts (a fake QEMU
# that would leave a mark), status 2 and one line saying what is wrong; and a trace without block
# requests, whose disk summary says so (oracle: the documented messages).
. "$(dirname "$0")/../lib.sh"
need_guest diskio
fake_qemu
# refused NAME WANT-REGEX COMMAND...: status 2, QEMU not started, one line of stderr matching WANT
refused() {
    local name=$1 want=$2 r; shift 2
    rm -f "$TMP/qemu-started"
    "$@" --qemu "$FAKE" -o "$TMP/out" "${TAIL[@]}" >/dev/null 2>"$TMP/err" </dev/null
    r=$?
    if [ $r = 2 ] && [ ! -e "$TMP/qemu-started" ] && [ "$(wc -l <"$TMP/err")" = 1 ] && grep -qE "$want" "$TMP/err"; then
        ok 0 "$name"
    else
        ok 1 "$name"
        { echo "status $r"; [ -e "$TMP/qemu-started" ] && echo "QEMU started"; cat "$TMP/err"; } | diag
    fi
}
printf 'int main(void) { return 0; }\n' | gcc -static -x c - -o "$TMP/true" 2>/dev/null
TAIL=()
SYS=("$QTRACE" system --kernel "$KERNEL" --initrd "$INITRD")
refused "--files-written where no directory can be made (/proc)" \
    "^qtrace: error: --files-written /proc/qtrace-files: cannot create a directory there \(/proc/qtrace-files\.tmp\.[0-9]+: .*\)$" \
    "${SYS[@]}" --files-written /proc/qtrace-files
mkdir -p "$TMP/mine" && echo precious >"$TMP/mine/notes.txt"
refused "--files-written on a directory holding other files: not replaced" \
    "^qtrace: error: --files-written $TMP/mine: the directory has files and no files-written.txt: not replacing it \(give a new or empty directory\)$" \
    "${SYS[@]}" --files-written "$TMP/mine"
check "... and that directory's file is untouched" grep -qx precious "$TMP/mine/notes.txt"
echo x >"$TMP/plain"
refused "--files-written naming a regular file" \
    "^qtrace: error: --files-written $TMP/plain: exists and is not a directory \(give a new directory's name\)$" \
    "${SYS[@]}" --files-written "$TMP/plain"
refused "--disk naming a missing image" "^qtrace: error: --disk $TMP/nope\.img: No such file or directory$" \
    "${SYS[@]}" --disk "$TMP/nope.img"
refused "--disk-trace without the kernel read (--no-kernel-introspection)" \
    "^qtrace: error: --disk-trace needs qtrace system with the guest's kernel read \(--kernel PATH, without --no-kernel-introspection\)" \
    "${SYS[@]}" --disk-trace --no-kernel-introspection
TAIL=(-- "$TMP/true")
refused "--files-written in user mode (qtrace run)" "^qtrace: error: --files-written needs qtrace system: it reads a guest kernel's block requests and files$" \
    "$QTRACE" run --files-written "$TMP/fw"
TAIL=()
check "no --files-written directory was left behind" test ! -e "$TMP/fw"
ls "$TMP" | grep -q '\.tmp\.' && ok 1 "no temporary directory left behind" || ok 0 "no temporary directory left behind"

# a trace with no block request: the disk summary says so in one line
"$QTRACE" run -q -o "$TMP/run" -- "$TMP/true" >/dev/null 2>&1
"$QTRACE" dump -f disk "$TMP/run/trace.qtr" >"$TMP/sum" 2>&1
grep -qx '# no block request in this trace (was it recorded with --disk-trace, and does the guest have a disk?)' "$TMP/sum"
ok $? "a trace without block requests: the disk summary says there are none"
done_testing
