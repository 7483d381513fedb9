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
  var streaming: StreamingFrequencyEstimator?
  /// Example e is the pair (exampleUsers[e], exampleItems[e]).
  let exampleUsers: [Int32]
  let exampleItems: [Int32]
  let userDegree: [Int]
  let itemDegree: [Int]
  /// `log(count_j / N)` (exact logQ).
  let logFrequency: [Float]
  /// The last `config.history` items of each user.
  let recent: [[Int32]]
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
    streaming = config.logQ == .streaming
      ? StreamingFrequencyEstimator(buckets: config.streamingBuckets, rate: config.streamingRate) : nil
    var users: [Int32] = []
    users.reserveCapacity(train.nnz)
    for u in 0..<train.userCount {
      users.append(contentsOf: repeatElement(Int32(u), count: train.userOffsets[u + 1] - train.userOffsets[u]))
    }
    exampleUsers = users
    exampleItems = train.userItems
    userDegree = train.userDegrees
    itemDegree = train.itemDegrees
    let n = Float(max(1, train.nnz))
    logFrequency = itemDegree.map { logf(max(Float($0), 0.5) / n) }
    if config.history > 0 {
      let lists = data.histories ?? (0..<train.userCount).map { Array(train.items(ofUser: $0)) }
      recent = lists.map { Array($0.suffix(config.history)) }
    } else {
      recent = []
    }
    grads = network.zeroGradients()
  }

  var exampleCount: Int { exampleUsers.count }

  /// Steps in an epoch: whole batches (plus the remainder unless dropped;
  /// one batch of everything when there are fewer examples than a batch).
  var stepsPerEpoch: Int {
    let n = exampleCount, b = config.batchSize
    if n == 0 { return 0 }
    if n < b { return 1 }
    return config.dropRemainder ? n / b : (n + b - 1) / b
  }

  // MARK: Inputs

  /// Appends user u's query inputs (id, features, history without `positive`).
  func addQuery(_ u: Int32, positive: Int32, to bags: inout EmbeddingBags<Float>) {
    let layout = network.layout
    if let t = layout.userId { bags.add(table: t, row: u, weight: 1) }
    if let t = layout.userFeatures, let f = data.userFeatures {
      let (vals, ws) = f.bag(Int(u))
      for (v, w) in zip(vals, ws) { bags.add(table: t, row: v, weight: w) }
    }
    if let t = layout.history {
      let h = recent[Int(u)]
      let kept = h.reduce(0) { $0 + ($1 == positive ? 0 : 1) }
      if kept > 0 {
        let w = 1 / Float(kept)
        for item in h where item != positive { bags.add(table: t, row: item, weight: w) }
      }
    }
    bags.close()
  }

  /// Appends item i's inputs (id, features).
  func addItem(_ i: Int32, to bags: inout EmbeddingBags<Float>) {
    bags.add(table: network.layout.itemId, row: i, weight: 1)
    if let t = network.layout.itemFeatures, let f = data.itemFeatures {
      let (vals, ws) = f.bag(Int(i))
      for (v, w) in zip(vals, ws) { bags.add(table: t, row: v, weight: w) }
    }
    bags.close()
  }

  /// The batch of examples `order[range]`, with `mixedNegatives` uniform items.
  mutating func makeBatch(_ examples: ArraySlice<Int>, rng: inout SeededGenerator) -> TowerBatch<Float> {
    var batch = TowerBatch<Float>()
    batch.reserve(examples: examples.count, candidates: examples.count + config.mixedNegatives)
    let n = Float(exampleCount)
    let users = Float(data.train.userCount), items = Float(data.train.itemCount)
    let gramWeights = config.gramWeight > 0, l2Weights = config.l2 > 0
    for e in examples {
      let u = exampleUsers[e], i = exampleItems[e]
      addQuery(u, positive: i, to: &batch.queries)
      addItem(i, to: &batch.candidates)
      batch.candidateItems.append(i)
      guard gramWeights || l2Weights else { continue }
      let du = Float(max(1, userDegree[Int(u)])), di = Float(max(1, itemDegree[Int(i)]))
      if gramWeights {
        batch.userGramWeights.append(n / (users * du))
        batch.itemGramWeights.append(n / (items * di))
      }
      if l2Weights {
        batch.userL2Weights.append(1 / du)
        batch.itemL2Weights.append(1 / di)
      }
    }
    for _ in 0..<config.mixedNegatives {
      let j = Int32(rng.next() % UInt64(data.train.itemCount))
      addItem(j, to: &batch.candidates)
      batch.candidateItems.append(j)
    }
    switch config.logQ {
    case .none: break
    case .exact: batch.logQ = batch.candidateItems.map { logFrequency[Int($0)] }
    case .streaming:
      streaming!.observe(batch.candidateItems.prefix(examples.count), step: step)
      batch.logQ = batch.candidateItems.map { logf(max(streaming!.probability($0), 1e-12)) }
    }
    return batch
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
        if users { addQuery(Int32(r), positive: -1, to: &bags) } else { addItem(Int32(r), to: &bags) }
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
    for t in 0..<network.tables.count {
      optimizer.update(table: t, &network.tables[t], grads.tables[t], lr: lr, scale: scale, threads: config.threads)
    }
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
    for l in 0..<grads.query.dW.count {
      for j in 0..<grads.query.dW[l].count { grads.query.dW[l][j] = 0 }
      for j in 0..<grads.query.db[l].count { grads.query.db[l][j] = 0 }
    }
    for l in 0..<grads.item.dW.count {
      for j in 0..<grads.item.dW[l].count { grads.item.dW[l][j] = 0 }
      for j in 0..<grads.item.db[l].count { grads.item.db[l][j] = 0 }
    }
  }

  /// The serving model of the current parameters.
  func model(userIds: IdMap, itemIds: IdMap) -> TwoTowerModel {
    let d = network.outputDim
    return TwoTowerModel(
      config: config,
      userEmbeddings: Matrix(rows: data.train.userCount, columns: d, storage: embedAll(users: true)),
      itemEmbeddings: Matrix(rows: data.train.itemCount, columns: d, storage: embedAll(users: false)),
      itemLogPrior: TwoTowerModel.logPrior(counts: itemDegree), userIds: userIds, itemIds: itemIds)
  }
}

#if canImport(Glibc)
import Glibc
#endif
