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
/// With `correctedLogQ` (Khrylchenko et al., "Correcting the LogQ
/// Correction", RecSys 2025) the positive is not a Monte Carlo draw: it is
/// always in the denominator, uncorrected, and the other columns estimate
/// the rest of the full softmax's denominator by importance sampling,
/// `N_i ~ (1/m) sum_{j != i} exp(s_ij) / q_j` over the `m = C - 1` other
/// draws (columns holding row i's own item are left out, as the estimate is
/// of the sum over the other items; they still count in `m`). Row i's loss
/// is `-s_ii + log(exp(s_ii) + N_i)`, whose gradient is the full softmax's
/// `-(1 - P_ii) (grad s_ii - E_neg[grad s_ij])`: each example weighted by
/// the model's probability of misclassifying it. In logits: the diagonal
/// keeps `<u_i, v_i> / tau`, every other column gets `- log q_j - log m`,
/// and accidental hits are always masked. (Derived here from the paper's two
/// stated properties, the positive always in the denominator and the
/// misclassification-probability weight; checked against the definition
/// above by finite differences, not against the authors' code.)
///
/// The gradient with respect to the logits is `G = P - I` (P the row
/// softmax, zero on masked columns), so `dU = G V / tau` and
/// `dV = Gᵀ U / tau`. Two parallel phases on `threads` workers (BLAS at one
/// thread inside them): rows in blocks of `block` (default B / threads; each block's logits
/// GEMM, its row softmaxes with ``TowerScalar/softmaxRow(_:_:diagonal:scale:)``,
/// the vectorised kernel for Float, and its rows of dU), then columns in
/// contiguous chunks (each chunk's rows of `dV = Gᵀ U`, one GEMM with inner
/// dimension B). Every output row is written by one worker in one GEMM,
/// so there are no partial sums to add.
/// - Complexity: 6·B·C·d flops plus B·C exponentials; memory B·C scalars
///   (4 MB at B = C = 1024 in float32).
enum SampledSoftmax {
  /// Adds the gradients to `dU` (`b x d`) and `dV` (`c x d`) and returns
  /// the loss. `candidates` (C item ids) and `positives` (B) enable the
  /// accidental-hit mask; `logQ` holds `log q_j` per column.
  static func apply<T: TowerScalar>(
    u: [T], v: [T], rows b: Int, columns c: Int, dim d: Int, temperature: T,
    logQ: [T]?, positives: [Int32]?, candidates: [Int32]?, correctedLogQ: Bool = false, threads: Int, block: Int? = nil,
    dU: inout [T], dV: inout [T]
  ) -> T {
    precondition(c >= b && u.count == b * d && v.count == c * d && dU.count == b * d && dV.count == c * d)
    precondition(!correctedLogQ || (logQ != nil && positives != nil && candidates != nil),
                 "the corrected logQ needs log q and the items of the rows and columns (its accidental-hit mask)")
    // log m, the number of draws besides the positive (corrected logQ only).
    let logDraws = correctedLogQ ? T.log(T(max(1, c - 1))) : 0
    guard b > 0 else { return 0 }
    // One block per worker by default: on amazon-book (B = 1024, 2 threads)
    // blocks of 512 rows ran the softmax phase 6-10% faster than 128 or 64
    // (fewer repackings of V), although a block no longer fits in L2.
    let block = max(1, block ?? (b + max(1, threads) - 1) / max(1, threads))
    let blocks = (b + block - 1) / block
    let workers = max(1, min(threads, blocks))
    // G, all B x C (uninitialised: every block writes its rows before reading them).
    let g = UnsafeMutablePointer<T>.allocate(capacity: b * c)
    defer { g.deallocate() }
    var rowLoss = [T](repeating: 0, count: b)
    let invTau = 1 / temperature
    u.withUnsafeBufferPointer { up in
      v.withUnsafeBufferPointer { vp in
        dU.withUnsafeMutableBufferPointer { dup in
          dV.withUnsafeMutableBufferPointer { dvp in
            rowLoss.withUnsafeMutableBufferPointer { lp in
              let uB = SendableConstPointer(up.baseAddress!), vB = SendableConstPointer(vp.baseAddress!)
              let duB = SendablePointer(dup.baseAddress!), dvB = SendablePointer(dvp.baseAddress!)
              let gB = SendablePointer(g), lB = SendablePointer(lp.baseAddress!)
              let lq = logQ, pos = positives, cand = candidates
              let rowsPhase: @Sendable (Int, Int) -> Void = { blk, _ in
                let lo = blk * block, rows = min(b, lo + block) - lo
                let s = gB.base + lo * c
                // With logQ the block starts as -log q_j and the GEMM adds to it (beta 1):
                // no separate logQ pass. Without, the GEMM writes it (beta 0, which
                // oneDNN folds into its kernel; OpenBLAS zeroes first, as a memset would).
                if let lq {
                  for r in 0..<rows { for j in 0..<c { s[r * c + j] = -lq[j] - logDraws } }
                  if correctedLogQ { for r in 0..<rows { s[r * c + lo + r] = 0 } }
                }
                T.gemm(transA: false, transB: true, m: rows, n: c, k: d, alpha: invTau, a: uB.base + lo * d, lda: d,
                       b: vB.base, ldb: d, beta: lq == nil ? 0 : 1, c: s, ldc: c)
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
              }
              // dV[j0..<j1] += G[:, j0..<j1]ᵀ U: inner dimension B, each chunk its own rows of dV.
              let columnsPhase: @Sendable (Range<Int>) -> Void = { cols in
                T.gemm(transA: true, transB: false, m: cols.count, n: d, k: b, alpha: 1, a: gB.base + cols.lowerBound,
                       lda: c, b: uB.base, ldb: d, beta: 1, c: dvB.base + cols.lowerBound * d, ldc: d)
              }
              if workers == 1 {
                for blk in 0..<blocks { rowsPhase(blk, 0) }
                columnsPhase(0..<c)
              } else {
                BLAS.withThreads(1) {
                  Parallel.forEach(blocks, threads: workers, grain: 1, rowsPhase)
                  Parallel.forChunks(c, threads: workers, columnsPhase)
                }
              }
            }
          }
        }
      }
    }
    var total: T = 0
    for l in rowLoss { total += l }
    return total
  }
}
