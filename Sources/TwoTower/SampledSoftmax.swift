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
/// The gradient with respect to the logits is `G = P - I` (P the row
/// softmax, zero on masked columns), so `dU = G V / tau` and
/// `dV = Gᵀ U / tau`. Rows are processed in blocks of `block` on `threads`
/// workers (BLAS at one thread inside them): each block's logits GEMM, row
/// softmaxes (``TowerScalar/softmaxRow(_:_:diagonal:scale:)``, the
/// vectorised kernel for Float), its rows of dU, and its share of dV into
/// the worker's partial sum; the partials are added in worker order, so
/// the result is fixed for a thread count.
/// - Complexity: 6·B·C·d flops plus B·C exponentials; memory
///   threads·(block·C + C·d) scalars.
enum SampledSoftmax {
  /// Rows per block: a 64 x C logits block (256 KB at C = 1024) stays in L2.
  /// 64, 128, 256 and 512 measured alike on amazon-book (CPU time within 10%).
  static let defaultBlock = 64

  /// Adds the gradients to `dU` (`b x d`) and `dV` (`c x d`) and returns
  /// the loss. `candidates` (C item ids) and `positives` (B) enable the
  /// accidental-hit mask; `logQ` holds `log q_j` per column.
  static func apply<T: TowerScalar>(
    u: [T], v: [T], rows b: Int, columns c: Int, dim d: Int, temperature: T,
    logQ: [T]?, positives: [Int32]?, candidates: [Int32]?, threads: Int, block: Int = SampledSoftmax.defaultBlock,
    dU: inout [T], dV: inout [T]
  ) -> T {
    precondition(c >= b && u.count == b * d && v.count == c * d && dU.count == b * d && dV.count == c * d)
    guard b > 0 else { return 0 }
    let blocks = (b + block - 1) / block
    let workers = max(1, min(threads, blocks))
    var scratch = [T](repeating: 0, count: workers * block * c)
    var partial = [T](repeating: 0, count: workers * c * d)
    var rowLoss = [T](repeating: 0, count: b)
    let invTau = 1 / temperature
    u.withUnsafeBufferPointer { up in
      v.withUnsafeBufferPointer { vp in
        dU.withUnsafeMutableBufferPointer { dup in
          scratch.withUnsafeMutableBufferPointer { sp in
            partial.withUnsafeMutableBufferPointer { pp in
              rowLoss.withUnsafeMutableBufferPointer { lp in
                let uB = SendableConstPointer(up.baseAddress!), vB = SendableConstPointer(vp.baseAddress!)
                let duB = SendablePointer(dup.baseAddress!), sB = SendablePointer(sp.baseAddress!)
                let pB = SendablePointer(pp.baseAddress!), lB = SendablePointer(lp.baseAddress!)
                let lq = logQ, pos = positives, cand = candidates
                let body: @Sendable (Int, Int) -> Void = { blk, w in
                  let lo = blk * block, rows = min(b, lo + block) - lo
                  let s = sB.base + w * block * c
                  // The block starts as -log q_j (or 0) and the GEMM adds to it (beta 1):
                  // no separate logQ pass, and no beta-0 scaling pass inside BLAS.
                  if let lq {
                    for r in 0..<rows { for j in 0..<c { s[r * c + j] = -lq[j] } }
                  } else {
                    s.update(repeating: 0, count: rows * c)
                  }
                  T.gemm(transA: false, transB: true, m: rows, n: c, k: d, alpha: invTau, a: uB.base + lo * d, lda: d,
                         b: vB.base, ldb: d, beta: 1, c: s, ldc: c)
                  for r in 0..<rows {
                    let i = lo + r, row = s + r * c
                    if let pos, let cand {
                      let p = pos[i]
                      for j in 0..<c where j != i && cand[j] == p { row[j] = -T.infinity }
                    }
                    lB.base[i] = T.softmaxRow(row, c, diagonal: i, scale: invTau)
                  }
                  T.gemm(transA: false, transB: false, m: rows, n: d, k: c, alpha: 1, a: s, lda: c,
                         b: vB.base, ldb: d, beta: 1, c: duB.base + lo * d, ldc: d)
                  T.gemm(transA: true, transB: false, m: c, n: d, k: rows, alpha: 1, a: s, lda: c,
                         b: uB.base + lo * d, ldb: d, beta: 1, c: pB.base + w * c * d, ldc: d)
                }
                if workers == 1 {
                  for blk in 0..<blocks { body(blk, 0) }
                } else {
                  BLAS.withThreads(1) { Parallel.forEach(blocks, threads: workers, grain: 1, body) }
                }
              }
            }
          }
        }
      }
    }
    for w in 0..<workers {
      let base = w * c * d
      for j in 0..<(c * d) { dV[j] += partial[base + j] }
    }
    var total: T = 0
    for l in rowLoss { total += l }
    return total
  }
}
