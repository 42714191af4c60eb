#!/usr/bin/env python3
# check_run_to_ret.py SHIM BINARY: compare arch.c's straight-run decoder with objdump on every
# function of BINARY. Prints one line: "functions N decoded-one-block Y wrong W missed M", and the
# functions it finds one-block and those where it disagrees with objdump ("wrong": it claims a run objdump does not
# show; "missed": objdump shows one it did not find, which only costs speed).
import re, subprocess, sys

shim, binary = sys.argv[1], sys.argv[2]
dis = subprocess.run(['objdump', '-d', '-w', binary], capture_output=True, text=True, check=True).stdout
funcs, cur = [], None
for line in dis.splitlines():
    m = re.match(r'^([0-9a-f]+) <(.*)>:$', line)
    if m:
        cur = (m.group(2), int(m.group(1), 16), [])
        funcs.append(cur)
        continue
    m = re.match(r'^\s+([0-9a-f]+):\t([0-9a-f ]+)\t(.*)$', line)
    if m and cur is not None:
        cur[2].append((int(m.group(1), 16), bytes.fromhex(m.group(2).replace(' ', '')), m.group(3)))

BRANCH = ('syscall', 'sysenter', 'int', 'int3', 'ud2', 'hlt', 'iret', 'iretq', 'xbegin', '(bad)')
def truth(addr, insns):
    """Instructions through the first ret if objdump shows a straight run in one page, else 0."""
    for k, (a, b, text) in enumerate(insns[:64]):
        words = text.split()
        while words and words[0] in ('bnd', 'notrack', 'cs', 'ds', 'data16', 'lock'):
            words = words[1:]
        mn = words[0] if words else ''
        if mn.startswith('ret'):
            return k + 1 if addr >> 12 == (a + len(b) - 1) >> 12 else 0
        if mn.startswith(('j', 'call', 'loop', 'rep')) or mn in BRANCH:
            return 0
    return 0

lines = ['%x %s' % (addr, b''.join(b for _, b, _ in insns)[:256].hex()) for _, addr, insns in funcs]
got = subprocess.run([shim], input='\n'.join(lines) + '\n', capture_output=True, text=True, check=True).stdout.split()
yes = wrong = missed = 0
for (name, addr, insns), g in zip(funcs, got):
    g, t = int(g), truth(addr, insns)
    if g:
        yes += 1
        print('# one-block: %s (%d instructions)' % (name, g))
    if g and g != t:
        wrong += 1
        print('# wrong: %s at 0x%x: decoder %d, objdump %d' % (name, addr, g, t))
    elif not g and t:
        missed += 1
        print('# missed: %s at 0x%x (%d instructions)' % (name, addr, t))
print('functions %d decoded-one-block %d wrong %d missed %d' % (len(funcs), yes, wrong, missed))
