import EASE
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
  /// EASE's item limit and threads (lambda comes from the grid).
  public var ease = EASEConfig()
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
  /// The seed of one run (split, validation split, initialisation).
  public var seed: UInt64 = 1
  /// The seeds of a multi-seed comparison (``Comparison/run(_:)``): each
  /// runs the whole protocol; the report gives means, standard errors and
  /// paired intervals over them. Empty: ``seed`` only.
  public var seeds: [UInt64] = []
  /// Bootstrap replicates of each paired interval.
  public var bootstrapReplicates = 2000
  /// How many times a grid may extend itself past each edge when the best
  /// point lies on it (0: fixed grids; the report then flags edge choices).
  public var gridWidenings = 2
  /// The dimensions `ials-dims` tries in order, stopping at the first that
  /// does not improve validation (empty: ``dimension`` only).
  public var ialsDimensions: [Int] = [64, 128, 256, 512, 1024]
  /// The dimensions `two-tower-dims` tries in order with the best two-tower
  /// method's settings, stopping at the first that does not improve
  /// validation (empty: ``dimension`` only). The default is iALS's budget.
  public var twoTowerDimensions: [Int] = [64, 128, 256, 512, 1024]
  /// iALS switches to the block solver (iALS++) above this dimension.
  public var blockSolverAbove = 128
  /// Whether every seed tunes afresh or later seeds reuse the first seed's choices.
  public var retune: Retune = .everySeed

  /// Which seeds of a multi-seed comparison run the grid searches.
  public enum Retune: String, Sendable, Codable, CaseIterable {
    /// Every seed tunes every method on its own validation split: the
    /// intervals include the variance of tuning (the default).
    case everySeed = "every"
    /// The first seed tunes; later seeds refit its chosen settings on their
    /// own split and initialisation (no grid searches). The intervals then
    /// hold the choices fixed: they measure split and initialisation noise,
    /// not tuning noise. For datasets whose per-seed grids would not fit the
    /// time budget (amazon-book, epinions).
    case firstSeed = "first"
  }

  public init() {}

  /// The seeds actually run.
  public var runSeeds: [UInt64] { seeds.isEmpty ? [seed] : seeds }

  enum CodingKeys: String, CodingKey {
    case methods, dimension, twoTower, ials, ease, mseOptimizer, mseLearningRate, mseL2, grids, validationFraction
    case tuneMetric, ks, popularityBuckets, curveUsers, threads, seed, seeds, bootstrapReplicates
    case gridWidenings, ialsDimensions, twoTowerDimensions, blockSolverAbove, retune
  }

  /// Settings written before a field existed get its default.
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    let d = ComparisonConfig()
    methods = try c.decodeIfPresent([ComparisonMethod].self, forKey: .methods) ?? d.methods
    dimension = try c.decodeIfPresent(Int.self, forKey: .dimension) ?? d.dimension
    twoTower = try c.decodeIfPresent(TwoTowerConfig.self, forKey: .twoTower) ?? d.twoTower
    ials = try c.decodeIfPresent(IALSConfig.self, forKey: .ials) ?? d.ials
    ease = try c.decodeIfPresent(EASEConfig.self, forKey: .ease) ?? d.ease
    mseOptimizer = try c.decodeIfPresent(TwoTowerOptimizer.self, forKey: .mseOptimizer) ?? d.mseOptimizer
    mseLearningRate = try c.decodeIfPresent(Float.self, forKey: .mseLearningRate) ?? d.mseLearningRate
    mseL2 = try c.decodeIfPresent(Float.self, forKey: .mseL2) ?? d.mseL2
    grids = try c.decodeIfPresent(ComparisonGrids.self, forKey: .grids) ?? d.grids
    validationFraction = try c.decodeIfPresent(Double.self, forKey: .validationFraction) ?? d.validationFraction
    tuneMetric = try c.decodeIfPresent(String.self, forKey: .tuneMetric) ?? d.tuneMetric
    ks = try c.decodeIfPresent([Int].self, forKey: .ks) ?? d.ks
    popularityBuckets = try c.decodeIfPresent(Int.self, forKey: .popularityBuckets) ?? d.popularityBuckets
    curveUsers = try c.decodeIfPresent(Int.self, forKey: .curveUsers) ?? d.curveUsers
    threads = try c.decodeIfPresent(Int.self, forKey: .threads) ?? d.threads
    seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? d.seed
    seeds = try c.decodeIfPresent([UInt64].self, forKey: .seeds) ?? []
    bootstrapReplicates = try c.decodeIfPresent(Int.self, forKey: .bootstrapReplicates) ?? d.bootstrapReplicates
    gridWidenings = try c.decodeIfPresent(Int.self, forKey: .gridWidenings) ?? 0
    ialsDimensions = try c.decodeIfPresent([Int].self, forKey: .ialsDimensions) ?? []
    twoTowerDimensions = try c.decodeIfPresent([Int].self, forKey: .twoTowerDimensions) ?? []
    blockSolverAbove = try c.decodeIfPresent(Int.self, forKey: .blockSolverAbove) ?? d.blockSolverAbove
    retune = try c.decodeIfPresent(Retune.self, forKey: .retune) ?? d.retune
  }

  /// CI-sized settings: the quick grids, 2 two-tower epochs, 3 iALS epochs.
  public static func quick(_ base: ComparisonConfig = ComparisonConfig()) -> ComparisonConfig {
    var c = base
    c.grids = .quick
    c.twoTower.epochs = min(c.twoTower.epochs, 2)
    c.ials.epochs = min(c.ials.epochs, 3)
    c.curveUsers = min(c.curveUsers, 200)
    c.gridWidenings = 0
    c.ialsDimensions = [16, 32]
    c.twoTowerDimensions = [16, 32]
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
    if Set(seeds).count != seeds.count { throw .invalidConfig("seeds must differ, got \(seeds)") }
    if gridWidenings < 0 { throw .invalidConfig("grid widenings must be >= 0, got \(gridWidenings)") }
    if ialsDimensions.contains(where: { $0 < 1 }) { throw .invalidConfig("iALS dimensions must be >= 1, got \(ialsDimensions)") }
    if twoTowerDimensions.contains(where: { $0 < 1 }) {
      throw .invalidConfig("two-tower dimensions must be >= 1, got \(twoTowerDimensions)")
    }
    if bootstrapReplicates < 100 { throw .invalidConfig("bootstrap replicates must be at least 100, got \(bootstrapReplicates)") }
    try grids.validate()
  }

  static func cutoff(_ metric: String) -> Int? {
    let parts = metric.split(separator: "@")
    return parts.count == 2 ? Int(parts[1]) : nil
  }
}
