/* rxds: the AVX2 kernel (this unit is compiled with -mavx2; rxds.c calls it
 * only when the CPU reports AVX2). */
#if defined(__x86_64__)
#define RXDS_AVX2 1
#define RXDS_KERN rxds_kern_avx2
#include "rxds_kern.h"
#endif
