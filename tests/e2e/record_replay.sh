#!/usr/bin/env bash
# Record once, analyse many times: qtrace record, replay, info, debug. The guest's own console output,
# a live qtrace system run, sha256sum, tshark, the HTTP server's page and gdb are the oracles.
. "$(dirname "$0")/lib.sh"

K=$GUEST/vmlinuz
I=$GUEST/initrd.gz
QEMU=$(command -v qemu-system-x86_64)
REC=$TMP/rec

# one line on stderr, status 2, QEMU never started: NAME EXPECTED-TEXT qtrace-args...
fails_with() {
    local name=$1 want=$2; shift 2
    "$QTRACE" "$@" </dev/null >"$TMP/err.out" 2>"$TMP/err"
    local rc=$?
    ok $([ $rc -eq 2 ]; echo $?) "$name: exit status 2 (got $rc)"
    ok $([ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -q "^qtrace: error: .*$want" "$TMP/err"; echo $?) \
        "$name: one line saying '$want'"
    [ "$(wc -l <"$TMP/err")" -eq 1 ] || sed 's/^/#   /' "$TMP/err" | head -5
}

# ---- record ------------------------------------------------------------------------------
"$QTRACE" record --kernel "$K" --initrd "$I" --append qtrace.run=demo --timeout 600 -o "$REC" \
    </dev/null >"$TMP/rec.console" 2>"$TMP/rec.err"
ok $? "qtrace record exits 0"
check "the guest ran demo to its end" grep -q 'QTRACE-GUEST: exit demo status 0' "$TMP/rec.console"
check "summary: instructions and bytes per 1000" \
    grep -qE "^qtrace: recorded [0-9]+ instructions, log [0-9]+ bytes \([0-9.]+ per 1000 instructions\) -> $REC$" "$TMP/rec.err"
for f in manifest replay.bin snapshot.qcow2 vmlinuz initrd console.txt qemu-cmdline; do
    check "recording holds $f" test -s "$REC/$f"
done
check "manifest: state=complete" grep -qx 'state=complete' "$REC/manifest"
same_text "REC/console.txt is what the guest printed" <(tr -d '\r' <"$REC/console.txt") <(tr -d '\r' <"$TMP/rec.console")
same_text "kernel copy: same bytes as the original" <(sha256sum <"$REC/vmlinuz") <(sha256sum <"$K")
check "manifest: the kernel's sha256 (sha256sum's)" grep -qx "kernel_sha256=$(sha256sum <"$K" | cut -d' ' -f1)" "$REC/manifest"
check "manifest: the initrd's sha256 (sha256sum's)" grep -qx "initrd_sha256=$(sha256sum <"$I" | cut -d' ' -f1)" "$REC/manifest"
check "qemu-cmdline: record mode, one vCPU, no default NIC" \
    grep -qE -- '-smp 1 .*-net none -icount shift=auto,rr=record,rrfile=[^ ]*/replay.bin,rrsnapshot=init' "$REC/qemu-cmdline"

# ---- info --------------------------------------------------------------------------------
"$QTRACE" info "$REC" >"$TMP/info" 2>&1
ok $? "qtrace info exits 0"
insns=$(sed -n 's/^instructions=//p' "$REC/manifest")
logbytes=$(stat -c %s "$REC/replay.bin")
check "info: complete" grep -q '^  state  *complete' "$TMP/info"
check "info: the length in instructions" grep -qx "  length  *$insns instructions" "$TMP/info"
check "info: QEMU's version (qemu --version's first line)" grep -qxF "  qemu             $("$QEMU" --version | head -1)" "$TMP/info"
bpk=$(awk -v b="$logbytes" -v n="$insns" 'BEGIN { printf "%.1f", 1000 * b / n }')
check "info: log size and bytes per 1000 instructions ($bpk)" grep -qF "replay.bin, $logbytes bytes, $bpk bytes per 1000 instructions" "$TMP/info"
sha_before=$(cd "$REC" && sha256sum * | sha256sum)

# ---- replay: two analyses, twice the same one, one in a copied folder, in parallel ------------
A=(-p "$GUEST/progs/demo" -F main -A 'fib@arg1/i' -R 'fib@retval/i' --icount)
"$QTRACE" replay "$REC" "${A[@]}" -o "$TMP/a1" </dev/null >"$TMP/a1.console" 2>"$TMP/a1.err"
ok $? "replay with -p demo -F main exits 0"
check "replay: says it reached the recording's end" grep -qE "^qtrace: replayed $REC to its end" "$TMP/a1.err"
check "replay: no warning" bash -c "! grep -q warning '$TMP/a1.err'"
same_text "replay's console output equals the recording's" "$TMP/a1/console.txt" "$REC/console.txt"
cp -a "$REC" "$TMP/moved"
"$QTRACE" replay "$REC" "${A[@]}" -o "$TMP/a2" </dev/null >/dev/null 2>"$TMP/a2.err" &
p1=$!
"$QTRACE" replay "$TMP/moved" "${A[@]}" -o "$TMP/a3" </dev/null >/dev/null 2>"$TMP/a3.err" &
p2=$!
wait $p1; ok $? "a second replay, in parallel with a third: exits 0"
wait $p2; ok $? "a replay of the recording copied to another folder, in parallel: exits 0"
# the text trace holds events and guest instruction counts only (no host time): compared whole
same_text "same options twice: identical traces, event for event, instruction counts included" "$TMP/a2/trace.txt" "$TMP/a1/trace.txt"
same_text "the copied recording replays the same trace" "$TMP/a3/trace.txt" "$TMP/a1/trace.txt"
same_text "parallel replays: console output equals the recording's" "$TMP/a2/console.txt" "$REC/console.txt"
check "fib(6) = 8 in the trace, as demo printed" \
    bash -c "grep -q 'fib(n=6) {' '$TMP/a1/trace.txt' && grep -qE '^ *[0-9]+ insn .*\} = 8; /\* fib \*/' '$TMP/a1/trace.txt'"
same_text "nothing in the recording was written by the replays" <(cd "$REC" && sha256sum * | sha256sum) <(echo "$sha_before")

"$QTRACE" replay "$REC" --comm demo --syscalls -o "$TMP/b" </dev/null >/dev/null 2>"$TMP/b.err"
ok $? "replay with --comm demo --syscalls exits 0"
# every line demo printed is a write(2) in the trace (the guest's console is the oracle)
grep '^demo: ' "$TMP/rec.console" | tr -d '\r' >"$TMP/said"
missing=0
while IFS= read -r line; do
    esc=${line//\\/\\\\}
    esc=${esc//\"/\\\"}
    grep -qF "\"$esc\\n\"" "$TMP/b/trace.txt" || { missing=$((missing + 1)); echo "#   no write of: $line"; }
done <"$TMP/said"
ok $([ -s "$TMP/said" ] && [ $missing -eq 0 ]; echo $?) "--syscalls: each of demo's $(wc -l <"$TMP/said") console lines is a write(2) in the trace"

# the same trace options on a live run of the same deterministic program: the same calls
"$QTRACE" system --kernel "$K" --initrd "$I" --append qtrace.run=demo --timeout 600 "${A[@]}" -o "$TMP/live" \
    </dev/null >/dev/null 2>"$TMP/live.err"
ok $? "live qtrace system with the same options exits 0"
# (the kernel's process events, '== fork ...', come from two different boots: left out)
same_text "replay's function calls equal the live run's" <(tree_of "$TMP/a1/trace.txt" | grep -v '^ *== ') \
    <(tree_of "$TMP/live/trace.txt" | grep -v '^ *== ')

# ---- bad input: one line, status 2, before QEMU starts -------------------------------------------
mkdir -p "$TMP/empty"
fails_with "an empty directory" "is not a qtrace recording" replay "$TMP/empty" -o "$TMP/x"
fails_with "a file" "is not a qtrace recording" replay "$K" -o "$TMP/x"
fails_with "no such directory" "No such file or directory" replay "$TMP/nowhere" -o "$TMP/x"
fails_with "info of a non-recording" "is not a qtrace recording" info "$TMP/empty"
cp -a "$REC" "$TMP/otherqemu"
sed -i 's/^qemu_version=.*/qemu_version=QEMU emulator version 9.2.0/' "$TMP/otherqemu/manifest"
fails_with "another QEMU version" "was recorded with QEMU emulator version 9.2.0, this QEMU is" replay "$TMP/otherqemu" -o "$TMP/x"
cp -a "$REC" "$TMP/kchanged"
printf 'x' >>"$TMP/kchanged/vmlinuz"
fails_with "kernel changed" "the kernel .* changed since the recording" replay "$TMP/kchanged" -o "$TMP/x"
cp -a "$REC" "$TMP/ichanged"
printf 'x' >>"$TMP/ichanged/initrd"
fails_with "initrd changed" "the initrd .* changed since the recording" replay "$TMP/ichanged" -o "$TMP/x"
fails_with "--smp 2" "exactly one vCPU" record --kernel "$K" --initrd "$I" --smp 2 -o "$TMP/smp2"
check "--smp 2: no recording directory was made" test ! -e "$TMP/smp2"
fails_with "REC not empty" "exists and is not empty" record --kernel "$K" --initrd "$I" -o "$REC"
fails_with "--pcap without a network" "recorded without a network" replay "$REC" --pcap "$TMP/x.pcap" -o "$TMP/x"
fails_with "record without -o" "-o REC is required" record --kernel "$K"

# a recorder whose QEMU is killed (SIGKILL: the log is never finalized)
"$QTRACE" record --kernel "$K" --initrd "$I" --append qtrace.run=bench -o "$TMP/killed" </dev/null \
    >/dev/null 2>"$TMP/killed.err" &
rp=$!
for _ in $(seq 600); do [ -s "$TMP/killed/replay.bin" ] && break; sleep 0.1; done
qp=$(pgrep -P $rp | head -1)
[ -n "$qp" ] && kill -KILL "$qp"
wait $rp
ok $([ $? -eq 2 ]; echo $?) "recorder whose QEMU was killed: exit status 2"
check "it says the recording is incomplete" grep -q 'marked incomplete and cannot be replayed' "$TMP/killed.err"
check "manifest: state=incomplete" grep -qx 'state=incomplete' "$TMP/killed/manifest"
fails_with "incomplete recording" "incomplete recording, cannot be replayed: QEMU was killed by signal 9" replay "$TMP/killed" -o "$TMP/x"
check "info says why" grep -q 'incomplete: QEMU was killed by signal 9' <("$QTRACE" info "$TMP/killed")
rm -f "$TMP/killed/manifest"
fails_with "incomplete recording without manifest" "incomplete recording, cannot be replayed: it has no manifest" replay "$TMP/killed" -o "$TMP/x"

# ---- network: a page fetched from a server on the host's loopback ---------------------------
# The guest's programs for this part (guest/progs/netget.c) and /init's qtrace.net=1 step, as
# a second cpio archive appended to the bundled initrd (the kernel unpacks both), so that the
# test does not depend on when the shared guest was last built.
overlay_initrd() {
    local r=$TMP/overlay p
    mkdir -p "$r/progs" "$r/bin" "$r/lib/modules"
    for p in netget nullptr; do
        gcc -static -no-pie -O1 -g -fno-inline -fno-optimize-sibling-calls -fno-omit-frame-pointer -std=gnu11 \
            -o "$r/progs/$p" "$TOP/guest/progs/$p.c" || return 1
    done
    install -m 0755 "$TOP/guest/init" "$r/init"
    for p in insmod ifconfig route; do ln -sf busybox "$r/bin/$p"; done
    cp "$GUEST/modules/e1000.ko" "$r/lib/modules/" || return 1
    (cd "$r" && find . | cpio -o -H newc 2>/dev/null) | gzip >"$TMP/overlay.gz" &&
        cat "$I" "$TMP/overlay.gz" >"$TMP/initrd-rr.gz"
}
overlay_initrd
ok $? "initrd with netget, nullptr and the network step of guest/init"
I2=$TMP/initrd-rr.gz
mkdir -p "$TMP/www"
printf 'qtrace record/replay test page %s\n' "$$-$RANDOM" >"$TMP/www/page.txt"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
(cd "$TMP/www" && exec python3 -m http.server "$port" --bind 127.0.0.1) >"$TMP/www.log" 2>&1 &
srv=$!
for _ in $(seq 50); do grep -q "Serving HTTP" "$TMP/www.log" && break; sleep 0.1; done
"$QTRACE" record --net --kernel "$K" --initrd "$I2" --append "qtrace.net=1 qtrace.run=netget qtrace.args=$port,/page.txt" \
    --timeout 600 -o "$TMP/recnet" </dev/null >"$TMP/recnet.console" 2>"$TMP/recnet.err"
ok $? "qtrace record --net exits 0"
kill $srv 2>/dev/null
wait $srv 2>/dev/null
check "the guest printed the page the server sent" grep -qF "$(cat "$TMP/www/page.txt")" "$TMP/recnet.console"
check "the server logged the guest's GET" grep -q '"GET /page.txt HTTP/1.0" 200' "$TMP/www.log"
check "REC/net.pcap written" test -s "$TMP/recnet/net.pcap"
tshark -r "$TMP/recnet/net.pcap" -Y http -T fields -e ip.src -e ip.dst -e http.request.method -e http.request.uri \
    -e http.response.code 2>/dev/null >"$TMP/rec.http"
printf '10.0.2.15\t10.0.2.2\tGET\t/page.txt\t\n10.0.2.2\t10.0.2.15\t\t\t200\n' >"$TMP/want.http"
same_text "tshark: the recording's capture has the HTTP GET and its 200 reply" "$TMP/rec.http" "$TMP/want.http"
tshark -r "$TMP/recnet/net.pcap" -Y 'http.response.code == 200' -T fields -e http.file_data 2>/dev/null >"$TMP/rec.body"
check "tshark: the reply's body is the page" grep -qF "$(cat "$TMP/www/page.txt")" "$TMP/rec.body"
# the server is gone: the replay's network input can only come from the log
"$QTRACE" replay "$TMP/recnet" --comm netget --syscalls --pcap "$TMP/replay.pcap" -o "$TMP/net" \
    </dev/null >"$TMP/net.console" 2>"$TMP/net.err"
ok $? "replay --pcap, with the server stopped: exits 0"
same_text "the replay's guest printed the same received bytes (its whole console)" "$TMP/net/console.txt" "$TMP/recnet/console.txt"
check "and the page itself" grep -qF "$(cat "$TMP/www/page.txt")" "$TMP/net/console.txt"
tshark -r "$TMP/replay.pcap" -Y http -T fields -e ip.src -e ip.dst -e http.request.method -e http.request.uri \
    -e http.response.code 2>/dev/null >"$TMP/rep.http"
same_text "tshark: the replay's capture has the same HTTP exchange" "$TMP/rep.http" "$TMP/want.http"
fields='-e frame.len -e eth.src -e eth.dst -e ip.src -e ip.dst -e tcp.srcport -e tcp.dstport -e tcp.seq_raw -e tcp.ack_raw -e tcp.flags'
same_text "tshark: every frame of the replay's capture equals the recording's (headers and sizes)" \
    <(tshark -r "$TMP/replay.pcap" -T fields $fields 2>/dev/null) <(tshark -r "$TMP/recnet/net.pcap" -T fields $fields 2>/dev/null)
check "info: a network recording" grep -q 'network user (e1000), captured' <("$QTRACE" info "$TMP/recnet")

# ---- reverse debugging: the seed's example (guest/progs/nullptr.c), gdb scripted ------------
src=$TOP/guest/progs/nullptr.c
line_of() { grep -n -F "$1" "$src" | head -1 | cut -d: -f1; }
L_CHECK=$(line_of 'if (!crash && !p)')
L_CALL=$(line_of 'use_item(argc > 1)')
L_NULLED=$(line_of 'NULLED HERE')
"$QTRACE" record --kernel "$K" --initrd "$I2" --append qtrace.run=nullptr --timeout 600 -o "$TMP/recdbg" \
    </dev/null >"$TMP/recdbg.console" 2>/dev/null
ok $? "record nullptr: exits 0"
check "nullptr ran: p was NULL at the second use_item" grep -q 'nullptr: value -1' "$TMP/recdbg.console"
cat >"$TMP/dbg.gdb" <<'G'
continue
watch p
continue
echo ==WATCH\n
frame
delete 2
continue
echo ==USE\n
frame
print p
reverse-stepi
echo ==RSI\n
frame
stepi
echo ==SI\n
frame
kill
quit
G
prog=$TMP/overlay/progs/nullptr
"$QTRACE" debug "$TMP/recdbg" -p "$prog" --break use_item -o "$TMP/dbg" -- -batch -x "$TMP/dbg.gdb" \
    </dev/null >"$TMP/dbg.out" 2>&1
ok $? "qtrace debug with gdb -batch: exits 0"
sed 's/^/#   /' "$TMP/dbg.out" | grep -A3 '==WATCH' 
section() { sed -n "/^==$1\$/,/^==/p" "$TMP/dbg.out"; }
check "gdbinit: the program's symbols, the stub, the conditional breakpoint" \
    grep -qE "^break use_item if \*\(unsigned long long \*\)0x[0-9a-f]+ == 0x[0-9a-f]+$" "$TMP/dbg/gdbinit"
check "watch p, forward: stops in forget(), which nulls p (gdb's frame)" \
    grep -qE "^#0  (0x[0-9a-f]+ in )?forget \(\) at .*nullptr.c:($L_NULLED|$((L_NULLED + 1)))$" <(section WATCH)
check "the second use_item: p is NULL (gdb prints it)" grep -qxF '$1 = (struct item *) 0x0' <(section USE)
check "stopped in use_item at line $L_CHECK" grep -qE "^#0  use_item \(.*\) at .*nullptr.c:$L_CHECK$" <(section USE)
check "reverse-stepi: back in main, at the call (line $L_CALL)" \
    grep -qE "^#0  0x[0-9a-f]+ in main \(.*\) at .*nullptr.c:$L_CALL$" <(section RSI)
check "stepi: forward again to the same point in use_item" \
    grep -qE "^#0  use_item \(.*\) at .*nullptr.c:$L_CHECK$" <(section SI)
# ([/]: the pattern must not match this check's own command line)
check "no QEMU left running for the recording" bash -c "! pgrep -f 'rrfile=[/]${TMP#/}/recdbg/' >/dev/null"

done_testing
