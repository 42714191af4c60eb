#!/usr/bin/env python3
# check_run_to_ret.py SHIM BINARY [ARCH]: compare arch.c's straight-run decoder with objdump on
# every function of BINARY (ARCH x86_64, the default, or aarch64: aarch64-linux-gnu-objdump). Prints one line: "functions N decoded-one-block Y wrong W missed M", and the
# functions it finds one-block and those where it disagrees with objdump ("wrong": it claims a run objdump does not
# show; "missed": objdump shows one it did not find, which only costs speed).
import re, subprocess, sys

shim, binary = sys.argv[1], sys.argv[2]
arch = sys.argv[3] if len(sys.argv) > 3 else 'x86_64'
objdump = 'aarch64-linux-gnu-objdump' if arch == 'aarch64' else 'objdump'
dis = subprocess.run([objdump, '-d', '-w', binary], capture_output=True, text=True, check=True).stdout
funcs, cur = [], None
for line in dis.splitlines():
    m = re.match(r'^([0-9a-f]+) <(.*)>:$', line)
    if m:
        cur = (m.group(2), int(m.group(1), 16), [])
        funcs.append(cur)
        continue
    m = re.match(r'^\s+([0-9a-f]+):\t([0-9a-f ]+)\t(.*)$', line)
    if m and cur is not None:
        raw = m.group(2).strip()
        if arch == 'aarch64':  # one 32-bit word, as a number: the bytes are little-endian
            code = b''.join(int(w, 16).to_bytes(len(w) // 2, 'little') for w in raw.split())
        else:
            code = bytes.fromhex(raw.replace(' ', ''))
        cur[2].append((int(m.group(1), 16), code, m.group(3)))

BRANCH = ('syscall', 'sysenter', 'int', 'int3', 'ud2', 'hlt', 'iret', 'iretq', 'xbegin', '(bad)')
# aarch64: control transfers, exceptions and the system instructions that end a QEMU block
A64_STOP = {'b', 'bl', 'br', 'blr', 'braa', 'brab', 'braaz', 'brabz', 'blraa', 'blrab', 'blraaz', 'blrabz',
            'cbz', 'cbnz', 'tbz', 'tbnz', 'svc', 'hvc', 'smc', 'brk', 'hlt', 'eret', 'eretaa', 'eretab', 'isb',
            'udf', 'msr', 'sys', 'sysl', 'wfi', 'wfe', 'sev', 'sevl', 'dcps1', 'dcps2', 'dcps3', 'drps', 'tstart',
            'tcommit', 'tcancel', '.inst', 'clrex', 'dc', 'ic', 'at', 'tlbi'}
def truth_a64(addr, insns):
    for k, (a, b, text) in enumerate(insns[:64]):
        mn = text.split()[0] if text.split() else ''
        if mn in ('ret', 'retaa', 'retab'):
            return k + 1 if addr >> 12 == (a + 3) >> 12 else 0
        if mn in A64_STOP or mn.startswith('b.'):
            return 0
    return 0

def truth(addr, insns):
    if arch == 'aarch64':
        return truth_a64(addr, insns)
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
got = subprocess.run([shim, arch], input='\n'.join(lines) + '\n', capture_output=True, text=True, check=True).stdout.split()
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
