#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Independent check of a MIKEY-PSK initiation message (RFC 3830).

Written from the RFC alone, sharing no code with the C core: the PRF
(4.1.2), the pre-shared key derivations (4.1.4), the KEMAC MAC
(HMAC-SHA-1-160 over the message up to the MAC field, 5.2) and AES-CM
decryption (4.2.3, through the openssl command line), then the key data
(6.13) and, for a TGK, the per crypto session TEK and salt (4.1.3).

Usage: rfc3830_psk_check.py BASE64 PSK_HEX KEY_LEN SALT_LEN
Prints "MAC OK" (or exits 1 with "MAC MISMATCH"), then one line per
crypto session: "CS <ssrc> <master key || salt, hex> <mki hex or ->".
Used by test-mikey-tool; needs only python3 and openssl.
"""
import base64
import hashlib
import hmac
import struct
import subprocess
import sys

C_TEK, C_TEK_SALT = 0x2AD01C64, 0x39A2C14B
C_ENCR, C_AUTH, C_SALT = 0x150533E1, 0x2D22AC75, 0x29B88916


def p_hash(s, label, m):
    out, a = b"", label
    for _ in range(m):
        a = hmac.new(s, a, hashlib.sha1).digest()
        out += hmac.new(s, a + label, hashlib.sha1).digest()
    return out


def prf(inkey, label, outlen):
    m = (outlen * 8 + 159) // 160
    n = (len(inkey) * 8 + 255) // 256
    res = bytes(m * 20)
    for i in range(n):
        res = bytes(x ^ y for x, y in
                    zip(res, p_hash(inkey[32 * i:32 * (i + 1)], label, m)))
    return res[:outlen]


def main():
    raw = base64.b64decode(sys.argv[1])
    psk = bytes.fromhex(sys.argv[2])
    key_len, salt_len = int(sys.argv[3]), int(sys.argv[4])

    _, data_type, np, _, csb, ncs, map_type = struct.unpack(">BBBBIBB",
                                                            raw[:10])
    assert data_type == 0, "not a PSK init message"
    cs = []
    off = 10
    if map_type == 0:
        for i in range(ncs):
            _, ssrc, roc = struct.unpack(">BII", raw[off:off + 9])
            cs.append(ssrc)
            off += 9
    t = rand = None
    while True:
        if np == 5:                                  # T
            ts_type = raw[off + 1]
            ts_len = 4 if ts_type == 2 else 8
            t = raw[off + 2:off + 2 + ts_len].rjust(8, b"\0")
            np, off = raw[off], off + 2 + ts_len
        elif np == 11:                               # RAND
            n = raw[off + 1]
            rand = raw[off + 2:off + 2 + n]
            np, off = raw[off], off + 2 + n
        elif np == 10:                               # SP
            n = struct.unpack(">H", raw[off + 3:off + 5])[0]
            np, off = raw[off], off + 5 + n
        elif np == 6:                                # ID
            n = struct.unpack(">H", raw[off + 2:off + 4])[0]
            np, off = raw[off], off + 4 + n
        elif np == 1:                                # KEMAC, last
            enc_alg = raw[off + 1]
            n = struct.unpack(">H", raw[off + 2:off + 4])[0]
            enc = raw[off + 4:off + 4 + n]
            assert raw[off + 4 + n] == 1, "MAC algorithm is not HMAC-SHA-1"
            mac_at = off + 5 + n
            mac = raw[mac_at:mac_at + 20]
            assert mac_at + 20 == len(raw), "KEMAC is not last"
            break
        else:
            sys.exit("unexpected payload %d" % np)

    def label(c):
        return struct.pack(">IBI", c, 0xFF, csb) + rand

    auth = prf(psk, label(C_AUTH), 20)
    if not hmac.compare_digest(
            hmac.new(auth, raw[:mac_at], hashlib.sha1).digest(), mac):
        print("MAC MISMATCH")
        sys.exit(1)
    print("MAC OK")

    if enc_alg == 1:                                 # AES-CM-128
        ek = prf(psk, label(C_ENCR), 16)
        sk = prf(psk, label(C_SALT), 14)
        iv = bytes(x ^ y for x, y in
                   zip(sk, b"\0\0" + struct.pack(">I", csb) + t)) + b"\0\0"
        plain = subprocess.run(["openssl", "enc", "-aes-128-ctr", "-K",
                                ek.hex(), "-iv", iv.hex()], input=enc,
                               capture_output=True, check=True).stdout
    elif enc_alg == 0:
        plain = enc
    else:
        sys.exit("encryption algorithm %d not checked here" % enc_alg)

    # first key data sub-payload
    kd_type, kv = plain[1] >> 4, plain[1] & 0xF
    n = struct.unpack(">H", plain[2:4])[0]
    key, p = plain[4:4 + n], 4 + n
    salt = b""
    if kd_type in (1, 3):
        sn = struct.unpack(">H", plain[p:p + 2])[0]
        salt, p = plain[p + 2:p + 2 + sn], p + 2 + sn
    mki = "-"
    if kv == 1:
        mki = plain[p + 1:p + 1 + plain[p]].hex()

    for i, ssrc in enumerate(cs or [None]):
        if kd_type in (2, 3):                        # TEK (|| salt)
            tek = key + salt
        else:                                        # TGK: 4.1.3
            lab = lambda c: struct.pack(">IBI", c, i + 1, csb) + rand
            tek = prf(key, lab(C_TEK), key_len) + \
                prf(key, lab(C_TEK_SALT), salt_len)
        print("CS %s %s %s" % ("-" if ssrc is None else ssrc, tek.hex(), mki))


if __name__ == "__main__":
    main()
