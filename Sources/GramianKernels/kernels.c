// Run-time dispatch between the AVX-512, AVX2+FMA and portable builds of the
// kernels in kernels_impl.h (hnswlib picks its distance function the same way).
// The AVX-512 build is the same source with 16-lane registers where the
// arithmetic of each output does not change (GK_VW == 16): its results are
// bit for bit the AVX2 build's (tests check this), in fewer instructions.
#include "GramianKernels.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vector8.h"

#define GK_VW 8
#define GK(name) name##_portable
#include "kernels_impl.h"
#include "softmax_impl.h"
#include "sequence_impl.h"
#include "dense_impl.h"
#undef GK

#if defined(__x86_64__)
#pragma clang attribute push (__attribute__((target("avx2,fma"))), apply_to = function)
#define GK(name) name##_avx2
#include "kernels_impl.h"
#include "softmax_impl.h"
#include "sequence_impl.h"
#include "dense_impl.h"
#undef GK
#pragma clang attribute pop

#undef GK_VW
#define GK_VW 16
#pragma clang attribute push (__attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma"))), apply_to = function)
#define GK(name) name##_avx512
#include "kernels_impl.h"
#include "softmax_impl.h"
#include "sequence_impl.h"
#include "dense_impl.h"
#undef GK
#pragma clang attribute pop
#undef GK_VW
#define GK_VW 8
#endif

static int gk_detected = -1;  // -1 unknown, else the best build the CPU runs (GK_LEVEL_*)
static int gk_forced = -1;    // -1 none, else a level chosen by gk_force_level

// The best build this CPU supports, capped by GRAMIAN_KERNELS (portable,
// avx2 or avx512) when that is set: a way to compare the builds in one binary.
int gk_detected_level(void) {
  int m = __atomic_load_n(&gk_detected, __ATOMIC_RELAXED);
  if (m < 0) {
    m = GK_LEVEL_PORTABLE;
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
      m = GK_LEVEL_AVX2;
      if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
          __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq"))
        m = GK_LEVEL_AVX512;
    }
#endif
    const char *env = getenv("GRAMIAN_KERNELS");
    if (env) {
      int cap = m;
      if (strcmp(env, "portable") == 0) cap = GK_LEVEL_PORTABLE;
      else if (strcmp(env, "avx2") == 0) cap = GK_LEVEL_AVX2;
      else if (strcmp(env, "avx512") == 0) cap = GK_LEVEL_AVX512;
      else fprintf(stderr, "gramian: GRAMIAN_KERNELS=%s is not portable, avx2 or avx512; ignored\n", env);
      if (cap < m) m = cap;
    }
    __atomic_store_n(&gk_detected, m, __ATOMIC_RELAXED);
  }
  return m;
}

int gk_level(void) {
  int d = gk_detected_level(), f = __atomic_load_n(&gk_forced, __ATOMIC_RELAXED);
  return f >= 0 && f < d ? f : d;
}

int gk_using_avx2(void) { return gk_level() >= GK_LEVEL_AVX2; }

void gk_force_level(int level) { __atomic_store_n(&gk_forced, level < 0 ? -1 : level, __ATOMIC_RELAXED); }

#if defined(__x86_64__)
#define DISPATCH(call) ({ int _l = gk_level(); \
  _l == GK_LEVEL_AVX512 ? call##_avx512 : _l == GK_LEVEL_AVX2 ? call##_avx2 : call##_portable; })
#else
#define DISPATCH(call) (call##_portable)
#endif

float gk_dot(long n, const float *x, const float *y) { return DISPATCH(dot)(n, x, y); }
void gk_axpy(long n, float a, const float *x, float *y) { DISPATCH(axpy)(n, a, x, y); }
void gk_symv(long n, const float *a, const float *x, float *y) { DISPATCH(symv)(n, a, x, y); }
int gk_spd_solve_upper(long n, float *a, float *b) { return DISPATCH(spd_solve_upper)(n, a, b); }
void gk_syrk_upper(long n, long m, const float *g, float *a, float s) { DISPATCH(syrk_upper)(n, m, g, a, s); }
void gk_gemm_rows(long m, long n, long kk, const float *x, long ldx, const float *b, long ldb, float *c, long ldc, float s) {
  for (long t = 0; t < m; t += 4) DISPATCH(tile)(m - t < 4 ? m - t : 4, n, kk, x + t * ldx, ldx, 1, b, ldb, c + t * ldc, ldc, s);
}
void gk_cg_rows(long k, long nr, const int32_t *rows, long first, const long *offsets, const int32_t *indices,
                const float *a, const float *b, const float *lambda, const float *gram, const float *fixed,
                float *target, long steps, float *scratch, long gather_cap) {
  DISPATCH(cg_rows)(k, nr, rows, first, offsets, indices, a, b, lambda, gram, fixed, target, steps, scratch,
                    gather_cap < 0 ? 0 : gather_cap);
}
void gk_gathered_syrk_upper(long n, long m, const int32_t *idx, const float *base, long ld, const float *w, float *a) {
  DISPATCH(gathered_syrk_upper)(n, m, idx, base, ld, w, a);
}
void gk_gathered_axpys(long n, long m, const int32_t *idx, const float *base, long ld, const float *coef, float *y) {
  DISPATCH(gathered_axpys)(n, m, idx, base, ld, coef, y);
}
void gk_gathered_dots_add(long n, long m, const int32_t *idx, const float *base, long ld, const float *d, float *s) {
  DISPATCH(gathered_dots_add)(n, m, idx, base, ld, d, s);
}
void gk_rows_dots(long m, long n, long nr, const float *g, long ldg, const float *x, long ldx, float *out, long ldo) {
  DISPATCH(rows_dots)(m, n, nr, g, ldg, x, ldx, out, ldo);
}
void gk_pack_panels8(long n, long d, const float *v, long ldv, float *out) {
  long np = (n + 7) / 8;
  for (long p = 0; p < np; p++)
    for (long k = 0; k < d; k++)
      for (long s = 0; s < 8; s++) {
        long item = p * 8 + s;
        out[(p * d + k) * 8 + s] = item < n ? v[item * ldv + k] : 0.0f;
      }
}
void gk_panel_dots(long n, long d, const float *panels, long nq, const float *q, long ldq, float *out, long ldo) {
  DISPATCH(panel_dots)(n, d, panels, nq, q, ldq, out, ldo);
}
void gk_block_rhs(long n, long m, const int32_t *idx, const float *base, long ld, const float *a,
                  const float *b, const float *s, float *y) {
  DISPATCH(block_rhs)(n, m, idx, base, ld, a, b, s, y);
}
void gk_block_dots_add(long n, long m, const int32_t *idx, const float *base, long ld, const float *d, float *s) {
  DISPATCH(block_dots_add)(n, m, idx, base, ld, d, s);
}
int gk_short_row_solve(long k, long n, const int32_t *idx, const float *fixed, const float *a, const float *b,
                       const float *uinv, float *scratch, float *x) {
  return DISPATCH(short_row_solve)(k, n, idx, fixed, a, b, uinv, scratch, x);
}
void gk_pair_dots(long n, long d, const int32_t *users, const int32_t *items, const float *U, const float *V,
                  const float *bias, float *out) {
  DISPATCH(pair_dots)(n, d, users, items, U, V, bias, out);
}
float gk_softmax_xent_row(long n, float *row, long diag, float scale) {
  return DISPATCH(softmax_xent_row)(n, row, diag, scale);
}
float gk_exp(float x) { return DISPATCH(exp1)(x); }
void gk_relu(long count, float *x) { DISPATCH(relu)(count, x); }
void gk_relu_mask_column_sums(long rows, long n, const float *act, float *dz, float *db) {
  DISPATCH(relu_mask_column_sums)(rows, n, act, dz, db);
}
void gk_prefetch_rows(const void *base, long row_bytes, const int32_t *rows, long count, int write) {
  for (long s = 0; s < count; s++) {
    const char *row = (const char *)base + (long)rows[s] * row_bytes;
    for (long b = 0; b < row_bytes; b += 64) {
      if (write) __builtin_prefetch(row + b, 1, 3); else __builtin_prefetch(row + b, 0, 3);
    }
  }
}
void gk_layernorm_forward(long rows, long d, const float *x, const float *gamma, const float *beta, float eps,
                          float *y, float *xhat, float *rstd) {
  DISPATCH(layernorm_forward)(rows, d, x, gamma, beta, eps, y, xhat, rstd);
}
void gk_layernorm_backward(long rows, long d, const float *dy, const float *xhat, const float *rstd,
                           const float *gamma, float *dx, float *dgamma, float *dbeta) {
  DISPATCH(layernorm_backward)(rows, d, dy, xhat, rstd, gamma, dx, dgamma, dbeta);
}
void gk_causal_softmax(long n, float *s, long ld) { DISPATCH(causal_softmax)(n, s, ld); }
void gk_causal_softmax_backward(long n, const float *a, long lda, float *g, long ldg) {
  DISPATCH(causal_softmax_backward)(n, a, lda, g, ldg);
}
