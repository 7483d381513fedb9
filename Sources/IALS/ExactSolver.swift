import LinearAlgebra

/// The exact ALS row solve: forms `A = alpha0 G + sum_i a_i h_i h_iᵀ + lambda_u I`
/// and `b = sum_i b_i h_i`, then solves `A w = b` by Cholesky.
///
/// The rank-`n_u` part is accumulated with blocked rank updates: a
/// register-tiled kernel reads the rows `h_i` in place (up to ``gatherChunk``
/// per call) and adds `sum a_i h_i h_iᵀ` to the upper triangle, any sign of
/// `a_i` (negative in the `hu` formulation when `c < alpha0`); it beats
/// gathering + OpenBLAS `ssyrk` for the short rows and k <= 128 of ALS.
/// The small solve is ``SmallCholesky`` (blocked, register-tiled; no LAPACK
/// call overhead).
///
/// - Complexity: per row, k²/2 (copy of G's upper triangle) + n_u·k² (rank update, half of it
///   flops by symmetry) + k³/3 (Cholesky); per half-step
///   O(nnz·k² + rows·k³).
enum ExactSolver {
  /// Pairs per rank-update call (their rows stay in L2).
  static let gatherChunk = 256

  static func scratchFloats(k: Int, chunk: Int) -> Int { k * k + k }

  /// Solves row `row` of `step` in place.
  static func solveRow(_ step: HalfStep, _ row: Int, scratch: UnsafeMutablePointer<Float>, chunk: Int) {
    let k = step.k
    let a = scratch
    let x = a + k * k
    // Only the upper triangle is read (from each row's 8-aligned column on,
    // as the kernels write it), in row-sized copies: half the bytes of a
    // k x k copy, and short enough that glibc's memmove does not switch to
    // `rep movsb`, which profiled at a quarter of the epoch on Zen VMs.
    for i in 0..<k {
      let j0 = i & ~7
      (a + i * k + j0).update(from: step.gram.base + i * k + j0, count: k - j0)
    }
    let lam = step.lambda.base[row]
    for j in 0..<k { a[j * k + j] += lam }
    x.update(repeating: 0, count: k)
    let range = step.range(row)
    accumulate(step, range: range, into: a, rhs: x, chunk: chunk)
    if !SmallCholesky.solveUpper(n: k, a: a, b: x) {
      x.update(repeating: .nan, count: k)
    }
    step.targetRow(row).update(from: x, count: k)
  }

  /// Adds `sum_i a_i h_i h_iᵀ` over `range` to the upper triangle of `a`
  /// (register-tiled rank updates reading the rows `h_i` in place, `chunk`
  /// pairs per call so that they stay in cache) and `sum_i b_i h_i` to `rhs`.
  static func accumulate(
    _ step: HalfStep, range: Range<Int>, into a: UnsafeMutablePointer<Float>,
    rhs: UnsafeMutablePointer<Float>, chunk: Int
  ) {
    let k = step.k, lo = range.lowerBound
    Kernels.gatheredAxpys(n: k, m: range.count, indices: step.indices.base + lo, base: step.fixed.base, ld: k,
                          coefficients: step.b.base + lo, into: rhs)
    var start = lo
    while start < range.upperBound {
      let cnt = min(chunk, range.upperBound - start)
      Kernels.gatheredRankUpdate(n: k, m: cnt, indices: step.indices.base + start, base: step.fixed.base, ld: k,
                                 weights: step.a.base + start, into: a)
      start += cnt
    }
  }
}
