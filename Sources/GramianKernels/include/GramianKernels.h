// Hand-written float32 kernels for the ALS inner loops, chosen at run time:
// an AVX-512 build when the CPU has AVX-512 F/VL/BW/DQ, an AVX2+FMA build when
// it has both, a portable build otherwise (same source, compiled three times;
// see kernels_impl.h). The AVX-512 build gives bit for bit the AVX2 build's
// results; the portable build rounds differently (no fused multiply-add).
#ifndef GRAMIAN_KERNELS_H
#define GRAMIAN_KERNELS_H
#include <stdint.h>

#define GK_LEVEL_PORTABLE 0
#define GK_LEVEL_AVX2 1
#define GK_LEVEL_AVX512 2

/// The build in use (GK_LEVEL_*).
int gk_level(void);
/// The best build this CPU runs, capped by the environment variable
/// GRAMIAN_KERNELS=portable|avx2|avx512 when it is set.
int gk_detected_level(void);
/// 1 when the AVX2+FMA or AVX-512 kernels are in use.
int gk_using_avx2(void);
/// Caps the build at `level` (GK_LEVEL_*), or restores detection (-1); for tests.
void gk_force_level(int level);

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
/// A += s Σ_r g_r g_rᵀ over the m rows (length n, contiguous) of g, on the upper
/// triangle of the row-major n x n matrix a (entries just left of the diagonal,
/// within its 8-aligned block, are overwritten too: the lower triangle is scratch).
/// Register-tiled (4 x 16 accumulators).
void gk_syrk_upper(long n, long m, const float *g, float *a, float s);
/// C += s X B for X m x kk (row stride ldx), B kk x n (ldb), C m x n (ldc), all
/// row-major; register-tiled. Each C element is one in-order sum over kk.
void gk_gemm_rows(long m, long n, long kk, const float *x, long ldx, const float *b, long ldb,
                  float *c, long ldc, float s);
/// Conjugate gradient for nr <= 8 rows in lockstep: row t is rows[first + t]
/// (or first + t when rows is NULL) of a CSR side (offsets, indices, a, b,
/// lambda); each solves (gram + lambda I + Σ_q a_q h_q h_qᵀ) x = Σ_q b_q h_q,
/// h_q = fixed + indices[q] * k, warm-started from its row of target, with
/// `steps` steps (a row stops when its squared residual is below 1e-20).
/// The Gram products of the group are one register-tiled product per step.
/// The first pass copies each row's h_q into scratch (up to gather_cap floats
/// for the group, rows in order while they fit) so that the steps read a
/// contiguous copy; the others are read in place, prefetched ahead.
/// Each row's arithmetic does not depend on the other rows of the group or on
/// gather_cap. scratch holds 4 nr k + gather_cap floats.
void gk_cg_rows(long k, long nr, const int32_t *rows, long first, const long *offsets,
                const int32_t *indices, const float *a, const float *b, const float *lambda,
                const float *gram, const float *fixed, float *target, long steps, float *scratch,
                long gather_cap);
/// Exact ALS solve of one row with n observations (h_q = fixed + idx[q] * k,
/// a_q > 0) by the Woodbury identity: x = A⁻¹ Σ b_q h_q for
/// A = UᵀU + Σ a_q h_q h_qᵀ, given uinv = U⁻¹ (k x k upper triangular,
/// row-major, zeros below). Cost n k² + n² k/2 + n³/3 + 2k², cheaper than a
/// k x k Cholesky while n is below about k/2. scratch holds
/// 2 n k + n n + 3 k + n floats. Returns 0, or 1 when the n x n system is
/// not SPD (non-finite input).
int gk_short_row_solve(long k, long n, const int32_t *idx, const float *fixed, const float *a, const float *b,
                       const float *uinv, float *scratch, float *x);
/// out[j] = U[users[j]] · V[items[j]] + (bias ? bias[items[j]] : 0), j < n,
/// rows of d floats (ids must be in range); each dot is gk_dot's arithmetic,
/// rows of later pairs are prefetched.
void gk_pair_dots(long n, long d, const int32_t *users, const int32_t *items, const float *U, const float *V,
                  const float *bias, float *out);
/// Rows read in place: h_q = base + idx[q] * ld (n floats each), q < m.
/// a += Σ_q w_q h_q h_qᵀ on the upper triangle of the row-major n x n a (any
/// sign of w; entries just left of the diagonal within its 8-aligned block are
/// overwritten too). Register-tiled, no gathered copy.
void gk_gathered_syrk_upper(long n, long m, const int32_t *idx, const float *base, long ld,
                            const float *w, float *a);
/// y += Σ_q coef_q h_q.
void gk_gathered_axpys(long n, long m, const int32_t *idx, const float *base, long ld,
                       const float *coef, float *y);
/// s_q += h_q · d for each q.
void gk_gathered_dots_add(long n, long m, const int32_t *idx, const float *base, long ld,
                          const float *d, float *s);
/// iALS++ block right-hand side: y += Σ_q (b_q - a_q s_q) h_q over the rows
/// h_q = base + idx[q] * ld (n floats), q < m. For n = 8, 16, ..., 64 the
/// n-vector y stays in registers; other n use the generic axpy.
void gk_block_rhs(long n, long m, const int32_t *idx, const float *base, long ld, const float *a,
                  const float *b, const float *s, float *y);
/// s_q += h_q · d, q < m (rows as above). For n = 8, ..., 64, d stays in
/// registers and eight dots are reduced at once; each s_q is the same
/// in-order tree whatever its position. Other n use the generic dot.
void gk_block_dots_add(long n, long m, const int32_t *idx, const float *base, long ld,
                       const float *d, float *s);
/// out[t * ldo + j] = g_j · x_t for j < m, t < nr <= 8 (g_j = g + j * ldg,
/// x_t = x + t * ldx, n floats): each g_j is read once for all x_t.
void gk_rows_dots(long m, long n, long nr, const float *g, long ldg, const float *x, long ldx,
                  float *out, long ldo);
/// Packs v (n rows of d floats, row stride ldv) into panels of 8 rows:
/// out[(p * d + k) * 8 + s] = v[8p + s][k], zero past row n. out holds
/// ceil(n / 8) * 8 * d floats.
void gk_pack_panels8(long n, long d, const float *v, long ldv, float *out);
/// out[t * ldo + j] = q_t · v_j for t < nq, j < n (q_t = q + t * ldq, d
/// floats), v packed by gk_pack_panels8. Each panel is read once per 8
/// queries; each output is one in-order sum over the d products.
void gk_panel_dots(long n, long d, const float *panels, long nq, const float *q, long ldq, float *out, long ldo);
// Retrieval kernels and locks live in their own header (this one is the
// module's umbrella header).
#include "GramianRetrievalKernels.h"
#include "GramianTextKernels.h"
#include "GramianGemm.h"
/// Softmax cross-entropy of one row of logits with the positive at `diag`:
/// returns -log softmax(row)[diag] and overwrites row with
/// scale * (softmax(row) - onehot(diag)). -INFINITY entries are masked
/// columns (probability 0). Vectorised exp, relative error about 2e-7.
float gk_softmax_xent_row(long n, float *row, long diag, float scale);
/// x = max(x, 0) on `count` floats (a ReLU layer's activation).
void gk_relu(long count, float *x);
/// For a `rows x n` block of gradients dz (row-major): when `act` is not
/// NULL, zero dz where act <= 0 (the ReLU mask); then db[j] += the sum of
/// column j over the rows, added row by row (the bias gradient).
void gk_relu_mask_column_sums(long rows, long n, const float *act, float *dz, float *db);
/// Hints the cache to load rows rows[0..<count] of a row-major table of
/// `row_bytes` bytes per row (for writing when `write` is non-zero): a
/// batch's scattered embedding rows, requested a group ahead of their use.
void gk_prefetch_rows(const void *base, long row_bytes, const int32_t *rows, long count, int write);
/// LayerNorm of `rows` rows of d floats (Ba et al. 2016): per row
/// xhat = (x - mean) * rstd with rstd = 1 / sqrt(var + eps) (population
/// variance), y = gamma * xhat + beta. Writes y, xhat (rows x d) and rstd
/// (rows) for the backward pass.
void gk_layernorm_forward(long rows, long d, const float *x, const float *gamma, const float *beta, float eps,
                          float *y, float *xhat, float *rstd);
/// LayerNorm's backward from dy and the forward's xhat and rstd:
/// dx += rstd * (dy*gamma - mean(dy*gamma) - xhat * mean(dy*gamma*xhat)),
/// dgamma += sum over rows of dy * xhat, dbeta += sum of dy (row by row).
void gk_layernorm_backward(long rows, long d, const float *dy, const float *xhat, const float *rstd,
                           const float *gamma, float *dx, float *dgamma, float *dbeta);
/// Causal softmax of an n x n block (row stride ld): row i becomes the
/// softmax of its entries 0...i, entries past i become 0.
void gk_causal_softmax(long n, float *s, long ld);
/// Its backward: with a the softmax output and g = dL/da, row i becomes
/// a_ij (g_ij - sum_k a_ik g_ik) for j <= i and 0 past i.
void gk_causal_softmax_backward(long n, const float *a, long lda, float *g, long ldg);
/// e^x by the same vectorised scheme (for tests).
float gk_exp(float x);
#endif
