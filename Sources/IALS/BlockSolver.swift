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
/// pairs and `alpha0 G w_u` are cached and updated after every block, so a
/// block costs O(n_u·b² + k·b + b³) and no k x k system is ever formed.
/// With `b >= k` one block is the whole row and this is the exact solve.
///
/// - Complexity: per row, n_u·k (predictions) + k² (G w) + n_u·k·b
///   (block systems) + k·b² / 3 (Cholesky); per half-step O(nnz·k·b + rows·k·b²).
enum BlockSolver {
  static func scratchFloats(k: Int, block: Int, chunk: Int, maxDegree: Int) -> Int {
    maxDegree + k + chunk * block + block * block + block
  }

  static func solveRow(_ step: HalfStep, _ row: Int, block: Int, scratch: UnsafeMutablePointer<Float>, chunk: Int) {
    let k = step.k
    let range = step.range(row)
    let n = range.count
    let w = step.targetRow(row)
    let s = scratch                       // predictions, n
    let gw = s + step.maxDegree           // alpha0 G w, k
    let gathered = gw + k                 // chunk x block
    let m = gathered + chunk * block      // block x block
    let d = m + block * block             // block
    let lam = step.lambda.base[row]
    let gram = step.gram.base
    for t in 0..<n { s[t] = Kernels.dot(k, step.fixedRow(step.indices.base[range.lowerBound + t]), w) }
    Kernels.symmetricMatVec(k, gram, w, gw)
    var j0 = 0
    while j0 < k {
      let bs = min(block, k - j0)
      // System matrix: alpha0 G_BB + lambda I, then the observed rank updates.
      for r in 0..<bs {
        (m + r * bs).update(from: gram + (j0 + r) * k + j0, count: bs)
        m[r * bs + r] += lam
      }
      // Right-hand side: sum (b_i - a_i s_i) h_iB - (alpha0 G w)_B - lambda w_B.
      for r in 0..<bs { d[r] = -gw[j0 + r] - lam * w[j0 + r] }
      var start = 0
      while start < n {
        let end = min(n, start + chunk)
        for pass in 0..<2 {
        let sign: Float = pass == 0 ? 1 : -1
          var cnt = 0
          for t in start..<end {
            let q = range.lowerBound + t
            let h = step.fixedRow(step.indices.base[q]) + j0
            let aq = step.a.base[q]
            if sign > 0 { Kernels.axpy(bs, step.b.base[q] - aq * s[t], h, d) }
            guard aq * sign > 0 else { continue }
            let sc = (aq * sign).squareRoot()
            let g = gathered + cnt * bs
            for j in 0..<bs { g[j] = sc * h[j] }
            cnt += 1
          }
          if cnt > 0 { ExactSolver.rankUpdate(k: bs, m: cnt, sign: sign, gathered: gathered, into: m) }
        }
        start = end
      }
      if !SmallCholesky.solveUpper(n: bs, a: m, b: d) {
        w.update(repeating: .nan, count: k)
        return
      }
      // Apply the step and refresh the caches.
      for r in 0..<bs { w[j0 + r] += d[r] }
      for t in 0..<n {
        let h = step.fixedRow(step.indices.base[range.lowerBound + t]) + j0
        s[t] += Kernels.dot(bs, h, d)
      }
      for r in 0..<bs { Kernels.axpy(k, d[r], gram + (j0 + r) * k, gw) }
      j0 += bs
    }
  }
}
