// Retrieval kernel bodies, included twice by retrieval_kernels.c with
// GR(name) expanding to a suffixed name; once under target("avx2,fma").
// No include guard on purpose.

#define DOT_NAME GR(dot)
#include "dot_impl.h"
#undef DOT_NAME

static float GR(neg_dot)(long n, const float *x, const float *y) { return -GR(dot)(n, x, y); }

static float GR(l2sq)(long n, const float *x, const float *y) {
  v8 acc0 = {0}, acc1 = {0};
  long i = 0;
#if GK_VW == 16
  // acc0 and acc1 as the two halves of one register (see dot_impl.h).
  v16 acc = {0};
  for (; i + 16 <= n; i += 16) { v16 d = load16(x + i) - load16(y + i); acc += d * d; }
  acc0 = lo8(acc);
  acc1 = hi8(acc);
#else
  for (; i + 16 <= n; i += 16) {
    v8 d0 = load8(x + i) - load8(y + i), d1 = load8(x + i + 8) - load8(y + i + 8);
    acc0 += d0 * d0;
    acc1 += d1 * d1;
  }
#endif
  if (i + 8 <= n) { v8 d = load8(x + i) - load8(y + i); acc0 += d * d; i += 8; }
  float s = hsum8(acc0 + acc1);
  for (; i < n; i++) { float d = x[i] - y[i]; s += d * d; }
  return s;
}

// Prefetches the first 512 bytes of a row (dimension 128 in float32); the
// row kernels fetch ROWS_AHEAD rows ahead of the one they score.
#define PREFETCH_ROW(p, n) do { \
    const char *_r = (const char *)(p); long _b = (n) * 4 < 512 ? (n) * 4 : 512; \
    for (long _o = 0; _o < _b; _o += 64) __builtin_prefetch(_r + _o, 0, 3); } while (0)

static void GR(neg_dot_rows)(long n, const float *q, const float *base, const int32_t *ids,
                             long count, float *out) {
  const long ahead = ROWS_AHEAD;
  for (long j = 0; j < count && j < ahead; j++) PREFETCH_ROW(base + (long)ids[j] * n, n);
  for (long j = 0; j < count; j++) {
    if (j + ahead < count) PREFETCH_ROW(base + (long)ids[j + ahead] * n, n);
    out[j] = GR(neg_dot)(n, q, base + (long)ids[j] * n);
  }
}

static void GR(l2sq_rows)(long n, const float *q, const float *base, const int32_t *ids,
                          long count, float *out) {
  const long ahead = ROWS_AHEAD;
  for (long j = 0; j < count && j < ahead; j++) PREFETCH_ROW(base + (long)ids[j] * n, n);
  for (long j = 0; j < count; j++) {
    if (j + ahead < count) PREFETCH_ROW(base + (long)ids[j + ahead] * n, n);
    out[j] = GR(l2sq)(n, q, base + (long)ids[j] * n);
  }
}
