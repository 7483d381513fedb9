import IALS
import LinearAlgebra
import TwoTower

/// Everything a comparison (or a single-method tuning run) shares: the
/// methods, the dimension, the base training settings of each family, the
/// grids and the protocol.
public struct ComparisonConfig: Sendable, Codable, Equatable {
  public var methods: [ComparisonMethod] = ComparisonMethod.allCases
  /// Embedding dimension of every model (iALS factors, two-tower output width).
  public var dimension = 64
  /// Base two-tower settings (towers, batch, epochs, optimiser, features use);
  /// the loss terms and their weights are set per method.
  public var twoTower = TwoTowerConfig()
  /// Base iALS settings (epochs, solver, confidence); alpha0 and lambda come from the grid.
  public var ials: IALSConfig = {
    var c = IALSConfig()
    c.regularizationExponent = 1
    return c
  }()
  /// MSE + Gram's own optimiser (SGD on the squared loss wants a small Adam step) and output L2.
  public var mseOptimizer: TwoTowerOptimizer = .adam
  public var mseLearningRate: Float = 0.003
  public var mseL2: Float = 0.01
  public var grids = ComparisonGrids()
  /// Fraction of each user's training pairs held out as the validation split.
  public var validationFraction = 0.1
  /// The validation metric that picks each grid point (higher is better).
  public var tuneMetric = "recall@20"
  /// Cut-offs evaluated on the test split.
  public var ks = [20, 50, 100]
  /// Equal-sized item-popularity buckets for recall by popularity (the bias plot).
  public var popularityBuckets = 10
  /// Test users sampled for the learning curves (recall@20 after every epoch
  /// of each final fit; plotted, never used to choose anything). 0: no curves.
  public var curveUsers = 2000
  public var threads = Parallel.availableThreads
  public var seed: UInt64 = 1

  public init() {}

  /// CI-sized settings: the quick grids, 2 two-tower epochs, 3 iALS epochs.
  public static func quick(_ base: ComparisonConfig = ComparisonConfig()) -> ComparisonConfig {
    var c = base
    c.grids = .quick
    c.twoTower.epochs = min(c.twoTower.epochs, 2)
    c.ials.epochs = min(c.ials.epochs, 3)
    c.curveUsers = min(c.curveUsers, 200)
    return c
  }

  /// Throws ``ComparisonError/invalidConfig(_:)`` naming the first bad value.
  public func validate() throws(ComparisonError) {
    if methods.isEmpty { throw .invalidConfig("no methods selected") }
    if dimension < 1 { throw .invalidConfig("dimension must be at least 1, got \(dimension)") }
    if !(validationFraction > 0 && validationFraction < 1) {
      throw .invalidConfig("validation fraction must be in (0, 1), got \(validationFraction)")
    }
    guard let k = Self.cutoff(tuneMetric), ["recall", "ndcg"].contains(tuneMetric.split(separator: "@")[0]), k >= 1 else {
      throw .invalidConfig("tune metric must be recall@K or ndcg@K, got '\(tuneMetric)'")
    }
    if ks.isEmpty || ks.contains(where: { $0 < 1 }) { throw .invalidConfig("cut-offs must be >= 1, got \(ks)") }
    if popularityBuckets < 0 || curveUsers < 0 { throw .invalidConfig("popularity buckets and curve users must be >= 0") }
    if threads < 1 { throw .invalidConfig("threads must be at least 1") }
    try grids.validate()
  }

  static func cutoff(_ metric: String) -> Int? {
    let parts = metric.split(separator: "@")
    return parts.count == 2 ? Int(parts[1]) : nil
  }
}
