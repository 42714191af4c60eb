#!/usr/bin/env python3
"""Counts the events of a QEMU 10.0 record/replay log (REC/replay.bin), and where its checkpoints are.

Usage: scripts/rrlog.py LOG [BUCKET]

Prints the log's events by kind, then, per BUCKET guest instructions (default 10^8), the
checkpoints in that stretch. A replay's cost is its checkpoints and events more than its
instructions (docs/record-replay.md): a stretch with many is where the guest busy-waited. The log
format is QEMU's (replay/replay-internal.h, replay/replay-events.c): a 12-byte header, then
events of one byte each, big-endian operands. A log of another QEMU version is refused.
"""
import collections
import struct
import sys

VERSION = 0xE0200C
# event numbers: replay-internal.h's enum ReplayEvents, with QEMU 10.0's 7 async kinds, 11 shutdown
# causes (12 numbers), 2 clocks and 9 checkpoints (include/system/replay.h)
INSTRUCTION, INTERRUPT, EXCEPTION, ASYNC = 0, 1, 2, 3
SHUTDOWN = ASYNC + 7
CHAR_WRITE = SHUTDOWN + 12
CHAR_READ_ALL, CHAR_READ_ALL_ERROR, AUDIO_OUT, AUDIO_IN, RANDOM, CLOCK = range(CHAR_WRITE + 1, CHAR_WRITE + 7)
CHECKPOINT = CLOCK + 2
END = CHECKPOINT + 9
ASYNC_KINDS = ['bh', 'bh_oneshot', 'input', 'input_sync', 'char_read', 'block', 'net']
CHECKPOINTS = ['clock_warp_start', 'clock_warp_account', 'reset_requested', 'suspend_requested',
               'clock_virtual', 'clock_host', 'clock_virtual_rt', 'init', 'reset']


class Log:
    def __init__(self, data):
        self.d, self.p = data, 12

    def take(self, fmt):
        v = struct.unpack_from(fmt, self.d, self.p)
        self.p += struct.calcsize(fmt)
        return v[0]

    def array(self):
        n = self.take('>I')
        self.p += n


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__.split('\n\n')[1])
    try:
        data = open(sys.argv[1], 'rb').read()
    except OSError as e:
        sys.exit('%s: %s' % (sys.argv[1], e.strerror))
    bucket = int(float(sys.argv[2])) if len(sys.argv) == 3 else 10**8
    if len(data) < 12 or struct.unpack_from('>I', data)[0] != VERSION:
        sys.exit('%s: not a QEMU 10.0 replay log (version %#x expected)' % (sys.argv[1], VERSION))
    log, icount = Log(data), 0
    kinds, where = collections.Counter(), collections.defaultdict(collections.Counter)
    while log.p < len(data):
        e = data[log.p]
        log.p += 1
        if e == INSTRUCTION:
            icount += log.take('>I')
            kinds['instructions'] += 1
        elif e in (INTERRUPT, EXCEPTION):
            kinds['interrupt' if e == INTERRUPT else 'exception'] += 1
        elif ASYNC <= e < SHUTDOWN:
            k = ASYNC_KINDS[e - ASYNC]
            kinds['async ' + k] += 1
            if k in ('bh', 'bh_oneshot', 'block'):
                log.take('>Q')
            elif k == 'char_read':
                log.p += 1
                log.array()
            elif k == 'net':
                log.p += 1
                log.take('>I')
                log.array()
            elif k == 'input':
                sys.exit('offset %d: input events are not parsed' % (log.p - 1))
        elif SHUTDOWN <= e < CHAR_WRITE:
            kinds['shutdown'] += 1
        elif e == CHAR_WRITE:
            log.take('>I')
            log.take('>I')
            kinds['char write'] += 1
        elif e == CHAR_READ_ALL:
            log.array()
            kinds['char read'] += 1
        elif e == CHAR_READ_ALL_ERROR:
            log.take('>I')
            kinds['char read error'] += 1
        elif e == RANDOM:
            log.take('>I')
            log.array()
            kinds['random'] += 1
        elif CLOCK <= e < CHECKPOINT:
            log.take('>Q')
            kinds['clock read ' + ('host', 'virtual_rt')[e - CLOCK]] += 1
        elif CHECKPOINT <= e < END:
            c = CHECKPOINTS[e - CHECKPOINT]
            kinds['checkpoint ' + c] += 1
            where[icount // bucket][c] += 1
        elif e == END:
            kinds['end'] += 1
            break
        else:
            sys.exit('offset %d: unknown event %d (another QEMU version?)' % (log.p - 1, e))
    print('%s: %d bytes, %d instructions' % (sys.argv[1], len(data), icount))
    for k, v in sorted(kinds.items(), key=lambda kv: -kv[1]):
        print('  %-34s %10d' % (k, v))
    print('checkpoints per %d instructions:' % bucket)
    for b in sorted(where):
        print('  from %-14d %s' % (b * bucket, ' '.join('%s=%d' % kv for kv in sorted(where[b].items()))))


if __name__ == '__main__':
    main()
