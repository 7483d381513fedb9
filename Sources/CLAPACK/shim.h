// CBLAS from OpenBLAS (found through pkg-config "openblas") and the reference
// LAPACKE C interface (Debian's OpenBLAS does not bundle LAPACKE).
#include <cblas.h>
#include <lapacke.h>
