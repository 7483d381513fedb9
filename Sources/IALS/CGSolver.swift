import Foundation
import LinearAlgebra

/// Conjugate-gradient row solve (Takács, Pilászy, Tikk, "Applications of the
/// conjugate gradient method for implicit feedback collaborative filtering",
/// RecSys 2011; the default solver of benfred/implicit): `steps` CG steps on
/// `A w = b`, warm-started from the current row, with `A` never formed:
/// `A p = alpha0 G p + lambda_u p + sum_i a_i (h_i · p) h_i`.
///
/// Stops early when the squared residual falls below 1e-20 (as implicit).
/// - Complexity: per row, (steps + 1)·(2k² + 4·n_u·k) flops; no k³ term.
/// Rows are solved in groups of ``group`` so that the `2k²` Gram products run
/// as a small matrix product (register tiles) rather than matrix-vector products.
enum CGSolver {
  /// Rows whose CG steps run in lockstep: their Gram products `G p` become
  /// one register-tiled `P G` (P: group x k) per step, which reads G once
  /// per 4 rows instead of once per row (the k² term that dominates short rows).
  static let group = 8

  /// Floats of the per-worker copy of the group's gathered rows (see
  /// ``Kernels/conjugateGradientRows(k:count:rows:first:offsets:indices:a:b:lambda:gram:fixed:target:steps:scratch:gatherCapacity:)``):
  /// sized to stay in a core's L2 cache (about 768 KB) with the CG vectors.
  /// The environment variable `GRAMIAN_CG_GATHER_FLOATS` overrides it (for
  /// benchmarks; results do not depend on it).
  static let gatherCapacity: Int = {
    if let s = ProcessInfo.processInfo.environment["GRAMIAN_CG_GATHER_FLOATS"], let v = Int(s), v >= 0 { return v }
    return 196_608
  }()

  static func scratchFloats(k: Int) -> Int { 4 * group * k + gatherCapacity }

  /// Runs the CG steps for the `count <= group` rows `first..<first + count`
  /// of `rows` (or of the side when nil) in place (C kernel
  /// ``Kernels/conjugateGradientRows(k:count:rows:first:offsets:indices:a:b:lambda:gram:fixed:target:steps:scratch:gatherCapacity:)``:
  /// r = b - A x; then p, Ap = gram p + lambda p + sum a (h·p) h, the
  /// standard CG updates, as implicit's `least_squares_cg`). Each row's
  /// result is the same whatever group it is in.
  static func solveRows(
    _ step: HalfStep, first: Int, count: Int, rows: UnsafePointer<Int32>?, steps: Int,
    scratch: UnsafeMutablePointer<Float>
  ) {
    Kernels.conjugateGradientRows(
      k: step.k, count: count, rows: rows, first: first, offsets: step.offsets.base,
      indices: step.indices.base, a: step.a.base, b: step.b.base, lambda: step.lambda.base,
      gram: step.gram.base, fixed: step.fixed.base, target: step.target.base, steps: steps,
      scratch: scratch, gatherCapacity: gatherCapacity)
  }
}
