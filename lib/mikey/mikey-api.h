/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MIKEY protocol library: the export macro.
 *
 * The library is built with hidden symbol visibility; only declarations
 * marked MIKEY_API are part of libmikey-1.0's ABI. Everything else stays
 * private to the library (and to the unit tests that link its objects
 * directly).
 */
#pragma once

#if defined(BUILDING_MIKEY) && defined(__GNUC__)
#define MIKEY_API __attribute__ ((visibility ("default"))) extern
#else
#define MIKEY_API extern
#endif
