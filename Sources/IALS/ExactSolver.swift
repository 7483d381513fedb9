import LinearAlgebra

/// The exact ALS row solve: forms `A = alpha0 G + sum_i a_i h_i h_iᵀ + lambda_u I`
/// and `b = sum_i b_i h_i`, then solves `A w = b` by Cholesky.
///
/// The rank-`n_u` part is accumulated with blocked rank-k updates: the rows
/// `sqrt(|a_i|) h_i` are gathered (up to ``gatherChunk`` at a time) into a
/// contiguous buffer and added with one `ssyrk` per chunk (negative `a_i`,
/// possible in the `hu` formulation with `c < alpha0`, with a second `ssyrk`
/// of sign -1). The small solve is ``SmallCholesky`` (no LAPACK call overhead).
///
/// - Complexity: per row, k² (copy of G) + n_u·k² (rank update, half of it
///   flops by symmetry) + k³/3 (Cholesky); per half-step
///   O(nnz·k² + rows·k³).
enum ExactSolver {
  /// Rows gathered per `ssyrk` call.
  static let gatherChunk = 256

  static func scratchFloats(k: Int, chunk: Int) -> Int { chunk * k + k * k + k }

  /// Solves row `row` of `step` in place.
  static func solveRow(_ step: HalfStep, _ row: Int, scratch: UnsafeMutablePointer<Float>, chunk: Int) {
    let k = step.k
    let gathered = scratch
    let a = scratch + chunk * k
    let x = a + k * k
    a.update(from: step.gram.base, count: k * k)
    let lam = step.lambda.base[row]
    for j in 0..<k { a[j * k + j] += lam }
    x.update(repeating: 0, count: k)
    let range = step.range(row)
    accumulate(step, range: range, into: a, rhs: x, gathered: gathered, chunk: chunk)
    if !SmallCholesky.solveUpper(n: k, a: a, b: x) {
      x.update(repeating: .nan, count: k)
    }
    step.targetRow(row).update(from: x, count: k)
  }

  /// `a += sign * gᵀ g` (upper triangle) for the `m x k` gathered rows `g`,
  /// by the register-tiled hand kernel (it beats OpenBLAS `ssyrk` at every
  /// m for k <= 128 here: no call overhead, no packing; see the benchmark's
  /// `--micro` output).
  @inline(__always)
  static func rankUpdate(k: Int, m: Int, sign: Float, gathered: UnsafeMutablePointer<Float>, into a: UnsafeMutablePointer<Float>) {
    Kernels.symmetricRankUpdate(n: k, m: m, rows: gathered, into: a, alpha: sign)
  }

  /// Adds `sum_i a_i h_i h_iᵀ` over `range` to the upper triangle of `a`
  /// and `sum_i b_i h_i` to `rhs`.
  static func accumulate(
    _ step: HalfStep, range: Range<Int>, into a: UnsafeMutablePointer<Float>,
    rhs: UnsafeMutablePointer<Float>, gathered: UnsafeMutablePointer<Float>, chunk: Int
  ) {
    let k = step.k
    var start = range.lowerBound
    while start < range.upperBound {
      let end = min(range.upperBound, start + chunk)
      for pass in 0..<2 {
        let sign: Float = pass == 0 ? 1 : -1
        var m = 0
        for p in start..<end {
          let h = step.fixedRow(step.indices.base[p])
          let ap = step.a.base[p]
          if sign > 0 { Kernels.axpy(k, step.b.base[p], h, rhs) }
          guard ap * sign > 0 else { continue }
          let s = (ap * sign).squareRoot()
          let g = gathered + m * k
          for j in 0..<k { g[j] = s * h[j] }
          m += 1
        }
        if m > 0 { rankUpdate(k: k, m: m, sign: sign, gathered: gathered, into: a) }
      }
      start = end
    }
  }
}
