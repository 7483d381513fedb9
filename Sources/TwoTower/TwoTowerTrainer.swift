import InteractionData
import LinearAlgebra

/// The mutable state of a training run: float32 network, optimizer, Gram
/// and frequency estimators, and the example order. Used by
/// ``TwoTowerModel/fit(_:userIds:itemIds:config:callbacks:)``.
struct TwoTowerTrainer {
  let config: TwoTowerConfig
  let data: TwoTowerData
  var network: TwoTowerNetwork<Float>
  var optimizer: Optimizer
  var gram: GramEstimate
  /// Builds batches; a class so the next batch can be assembled while one trains.
  let batches: BatchAssembler
  var grads: TwoTowerNetwork<Float>.Gradients
  var step = 0
  var totalSteps = 0

  init(data: TwoTowerData, config: TwoTowerConfig) {
    self.config = config
    self.data = data
    let train = data.train
    let layout = TableLayout(users: train.userCount, items: train.itemCount,
                             userFeatureValues: data.userFeatures.map { $0.vocabulary.count },
                             itemFeatureValues: data.itemFeatures.map { $0.vocabulary.count }, config: config)
    network = TwoTowerNetwork(layout: layout, config: config)
    var sizes = network.tables.map(\.count)
    for stack in [network.query, network.item] {
      for l in 0..<stack.layerCount { sizes.append(stack.weights[l].count); sizes.append(stack.biases[l].count) }
    }
    optimizer = Optimizer(sizes: sizes, config: config)
    gram = GramEstimate(mode: config.gramEstimator, rate: config.sogramRate)
    batches = BatchAssembler(data: data, layout: layout, config: config)
    grads = network.zeroGradients()
  }

  var exampleCount: Int { batches.exampleUsers.count }

  /// Steps in an epoch: whole batches (plus the remainder unless dropped;
  /// one batch of everything when there are fewer examples than a batch).
  var stepsPerEpoch: Int {
    let n = exampleCount, b = config.batchSize
    if n == 0 { return 0 }
    if n < b { return 1 }
    return config.dropRemainder ? n / b : (n + b - 1) / b
  }

  // MARK: Inputs

  /// The batch of examples `order[range]` (see ``BatchAssembler/makeBatch(_:step:rng:)``).
  func makeBatch(_ examples: ArraySlice<Int>, rng: inout SeededGenerator) -> TowerBatch<Float> {
    batches.makeBatch(examples, step: step, rng: &rng)
  }

  // MARK: Exact Gram

  /// Tower outputs of all users (full histories) or all items, in chunks.
  func embedAll(users: Bool, chunk: Int = 4096) -> [Float] {
    let count = users ? data.train.userCount : data.train.itemCount
    var out: [Float] = []
    out.reserveCapacity(count * network.outputDim)
    var lo = 0
    while lo < count {
      let hi = min(count, lo + chunk)
      var bags = EmbeddingBags<Float>()
      for r in lo..<hi {
        if users { batches.addQuery(Int32(r), positive: -1, to: &bags) } else { batches.addItem(Int32(r), to: &bags) }
      }
      out.append(contentsOf: network.embed(bags, tower: users ? network.query : network.item, threads: config.threads))
      lo = hi
    }
    return out
  }

  /// Sets the exact estimator's `G_u`, `G_v` from all current outputs. O((|U|+|I|)·(tower + d²)).
  mutating func refreshExactGram() {
    let d = network.outputDim
    gram.user = GramTerm.gram(embedAll(users: true), rows: data.train.userCount, dim: d, weights: nil)
    gram.item = GramTerm.gram(embedAll(users: false), rows: data.train.itemCount, dim: d, weights: nil)
  }

  // MARK: Step

  /// One optimisation step on `batch`; returns the batch loss terms.
  /// - Throws: ``TwoTowerError/nonFinite(step:epoch:term:)`` naming the
  ///   first non-finite term, or "gradient" when a gradient is.
  mutating func train(_ batch: TowerBatch<Float>, epoch: Int) throws(TwoTowerError) -> TwoTowerNetwork<Float>.Terms {
    var objective = Objective<Float>()
    objective.loss = config.loss
    objective.temperature = config.temperature
    objective.removeAccidentalHits = config.removeAccidentalHits
    objective.correctedLogQ = config.isCorrectedLogQ
    objective.gramWeight = config.gramWeight
    objective.l2 = config.l2
    objective.threads = config.threads
    var estimate = gram
    objective.gramEstimates = { bu, bi in estimate.step(batchUser: bu, batchItem: bi) }
    let terms = network.loss(batch, objective: objective, into: &grads)
    gram = estimate
    for t in terms where !t.value.isFinite { throw .nonFinite(step: step, epoch: epoch, term: "\(t.name) loss") }
    var scale: Float = 1
    if config.clipNorm > 0 {
      let norm = gradientNorm()
      guard norm.isFinite else { throw .nonFinite(step: step, epoch: epoch, term: "gradient") }
      if norm > config.clipNorm { scale = config.clipNorm / norm }
    } else {
      guard gradientsAreFinite() else { throw .nonFinite(step: step, epoch: epoch, term: "gradient") }
    }
    let lr = Optimizer.learningRate(step: step, total: totalSteps, config: config)
    optimizer.step = step
    optimizer.update(tables: &network.tables, grads.tables, lr: lr, scale: scale, threads: config.threads)
    var p = network.tables.count
    for l in 0..<network.query.layerCount {
      optimizer.update(dense: p, &network.query.weights[l], grads.query.dW[l], lr: lr, scale: scale)
      optimizer.update(dense: p + 1, &network.query.biases[l], grads.query.db[l], lr: lr, scale: scale)
      p += 2
    }
    for l in 0..<network.item.layerCount {
      optimizer.update(dense: p, &network.item.weights[l], grads.item.dW[l], lr: lr, scale: scale)
      optimizer.update(dense: p + 1, &network.item.biases[l], grads.item.db[l], lr: lr, scale: scale)
      p += 2
    }
    resetGradients()
    return terms
  }

  /// sqrt of the sum of squares of every gradient entry.
  func gradientNorm() -> Float {
    var s: Double = 0
    for t in grads.tables { for g in t.values { s += Double(g * g) } }
    for part in [grads.query, grads.item] {
      for a in part.dW { for g in a { s += Double(g * g) } }
      for a in part.db { for g in a { s += Double(g * g) } }
    }
    return Float(s.squareRoot())
  }

  /// True when no gradient entry is NaN or infinite (one vectorised pass,
  /// instead of the norm when there is no clipping).
  func gradientsAreFinite() -> Bool {
    func finite(_ a: [Float]) -> Bool {
      a.isEmpty || a.withUnsafeBufferPointer { OptimizerKernels.allFinite($0.baseAddress!, count: $0.count) }
    }
    for t in grads.tables where !finite(t.values) { return false }
    for part in [grads.query, grads.item] {
      for a in part.dW where !finite(a) { return false }
      for a in part.db where !finite(a) { return false }
    }
    return true
  }

  mutating func resetGradients() {
    for t in 0..<grads.tables.count { grads.tables[t].reset() }
    Self.zero(&grads.query.dW); Self.zero(&grads.query.db)
    Self.zero(&grads.item.dW); Self.zero(&grads.item.db)
  }

  private static func zero(_ arrays: inout [[Float]]) {
    for a in arrays.indices { arrays[a].withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
  }

  /// The serving model of the current parameters.
  func model(userIds: IdMap, itemIds: IdMap) -> TwoTowerModel {
    let d = network.outputDim
    return TwoTowerModel(
      config: config,
      userEmbeddings: Matrix(rows: data.train.userCount, columns: d, storage: embedAll(users: true)),
      itemEmbeddings: Matrix(rows: data.train.itemCount, columns: d, storage: embedAll(users: false)),
      itemLogPrior: TwoTowerModel.logPrior(counts: batches.itemDegree), userIds: userIds, itemIds: itemIds)
  }
}

#if canImport(Glibc)
import Glibc
#endif
