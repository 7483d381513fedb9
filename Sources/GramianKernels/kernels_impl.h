// The kernel bodies, included twice by kernels.c with GK(name) expanding to a
// suffixed name; once under target("avx2,fma"). GCC/Clang vector extensions
// keep the source portable; with FMA available `acc += a * b` contracts to vfmadd.
// No include guard on purpose.

static float GK(dot)(long n, const float *x, const float *y) {
  v8 acc0 = {0}, acc1 = {0};
  long i = 0;
  for (; i + 16 <= n; i += 16) {
    acc0 += load8(x + i) * load8(y + i);
    acc1 += load8(x + i + 8) * load8(y + i + 8);
  }
  if (i + 8 <= n) { acc0 += load8(x + i) * load8(y + i); i += 8; }
  float s = hsum8(acc0 + acc1);
  for (; i < n; i++) s += x[i] * y[i];
  return s;
}

static void GK(axpy)(long n, float a, const float *x, float *y) {
  v8 av = splat8(a);
  long i = 0;
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

static int GK(spd_solve_upper)(long n, float *a, float *b) {
  // Right-looking: after scaling pivot row p, every trailing row i gets
  // row_i -= U[p,i] * row_p. The update starts at the 8-aligned column at or
  // below i, so whole vectors are used; the few entries left of the diagonal
  // that it also touches belong to the (unused) lower triangle.
  for (long p = 0; p < n; p++) {
    float *rp = a + p * n;
    float d = rp[p];
    if (!(d > 0) || d == __builtin_inff()) return (int)p + 1;
    float s = __builtin_sqrtf(d), inv = 1.0f / s;
    rp[p] = s;
    for (long j = p + 1; j < n; j++) rp[j] *= inv;
    for (long i = p + 1; i < n; i++) {
      long i0 = i & ~7L;
      if (i0 <= p) i0 = i;  // never write row p's own columns through row i's alias
      GK(axpy)(n - i0, -rp[i], rp + i0, a + i * n + i0);
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

static void GK(syrk_upper)(long n, long m, const float *g, float *a) {
  // Four gathered rows per pass over the triangle cut the traffic on a; each
  // row's update starts at the 8-aligned column at or below the diagonal
  // (entries left of the diagonal are the unused lower triangle).
  long r = 0;
  for (; r + 4 <= m; r += 4) {
    const float *g0 = g + r * n, *g1 = g0 + n, *g2 = g1 + n, *g3 = g2 + n;
    for (long i = 0; i < n; i++) {
      float *ai = a + i * n;
      v8 c0 = splat8(g0[i]), c1 = splat8(g1[i]), c2 = splat8(g2[i]), c3 = splat8(g3[i]);
      long j = i & ~7L;
      for (; j + 8 <= n; j += 8)
        store8(ai + j, load8(ai + j) + c0 * load8(g0 + j) + c1 * load8(g1 + j) + c2 * load8(g2 + j) + c3 * load8(g3 + j));
      for (; j < n; j++) ai[j] += g0[i] * g0[j] + g1[i] * g1[j] + g2[i] * g2[j] + g3[i] * g3[j];
    }
  }
  for (; r < m; r++) {
    const float *g0 = g + r * n;
    for (long i = 0; i < n; i++) {
      long j = i & ~7L;
      GK(axpy)(n - j, g0[i], g0 + j, a + i * n + j);
    }
  }
}

static void GK(cg_row)(long k, long n, const float *gram, float lam, const int32_t *idx,
                       const float *a, const float *b, const float *fixed, float *x, long steps,
                       float *scratch) {
  float *r = scratch, *p = scratch + k, *ap = scratch + 2 * k;
  GK(symv)(k, gram, x, r);
  for (long j = 0; j < k; j++) r[j] = -r[j] - lam * x[j];
  for (long q = 0; q < n; q++) {
    const float *h = fixed + (long)idx[q] * k;
    GK(axpy)(k, b[q] - a[q] * GK(dot)(k, h, x), h, r);
  }
  for (long j = 0; j < k; j++) p[j] = r[j];
  float rsold = GK(dot)(k, r, r);
  if (rsold < 1e-20f) return;
  for (long it = 0; it < steps; it++) {
    GK(symv)(k, gram, p, ap);
    GK(axpy)(k, lam, p, ap);
    for (long q = 0; q < n; q++) {
      if (a[q] == 0) continue;
      const float *h = fixed + (long)idx[q] * k;
      GK(axpy)(k, a[q] * GK(dot)(k, h, p), h, ap);
    }
    float alpha = rsold / GK(dot)(k, p, ap);
    GK(axpy)(k, alpha, p, x);
    GK(axpy)(k, -alpha, ap, r);
    float rsnew = GK(dot)(k, r, r);
    if (rsnew < 1e-20f) break;
    float beta = rsnew / rsold;
    for (long j = 0; j < k; j++) p[j] = r[j] + beta * p[j];
    rsold = rsnew;
  }
}
