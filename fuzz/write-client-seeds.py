#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Writes the seed corpus of fuzz-mmkm-client (fuzz/corpus-mmkm-client/):
# records "op | status | length | data" (see fuzz/fuzz-mmkm-client.c)
# around the API examples of tests/check/data/mmkm-api/.
import os
import struct
import sys

here = os.path.dirname(os.path.abspath(__file__))
api = os.path.join(here, '..', 'tests', 'check', 'data', 'mmkm-api')
out = os.path.join(here, 'corpus-mmkm-client')


def rec(op, status=0, data=b''):
    return struct.pack('>BHH', op, status, len(data)) + data


def body(name):
    with open(os.path.join(api, name), 'rb') as f:
        return f.read()


JOINED, FRESH_JOIN, FRESH_REGISTER = b'\x01', b'\x00', b'\x02'
ANSWER_JSON, ANSWER_MIKEY = 0, 8
REAL_TEKS = 6 | 8
ack = (b'MMKM\x01\x03\x00\x01' + bytes(16) + struct.pack('>Q', 1) +
       bytes(8) + b'\x00\x00\x00\x2a')
seeds = {
    'songs': JOINED + rec(5, 0) + rec(ANSWER_JSON, 200, body('songs.json')),
    'queue': JOINED + rec(5, 2) + rec(ANSWER_JSON, 200, body('queue.json')),
    'events': JOINED + rec(5, 5, b'x' * 30) +
    rec(ANSWER_JSON, 200, body('events.json')),
    'request': JOINED + rec(5, 1, b'\x02') +
    rec(ANSWER_JSON, 201, body('queue-entry.json')) + rec(5, 1, b'\x02') +
    rec(ANSWER_JSON, 429, body('error-request-limit.json')),
    'next-empty': JOINED + rec(5, 3) + rec(ANSWER_JSON, 204),
    'ack-fetch': JOINED + rec(2, 0, ack) + rec(ANSWER_JSON, 401,
                                                body('error-unauthorized.json')),
    'timeouts': JOINED + rec(3 | 8) * 5 + rec(0, 200, b'{}'),
    'unknown-mki': JOINED + rec(6, 0, b'\x00' * 99) + rec(4, 0),
    'bye': JOINED + rec(7) + rec(ANSWER_JSON, 204),
    # a real TEK list (MKIs 0x10000, 0x10001), then the acknowledgements:
    # one taken, one failed and retried at the deadline, then refused
    'tek-ack': JOINED + rec(REAL_TEKS, 1) + rec(ANSWER_JSON, 204) +
    rec(ANSWER_JSON, 503) + rec(3 | 8) +
    rec(ANSWER_JSON, 400, body('error-unknown-song.json')),
    # acknowledgements failing, a fresher list while they are open, and
    # the session gone
    'tek-ack-renewed': JOINED + rec(REAL_TEKS, 2) + rec(4) +
    rec(REAL_TEKS, 2) + rec(ANSWER_JSON, 400) + rec(3 | 8) +
    rec(ANSWER_JSON, 401, body('error-unauthorized.json')),
    'login': FRESH_JOIN + rec(ANSWER_JSON, 200, body('login-response.json')) +
    rec(ANSWER_MIKEY, 200, b'\x01\x02\x03'),
    'login-refused': FRESH_JOIN +
    rec(ANSWER_JSON, 401, body('error-unauthorized.json')),
    'register': FRESH_REGISTER +
    rec(ANSWER_JSON, 201, body('register-response.json')),
}
os.makedirs(out, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(out, name + '.bin'), 'wb') as f:
        f.write(data)
sys.exit(0)
