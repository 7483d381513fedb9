// Softmax cross-entropy rows for the two-tower loss, included twice by
// kernels.c (portable, then under target("avx2,fma")) like kernels_impl.h.
// exp is the Cephes single-precision scheme: x = n ln2 + r with |r| <= ln2/2,
// e^r by a degree-6 polynomial, 2^n by exponent bits; relative error about
// 2e-7 on [-87, 88]; inputs below -87 (and -INFINITY, used for masked
// columns) give exactly 0. No include guard on purpose.

// Lane select without the C vector ternary: mask lanes are all ones or zeros.
#define gk_sel8(m, a, b) ({ v8i _m = (m); (v8)(((v8i)(a) & _m) | ((v8i)(b) & ~_m)); })

#define GK_EXP8(xin) ({                                                        \
  v8 _x = (xin);                                                               \
  v8i _under = _x < splat8(-87.0f);                                            \
  _x = gk_sel8(_under, splat8(-87.0f), _x);                                    \
  _x = gk_sel8(_x > splat8(88.0f), splat8(88.0f), _x);                         \
  v8 _fx = _x * splat8(1.44269504088896341f) + splat8(0.5f);                   \
  v8 _t = __builtin_convertvector(__builtin_convertvector(_fx, v8i), v8);      \
  v8 _n = gk_sel8(_t > _fx, _t - splat8(1.0f), _t);                            \
  _x = _x - _n * splat8(0.693359375f);                                         \
  _x = _x - _n * splat8(-2.12194440e-4f);                                      \
  v8 _y = splat8(1.9875691500e-4f);                                            \
  _y = _y * _x + splat8(1.3981999507e-3f);                                     \
  _y = _y * _x + splat8(8.3334519073e-3f);                                     \
  _y = _y * _x + splat8(4.1665795894e-2f);                                     \
  _y = _y * _x + splat8(1.6666665459e-1f);                                     \
  _y = _y * _x + splat8(5.0000001201e-1f);                                     \
  _y = _y * (_x * _x) + _x + splat8(1.0f);                                     \
  v8i _e = (__builtin_convertvector(_n, v8i) + 127) << 23;                     \
  v8 _r = _y * (v8)_e;                                                         \
  (v8)((v8i)_r & ~_under); })

static float GK(exp1)(float x) {
  float in[8] = {x, x, x, x, x, x, x, x}, out[8];
  store8(out, GK_EXP8(load8(in)));
  return out[0];
}

static float GK(softmax_xent_row)(long n, float *row, long diag, float scale) {
  v8 vmax = splat8(-__builtin_inff());
  long j = 0;
  for (; j + 8 <= n; j += 8) { v8 x = load8(row + j); vmax = gk_sel8(x > vmax, x, vmax); }
  float mx = vmax[0];
  for (int q = 1; q < 8; q++) mx = vmax[q] > mx ? vmax[q] : mx;
  for (; j < n; j++) mx = row[j] > mx ? row[j] : mx;
  float positive = row[diag];
  v8 vm = splat8(mx), vsum = {0};
  j = 0;
  for (; j + 8 <= n; j += 8) {
    v8 e = GK_EXP8(load8(row + j) - vm);
    store8(row + j, e);
    vsum += e;
  }
  float sum = hsum8(vsum);
  for (; j < n; j++) { float e = GK(exp1)(row[j] - mx); row[j] = e; sum += e; }
  float inv = scale / sum;
  v8 vinv = splat8(inv);
  j = 0;
  for (; j + 8 <= n; j += 8) store8(row + j, load8(row + j) * vinv);
  for (; j < n; j++) row[j] *= inv;
  row[diag] -= scale;
  return __builtin_logf(sum) + mx - positive;
}
