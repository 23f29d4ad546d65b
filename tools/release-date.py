#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Prints the release date (YYYY-MM-DD) meson puts into the plugin: the
commit date of the checked-out tree, or SOURCE_DATE_EPOCH when set (for
reproducible builds of a tarball), else today's date in UTC."""
import datetime
import os
import subprocess

here = os.path.dirname(os.path.abspath(__file__))
epoch = os.environ.get("SOURCE_DATE_EPOCH")
if epoch:
    when = datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc)
    print(when.strftime("%Y-%m-%d"))
else:
    try:
        out = subprocess.run(["git", "-C", here, "log", "-1", "--format=%cs"],
                             capture_output=True, text=True, check=True)
        date = out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        date = ""
    print(date or datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d"))
