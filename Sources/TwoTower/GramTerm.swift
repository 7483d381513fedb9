/// The Gram regulariser of Krichene et al., "Efficient training on very
/// large corpora via gramian estimation" (ICLR 2019):
/// `lambda_g <G_u, G_v>_F` with `G_u = (1/|U|) sum_u u uᵀ` and
/// `G_v = (1/|I|) sum_i v vᵀ`, which equals `lambda_g / (|U||I|)` times the
/// sum over ALL pairs of `<u, v>²` (iALS's unobserved term) without
/// enumerating a pair.
///
/// A batch of B pairs drawn uniformly from the N training pairs estimates
/// `G_u` without bias by importance weights `w_i = N / (|U| deg(u_i))`
/// (and `N / (|I| deg(i))` for items): `Ĝ_u = (1/B) sum_i w_i u_i u_iᵀ`.
/// The batch objective carries the term `lambda_g · B · <Ĝ_u, Ĝ_v>`, so an
/// epoch (N examples) carries `lambda_g · N · <G_u, G_v>`. Its per-example
/// gradients, the estimate of the other side held constant, are
/// `2 lambda_g w_i Ĝ_v u_i` and `2 lambda_g w'_i Ĝ_u v_i`.
/// - Complexity: O(B·d²) per batch (GEMMs).
enum GramTerm {
  /// `(1/rows) sum_r w_r x_r x_rᵀ` (`dim x dim`); `weights` nil means 1.
  static func gram<T: TowerScalar>(_ x: [T], rows: Int, dim d: Int, weights: [T]?) -> [T] {
    var g = [T](repeating: 0, count: d * d)
    guard rows > 0 else { return g }
    var xw = x
    if let weights { for r in 0..<rows { for j in 0..<d { xw[r * d + j] *= weights[r] } } }
    gemm(transA: true, m: d, n: d, k: rows, alpha: 1 / T(rows), xw, lda: d, x, ldb: d, &g, ldc: d)
    return g
  }

  /// `<A, B>_F`.
  static func inner<T: TowerScalar>(_ a: [T], _ b: [T]) -> T {
    var s: T = 0
    for j in 0..<a.count { s += a[j] * b[j] }
    return s
  }

  /// `dx_r += scale · 2 w_r G x_r` for every row (G symmetric `dim x dim`).
  static func addGradient<T: TowerScalar>(
    _ x: [T], rows: Int, dim d: Int, weights: [T]?, other g: [T], scale: T, into dx: inout [T]
  ) {
    guard rows > 0 else { return }
    if let weights {
      var xw = x
      for r in 0..<rows { for j in 0..<d { xw[r * d + j] *= 2 * scale * weights[r] } }
      gemm(m: rows, n: d, k: d, xw, lda: d, g, ldb: d, beta: 1, &dx, ldc: d)
    } else {
      gemm(m: rows, n: d, k: d, alpha: 2 * scale, x, lda: d, g, ldb: d, beta: 1, &dx, ldc: d)
    }
  }
}

/// The state of a Gram estimator across steps (float32, `d x d`).
struct GramEstimate {
  let mode: GramEstimator
  let rate: Float
  var user: [Float]?
  var item: [Float]?

  init(mode: GramEstimator, rate: Float) { self.mode = mode; self.rate = rate }

  /// The estimates to use this step given the batch's own Gram matrices:
  /// batch returns them; SOGram folds them into its moving averages
  /// `Ĝ <- (1 - alpha_g) Ĝ + alpha_g G_batch` (the first batch initialises);
  /// exact returns the epoch's stored matrices.
  mutating func step(batchUser: [Float], batchItem: [Float]) -> (user: [Float], item: [Float]) {
    switch mode {
    case .batch: return (batchUser, batchItem)
    case .sogram:
      user = Self.blend(user, batchUser, rate)
      item = Self.blend(item, batchItem, rate)
      return (user!, item!)
    case .exact:
      return (user ?? batchUser, item ?? batchItem)
    }
  }

  static func blend(_ old: [Float]?, _ new: [Float], _ a: Float) -> [Float] {
    guard var old else { return new }
    for j in 0..<old.count { old[j] = (1 - a) * old[j] + a * new[j] }
    return old
  }
}
