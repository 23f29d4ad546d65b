#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Makes DEST a plugin folder holding links to only the named system
GStreamer plugins (libgstNAME.so in SRC), for the tests.

The tests point GST_PLUGIN_SYSTEM_PATH at it: the registry scan then loads
the few plugins the tests use instead of every plugin on the machine,
which is faster and keeps third-party libraries (and their process-lifetime
allocations) out of the sanitizer runs.

Usage: link-test-plugins.py SRC DEST NAME...
"""
import os
import sys

src, dest, names = sys.argv[1], sys.argv[2], sys.argv[3:]
os.makedirs(dest, exist_ok=True)
for entry in os.listdir(dest):
    os.unlink(os.path.join(dest, entry))
missing = []
for name in names:
    path = os.path.join(src, "libgst%s.so" % name)
    if os.path.exists(path):
        os.symlink(path, os.path.join(dest, os.path.basename(path)))
    else:
        missing.append(path)
if missing:
    sys.exit("missing GStreamer plugins (bash tools/install-deps.sh): "
             + ", ".join(missing))
