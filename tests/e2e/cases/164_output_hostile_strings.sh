#!/usr/bin/env bash
# Output safety with a real guest program: faults_prog passes hostile strings (ANSI escapes, an OSC
# title, CR, backspace, DEL, invalid UTF-8, a right-to-left override, quotes, backslashes,
# "</script>", a 4000-byte string) to show(s), which returns them, and opens each as a path. In
# every output format no raw control byte or non-ASCII byte gets through, the JSON parses, and
# each string decodes back to exactly the bytes the program printed (its own hex dump: the
# oracle), cut at 256 bytes with "..." where longer.
. "$(dirname "$0")/../lib.sh"
gcc -O1 -g -fno-inline -static -o "$TMP/fp" "$TOP/tests/progs/faults_prog.c" || bail "build faults_prog"
"$QTRACE" run -q -A 'show@arg1/s' -R 'show@retval/s' --syscalls --format text,json,folded,uftrace -o "$TMP/o" \
    -- "$TMP/fp" strings >"$TMP/out" 2>"$TMP/err"
ok $? "qtrace run of faults_prog strings exits 0"
check "the program printed its 5 strings" test "$(grep -c '^string [0-4] ' "$TMP/out")" = 5
"$QTRACE" dump -f compat-log -o "$TMP/o/trace.compat-log" "$TMP/o/trace.qtr" 2>/dev/null &&
    "$QTRACE" dump -f compat-stack -o "$TMP/o/trace.compat-stack" "$TMP/o/trace.qtr" 2>/dev/null
ok $? "the compat-log and compat-stack conversions too"

python3 - "$TMP/o" "$TMP/out" >"$TMP/py.out" 2>&1 <<'PY'
import json, os, re, sys
d, out = sys.argv[1:3]
want = [bytes.fromhex(l.split()[2]) for l in open(out) if l.startswith('string ')]
def unc(s):  # the C escaping of qtrace's text formats, back to bytes
    b, i = bytearray(), 0
    esc = {'n': 10, 't': 9, 'r': 13, '"': 34, '\\': 92, "'": 39}
    while i < len(s):
        if s[i] == '\\':
            if s[i + 1] == 'x':
                b.append(int(s[i + 2:i + 4], 16)); i += 4
            else:
                b.append(esc[s[i + 1]]); i += 2
        else:
            b.append(ord(s[i])); i += 1
    return bytes(b)
def shown(b):  # what a string argument shows: at most 256 bytes, "..." when cut
    return (b[:256], len(b) > 256)
q = r'"((?:[^"\\]|\\.)*)"(\.\.\.)?'
# 1. every file of every format: printable ASCII lines only
for root, _, files in os.walk(d):
    for f in files:
        p = os.path.join(root, f)
        data = open(p, 'rb').read()
        if f.endswith('.dat'):  # binary records (timestamps may hold any byte); string arguments stored escaped
            raw = [w for w in want if len(w) >= 4 and any(c < 32 or c >= 127 for c in w)]
            assert raw and not any(w in data for w in raw), (p, 'a hostile string stored raw')
            data = b''
        elif f.endswith('.qtr'):
            continue
        elif f == 'info' and data.startswith(b'Ftrace!'):
            data = data[40:]
        bad = [c for c in data if c != 10 and not 32 <= c < 127]
        assert not bad, (p, 'raw byte 0x%02x' % bad[0])
        print('ok printable', os.path.relpath(p, d))
# 2. text: show's argument and return value, and each openat path, decode to the bytes
text = open(os.path.join(d, 'trace.txt')).read()
args = [(unc(m[0]), bool(m[1])) for m in re.findall(r'show\(s=' + q + r'\)', text)]
rets = [(unc(m[0]), bool(m[1])) for m in re.findall(r'\) = ' + q + r';', text)]
paths = [(unc(m[0]), bool(m[1])) for m in re.findall(r'syscall openat\(AT_FDCWD, ' + q + ',', text)]
for name, got in (('argument', args), ('return value', rets), ('openat path', paths)):
    assert got == [shown(w) for w in want], (name, got, want)
    print('ok text', name, len(got))
# 3. json: parses; show's events carry the same renderings as the text
j = json.load(open(os.path.join(d, 'trace.json')))
bs = [e['args'] for e in j['traceEvents'] if e.get('name') == 'show' and e['ph'] == 'B']
es = [e['args']['retval'] for e in j['traceEvents'] if e.get('name') == 'show' and e['ph'] == 'E']
txt = re.findall(r'show\(s=(' + q + r')\)', text)
assert [list(a.values())[0] for a in bs] == [t[0] for t in txt], (bs, txt)
assert es == [t[0] for t in txt], es
print('ok json', len(bs))
PY
ok $? "every output is printable ASCII; arguments, return values and paths decode to the program's bytes; the JSON parses"
diag <"$TMP/py.out"
done_testing
