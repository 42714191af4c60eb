#!/usr/bin/env bash
# e2e: long
# A recording with QEMU's user network: the guest fetches a page from a server on the host's
# loopback; the capture shows the exchange, and the replay, with the server gone, receives the same
# bytes (oracles: tshark, the server's log and page). Its card is a virtio-net, which QEMU reloads
# from a snapshot, so gdb goes backwards in it: at netget's first fwrite, the buffer holds the reply
# the server sent; reverse-stepi goes back to the call in main, stepi forward again.
. "$(dirname "$0")/../lib.sh"
need_guest netget
command -v tshark >/dev/null || skip_all "no tshark (make setup installs it)"
# ---- network: a page fetched from a server on the host's loopback ---------------------------
mkdir -p "$TMP/www"
printf 'qtrace record/replay test page %s\n' "$$-$RANDOM" >"$TMP/www/page.txt"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
(cd "$TMP/www" && exec python3 -m http.server "$port" --bind 127.0.0.1) >"$TMP/www.log" 2>&1 &
srv=$!
for _ in $(seq 50); do grep -q "Serving HTTP" "$TMP/www.log" && break; sleep 0.1; done
"$QTRACE" record --net --kernel "$RRKERNEL" --initrd "$INITRD" --append "qtrace.net=1 qtrace.run=netget qtrace.args=$port,/page.txt" \
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
check "its manifest names the card (format 4: an older qtrace would replay it with an e1000)" \
    bash -c "grep -qx 'nic=virtio-net-pci' '$TMP/recnet/manifest' && grep -qx 'format=4' '$TMP/recnet/manifest'"
if command -v gdb >/dev/null; then
    gdb_back_and_forth "$TMP/dbg.gdb" up 'print got' 'print (char *)buf'
    timeout 600 "$QTRACE" debug "$TMP/recnet" -p "$GUEST/progs/netget" --break fwrite -o "$TMP/dbg" -- -batch \
        -x "$TMP/dbg.gdb" </dev/null >"$TMP/dbg.out" 2>&1
    ok $? "qtrace debug of the network recording, gdb -batch: exits 0 (124: still running after 600 s)"
    check "no warning that gdb can go forward only" bash -c "! grep -q 'forward only' '$TMP/dbg.out'"
    sed -n '/^==AT$/,/^==/p' "$TMP/dbg.out" >"$TMP/at"
    check "gdb stops at netget's first fwrite: got > 0 bytes" grep -qE '^\$1 = [1-9][0-9]*$' "$TMP/at"
    check "and its buffer holds the server's reply, as the recording's console shows it" \
        bash -c "grep -q '^HTTP/1.0 200 OK' '$TMP/recnet/console.txt' && grep -qF '\"HTTP/1.0 200 OK' '$TMP/at'"
    check_back_and_forth "$TMP/dbg.out" fwrite '(_IO_)?fwrite'
fi
check "info: a network recording" grep -q 'network user (virtio-net-pci), captured' <("$QTRACE" info "$TMP/recnet")
done_testing
