#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Instructions per MIKEY exchange beside instructions per set of the raw
# OpenSSL operations the mode needs, counted with valgrind's callgrind in
# one run per mode. Unlike the rates of bench-exchanges, these do not move
# with the load of a shared machine. Columns as in bench-exchanges:
# exchange through the core, raw set, raw set plus the X.509 work
# (PKE and DH). Calls made by the warm-up are left out.
#
#   bench/callgrind-exchanges.sh [MODE ...]   (default: every mode;
#                                             needs valgrind and a build/)
set -euo pipefail
cd "$(dirname "$0")/.."

bench=${BENCH_EXCHANGES:-build/bench/bench-exchanges}
[ -x "$bench" ] || {
  echo "$bench not found: build first (meson setup build && ninja -C build)" >&2
  exit 1
}
command -v valgrind >/dev/null || {
  echo "valgrind not found: apt-get install valgrind" >&2
  exit 1
}
if [ $# -eq 0 ]; then
  set -- null psk "pke pkcs1" "pke pss" "dh group 5" "dh group 1" \
    "dh group 2" "dhhmac group 5"
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT

printf '%-15s %14s %14s %9s %14s %9s\n' mode "instr/exch" "instr/raw" \
  overhead "instr/raw+x509" overhead
for mode in "$@"; do
  # two seconds of valgrind's wall time per column: tens of DH exchanges,
  # hundreds of PSK ones
  valgrind --tool=callgrind --callgrind-out-file="$out" \
    --toggle-collect=run_slice \
    "$bench" --only "$mode" --slices 1 --seconds 6 >/dev/null 2>&1
  python3 - "$out" "$mode" <<'EOF'
import re
import sys

# callgrind's format: "fn=" names the current function, "cfn=" a callee,
# then "calls=N ..." and one cost line whose second field is the
# inclusive Ir of those N calls. Names are compressed to "(id)" after
# their first appearance.
names, fn, per = {}, None, {}
lines = open(sys.argv[1]).read().split("\n")
for i, line in enumerate(lines):
    m = re.match(r"(c?fn)=\((\d+)\)(?: (.*))?$", line)
    if not m:
        continue
    if m.group(3):
        names[m.group(2)] = m.group(3)
    name = names.get(m.group(2), "")
    if m.group(1) == "fn":
        fn = name
    elif fn == "run_slice" and lines[i + 1].startswith("calls="):
        calls = int(lines[i + 1].split("=")[1].split()[0])
        ir = int(lines[i + 2].split()[1])
        c, t = per.get(name, (0, 0))
        per[name] = (c + calls, t + ir)

def cost(name):
    c, t = per.get(name, (0, 0))
    return t / c if c else None

ex, raw, x509 = cost("run_exchange"), cost("run_raw"), cost("run_raw_x509")
if ex is None or raw is None:
    sys.exit("no calls counted for %s: is bench-exchanges built with "
             "debug symbols?" % sys.argv[2])
row = "%-15s %14.0f %14.0f %8.1f%%" % (sys.argv[2], ex, raw,
                                        100 * (ex - raw) / raw)
if x509 is not None:
    row += " %14.0f %8.1f%%" % (x509, 100 * (ex - x509) / x509)
print(row)
EOF
done
