// Float32 kernels for retrieval (HNSW distances, top-K threshold scans) and
// the spin locks of the parallel HNSW build. Like GramianKernels.h: an
// AVX-512, AVX2+FMA or portable build of each kernel, chosen at run time
// (gk_level / gk_force_level).
#ifndef GRAMIAN_RETRIEVAL_KERNELS_H
#define GRAMIAN_RETRIEVAL_KERNELS_H
#include <stdint.h>

/// -(x · y) over n floats: the inner-product "distance" (smaller is closer).
float gk_neg_dot(long n, const float *x, const float *y);
/// |x - y|² over n floats.
float gk_l2sq(long n, const float *x, const float *y);
/// out[j] = -(q · row ids[j] of base) for j < count; base rows are n floats
/// apart. The next rows (3 ahead) are prefetched while one is computed.
void gk_neg_dot_rows(long n, const float *q, const float *base, const int32_t *ids, long count,
                     float *out);
/// out[j] = |q - row ids[j] of base|² for j < count.
void gk_l2sq_rows(long n, const float *q, const float *base, const int32_t *ids, long count,
                  float *out);
/// Writes to out the indices j < n (increasing) where s[j] + bias[j] > threshold
/// (bias may be NULL: s[j] > threshold) and returns how many. NaN never passes.
/// out holds n entries.
long gk_scan_above(const float *s, const float *bias, long n, float threshold, int32_t *out);

/// Asks for the cache line at p ahead of a read (a hint; never faults).
static inline void gk_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }

/// A test-and-test-and-set spin lock on one 32-bit word (0 = free): acquire
/// semantics on lock, release on unlock; yields the CPU after a short spin.
void gk_spin_lock(uint32_t *word);
void gk_spin_unlock(uint32_t *word);
#endif
