#!/usr/bin/env bash
# Several vCPUs (3 threads): every vCPU's lines equal libexeclog.so's, in order, and the binary
# log's equal the direct text (oracle: libexeclog.so).
. "$(dirname "$0")/../lib.sh"
execlog_setup
# QEMU's execlog itself is not thread-safe (get_cpu() returns a pointer into a GArray that a new
# vCPU may reallocate): it crashes now and then with threads. Try a few runs.
for try in 1 2 3 4 5 6 7 8; do
    run_pair threads "" "$P" 3 && break
done 2>/dev/null
[ "$try" -gt 1 ] && echo "# libexeclog.so crashed $((try - 1)) times with threads (its own race), then ran"
if [ ! -s "$W/threads.txt" ] || ! grep -q '^2, ' "$W/threads.ref"; then
    skip "3 threads (several vCPUs): every vCPU's lines equal execlog's" "libexeclog.so crashed in 8 runs"
elif python3 - "$W/threads.ref" "$W/threads.txt" <<'EOF'
import re, sys
# execlog writes a line in two pieces (text, then "\n"), so lines of different vCPUs can be
# glued together in its log: split them again, then compare each vCPU's sequence of lines.
start = re.compile(r'(?<=.)(?=\d, 0x[0-9a-f]+, 0x[0-9a-f]+, ")')
def per_vcpu(path, split):
    per = {}
    for l in open(path).read().split('\n'):
        for part in (start.split(l) if split else [l]):
            if part:
                per.setdefault(part.split(',')[0], []).append(part)
    return per
ref, ours = per_vcpu(sys.argv[1], True), per_vcpu(sys.argv[2], False)
assert len(ours) >= 2, sorted(ours)
assert ref == ours, [k for k in ref if ref.get(k) != ours.get(k)]
print('# vCPUs: ' + ', '.join('%s: %d lines' % (k, len(v)) for k, v in sorted(ours.items())))
EOF
then
    ok 0 "3 threads (several vCPUs): every vCPU's lines equal execlog's, in order"
else
    ok 1 "3 threads (several vCPUs): every vCPU's lines equal execlog's"
fi
run_bin bin_threads "reg=rax" 3
el_dump "$W/bin_threads.qtr" execlog "$W/bin_threads.dump"
if [ -s "$W/bin_threads.txt" ] && cmp -s <(sort "$W/bin_threads.txt") <(sort "$W/bin_threads.dump") &&
    for c in 0 1 2; do cmp -s <(grep "^$c, " "$W/bin_threads.txt") <(grep "^$c, " "$W/bin_threads.dump") || exit 1; done; then
    ok 0 "3 threads, binary log: every vCPU's lines equal the direct text"
else
    ok 1 "3 threads, binary log: every vCPU's lines equal the direct text"
fi
done_testing
