/* MIKEY protocol core: X.509 and RSA (work in progress) */
#include "mikey-error.h"
