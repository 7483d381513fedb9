import LinearAlgebra

#if canImport(Glibc)
import Glibc
#endif

/// The mutable state of an attention-tower training run: the float32
/// network, the optimiser, the Gram and frequency estimators, and the
/// users that have something to train on. Used by
/// ``TwoTowerModel/fitSequences(_:userIds:itemIds:config:options:callbacks:)``.
struct SequenceTrainer {
  let config: TwoTowerConfig
  let sequence: SequenceTowerConfig
  let split: LeaveOneOutSplit
  var network: SequenceNetwork<Float>
  var optimizer: Optimizer
  var gram: GramEstimate
  var streaming: StreamingFrequencyEstimator?
  var grads: SequenceNetwork<Float>.Gradients
  /// Users with at least two training items (one position).
  let examples: [Int32]
  /// Each user's distinct training items, sorted (the BCE negatives avoid them).
  let trainSets: [[Int32]]
  /// Training positions per target item, and their total.
  let targetCounts: [Int]
  let positions: Int
  let logFrequency: [Float]
  var step = 0
  var totalSteps = 0

  init(split: LeaveOneOutSplit, config: TwoTowerConfig) {
    self.config = config
    sequence = config.sequence ?? SequenceTowerConfig()
    self.split = split
    network = SequenceNetwork(items: split.itemCount, config: config)
    var sizes = [network.itemTable.count]
    if let h = network.historyTable { sizes.append(h.count) }
    sizes += network.encoder.params.map(\.count)
    optimizer = Optimizer(sizes: sizes, config: config)
    gram = GramEstimate(mode: config.gramEstimator, rate: config.sogramRate)
    streaming = config.logQ == .streaming
      ? StreamingFrequencyEstimator(buckets: config.streamingBuckets, rate: config.streamingRate) : nil
    grads = network.zeroGradients()
    examples = (0..<split.userCount).filter { split.train[$0].count >= 2 }.map { Int32($0) }
    trainSets = split.train.map { Array(Set($0)).sorted() }
    var counts = [Int](repeating: 0, count: split.itemCount)
    var total = 0
    let window = sequence.maxLength
    for s in split.train where s.count >= 2 {
      for t in s[max(1, s.count - window)...] { counts[Int(t)] += 1; total += 1 }
    }
    targetCounts = counts
    positions = total
    let n = Float(max(1, total))
    logFrequency = counts.map { logf(max(Float($0), 0.5) / n) }
  }

  /// Steps in an epoch over ``examples``.
  var stepsPerEpoch: Int {
    let n = examples.count, b = config.batchSize
    if n == 0 { return 0 }
    if n < b { return 1 }
    return config.dropRemainder ? n / b : (n + b - 1) / b
  }

  /// The training batch of users `users`: each one's last `maxLength`
  /// transitions (history item -> next item), plus the sampled items.
  func makeBatch(_ users: ArraySlice<Int32>, rng: inout SeededGenerator) -> SequenceBatch {
    var b = SequenceBatch()
    let window = sequence.maxLength, items = split.itemCount
    for u in users {
      let s = split.train[Int(u)], n = s.count
      let lo = max(0, n - 1 - window)
      b.append(s[lo..<(n - 1)], maxLength: window)
      b.targets += s[(lo + 1)..<n]
    }
    if config.loss == .bce {
      b.negatives.reserveCapacity(b.rows)
      for (si, u) in users.enumerated() {
        let seen = trainSets[Int(u)]
        for _ in 0..<b.length(si) {
          var item = Int32(rng.next() % UInt64(items))
          // An item the user has not trained on (SASRec's sampler); a user
          // who has seen (nearly) everything keeps the last draw.
          var tries = 0
          while tries < 64 && Self.contains(seen, item) {
            item = Int32(rng.next() % UInt64(items))
            tries += 1
          }
          b.negatives.append(item)
        }
      }
    }
    if config.loss == .softmax && config.mixedNegatives > 0 {
      b.extra = (0..<config.mixedNegatives).map { _ in Int32(rng.next() % UInt64(items)) }
    }
    return b
  }

  static func contains(_ sorted: [Int32], _ x: Int32) -> Bool {
    var lo = 0, hi = sorted.count
    while lo < hi {
      let mid = (lo + hi) / 2
      if sorted[mid] < x { lo = mid + 1 } else { hi = mid }
    }
    return lo < sorted.count && sorted[lo] == x
  }

  /// One optimisation step; returns the batch's loss terms.
  mutating func train(_ batch: SequenceBatch, epoch: Int) throws(TwoTowerError) -> SequenceNetwork<Float>.Terms {
    var objective = SequenceObjective<Float>()
    objective.loss = config.loss
    objective.temperature = config.temperature
    objective.removeAccidentalHits = config.removeAccidentalHits
    objective.correctedLogQ = config.isCorrectedLogQ
    objective.threads = config.threads
    let columns = batch.targets + batch.extra
    switch config.logQ {
    case .none: break
    case .exact: objective.logQ = columns.map { logFrequency[Int($0)] }
    case .streaming:
      streaming!.observe(batch.targets, step: step)
      objective.logQ = columns.map { logf(max(streaming!.probability($0), 1e-12)) }
    }
    var estimate = gram
    if config.gramWeight > 0 {
      objective.gramWeight = config.gramWeight
      let scale = Float(positions) / Float(split.itemCount)
      objective.itemGramWeights = batch.targets.map { scale / Float(max(1, targetCounts[Int($0)])) }
      objective.gramEstimates = { bu, bi in estimate.step(batchUser: bu, batchItem: bi) }
    }
    let masks = DropoutMasks(rate: sequence.dropout, seed: config.seed, step: UInt64(step))
    let terms = network.loss(batch, objective: objective, dropout: masks, into: &grads)
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
    if sequence.denseTableUpdates && config.optimizer == .adam {
      // Every row takes the update (zero gradient where untouched).
      grads.items.touchAll()
      grads.history?.touchAll()
    }
    let lr = Optimizer.learningRate(step: step, total: totalSteps, config: config)
    optimizer.step = step
    // The tables move into the optimiser's array and back (no copies).
    var tables: [[Float]] = [[]]
    swap(&tables[0], &network.itemTable)
    var tableGrads = [grads.items]
    if network.historyTable != nil {
      tables.append([])
      swap(&tables[1], &network.historyTable!)
      tableGrads.append(grads.history!)
    }
    optimizer.update(tables: &tables, tableGrads, lr: lr, scale: scale, threads: config.threads)
    swap(&tables[0], &network.itemTable)
    if network.historyTable != nil { swap(&tables[1], &network.historyTable!) }
    let first = tables.count
    for p in network.encoder.params.indices {
      optimizer.update(dense: first + p, &network.encoder.params[p], grads.encoder[p], lr: lr, scale: scale)
    }
    resetGradients()
    return terms
  }

  func gradientNorm() -> Float {
    var s: Double = 0
    for g in grads.items.values { s += Double(g * g) }
    if let h = grads.history { for g in h.values { s += Double(g * g) } }
    for a in grads.encoder { for g in a { s += Double(g * g) } }
    return Float(s.squareRoot())
  }

  /// True when no gradient entry is NaN or infinite (one vectorised pass
  /// per array, instead of the norm when there is no clipping).
  func gradientsAreFinite() -> Bool {
    func finite(_ a: [Float]) -> Bool {
      a.isEmpty || a.withUnsafeBufferPointer { OptimizerKernels.allFinite($0.baseAddress!, count: $0.count) }
    }
    return finite(grads.items.values) && (grads.history.map { finite($0.values) } ?? true)
      && grads.encoder.allSatisfy(finite)
  }

  mutating func resetGradients() {
    grads.items.reset()
    grads.history?.reset()
    for p in grads.encoder.indices { grads.encoder[p].withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
  }

  /// Leave-one-out metrics of the current network.
  func metrics(_ target: SequenceEvaluation.Target) -> SequenceMetrics {
    SequenceMetrics(ranks: SequenceEvaluation.ranks(network, split: split, target: target, threads: config.threads))
  }
}
