import LinearAlgebra

/// One training batch in tower inputs.
struct TowerBatch<T: TowerScalar> {
  /// B query examples.
  var queries = EmbeddingBags<T>()
  /// C = B + B' candidates: the B positives, then B' extra negatives.
  var candidates = EmbeddingBags<T>()
  /// Item id of each candidate (C).
  var candidateItems: [Int32] = []
  /// `log q_j` per candidate, for the logQ correction.
  var logQ: [T]?
  /// Gram importance weights `N / (|U| deg u_i)` and `N / (|I| deg i)` (B each; empty without a Gram term).
  var userGramWeights: [T] = []
  var itemGramWeights: [T] = []
  /// `1 / deg u_i` and `1 / deg i` (B each), for the L2 term (empty without one).
  var userL2Weights: [T] = []
  var itemL2Weights: [T] = []

  var rows: Int { queries.count }

  /// Reserves room for `examples` queries and `candidates` candidates of one entry each.
  mutating func reserve(examples: Int, candidates: Int) {
    queries.reserve(examples)
    self.candidates.reserve(candidates)
    candidateItems.reserveCapacity(candidates)
  }
}

/// The loss configuration the network evaluates (generic in `T` for the
/// float64 reference).
struct Objective<T: TowerScalar> {
  var loss: TwoTowerLoss = .softmax
  var temperature: T = 1
  var removeAccidentalHits = false
  /// ``LogQForm/corrected`` (masks accidental hits itself).
  var correctedLogQ = false
  var gramWeight: T = 0
  var l2: T = 0
  var threads = 1
  /// Maps the batch's Gram matrices `(Ĝ_u, Ĝ_v)` to the estimates the
  /// gradient uses (identity for the batch estimator).
  var gramEstimates: ([T], [T]) -> ([T], [T]) = { ($0, $1) }
}

extension TwoTowerNetwork {
  /// Each loss term's value, in order, for non-finite reports and logs.
  typealias Terms = [(name: String, value: T)]

  /// The batch loss (sum of `terms`) and its gradient into `grads`.
  ///
  /// Forward both towers, then the loss terms on the outputs U (`B x d`)
  /// and V (`C x d`), then back through both towers into the tables.
  /// - Complexity: softmax O(B·C·d) + towers O((B + C)·sum(in·out)) + Gram O(B·d²).
  func loss(_ batch: TowerBatch<T>, objective: Objective<T>, into grads: inout Gradients) -> Terms {
    let b = batch.rows, c = batch.candidates.count, d = outputDim
    let threads = objective.threads
    // The towers run side by side, each on half the workers (the query
    // tower on the larger half): one fork-join per pass and whole-batch
    // GEMMs, instead of every layer split by rows.
    let tq = threads - threads / 2, ti = max(1, threads / 2)
    let (qPass, iPass) = Parallel.both(threads: threads) { [self] in
      query.forward(batch.queries.gather(tables, width: embeddingDim, threads: tq), rows: b, threads: tq)
    } _: { [self] in
      item.forward(batch.candidates.gather(tables, width: embeddingDim, threads: ti), rows: c, threads: ti)
    }
    let u = qPass.output, v = iPass.output
    var dU = [T](repeating: 0, count: b * d)
    var dV = [T](repeating: 0, count: c * d)
    var terms: Terms = []
    switch objective.loss {
    case .softmax:
      let positives = Array(batch.candidateItems.prefix(b))
      let mask = objective.removeAccidentalHits || objective.correctedLogQ
      let value = SampledSoftmax.apply(
        u: u, v: v, rows: b, columns: c, dim: d, temperature: objective.temperature, logQ: batch.logQ,
        positives: mask ? positives : nil, candidates: mask ? batch.candidateItems : nil,
        correctedLogQ: objective.correctedLogQ, threads: objective.threads, dU: &dU, dV: &dV)
      terms.append(("softmax", value))
    case .mse:
      terms.append(("mse", PointwiseTerms.mse(u: u, v: Array(v.prefix(b * d)), rows: b, dim: d, dU: &dU, dV: &dV)))
    case .fullSoftmax, .bce:
      preconditionFailure("\(objective.loss.rawValue) is a loss of the attention tower (TwoTowerConfig.validate refuses it here)")
    }
    if objective.gramWeight > 0 {
      let vPos = Array(v.prefix(b * d))
      let gu = GramTerm.gram(u, rows: b, dim: d, weights: batch.userGramWeights)
      let gv = GramTerm.gram(vPos, rows: b, dim: d, weights: batch.itemGramWeights)
      let (eu, ev) = objective.gramEstimates(gu, gv)
      let lambda = objective.gramWeight
      GramTerm.addGradient(u, rows: b, dim: d, weights: batch.userGramWeights, other: ev, scale: lambda, into: &dU)
      GramTerm.addGradient(vPos, rows: b, dim: d, weights: batch.itemGramWeights, other: eu, scale: lambda, into: &dV)
      terms.append(("gram", lambda * T(b) * GramTerm.inner(eu, ev)))
    }
    if objective.l2 > 0 {
      var value = PointwiseTerms.l2(u, rows: b, dim: d, weights: batch.userL2Weights, lambda: objective.l2, dx: &dU)
      value += PointwiseTerms.l2(v, rows: b, dim: d, weights: batch.itemL2Weights, lambda: objective.l2, dx: &dV)
      terms.append(("l2", value))
    }
    // Each tower's gradients move into a box for the workers (swapped, so
    // the box holds the only reference and nothing is copied), and back after.
    let queryGrads = SendableBox(DenseStack<T>.Gradients(dW: [], db: []))
    let itemGrads = SendableBox(DenseStack<T>.Gradients(dW: [], db: []))
    swap(&queryGrads.value, &grads.query)
    swap(&itemGrads.value, &grads.item)
    // When the towers share no embedding table, each side also scatters
    // into its own tables while the other does: the table gradients are
    // split into two arrays (the other side's entries empty) and joined after.
    let itemTables = layout.itemTables, disjoint = layout.towersShareNoTable
    let queryRows = SendableBox<[SparseRows<T>]>([]), itemRows = SendableBox<[SparseRows<T>]>([])
    if disjoint {
      swap(&queryRows.value, &grads.tables)
      itemRows.value = queryRows.value.map { _ in SparseRows<T>(rows: 0, width: embeddingDim) }
      for t in itemTables { swap(&queryRows.value[t], &itemRows.value[t]) }
    }
    let (dQueryIn, dItemIn) = Parallel.both(threads: threads) { [self, dU] in
      let dx = query.backward(qPass, dU, into: &queryGrads.value, threads: tq)
      if disjoint { batch.queries.scatter(dx, width: embeddingDim, into: &queryRows.value, threads: tq) }
      return dx
    } _: { [self, dV] in
      let dx = item.backward(iPass, dV, into: &itemGrads.value, threads: ti)
      if disjoint { batch.candidates.scatter(dx, width: embeddingDim, into: &itemRows.value, threads: ti) }
      return dx
    }
    swap(&grads.query, &queryGrads.value)
    swap(&grads.item, &itemGrads.value)
    if disjoint {
      for t in itemTables { swap(&queryRows.value[t], &itemRows.value[t]) }
      swap(&grads.tables, &queryRows.value)
    } else {
      batch.queries.scatter(dQueryIn, width: embeddingDim, into: &grads.tables, threads: threads)
      batch.candidates.scatter(dItemIn, width: embeddingDim, into: &grads.tables, threads: threads)
    }
    return terms
  }
}
