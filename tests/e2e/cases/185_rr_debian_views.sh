#!/usr/bin/env bash
# e2e: long
# Views on the replay of the Debian guest's recording (the fixture of 184): qtrace ps shows the
# shell and diskio with the argv and exit status the guest printed; diskio's calls, read from the
# recorded disk image (-p /usr/local/bin/diskio, the replay's default --sysroot), carry the path
# and size diskio printed; --vmmap shows diskio's PIE where its calls ran (oracles: the recording's
# console, the ELF file read back from the image with debugfs).
. "$(dirname "$0")/../lib.sh"
need_rr_debian
A=$FX/a
ok $(rc_of "$FX/a.rc") "qtrace replay with --processes, --vmmap and -p /usr/local/bin/diskio exits 0"

# ---- qtrace ps -----------------------------------------------------------------------------------
"$QTRACE" ps --json -o "$TMP/ps.json" "$A/trace.qtr" 2>"$TMP/ps.err"
ok $? "qtrace ps reads the replay's trace"
script=$(sed -n 's/^QTRACE-GUEST: run sh -c //p' "$FX/rec.console")
shst=$(sed -n 's/^QTRACE-GUEST: exit sh status //p' "$FX/rec.console")
dst=$(sed -n 's/^diskio-status=//p' "$FX/rec.console")
python3 - "$TMP/ps.json" "$script" "$shst" "$dst" >"$TMP/ps.out" 2>&1 <<'PY'
import json, sys
ps, script, shst, dst = json.load(open(sys.argv[1])), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
sh = [p for p in ps['processes'] if p['argv'] == ['sh', '-c', script]]
assert len(sh) == 1, 'one sh -c SCRIPT: %s' % [p['argv'] for p in ps['processes']][:20]
d = [p for p in ps['processes'] if p['ppid'] == sh[0]['pid'] and p['argv'] == ['diskio', 'all', '/root', '1048576']]
assert len(d) == 1, 'diskio all /root 1048576, a child of sh'
assert sh[0]['shell_status'] == shst and d[0]['shell_status'] == dst, (sh[0]['shell_status'], d[0]['shell_status'])
assert d[0]['instructions']['user'] > 0
print('sh pid %d exit %d, diskio pid %d exit %d' % (sh[0]['pid'], shst, d[0]['pid'], dst))
PY
ok $? "qtrace ps on the replay: sh -c SCRIPT and its child diskio all /root 1048576, with the argv and exit statuses the guest printed ($(tail -1 "$TMP/ps.out"))"
"$QTRACE" ps "$A/trace.qtr" 2>/dev/null | grep -q 'diskio all /root 1048576'
ok $? "qtrace ps (text) lists diskio with its arguments"

# ---- diskio's functions, from the recorded image ------------------------------------------------
grep -qE 'sync_file\(path="/root/big.bin", n=1048576\) \{' "$A/trace.txt" &&
    grep -qE '\} = 0; /\* sync_file \*/' "$A/trace.txt"
ok $? "-p /usr/local/bin/diskio: sync_file(path=\"/root/big.bin\", n=1048576) = 0, as diskio printed it"
grep -q 'files(dir="/root")' "$A/trace.txt"
ok $? "-p /usr/local/bin/diskio: files(dir=\"/root\")"

# ---- --vmmap: diskio's program mapped where the ELF says ------------------------------------------
debugfs -R 'cat /usr/local/bin/diskio' "$(readlink -f "$GD/disk.img")" >"$TMP/diskio" 2>/dev/null
off=$(readelf -lW "$TMP/diskio" | awk '$1 == "LOAD" && / R E / { print $2; exit }')
pid=$(sed -n 's/.*tid:\([0-9]*\)\] == exec "\/usr\/local\/bin\/diskio".*/\1/p' "$A/trace.txt" | head -1)
[ -n "$off" ] && [ -n "$pid" ] &&
    grep -E "tid:$pid\] .* r-xp 0*$(printf '%x' $((off & ~4095))) .* /usr/local/bin/diskio$" "$A/trace.txt" >/dev/null
ok $? "--vmmap: diskio (pid $pid) maps /usr/local/bin/diskio r-x at the offset of its executable PT_LOAD ($off, readelf)"
done_testing
