/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "mikey-error.h"

/* indent would put spaces around the dashes of the quark's name */
/* *INDENT-OFF* */
G_DEFINE_QUARK (mikey-error-quark, mikey_error);
/* *INDENT-ON* */
