// The 8-lane dot product, two accumulators, shared by kernels_impl.h and
// retrieval_kernels_impl.h: each defines DOT_NAME (its own suffixed name)
// before including it, once per build (portable, AVX2+FMA).
// No include guard on purpose.

//
// With GK_VW == 16 (the AVX-512 build) one 16-lane accumulator holds acc0
// in its low and acc1 in its high half: every lane sees the same fused
// multiply-adds in the same order, so the result is bit for bit the AVX2
// build's, in half the instructions.
static float DOT_NAME(long n, const float *x, const float *y) {
  v8 acc0 = {0}, acc1 = {0};
  long i = 0;
#if GK_VW == 16
  v16 acc = {0};
  for (; i + 16 <= n; i += 16) acc += load16(x + i) * load16(y + i);
  acc0 = lo8(acc);
  acc1 = hi8(acc);
#else
  for (; i + 16 <= n; i += 16) {
    acc0 += load8(x + i) * load8(y + i);
    acc1 += load8(x + i + 8) * load8(y + i + 8);
  }
#endif
  if (i + 8 <= n) { acc0 += load8(x + i) * load8(y + i); i += 8; }
  float s = hsum8(acc0 + acc1);
  for (; i < n; i++) s += x[i] * y[i];
  return s;
}
