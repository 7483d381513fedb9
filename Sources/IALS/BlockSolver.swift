import LinearAlgebra

/// iALS++ row update (Rendle, Krichene, Zhang, Koren, "iALS++: Speeding up
/// Matrix Factorization with Subspace Optimization", 2021): block coordinate
/// descent over consecutive blocks `B` of `b` coordinates of `w_u`. For each
/// block it solves the `b x b` system restricted to `B` with the other
/// coordinates fixed:
///
///     (alpha0 G_BB + sum_i a_i h_iB h_iBᵀ + lambda_u I) d = -(A w - rhs)_B
///
/// then sets `w_B += d`. The predictions `s_i = <w_u, h_i>` of the observed
/// pairs are cached and updated after every block, so a block costs
/// O(n_u·b² + k·b + b³) and no k x k system is ever formed.
/// With `b >= k` one block is the whole row and this is the exact solve.
///
/// Rows run in lockstep groups of ``group``: at each block the Gram terms
/// `(alpha0 G w_t)_B` of the whole group are one register-tiled product
/// pass over the rows `G_{B,:}` (= `G_{:,B}`ᵀ, contiguous) against all the
/// group's current rows, instead of a `k x k` matrix-vector product per row
/// (at k = 1024, `G` is 4 MB and does not stay in L2; its columns, 4 KB
/// apart, would also thrash the caches). A row's arithmetic does not depend on its group.
///
/// - Complexity: per row, n_u·k (predictions) + k² (Gram terms) + n_u·k·b/2
///   (block systems, rank updates read the rows in place) + k·b² / 3 (Cholesky); per half-step O(nnz·k·b + rows·k·(k + b²)).
enum BlockSolver {
  /// Rows solved in lockstep.
  static let group = 8

  static func scratchFloats(k: Int, block: Int, chunk: Int, maxDegree: Int) -> Int {
    group * (k + block + maxDegree) + maxDegree + block * block + block
  }

  /// Solves the `count <= group` rows `first..<first + count` of `rows` (or
  /// of the side when nil) in place; a row whose block system is not SPD
  /// becomes NaN.
  static func solveRows(
    _ step: HalfStep, first: Int, count: Int, rows: UnsafePointer<Int32>?, block: Int,
    scratch: UnsafeMutablePointer<Float>, chunk: Int
  ) {
    precondition(count <= group)
    let k = step.k, stride = step.maxDegree
    let x = scratch                      // count x k: the rows being solved
    let gw = x + group * k               // count x block: (alpha0 G w)_B
    let s = gw + group * block           // count x maxDegree: predictions
    let work = BlockWork(
      coef: s + group * stride, m: s + group * stride + stride,
      d: s + group * stride + stride + block * block, chunk: chunk)
    func row(_ t: Int) -> Int { rows.map { Int($0[first + t]) } ?? first + t }
    for t in 0..<count {
      let r = row(t), range = step.range(r), w = x + t * k
      w.update(from: step.targetRow(r), count: k)
      for (j, q) in range.enumerated() { s[t * stride + j] = Kernels.dot(k, step.fixedRow(step.indices.base[q]), w) }
    }
    var failed: UInt = 0
    var j0 = 0
    while j0 < k {
      let bs = min(block, k - j0)
      // (G w_t)_B = G_{B,:} w_t (G symmetric): contiguous rows of G.
      Kernels.rowDots(m: bs, n: k, count: count, g: step.gram.base + j0 * k, ldg: k, x: x, ldx: k, out: gw, ldo: bs)
      for t in 0..<count where failed & (1 << t) == 0 {
        let ok = solveBlock(step, row: row(t), j0: j0, bs: bs, w: x + t * k, gw: gw + t * bs, s: s + t * stride, work)
        if !ok { failed |= 1 << t }
      }
      j0 += bs
    }
    for t in 0..<count {
      let target = step.targetRow(row(t))
      if failed & (1 << t) != 0 { target.update(repeating: .nan, count: k) } else { target.update(from: x + t * k, count: k) }
    }
  }

  /// Per-worker buffers of one block solve.
  struct BlockWork {
    let coef: UnsafeMutablePointer<Float>      // maxDegree
    let m: UnsafeMutablePointer<Float>         // block x block
    let d: UnsafeMutablePointer<Float>         // block
    let chunk: Int
  }

  /// One block `B = j0..<j0+bs` of one row: forms and solves the block
  /// system, applies `w_B += d` and refreshes the predictions `s`.
  /// Returns false when the block system is not SPD.
  static func solveBlock(
    _ step: HalfStep, row: Int, j0: Int, bs: Int, w: UnsafeMutablePointer<Float>,
    gw: UnsafePointer<Float>, s: UnsafeMutablePointer<Float>, _ work: BlockWork
  ) -> Bool {
    let k = step.k, range = step.range(row), n = range.count
    let lam = step.lambda.base[row], gram = step.gram.base
    let m = work.m, d = work.d, coef = work.coef
    // System matrix: alpha0 G_BB + lambda I, then the observed rank updates.
    for r in 0..<bs {
      (m + r * bs).update(from: gram + (j0 + r) * k + j0, count: bs)
      m[r * bs + r] += lam
    }
    // Right-hand side: sum (b_i - a_i s_i) h_iB - (alpha0 G w)_B - lambda w_B.
    for r in 0..<bs { d[r] = -gw[r] - lam * w[j0 + r] }
    let lo = range.lowerBound
    let idx = step.indices.base + lo, a = step.a.base + lo, b = step.b.base + lo
    let base = step.fixed.base + j0
    for t in 0..<n { coef[t] = b[t] - a[t] * s[t] }
    Kernels.gatheredAxpys(n: bs, m: n, indices: idx, base: base, ld: k, coefficients: coef, into: d)
    var start = 0
    while start < n {
      let cnt = min(work.chunk, n - start)
      Kernels.gatheredRankUpdate(n: bs, m: cnt, indices: idx + start, base: base, ld: k, weights: a + start, into: m)
      start += cnt
    }
    if !SmallCholesky.solveUpper(n: bs, a: m, b: d) { return false }
    for r in 0..<bs { w[j0 + r] += d[r] }
    Kernels.gatheredDotsAdd(n: bs, m: n, indices: idx, base: base, ld: k, d: d, into: s)
    return true
  }
}
