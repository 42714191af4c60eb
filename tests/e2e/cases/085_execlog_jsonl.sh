#!/usr/bin/env bash
# qtrace dump -f execlog-json: one valid JSON object per instruction, the same content as the text
# log (oracle: python's json and the text log).
. "$(dirname "$0")/../lib.sh"
execlog_setup
fixture execlog_bin
el_dump "$FX/bin_regs.qtr" execlog-json "$TMP/bin_regs.jsonl"
if python3 - "$TMP/bin_regs.jsonl" "$FX/bin_regs.txt" <<'EOF'
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1])]
text = open(sys.argv[2]).read().split('\n')[:-1]
# one object per instruction line (the text's final line is execlog's exit line)
assert len(objs) == len(text) - 1 or len(objs) == len(text), (len(objs), len(text))
for o, t in zip(objs, text):
    assert t.startswith('%d, %s, %s, ' % (o['cpu'], o['vaddr'], o['opcode'])), (o, t)
    for m in o.get('mem', []):
        assert (', %s, 0x%08x' % (m['type'], int(m['vaddr'], 16))) in t, (m, t)
    for r, v in o.get('regs', {}).items():
        assert (', %s -> %s' % (r, v)) in t, (r, v, t)
EOF
then
    ok 0 "qtrace dump -f execlog-json: one valid JSON object per instruction, same content as the text"
else
    ok 1 "qtrace dump -f execlog-json: one valid JSON object per instruction, same content as the text"
fi
done_testing
