#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Generator of the heartbeat test vector of test-mmkm-heartbeat.c.

Written from docs/mmkm-protocol.md and RFC 3830 4.1.2 alone, sharing no
code with lib/mmkm or lib/mikey: the heartbeat key is PRF (KEK, the 14
ASCII bytes "MMKM heartbeat"), the datagram an ACK with fixed fields and
its HMAC-SHA-256. Prints the key and the datagram as C arrays; the test
holds its output as constants (run it again to check them).
"""
import hashlib
import hmac
import struct


def p_sha1(s, label, m):
    out, a = b"", label
    for _ in range(m):
        a = hmac.new(s, a, hashlib.sha1).digest()
        out += hmac.new(s, a + label, hashlib.sha1).digest()
    return out


def mikey_prf(inkey, label, outlen):
    m = (outlen + 19) // 20
    res = bytes(m * 20)
    for i in range(0, len(inkey), 32):
        piece = p_sha1(inkey[i:i + 32], label, m)
        res = bytes(x ^ y for x, y in zip(res, piece))
    return res[:outlen]


def c_array(name, data):
    body = ",".join(("\n  " if i % 12 == 0 else " ") + "0x%02x" % b
                    for i, b in enumerate(data))
    return "static const guint8 %s[%d] = {%s\n};" % (name, len(data), body)


kek = bytes(range(32))
key = mikey_prf(kek, b"MMKM heartbeat", 32)
session = bytes(range(0xA0, 0xB0))
# ACK, flags "fetch", seq 0x0102030405060708, NTP time, MKI 0xDEADBEEF
body = (b"MMKM" + struct.pack(">BBH", 1, 3, 1) + session +
        struct.pack(">QQI", 0x0102030405060708, 0xE3A1B2C3D4E5F607,
                    0xDEADBEEF))
datagram = body + hmac.new(key, body, hashlib.sha256).digest()
assert len(datagram) == 76
print(c_array("vector_hb_key", key))
print(c_array("vector_datagram", datagram))
