import LinearAlgebra

/// Conjugate-gradient row solve (Takács, Pilászy, Tikk, "Applications of the
/// conjugate gradient method for implicit feedback collaborative filtering",
/// RecSys 2011; the default solver of benfred/implicit): `steps` CG steps on
/// `A w = b`, warm-started from the current row, with `A` never formed:
/// `A p = alpha0 G p + lambda_u p + sum_i a_i (h_i · p) h_i`.
///
/// Stops early when the squared residual falls below 1e-20 (as implicit).
/// - Complexity: per row, (steps + 1)·(2k² + 4·n_u·k) flops; no k³ term.
enum CGSolver {
  static func scratchFloats(k: Int) -> Int { 3 * k }

  static func solveRow(_ step: HalfStep, _ row: Int, steps: Int, scratch: UnsafeMutablePointer<Float>) {
    let k = step.k
    let x = step.targetRow(row)
    let r = scratch, p = scratch + k, ap = scratch + 2 * k
    let lam = step.lambda.base[row]
    let range = step.range(row)
    // r = b - A x
    Kernels.symmetricMatVec(k, step.gram.base, x, r)
    for j in 0..<k { r[j] = -r[j] - lam * x[j] }
    for q in range {
      let h = step.fixedRow(step.indices.base[q])
      let s = Kernels.dot(k, h, x)
      Kernels.axpy(k, step.b.base[q] - step.a.base[q] * s, h, r)
    }
    p.update(from: r, count: k)
    var rsOld = Kernels.dot(k, r, r)
    if rsOld < 1e-20 { return }
    for _ in 0..<steps {
      Kernels.symmetricMatVec(k, step.gram.base, p, ap)
      Kernels.axpy(k, lam, p, ap)
      for q in range {
        let h = step.fixedRow(step.indices.base[q])
        let aq = step.a.base[q]
        if aq == 0 { continue }
        Kernels.axpy(k, aq * Kernels.dot(k, h, p), h, ap)
      }
      let alpha = rsOld / Kernels.dot(k, p, ap)
      Kernels.axpy(k, alpha, p, x)
      Kernels.axpy(k, -alpha, ap, r)
      let rsNew = Kernels.dot(k, r, r)
      if rsNew < 1e-20 { break }
      let beta = rsNew / rsOld
      for j in 0..<k { p[j] = r[j] + beta * p[j] }
      rsOld = rsNew
    }
  }
}
