#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Known-answer vectors for tests/check/test-crypto.c.

An implementation of the RFC 3830 section 4 crypto that shares no code with
lib/mikey: the PRF, the labels, HMAC (RFC 2104), AES counter mode
(RFC 3711 4.1.1) and AES key wrap (RFC 3394 2.2.1) are written here from the
RFC text; only SHA-1 (hashlib) and the raw AES block function (AES-ECB from
the `cryptography` package) are borrowed. The C test must agree with what
this prints; it never runs Python itself.

Run:  python3 tests/check/data/mikey_crypto_vectors.py
"""

import hashlib
import hmac as py_hmac
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives import keywrap

# RFC 3830 4.1.3 / 4.1.4 constants
CONST_TEK = 0x2AD01C64
CONST_TGK_AUTH = 0x1B5C7973
CONST_TGK_ENCR = 0x15798CEF
CONST_TEK_SALT = 0x39A2C14B
CONST_ENCR = 0x150533E1
CONST_AUTH = 0x2D22AC75
CONST_SALT = 0x29B88916


def hmac_sha1(key, data):
    """RFC 2104 with B = 64, written out rather than taken from hmac."""
    if len(key) > 64:
        key = hashlib.sha1(key).digest()
    key = key.ljust(64, b"\0")
    ipad = bytes(k ^ 0x36 for k in key)
    opad = bytes(k ^ 0x5C for k in key)
    inner = hashlib.sha1(ipad + data).digest()
    return hashlib.sha1(opad + inner).digest()


def p_func(s, label, m):
    """RFC 3830 4.1.2: P(s, label, m) = HMAC(s, A_1 || label) || ...
    || HMAC(s, A_m || label), A_0 = label, A_i = HMAC(s, A_(i-1))."""
    a = label
    out = b""
    for _ in range(m):
        a = hmac_sha1(s, a)
        out += hmac_sha1(s, a + label)
    return out


def prf(inkey, label, outlen):
    """RFC 3830 4.1.2: inkey = s_1 || ... || s_n, 256-bit pieces (the last
    may be shorter), m = ceil(outkey_len / 160), XOR of the P outputs,
    truncated to outkey_len."""
    assert len(inkey) > 0
    n = (len(inkey) * 8 + 255) // 256
    m = (outlen * 8 + 159) // 160
    acc = bytearray(m * 20)
    for i in range(n):
        s = inkey[32 * i: 32 * (i + 1)]
        for j, b in enumerate(p_func(s, label, m)):
            acc[j] ^= b
    return bytes(acc[:outlen])


def derive_tgk(tgk, const, cs_id, csb_id, rand, outlen):
    label = struct.pack(">IBI", const, cs_id, csb_id) + rand
    return prf(tgk, label, outlen)


def derive_psk(key, const, csb_id, rand, outlen):
    label = struct.pack(">IBI", const, 0xFF, csb_id) + rand
    return prf(key, label, outlen)


def aes_block(key, block):
    enc = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return enc.update(block) + enc.finalize()


def aes_block_dec(key, block):
    dec = Cipher(algorithms.AES(key), modes.ECB()).decryptor()
    return dec.update(block) + dec.finalize()


def aes_cm_iv(salt, csb_id, ts):
    """RFC 3830 4.2.3: IV = (S XOR (0x0000 || CSB ID || T)) || 0x0000,
    T the 64-bit timestamp (a 32-bit COUNTER padded with leading zeros)."""
    assert len(salt) == 14
    block = b"\0\0" + struct.pack(">IQ", csb_id, ts)
    return bytes(a ^ b for a, b in zip(salt, block)) + b"\0\0"


def aes_cm(key, iv, data):
    """RFC 3711 4.1.1: keystream E(k, IV) || E(k, IV + 1) || ..."""
    ivn = int.from_bytes(iv, "big")
    out = bytearray()
    for i in range(0, len(data), 16):
        ks = aes_block(key, ((ivn + i // 16) % (1 << 128)).to_bytes(16, "big"))
        out += bytes(a ^ b for a, b in zip(data[i:i + 16], ks))
    return bytes(out)


def aes_kw(kek, p):
    """RFC 3394 2.2.1 (index based)."""
    assert len(p) % 8 == 0 and len(p) >= 16
    n = len(p) // 8
    a = bytes.fromhex("A6A6A6A6A6A6A6A6")
    r = [p[8 * i: 8 * i + 8] for i in range(n)]
    for j in range(6):
        for i in range(n):
            b = aes_block(kek, a + r[i])
            t = n * j + i + 1
            a = (int.from_bytes(b[:8], "big") ^ t).to_bytes(8, "big")
            r[i] = b[8:]
    out = a + b"".join(r)
    assert out == keywrap.aes_key_wrap(kek, p)
    return out


def kw_pad(p):
    """Zero padding to a multiple of 64 bits, at least 128 bits: what
    mikey_kemac_encrypt does before wrapping (see mikey-kemac.c)."""
    ln = max(16, (len(p) + 7) // 8 * 8)
    return p + b"\0" * (ln - len(p))


def pattern(n, mul, add):
    return bytes((i * mul + add) & 0xFF for i in range(n))


def c_hex(b):
    return '"' + b.hex() + '"'


def main():
    # --- self checks against published vectors -------------------------
    assert hmac_sha1(b"\x0b" * 20, b"Hi There").hex() == \
        "b617318655057264e28bc0b6fb378c8ef146be00"            # RFC 2202 1
    assert hmac_sha1(b"Jefe", b"what do ya want for nothing?").hex() == \
        "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"            # RFC 2202 2
    for k, d in ((b"\xaa" * 20, b"\xdd" * 50),              # RFC 2202 3
                 (bytes(range(1, 26)), b"\xcd" * 50)):      # RFC 2202 4
        assert hmac_sha1(k, d) == py_hmac.new(k, d, "sha1").digest()
    assert hmac_sha1(b"\xaa" * 80,
                     b"Test Using Larger Than Block-Size Key - Hash Key First"
                     ).hex() == "aa4ae5e15272d00e95705637ce8a3b55ed402112"  # 6
    assert aes_kw(bytes(range(16)), bytes.fromhex(
        "00112233445566778899AABBCCDDEEFF")).hex().upper() == \
        "1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5"   # RFC 3394 4.1
    # RFC 3711 B.2 AES-CM keystream, to validate aes_cm()
    ks = aes_cm(bytes.fromhex("2B7E151628AED2A6ABF7158809CF4F3C"),
                bytes.fromhex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000"), b"\0" * 48)
    assert ks.hex().upper() == (
        "E03EAD0935C95E80E166B16DD92B4EB4"
        "D23513162B02D0F72A43A2FE4A5F97AB"
        "41E95B3BB0A2E8DD477901E4FCA894C0")

    print("/* generated by tests/check/data/mikey_crypto_vectors.py */")
    print("HMAC RFC 2202 case 3:", hmac_sha1(b"\xaa" * 20, b"\xdd" * 50).hex())
    print("HMAC RFC 2202 case 4:", hmac_sha1(bytes(range(1, 26)), b"\xcd" * 50).hex())

    # --- PRF table -----------------------------------------------------
    label = struct.pack(">IBI", CONST_TEK, 1, 0x01020304) + pattern(16, 3, 0x10)
    print("prf label:", c_hex(label))
    for inlen in (16, 20, 32, 33, 64, 65):
        inkey = pattern(inlen, 7, 1)
        for outlen in (16, 14, 20, 30, 46):
            print("  { %d, %d, %s }," % (inlen, outlen,
                                         c_hex(prf(inkey, label, outlen))))

    # --- derivations ---------------------------------------------------
    tgk = pattern(16, 5, 0x21)
    rand = pattern(16, 11, 0x42)
    csb = 0xA1B2C3D4
    print("tgk:", c_hex(tgk), "rand:", c_hex(rand))
    for name, c, ln in (("TEK", CONST_TEK, 16), ("TGK_AUTH", CONST_TGK_AUTH, 20),
                        ("TGK_ENCR", CONST_TGK_ENCR, 16),
                        ("TEK_SALT", CONST_TEK_SALT, 14)):
        print("  tgk %-8s cs 2: %s" % (name,
                                       c_hex(derive_tgk(tgk, c, 2, csb, rand, ln))))
    psk = pattern(20, 13, 0x99)
    print("psk:", c_hex(psk))
    for name, c, ln in (("ENCR", CONST_ENCR, 16), ("AUTH", CONST_AUTH, 20),
                        ("SALT", CONST_SALT, 14)):
        print("  psk %-4s: %s" % (name, c_hex(derive_psk(psk, c, csb, rand, ln))))

    # --- transport keys + KEMAC encryption -----------------------------
    encr = derive_psk(psk, CONST_ENCR, csb, rand, 16)
    salt = derive_psk(psk, CONST_SALT, csb, rand, 14)
    plain = pattern(37, 17, 0x05)
    print("kemac plain:", c_hex(plain))
    ts_ntp = 0xE7D1A2B3C4D5E6F7
    ts_ctr = 0x89ABCDEF  # COUNTER, zero-extended
    for name, ts in (("ntp", ts_ntp), ("counter", ts_ctr)):
        iv = aes_cm_iv(salt, csb, ts)
        print("  aes-cm %s iv %s ct %s" % (name, iv.hex(),
                                          c_hex(aes_cm(encr, iv, plain))))
    print("  aes-kw padded(37->40):", c_hex(aes_kw(encr, kw_pad(plain))))
    plain16 = pattern(16, 9, 0x33)
    print("  aes-kw 16:", c_hex(plain16), c_hex(aes_kw(encr, kw_pad(plain16))))
    plain5 = pattern(5, 9, 0x33)
    print("  aes-kw 5 (->16):", c_hex(plain5), c_hex(aes_kw(encr, kw_pad(plain5))))

    # --- MAC ------------------------------------------------------------
    auth = derive_psk(psk, CONST_AUTH, csb, rand, 20)
    msg1, msg2 = pattern(41, 3, 7), pattern(8, 1, 0xF0)
    print("mac data1:", c_hex(msg1), "data2:", c_hex(msg2))
    print("  mac(auth, d1||d2):", c_hex(hmac_sha1(auth, msg1 + msg2)))


if __name__ == "__main__":
    main()
