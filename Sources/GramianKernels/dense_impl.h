// Element-wise loops of the two-tower MLP (DenseStack), included twice by
// kernels.c: once portable, once with AVX2+FMA enabled. GK(name) names the
// instance. Both keep the scalar order of every sum (columns are summed
// row by row), so the two builds and the Swift reference agree bit for bit.

/// x = max(x, 0) on `count` floats.
static void GK(relu)(long count, float *x) {
  long j = 0;
  const v8 zero = splat8(0.0f);
#if GK_VW == 16
  const v16 zero16 = splat16(0.0f);
  for (; j + 16 <= count; j += 16) {
    v16 v = load16(x + j);
    v16i negative = v < zero16;
    store16(x + j, (v16)((v16i)v & ~negative));
  }
#endif
  for (; j + 8 <= count; j += 8) {
    v8 v = load8(x + j);
    v8i negative = v < zero;  // all ones where v < 0
    store8(x + j, (v8)((v8i)v & ~negative));
  }
  for (; j < count; j++) if (x[j] < 0) x[j] = 0;
}

/// For a `rows x n` block: with `act`, dz = act <= 0 ? 0 : dz (the ReLU
/// mask); then db[j] += sum over rows of dz[r][j], added row by row.
static void GK(relu_mask_column_sums)(long rows, long n, const float *act, float *dz, float *db) {
  const v8 zero = splat8(0.0f);
  for (long r = 0; r < rows; r++) {
    float *d = dz + r * n;
    const float *a = act ? act + r * n : 0;
    long j = 0;
#if GK_VW == 16
    const v16 zero16 = splat16(0.0f);
    for (; j + 16 <= n; j += 16) {
      v16 g = load16(d + j);
      if (a) {
        v16i off = load16(a + j) <= zero16;
        g = (v16)((v16i)g & ~off);
        store16(d + j, g);
      }
      store16(db + j, load16(db + j) + g);
    }
#endif
    for (; j + 8 <= n; j += 8) {
      v8 g = load8(d + j);
      if (a) {
        v8 x = load8(a + j);
        v8i off = x <= zero;  // all ones where the unit is off
        g = (v8)((v8i)g & ~off);
        store8(d + j, g);
      }
      store8(db + j, load8(db + j) + g);
    }
    for (; j < n; j++) {
      if (a && a[j] <= 0) d[j] = 0;
      db[j] += d[j];
    }
  }
}
