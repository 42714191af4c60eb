#!/usr/bin/env bash
# A block cut short by a fault: its accesses stay with their instructions, the later ones never
# run (oracle: execlog_prog.c's el_fault and el_divzero, nm -S's function bounds).
. "$(dirname "$0")/../lib.sh"
execlog_setup
fixture execlog_plain
PL=$FX/plain.txt
# In el_fault, 'el_sink = 1' is stored, 'el_sink = *p' faults (SIGSEGV; the handler longjmps out)
# and 'el_sink = 2' never runs: exactly one store to el_sink from el_fault's instructions; the
# same in el_divzero (SIGFPE).
if python3 - "$PL" "$W/prog.nmS" <<'EOF'
import sys
syms = {}
for l in open(sys.argv[2]):
    f = l.split()
    if len(f) == 4:
        syms[f[3]] = (int(f[0], 16), int(f[0], 16) + int(f[1], 16))
sink = syms['el_sink'][0]
stores = {'el_fault': 0, 'el_divzero': 0}
for l in open(sys.argv[1]):
    f = l.split(', ')
    if len(f) < 3:
        continue
    pc = int(f[1], 16)
    for name in stores:
        if syms[name][0] <= pc < syms[name][1] and ('store, 0x%08x' % sink) in l:
            stores[name] += 1
assert stores == {'el_fault': 1, 'el_divzero': 1}, stores
EOF
then
    ok 0 "a fault in the middle of a block: its accesses stay with their instructions, later ones never run"
else
    ok 1 "a fault in the middle of a block (stores to el_sink in el_fault and el_divzero)"
fi
done_testing
