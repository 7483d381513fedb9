// The kernel bodies, included twice by kernels.c with GK(name) expanding to a
// suffixed name; once under target("avx2,fma"). GCC/Clang vector extensions
// keep the source portable; with FMA available `acc += a * b` contracts to vfmadd.
// No include guard on purpose.

#define DOT_NAME GK(dot)
#include "dot_impl.h"
#undef DOT_NAME

static void GK(axpy)(long n, float a, const float *x, float *y) {
  v8 av = splat8(a);
  long i = 0;
#if GK_VW == 16
  v16 aw = splat16(a);
  for (; i + 16 <= n; i += 16) store16(y + i, load16(y + i) + aw * load16(x + i));
#endif
  for (; i + 8 <= n; i += 8) store8(y + i, load8(y + i) + av * load8(x + i));
  for (; i < n; i++) y[i] += a * x[i];
}

static void GK(symv)(long n, const float *a, const float *x, float *y) {
  // Four rows at a time share the loads of x.
  long j = 0;
  for (; j + 4 <= n; j += 4) {
    const float *r0 = a + j * n, *r1 = r0 + n, *r2 = r1 + n, *r3 = r2 + n;
    v8 s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0};
    long i = 0;
    for (; i + 8 <= n; i += 8) {
      v8 xv = load8(x + i);
      s0 += load8(r0 + i) * xv; s1 += load8(r1 + i) * xv;
      s2 += load8(r2 + i) * xv; s3 += load8(r3 + i) * xv;
    }
    float t0 = hsum8(s0), t1 = hsum8(s1), t2 = hsum8(s2), t3 = hsum8(s3);
    for (; i < n; i++) { t0 += r0[i] * x[i]; t1 += r1[i] * x[i]; t2 += r2[i] * x[i]; t3 += r3[i] * x[i]; }
    y[j] = t0; y[j + 1] = t1; y[j + 2] = t2; y[j + 3] = t3;
  }
  for (; j < n; j++) y[j] = GK(dot)(n, a + j * n, x);
}

// One column block of tile_r below (it reads that function's R, K, a, ars,
// aqs, b, ldb, c, ldc and j): NV vectors of type VT (W lanes) per row, written
// once for both vector widths. Each accumulator lane is one C element's
// in-order sum over q. Redefined identically at each inclusion of this file.
#define GK_TILE_BLOCK(VT, W, LOAD, STORE, SPLAT, NV, sv) do {                  \
    VT acc[4][NV];                                                             \
    for (int r = 0; r < R; r++) for (int v = 0; v < NV; v++) acc[r][v] = (VT){0}; \
    const float *bq = b + j, *aq = a;                                          \
    for (long q = 0; q < K; q++, bq += ldb, aq += aqs) {                       \
      VT bv[NV];                                                               \
      for (int v = 0; v < NV; v++) bv[v] = LOAD(bq + W * v);                   \
      for (int r = 0; r < R; r++) {                                            \
        VT av = SPLAT(aq[r * ars]);                                            \
        for (int v = 0; v < NV; v++) acc[r][v] += av * bv[v];                  \
      }                                                                        \
    }                                                                          \
    for (int r = 0; r < R; r++) {                                              \
      float *cr = c + r * ldc + j;                                             \
      for (int v = 0; v < NV; v++) STORE(cr + W * v, LOAD(cr + W * v) + sv * acc[r][v]); \
    }                                                                          \
  } while (0)

// C[r][j] += s * Σ_{q<K} A(r, q) B[q][j] for r < R, j < nc, where
// A(r, q) = a[r*ars + q*aqs], B[q][j] = b[q*ldb + j], C[r][j] = c[r*ldc + j].
// A register tile of R x 16 accumulators (R <= 4: 8 ymm) is summed over q in
// order and added to C once, so each C element's arithmetic depends only on
// its own row and column, not on R or on which tile it falls in.
//
// The AVX-512 build (GK_VW == 16) first takes blocks of 32 columns in 16-lane
// registers (8 zmm), then the 16- and 8-column blocks below; each element is
// still its own in-order sum of fused multiply-adds, so the result is bit for
// bit the AVX2 build's.
static inline __attribute__((always_inline)) void GK(tile_r)(
    const int R, long nc, long K, const float *a, long ars, long aqs, const float *b, long ldb,
    float *c, long ldc, float s) {
  v8 sv = splat8(s);
  long j = 0;
#if GK_VW == 16
  v16 sw = splat16(s);
  for (; j + 32 <= nc; j += 32) GK_TILE_BLOCK(v16, 16, load16, store16, splat16, 2, sw);
  if (j + 16 <= nc) { GK_TILE_BLOCK(v16, 16, load16, store16, splat16, 1, sw); j += 16; }
#endif
  for (; j + 16 <= nc; j += 16) GK_TILE_BLOCK(v8, 8, load8, store8, splat8, 2, sv);
  if (j + 8 <= nc) { GK_TILE_BLOCK(v8, 8, load8, store8, splat8, 1, sv); j += 8; }
  for (; j < nc; j++) {
    for (int r = 0; r < R; r++) {
      float t = 0;
      for (long q = 0; q < K; q++) t += a[r * ars + q * aqs] * b[q * ldb + j];
      c[r * ldc + j] += s * t;
    }
  }
}

// The tile for 1 <= R <= 4 rows, each R a separate fully unrolled build.
static void GK(tile)(long R, long nc, long K, const float *a, long ars, long aqs, const float *b,
                     long ldb, float *c, long ldc, float s) {
  switch (R) {
    case 4: GK(tile_r)(4, nc, K, a, ars, aqs, b, ldb, c, ldc, s); break;
    case 3: GK(tile_r)(3, nc, K, a, ars, aqs, b, ldb, c, ldc, s); break;
    case 2: GK(tile_r)(2, nc, K, a, ars, aqs, b, ldb, c, ldc, s); break;
    default: GK(tile_r)(1, nc, K, a, ars, aqs, b, ldb, c, ldc, s); break;
  }
}

// Upper-triangle rank-K update C += s Pᵀ P of the row-major n x n matrix c,
// P = K x n rows at p (row stride ldp). Rows go 4 at a time; each starts at
// the 8-aligned column at or below its diagonal (the few entries it writes
// left of the diagonal belong to the unused lower triangle).
static void GK(syrk_tiles)(long n, long K, const float *p, long ldp, float *c, float s) {
  for (long i = 0; i < n; i += 4) {
    long R = n - i < 4 ? n - i : 4, j0 = i & ~7L;
    GK(tile)(R, n - j0, K, p + i, 1, ldp, p + j0, ldp, c + i * n + j0, n, s);
  }
}

// C[r][j] += Σ_{q<K} w_q h_q[i + r] h_q[j0 + j] for r < R, j < nc, with the
// rows h_q = base + idx[q] * ld read in place (no gathered copy): the
// register tile of tile_r over indexed rows, for weighted rank updates.
static inline __attribute__((always_inline)) void GK(gtile_r)(
    const int R, long i, long j0, long nc, long K, const int32_t *idx, const float *base, long ld,
    const float *w, float *c, long ldc) {
  long j = 0;
  for (; j + 16 <= nc; j += 16) {
    v8 acc[4][2];
    for (int r = 0; r < R; r++) { acc[r][0] = (v8){0}; acc[r][1] = (v8){0}; }
    for (long q = 0; q < K; q++) {
      const float *h = base + (long)idx[q] * ld;
      float wq = w[q];
      v8 b0 = load8(h + j0 + j), b1 = load8(h + j0 + j + 8);
      for (int r = 0; r < R; r++) {
        v8 av = splat8(wq * h[i + r]);
        acc[r][0] += av * b0;
        acc[r][1] += av * b1;
      }
    }
    for (int r = 0; r < R; r++) {
      float *cr = c + r * ldc + j;
      store8(cr, load8(cr) + acc[r][0]);
      store8(cr + 8, load8(cr + 8) + acc[r][1]);
    }
  }
  if (j + 8 <= nc) {
    v8 acc[4];
    for (int r = 0; r < R; r++) acc[r] = (v8){0};
    for (long q = 0; q < K; q++) {
      const float *h = base + (long)idx[q] * ld;
      float wq = w[q];
      v8 b0 = load8(h + j0 + j);
      for (int r = 0; r < R; r++) acc[r] += splat8(wq * h[i + r]) * b0;
    }
    for (int r = 0; r < R; r++) { float *cr = c + r * ldc + j; store8(cr, load8(cr) + acc[r]); }
    j += 8;
  }
  for (; j < nc; j++) {
    for (int r = 0; r < R; r++) {
      float t = 0;
      for (long q = 0; q < K; q++) {
        const float *h = base + (long)idx[q] * ld;
        t += (w[q] * h[i + r]) * h[j0 + j];
      }
      c[r * ldc + j] += t;
    }
  }
}

// Upper triangle of the row-major n x n matrix a += Σ_q w_q h_q h_qᵀ, h_q =
// base + idx[q] * ld (n floats each); entries just left of the diagonal within
// its 8-aligned block are overwritten too (lower triangle is scratch).
// The n = 16 rank update of the iALS++ block solver (b = 16), for up to 256
// rows: the rows are gathered once into a contiguous copy hc and a weighted
// copy wc (wc_q = w_q * h_q, the same products the general tile forms), then
// two passes cover the upper triangle with twelve register accumulators
// each: rows 0-5 x columns 0-15, then rows 6-7 x columns 0-15 and rows
// 8-15 x columns 8-15. Every entry is the same in-order sum over q, added
// to `a` once, as in the general tile, so the result is bit for bit the
// general kernel's; what goes is the per-pass index load, scalar multiply
// and register broadcast (four passes there).
#define GK_SYRK16_MAX 256
static void GK(gathered_syrk16_upper)(long K, const int32_t *idx, const float *base, long ld, const float *w,
                                      float *a) {
  float hc[GK_SYRK16_MAX * 16] __attribute__((aligned(32)));
  float wc[GK_SYRK16_MAX * 16] __attribute__((aligned(32)));
  for (long q = 0; q < K; q++) {
    const float *h = base + (long)idx[q] * ld;
    float wq = w[q];
    for (int j = 0; j < 16; j++) {
      hc[q * 16 + j] = h[j];
      wc[q * 16 + j] = wq * h[j];
    }
  }
#if GK_VW == 16
  // AVX-512: one pass, a 16-lane accumulator per row (16 zmm); rows 8-15
  // store their columns 8-15 only, as the two passes below do.
  v16 acc[16];
  for (int r = 0; r < 16; r++) acc[r] = (v16){0};
  for (long q = 0; q < K; q++) {
    v16 hv = load16(hc + q * 16);
    for (int r = 0; r < 16; r++) acc[r] += splat16(wc[q * 16 + r]) * hv;
  }
  for (int r = 0; r < 8; r++) store16(a + r * 16, load16(a + r * 16) + acc[r]);
  for (int r = 8; r < 16; r++) store8(a + r * 16 + 8, load8(a + r * 16 + 8) + hi8(acc[r]));
  return;
#endif
  {
    v8 acc[6][2];
    for (int r = 0; r < 6; r++) { acc[r][0] = (v8){0}; acc[r][1] = (v8){0}; }
    for (long q = 0; q < K; q++) {
      v8 b0 = load8(hc + q * 16), b1 = load8(hc + q * 16 + 8);
      for (int r = 0; r < 6; r++) {
        v8 av = splat8(wc[q * 16 + r]);
        acc[r][0] += av * b0;
        acc[r][1] += av * b1;
      }
    }
    for (int r = 0; r < 6; r++) {
      float *cr = a + r * 16;
      store8(cr, load8(cr) + acc[r][0]);
      store8(cr + 8, load8(cr + 8) + acc[r][1]);
    }
  }
  {
    v8 top[2][2], low[8];
    for (int r = 0; r < 2; r++) { top[r][0] = (v8){0}; top[r][1] = (v8){0}; }
    for (int r = 0; r < 8; r++) low[r] = (v8){0};
    for (long q = 0; q < K; q++) {
      v8 b0 = load8(hc + q * 16), b1 = load8(hc + q * 16 + 8);
      for (int r = 0; r < 2; r++) {
        v8 av = splat8(wc[q * 16 + 6 + r]);
        top[r][0] += av * b0;
        top[r][1] += av * b1;
      }
      for (int r = 0; r < 8; r++) low[r] += splat8(wc[q * 16 + 8 + r]) * b1;
    }
    for (int r = 0; r < 2; r++) {
      float *cr = a + (6 + r) * 16;
      store8(cr, load8(cr) + top[r][0]);
      store8(cr + 8, load8(cr + 8) + top[r][1]);
    }
    for (int r = 0; r < 8; r++) {
      float *cr = a + (8 + r) * 16 + 8;
      store8(cr, load8(cr) + low[r]);
    }
  }
}

static void GK(gathered_syrk_upper)(long n, long K, const int32_t *idx, const float *base, long ld,
                                    const float *w, float *a) {
  if (n == 16 && K <= GK_SYRK16_MAX) {
    GK(gathered_syrk16_upper)(K, idx, base, ld, w, a);
    return;
  }
  for (long i = 0; i < n; i += 4) {
    long R = n - i < 4 ? n - i : 4, j0 = i & ~7L;
    switch (R) {
      case 4: GK(gtile_r)(4, i, j0, n - j0, K, idx, base, ld, w, a + i * n + j0, n); break;
      case 3: GK(gtile_r)(3, i, j0, n - j0, K, idx, base, ld, w, a + i * n + j0, n); break;
      case 2: GK(gtile_r)(2, i, j0, n - j0, K, idx, base, ld, w, a + i * n + j0, n); break;
      default: GK(gtile_r)(1, i, j0, n - j0, K, idx, base, ld, w, a + i * n + j0, n); break;
    }
  }
}

// y += Σ_q c_q h_q over n floats (h_q indexed as above); s_q += h_q · d.
static void GK(gathered_axpys)(long n, long K, const int32_t *idx, const float *base, long ld,
                               const float *coef, float *y) {
  for (long q = 0; q < K; q++) GK(axpy)(n, coef[q], base + (long)idx[q] * ld, y);
}
static void GK(gathered_dots_add)(long n, long K, const int32_t *idx, const float *base, long ld,
                                  const float *d, float *s) {
  for (long q = 0; q < K; q++) s[q] += GK(dot)(n, base + (long)idx[q] * ld, d);
}

// out[t * ldo + j] = g_j · x_t for j < m, t < nr <= 8, g_j = g + j * ldg and
// x_t = x + t * ldx (n floats each): each row g_j is loaded once for all the
// x_t (eight accumulators), so a block of rows of a large symmetric G meets a
// group of vectors with contiguous reads. Each output is its own in-order sum.
static void GK(rows_dots)(long m, long n, long nr, const float *g, long ldg, const float *x,
                          long ldx, float *out, long ldo) {
  for (long j = 0; j < m; j++) {
    const float *gj = g + j * ldg;
    v8 acc[8];
    for (int t = 0; t < 8; t++) acc[t] = (v8){0};
    long i = 0;
    if (nr == 8) {
      for (; i + 8 <= n; i += 8) {
        v8 gv = load8(gj + i);
        for (int t = 0; t < 8; t++) acc[t] += gv * load8(x + t * ldx + i);
      }
    } else {
      for (; i + 8 <= n; i += 8) {
        v8 gv = load8(gj + i);
        for (long t = 0; t < nr; t++) acc[t] += gv * load8(x + t * ldx + i);
      }
    }
    for (long t = 0; t < nr; t++) {
      float sum = hsum8(acc[t]);
      for (long r = i; r < n; r++) sum += gj[r] * x[t * ldx + r];
      out[t * ldo + j] = sum;
    }
  }
}

static int GK(spd_solve_upper)(long n, float *a, float *b) {
  // Blocked right-looking Cholesky, A = UᵀU, panels of 8 pivot rows: the
  // panel is factored by the unblocked algorithm restricted to its rows
  // (scale pivot row p; rows p+1.. of the panel get row -= U[p,i] row_p),
  // then the trailing rows get the rank-8 update U_panelᵀ U_panel by
  // register tiles (the flops that matter, n³/3 - O(8 n²)).
  const long nb = 8;
  for (long p0 = 0; p0 < n; p0 += nb) {
    long pe = p0 + nb < n ? p0 + nb : n;
    for (long p = p0; p < pe; p++) {
      float *rp = a + p * n;
      float d = rp[p];
      if (!(d > 0) || d == __builtin_inff()) return (int)p + 1;
      float sq = __builtin_sqrtf(d), inv = 1.0f / sq;
      rp[p] = sq;
      for (long j = p + 1; j < n; j++) rp[j] *= inv;
      for (long i = p + 1; i < pe; i++) GK(axpy)(n - i, -rp[i], rp + i, a + i * n + i);
    }
    // Trailing rows i >= pe (pe is a multiple of 8 here, so each 4-row
    // tile starts at its 8-aligned column j0 >= pe, right of the panel).
    for (long i = pe; i < n; i += 4) {
      long R = n - i < 4 ? n - i : 4, j0 = i & ~7L;
      GK(tile)(R, n - j0, pe - p0, a + p0 * n + i, 1, n, a + p0 * n + j0, n, a + i * n + j0, n, -1.0f);
    }
  }
  for (long p = 0; p < n; p++) {
    const float *rp = a + p * n;
    float y = b[p] / rp[p];
    b[p] = y;
    GK(axpy)(n - p - 1, -y, rp + p + 1, b + p + 1);
  }
  for (long i = n - 1; i >= 0; i--) {
    const float *ri = a + i * n;
    b[i] = (b[i] - GK(dot)(n - i - 1, ri + i + 1, b + i + 1)) / ri[i];
  }
  return 0;
}

static void GK(syrk_upper)(long n, long m, const float *g, float *a, float s) {
  GK(syrk_tiles)(n, m, g, n, a, s);
}

// Lockstep conjugate gradient for nr <= 8 rows (see gk_cg_rows): the Gram
// products of all rows are one register-tiled X·G (G symmetric, so row t of
// X·G is G x_t), the per-row sparse terms gathered dot/axpy.
//
// Memory: the rows h_q of the fixed side are scattered over a matrix that is
// often larger than the last-level cache (138K users x 128 floats = 71 MB), so
// reading them in place at every step is bound by cache misses. The first pass
// (the residual) copies each row's h_q into `gather` (up to `cap` floats for
// the group, rows taken in order while they fit), prefetching a few rows
// ahead; the CG steps then read that contiguous, cache-resident copy. Rows that
// do not fit are read in place with the same software prefetch. The copy holds
// the same floats, so the result does not depend on `cap`.
#define GK_CG_PREFETCH 4
static inline __attribute__((always_inline)) void GK(prefetch_row)(const float *h, long k) {
  for (long j = 0; j < k; j += 16) __builtin_prefetch(h + j, 0, 3);
}

// Four dot products h_t · p at once (p loaded once for all four), each with
// exactly the accumulators and order of GK(dot): bit for bit four GK(dot)s.
static inline __attribute__((always_inline)) void GK(dot4)(long n, const float *h0, const float *h1,
                                                            const float *h2, const float *h3,
                                                            const float *p, float *out) {
  v8 a0 = {0}, b0 = {0}, a1 = {0}, b1 = {0}, a2 = {0}, b2 = {0}, a3 = {0}, b3 = {0};
  long i = 0;
#if GK_VW == 16
  v16 w0 = {0}, w1 = {0}, w2 = {0}, w3 = {0};
  for (; i + 16 <= n; i += 16) {
    v16 pv = load16(p + i);
    w0 += load16(h0 + i) * pv; w1 += load16(h1 + i) * pv;
    w2 += load16(h2 + i) * pv; w3 += load16(h3 + i) * pv;
  }
  a0 = lo8(w0); b0 = hi8(w0); a1 = lo8(w1); b1 = hi8(w1);
  a2 = lo8(w2); b2 = hi8(w2); a3 = lo8(w3); b3 = hi8(w3);
#else
  for (; i + 16 <= n; i += 16) {
    v8 pl = load8(p + i), ph = load8(p + i + 8);
    a0 += load8(h0 + i) * pl; b0 += load8(h0 + i + 8) * ph;
    a1 += load8(h1 + i) * pl; b1 += load8(h1 + i + 8) * ph;
    a2 += load8(h2 + i) * pl; b2 += load8(h2 + i + 8) * ph;
    a3 += load8(h3 + i) * pl; b3 += load8(h3 + i + 8) * ph;
  }
#endif
  if (i + 8 <= n) {
    v8 pl = load8(p + i);
    a0 += load8(h0 + i) * pl; a1 += load8(h1 + i) * pl;
    a2 += load8(h2 + i) * pl; a3 += load8(h3 + i) * pl;
    i += 8;
  }
  float s0 = hsum8(a0 + b0), s1 = hsum8(a1 + b1), s2 = hsum8(a2 + b2), s3 = hsum8(a3 + b3);
  for (; i < n; i++) { s0 += h0[i] * p[i]; s1 += h1[i] * p[i]; s2 += h2[i] * p[i]; s3 += h3[i] * p[i]; }
  out[0] = s0; out[1] = s1; out[2] = s2; out[3] = s3;
}

// y += c0 h0, then c1 h1, c2 h2, c3 h3 in one pass over y: every element
// sees the four GK(axpy)s' fused multiply-adds in their order (bit for bit).
static inline __attribute__((always_inline)) void GK(axpy4)(long n, const float *c, const float *h0,
                                                             const float *h1, const float *h2,
                                                             const float *h3, float *y) {
  long i = 0;
#if GK_VW == 16
  v16 c0 = splat16(c[0]), c1 = splat16(c[1]), c2 = splat16(c[2]), c3 = splat16(c[3]);
  for (; i + 16 <= n; i += 16) {
    v16 v = load16(y + i);
    v = v + c0 * load16(h0 + i);
    v = v + c1 * load16(h1 + i);
    v = v + c2 * load16(h2 + i);
    v = v + c3 * load16(h3 + i);
    store16(y + i, v);
  }
#endif
  v8 d0 = splat8(c[0]), d1 = splat8(c[1]), d2 = splat8(c[2]), d3 = splat8(c[3]);
  for (; i + 8 <= n; i += 8) {
    v8 v = load8(y + i);
    v = v + d0 * load8(h0 + i);
    v = v + d1 * load8(h1 + i);
    v = v + d2 * load8(h2 + i);
    v = v + d3 * load8(h3 + i);
    store8(y + i, v);
  }
  for (; i < n; i++) {
    float v = y[i];
    v += c[0] * h0[i];
    v += c[1] * h1[i];
    v += c[2] * h2[i];
    v += c[3] * h3[i];
    y[i] = v;
  }
}

static void GK(cg_rows)(long k, long nr, const int32_t *rows, long first, const long *offsets,
                        const int32_t *indices, const float *a, const float *b, const float *lambda,
                        const float *gram, const float *fixed, float *target, long steps,
                        float *scratch, long cap) {
  float *X = scratch, *R = X + nr * k, *P = R + nr * k, *AP = P + nr * k, *gather = AP + nr * k;
  float rs[8];
  int active[8];
  long row[8];
  float *copy[8];
  long used = 0;
  for (long t = 0; t < nr; t++) {
    row[t] = rows ? (long)rows[first + t] : first + t;
    memcpy(X + t * k, target + row[t] * k, (size_t)k * sizeof(float));
  }
  memset(AP, 0, (size_t)(nr * k) * sizeof(float));
  for (long t = 0; t < nr; t += 4)
    GK(tile)(nr - t < 4 ? nr - t : 4, k, k, X + t * k, k, 1, gram, k, AP + t * k, k, 1.0f);
  int any = 0;
  for (long t = 0; t < nr; t++) {
    float *x = X + t * k, *r = R + t * k, *p = P + t * k;
    const float *ax = AP + t * k, lam = lambda[row[t]];
    const long q0 = offsets[row[t]], q1 = offsets[row[t] + 1], m = q1 - q0;
    for (long j = 0; j < k; j++) r[j] = -ax[j] - lam * x[j];
    for (long q = q0; q < q0 + GK_CG_PREFETCH && q < q1; q++) GK(prefetch_row)(fixed + (long)indices[q] * k, k);
    float *c = m * k <= cap - used ? gather + used : NULL;
    copy[t] = c;
    if (c) used += m * k;
    for (long q = q0; q < q1; q++) {
      if (q + GK_CG_PREFETCH < q1) GK(prefetch_row)(fixed + (long)indices[q + GK_CG_PREFETCH] * k, k);
      const float *h = fixed + (long)indices[q] * k;
      if (c) memcpy(c + (q - q0) * k, h, (size_t)k * sizeof(float));
      GK(axpy)(k, b[q] - a[q] * GK(dot)(k, h, x), h, r);
    }
    memcpy(p, r, (size_t)k * sizeof(float));
    rs[t] = GK(dot)(k, r, r);
    active[t] = !(rs[t] < 1e-20f);
    any |= active[t];
  }
  for (long it = 0; it < steps && any; it++) {
    memset(AP, 0, (size_t)(nr * k) * sizeof(float));
    for (long t = 0; t < nr; t += 4)
      GK(tile)(nr - t < 4 ? nr - t : 4, k, k, P + t * k, k, 1, gram, k, AP + t * k, k, 1.0f);
    any = 0;
    for (long t = 0; t < nr; t++) {
      if (!active[t]) continue;
      float *x = X + t * k, *r = R + t * k, *p = P + t * k, *ap = AP + t * k;
      const long q0 = offsets[row[t]], q1 = offsets[row[t] + 1];
      GK(axpy)(k, lambda[row[t]], p, ap);
      // The contiguous copy when the row has one; otherwise in place, prefetched.
      const float *c = copy[t];
      if (!c)
        for (long q = q0; q < q0 + GK_CG_PREFETCH && q < q1; q++) GK(prefetch_row)(fixed + (long)indices[q] * k, k);
      long q = q0;
      // Four observations at a time: their dots share the loads of p, their
      // updates one pass over ap (the same values as one at a time).
      for (; q + 4 <= q1; q += 4) {
        if (!c)
          for (long e = q + GK_CG_PREFETCH; e < q + 4 + GK_CG_PREFETCH && e < q1; e++)
            GK(prefetch_row)(fixed + (long)indices[e] * k, k);
        if (a[q] == 0 || a[q + 1] == 0 || a[q + 2] == 0 || a[q + 3] == 0) {
          for (long e = q; e < q + 4; e++) {
            if (a[e] == 0) continue;
            const float *h = c ? c + (e - q0) * k : fixed + (long)indices[e] * k;
            GK(axpy)(k, a[e] * GK(dot)(k, h, p), h, ap);
          }
          continue;
        }
        const float *h0 = c ? c + (q - q0) * k : fixed + (long)indices[q] * k;
        const float *h1 = c ? h0 + k : fixed + (long)indices[q + 1] * k;
        const float *h2 = c ? h1 + k : fixed + (long)indices[q + 2] * k;
        const float *h3 = c ? h2 + k : fixed + (long)indices[q + 3] * k;
        float d[4];
        GK(dot4)(k, h0, h1, h2, h3, p, d);
        float coef[4] = {a[q] * d[0], a[q + 1] * d[1], a[q + 2] * d[2], a[q + 3] * d[3]};
        GK(axpy4)(k, coef, h0, h1, h2, h3, ap);
      }
      for (; q < q1; q++) {
        if (!c && q + GK_CG_PREFETCH < q1) GK(prefetch_row)(fixed + (long)indices[q + GK_CG_PREFETCH] * k, k);
        if (a[q] == 0) continue;
        const float *h = c ? c + (q - q0) * k : fixed + (long)indices[q] * k;
        GK(axpy)(k, a[q] * GK(dot)(k, h, p), h, ap);
      }
      float alpha = rs[t] / GK(dot)(k, p, ap);
      GK(axpy)(k, alpha, p, x);
      GK(axpy)(k, -alpha, ap, r);
      float rsnew = GK(dot)(k, r, r);
      if (rsnew < 1e-20f) { active[t] = 0; continue; }
      float beta = rsnew / rs[t];
      for (long j = 0; j < k; j++) p[j] = r[j] + beta * p[j];
      rs[t] = rsnew;
      any = 1;
    }
  }
  for (long t = 0; t < nr; t++) memcpy(target + row[t] * k, X + t * k, (size_t)k * sizeof(float));
}

// ---- iALS++ block kernels over rows of n = 8·nv floats (nv <= 8) ----
// The row block stays in registers across all the gathered rows (the
// generic axpy/dot above reload and re-reduce it for every row).

// y += Σ_q (b_q - a_q s_q) h_q, h_q = base + idx[q] * ld.
static inline __attribute__((always_inline)) void GK(brhs_nv)(const long nv, long m, const int32_t *idx,
    const float *base, long ld, const float *a, const float *b, const float *s, float *y) {
  v8 acc[8];
  for (long v = 0; v < nv; v++) acc[v] = load8(y + 8 * v);
  for (long q = 0; q < m; q++) {
    const float *h = base + (long)idx[q] * ld;
    v8 c = splat8(b[q] - a[q] * s[q]);
    for (long v = 0; v < nv; v++) acc[v] += c * load8(h + 8 * v);
  }
  for (long v = 0; v < nv; v++) store8(y + 8 * v, acc[v]);
}

// Pairwise horizontal adds within 128-bit halves (as AVX's vhaddps).
#define hadd8(x, y) ({ v8 _x = (x), _y = (y); \
  __builtin_shufflevector(_x, _y, 0, 2, 8, 10, 4, 6, 12, 14) + \
  __builtin_shufflevector(_x, _y, 1, 3, 9, 11, 5, 7, 13, 15); })
// ((x0+x1)+(x2+x3)) + ((x4+x5)+(x6+x7)): the same tree as the 8-row transpose below.
#define tree8(v) ({ v8 _t = (v); ((_t[0] + _t[1]) + (_t[2] + _t[3])) + ((_t[4] + _t[5]) + (_t[6] + _t[7])); })

// s_q += h_q · d; each q is the same arithmetic whether or not it falls in a group of 8.
static inline __attribute__((always_inline)) void GK(bdots_nv)(const long nv, long m, const int32_t *idx,
    const float *base, long ld, const float *d, float *s) {
  v8 dv[8];
  for (long v = 0; v < nv; v++) dv[v] = load8(d + 8 * v);
  long q = 0;
  for (; q + 8 <= m; q += 8) {
    v8 t[8];
    for (int j = 0; j < 8; j++) {
      const float *h = base + (long)idx[q + j] * ld;
      v8 acc = dv[0] * load8(h);
      for (long v = 1; v < nv; v++) acc += dv[v] * load8(h + 8 * v);
      t[j] = acc;
    }
    v8 q0 = hadd8(hadd8(t[0], t[1]), hadd8(t[2], t[3]));
    v8 q1 = hadd8(hadd8(t[4], t[5]), hadd8(t[6], t[7]));
    v8 r = __builtin_shufflevector(q0, q1, 0, 1, 2, 3, 8, 9, 10, 11) +
           __builtin_shufflevector(q0, q1, 4, 5, 6, 7, 12, 13, 14, 15);
    store8(s + q, load8(s + q) + r);
  }
  for (; q < m; q++) {
    const float *h = base + (long)idx[q] * ld;
    v8 acc = dv[0] * load8(h);
    for (long v = 1; v < nv; v++) acc += dv[v] * load8(h + 8 * v);
    s[q] += tree8(acc);
  }
}

#define GK_BLOCK_CASES(F, ...) \
  switch (n) { \
    case 8: F(1, __VA_ARGS__); return; case 16: F(2, __VA_ARGS__); return; \
    case 24: F(3, __VA_ARGS__); return; case 32: F(4, __VA_ARGS__); return; \
    case 40: F(5, __VA_ARGS__); return; case 48: F(6, __VA_ARGS__); return; \
    case 56: F(7, __VA_ARGS__); return; case 64: F(8, __VA_ARGS__); return; \
    default: break; \
  }

static void GK(block_rhs)(long n, long m, const int32_t *idx, const float *base, long ld,
                          const float *a, const float *b, const float *s, float *y) {
  GK_BLOCK_CASES(GK(brhs_nv), m, idx, base, ld, a, b, s, y)
  for (long q = 0; q < m; q++) GK(axpy)(n, b[q] - a[q] * s[q], base + (long)idx[q] * ld, y);
}

static void GK(block_dots_add)(long n, long m, const int32_t *idx, const float *base, long ld,
                               const float *d, float *s) {
  GK_BLOCK_CASES(GK(bdots_nv), m, idx, base, ld, d, s)
  for (long q = 0; q < m; q++) s[q] += GK(dot)(n, base + (long)idx[q] * ld, d);
}

// Stores one 8-lane accumulator to out, or its first `items` lanes.
static inline void GK(store_items)(float *o, v8 acc, long items) {
  if (items == 8) {
    store8(o, acc);
  } else {
    float tmp[8];
    store8(tmp, acc);
    for (long s = 0; s < items; s++) o[s] = tmp[s];
  }
}

// out[t * ldo + j] = q_t · v_j for t < nq, j < n, with v read from 8-item
// panels (gk_pack_panels8: panels[(p * d + k) * 8 + s] = v[8p + s][k]).
// The items sit in the lanes, one accumulator per (panel, query), so no
// horizontal sums. Register block: 2 panels x 4 queries (8 accumulators; per
// k, 2 panel loads and 4 broadcasts feed 8 FMAs). Tiles of 256 panels (2,048
// items) are reused by every query group while they are in cache. Each output
// is one in-order sum over k, whatever the blocking.
static void GK(panel_dots)(long n, long d, const float *panels, long nq, const float *q, long ldq,
                           float *out, long ldo) {
  long np = (n + 7) / 8;
  for (long p0 = 0; p0 < np; p0 += 256) {
    long p1 = p0 + 256 < np ? p0 + 256 : np;
    for (long t0 = 0; t0 < nq; t0 += 4) {
      long nt = nq - t0 < 4 ? nq - t0 : 4;
      const float *q0 = q + t0 * ldq;
      const float *q1 = q0 + (nt > 1 ? ldq : 0), *q2 = q0 + (nt > 2 ? 2 * ldq : 0), *q3 = q0 + (nt > 3 ? 3 * ldq : 0);
      long p = p0;
      for (; p + 2 <= p1; p += 2) {
        const float *pa = panels + p * d * 8, *pb = pa + d * 8;
        v8 a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, b0 = {0}, b1 = {0}, b2 = {0}, b3 = {0};
        for (long k = 0; k < d; k++) {
          v8 va = load8(pa + k * 8), vb = load8(pb + k * 8);
          v8 s0 = splat8(q0[k]), s1 = splat8(q1[k]), s2 = splat8(q2[k]), s3 = splat8(q3[k]);
          a0 += s0 * va; b0 += s0 * vb;
          a1 += s1 * va; b1 += s1 * vb;
          a2 += s2 * va; b2 += s2 * vb;
          a3 += s3 * va; b3 += s3 * vb;
        }
        v8 as[4] = {a0, a1, a2, a3}, bs[4] = {b0, b1, b2, b3};
        long ia = n - p * 8 < 8 ? n - p * 8 : 8, ib = n - (p + 1) * 8 < 8 ? n - (p + 1) * 8 : 8;
        for (long t = 0; t < nt; t++) {
          GK(store_items)(out + (t0 + t) * ldo + p * 8, as[t], ia);
          GK(store_items)(out + (t0 + t) * ldo + (p + 1) * 8, bs[t], ib);
        }
      }
      for (; p < p1; p++) {
        const float *pa = panels + p * d * 8;
        v8 a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
        for (long k = 0; k < d; k++) {
          v8 va = load8(pa + k * 8);
          a0 += splat8(q0[k]) * va; a1 += splat8(q1[k]) * va;
          a2 += splat8(q2[k]) * va; a3 += splat8(q3[k]) * va;
        }
        v8 as[4] = {a0, a1, a2, a3};
        long ia = n - p * 8 < 8 ? n - p * 8 : 8;
        for (long t = 0; t < nt; t++) GK(store_items)(out + (t0 + t) * ldo + p * 8, as[t], ia);
      }
    }
  }
}

// ---- exact ALS rows with few observations, by the Woodbury identity ----
// Row system A x = r, A = UᵀU + Σ_q a_q h_q h_qᵀ (UᵀU = alpha0 G + lambda I,
// a_q > 0), r = Σ_q b_q h_q. With Z = Ĥ U⁻¹ (rows z_q = sqrt(a_q) h_qᵀ U⁻¹)
// and y = U⁻ᵀ r: A = Uᵀ (I + ZᵀZ) U, and (I + ZᵀZ)⁻¹ = I - Zᵀ (I + ZZᵀ)⁻¹ Z,
// so x = U⁻¹ (y - Zᵀ v) with (I + ZZᵀ) v = Z y, an n x n system whose
// eigenvalues are >= 1. Cost n k² + n² k / 2 + n³ / 3 + 2 k² instead of the
// k³ / 3 of a k x k Cholesky. uinv is U⁻¹ (upper triangular, row-major, zero
// below the diagonal). scratch holds 2 n k + n n + 3 k + n floats.
// Returns 0, or 1 when I + ZZᵀ is not SPD (non-finite input).
static int GK(short_row_solve)(long k, long n, const int32_t *idx, const float *fixed, const float *a,
                               const float *b, const float *uinv, float *scratch, float *x) {
  float *H = scratch, *Z = H + n * k, *S = Z + n * k, *r = S + n * n, *y = r + k, *w = y + k, *v = w + k;
  memset(r, 0, (size_t)k * sizeof(float));
  for (long q = 0; q < n; q++) {
    const float *h = fixed + (long)idx[q] * k;
    float sa = __builtin_sqrtf(a[q]);
    for (long j = 0; j < k; j++) H[q * k + j] = sa * h[j];
    GK(axpy)(k, b[q], h, r);
  }
  memset(Z, 0, (size_t)(n * k) * sizeof(float));
  for (long t = 0; t < n; t += 4)
    GK(tile)(n - t < 4 ? n - t : 4, k, k, H + t * k, k, 1, uinv, k, Z + t * k, k, 1.0f);
  memset(y, 0, (size_t)k * sizeof(float));
  GK(tile)(1, k, k, r, 0, 1, uinv, k, y, k, 1.0f);
  for (long p = 0; p < n; p++) {
    const float *zp = Z + p * k;
    for (long q = p; q < n; q++) S[p * n + q] = GK(dot)(k, zp, Z + q * k);
    S[p * n + p] += 1.0f;
    v[p] = GK(dot)(k, zp, y);
  }
  if (GK(spd_solve_upper)(n, S, v) != 0) return 1;
  memcpy(w, y, (size_t)k * sizeof(float));
  for (long p = 0; p < n; p++) GK(axpy)(k, -v[p], Z + p * k, w);
  for (long i = 0; i < k; i++) x[i] = GK(dot)(k - i, uinv + i * k + i, w + i);
  return 0;
}

// out[j] = U[users[j]] · V[items[j]] (+ bias[items[j]]) for j < n, rows of d
// floats; the rows of the pair 8 ahead are prefetched (pairs in input order
// hit random rows). Each dot is the same arithmetic as gk_dot.
static void GK(pair_dots)(long n, long d, const int32_t *users, const int32_t *items, const float *U,
                          const float *V, const float *bias, float *out) {
  for (long j = 0; j < n; j++) {
    if (j + 8 < n) {
      GK(prefetch_row)(U + (long)users[j + 8] * d, d);
      GK(prefetch_row)(V + (long)items[j + 8] * d, d);
    }
    out[j] = GK(dot)(d, U + (long)users[j] * d, V + (long)items[j] * d) + (bias ? bias[items[j]] : 0.0f);
  }
}
