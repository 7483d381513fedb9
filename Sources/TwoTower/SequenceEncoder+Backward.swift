import LinearAlgebra

extension SequenceEncoder {
  /// Back-propagates `dOutput` (`rows x d`, the gradient of the sequence
  /// states) through the tower: accumulates into `grads` (``params``
  /// order) and returns the gradient of each row's history-item
  /// embedding (`rows x d`, for the caller to add to the table rows
  /// `batch.inputs`).
  func backward(_ pass: Pass, _ dOutput: [T], batch: SequenceBatch, grads: inout [[T]], threads: Int) -> [T] {
    let n = pass.rows
    var dx = [T](repeating: 0, count: n * d)
    SequenceOps.layerNormBackward(dOutput, xhat: pass.xhatF, rstd: pass.rstdF, rows: n, d: d, gamma: params[1],
                                  dx: &dx, grads: &grads, gammaIndex: 1, betaIndex: 2, threads: threads)
    var b = blockCount - 1
    while b >= 0 {
      dx = backwardBlock(b, pass.blocks[b], dx, batch: batch, offsets: pass.attentionOffsets, grads: &grads, threads: threads)
      b -= 1
    }
    if let m = pass.drop0 { SequenceOps.multiply(&dx, m) }
    // Positions: dP[t] += dx[r] for rows at position t (rows in order).
    for r in 0..<n {
      let p = Int(batch.positions[r])
      for j in 0..<d { grads[0][p * d + j] += dx[r * d + j] }
    }
    let scale = embeddingScale
    for j in 0..<(n * d) { dx[j] *= scale }
    return dx
  }

  /// Block b's backward from the gradient of its output; returns the
  /// gradient of its input.
  private func backwardBlock(_ b: Int, _ pass: BlockPass, _ dOut: [T], batch: SequenceBatch, offsets: [Int],
                             grads: inout [[T]], threads: Int) -> [T] {
    let n = batch.rows
    // Feed-forward: x2 = x1 + dropF ∘ (h W2 + b2), h = dropH ∘ act(c W1 + b1), c = LN2(x1).
    var df = dOut
    if let m = pass.dropF { SequenceOps.multiply(&df, m) }
    var dh = [T](repeating: 0, count: n * inner)
    SequenceOps.linearBackward(pass.h, df, rows: n, params[index(b, .w2)], fanIn: inner, fanOut: d,
                               grads: &grads, weight: index(b, .w2), bias: index(b, .b2), dx: &dh, threads: threads)
    if let m = pass.dropH { SequenceOps.multiply(&dh, m) }
    SequenceOps.activationBackward(&dh, pre: pass.h1, activation)
    var dc = [T](repeating: 0, count: n * d)
    SequenceOps.linearBackward(pass.c, dh, rows: n, params[index(b, .w1)], fanIn: d, fanOut: inner,
                               grads: &grads, weight: index(b, .w1), bias: index(b, .b1), dx: &dc, threads: threads)
    var dx1 = dOut
    let sasrec = layout == .sasrec
    if sasrec {
      for j in 0..<(n * d) { dx1[j] += dc[j] }
    } else {
      SequenceOps.layerNormBackward(dc, xhat: pass.xhat2, rstd: pass.rstd2, rows: n, d: d, gamma: params[index(b, .ln2Gamma)],
                                    dx: &dx1, grads: &grads, gammaIndex: index(b, .ln2Gamma), betaIndex: index(b, .ln2Beta),
                                    threads: threads)
    }
    // Attention: x1 = x + O W_O + b_O (pre-LN), or x1 = a + O (SASRec).
    var dO: [T]
    if sasrec {
      dO = dx1
    } else {
      dO = [T](repeating: 0, count: n * d)
      SequenceOps.linearBackward(pass.o, dx1, rows: n, params[index(b, .wo)], fanIn: d, fanOut: d,
                                 grads: &grads, weight: index(b, .wo), bias: index(b, .bo), dx: &dO, threads: threads)
    }
    var dq = [T](repeating: 0, count: n * d), dk = dq, dv = dq
    attendBackward(batch: batch, offsets: offsets, pass: pass, dO: dO, dq: &dq, dk: &dk, dv: &dv, threads: threads)
    // Gradients of a = LN(x) and, for SASRec's keys and values, of the raw x.
    var da = sasrec ? dx1 : [T](repeating: 0, count: n * d)
    var dx = sasrec ? [T](repeating: 0, count: n * d) : dx1
    SequenceOps.linearBackward(pass.a, dq, rows: n, params[index(b, .wq)], fanIn: d, fanOut: d,
                               grads: &grads, weight: index(b, .wq), bias: index(b, .bq), dx: &da, threads: threads)
    for (dy, w, bias) in [(dk, Slot.wk, Slot.bk), (dv, .wv, .bv)] {
      if sasrec {
        SequenceOps.linearBackward(pass.input, dy, rows: n, params[index(b, w)], fanIn: d, fanOut: d,
                                   grads: &grads, weight: index(b, w), bias: index(b, bias), dx: &dx, threads: threads)
      } else {
        SequenceOps.linearBackward(pass.a, dy, rows: n, params[index(b, w)], fanIn: d, fanOut: d,
                                   grads: &grads, weight: index(b, w), bias: index(b, bias), dx: &da, threads: threads)
      }
    }
    SequenceOps.layerNormBackward(da, xhat: pass.xhat1, rstd: pass.rstd1, rows: n, d: d, gamma: params[index(b, .ln1Gamma)],
                                  dx: &dx, grads: &grads, gammaIndex: index(b, .ln1Gamma), betaIndex: index(b, .ln1Beta),
                                  threads: threads)
    return dx
  }

  /// The backward of causal attention per sequence and head, with
  /// `W = A ∘ mask`: `dV = Wᵀ dO`, `dA = (dO Vᵀ) ∘ mask`, `dS` by the
  /// softmax backward, `dQ = dS K / sqrt(d_h)`, `dK = dSᵀ Q / sqrt(d_h)`.
  private func attendBackward(batch: SequenceBatch, offsets: [Int], pass: BlockPass, dO: [T], dq: inout [T],
                              dk: inout [T], dv: inout [T], threads: Int) {
    let d = d, heads = heads, dh = headDim, alpha = 1 / T(Double(dh).squareRoot())
    let maxN = (0..<batch.count).map(batch.length).max() ?? 0
    let workers = max(1, min(threads, batch.count))
    var scratch = [T](repeating: 0, count: workers * 2 * maxN * maxN)
    pass.q.withUnsafeBufferPointer { qp in
      pass.k.withUnsafeBufferPointer { kp in
        pass.v.withUnsafeBufferPointer { vp in
          pass.probs.withUnsafeBufferPointer { pp in
            dO.withUnsafeBufferPointer { gp in
              dq.withUnsafeMutableBufferPointer { dqp in
                dk.withUnsafeMutableBufferPointer { dkp in
                  dv.withUnsafeMutableBufferPointer { dvp in
                    scratch.withUnsafeMutableBufferPointer { sp in
                      let qB = SendableConstPointer(qp.baseAddress!), kB = SendableConstPointer(kp.baseAddress!)
                      let vB = SendableConstPointer(vp.baseAddress!), pB = SendableConstPointer(pp.baseAddress!)
                      let gB = SendableConstPointer(gp.baseAddress!), dqB = SendablePointer(dqp.baseAddress!)
                      let dkB = SendablePointer(dkp.baseAddress!), dvB = SendablePointer(dvp.baseAddress!)
                      let sB = SendablePointer(sp.baseAddress!)
                      let mask = pass.dropA, offs = offsets, rowOffsets = batch.offsets
                      let body: @Sendable (Int, Int) -> Void = { s, w in
                        let lo = rowOffsets[s], len = rowOffsets[s + 1] - lo
                        guard len > 0 else { return }
                        let g = sB.base + w * 2 * maxN * maxN, wts = g + maxN * maxN
                        for h in 0..<heads {
                          let a = pB.base + offs[s] + h * len * len, m0 = offs[s] + h * len * len
                          var weights = a
                          if let mask {
                            for e in 0..<(len * len) { wts[e] = a[e] * mask[m0 + e] }
                            weights = UnsafePointer(wts)
                          }
                          let col = lo * d + h * dh
                          T.gemm(transA: true, transB: false, m: len, n: dh, k: len, alpha: 1, a: weights, lda: len,
                                 b: gB.base + col, ldb: d, beta: 0, c: dvB.base + col, ldc: d)
                          T.gemm(transA: false, transB: true, m: len, n: len, k: dh, alpha: 1, a: gB.base + col, lda: d,
                                 b: vB.base + col, ldb: d, beta: 0, c: g, ldc: len)
                          if let mask { for e in 0..<(len * len) { g[e] *= mask[m0 + e] } }
                          T.causalSoftmaxBackward(n: len, a, lda: len, g, ldg: len)
                          T.gemm(transA: false, transB: false, m: len, n: dh, k: len, alpha: alpha, a: g, lda: len,
                                 b: kB.base + col, ldb: d, beta: 0, c: dqB.base + col, ldc: d)
                          T.gemm(transA: true, transB: false, m: len, n: dh, k: len, alpha: alpha, a: g, lda: len,
                                 b: qB.base + col, ldb: d, beta: 0, c: dkB.base + col, ldc: d)
                        }
                      }
                      Self.forEachSequence(batch.count, workers: workers, body)
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}
