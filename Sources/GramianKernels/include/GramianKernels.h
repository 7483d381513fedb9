// Hand-written float32 kernels for the ALS inner loops, chosen at run time:
// an AVX2+FMA build of each kernel when the CPU has both, a portable build
// otherwise (same source, compiled twice; see kernels_impl.h).
#ifndef GRAMIAN_KERNELS_H
#define GRAMIAN_KERNELS_H
#include <stdint.h>

/// 1 when the AVX2+FMA kernels are in use.
int gk_using_avx2(void);
/// Forces the portable kernels (1) or restores run-time detection (0); for tests.
void gk_force_portable(int on);

/// x · y over n floats.
float gk_dot(long n, const float *x, const float *y);
/// y += a x over n floats.
void gk_axpy(long n, float a, const float *x, float *y);
/// y = A x, A symmetric n x n row-major with both triangles filled.
void gk_symv(long n, const float *a, const float *x, float *y);
/// Solves A x = b in place by Cholesky (A = UᵀU); a is row-major n x n with
/// the upper triangle valid (the lower is never read, only partly overwritten as
/// scratch) and is overwritten by U.
/// Returns 0 on success, or 1 + the failing pivot when A is not SPD.
int gk_spd_solve_upper(long n, float *a, float *b);
/// A += Σ_r g_r g_rᵀ over the m rows (length n, contiguous) of g, on the upper
/// triangle of the row-major n x n matrix a (entries just left of the diagonal,
/// within its 8-aligned block, are overwritten too: the lower triangle is scratch).
void gk_syrk_upper(long n, long m, const float *g, float *a);
/// One conjugate-gradient row solve of (gram + lam I + Σ_q a_q h_q h_qᵀ) x = Σ_q b_q h_q,
/// h_q = fixed + idx[q] * k, warm-started from x, `steps` steps (stops when the squared
/// residual is below 1e-20). scratch holds 3k floats.
void gk_cg_row(long k, long n, const float *gram, float lam, const int32_t *idx,
               const float *a, const float *b, const float *fixed, float *x, long steps,
               float *scratch);
/// Softmax cross-entropy of one row of logits with the positive at `diag`:
/// returns -log softmax(row)[diag] and overwrites row with
/// scale * (softmax(row) - onehot(diag)). -INFINITY entries are masked
/// columns (probability 0). Vectorised exp, relative error about 2e-7.
float gk_softmax_xent_row(long n, float *row, long diag, float scale);
/// e^x by the same vectorised scheme (for tests).
float gk_exp(float x);
#endif
