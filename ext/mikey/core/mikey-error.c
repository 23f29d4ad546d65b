#include "mikey-error.h"

G_DEFINE_QUARK (mikey-error-quark, mikey_error);
