import LinearAlgebra

/// In-batch sampled softmax (Yi et al. 2019; TFRS's `Retrieval` task).
///
/// For B query rows `u_i` and C candidate rows `v_j` (the first B are the
/// rows' positives, so row i's positive is column i; the rest are extra
/// negatives), the logits are `s_ij = <u_i, v_j> / tau - log q_j` (the
/// logQ term only when `logQ` is given) and the loss is
/// `sum_i -log( exp(s_ii) / sum_{j unmasked} exp(s_ij) )`, summed over rows
/// as TFRS does. With accidental-hit removal, a column `j != i` whose item
/// equals row i's positive is masked (left out of the sum).
///
/// The gradient with respect to the logits is `P - I` (P the row softmax,
/// zero on masked columns), so `dU = (P - I) V / tau` and
/// `dV = (P - I)ᵀ U / tau`: three GEMMs of B·C·d.
/// - Complexity: 6·B·C·d flops plus B·C exponentials (rows in parallel).
enum SampledSoftmax {
  /// Adds the gradients to `dU` (`b x d`) and `dV` (`c x d`) and returns
  /// the loss. `candidates` (C item ids) and `positives` (B) enable the
  /// accidental-hit mask; `logQ` holds `log q_j` per column.
  static func apply<T: TowerScalar>(
    u: [T], v: [T], rows b: Int, columns c: Int, dim d: Int, temperature: T,
    logQ: [T]?, positives: [Int32]?, candidates: [Int32]?, threads: Int,
    dU: inout [T], dV: inout [T]
  ) -> T {
    precondition(c >= b && u.count == b * d && v.count == c * d)
    var s = [T](repeating: 0, count: b * c)
    gemm(transB: true, m: b, n: c, k: d, alpha: 1 / temperature, u, lda: d, v, ldb: d, &s, ldc: c)
    var rowLoss = [T](repeating: 0, count: b)
    let invTau = 1 / temperature
    s.withUnsafeMutableBufferPointer { sp in
      rowLoss.withUnsafeMutableBufferPointer { lp in
        let logits = SendablePointer(sp.baseAddress!), losses = SendablePointer(lp.baseAddress!)
        let lq = logQ, pos = positives, cand = candidates
        Parallel.forChunks(b, threads: threads) { range in
          var masked = [Bool](repeating: false, count: c)
          for i in range {
            let row = logits.base + i * c
            if let lq { for j in 0..<c { row[j] -= lq[j] } }
            var anyMasked = false
            if let pos, let cand {
              let p = pos[i]
              for j in 0..<c { let m = j != i && cand[j] == p; masked[j] = m; anyMasked = anyMasked || m }
            }
            losses.base[i] = softmaxRow(row, c, diagonal: i, masked: anyMasked ? masked : nil, scale: invTau)
          }
        }
      }
    }
    gemm(m: b, n: d, k: c, s, lda: c, v, ldb: d, beta: 1, &dU, ldc: d)
    gemm(transA: true, m: c, n: d, k: b, s, lda: c, u, ldb: d, beta: 1, &dV, ldc: d)
    var total: T = 0
    for l in rowLoss { total += l }
    return total
  }

  /// One row: returns `-log softmax(row)[diagonal]` and overwrites the row
  /// with `scale · (softmax - onehot)` (0 on masked columns).
  @inline(__always)
  static func softmaxRow<T: TowerScalar>(
    _ row: UnsafeMutablePointer<T>, _ c: Int, diagonal i: Int, masked: [Bool]?, scale: T
  ) -> T {
    var mx = -T.infinity
    for j in 0..<c where masked?[j] != true { mx = Swift.max(mx, row[j]) }
    var sum: T = 0
    let positive = row[i]
    for j in 0..<c {
      if masked?[j] == true { row[j] = 0; continue }
      let e = T.exp(row[j] - mx)
      row[j] = e
      sum += e
    }
    let inv = scale / sum
    for j in 0..<c { row[j] *= inv }
    row[i] -= scale
    return T.log(sum) + mx - positive
  }
}
