/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MMKM protocol library: the MMKM_ERROR quark. */
#include "mmkm-error.h"

/* indent would put spaces around the dashes of the quark's name */
/* *INDENT-OFF* */
G_DEFINE_QUARK (mmkm-error-quark, mmkm_error);
/* *INDENT-ON* */
