import LinearAlgebra

/// The attention tower and the item tower's table in scalar type `T`, and
/// the loss of a batch of sequences with its gradients: one code path for
/// float32 training and the float64 reference the finite-difference tests
/// differentiate.
///
/// The item tower of the sequence model is its id table E (`items x d`):
/// the score of item i after a history is `<y, E_i> / tau` with y the
/// history's last state.
struct SequenceNetwork<T: TowerScalar> {
  var d: Int
  var itemCount: Int
  /// The item tower's table E, `itemCount x d`.
  var itemTable: [T]
  /// The history's own input table, when it does not read E.
  var historyTable: [T]?
  var encoder: SequenceEncoder<T>

  var inputTable: [T] { historyTable ?? itemTable }

  /// Tables uniform in `[-initScale, initScale]` (as the other towers), the encoder as ``SequenceEncoder/init(config:embeddingDim:initScale:rng:)``.
  init(items: Int, config: TwoTowerConfig) {
    let seq = config.sequence ?? SequenceTowerConfig()
    var rng = SeededGeneratorBox(seed: config.seed, stream: 100)
    d = config.embeddingDim
    itemCount = items
    let s = Double(config.initScale)
    itemTable = (0..<(items * d)).map { _ in T(s * (2 * rng.g.nextUnit() - 1)) }
    historyTable = seq.shareItemTable ? nil : (0..<(items * d)).map { _ in T(s * (2 * rng.g.nextUnit() - 1)) }
    encoder = SequenceEncoder(config: seq, embeddingDim: d, initScale: s, rng: &rng.g)
  }

  init(d: Int, itemCount: Int, itemTable: [T], historyTable: [T]?, encoder: SequenceEncoder<T>) {
    self.d = d; self.itemCount = itemCount; self.itemTable = itemTable; self.historyTable = historyTable; self.encoder = encoder
  }

  struct Gradients {
    var encoder: [[T]]
    var items: SparseRows<T>
    var history: SparseRows<T>?
  }

  func zeroGradients() -> Gradients {
    Gradients(encoder: encoder.zeros(), items: SparseRows(rows: itemCount, width: d),
              history: historyTable == nil ? nil : SparseRows(rows: itemCount, width: d))
  }

  typealias Terms = [(name: String, value: T)]

  /// The batch loss (sum of `terms`, each summed over the batch's
  /// positions) and its gradient into `grads`.
  ///
  /// The encoder runs over the packed batch (``SequenceEncoder/forward(_:table:dropout:threads:)``),
  /// then the configured loss on the states Y against E:
  /// - `softmax`: ``SampledSoftmax`` over the batch's next items (every
  ///   position's target is a column; plus `batch.extra` uniform items),
  ///   with optional logQ and accidental-hit removal;
  /// - `fullSoftmax`: ``FullSoftmax`` over all items;
  /// - `bce`: `-log σ(s⁺) - log(1 - σ(s⁻))` with one negative per position;
  /// plus the Gram term `lambda_g · rows · <Ĝ_Y, Ĝ_E>` (``GramTerm``; the
  /// states weighted 1, the target rows by `itemGramWeights`).
  func loss(_ batch: SequenceBatch, objective: SequenceObjective<T>, dropout: DropoutMasks?,
            into grads: inout Gradients) -> Terms {
    let n = batch.rows, d = d, threads = objective.threads
    let pass = encoder.forward(batch, table: inputTable, dropout: dropout, threads: threads)
    let y = pass.output
    var dY = [T](repeating: 0, count: n * d)
    var terms: Terms = []
    let invTau = 1 / objective.temperature
    switch objective.loss {
    case .softmax:
      let columns = batch.targets + batch.extra, c = columns.count
      let v = Self.gather(itemTable, rows: columns, d: d)
      var dV = [T](repeating: 0, count: c * d)
      let mask = objective.removeAccidentalHits || objective.correctedLogQ
      let value = SampledSoftmax.apply(
        u: y, v: v, rows: n, columns: c, dim: d, temperature: objective.temperature, logQ: objective.logQ,
        positives: mask ? batch.targets : nil, candidates: mask ? columns : nil,
        correctedLogQ: objective.correctedLogQ, threads: threads, dU: &dY, dV: &dV)
      Self.scatter(dV, rows: columns, d: d, into: &grads.items)
      terms.append(("softmax", value))
    case .fullSoftmax:
      // Every row of E gets a gradient: give the rows their slots in order,
      // so the sparse gradient's values are the dense I x d matrix.
      precondition(grads.items.rows.isEmpty, "the full softmax expects an empty item gradient")
      grads.items.touchAll()
      let value = FullSoftmax.apply(y: y, rows: n, table: itemTable, items: itemCount, dim: d, targets: batch.targets,
                                    temperature: objective.temperature, threads: threads, dY: &dY,
                                    dTable: &grads.items.values)
      terms.append(("full-softmax", value))
    case .bce:
      var value: T = 0
      for r in 0..<n {
        let p = Int(batch.targets[r]) * d, q = Int(batch.negatives[r]) * d
        var sp: T = 0, sn: T = 0
        for j in 0..<d { sp += y[r * d + j] * itemTable[p + j]; sn += y[r * d + j] * itemTable[q + j] }
        sp *= invTau; sn *= invTau
        value += Self.softplus(-sp) + Self.softplus(sn)
        let gp = (Self.sigmoid(sp) - 1) * invTau, gn = Self.sigmoid(sn) * invTau
        let sP = grads.items.slot(of: batch.targets[r]), sN = grads.items.slot(of: batch.negatives[r])
        grads.items.values.withUnsafeMutableBufferPointer { g in
          for j in 0..<d {
            dY[r * d + j] += gp * itemTable[p + j] + gn * itemTable[q + j]
            g[Int(sP) * d + j] += gp * y[r * d + j]
            g[Int(sN) * d + j] += gn * y[r * d + j]
          }
        }
      }
      terms.append(("bce", value))
    case .mse:
      preconditionFailure("mse is not a loss of the attention tower (TwoTowerConfig.validate refuses it)")
    }
    if objective.gramWeight > 0 {
      let vPos = Self.gather(itemTable, rows: batch.targets, d: d)
      let gu = GramTerm.gram(y, rows: n, dim: d, weights: nil)
      let gv = GramTerm.gram(vPos, rows: n, dim: d, weights: objective.itemGramWeights)
      let (eu, ev) = objective.gramEstimates(gu, gv)
      let lambda = objective.gramWeight
      var dV = [T](repeating: 0, count: n * d)
      GramTerm.addGradient(y, rows: n, dim: d, weights: nil, other: ev, scale: lambda, into: &dY)
      GramTerm.addGradient(vPos, rows: n, dim: d, weights: objective.itemGramWeights, other: eu, scale: lambda, into: &dV)
      Self.scatter(dV, rows: batch.targets, d: d, into: &grads.items)
      terms.append(("gram", lambda * T(n) * GramTerm.inner(eu, ev)))
    }
    let dEmbedding = encoder.backward(pass, dY, batch: batch, grads: &grads.encoder, threads: threads)
    if grads.history != nil {
      Self.scatter(dEmbedding, rows: batch.inputs, d: d, into: &grads.history!)
    } else {
      Self.scatter(dEmbedding, rows: batch.inputs, d: d, into: &grads.items)
    }
    return terms
  }

  /// The query vectors after each history (oldest first; the last
  /// `maxLength` items are read), `histories.count x d`, in batches of `chunk`.
  func queries(histories: [[Int32]], threads: Int, chunk: Int = 512) -> [T] {
    let window = encoder.maxLength
    var out: [T] = []
    out.reserveCapacity(histories.count * d)
    var lo = 0
    while lo < histories.count {
      let hi = min(histories.count, lo + chunk)
      var batch = SequenceBatch()
      for h in histories[lo..<hi] { batch.append(h.suffix(window), maxLength: window) }
      out += queries(batch, threads: threads)
      lo = hi
    }
    return out
  }

  /// The query vectors of `batch`'s sequences: each one's last state (inference, no dropout).
  func queries(_ batch: SequenceBatch, threads: Int) -> [T] {
    let pass = encoder.forward(batch, table: inputTable, dropout: nil, threads: threads)
    var out = [T](repeating: 0, count: batch.count * d)
    for s in 0..<batch.count where batch.length(s) > 0 {
      let r = batch.offsets[s + 1] - 1
      for j in 0..<d { out[s * d + j] = pass.output[r * d + j] }
    }
    return out
  }

  /// Rows `rows` of a `? x d` table, stacked.
  static func gather(_ table: [T], rows: [Int32], d: Int) -> [T] {
    var out = [T](repeating: 0, count: rows.count * d)
    for (r, i) in rows.enumerated() { for j in 0..<d { out[r * d + j] = table[Int(i) * d + j] } }
    return out
  }

  /// `grads[rows[r]] += dx[r]`, rows in order.
  static func scatter(_ dx: [T], rows: [Int32], d: Int, into grads: inout SparseRows<T>) {
    let slots = rows.map { grads.slot(of: $0) }
    grads.values.withUnsafeMutableBufferPointer { g in
      for (r, s) in slots.enumerated() { for j in 0..<d { g[Int(s) * d + j] += dx[r * d + j] } }
    }
  }

  @inline(__always) static func sigmoid(_ x: T) -> T { x >= 0 ? 1 / (1 + T.exp(-x)) : T.exp(x) / (1 + T.exp(x)) }
  /// log(1 + e^x), stable.
  @inline(__always) static func softplus(_ x: T) -> T { x > 0 ? x + T.log(1 + T.exp(-x)) : T.log(1 + T.exp(x)) }
}

/// The loss configuration of a sequence batch (generic in `T` for the float64 reference).
struct SequenceObjective<T: TowerScalar> {
  var loss: TwoTowerLoss = .softmax
  var temperature: T = 1
  /// `log q_j` per sampled-softmax column (targets, then extra), or nil.
  var logQ: [T]?
  var removeAccidentalHits = false
  /// ``LogQForm/corrected`` (masks accidental hits itself).
  var correctedLogQ = false
  var gramWeight: T = 0
  /// Importance weights of the target rows in the item Gram estimate.
  var itemGramWeights: [T]?
  var threads = 1
  var gramEstimates: ([T], [T]) -> ([T], [T]) = { ($0, $1) }
}
