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

  static func scratchFloats(k: Int, chunk: Int) -> Int {
    let n = ShortRows.maxRows(k: k)
    return max(k * k + k, 2 * n * k + n * n + 3 * k + n)
  }

  /// Solves row `row` of `step` in place: by ``ShortRows`` when `short` is
  /// given, the row has at most its `maxRows` observations and every a_i > 0;
  /// otherwise by forming the k x k system.
  static func solveRow(
    _ step: HalfStep, _ row: Int, scratch: UnsafeMutablePointer<Float>, chunk: Int, short: ShortRows? = nil
  ) {
    let k = step.k
    if let short, short.solve(step, row, scratch: scratch) { return }
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

/// The exact solve of rows with few observations by the Woodbury identity
/// (C kernel `gk_short_row_solve`): with `UᵀU = alpha0 G + lambda I`
/// factored once per half-step (in float64) and `U⁻¹` kept, a row with `n`
/// observations costs `n k² + n² k/2 + n³/3 + 2k²` instead of the `k³/3` of
/// a `k x k` Cholesky (plus `n k²/2` to form it), about 4x fewer flops for
/// the 9-observation median user of amazon-book at k = 128. The `n x n`
/// system `I + Z Zᵀ` has eigenvalues >= 1, so it adds no ill-conditioning of
/// its own. Used when every row has the same lambda (regularisation
/// exponent 0, or equal counts), for rows with `n <= k/2` and every a_i > 0.
/// Results equal the direct solve up to float32 rounding (tested against a
/// float64 reference). Solves of fewer than ``minimumRowsToSolve`` rows
/// (fold-in) take the direct path, so a row folded in alone may differ from
/// the same row of a full half-step in the last bits; each path on its own is
/// deterministic.
struct ShortRows: @unchecked Sendable {
  /// `U⁻¹`, `k x k` row-major, zero below the diagonal.
  let uinv: UnsafeMutablePointer<Float>
  let k: Int
  let maxRows: Int

  /// Rows with at most this many observations take the Woodbury path.
  static func maxRows(k: Int) -> Int { k / 2 }
  /// Fewer rows than this in a solve (fold-in of a few users) do not pay for
  /// the k³ set-up.
  static let minimumRowsToSolve = 64

  /// The plan for `step`, or nil when its rows have different lambdas, or
  /// `alpha0 G + lambda I` is not positive definite in float64.
  /// - Complexity: O(rows + k³) in float64.
  init?(_ step: HalfStep) {
    let k = step.k, rows = step.rows
    guard rows > 0, k <= 1024 else { return nil }
    let lambda = step.lambda.base[0]
    for r in 0..<rows where step.lambda.base[r] != lambda { return nil }
    // Cholesky A = UᵀU (upper, float64), then U⁻¹ by back substitution.
    var u = [Double](repeating: 0, count: k * k)
    for i in 0..<k {
      for j in i..<k { u[i * k + j] = Double(step.gram.base[i * k + j]) + (i == j ? Double(lambda) : 0) }
    }
    for p in 0..<k {
      let d = u[p * k + p]
      guard d > 0, d.isFinite else { return nil }
      let s = d.squareRoot()
      u[p * k + p] = s
      for j in (p + 1)..<k { u[p * k + j] /= s }
      for i in (p + 1)..<k {
        let f = u[p * k + i]
        if f == 0 { continue }
        for j in i..<k { u[i * k + j] -= f * u[p * k + j] }
      }
    }
    // X = U⁻¹: column j solves U x = e_j (rows j down to 0).
    var x = [Double](repeating: 0, count: k * k)
    for j in 0..<k {
      x[j * k + j] = 1 / u[j * k + j]
      var i = j - 1
      while i >= 0 {
        var t = 0.0
        for l in (i + 1)...j { t += u[i * k + l] * x[l * k + j] }
        x[i * k + j] = -t / u[i * k + i]
        i -= 1
      }
    }
    guard x.allSatisfy(\.isFinite) else { return nil }
    self.k = k
    maxRows = Self.maxRows(k: k)
    uinv = .allocate(capacity: k * k)
    for i in 0..<(k * k) { uinv[i] = Float(x[i]) }
  }

  func free() { uinv.deallocate() }

  /// Solves `row` into its target row when it qualifies; false otherwise.
  func solve(_ step: HalfStep, _ row: Int, scratch: UnsafeMutablePointer<Float>) -> Bool {
    let range = step.range(row)
    guard range.count <= maxRows else { return false }
    for q in range where !(step.a.base[q] > 0) { return false }
    return Kernels.shortRowSolve(
      k: k, n: range.count, indices: step.indices.base + range.lowerBound, fixed: step.fixed.base,
      a: step.a.base + range.lowerBound, b: step.b.base + range.lowerBound, uinv: uinv, scratch: scratch,
      into: step.targetRow(row))
  }
}
