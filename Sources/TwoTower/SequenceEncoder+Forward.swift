import LinearAlgebra

extension SequenceEncoder {
  /// What one block keeps for the backward pass (all `rows x d` unless noted).
  struct BlockPass {
    var input: [T]
    var xhat1: [T], rstd1: [T], a: [T]
    var q: [T], k: [T], v: [T]
    /// The causal softmax per sequence and head (``Pass/attentionOffsets``), and its dropout mask.
    var probs: [T]
    var dropA: [T]?
    /// The heads' outputs side by side, before W_O.
    var o: [T]
    var x1: [T]
    var xhat2: [T], rstd2: [T], c: [T]
    /// Feed-forward pre-activation and activation (after dropout), `rows x inner`.
    var h1: [T], h: [T]
    var dropH: [T]?
    var dropF: [T]?
  }

  /// A forward pass over a packed batch.
  struct Pass {
    var rows: Int
    /// Start of sequence s's attention blocks (`heads` blocks of `n_s x n_s`) in each ``BlockPass/probs``.
    var attentionOffsets: [Int]
    var drop0: [T]?
    var blocks: [BlockPass]
    var xhatF: [T], rstdF: [T]
    /// The sequence states, `rows x d` (the final LayerNorm's output).
    var output: [T]
  }

  /// SASRec's scale of the item embeddings, sqrt(d).
  var embeddingScale: T { T(Double(d).squareRoot()) }

  /// Runs the tower over `batch`, reading history items from `table`
  /// (`items x d`). With `dropout`, masks are drawn (training); without,
  /// the pass is the deterministic inference pass.
  /// - Complexity: O(rows · (4d² + 2d·inner) · blocks + sum_s n_s² · d · blocks).
  func forward(_ batch: SequenceBatch, table: [T], dropout: DropoutMasks?, threads: Int) -> Pass {
    let n = batch.rows, scale = embeddingScale
    var x = [T](repeating: 0, count: n * d)
    let pos = params[0]
    for r in 0..<n {
      let item = Int(batch.inputs[r]), p = Int(batch.positions[r])
      for j in 0..<d { x[r * d + j] = table[item * d + j] * scale + pos[p * d + j] }
    }
    let drop = dropout?.active == true ? dropout : nil
    var drop0: [T]? = nil
    if let drop {
      drop0 = drop.mask(site: 1, count: n * d, threads: threads)
      SequenceOps.multiply(&x, drop0!)
    }
    var offsets = [0]
    for s in 0..<batch.count { offsets.append(offsets[s] + heads * batch.length(s) * batch.length(s)) }
    var blocks: [BlockPass] = []
    for b in 0..<blockCount {
      let pass = forwardBlock(b, x, batch: batch, attentionOffsets: offsets, dropout: drop, threads: threads)
      var out = pass.x1
      // x2 = x1 + dropout(f): the block's output.
      let f = SequenceOps.linear(pass.h, rows: n, params[index(b, .w2)], params[index(b, .b2)], fanIn: inner, fanOut: d,
                                 threads: threads)
      if let m = pass.dropF { for j in 0..<(n * d) { out[j] += f[j] * m[j] } } else {
        for j in 0..<(n * d) { out[j] += f[j] }
      }
      blocks.append(pass)
      x = out
    }
    let (y, xhatF, rstdF) = SequenceOps.layerNorm(x, rows: n, d: d, gamma: params[1], beta: params[2], epsilon: epsilon,
                                                  threads: threads)
    return Pass(rows: n, attentionOffsets: offsets, drop0: drop0, blocks: blocks, xhatF: xhatF, rstdF: rstdF, output: y)
  }

  /// Block b up to the feed-forward's hidden activation (its output GEMM
  /// is left to the caller, which adds it to the residual).
  private func forwardBlock(_ b: Int, _ x: [T], batch: SequenceBatch, attentionOffsets: [Int], dropout: DropoutMasks?,
                            threads: Int) -> BlockPass {
    let n = batch.rows
    let (a, xhat1, rstd1) = SequenceOps.layerNorm(x, rows: n, d: d, gamma: params[index(b, .ln1Gamma)],
                                                  beta: params[index(b, .ln1Beta)], epsilon: epsilon, threads: threads)
    let sasrec = layout == .sasrec
    // SASRec: keys and values from the raw input, queries from the normalised one.
    let kv = sasrec ? x : a
    let q = SequenceOps.linear(a, rows: n, params[index(b, .wq)], params[index(b, .bq)], fanIn: d, fanOut: d, threads: threads)
    let k = SequenceOps.linear(kv, rows: n, params[index(b, .wk)], params[index(b, .bk)], fanIn: d, fanOut: d, threads: threads)
    let v = SequenceOps.linear(kv, rows: n, params[index(b, .wv)], params[index(b, .bv)], fanIn: d, fanOut: d, threads: threads)
    let site = UInt64(16 + 8 * b)
    let total = attentionOffsets.last!
    let dropA: [T]? = dropout.map { $0.mask(site: site, count: total, threads: threads) }
    var probs = [T](repeating: 0, count: total)
    var o = [T](repeating: 0, count: n * d)
    attend(batch: batch, offsets: attentionOffsets, q: q, k: k, v: v, dropA: dropA, probs: &probs, o: &o, threads: threads)
    var x1: [T], c: [T], xhat2: [T] = [], rstd2: [T] = []
    if sasrec {
      // x1 = LN(x) + O (no output projection); the feed-forward reads x1 itself.
      x1 = a
      for j in 0..<(n * d) { x1[j] += o[j] }
      c = x1
    } else {
      x1 = SequenceOps.linear(o, rows: n, params[index(b, .wo)], params[index(b, .bo)], fanIn: d, fanOut: d, threads: threads)
      for j in 0..<(n * d) { x1[j] += x[j] }
      (c, xhat2, rstd2) = SequenceOps.layerNorm(x1, rows: n, d: d, gamma: params[index(b, .ln2Gamma)],
                                                beta: params[index(b, .ln2Beta)], epsilon: epsilon, threads: threads)
    }
    let h1 = SequenceOps.linear(c, rows: n, params[index(b, .w1)], params[index(b, .b1)], fanIn: d, fanOut: inner, threads: threads)
    var h = h1
    SequenceOps.activate(&h, activation)
    var dropH: [T]? = nil, dropF: [T]? = nil
    if let dropout {
      dropH = dropout.mask(site: site + 1, count: n * inner, threads: threads)
      SequenceOps.multiply(&h, dropH!)
      dropF = dropout.mask(site: site + 2, count: n * d, threads: threads)
    }
    return BlockPass(input: x, xhat1: xhat1, rstd1: rstd1, a: a, q: q, k: k, v: v, probs: probs, dropA: dropA, o: o,
                     x1: x1, xhat2: xhat2, rstd2: rstd2, c: c, h1: h1, h: h, dropH: dropH, dropF: dropF)
  }

  /// Runs `body(sequence, worker)` for every sequence, dealt to `workers`
  /// (OpenBLAS at one thread inside them), or inline with one worker.
  static func forEachSequence(_ count: Int, workers: Int, _ body: @Sendable (Int, Int) -> Void) {
    if workers == 1 {
      for s in 0..<count { body(s, 0) }
    } else {
      BLAS.withThreads(1) { Parallel.forEach(count, threads: workers, grain: 4, body) }
    }
  }

  /// Causal attention of every sequence and head: `A = causal softmax(Q Kᵀ / sqrt(d_h))`,
  /// `O = (A ∘ mask) V`. Sequences are dealt to the workers (each writes its own rows).
  private func attend(batch: SequenceBatch, offsets: [Int], q: [T], k: [T], v: [T], dropA: [T]?,
                      probs: inout [T], o: inout [T], threads: Int) {
    let d = d, heads = heads, dh = headDim, alpha = 1 / T(Double(dh).squareRoot())
    let maxN = (0..<batch.count).map(batch.length).max() ?? 0
    let workers = max(1, min(threads, batch.count))
    var scratch = [T](repeating: 0, count: workers * maxN * maxN)
    q.withUnsafeBufferPointer { qp in
      k.withUnsafeBufferPointer { kp in
        v.withUnsafeBufferPointer { vp in
          probs.withUnsafeMutableBufferPointer { pp in
            o.withUnsafeMutableBufferPointer { op in
              scratch.withUnsafeMutableBufferPointer { sp in
                let qB = SendableConstPointer(qp.baseAddress!), kB = SendableConstPointer(kp.baseAddress!)
                let vB = SendableConstPointer(vp.baseAddress!), pB = SendablePointer(pp.baseAddress!)
                let oB = SendablePointer(op.baseAddress!), sB = SendablePointer(sp.baseAddress!)
                let mask = dropA, offs = offsets, rowOffsets = batch.offsets
                let body: @Sendable (Int, Int) -> Void = { s, w in
                  let lo = rowOffsets[s], len = rowOffsets[s + 1] - lo
                  guard len > 0 else { return }
                  for h in 0..<heads {
                    let a = pB.base + offs[s] + h * len * len
                    T.gemm(transA: false, transB: true, m: len, n: len, k: dh, alpha: alpha, a: qB.base + lo * d + h * dh,
                           lda: d, b: kB.base + lo * d + h * dh, ldb: d, beta: 0, c: a, ldc: len)
                    T.causalSoftmax(n: len, a, ld: len)
                    var weights = UnsafePointer(a)
                    if let mask {
                      let tmp = sB.base + w * maxN * maxN, m0 = offs[s] + h * len * len
                      for e in 0..<(len * len) { tmp[e] = a[e] * mask[m0 + e] }
                      weights = UnsafePointer(tmp)
                    }
                    T.gemm(transA: false, transB: false, m: len, n: dh, k: len, alpha: 1, a: weights, lda: len,
                           b: vB.base + lo * d + h * dh, ldb: d, beta: 0, c: oB.base + lo * d + h * dh, ldc: d)
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
