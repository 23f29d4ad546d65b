#!/bin/sh
# Regenerates the test PKI used by tests/check/test-pk.c. The tests never
# run this: the PEM files next to it are committed, and test-pk.c carries
# their fingerprints, so re-running it means pasting new fingerprints
# (printed at the end) into test-pk.c.
#
#   root-ca            self-signed root, the tests' trust anchor
#   intermediate-ca    signed by the root
#   bob (responder)    signed by the intermediate; SAN URI sip:bob@example.org,
#                      email bob@example.org, DNS bob.example.org;
#                      bob-chain.pem = bob + intermediate
#   alice (initiator)  signed by the root; SAN URI sip:alice@example.org;
#                      alice-key-enc.pem is her key under passphrase
#                      "mikey-test"
#   carol              signed by the root, no SAN, CN carol@example.org
#   dave               signed by the root, expired (2020-01-01..2021-01-01)
#   evil-ca, mallory   an untrusted root and a cert from it that claims
#                      sip:bob@example.org
#   alice-sig-*.bin    signatures by the openssl CLI (SHA-1, PKCS#1 v1.5
#                      and PSS with a 20-byte salt) over the message
#                      below, which test-pk.c must verify
#
# All keys are RSA 2048; validity 2026-01-01 to 2046-01-01 unless stated.
set -eu

cd "$(dirname "$0")"
out=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

START=20260101000000Z
END=20460101000000Z

cat > "$work/ca.cnf" <<CNF
[ ca ]
default_ca = test_ca
[ test_ca ]
database = $work/index.txt
serial = $work/serial
new_certs_dir = $work
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
[ any ]
commonName = supplied
organizationName = optional
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ v3_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ v3_root ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ leaf_common ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ bob ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = URI:sip:bob@example.org, email:bob@example.org, DNS:bob.example.org
[ alice ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = URI:sip:alice@example.org
[ mallory ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = URI:sip:bob@example.org
CNF
: > "$work/index.txt"
echo 1000 > "$work/serial"

key () {
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
      -out "$out/$1-key.pem" 2>/dev/null
}

# sign NAME SUBJECT ISSUER EXTENSIONS [START END]
sign () {
  openssl req -new -config "$work/ca.cnf" -key "$out/$1-key.pem" \
      -subj "$2" -out "$work/$1.csr"
  if [ "$3" = self ]; then
    opts="-selfsign -keyfile $out/$1-key.pem"
  else
    opts="-cert $out/$3.pem -keyfile $out/$3-key.pem"
  fi
  # shellcheck disable=SC2086
  openssl ca -batch -notext -config "$work/ca.cnf" $opts \
      -startdate "${5:-$START}" -enddate "${6:-$END}" \
      -extensions "$4" -in "$work/$1.csr" -out "$out/$1.pem" 2>/dev/null
}

for n in root-ca intermediate-ca bob alice carol dave evil-ca mallory; do
  key $n
done

sign root-ca "/O=MIKEY Test/CN=MIKEY Test Root CA" self v3_root
sign intermediate-ca "/O=MIKEY Test/CN=MIKEY Test Intermediate CA" root-ca v3_ca
sign bob "/O=MIKEY Test/CN=bob.example.org" intermediate-ca bob
sign alice "/O=MIKEY Test/CN=alice" root-ca alice
sign carol "/O=MIKEY Test/CN=carol@example.org" root-ca leaf_common
sign dave "/O=MIKEY Test/CN=dave" root-ca leaf_common \
    20200101000000Z 20210101000000Z
sign evil-ca "/O=Not MIKEY Test/CN=Evil CA" self v3_root
sign mallory "/O=Not MIKEY Test/CN=mallory" evil-ca mallory

cat bob.pem intermediate-ca.pem > bob-chain.pem
openssl pkey -in alice-key.pem -aes-256-cbc -passout pass:mikey-test \
    -out alice-key-enc.pem
# keys the CA side does not need to keep
rm -f root-ca-key.pem intermediate-ca-key.pem evil-ca-key.pem
chmod 644 ./*.pem

# the same bytes as SIGNED_MESSAGE in test-pk.c
printf 'MIKEY test message, signed by alice' > "$work/msg"
openssl dgst -sha1 -sign alice-key.pem -out alice-sig-pkcs1.bin "$work/msg"
openssl dgst -sha1 -sign alice-key.pem -sigopt rsa_padding_mode:pss \
    -sigopt rsa_pss_saltlen:20 -out alice-sig-pss.bin "$work/msg"
chmod 644 ./*.bin

echo "Fingerprints for test-pk.c (CHASH over the DER certificate):"
for n in bob alice; do
  for h in sha1 md5; do
    printf '%s %s ' "$n" "$h"
    openssl x509 -in "$n.pem" -noout -fingerprint -"$h"
  done
done
