import GramianKernels

/// The row kernels of the self-attention tower (``SequenceEncoder``):
/// LayerNorm (Ba, Kiros & Hinton, "Layer Normalization", 2016) and the
/// causal softmax of an attention block. `Float` runs the vectorised C
/// kernels (`gk_layernorm_*`, `gk_causal_softmax*`: AVX2+FMA or portable,
/// chosen at run time); `Double` runs these plain loops, the float64
/// reference the tests check the kernels and the gradients against.
extension TowerScalar {
  @inlinable
  static func referenceLayerNormForward(rows: Int, d: Int, x: UnsafePointer<Self>, gamma: UnsafePointer<Self>,
                                        beta: UnsafePointer<Self>, epsilon: Self, y: UnsafeMutablePointer<Self>,
                                        xhat: UnsafeMutablePointer<Self>, rstd: UnsafeMutablePointer<Self>) {
    for r in 0..<rows {
      let xr = x + r * d
      var mean: Self = 0
      for j in 0..<d { mean += xr[j] }
      mean /= Self(d)
      var variance: Self = 0
      for j in 0..<d { variance += (xr[j] - mean) * (xr[j] - mean) }
      variance /= Self(d)
      let rs = 1 / (variance + epsilon).squareRoot()
      for j in 0..<d {
        let h = (xr[j] - mean) * rs
        xhat[r * d + j] = h
        y[r * d + j] = gamma[j] * h + beta[j]
      }
      rstd[r] = rs
    }
  }

  @inlinable
  static func referenceLayerNormBackward(rows: Int, d: Int, dy: UnsafePointer<Self>, xhat: UnsafePointer<Self>,
                                         rstd: UnsafePointer<Self>, gamma: UnsafePointer<Self>,
                                         dx: UnsafeMutablePointer<Self>, dgamma: UnsafeMutablePointer<Self>,
                                         dbeta: UnsafeMutablePointer<Self>) {
    for r in 0..<rows {
      let g = dy + r * d, h = xhat + r * d
      var s1: Self = 0, s2: Self = 0
      for j in 0..<d { s1 += g[j] * gamma[j]; s2 += g[j] * gamma[j] * h[j] }
      let m1 = s1 / Self(d), m2 = s2 / Self(d)
      for j in 0..<d {
        dx[r * d + j] += rstd[r] * (g[j] * gamma[j] - m1 - h[j] * m2)
        dgamma[j] += g[j] * h[j]
        dbeta[j] += g[j]
      }
    }
  }

  @inlinable
  static func referenceCausalSoftmax(n: Int, _ s: UnsafeMutablePointer<Self>, ld: Int) {
    for i in 0..<n {
      let row = s + i * ld
      var mx = row[0]
      for j in 0...i { mx = Swift.max(mx, row[j]) }
      var sum: Self = 0
      for j in 0...i { row[j] = Self.exp(row[j] - mx); sum += row[j] }
      for j in 0...i { row[j] /= sum }
      for j in (i + 1)..<Swift.max(i + 1, n) { row[j] = 0 }
    }
  }

  @inlinable
  static func referenceCausalSoftmaxBackward(n: Int, _ a: UnsafePointer<Self>, lda: Int, _ g: UnsafeMutablePointer<Self>,
                                             ldg: Int) {
    for i in 0..<n {
      let ar = a + i * lda, gr = g + i * ldg
      var dot: Self = 0
      for j in 0...i { dot += ar[j] * gr[j] }
      for j in 0...i { gr[j] = ar[j] * (gr[j] - dot) }
      for j in (i + 1)..<Swift.max(i + 1, n) { gr[j] = 0 }
    }
  }
}

extension Float {
  @inlinable
  public static func layerNormForward(rows: Int, d: Int, x: UnsafePointer<Float>, gamma: UnsafePointer<Float>,
                                      beta: UnsafePointer<Float>, epsilon: Float, y: UnsafeMutablePointer<Float>,
                                      xhat: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>) {
    gk_layernorm_forward(rows, d, x, gamma, beta, epsilon, y, xhat, rstd)
  }
  @inlinable
  public static func layerNormBackward(rows: Int, d: Int, dy: UnsafePointer<Float>, xhat: UnsafePointer<Float>,
                                       rstd: UnsafePointer<Float>, gamma: UnsafePointer<Float>,
                                       dx: UnsafeMutablePointer<Float>, dgamma: UnsafeMutablePointer<Float>,
                                       dbeta: UnsafeMutablePointer<Float>) {
    gk_layernorm_backward(rows, d, dy, xhat, rstd, gamma, dx, dgamma, dbeta)
  }
  @inlinable
  public static func causalSoftmax(n: Int, _ s: UnsafeMutablePointer<Float>, ld: Int) { gk_causal_softmax(n, s, ld) }
  @inlinable
  public static func causalSoftmaxBackward(n: Int, _ a: UnsafePointer<Float>, lda: Int, _ g: UnsafeMutablePointer<Float>,
                                           ldg: Int) {
    gk_causal_softmax_backward(n, a, lda, g, ldg)
  }
}

extension Double {
  @inlinable
  public static func layerNormForward(rows: Int, d: Int, x: UnsafePointer<Double>, gamma: UnsafePointer<Double>,
                                      beta: UnsafePointer<Double>, epsilon: Double, y: UnsafeMutablePointer<Double>,
                                      xhat: UnsafeMutablePointer<Double>, rstd: UnsafeMutablePointer<Double>) {
    referenceLayerNormForward(rows: rows, d: d, x: x, gamma: gamma, beta: beta, epsilon: epsilon, y: y, xhat: xhat, rstd: rstd)
  }
  @inlinable
  public static func layerNormBackward(rows: Int, d: Int, dy: UnsafePointer<Double>, xhat: UnsafePointer<Double>,
                                       rstd: UnsafePointer<Double>, gamma: UnsafePointer<Double>,
                                       dx: UnsafeMutablePointer<Double>, dgamma: UnsafeMutablePointer<Double>,
                                       dbeta: UnsafeMutablePointer<Double>) {
    referenceLayerNormBackward(rows: rows, d: d, dy: dy, xhat: xhat, rstd: rstd, gamma: gamma, dx: dx, dgamma: dgamma, dbeta: dbeta)
  }
  @inlinable
  public static func causalSoftmax(n: Int, _ s: UnsafeMutablePointer<Double>, ld: Int) { referenceCausalSoftmax(n: n, s, ld: ld) }
  @inlinable
  public static func causalSoftmaxBackward(n: Int, _ a: UnsafePointer<Double>, lda: Int, _ g: UnsafeMutablePointer<Double>,
                                           ldg: Int) {
    referenceCausalSoftmaxBackward(n: n, a, lda: lda, g, ldg: ldg)
  }
}
