import ArgumentParser
import Foundation
import Gramian

extension TwoTowerLoss: ExpressibleByArgument {}
extension LogQMode: ExpressibleByArgument {}
extension LogQForm: ExpressibleByArgument {}
extension GramEstimator: ExpressibleByArgument {}
extension TwoTowerOptimizer: ExpressibleByArgument {}
extension LearningRateDecay: ExpressibleByArgument {}
extension HistoryEncoder: ExpressibleByArgument {}
extension FeedForwardActivation: ExpressibleByArgument {}
extension BlockLayout: ExpressibleByArgument {}

/// What the query tower reads besides the user id: feature files and the
/// pooled history. Shared by `fit two-tower`, `compare` and `tune`.
struct TowerInputOptions: ParsableArguments {
  @Option(help: "User features: 'id<TAB>field=value|value<TAB>...' lines (make them from MovieLens files with 'gramian data features').")
  var userFeatures: String?
  @Option(help: "Item features, same format (e.g. genres).") var itemFeatures: String?
  @Option(help: "Pool the mean embedding of each user's last N training items into the query tower (0: off).")
  var history = 0

  func validate() throws {
    guard history >= 0 else { throw ValidationError("--history must be >= 0, got \(history)") }
  }
}

/// How a two-tower model is optimised: batches, epochs and the optimiser.
/// Shared by `fit two-tower`, `compare` and `tune` (the defaults are the
/// library's ``TwoTowerConfig/recommended``).
struct TwoTowerTrainingOptions: ParsableArguments {
  @Option(help: "Examples per batch (default 256; sequences per batch for the attention tower, default 128).") var batchSize: Int?
  @Option(help: "Two-tower epochs (default 20; attention tower 200).") var epochs: Int?
  @Option(help: "Learning rate (default 0.1 for adagrad, 0.001 for adam).") var lr: Float?
  @Option(help: "adagrad or adam (sparse updates for embedding tables; default adagrad, adam for the attention tower).")
  var optimizer: TwoTowerOptimizer?
  @Option(help: "Clip each step's global gradient norm (0: off).") var clipNorm: Float = 0
  @Option(help: "Linear learning-rate warm-up steps.") var warmupSteps = 0
  @Option(help: "Decay after warm-up: none, linear or cosine.") var decay: LearningRateDecay = .none

  func validate() throws {
    guard (epochs ?? 1) >= 1, (batchSize ?? 1) >= 1 else { throw ValidationError("--epochs and --batch-size must be at least 1") }
    if let lr, !(lr > 0) { throw ValidationError("--lr must be > 0, got \(lr)") }
    guard clipNorm >= 0, warmupSteps >= 0 else { throw ValidationError("--clip-norm and --warmup-steps must be >= 0") }
  }

  /// Writes these settings into `c`, unset ones from `defaults`.
  func apply(to c: inout TwoTowerConfig, defaults: TwoTowerConfig = .recommended) {
    c.batchSize = batchSize ?? defaults.batchSize
    c.epochs = epochs ?? defaults.epochs
    let optimizer = optimizer ?? defaults.optimizer
    c.optimizer = optimizer
    c.learningRate = lr ?? optimizer.defaultLearningRate
    c.clipNorm = clipNorm
    c.warmupSteps = warmupSteps
    c.decay = decay
  }
}

/// Two-tower hyperparameters as flags.
struct TwoTowerOptions: ParsableArguments {
  @OptionGroup var inputs: TowerInputOptions
  @Flag(help: "Give history pooling its own table instead of sharing the item tower's id table.")
  var separateHistoryTable = false
  @Flag(help: "Leave the user-id embedding out of the query tower (features and history only).")
  var noUserId = false
  @Option(help: "Embedding width of every table.") var dim = 64
  @Option(help: "MLP widths after the embeddings, comma separated (ReLU between, last linear), e.g. 128,64.")
  var layers: String = ""
  @Flag(help: "L2-normalise both tower outputs.") var normalize = false
  @Option(help: "softmax (in-batch sampled softmax), mse (with --gram-weight: iALS by SGD); attention tower: softmax, full-softmax (all items) or bce (SASRec's loss).")
  var loss: TwoTowerLoss = .softmax
  @Option(help: "Softmax temperature tau (default 3; attention tower 1).") var temperature: Float?
  @Option(help: "logQ correction: none, exact (training frequencies) or streaming (Yi et al. 2019 estimator); default exact (attention tower: none).")
  var logq: LogQMode?
  @Option(help: "logQ form: standard (Yi et al. 2019: every logit minus log q) or corrected (Khrylchenko et al. 2025: the positive always in the denominator, uncorrected; accidental hits masked).")
  var logqForm: LogQForm = .standard
  @Option(help: "Streaming estimator learning rate alpha.") var streamingRate: Float = 0.01
  @Option(help: "Gram regulariser weight lambda_g (0: off; default 0.3, attention tower 0).") var gramWeight: Float?
  @Option(help: "Gram estimator: batch, sogram or exact (recomputed every epoch; the attention tower: batch or sogram).")
  var gramEstimator: GramEstimator = TwoTowerConfig.recommended.gramEstimator
  @Option(help: "How the query tower reads the history: mean (pools --history items) or attention (causal self-attention over the last --max-len items, trained on sequences, evaluated leave-one-out).")
  var historyEncoder: HistoryEncoder = .mean
  @Option(help: "Attention tower: the last N items it reads.") var maxLen = SequenceTowerConfig().maxLength
  @Option(help: "Attention tower: self-attention blocks.") var blocks = SequenceTowerConfig().blocks
  @Option(help: "Attention tower: attention heads (must divide --dim).") var heads = SequenceTowerConfig().heads
  @Option(help: "Attention tower: dropout on embeddings, attention weights and feed-forward rows.") var dropout = SequenceTowerConfig().dropout
  @Option(help: "Attention tower: feed-forward activation, relu or gelu.") var activation: FeedForwardActivation = .relu
  @Option(help: "Attention tower: feed-forward width (default --dim).") var ffnDim: Int?
  @Option(help: "Attention tower: block wiring, pre-ln (x += Attn(LN(x)), x += FFN(LN(x))) or sasrec (SASRec's: keys and values from the raw input, no output projection or second LayerNorm).")
  var blockLayout: BlockLayout = .preLN
  @Flag(help: "Attention tower with Adam: update only the item-table rows in each batch (LazyAdam) instead of every row (Keras's Adam, the default).")
  var lazyTableUpdates = false
  @Option(help: "SOGram moving-average rate.") var sogramRate: Float = 0.1
  @Option(help: "L2 on tower outputs, each user and item counted once per epoch.") var l2: Float = 0
  @Option(help: "in-batch, or mixed:N to add N uniformly sampled items as extra negatives.") var negatives = "in-batch"
  @Flag(help: "Mask in-batch columns holding the row's own positive item.") var removeAccidentalHits = false
  @OptionGroup var training: TwoTowerTrainingOptions

  var userFeatures: String? { inputs.userFeatures }
  var itemFeatures: String? { inputs.itemFeatures }
  var history: Int { inputs.history }

  func widths() throws -> [Int] {
    if layers.isEmpty { return [] }
    return try ListOption.parse(layers, flag: "--layers", expecting: "positive widths like 128,64") { (w: Int) in w >= 1 }
  }

  func mixed() throws -> Int {
    if negatives == "in-batch" { return 0 }
    if negatives.hasPrefix("mixed:"), let n = Int(negatives.dropFirst(6)), n >= 1 { return n }
    throw ValidationError("--negatives expects in-batch or mixed:N (N >= 1), got '\(negatives)'")
  }

  func validate() throws {
    _ = try widths()
    _ = try mixed()
    guard dim >= 1 else { throw ValidationError("--dim must be at least 1") }
  }

  var attention: Bool { historyEncoder == .attention }

  func config(common: CommonOptions) throws -> TwoTowerConfig {
    let defaults = attention ? TwoTowerConfig.recommendedSequence : TwoTowerConfig.recommended
    var c = TwoTowerConfig()
    c.embeddingDim = dim
    c.layers = try widths()
    c.normalize = normalize
    c.userIdEmbedding = !noUserId
    c.history = history
    c.shareHistoryTable = !separateHistoryTable
    c.loss = loss
    c.temperature = temperature ?? defaults.temperature
    c.logQ = logq ?? defaults.logQ
    if logqForm == .corrected { c.logQForm = .corrected }
    c.streamingRate = streamingRate
    c.gramWeight = gramWeight ?? defaults.gramWeight
    c.gramEstimator = gramEstimator
    c.sogramRate = sogramRate
    c.l2 = l2
    c.mixedNegatives = try mixed()
    c.removeAccidentalHits = removeAccidentalHits
    training.apply(to: &c, defaults: defaults)
    if attention {
      if history > 0 { throw ValidationError("--history pools the mean tower's history; the attention tower reads --max-len items") }
      if c.gramEstimator == .exact { throw ValidationError("--gram-estimator exact is not available for the attention tower: use batch or sogram") }
      var s = SequenceTowerConfig()
      s.maxLength = maxLen
      s.blocks = blocks
      s.heads = heads
      s.dropout = dropout
      s.activation = activation
      s.innerDim = ffnDim ?? 0
      s.shareItemTable = !separateHistoryTable
      s.denseTableUpdates = !lazyTableUpdates
      s.layout = blockLayout
      c.sequence = s
      c.userIdEmbedding = false
    }
    c.threads = common.threadCount
    c.seed = common.seed
    return c
  }
}

struct FitTwoTower: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "two-tower",
    abstract: "Fit a two-tower retrieval model (in-batch softmax, logQ, Gram regulariser).",
    discussion: """
      Trains on every pair of --train unless --test FILE or --split METHOD holds out a test set, \
      which is then evaluated next to popularity (a warning says when the model ends below it). \
      The defaults (softmax with exact logQ correction, temperature 3, Gram regulariser 0.3 with \
      the SOGram estimator, batch 256, 20 epochs) beat popularity on the bundled MovieLens data.
      """)

  @Option(help: "Training interactions.") var train: String
  @OptionGroup var split: SplitOptions
  @OptionGroup var reader: ReaderOptions
  @OptionGroup var towers: TwoTowerOptions
  @Option(help: "Where to save the fitted model.") var output: String?
  @Option(help: "Evaluate on the test set every N epochs (0: only at the end).") var evalEvery = 0
  @Option(help: "With --eval-every: stop after this many evaluations without a better recall@20 and keep the best model (pass a validation file as --test).")
  var patience: Int?
  @Option(help: ArgumentHelp("Write the initial parameters and every step's batch and loss to this directory, to replay the same training elsewhere.",
                             discussion: "Benchmarks/twotower/replay.py replays a trace in TensorFlow Recommenders.", valueName: "dir"))
  var trace: String?
  @OptionGroup var common: CommonOptions

  struct EpochLine: Codable {
    var epoch: Int; var seconds: Double; var cpuSeconds: Double; var loss: Double; var examplesPerSecond: Double
    var terms: [String: Double]; var metrics: [String: Double]?
  }
  struct Output: Codable {
    var model = "two-tower"
    var config: TwoTowerConfig
    var epochs: [EpochLine]
    var trainSeconds: Double
    var examplesPerSecond: Double
    var metrics: [String: Double]?
    var data: DatasetSummary
    var output: String?
  }

  func validate() throws {
    guard evalEvery >= 0 else { throw ValidationError("--eval-every must be >= 0") }
    if evalEvery > 0 && !split.holdsOut && !towers.attention { throw ValidationError("--eval-every needs a test set: give --test FILE or --split METHOD (the attention tower validates on each user's second-to-last item)") }
    if let patience, patience < 1 || evalEvery == 0 { throw ValidationError("--patience needs --eval-every N and must be at least 1") }
  }

  func run() throws {
    if towers.attention { return try runSequences() }
    // An unwritable output fails now, not after the work.
    try Paths.checkOutputFile(output)
    let loaded = try DatasetLoading.load(train: train, reader: reader, split: split, seed: common.seed)
    let config = try towers.config(common: common)
    let userIds = loaded.userIds, itemIds = loaded.itemIds
    var data = TwoTowerData(train: loaded.train)
    if let path = towers.userFeatures {
      data.userFeatures = try FeatureBags.read(path, ids: userIds)
      Console.info("user features: \(data.userFeatures!.fields.count) fields, \(data.userFeatures!.vocabulary.count) values (\(data.userFeatures!.skippedUnknownIds) unknown ids skipped)")
    }
    if let path = towers.itemFeatures {
      data.itemFeatures = try FeatureBags.read(path, ids: itemIds)
      Console.info("item features: \(data.itemFeatures!.fields.count) fields, \(data.itemFeatures!.vocabulary.count) values (\(data.itemFeatures!.skippedUnknownIds) unknown ids skipped)")
    }
    if config.history > 0 { data.histories = TwoTowerData.histories(loaded.split.train, userCount: loaded.train.userCount) }

    var evalOptions = EvaluationOptions()
    evalOptions.ks = FitReporting.cutoffs
    evalOptions.threads = common.threadCount
    let evaluate = { (m: TwoTowerModel) -> EvaluationResult in
      Evaluator.evaluate(m, train: loaded.train, test: loaded.test, options: evalOptions)
    }
    var lines: [EpochLine] = []
    var pendingMetrics: [String: Double]? = nil
    var bar: ProgressBar? = nil
    var callbacks = TwoTowerCallbacks()
    callbacks.onProgress = { p in
      if bar == nil { bar = ProgressBar("fit two-tower", total: p.stepsInEpoch * config.epochs) }
      bar!.update((p.epoch - 1) * p.stepsInEpoch + p.step,
                  suffix: String(format: "loss %.4g  %.0f ex/s", p.loss, p.examplesPerSecond))
    }
    callbacks.onEpoch = { r in
      bar?.finish()
      var text = String(format: "  epoch %3d  %7.2f s  loss %.5g  %.0f examples/s", r.epoch, r.seconds, r.loss, r.examplesPerSecond)
      if let m = pendingMetrics {
        text += String(format: "  recall@20 %.4f  ndcg@20 %.4f", m["recall@20"] ?? 0, m["ndcg@20"] ?? 0)
      }
      Console.info(text)
      lines.append(EpochLine(epoch: r.epoch, seconds: r.seconds, cpuSeconds: r.cpuSeconds, loss: r.loss, examplesPerSecond: r.examplesPerSecond,
                             terms: r.terms, metrics: pendingMetrics))
      pendingMetrics = nil
    }
    if evalEvery > 0, loaded.hasTest {
      callbacks.earlyStopping = EarlyStopping(every: evalEvery, patience: patience ?? Int.max, restoreBest: patience != nil) { m in
        let r = evaluate(m)
        pendingMetrics = r.metrics.filter { FitReporting.reported.contains($0.key) }
        return r.metrics["recall@20"] ?? 0
      }
    }
    let tracer = try trace.map {
      try TrainingTrace(path: $0, users: loaded.train.userCount, items: loaded.train.itemCount, config: config)
    }
    if let tracer {
      callbacks.onStart = { tracer.start($0) }
      callbacks.onStep = { tracer.record($0) }
    }
    Console.info("fitting two-tower: dim \(config.embeddingDim), layers \(config.layers), loss \(config.loss.rawValue), logQ \(config.logQ.rawValue), gram \(config.gramWeight) (\(config.gramEstimator.rawValue)), batch \(config.batchSize), \(config.epochs) epochs, \(config.optimizer.rawValue) lr \(config.learningRate), \(config.threads) threads")
    let t0 = Date()
    let model: TwoTowerModel
    do {
      model = try TwoTowerModel.fit(data, userIds: userIds, itemIds: itemIds, config: config, callbacks: callbacks)
    } catch {
      bar?.finish()
      throw error
    }
    let trainSeconds = Date().timeIntervalSince(t0)
    bar?.finish()
    if let tracer {
      try tracer.finish()
      Console.info("trace written to \(tracer.path)")
    }
    let metrics = try FitReporting.finish(model, name: "two-tower", loaded: loaded, options: evalOptions,
                                          output: output, json: common.json)
    if common.json {
      let examples = lines.reduce(0.0) { $0 + $1.examplesPerSecond * $1.seconds }
      let seconds = lines.reduce(0.0) { $0 + $1.seconds }
      try Console.json(Output(config: config, epochs: lines, trainSeconds: trainSeconds,
                              examplesPerSecond: seconds > 0 ? examples / seconds : 0, metrics: metrics,
                              data: loaded.summary, output: output))
    }
  }
}
