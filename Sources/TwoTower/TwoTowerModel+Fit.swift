import Dispatch
import InteractionData
import LinearAlgebra

/// Progress within an epoch, reported after every step.
public struct TwoTowerProgress: Sendable {
  public var epoch: Int
  public var step: Int
  public var stepsInEpoch: Int
  /// Mean loss per example over the epoch so far (all terms).
  public var loss: Double
  /// Examples per second over the epoch so far.
  public var examplesPerSecond: Double
}

/// One epoch's record.
public struct TwoTowerEpochReport: Sendable, Codable, Equatable {
  public var epoch: Int
  /// Wall seconds of the epoch's steps (exact-Gram refresh included).
  public var seconds: Double
  /// CPU seconds the process used over those steps (all threads, user + system).
  public var cpuSeconds: Double
  /// Mean loss per example over the epoch (sum of terms).
  public var loss: Double
  /// Mean per-example value of each term.
  public var terms: [String: Double]
  public var examplesPerSecond: Double
  /// The validation metric, when evaluated this epoch.
  public var validation: Double?
}

/// A parameter array of the network, row-major `rows x columns`, as
/// handed to ``TwoTowerCallbacks/onStart`` (for export and replay).
public struct TwoTowerParameter: Sendable, Equatable {
  /// `user_id`, `item_id`, `user_features`, `item_features`, `history` for
  /// embedding tables (`rows x embeddingDim`); `query_dense<l>_kernel` and
  /// `_bias` (`in x out` and `1 x out`), likewise `item_dense<l>_...`, for
  /// the MLP layers (`x W + b`, layer 0 first).
  public var name: String
  public var rows: Int
  public var columns: Int
  public var values: [Float]
}

/// One optimisation step, as handed to ``TwoTowerCallbacks/onStep``: the
/// batch's positive pairs, as row indices of the training matrix, and the
/// batch's loss (sum over examples, all terms) before the update.
public struct TwoTowerStep: Sendable, Equatable {
  public var epoch: Int
  /// 1-based, counted over all epochs.
  public var step: Int
  public var users: [Int32]
  public var items: [Int32]
  public var loss: Double
}

/// Early stopping on a validation metric (higher is better).
public struct EarlyStopping {
  /// Evaluate every `every` epochs (and after the last one).
  public var every: Int
  /// Stop after this many evaluations without improvement.
  public var patience: Int
  /// The metric of a model, e.g. recall@20 on a validation split.
  public var metric: (TwoTowerModel) -> Double
  /// Return the best evaluated model (true) or the last one (false: the
  /// metric is only reported, and training stops early only by patience).
  public var restoreBest: Bool
  public init(every: Int = 1, patience: Int = 2, restoreBest: Bool = true, metric: @escaping (TwoTowerModel) -> Double) {
    self.every = max(1, every); self.patience = max(1, patience); self.restoreBest = restoreBest; self.metric = metric
  }
}

/// Callbacks of a training run.
public struct TwoTowerCallbacks {
  public var onProgress: ((TwoTowerProgress) -> Void)?
  public var onEpoch: ((TwoTowerEpochReport) -> Void)?
  /// Evaluation and early stopping: the best model evaluated is returned.
  public var earlyStopping: EarlyStopping?
  /// The initial parameters, once before the first step.
  public var onStart: (([TwoTowerParameter]) -> Void)?
  /// Every step's batch and loss (to replay the same training elsewhere).
  public var onStep: ((TwoTowerStep) -> Void)?
  public init(onProgress: ((TwoTowerProgress) -> Void)? = nil, onEpoch: ((TwoTowerEpochReport) -> Void)? = nil,
              earlyStopping: EarlyStopping? = nil, onStart: (([TwoTowerParameter]) -> Void)? = nil,
              onStep: ((TwoTowerStep) -> Void)? = nil) {
    self.onProgress = onProgress; self.onEpoch = onEpoch; self.earlyStopping = earlyStopping
    self.onStart = onStart; self.onStep = onStep
  }
}

extension TwoTowerModel {
  /// Trains query and item towers on the positive pairs of `data.train` by
  /// minibatch SGD (``TwoTowerConfig/optimizer``) on the configured loss
  /// terms, then precomputes every user's and item's embedding.
  ///
  /// Each epoch shuffles the examples with a generator seeded by
  /// `(seed, epoch)`; batch GEMMs run on OpenBLAS at one thread inside
  /// `config.threads` workers (the two towers side by side, each on its
  /// share of the workers with MLP row chunks; softmax row blocks, then
  /// column chunks) whose partial sums are added in a fixed order, so the
  /// seed and the thread count fix the result. With more than one thread
  /// the next batch is assembled on another thread while one trains.
  ///
  /// - Throws: ``TwoTowerError/invalidConfig(_:)``, ``TwoTowerError/dimensionMismatch(_:)``,
  ///   ``TwoTowerError/nonFinite(step:epoch:term:)``.
  /// - Complexity: per epoch O(N/B · (B·C·d + (B+C)·(tower cost))) with
  ///   C = B + B' columns; plus O((|U|+|I|)·tower) for the exact Gram and the final embeddings.
  public static func fit(
    _ data: TwoTowerData, userIds: IdMap, itemIds: IdMap, config: TwoTowerConfig,
    callbacks: TwoTowerCallbacks = TwoTowerCallbacks()
  ) throws(TwoTowerError) -> TwoTowerModel {
    try config.validate()
    try data.validate()
    if userIds.count != 0 && userIds.count != data.train.userCount {
      throw .dimensionMismatch("\(userIds.count) user ids for a matrix of \(data.train.userCount) users")
    }
    if itemIds.count != 0 && itemIds.count != data.train.itemCount {
      throw .dimensionMismatch("\(itemIds.count) item ids for a matrix of \(data.train.itemCount) items")
    }
    if data.train.nnz == 0 {
      throw .invalidConfig("the training data has no interactions, so there is nothing to fit (check the minimum rating and the input format)")
    }
    if !config.userIdEmbedding && config.history == 0 && data.userFeatures == nil {
      throw .invalidConfig("the query tower has no input: keep the user-id embedding, or give history pooling or user features")
    }
    let rows = MemoryBudget.sum(data.train.userCount, data.train.itemCount,
                                data.userFeatures?.vocabulary.count ?? 0, data.itemFeatures?.vocabulary.count ?? 0)
    do {
      try MemoryBudget.check(config.estimatedBytes(tableRows: rows),
                             for: "two-tower training with d = \(config.embeddingDim), layers \(config.layers), batch \(config.batchSize) on \(data.train.userCount) users x \(data.train.itemCount) items")
    } catch { throw .invalidConfig(error.description) }
    var trainer = TwoTowerTrainer(data: data, config: config)
    let steps = trainer.stepsPerEpoch
    trainer.totalSteps = steps * config.epochs
    // Every GEMM runs inside our own row-parallel workers: OpenBLAS at one
    // thread (its spinning pool threads would oversubscribe the cores).
    let oldThreads = BLAS.threads
    BLAS.setThreads(1)
    defer { BLAS.setThreads(oldThreads) }
    var best: (metric: Double, model: TwoTowerModel)? = nil
    var sinceBest = 0
    callbacks.onStart?(trainer.network.parameters)
    var order = Array(0..<trainer.exampleCount)
    for epoch in stride(from: 1, through: config.epochs, by: 1) {
      let t0 = DispatchTime.now().uptimeNanoseconds, cpu0 = ProcessClock.cpuSeconds()
      var rng = SeededGenerator(seed: config.seed, stream: UInt64(epoch))
      order.shuffle(using: &rng)
      if config.gramWeight > 0 && config.gramEstimator == .exact { trainer.refreshExactGram() }
      var lossSum = 0.0, examples = 0
      var termSums: [String: Double] = [:]
      // Batch t+1 is assembled on another thread while batch t trains (with
      // more than one thread); batches are still made in order from one
      // generator, so the result does not change.
      let assembler = trainer.batches, epochOrder = order, batchSize = config.batchSize
      let firstStep = trainer.step + 1, rngBox = SendableBox(rng)
      let make: @Sendable (Int) -> TowerBatch<Float> = { s in
        let lo = s * batchSize, hi = min(epochOrder.count, lo + batchSize)
        return assembler.makeBatch(epochOrder[lo..<hi], step: firstStep + s, rng: &rngBox.value)
      }
      var next = steps > 0 ? make(0) : nil
      for s in 0..<steps {
        trainer.step += 1
        let batch = next!
        let pending = SendableBox<TowerBatch<Float>?>(nil), group = DispatchGroup()
        if s + 1 < steps {
          if config.threads > 1 {
            DispatchQueue.global().async(group: group) { pending.value = make(s + 1) }
          } else {
            pending.value = make(s + 1)
          }
        }
        let terms: TwoTowerNetwork<Float>.Terms
        do { terms = try trainer.train(batch, epoch: epoch) } catch {
          group.wait()
          throw error
        }
        group.wait()
        next = pending.value
        var batchLoss = 0.0
        for t in terms { batchLoss += Double(t.value); termSums[t.name, default: 0] += Double(t.value) }
        lossSum += batchLoss
        if let onStep = callbacks.onStep {
          let examples = epochOrder[(s * batchSize)..<min(epochOrder.count, (s + 1) * batchSize)]
          onStep(TwoTowerStep(epoch: epoch, step: trainer.step, users: examples.map { assembler.exampleUsers[$0] },
                              items: examples.map { assembler.exampleItems[$0] }, loss: batchLoss))
        }
        examples += batch.rows
        if let onProgress = callbacks.onProgress {
          let sec = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
          onProgress(TwoTowerProgress(epoch: epoch, step: s + 1, stepsInEpoch: steps, loss: lossSum / Double(examples),
                                      examplesPerSecond: Double(examples) / max(sec, 1e-9)))
        }
      }
      let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
      var report = TwoTowerEpochReport(
        epoch: epoch, seconds: seconds, cpuSeconds: ProcessClock.cpuSeconds() - cpu0, loss: lossSum / Double(max(1, examples)),
        terms: termSums.mapValues { $0 / Double(max(1, examples)) },
        examplesPerSecond: Double(examples) / max(seconds, 1e-9), validation: nil)
      var stop = false
      if let es = callbacks.earlyStopping, epoch % es.every == 0 || epoch == config.epochs {
        let model = trainer.model(userIds: userIds, itemIds: itemIds)
        let metric = es.metric(model)
        report.validation = metric
        if best == nil || metric > best!.metric { best = (metric, model); sinceBest = 0 } else {
          sinceBest += 1
          stop = sinceBest >= es.patience
        }
      }
      callbacks.onEpoch?(report)
      if stop { break }
    }
    var model: TwoTowerModel
    if let best, callbacks.earlyStopping?.restoreBest == true { model = best.model } else {
      model = trainer.model(userIds: userIds, itemIds: itemIds)
    }
    model.training = TrainingSummary(data.train, userIds: userIds, itemIds: itemIds)
    return model
  }
}
