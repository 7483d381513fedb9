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

  /// Runs the CG steps for row `row` of `step` in place (C kernel
  /// ``Kernels/conjugateGradientRow(k:count:gram:lambda:indices:a:b:fixed:x:steps:scratch:)``:
  /// r = b - A x; then p, Ap = gram p + lambda p + sum a (h·p) h, the
  /// standard CG updates, as implicit's `least_squares_cg`).
  static func solveRow(_ step: HalfStep, _ row: Int, steps: Int, scratch: UnsafeMutablePointer<Float>) {
    let range = step.range(row)
    Kernels.conjugateGradientRow(
      k: step.k, count: range.count, gram: step.gram.base, lambda: step.lambda.base[row],
      indices: step.indices.base + range.lowerBound, a: step.a.base + range.lowerBound,
      b: step.b.base + range.lowerBound, fixed: step.fixed.base, x: step.targetRow(row),
      steps: steps, scratch: scratch)
  }
}
