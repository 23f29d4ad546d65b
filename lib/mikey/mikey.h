/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MIKEY protocol library (RFC 3830 and extensions), sans-I/O: the whole
 * public API. Applications include <mikey/mikey.h> and link with
 * `pkg-config --libs mikey-1.0`. See docs/protocol-core.md.
 */
#pragma once

#include "mikey-api.h"
#include "mikey-types.h"
#include "mikey-error.h"
#include "mikey-message.h"
#include "mikey-timestamp.h"
#include "mikey-replay.h"
#include "mikey-crypto.h"
#include "mikey-suite.h"
#include "mikey-srtp.h"
#include "mikey-dh.h"
#include "mikey-pk.h"
#include "mikey-negotiate.h"
#include "mikey-exchange.h"
#include "mikey-verify.h"
#include "mikey-base64.h"
#include "mikey-credentials.h"
#include "mikey-demux.h"
