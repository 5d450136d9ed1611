/* rxds: the portable kernel (any C compiler with GCC vector extensions). */
#define RXDS_KERN rxds_kern_generic
#include "rxds_kern.h"
