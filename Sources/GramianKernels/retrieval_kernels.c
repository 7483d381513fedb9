// Run-time dispatch for the retrieval kernels (same scheme as kernels.c: one
// source compiled three times, the build chosen by gk_level()).
#include "GramianKernels.h"
#include "GramianRetrievalKernels.h"
#include <sched.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "vector8.h"
#define GK_VW 8

// Rows fetched ahead of the one being scored: a 128-float row is 8 cache
// lines, so 3 rows keep about 24 misses in flight (Zen 3's L1 miss buffers).
// 2 to 4 measured about alike on amazon-book k = 128, 1 some 10% slower.
#define ROWS_AHEAD 3
#define GR(name) gr_##name##_portable
#include "retrieval_kernels_impl.h"
#undef GR

#if defined(__x86_64__)
#pragma clang attribute push (__attribute__((target("avx2,fma"))), apply_to = function)
#define GR(name) gr_##name##_avx2
#include "retrieval_kernels_impl.h"
#undef GR

// Eight scores per compare; the mask's set bits are the passing indices.
static long gr_scan_above_avx2(const float *s, const float *bias, long n, float threshold,
                               int32_t *out) {
  long found = 0, j = 0;
  __m256 t = _mm256_set1_ps(threshold);
  for (; j + 8 <= n; j += 8) {
    __m256 v = _mm256_loadu_ps(s + j);
    if (bias) v = _mm256_add_ps(v, _mm256_loadu_ps(bias + j));
    unsigned mask = (unsigned)_mm256_movemask_ps(_mm256_cmp_ps(v, t, _CMP_GT_OQ));
    while (mask) {
      out[found++] = (int32_t)(j + __builtin_ctz(mask));
      mask &= mask - 1;
    }
  }
  for (; j < n; j++) {
    float v = bias ? s[j] + bias[j] : s[j];
    if (v > threshold) out[found++] = (int32_t)j;
  }
  return found;
}
#pragma clang attribute pop

// AVX-512: 16-lane distance kernels, bit for bit the AVX2 ones (dot_impl.h).
#undef GK_VW
#define GK_VW 16
#pragma clang attribute push (__attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma"))), apply_to = function)
#define GR(name) gr_##name##_avx512
#include "retrieval_kernels_impl.h"
#undef GR
#pragma clang attribute pop
#undef GK_VW
#define GK_VW 8
#define gr_scan_above_avx512 gr_scan_above_avx2
#endif

static long gr_scan_above_portable(const float *s, const float *bias, long n, float threshold,
                                   int32_t *out) {
  long found = 0;
  for (long j = 0; j < n; j++) {
    float v = bias ? s[j] + bias[j] : s[j];
    if (v > threshold) out[found++] = (int32_t)j;
  }
  return found;
}

#if defined(__x86_64__)
#define DISPATCH(call) ({ int _l = gk_level(); \
  _l == GK_LEVEL_AVX512 ? gr_##call##_avx512 : _l == GK_LEVEL_AVX2 ? gr_##call##_avx2 : gr_##call##_portable; })
#else
#define DISPATCH(call) (gr_##call##_portable)
#endif

float gk_neg_dot(long n, const float *x, const float *y) { return DISPATCH(neg_dot)(n, x, y); }
float gk_l2sq(long n, const float *x, const float *y) { return DISPATCH(l2sq)(n, x, y); }
void gk_neg_dot_rows(long n, const float *q, const float *base, const int32_t *ids, long count,
                     float *out) {
  DISPATCH(neg_dot_rows)(n, q, base, ids, count, out);
}
void gk_l2sq_rows(long n, const float *q, const float *base, const int32_t *ids, long count,
                  float *out) {
  DISPATCH(l2sq_rows)(n, q, base, ids, count, out);
}
long gk_scan_above(const float *s, const float *bias, long n, float threshold, int32_t *out) {
  return DISPATCH(scan_above)(s, bias, n, threshold, out);
}

void gk_spin_lock(uint32_t *word) {
  for (;;) {
    if (__atomic_exchange_n(word, 1u, __ATOMIC_ACQUIRE) == 0) return;
    int spins = 0;
    while (__atomic_load_n(word, __ATOMIC_RELAXED) != 0) {
      if (++spins < 64) {
#if defined(__x86_64__)
        __builtin_ia32_pause();
#endif
      } else {
        sched_yield();  // the holder may be descheduled on a busy machine
        spins = 0;
      }
    }
  }
}

void gk_spin_unlock(uint32_t *word) { __atomic_store_n(word, 0u, __ATOMIC_RELEASE); }
