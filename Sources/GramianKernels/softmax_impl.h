// Softmax cross-entropy rows for the two-tower loss, included twice by
// kernels.c (portable, then under target("avx2,fma")) like kernels_impl.h.
// exp is the Cephes single-precision scheme: x = n ln2 + r with |r| <= ln2/2,
// e^r by a degree-6 polynomial, 2^n by exponent bits; relative error about
// 2e-7 on [-87, 88]; inputs below -87 (and -INFINITY, used for masked
// columns) give exactly 0. No include guard on purpose.

// Lane select without the C vector ternary: mask lanes are all ones or zeros.
#define gk_sel(VI, VT, m, a, b) ({ VI _m = (m); (VT)(((VI)(a) & _m) | ((VI)(b) & ~_m)); })
#define gk_sel8(m, a, b) gk_sel(v8i, v8, m, a, b)

// e^x lane by lane for a vector type VT (int type VI, splat S): the same
// expression at every width, so an 8- and a 16-lane build agree bit for bit.
#define GK_EXP_V(VT, VI, S, xin) ({                                            \
  VT _x = (xin);                                                               \
  VI _under = _x < S(-87.0f);                                                  \
  _x = gk_sel(VI, VT, _under, S(-87.0f), _x);                                  \
  _x = gk_sel(VI, VT, _x > S(88.0f), S(88.0f), _x);                            \
  VT _fx = _x * S(1.44269504088896341f) + S(0.5f);                             \
  VT _t = __builtin_convertvector(__builtin_convertvector(_fx, VI), VT);       \
  VT _n = gk_sel(VI, VT, _t > _fx, _t - S(1.0f), _t);                          \
  _x = _x - _n * S(0.693359375f);                                              \
  _x = _x - _n * S(-2.12194440e-4f);                                           \
  VT _y = S(1.9875691500e-4f);                                                 \
  _y = _y * _x + S(1.3981999507e-3f);                                          \
  _y = _y * _x + S(8.3334519073e-3f);                                          \
  _y = _y * _x + S(4.1665795894e-2f);                                          \
  _y = _y * _x + S(1.6666665459e-1f);                                          \
  _y = _y * _x + S(5.0000001201e-1f);                                          \
  _y = _y * (_x * _x) + _x + S(1.0f);                                          \
  VI _e = (__builtin_convertvector(_n, VI) + 127) << 23;                       \
  VT _r = _y * (VT)_e;                                                         \
  (VT)((VI)_r & ~_under); })
#define GK_EXP8(xin) GK_EXP_V(v8, v8i, splat8, xin)
#define GK_EXP16(xin) GK_EXP_V(v16, v16i, splat16, xin)

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
#if GK_VW == 16
  // Sixteen exponentials at a time, summed into the eight-lane accumulator
  // half by half: the AVX2 build's order of additions.
  v16 wm = splat16(mx);
  for (; j + 16 <= n; j += 16) {
    v16 e = GK_EXP16(load16(row + j) - wm);
    store16(row + j, e);
    vsum += lo8(e);
    vsum += hi8(e);
  }
#endif
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
#if GK_VW == 16
  v16 winv = splat16(inv);
  for (; j + 16 <= n; j += 16) store16(row + j, load16(row + j) * winv);
#endif
  for (; j + 8 <= n; j += 8) store8(row + j, load8(row + j) * vinv);
  for (; j < n; j++) row[j] *= inv;
  row[diag] -= scale;
  return __builtin_logf(sum) + mx - positive;
}
