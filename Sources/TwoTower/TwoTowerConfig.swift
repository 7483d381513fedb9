import LinearAlgebra
import InteractionData

/// The training objective of a two-tower model.
public enum TwoTowerLoss: String, Sendable, Codable, CaseIterable {
  /// Sampled softmax over the batch's items (plus optional uniform
  /// negatives): `-log softmax_j(s_ij)[i]` with `s_ij = <u_i, v_j> / tau`.
  case softmax
  /// `(<u_i, v_i> - 1)²` on the observed pairs: with the Gram term, the iALS
  /// loss trained by SGD (the "mse-gramian" baseline of Yi et al. 2019).
  case mse
  /// Cross-entropy of a softmax over ALL items (the attention tower only:
  /// every position's next item against the whole catalogue).
  case fullSoftmax = "full-softmax"
  /// SASRec's original loss (attention tower only): binary cross-entropy of
  /// the next item and one uniformly drawn item the user has not trained
  /// on, `-log σ(s⁺) - log(1 - σ(s⁻))` per position.
  case bce
}

/// Where the logQ correction's `q_j` comes from (Yi et al., "Sampling-bias-
/// corrected neural modeling for large corpus item recommendations", RecSys 2019).
public enum LogQMode: String, Sendable, Codable, CaseIterable {
  case none
  /// Exact training frequencies `count_j / N`.
  case exact
  /// The streaming estimator of Yi et al.'s Algorithm 2 (``StreamingFrequencyEstimator``).
  case streaming
}

/// How the logQ correction enters the in-batch softmax.
public enum LogQForm: String, Sendable, Codable, CaseIterable {
  /// Yi et al. 2019: every column's logit, the positive's included, minus `log q_j`.
  case standard
  /// Khrylchenko et al., "Correcting the LogQ Correction: Revisiting Sampled
  /// Softmax for Large-Scale Retrieval" (RecSys 2025): the positive is always
  /// in the denominator, uncorrected; the other columns importance-sample the
  /// rest of it. Its gradient weights each example by the model's probability
  /// of misclassifying it (see ``SampledSoftmax``).
  case corrected
}

/// How the Gram matrices of `lambda_g <G_u, G_v>_F` are estimated
/// (Krichene et al., "Efficient training on very large corpora via gramian
/// estimation", ICLR 2019).
public enum GramEstimator: String, Sendable, Codable, CaseIterable {
  /// The importance-weighted Gram of the batch's own outputs.
  case batch
  /// SOGram: an exponential moving average of batch estimates, rate `sogramRate`.
  case sogram
  /// The exact Gram of all users' and all items' outputs, recomputed at the
  /// start of every epoch (held fixed within it).
  case exact
}

public enum TwoTowerOptimizer: String, Sendable, Codable, CaseIterable {
  /// Adam (Kingma & Ba 2015); embedding rows are updated lazily (only rows in
  /// the batch, moments of other rows left untouched, as TF's LazyAdam).
  case adam
  /// Adagrad (Duchi et al. 2011), accumulators start at `adagradInitial`
  /// (Keras's 0.1); sparse by nature.
  case adagrad

  /// The learning rate each optimiser starts from unless told otherwise:
  /// 0.1 for Adagrad (TFRS's examples), 0.001 for Adam (Kingma & Ba).
  public var defaultLearningRate: Float {
    switch self {
    case .adagrad: 0.1
    case .adam: 0.001
    }
  }
}

/// Learning-rate decay after warm-up.
public enum LearningRateDecay: String, Sendable, Codable, CaseIterable {
  case none, linear, cosine
}

/// Hyperparameters of ``TwoTowerModel/fit(_:userIds:itemIds:config:callbacks:)``.
public struct TwoTowerConfig: Sendable, Codable, Equatable {
  // MARK: Towers
  /// Width of every embedding table (ids, features, history).
  public var embeddingDim = 64
  /// MLP widths after the pooled embeddings (ReLU between layers, the last
  /// linear); empty: the pooled embedding is the output (pure MF with id towers).
  public var layers: [Int] = []
  /// L2-normalise both tower outputs.
  public var normalize = false
  /// Use the user-id embedding in the query tower.
  public var userIdEmbedding = true
  /// Pool the mean of the user's last `history` training items into the query (0: off).
  public var history = 0
  /// History pooling reads the item tower's id table (else its own table).
  public var shareHistoryTable = true
  /// Embedding tables start uniform in `[-initScale, initScale]` (Keras: 0.05);
  /// dense layers Glorot-uniform, zero bias.
  public var initScale: Float = 0.05
  /// The self-attention history tower (``HistoryEncoder/attention``), or
  /// nil for the pair-based towers. With it the model trains on sequences
  /// (``TwoTowerModel/fitSequences(_:itemIds:userIds:config:callbacks:)``).
  public var sequence: SequenceTowerConfig?

  // MARK: Loss
  public var loss: TwoTowerLoss = .softmax
  /// Softmax temperature tau.
  public var temperature: Float = 1
  public var logQ: LogQMode = .none
  /// The form of the logQ correction (nil: ``LogQForm/standard``, as in
  /// files written before the corrected form existed).
  public var logQForm: LogQForm? = nil
  /// Streaming estimator: learning rate alpha and hash array size.
  public var streamingRate: Float = 0.01
  public var streamingBuckets = 1 << 20
  /// Mask in-batch columns whose item is the row's positive (other than the diagonal).
  public var removeAccidentalHits = false
  /// Extra uniformly sampled item columns B' (mixed negatives, Yang et al. 2020); 0: in-batch only.
  public var mixedNegatives = 0
  /// lambda_g of the Gram term (0: off).
  public var gramWeight: Float = 0
  public var gramEstimator: GramEstimator = .batch
  /// SOGram moving-average rate alpha_g.
  public var sogramRate: Float = 0.1
  /// L2 penalty on tower outputs, each user's (item's) counted once per epoch:
  /// example `(u, i)` adds `l2 (|u|²/deg u + |v|²/deg i)`. With pure id towers
  /// this is iALS's `lambda (|W|² + |H|²)`.
  public var l2: Float = 0

  // MARK: Training
  public var batchSize = 1024
  public var epochs = 5
  public var optimizer: TwoTowerOptimizer = .adagrad
  public var learningRate: Float = 0.1
  public var adamBeta1: Float = 0.9
  public var adamBeta2: Float = 0.999
  public var adamEpsilon: Float = 1e-7
  public var adagradInitial: Float = 0.1
  /// Clip the global gradient norm of each step to this value (0: off).
  public var clipNorm: Float = 0
  /// Linear warm-up steps from 0 to `learningRate`.
  public var warmupSteps = 0
  public var decay: LearningRateDecay = .none
  /// Drop the last partial batch of each epoch (as the TFRS benchmark does).
  public var dropRemainder = true
  /// Worker threads (BLAS and the softmax rows); with the seed, fixes the result.
  public var threads = Parallel.availableThreads
  public var seed: UInt64 = 1

  public init() {}

  /// True with ``LogQForm/corrected``.
  public var isCorrectedLogQ: Bool { logQForm == .corrected }

  /// The settings a new user should start from (`gramian fit two-tower`'s
  /// defaults): in-batch softmax with exact logQ correction at temperature
  /// 3, the Gram regulariser at weight 0.3 (SOGram estimate), batches of 256
  /// for 20 epochs, Adagrad at 0.1. Chosen on the validation split of the
  /// bundled MovieLens data (the logq-gram row of Benchmarks/compare), where
  /// plain `TwoTowerConfig()` (softmax at temperature 1, no correction) ends
  /// below popularity, as in-batch softmax does on popular-heavy data.
  public static var recommended: TwoTowerConfig {
    var c = TwoTowerConfig()
    c.logQ = .exact
    c.temperature = 3
    c.gramWeight = 0.3
    c.gramEstimator = .sogram
    c.batchSize = 256
    c.epochs = 20
    return c
  }

  /// The settings the attention tower starts from (`gramian fit two-tower
  /// --history-encoder attention`): SASRec's shape (d = 64, 2 blocks, 1
  /// head, window 50, dropout 0.2, ``SequenceTowerConfig``), in-batch
  /// sampled softmax at temperature 1 without correction, Adam at 0.001,
  /// 128 sequences a batch, 200 epochs.
  public static var recommendedSequence: TwoTowerConfig {
    var c = TwoTowerConfig()
    c.sequence = SequenceTowerConfig()
    c.userIdEmbedding = false
    c.optimizer = .adam
    c.learningRate = TwoTowerOptimizer.adam.defaultLearningRate
    c.batchSize = 128
    c.epochs = 200
    c.dropRemainder = false
    return c
  }

  /// Output width d of both towers.
  public var outputDim: Int { layers.last ?? embeddingDim }

  /// The widest embedding or layer accepted: the widest matrix a model
  /// file holds.
  public static let maxWidth = ModelContainer.maxColumns

  /// The bytes training holds at once, roughly: each embedding table
  /// (`rows` of them in all: users, items, feature values) with two
  /// optimizer slots, the layer weights with theirs, and per batch the
  /// B x C logits and their gradient (C = B + mixed negatives) and the
  /// activations of every layer. Saturates instead of overflowing.
  public func estimatedBytes(tableRows rows: Int) -> Int {
    let M = MemoryBudget.self
    let widths = [embeddingDim] + layers
    let widest = widths.max() ?? embeddingDim
    let tables = M.product(3, rows, embeddingDim, 4)
    var weights = 0
    for (a, b) in zip(widths, widths.dropFirst()) { weights = M.sum(weights, M.product(2 * 3, a, b, 4)) }
    let columns = M.sum(batchSize, mixedNegatives)
    let logits = M.product(2, batchSize, columns, 4)
    let activations = M.product(4, widths.count, M.sum(batchSize, columns), widest, 4)
    return M.sum(tables, weights, logits, activations)
  }

  /// Throws ``TwoTowerError/invalidConfig(_:)`` naming the first bad value.
  public func validate() throws(TwoTowerError) {
    func bad(_ s: String) -> TwoTowerError { .invalidConfig(s) }
    if embeddingDim < 1 { throw bad("embedding dimension must be at least 1, got \(embeddingDim)") }
    if embeddingDim > Self.maxWidth { throw bad("embedding dimension must be at most \(Self.maxWidth), got \(embeddingDim)") }
    if layers.contains(where: { $0 < 1 }) { throw bad("layer widths must be at least 1, got \(layers)") }
    if layers.contains(where: { $0 > Self.maxWidth }) { throw bad("layer widths must be at most \(Self.maxWidth), got \(layers)") }
    if layers.count > 64 { throw bad("at most 64 layers, got \(layers.count)") }
    if history < 0 { throw bad("history must be >= 0, got \(history)") }
    if history > 100_000 { throw bad("history must be at most 100000 items, got \(history)") }
    if batchSize > 1 << 20 { throw bad("batch size must be at most 1048576, got \(batchSize)") }
    if mixedNegatives > 1 << 20 { throw bad("mixed negatives must be at most 1048576, got \(mixedNegatives)") }
    if threads > 4096 { throw bad("threads must be at most 4096, got \(threads)") }
    if !(temperature > 0) || !temperature.isFinite { throw bad("temperature must be > 0, got \(temperature)") }
    if !(streamingRate > 0 && streamingRate <= 1) { throw bad("streaming rate must be in (0, 1], got \(streamingRate)") }
    if streamingBuckets < 1 { throw bad("streaming buckets must be at least 1") }
    if mixedNegatives < 0 { throw bad("mixed negatives must be >= 0, got \(mixedNegatives)") }
    if !(gramWeight >= 0) || !gramWeight.isFinite { throw bad("gram weight must be finite and >= 0, got \(gramWeight)") }
    if !(sogramRate > 0 && sogramRate <= 1) { throw bad("SOGram rate must be in (0, 1], got \(sogramRate)") }
    if !(l2 >= 0) || !l2.isFinite { throw bad("l2 must be finite and >= 0, got \(l2)") }
    if batchSize < 1 { throw bad("batch size must be at least 1, got \(batchSize)") }
    if epochs < 0 { throw bad("epochs must be >= 0, got \(epochs)") }
    if !(learningRate > 0) || !learningRate.isFinite { throw bad("learning rate must be > 0, got \(learningRate)") }
    if !(adamBeta1 >= 0 && adamBeta1 < 1 && adamBeta2 >= 0 && adamBeta2 < 1) { throw bad("Adam betas must be in [0, 1)") }
    if !(adamEpsilon > 0) || !(adagradInitial >= 0) { throw bad("Adam epsilon must be > 0 and the Adagrad initial value >= 0") }
    if !(clipNorm >= 0) { throw bad("clip norm must be >= 0, got \(clipNorm)") }
    if warmupSteps < 0 { throw bad("warm-up steps must be >= 0") }
    if threads < 1 { throw bad("threads must be at least 1, got \(threads)") }
    if !userIdEmbedding && history == 0 { /* features alone may still define the query */ }
    if let sequence {
      try sequence.validate(embeddingDim: embeddingDim)
      if !layers.isEmpty || normalize {
        throw bad("the attention tower scores with the item table itself: drop --layers and --normalize")
      }
      if loss == .mse { throw bad("the attention tower trains with softmax, full-softmax or bce, not mse") }
      if gramWeight > 0 && gramEstimator == .exact { throw bad("the attention tower's Gram term uses the batch or sogram estimator, not exact") }
      if loss != .softmax && (logQ != .none || mixedNegatives > 0 || removeAccidentalHits) {
        throw bad("logQ correction, mixed negatives and accidental-hit removal apply to the sampled softmax loss, not \(loss.rawValue)")
      }
    } else if loss == .fullSoftmax || loss == .bce {
      throw bad("the \(loss.rawValue) loss needs the attention history encoder (--history-encoder attention)")
    }
    if loss == .mse && logQ != .none { throw bad("logQ correction applies to the softmax loss, not mse") }
    if isCorrectedLogQ && (logQ == .none || loss != .softmax) {
      throw bad("the corrected logQ form needs the softmax loss with a logQ correction (--logq exact or streaming)")
    }
    if loss == .mse && (mixedNegatives > 0 || removeAccidentalHits) {
      throw bad("mixed negatives and accidental-hit removal apply to the softmax loss, not mse")
    }
  }
}
