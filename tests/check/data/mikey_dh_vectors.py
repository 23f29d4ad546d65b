#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Known-answer vectors for tests/check/test-dh.c.

Independent of OpenSSL and of lib/mikey:

* the three MODP primes MIKEY uses (RFC 3830 6.4: OAKLEY 5 = RFC 3526
  group 5, OAKLEY 1 / 2 = RFC 2409 groups 1 / 2) are rebuilt from the
  formulas printed in those RFCs, p = 2^n - 2^(n-64) - 1 + 2^64 * (floor(2^k
  pi) + c), with pi computed here by Machin's formula in integers, and
  compared with the hex the C code carries; each p and (p-1)/2 is checked
  to be a (probable) prime;
* public values and shared secrets are Python's pow(g, x, p).

Private values are SHA-256 of a label, so anyone can reproduce them.
The C test never runs this; re-run it and paste the output if anything
below changes.

Run:  python3 tests/check/data/mikey_dh_vectors.py
"""

import hashlib
import random

# (name, bits n, k in floor(2^k pi), additive constant, RFC, hex in C)
GROUPS = [
    ("OAKLEY5", 1536, 1406, 741804, "RFC 3526 section 2",
     "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1"
     "29024E088A67CC74020BBEA63B139B22514A08798E3404DD"
     "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245"
     "E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
     "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3D"
     "C2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
     "83655D23DCA3AD961C62F356208552BB9ED529077096966D"
     "670C354E4ABC9804F1746C08CA237327FFFFFFFFFFFFFFFF"),
    ("OAKLEY1", 768, 638, 149686, "RFC 2409 section 6.1",
     "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1"
     "29024E088A67CC74020BBEA63B139B22514A08798E3404DD"
     "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245"
     "E485B576625E7EC6F44C42E9A63A3620FFFFFFFFFFFFFFFF"),
    ("OAKLEY2", 1024, 894, 129093, "RFC 2409 section 6.2",
     "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1"
     "29024E088A67CC74020BBEA63B139B22514A08798E3404DD"
     "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245"
     "E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
     "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381"
     "FFFFFFFFFFFFFFFF"),
]
G = 2


def floor_pi_times_2_pow(k):
    """floor(2^k * pi), by Machin: pi = 16 atan(1/5) - 4 atan(1/239)."""
    guard = 64
    one = 1 << (k + guard)

    def atan_inv(x):
        total, term, n, sign = 0, one // x, 1, 1
        x2 = x * x
        while term:
            total += sign * (term // n)
            term //= x2
            n += 2
            sign = -sign
        return total

    return (16 * atan_inv(5) - 4 * atan_inv(239)) >> guard


def is_probable_prime(n, rounds=40):
    if n < 4:
        return n in (2, 3)
    d, s = n - 1, 0
    while d % 2 == 0:
        d //= 2
        s += 1
    rng = random.Random(n)
    for _ in range(rounds):
        a = rng.randrange(2, n - 2)
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def priv(label):
    return int.from_bytes(hashlib.sha256(label.encode()).digest(), "big")


def hexlen(v, nbytes):
    return v.to_bytes(nbytes, "big").hex()


def main():
    for name, n, k, c, rfc, hexp in GROUPS:
        p = (1 << n) - (1 << (n - 64)) - 1 + (1 << 64) * (
            floor_pi_times_2_pow(k) + c)
        assert p == int(hexp, 16), name + ": hex differs from " + rfc
        assert p.bit_length() == n
        assert is_probable_prime(p) and is_probable_prime((p - 1) // 2), name
        # g = 2 generates the order-q subgroup iff 2 is a square mod p,
        # i.e. p = +-1 mod 8; then every honest public value is in it
        assert p % 8 == 7, name
        nbytes = n // 8
        xa = priv("mikey dh test A " + name)
        xb = priv("mikey dh test B " + name)
        ya, yb = pow(G, xa, p), pow(G, xb, p)
        z = pow(yb, xa, p)
        assert z == pow(ya, xb, p)
        print("/* %s (%s): p matches the formula, p and (p-1)/2 prime */"
              % (name, rfc))
        print("%s_PRIV_A \"%s\"" % (name, hexlen(xa, 32)))
        print("%s_PRIV_B \"%s\"" % (name, hexlen(xb, 32)))
        print("%s_PUB_A \"%s\"" % (name, hexlen(ya, nbytes)))
        print("%s_PUB_B \"%s\"" % (name, hexlen(yb, nbytes)))
        print("%s_SHARED \"%s\"" % (name, hexlen(z, nbytes)))
        # a private value whose shared secret has a leading zero byte
        # would test the padding; search a few labels for one
        for i in range(4096):
            xc = priv("mikey dh pad %s %d" % (name, i))
            zc = pow(yb, xc, p)
            if zc < (1 << (8 * (nbytes - 1))):
                print("%s_PRIV_PAD \"%s\"" % (name, hexlen(xc, 32)))
                print("%s_PUB_PAD \"%s\"" % (name, hexlen(pow(G, xc, p),
                                                          nbytes)))
                print("%s_SHARED_PAD \"%s\"" % (name, hexlen(zc, nbytes)))
                break
        print()


if __name__ == "__main__":
    main()
