#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Writes fuzz/corpus-heartbeat/: heartbeat datagrams under the key and
session of tests/check/mmkm_heartbeat_vector.py (the ones fuzz-heartbeat
uses), valid and broken, and a list of sequence numbers for the replay
window. Run from the source root: python3 fuzz/write-heartbeat-seeds.py
"""
import contextlib
import hashlib
import hmac
import importlib.util
import io
import struct

spec = importlib.util.spec_from_file_location(
    "vector", "tests/check/mmkm_heartbeat_vector.py")
vector = importlib.util.module_from_spec(spec)
with contextlib.redirect_stdout(io.StringIO()):
    spec.loader.exec_module(vector)
key, session, ack = vector.key, vector.session, vector.datagram


def datagram(dtype, flags, seq, ntp, mki, sid=session):
    body = (b"MMKM" + struct.pack(">BBH", 1, dtype, flags) + sid +
            struct.pack(">QQI", seq, ntp, mki))
    return body + hmac.new(key, body, hashlib.sha256).digest()


seeds = {
    "ack-fetch.bin": ack,
    "heartbeat.bin": datagram(1, 0, 1, 0xE3A1B2C3D4E5F607, 0),
    "bye.bin": datagram(2, 0, 2, 0xE3A1B2C3D4E5F700, 0),
    "other-session.bin": datagram(1, 0, 5, 0, 0, bytes(16)),
    "truncated.bin": ack[:75],
    "extended.bin": ack + b"\0",
    "bad-version.bin": ack[:4] + b"\x02" + ack[5:],
    "bad-mac.bin": ack[:-1] + bytes([ack[-1] ^ 1]),
    "seq-zero.bin": datagram(1, 0, 0, 0, 0),
    "sequence-numbers.bin": b"".join(struct.pack(">Q", s) for s in
                                     [1, 3, 2, 2, 100, 37, 36, 99, 1000, 0,
                                      2**64 - 1, 2**64 - 2]),
}
for name, data in seeds.items():
    with open("fuzz/corpus-heartbeat/" + name, "wb") as f:
        f.write(data)
