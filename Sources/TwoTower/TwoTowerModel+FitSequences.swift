import Dispatch
import InteractionData
import LinearAlgebra

/// One epoch of the attention tower's training.
public struct SequenceEpochReport: Sendable, Codable, Equatable {
  public var epoch: Int
  /// Wall seconds of the epoch's steps (batch assembly included, evaluation excluded).
  public var seconds: Double
  /// CPU seconds over the same span (all threads).
  public var cpuSeconds: Double
  /// Mean loss per trained position (all terms).
  public var loss: Double
  /// Mean per-position value of each term.
  public var terms: [String: Double]
  public var sequences: Int
  public var positions: Int
  public var sequencesPerSecond: Double
  public var positionsPerSecond: Double
  /// Validation metrics, when evaluated after this epoch.
  public var validation: SequenceMetrics?
}

/// Evaluation and early stopping of a sequence fit.
public struct SequenceFitOptions: Sendable {
  /// Validation metrics every N epochs (0: only at the end).
  public var evaluateEvery = 0
  /// Stop after this many evaluations without a better validation
  /// NDCG@10 and keep the best network (nil: train every epoch, keep the last).
  public var patience: Int?
  public init(evaluateEvery: Int = 0, patience: Int? = nil) {
    self.evaluateEvery = evaluateEvery; self.patience = patience
  }
}

/// Callbacks of a sequence fit.
public struct SequenceCallbacks {
  public var onProgress: ((TwoTowerProgress) -> Void)?
  public var onEpoch: ((SequenceEpochReport) -> Void)?
  public init(onProgress: ((TwoTowerProgress) -> Void)? = nil, onEpoch: ((SequenceEpochReport) -> Void)? = nil) {
    self.onProgress = onProgress; self.onEpoch = onEpoch
  }
}

/// A fitted attention-tower model and its leave-one-out metrics.
public struct SequenceFit: Sendable {
  public var model: TwoTowerModel
  /// Test metrics (history: training items and the validation item).
  public var test: SequenceMetrics
  /// Validation metrics of the returned network (history: training items).
  public var validation: SequenceMetrics
  /// The epoch whose network was kept.
  public var epoch: Int
  public var epochs: [SequenceEpochReport]
}

extension TwoTowerModel {
  /// Trains the self-attention history tower (``SequenceTowerConfig``,
  /// `config.sequence`) on the training part of a leave-one-out split:
  /// every position of a user's last `maxLength` transitions predicts the
  /// next item, under `config.loss` (sampled softmax with in-batch and
  /// mixed negatives, logQ and accidental-hit removal; full softmax; or
  /// SASRec's BCE) and the optional Gram term, with Adam or Adagrad
  /// (``TwoTowerConfig/optimizer``). An epoch is one pass over the users
  /// with at least two training items, shuffled by `(seed, epoch)`.
  ///
  /// The returned model's item embeddings are the item table E, its user
  /// embeddings the tower's last state over each user's whole sequence
  /// (training, validation and test items: what a served model should
  /// follow), and it keeps the tower to fold in new histories.
  ///
  /// The seed and `config.threads` fix the result bit for bit.
  /// - Throws: ``TwoTowerError/invalidConfig(_:)`` (no sequence config, no
  ///   position to train on, memory), ``TwoTowerError/dimensionMismatch(_:)``,
  ///   ``TwoTowerError/nonFinite(step:epoch:term:)``.
  /// - Complexity: per epoch O(positions · (blocks·(4d² + 2d·inner) + loss)) with
  ///   loss d·C (sampled, C columns), d·items (full softmax) or d (BCE),
  ///   plus O(sum n² d) attention.
  public static func fitSequences(
    _ split: LeaveOneOutSplit, userIds: IdMap, itemIds: IdMap, config: TwoTowerConfig,
    options: SequenceFitOptions = SequenceFitOptions(), callbacks: SequenceCallbacks = SequenceCallbacks()
  ) throws(TwoTowerError) -> SequenceFit {
    guard let seq = config.sequence else {
      throw .invalidConfig("fitSequences needs the attention tower's configuration (TwoTowerConfig.sequence)")
    }
    try config.validate()
    if userIds.count != 0 && userIds.count != split.userCount {
      throw .dimensionMismatch("\(userIds.count) user ids for \(split.userCount) sequences")
    }
    if itemIds.count != 0 && itemIds.count != split.itemCount {
      throw .dimensionMismatch("\(itemIds.count) item ids for \(split.itemCount) items")
    }
    if let bad = split.train.joined().first(where: { $0 < 0 || Int($0) >= split.itemCount }) {
      throw .dimensionMismatch("a sequence names item \(bad), outside 0..<\(split.itemCount)")
    }
    try checkMemory(config: config, seq: seq, items: split.itemCount)
    var trainer = SequenceTrainer(split: split, config: config)
    guard !trainer.examples.isEmpty else {
      throw .invalidConfig("no user has two training items, so there is no next item to learn (check the input format: one user's items in time order)")
    }
    let steps = trainer.stepsPerEpoch
    trainer.totalSteps = steps * config.epochs
    let oldThreads = BLAS.threads
    BLAS.setThreads(1)
    defer { BLAS.setThreads(oldThreads) }
    var reports: [SequenceEpochReport] = []
    var best: (ndcg: Double, network: SequenceNetwork<Float>, epoch: Int, metrics: SequenceMetrics)? = nil
    var sinceBest = 0
    var order = trainer.examples
    var lastEpoch = 0
    for epoch in stride(from: 1, through: config.epochs, by: 1) {
      lastEpoch = epoch
      let t0 = DispatchTime.now().uptimeNanoseconds, cpu0 = ProcessClock.cpuSeconds()
      var rng = SeededGenerator(seed: config.seed, stream: UInt64(epoch))
      order.shuffle(using: &rng)
      var lossSum = 0.0, sequences = 0, positions = 0
      var termSums: [String: Double] = [:]
      for s in 0..<steps {
        trainer.step += 1
        let lo = s * config.batchSize, hi = min(order.count, lo + config.batchSize)
        let batch = trainer.makeBatch(order[lo..<hi], rng: &rng)
        let terms = try trainer.train(batch, epoch: epoch)
        for t in terms { lossSum += Double(t.value); termSums[t.name, default: 0] += Double(t.value) }
        sequences += batch.count
        positions += batch.rows
        if let onProgress = callbacks.onProgress {
          let sec = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
          onProgress(TwoTowerProgress(epoch: epoch, step: s + 1, stepsInEpoch: steps, loss: lossSum / Double(max(1, positions)),
                                      examplesPerSecond: Double(sequences) / max(sec, 1e-9)))
        }
      }
      let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
      var report = SequenceEpochReport(
        epoch: epoch, seconds: seconds, cpuSeconds: ProcessClock.cpuSeconds() - cpu0,
        loss: lossSum / Double(max(1, positions)), terms: termSums.mapValues { $0 / Double(max(1, positions)) },
        sequences: sequences, positions: positions, sequencesPerSecond: Double(sequences) / max(seconds, 1e-9),
        positionsPerSecond: Double(positions) / max(seconds, 1e-9), validation: nil)
      var stop = false
      if options.evaluateEvery > 0 && (epoch % options.evaluateEvery == 0 || epoch == config.epochs) {
        let m = trainer.metrics(.validation)
        report.validation = m
        if best == nil || m.ndcg10 > best!.ndcg {
          best = (m.ndcg10, trainer.network, epoch, m)
          sinceBest = 0
        } else {
          sinceBest += 1
          if let p = options.patience, sinceBest >= p { stop = true }
        }
      }
      reports.append(report)
      callbacks.onEpoch?(report)
      if stop { break }
    }
    var keptEpoch = lastEpoch
    var validation: SequenceMetrics
    if let best, options.patience != nil {
      trainer.network = best.network
      keptEpoch = best.epoch
      validation = best.metrics
    } else if let last = reports.last?.validation {
      validation = last
    } else {
      validation = trainer.metrics(.validation)
    }
    let test = trainer.metrics(.test)
    let model = try makeModel(trainer.network, split: split, userIds: userIds, itemIds: itemIds, config: config)
    return SequenceFit(model: model, test: test, validation: validation, epoch: keptEpoch, epochs: reports)
  }

  /// Refuses a fit whose training would not fit the memory budget.
  private static func checkMemory(config: TwoTowerConfig, seq: SequenceTowerConfig, items: Int) throws(TwoTowerError) {
    let M = MemoryBudget.self, d = config.embeddingDim, inner = seq.inner(d)
    let tables = M.product(seq.shareItemTable ? 4 : 8, items, d, 4)
    let rows = M.product(config.batchSize, seq.maxLength)
    let activations = M.product(rows, M.sum(M.product(14, d), M.product(3, inner)), seq.blocks + 1, 4)
    let attention = M.product(2, config.batchSize, seq.maxLength, seq.maxLength, seq.heads, seq.blocks + 1, 4)
    let loss: Int
    switch config.loss {
    case .fullSoftmax: loss = M.product(M.sum(M.product(min(rows, max(64, (4 << 20) / max(1, items))), items), M.product(items, d)), 4)
    case .softmax: loss = M.product(2, rows, M.sum(rows, config.mixedNegatives), 4)
    default: loss = M.product(2, rows, d, 4)
    }
    do {
      try MemoryBudget.check(M.sum(tables, activations, attention, loss),
                             for: "attention-tower training with d = \(d), \(seq.blocks) blocks, window \(seq.maxLength), batch \(config.batchSize) over \(items) items")
    } catch { throw .invalidConfig(error.description) }
  }

  /// The serving model of a trained network. Its prior `P(d)` counts
  /// every occurrence of an item in the users' whole sequences.
  static func makeModel(_ network: SequenceNetwork<Float>, split: LeaveOneOutSplit, userIds: IdMap, itemIds: IdMap,
                        config: TwoTowerConfig) throws(TwoTowerError) -> TwoTowerModel {
    let d = network.d
    var counts = [Int](repeating: 0, count: split.itemCount)
    let sequences = (0..<split.userCount).map(split.sequence(of:))
    for s in sequences { for i in s { counts[Int(i)] += 1 } }
    let users = network.queries(histories: sequences, threads: config.threads)
    return try TwoTowerModel(
      config: config, userEmbeddings: Matrix(rows: split.userCount, columns: d, storage: users),
      itemEmbeddings: Matrix(rows: split.itemCount, columns: d, storage: network.itemTable),
      itemLogPrior: TwoTowerModel.logPrior(counts: counts), userIds: userIds, itemIds: itemIds,
      sequenceTower: SequenceTowerWeights(network))
  }
}
