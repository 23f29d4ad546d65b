#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The embedded-default main job: a WAV file sent as SRTP from one
# gst-launch-1.0 process to another over loopback, keyed by a MIKEY-PSK
# exchange (pipelines/psk-sender.sh -> pipelines/psk-receiver.sh), and the
# received audio compared with the source byte for byte.
exec bash "$(dirname "$0")/check-pipelines.sh" psk
