// Row kernels of the self-attention history tower (TwoTower's
// SequenceEncoder): LayerNorm forward and backward, and the causal softmax
// of an attention block with its backward. Included twice by kernels.c
// (portable, then under target("avx2,fma")) after softmax_impl.h, whose
// GK_EXP8 they use. No include guard on purpose.

/// One row's sum of x (d floats), eight lanes then the tail.
#define GK_ROW_SUM(expr8, expr1, d) ({                                         \
  v8 _acc = splat8(0.0f); long _j = 0;                                         \
  for (; _j + 8 <= (d); _j += 8) { _acc += (expr8); }                          \
  float _s = hsum8(_acc);                                                      \
  for (; _j < (d); _j++) { _s += (expr1); }                                    \
  _s; })

static void GK(layernorm_forward)(long rows, long d, const float *x, const float *gamma, const float *beta,
                                  float eps, float *y, float *xhat, float *rstd) {
  for (long r = 0; r < rows; r++) {
    const float *xr = x + r * d;
    float *yr = y + r * d, *hr = xhat + r * d;
    float mean = GK_ROW_SUM(load8(xr + _j), xr[_j], d) / (float)d;
    v8 vm = splat8(mean);
    float var = GK_ROW_SUM((load8(xr + _j) - vm) * (load8(xr + _j) - vm), (xr[_j] - mean) * (xr[_j] - mean), d) / (float)d;
    float rs = 1.0f / __builtin_sqrtf(var + eps);
    v8 vr = splat8(rs);
    long j = 0;
    for (; j + 8 <= d; j += 8) {
      v8 h = (load8(xr + j) - vm) * vr;
      store8(hr + j, h);
      store8(yr + j, load8(gamma + j) * h + load8(beta + j));
    }
    for (; j < d; j++) {
      float h = (xr[j] - mean) * rs;
      hr[j] = h;
      yr[j] = gamma[j] * h + beta[j];
    }
    rstd[r] = rs;
  }
}

static void GK(layernorm_backward)(long rows, long d, const float *dy, const float *xhat, const float *rstd,
                                   const float *gamma, float *dx, float *dgamma, float *dbeta) {
  for (long r = 0; r < rows; r++) {
    const float *g = dy + r * d, *h = xhat + r * d;
    float *o = dx + r * d;
    float s1 = GK_ROW_SUM(load8(g + _j) * load8(gamma + _j), g[_j] * gamma[_j], d);
    float s2 = GK_ROW_SUM(load8(g + _j) * load8(gamma + _j) * load8(h + _j), g[_j] * gamma[_j] * h[_j], d);
    float m1 = s1 / (float)d, m2 = s2 / (float)d, rs = rstd[r];
    v8 vm1 = splat8(m1), vm2 = splat8(m2), vr = splat8(rs);
    long j = 0;
    for (; j + 8 <= d; j += 8) {
      v8 gj = load8(g + j), hj = load8(h + j);
      store8(o + j, load8(o + j) + vr * (gj * load8(gamma + j) - vm1 - hj * vm2));
      store8(dgamma + j, load8(dgamma + j) + gj * hj);
      store8(dbeta + j, load8(dbeta + j) + gj);
    }
    for (; j < d; j++) {
      o[j] += rs * (g[j] * gamma[j] - m1 - h[j] * m2);
      dgamma[j] += g[j] * h[j];
      dbeta[j] += g[j];
    }
  }
}

static void GK(causal_softmax)(long n, float *s, long ld) {
  for (long i = 0; i < n; i++) {
    float *row = s + i * ld;
    long m = i + 1, j = 0;
    float mx = row[0];
    for (j = 1; j < m; j++) mx = row[j] > mx ? row[j] : mx;
    v8 vm = splat8(mx), vsum = splat8(0.0f);
    j = 0;
    for (; j + 8 <= m; j += 8) {
      v8 e = GK_EXP8(load8(row + j) - vm);
      store8(row + j, e);
      vsum += e;
    }
    float sum = hsum8(vsum);
    for (; j < m; j++) { float e = GK(exp1)(row[j] - mx); row[j] = e; sum += e; }
    float inv = 1.0f / sum;
    v8 vinv = splat8(inv);
    j = 0;
    for (; j + 8 <= m; j += 8) store8(row + j, load8(row + j) * vinv);
    for (; j < m; j++) row[j] *= inv;
    for (j = m; j < n; j++) row[j] = 0.0f;
  }
}

static void GK(causal_softmax_backward)(long n, const float *a, long lda, float *g, long ldg) {
  for (long i = 0; i < n; i++) {
    const float *ar = a + i * lda;
    float *gr = g + i * ldg;
    long m = i + 1;
    float dot = GK_ROW_SUM(load8(ar + _j) * load8(gr + _j), ar[_j] * gr[_j], m);
    v8 vd = splat8(dot);
    long j = 0;
    for (; j + 8 <= m; j += 8) store8(gr + j, load8(ar + j) * (load8(gr + j) - vd));
    for (; j < m; j++) gr[j] = ar[j] * (gr[j] - dot);
    for (j = m; j < n; j++) gr[j] = 0.0f;
  }
}
